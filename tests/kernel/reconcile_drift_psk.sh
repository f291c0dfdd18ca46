# Drift repair of preshared keys (issue #11 B3): the full apply takes the
# kernel's preshared key where the check it stored for the row vouches
# for it, and opens the sealed key otherwise.  A key changed or removed
# on the gateway from outside (wg set) breaks the endpoint's tunnel; the
# next apply sends exactly those peers again, with the stored keys, and
# the tunnel works; a no-op apply opens no key and sends nothing; a key
# rotated in the database is sent too.  The network's private key goes
# the same way (its check is of the public key the device shows): opened
# on the first apply, vouched for on a no-op, and a key set from outside
# is opened and set back, and the tunnels work again.
# kernel-test-cost: 94
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network drift --type secure-internet > /dev/null || kt_bail "create-network drift"
for ep in a b c; do
	warpctl create-endpoint drift "$ep" --type mobile > /dev/null ||
	    kt_bail "create-endpoint drift/$ep"
done
warp_check_apply "apply creates the network and 3 peers" || kt_finish
kt_check_out "the first apply opened the 3 preshared keys" \
    'preshared keys: 3 opened, 0 ' cat "$KT_TMP/apply.out"
kt_check_out "... and the network's private key" \
    'network keys: 1 opened, 0 ' cat "$KT_TMP/apply.out"
warp_apply
kt_check "a no-op apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_check_out "... and opens no preshared key: the kernel's 3 are vouched for" \
    'preshared keys: 0 opened, 3 as the kernel has them' cat "$KT_TMP/apply.out"
kt_check_out "... nor the network's key: the device's is vouched for" \
    'network keys: 0 opened, 1 as the kernel has them' cat "$KT_TMP/apply.out"

warp_host kt-a drift/a
warp_host kt-b drift/b
kt_check "drift/a reaches the internet host" kt_ping kt-a 198.51.100.2 10
kt_check "drift/b reaches the internet host" kt_ping kt-b 198.51.100.2 10

wgif=$(kt_in kt-gw ip -o link show type wireguard | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | head -n 1)
pa=$(sed -n 's/^PrivateKey = //p' "$KT_TMP/kt-a/wg0.conf" | wg pubkey)
pb=$(sed -n 's/^PrivateKey = //p' "$KT_TMP/kt-b/wg0.conf" | wg pubkey)
psa=$(sed -n 's/^PresharedKey = //p' "$KT_TMP/kt-a/wg0.conf")
(umask 077; wg genpsk > "$KT_TMP/other.psk")
kt_in kt-gw wg set "$wgif" peer "$pa" preshared-key "$KT_TMP/other.psk" ||
    kt_bail "wg set: a's preshared key"
kt_in kt-gw wg set "$wgif" peer "$pb" preshared-key /dev/null ||
    kt_bail "wg set: b's preshared key removed"
# a handshake with the wrong key fails: restart a's side to force one
kt_in kt-a ip link del wg0
warp_load_conf kt-a "$KT_TMP/kt-a/wg0.conf" || kt_bail "reload a's config"
kt_check "with its preshared key changed on the gateway, drift/a gets no answer" \
    kt_no_ping kt-a 198.51.100.2

warp_apply
kt_check_out "the apply after the drift sends the 2 peers in 1 message" \
    'sent 1 write messages: rtnetlink 0, wireguard 1 \(2 peers\), nftables 0' cat "$KT_TMP/apply.out"
kt_check_out "... both as changes" 'change peer a ' cat "$KT_TMP/apply.out"
kt_check_out "... and opened just those 2 keys" \
    'preshared keys: 2 opened, 1 as the kernel has them' cat "$KT_TMP/apply.out"
got=$(kt_in kt-gw wg show "$wgif" preshared-keys | awk -v k="$pa" '$1 == k { print $2 }')
kt_check "a's preshared key on the gateway is its config's again" [ "$got" = "$psa" ]
kt_check "drift/a reaches the internet host again" kt_ping kt-a 198.51.100.2 15
kt_check "drift/b reaches the internet host" kt_ping kt-b 198.51.100.2 10
warp_apply
kt_check "the next apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl rotate-keys drift/c > "$KT_TMP/rotate.out" 2>&1 || kt_bail "rotate-keys drift/c" "$(cat "$KT_TMP/rotate.out")"
warp_apply
kt_check_out "a re-keyed endpoint: its new key opened, the other 2 vouched for" \
    'preshared keys: 1 opened, 2 as the kernel has them' cat "$KT_TMP/apply.out"
kt_check_out "... its new peer created and the old one removed" \
    'wireguard 1 \(2 peers\)' cat "$KT_TMP/apply.out"
warp_apply
kt_check "and then 0 write messages" [ "$WARP_SENT" = 0 ]

# The gateway's private key changed from outside: no handshake works.
pub=$(kt_in kt-gw wg show "$wgif" public-key)
(umask 077; wg genkey > "$KT_TMP/other.key")
kt_in kt-gw wg set "$wgif" private-key "$KT_TMP/other.key" ||
    kt_bail "wg set: the device's private key"
kt_in kt-a ip link del wg0
warp_load_conf kt-a "$KT_TMP/kt-a/wg0.conf" || kt_bail "reload a's config"
kt_check "with the gateway's private key changed, drift/a gets no answer" \
    kt_no_ping kt-a 198.51.100.2
warp_apply
kt_check_out "the apply after it sets the key back in 1 message" \
    'sent 1 write messages: rtnetlink 0, wireguard 1 \(0 peers\), nftables 0' cat "$KT_TMP/apply.out"
kt_check_out "... having opened the network's key (the device's was not vouched for)" \
    'network keys: 1 opened, 0 ' cat "$KT_TMP/apply.out"
kt_check "the device's public key is the network's again" \
    [ "$(kt_in kt-gw wg show "$wgif" public-key)" = "$pub" ]
kt_check "drift/a reaches the internet host again" kt_ping kt-a 198.51.100.2 15
warp_apply
kt_check "then 0 write messages, the key vouched for again" \
    sh -c "[ '$WARP_SENT' = 0 ] && grep -q 'network keys: 0 opened, 1 ' '$KT_TMP/apply.out'"
kt_finish
