# Configs as a real client sees them: the exported file's private key run
# through Debian's `wg pubkey` equals the public key warpctl reports, the
# PNG QR code decodes (zbarimg) to exactly the exported config, the config
# parses with `wg-quick strip`, and history/diff/rollback work from the CLI.
. "$(dirname "$0")/lib.sh"

w init --public-host 192.0.2.44 > /dev/null
w create-network home --type secure-internet --dns 9.9.9.9 > /dev/null
w create-network sites --type l3vpn > /dev/null
w create-endpoint home phone --type mobile > /dev/null
w create-endpoint sites a --type cpe --lan-subnet 192.168.1.0/24 > /dev/null
w create-endpoint sites b --type cpe --lan-subnet 192.168.2.0/24 > /dev/null

w export-config home/phone --filename "$SCRATCH/phone.conf"
check "export-config writes the file with mode 0600" \
    test "$(stat -c %a "$SCRATCH/phone.conf")" = 600
priv=$(sed -n 's/^PrivateKey = //p' "$SCRATCH/phone.conf")
derived=$(printf '%s\n' "$priv" | wg pubkey)
reported=$(w list-endpoints --json | json '[e["public_key"] for e in j if e["name"]=="phone"][0]')
check "wg pubkey of the exported private key equals the reported public key" \
    test -n "$derived" -a "$derived" = "$reported"
check "show-config prints the same text as the exported file" \
    sh -c "'$WARPCTL' --db '$DB' show-config home/phone | cmp -s - '$SCRATCH/phone.conf'"
check "the exported config has Endpoint host:port and the full tunnel" \
    sh -c "grep -qx 'Endpoint = 192.0.2.44:51820' '$SCRATCH/phone.conf' && grep -qx 'AllowedIPs = 0.0.0.0/0, ::/0' '$SCRATCH/phone.conf'"
cp "$SCRATCH/phone.conf" "$SCRATCH/wgtest0.conf"
check "wg-quick accepts the config (wg-quick strip)" \
    sh -c "wg-quick strip '$SCRATCH/wgtest0.conf' > '$SCRATCH/stripped' 2>/dev/null"
check "the stripped config loads into wg's parser (wg showconf format)" \
    sh -c "grep -q '^PrivateKey = ' '$SCRATCH/stripped' && grep -q '^PresharedKey = ' '$SCRATCH/stripped' && ! grep -q '^DNS' '$SCRATCH/stripped'"

w qr home/phone --png "$SCRATCH/phone.png"
zbarimg --raw -q "$SCRATCH/phone.png" > "$SCRATCH/decoded" 2>/dev/null
# zbarimg ends its output with a newline of its own.
printf '\n' >> "$SCRATCH/phone.conf.nl"
cat "$SCRATCH/phone.conf" "$SCRATCH/phone.conf.nl" > "$SCRATCH/expected"
check "zbarimg decodes the PNG QR code to exactly the exported config" \
    cmp -s "$SCRATCH/decoded" "$SCRATCH/expected"
w qr home/phone --svg "$SCRATCH/phone.svg"
check "the SVG QR code is an SVG document" \
    sh -c "head -c 4 '$SCRATCH/phone.svg' | grep -q '<svg' && python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' '$SCRATCH/phone.svg'"
check "qr in the terminal prints block characters" \
    sh -c "'$WARPCTL' --db '$DB' qr home/phone | grep -q '█'"

# A device that keeps its own key.
(umask 077; wg genkey > "$SCRATCH/own.key")
own_pub=$(wg pubkey < "$SCRATCH/own.key")
w create-endpoint home laptop --type mobile --public-key "$own_pub" > /dev/null
w show-config home/laptop > "$SCRATCH/laptop.conf"
check "an endpoint with its own key gets no PrivateKey line" \
    sh -c "! grep -q '^PrivateKey' '$SCRATCH/laptop.conf' && grep -q 'device generated its own key' '$SCRATCH/laptop.conf'"
check "and the server reports the device's public key" \
    test "$(w show-endpoint home/laptop --json | json 'j["public_key"]+str(j["private_key_held"])')" = "${own_pub}False"

# Versions.
check "site a is at version 2 after site b joined" \
    test "$(w show-endpoint sites/a --json | json 'j["config_version"]')" = 2
w history sites/a > "$SCRATCH/hist"
check "history lists reasons and marks the current version" \
    sh -c "grep -q \"site 'b' added (current)\" '$SCRATCH/hist' && grep -q 'created' '$SCRATCH/hist'"
w diff sites/a 1 2 > "$SCRATCH/diff"
check "diff shows the added LAN route" \
    sh -c "grep -qx -- '-AllowedIPs = 10.104.0.0/28' '$SCRATCH/diff' && grep -qx -- '+AllowedIPs = 10.104.0.0/28, 192.168.2.0/24' '$SCRATCH/diff'"
check "diff hides the keys" sh -c "! grep -q \"$priv\" '$SCRATCH/diff'"
w edit-network home --dns 1.0.0.1 --mtu 1380
check "editing the network makes a new version with the reason" \
    sh -c "'$WARPCTL' --db '$DB' history home/phone | grep -q 'network edited: DNS, MTU (current)'"
w rotate-keys home/phone
check "rotate-keys makes version 3 with a new key" \
    test "$(w show-endpoint home/phone --json | json 'j["config_version"]')" = 3 -a \
    "$(w show-endpoint home/phone --json | json 'j["public_key"]')" != "$reported"
# Rotation retires the old keys (issue 12; before, a rollback to version 2
# restored them): version 2 keeps its text with the keys masked and a
# rollback to it never brings the retired key back.
w show-config home/phone --version 2 > "$SCRATCH/v2"
check "after a rotation version 2 shows its keys masked" \
    sh -c "grep -q '^PrivateKey = (hidden, fingerprint' '$SCRATCH/v2' && ! grep -q \"$priv\" '$SCRATCH/v2'"
check "and the diff of versions 2 and 3 still works" \
    sh -c "'$WARPCTL' --db '$DB' diff home/phone 2 3 | grep -q '^+PrivateKey = (hidden'"
expect_refused "a rollback to version 2 never restores its retired key (and says so)" 1 "retired" rollback home/phone 2
check "the public key stays the rotated one" \
    test "$(w show-endpoint home/phone --json | json 'j["public_key"]')" != "$reported"
expect_refused "rollback to the current version is refused" 1 "already" rollback home/phone 3
expect_refused "rollback to a missing version is refused" 1 "no config version 9" rollback home/phone 9
expect_refused "diff with a bad version number" 1 "V2 must be" diff home/phone 1 x
w config set public-host vpn2.example.org
check "changing the public host re-versions every config" \
    sh -c "'$WARPCTL' --db '$DB' show-config sites/b | grep -qx 'Endpoint = vpn2.example.org:51821' && '$WARPCTL' --db '$DB' history sites/b | grep -q 'server public host changed (current)'"
finish
