# A full network grows in place (issue #11): a Secure Internet /30 at
# 10.96.4.4 holds its one endpoint; `edit-network --expected-users 10`
# makes it the /28 at 10.96.4.0 (the gateway keeps 10.96.4.5) and the next
# apply moves the gateway's address to the /28 and the NAT and routes with
# it, without touching the tunnel: the old endpoint's tunnel keeps passing
# traffic with no new handshake (same WireGuard device), and a new endpoint
# in the lower part of the larger range (10.96.4.1) connects and reaches the
# internet host and the old endpoint.
# kernel-test-timeout: 900
# kernel-test-cost: 89
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network grow --type secure-internet --subnet 10.96.4.4/30 \
    --peer-communication > /dev/null || kt_bail "create-network grow"
warpctl create-endpoint grow old --type mobile > /dev/null ||
    kt_bail "create-endpoint grow/old"
if warpctl create-endpoint grow new --type mobile > "$KT_TMP/full.out" 2>&1; then
	kt_notok "the /30 is full after one endpoint" "$(cat "$KT_TMP/full.out")"
else
	kt_check_out "the /30 is full after one endpoint" "is full" cat "$KT_TMP/full.out"
fi
warp_check_apply "apply creates the /30 network" || kt_finish
WG=$(warpctl show-network grow --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["interfaces"]["wireguard"])')
warp_host kt-old grow/old
kt_check "old endpoint (10.96.4.6) reaches the internet host" kt_ping kt-old 198.51.100.2 10
hs1=$(kt_in kt-old wg show wg0 latest-handshakes | awk '{ print $2 }')
idx1=$(kt_in kt-gw cat "/sys/class/net/$WG/ifindex")
kt_check "the tunnel has a handshake" [ "${hs1:-0}" -gt 0 ]

warpctl edit-network grow --expected-users 10 > "$KT_TMP/edit.out" 2>&1 ||
    kt_notok "edit-network grow --expected-users 10" "$(cat "$KT_TMP/edit.out")"
kt_check_out "the network is now the /28 around it, gateway unchanged" \
    '"subnet":"10.96.4.0/28","gateway_ip":"10.96.4.5"' warpctl show-network grow --json
# Traffic through the tunnel while the apply runs.
kt_in kt-old ping -q -i 0.2 -w 40 198.51.100.2 > "$KT_TMP/during.ping" 2>&1 &
pinger=$!
sleep 1
warp_check_apply "apply after growing the network"
wait "$pinger"
kt_check_out "the gateway's address is 10.96.4.5/28, the /30 is gone" \
    '^inet 10.96.4.5/28$' sh -c "ip netns exec kt-gw ip -4 -o addr show dev $WG | awk '{ print \$3, \$4 }'"
kt_check "no rule or route names the old /30 any more" \
    sh -c "! ip netns exec kt-gw ip -4 rule show | grep -q '10.96.4.4/30' &&
        ! ip netns exec kt-gw ip -4 route show table all | grep -q '10.96.4.4/30'"
kt_check_out "the return rule now names the /28" 'to 10.96.4.0/28' \
    kt_in kt-gw ip -4 rule show
kt_check "only one address on the WireGuard device" \
    [ "$(kt_in kt-gw ip -4 -o addr show dev "$WG" | wc -l)" = 1 ]
kt_check "the WireGuard device was not recreated (same ifindex $idx1)" \
    [ "$(kt_in kt-gw cat "/sys/class/net/$WG/ifindex")" = "$idx1" ]
kt_check_out "pings through the tunnel during the apply got answers" \
    ' [1-9][0-9]* received' cat "$KT_TMP/during.ping"
kt_check "old endpoint still reaches the internet host after the apply" \
    kt_ping kt-old 198.51.100.2 10
hs2=$(kt_in kt-old wg show wg0 latest-handshakes | awk '{ print $2 }')
kt_check "no new handshake on the old tunnel ($hs1 -> $hs2)" [ "$hs1" = "$hs2" ]

warpctl create-endpoint grow new --type mobile > "$KT_TMP/new.out" 2>&1 ||
    kt_notok "create-endpoint grow/new in the grown network" "$(cat "$KT_TMP/new.out")"
kt_check_out "the new endpoint takes the lowest free address of the /28" \
    '"overlay_ip":"10.96.4.1"' warpctl show-endpoint grow/new --json
warp_check_apply "apply adds the new endpoint"
kt_check_out "adding it sends one peer update" 'wireguard 1 \(1 peers\)' \
    cat "$KT_TMP/apply.out"
warp_host kt-new grow/new
kt_check "new endpoint (10.96.4.1) reaches the internet host" kt_ping kt-new 198.51.100.2 10
up=$(warp_counter from_uplink); ov=$(warp_counter from_overlay)
kt_check "NAT covers the grown range: the internet host never saw an overlay source ($ov)" \
    [ "${ov:-1}" -eq 0 ]
kt_check "peer communication across the old and new range: new reaches old" \
    kt_ping kt-new 10.96.4.6 10
kt_check "and old reaches new" kt_ping kt-old 10.96.4.1 5
warp_apply
kt_check "a second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
