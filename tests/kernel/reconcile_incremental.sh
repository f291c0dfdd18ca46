# The incremental apply (issue 11), counted, not timed: in an appliance of
# several networks of every type, one Secure Internet network holds 10,000
# endpoints.  Adding one endpoint to it and running `warpctl apply
# --changes` reconciles that endpoint only (the journal names it,
# migrations/0009): 1 write message (one WireGuard SET_DEVICE with one
# peer) and 1 read (the link get by name; no WireGuard device read, no
# dump of every link, no firewall or traffic table); its dry run
# announces the same counts; the new endpoint's exported config
# handshakes and pings through.  Disabling one removes exactly that peer,
# a re-key swaps its old key for the new one in one message, a delete
# removes its key, each with the same one read; a --changes with nothing
# journaled sends and reads nothing; a change that reaches past one
# network's peers (a site's LAN) falls back to the full apply; and after
# it all, the full apply finds nothing left to do.
# kernel-test-timeout: 1500
# kernel-test-cost: 381
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
D=$KT_TMP/runs
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init
warpctl create-network big --type secure-internet --expected-users 10100 > /dev/null ||
    kt_bail "create-network big"
warpctl create-network si2 --type secure-internet > /dev/null || kt_bail "create-network si2"
warpctl create-network rg --type resource-gateway --resource-subnet 172.16.50.0/24 \
    > /dev/null || kt_bail "create-network rg"
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-network wire --type l2-p2p --vlan-range 100-110 > /dev/null ||
    kt_bail "create-network wire"
warpctl create-network floor --type l2-mesh --vni 5000 --vlan 300 --expected-users 6 \
    > /dev/null || kt_bail "create-network floor"
for n in si2 rg; do
	warpctl create-endpoint $n a --type mobile > /dev/null || kt_bail "create-endpoint $n/a"
done
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteA"
for n in wire floor; do
	warpctl create-endpoint $n siteA --type cpe > /dev/null || kt_bail "create-endpoint $n/siteA"
	warpctl create-endpoint $n siteB --type cpe > /dev/null || kt_bail "create-endpoint $n/siteB"
done
warpctl create-endpoints big 'ep-{n}' --count 10000 --type mobile > "$KT_TMP/bulk.out" 2>&1 ||
    kt_bail "create-endpoints --count 10000" "$(tail -n 5 "$KT_TMP/bulk.out")"
echo "# 6 networks and 10,000 endpoints created"

vcid=$(sqlite3 "$WARP_DB" "SELECT vcid FROM networks WHERE name = 'big'")
wgbig=wg$vcid
peers() { kt_in kt-gw wg show "$wgbig" peers | wc -l; }

warp_check_apply "full apply of 6 networks, one of 10,000 endpoints"
cp "$KT_TMP/apply.out" "$D/full.txt"
echo "# $(grep '^sent' "$KT_TMP/apply.out")"
echo "# $(grep '^read' "$KT_TMP/apply.out")"
n=$(peers)
kt_check "the kernel has 10,000 peers on $wgbig ($n)" [ "$n" -eq 10000 ]

# The counts lines of a plan, field by field.
sent_of() { sed -n 's/^\(sent\|would send\) \([0-9]* write messages.*\)/\2/p' "$1"; }
read_of() { sed -n 's/^read \(.*\)/\1/p' "$1"; }
NOREAD='0 requests: rtnetlink 0 (0 dumps of every link), wireguard 0 devices, firewall and traffic tables 0'
ONELINK='1 requests: rtnetlink 1 (0 dumps of every link), wireguard 0 devices, firewall and traffic tables 0'
ONEMSG='^sent 1 write messages: rtnetlink 0, wireguard 1 \(1 peers\), nftables 0 in 0 batch\(es\), sysctl 0, tc 0$'

warp_apply --changes
cp "$KT_TMP/apply.out" "$D/after-full.txt"
kt_check "--changes right after the full apply: nothing journaled, 0 sent" [ "$WARP_SENT" = 0 ]
kt_check "... and nothing read ($(read_of "$D/after-full.txt"))" \
    [ "$(read_of "$D/after-full.txt")" = "$NOREAD" ]

warpctl create-endpoint big newcomer --type mobile > /dev/null || kt_notok "create-endpoint big/newcomer"
warp_apply --changes --dry-run
cp "$KT_TMP/apply.out" "$D/add-dry.txt"
warp_apply --changes
rc=$?
cp "$KT_TMP/apply.out" "$D/add.txt"
echo "# $(grep '^sent' "$D/add.txt")"
echo "# $(grep '^read' "$D/add.txt")"
kt_check "--changes after adding one endpoint succeeds" [ "$rc" = 0 ]
kt_check_out "it reconciled the new endpoint of network big only, without the full apply" \
    '^journal: network big: the peers of 1 endpoint\(s\) only$' sh -c "grep -v 'full apply' '$D/add.txt'"
kt_check_out "... setting its peer" "^set peer newcomer on $wgbig allowed-ips " cat "$D/add.txt"
kt_check "adding one endpoint to 10,000: <= 3 write messages (sent $WARP_SENT)" \
    [ "$WARP_SENT" -le 3 ]
kt_check_out "... exactly one WireGuard message with one peer" "$ONEMSG" cat "$D/add.txt"
kt_check "... and read one link get only: no WireGuard device, no link dump, no table ($(read_of "$D/add.txt"))" \
    [ "$(read_of "$D/add.txt")" = "$ONELINK" ]
kt_check "the dry run announced the same writes ($(sent_of "$D/add-dry.txt"))" \
    [ "$(sent_of "$D/add-dry.txt")" = "$(sent_of "$D/add.txt")" ]
kt_check "the dry run announced the same reads" \
    [ "$(read_of "$D/add-dry.txt")" = "$(read_of "$D/add.txt")" ]
n=$(peers)
kt_check "the kernel has 10,001 peers on $wgbig ($n)" [ "$n" -eq 10001 ]
st=$(sqlite3 "$WARP_DB" "SELECT status FROM apply_status WHERE object_type = 'endpoint'
    AND object_id = (SELECT id FROM endpoints WHERE name = 'newcomer')")
kt_check "the new endpoint's status is applied ($st)" [ "$st" = applied ]

warp_host kt-new big/newcomer
kt_check "the new endpoint's exported config reaches the internet host" \
    kt_ping kt-new 198.51.100.2 15
hs=$(kt_in kt-gw wg show "$wgbig" latest-handshakes | awk '$2 != 0' | wc -l)
kt_check "it handshook with the gateway ($hs peer with a handshake)" [ "$hs" -eq 1 ]

warp_apply --changes
cp "$KT_TMP/apply.out" "$D/again.txt"
kt_check "a second --changes: 0 sent" [ "$WARP_SENT" = 0 ]
kt_check "... and nothing read" [ "$(read_of "$D/again.txt")" = "$NOREAD" ]

key=$(warpctl show-endpoint big/ep-500 --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])' 2>/dev/null)
warpctl disable-endpoint big/ep-500 > /dev/null || kt_notok "disable-endpoint big/ep-500"
warp_apply --changes
cp "$KT_TMP/apply.out" "$D/disable.txt"
kt_check_out "disabling one of 10,001: 1 WireGuard message, 1 peer" "$ONEMSG" cat "$D/disable.txt"
kt_check_out "... the peer removed is ep-500's" "^remove peer ep-500 from $wgbig \\(disabled or expired\\)$" \
    cat "$D/disable.txt"
kt_check "... and the only peer line" [ "$(grep -c ' peer ' "$D/disable.txt")" = 1 ]
kt_check "... reading one link get only ($(read_of "$D/disable.txt"))" \
    [ "$(read_of "$D/disable.txt")" = "$ONELINK" ]
n=$(peers)
kt_check "the kernel has 10,000 peers on $wgbig ($n)" [ "$n" -eq 10000 ]
gone() { [ -n "$1" ] && ! kt_in kt-gw wg show "$wgbig" peers | grep -qxF "$1"; }
there() { [ -n "$1" ] && kt_in kt-gw wg show "$wgbig" peers | grep -qxF "$1"; }
kt_check "ep-500's key (${key:-unknown}) is not among them" gone "$key"
kt_check "the new endpoint still pings" kt_ping kt-new 198.51.100.2 5

# A key as an extended regular expression (base64 has + in it).
ere() { printf '%s' "$1" | sed 's/[]\\.^$*+?(){}|[]/\\&/g'; }
pubkey() { warpctl show-endpoint "$1" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])' 2>/dev/null; }
old=$(pubkey big/ep-600)
warpctl rotate-keys big/ep-600 > /dev/null || kt_notok "rotate-keys big/ep-600"
new=$(pubkey big/ep-600)
warp_apply --changes
cp "$KT_TMP/apply.out" "$D/rekey.txt"
kt_check_out "re-keying one: 1 WireGuard message, 2 peers (old key out, new key in)" \
    '^sent 1 write messages: rtnetlink 0, wireguard 1 \(2 peers\), nftables 0 in 0 batch\(es\), sysctl 0, tc 0$' \
    cat "$D/rekey.txt"
kt_check_out "... removing the old key" "^remove peer $(ere "$old") from $wgbig \\(the old key of a deleted or re-keyed endpoint\\)$" \
    cat "$D/rekey.txt"
kt_check_out "... and setting ep-600 with its new one" "^set peer ep-600 on $wgbig allowed-ips " cat "$D/rekey.txt"
kt_check "... reading one link get only ($(read_of "$D/rekey.txt"))" \
    [ "$(read_of "$D/rekey.txt")" = "$ONELINK" ]
n=$(peers)
kt_check "the kernel still has 10,000 peers on $wgbig ($n)" [ "$n" -eq 10000 ]
kt_check "ep-600's old key (${old:-unknown}) is gone" gone "$old"
kt_check "ep-600's new key (${new:-unknown}) is there" there "$new"

old=$(pubkey big/ep-700)
warpctl delete-endpoint big/ep-700 > /dev/null || kt_notok "delete-endpoint big/ep-700"
warp_apply --changes
cp "$KT_TMP/apply.out" "$D/delete.txt"
kt_check_out "deleting one: 1 WireGuard message, 1 peer" "$ONEMSG" cat "$D/delete.txt"
kt_check_out "... removing its key" "^remove peer $(ere "$old") from $wgbig \\(the old key of a deleted or re-keyed endpoint\\)$" \
    cat "$D/delete.txt"
kt_check "... reading one link get only ($(read_of "$D/delete.txt"))" \
    [ "$(read_of "$D/delete.txt")" = "$ONELINK" ]
n=$(peers)
kt_check "the kernel has 9,999 peers on $wgbig ($n)" [ "$n" -eq 9999 ]
kt_check "ep-700's key (${old:-unknown}) is gone" gone "$old"
kt_check "the new endpoint still pings" kt_ping kt-new 198.51.100.2 5

# A site's LAN reaches routes and the firewall: the full apply.
warpctl create-endpoint l3 siteC --type cpe --lan-subnet 192.168.30.0/24 > /dev/null ||
    kt_notok "create-endpoint l3/siteC"
warp_apply --changes
rc=$?
cp "$KT_TMP/apply.out" "$D/lan.txt"
kt_check "a new site with a LAN: --changes succeeds" [ "$rc" = 0 ]
kt_check_out "... by the full apply, saying why" '^journal: network l3: a change beyond its peers and traffic limits: full apply$' \
    cat "$D/lan.txt"
kt_check_out "... which routes the LAN" 'create route 192.168.30.0/24' cat "$D/lan.txt"

warp_apply
cp "$KT_TMP/apply.out" "$D/final.txt"
kt_check "a full apply after the incremental ones sends 0 write messages" [ "$WARP_SENT" = 0 ]
warp_apply --changes
kt_check "and a --changes after it 0" [ "$WARP_SENT" = 0 ]
kt_finish
