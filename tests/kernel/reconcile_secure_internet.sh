# Secure Internet, realised by `warpctl apply` and used with the exported
# configs: endpoints reach the internet host, which sees the gateway's
# uplink address; hub-and-spoke keeps endpoints apart, peer communication
# lets them talk; disabling an endpoint stops its traffic, enabling brings
# it back; a second apply sends nothing.
# kernel-test-cost: 93
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network hub --type secure-internet > /dev/null || kt_bail "create-network hub"
warpctl create-network mesh --type secure-internet --peer-communication > /dev/null ||
    kt_bail "create-network mesh"
for ep in hub/a hub/b mesh/a mesh/b; do
	warpctl create-endpoint "${ep%/*}" "${ep#*/}" --type mobile > /dev/null ||
	    kt_bail "create-endpoint $ep"
done
n0=$(dmesg | grep -c "Failed to cycle device")
warp_check_apply "apply creates two secure-internet networks" || kt_finish
n1=$(dmesg | grep -c "Failed to cycle device")
kt_check "the VRF did not have to cycle a running WireGuard device ($n0 -> $n1)" \
    [ "$n0" -eq "$n1" ]

warp_host kt-ha hub/a
warp_host kt-hb hub/b
warp_host kt-ma mesh/a
warp_host kt-mb mesh/b
HA=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-ha/wg0.conf")
HB=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-hb/wg0.conf")
MA=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-ma/wg0.conf")
MB=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-mb/wg0.conf")

kt_check "hub/a reaches the internet host through the tunnel" kt_ping kt-ha 198.51.100.2 10
kt_check "hub/b reaches the internet host" kt_ping kt-hb 198.51.100.2 10
kt_check "mesh/a reaches the internet host" kt_ping kt-ma 198.51.100.2 10
up=$(warp_counter from_uplink); ov=$(warp_counter from_overlay)
if [ "${up:-0}" -gt 0 ] && [ "${ov:-1}" -eq 0 ]; then
	kt_ok "the internet host saw the uplink address as source ($up pings), never an overlay address"
else
	kt_notok "the internet host saw the uplink address as source" "from uplink: $up, from overlay: $ov"
fi
kt_check "the internet path really is the tunnel (handshake on hub/a)" \
    sh -c "ip netns exec kt-ha wg show wg0 latest-handshakes | grep -q '[[:space:]][1-9]'"

kt_check "hub-and-spoke: hub/a cannot reach hub/b" kt_no_ping kt-ha "$HB"
kt_check "hub-and-spoke: hub/b cannot reach hub/a" kt_no_ping kt-hb "$HA"
kt_check "mesh: mesh/a reaches mesh/b" kt_ping kt-ma "$MB" 10
kt_check "mesh: mesh/b reaches mesh/a" kt_ping kt-mb "$MA" 5

# Idempotence: nothing to send, and the kernel sees no change at all.
kt_in kt-gw ip monitor link address route rule > "$KT_TMP/monitor.rtnl" 2>&1 &
mon1=$!
kt_in kt-gw nft monitor > "$KT_TMP/monitor.nft" 2>&1 &
mon2=$!
sleep 1
warp_apply
sleep 1
kill "$mon1" "$mon2" 2>/dev/null
if [ "$WARP_SENT" = 0 ]; then
	kt_ok "second apply sends 0 write messages"
else
	kt_notok "second apply sends 0 write messages" "$(cat "$KT_TMP/apply.out")"
fi
if [ ! -s "$KT_TMP/monitor.rtnl" ] && [ ! -s "$KT_TMP/monitor.nft" ]; then
	kt_ok "second apply: ip monitor and nft monitor saw no event"
else
	kt_notok "second apply: ip monitor and nft monitor saw no event" \
	    "$(cat "$KT_TMP/monitor.rtnl" "$KT_TMP/monitor.nft")"
fi

# Disable / enable.
warpctl disable-endpoint hub/a > /dev/null || kt_notok "disable-endpoint hub/a"
warp_check_apply "apply after disabling hub/a"
kt_check_out "disabling one endpoint sends one peer update" \
    'wireguard 1 \(1 peers\)' cat "$KT_TMP/apply.out"
kt_check "disabled hub/a no longer reaches the internet host" kt_no_ping kt-ha 198.51.100.2
kt_check "hub/b still does" kt_ping kt-hb 198.51.100.2 5
warpctl enable-endpoint hub/a > /dev/null || kt_notok "enable-endpoint hub/a"
warp_check_apply "apply after enabling hub/a"
kt_check "re-enabled hub/a reaches the internet host again" kt_ping kt-ha 198.51.100.2 10

# Expiry: the peer goes at the first apply after the endpoint expired.
# The apply "after" runs an hour later by its own clock (libfaketime), so
# the test does not race the wall clock on a slow, busy machine.
exp=$(date -u -d '@'$(( $(date +%s) + 1800 )) +%Y-%m-%dT%H:%M:%SZ)
warpctl set-expiry hub/b "$exp" > /dev/null || kt_notok "set-expiry hub/b $exp"
warp_apply
kt_check "before it expires, hub/b still reaches the internet host" kt_ping kt-hb 198.51.100.2 3
WARP_CLOCK="faketime -f +1h" warp_check_apply "apply an hour later, after hub/b expired"
kt_check_out "the expired endpoint's peer is removed" 'remove peer b .*expired' cat "$KT_TMP/apply.out"
kt_check "expired hub/b no longer reaches the internet host" kt_no_ping kt-hb 198.51.100.2

kt_check_out "warpctl status shows hub/a's handshake and traffic" \
    '"name":"a".*"present":true,"last_handshake":"[0-9]{4}-[0-9T:-]*Z","rx_bytes":[1-9]' \
    warpctl status --json
kt_finish
