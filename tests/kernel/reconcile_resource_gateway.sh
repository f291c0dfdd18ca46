# Remote Resource Gateway: endpoints reach the resource subnet behind the
# gateway's LAN interface and nothing else: not the internet host, not
# each other, not even after widening their own AllowedIPs; the LAN side
# cannot open connections towards the endpoints.
# kernel-test-cost: 85
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network rg --type resource-gateway --resource-subnet 172.16.50.0/24 \
    > /dev/null || kt_bail "create-network rg"
warpctl create-endpoint rg a --type mobile > /dev/null || kt_bail "create-endpoint rg/a"
warpctl create-endpoint rg b --type mobile > /dev/null || kt_bail "create-endpoint rg/b"
warp_check_apply "apply creates the resource-gateway network" || kt_finish
warp_host kt-ra rg/a
warp_host kt-rb rg/b
RA=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-ra/wg0.conf")
RB=$(sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/kt-rb/wg0.conf")
GW=$(warpctl show-network rg --json | sed -n 's/.*"gateway_ip":"\([0-9.]*\)".*/\1/p')

kt_check_out "the exported config routes only the gateway and the resource subnet" \
    '^AllowedIPs = [0-9.]+/32, 172\.16\.50\.0/24$' grep '^AllowedIPs' "$KT_TMP/kt-ra/wg0.conf"
kt_check "rg/a reaches the LAN host 172.16.50.2" kt_ping kt-ra 172.16.50.2 10
kt_check "rg/b reaches the LAN host" kt_ping kt-rb 172.16.50.2 10
[ -n "$GW" ] && kt_check "rg/a reaches its gateway address $GW" kt_ping kt-ra "$GW" 5
kt_check "the LAN host cannot open a connection to rg/a" kt_no_ping kt-lan "$RA"

warp_widen kt-ra 198.51.100.0/24
warp_widen kt-ra "$RB/32"
kt_check "rg/a, AllowedIPs widened, still cannot reach the internet host" \
    kt_no_ping kt-ra 198.51.100.2
kt_check "rg/a, AllowedIPs widened, still cannot reach rg/b" kt_no_ping kt-ra "$RB"
kt_check "rg/a still reaches the LAN host" kt_ping kt-ra 172.16.50.2 5
ov=$(warp_counter from_overlay)
kt_check "nothing from the overlay reached the internet host" [ "${ov:-1}" -eq 0 ]

warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

# More resources: the network's own interval set grows, its chain does not.
warpctl edit-network rg --resource-subnet 172.16.50.0/24 \
    --resource-subnet 10.250.0.0/24 --resource-subnet 10.251.0.0/25 > /dev/null ||
    kt_notok "edit-network rg: three resource subnets"
warp_check_apply "apply three resource subnets"
nft=$(sed -n 's/^sent.*nftables \([0-9]*\).*/\1/p' "$KT_TMP/apply.out")
kt_check "the change is set elements only: ${nft:-?} nftables message(s)" \
    [ "${nft:-99}" -ge 1 -a "${nft:-99}" -le 2 ]
WG=$(warpctl show-network rg --json | sed -n 's/.*"wireguard":"\([^"]*\)".*/\1/p')
n=$(kt_in kt-gw nft -j list chain inet warp "${WG}_from" | grep -o '"rule": {' | wc -l)
kt_check "three resources: ${WG}_from still has 2 rules ($n)" [ "$n" -eq 2 ]
set=$(kt_in kt-gw nft list set inet warp "${WG}_res" | tr -d ' \t\n')
kt_check "its set ${WG}_res holds the three subnets ($set)" \
    [ "${set#*elements=\{10.250.0.0/24,10.251.0.0/25,172.16.50.0/24\}}" != "$set" ]
kt_check "rg/a still reaches the LAN host" kt_ping kt-ra 172.16.50.2 5
kt_check "rg/a (widened) still cannot reach the internet host" kt_no_ping kt-ra 198.51.100.2
kt_finish
