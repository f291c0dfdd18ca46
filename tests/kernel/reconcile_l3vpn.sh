# L3VPN: a host in site A's LAN reaches a host in site B's LAN through the
# gateway (each CPE runs its exported config); neither LAN reaches the
# internet host or the resource LAN, even with AllowedIPs widened.
# kernel-test-cost: 90
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteA"
warpctl create-endpoint l3 siteB --type gateway --lan-subnet 192.168.20.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteB"
warp_check_apply "apply creates the l3vpn network" || kt_finish
kt_check_out "the VRF table routes each site's LAN into the tunnel" \
    '192\.168\.10\.0/24 dev wg.*192\.168\.20\.0/24 dev wg' \
    sh -c "ip -n kt-gw route show table all proto 233 | grep 192.168 | sort | tr '\n' ' '"
warp_host kt-sa l3/siteA 192.168.10.0/24 192.168.10.2
warp_host kt-sb l3/siteB 192.168.20.0/24 192.168.20.2
kt_check_out "site A's config reaches site B's LAN" 'AllowedIPs = .*192\.168\.20\.0/24' \
    cat "$KT_TMP/kt-sa/wg0.conf"

kt_check "LAN host of site A reaches LAN host of site B" kt_ping kt-sa-lan 192.168.20.2 15
kt_check "LAN host of site B reaches LAN host of site A" kt_ping kt-sb-lan 192.168.10.2 5
kt_check "site A's LAN cannot reach the internet host" kt_no_ping kt-sa-lan 198.51.100.2
warp_widen kt-sa 198.51.100.0/24
warp_widen kt-sa 172.16.50.0/24
warp_widen kt-sb 198.51.100.0/24
kt_check "site A's LAN, AllowedIPs widened, cannot reach the internet host" \
    kt_no_ping kt-sa-lan 198.51.100.2
kt_check "site B's LAN, AllowedIPs widened, cannot reach the internet host" \
    kt_no_ping kt-sb-lan 198.51.100.2
kt_check "site A's LAN, AllowedIPs widened, cannot reach the resource LAN host" \
    kt_no_ping kt-sa-lan 172.16.50.2
ov=$(warp_counter from_overlay)
kt_check "nothing from the sites reached the internet host" [ "${ov:-1}" -eq 0 ]

# A new LAN at site B: one route and one peer update, and it works.
warpctl set-lan-subnets l3/siteB --lan-subnet 192.168.20.0/24 --lan-subnet 192.168.21.0/24 \
    > /dev/null || kt_notok "set-lan-subnets l3/siteB"
warp_check_apply "apply after adding a LAN to site B"
kt_check_out "adding a LAN sends one route, one peer update, one firewall batch at most" \
    'rtnetlink 1, wireguard 1 \(1 peers\), nftables [0-9]+ in [01] batch' cat "$KT_TMP/apply.out"
kt_in kt-sb ip addr add 192.168.21.1/24 dev lo
kt_in kt-sa wg set wg0 peer "$(kt_in kt-sa wg show wg0 peers)" \
    allowed-ips "$(kt_in kt-sa wg show wg0 allowed-ips | awk '{$1=""; print}' | tr -s ' ' ',' | sed 's/^,//'),192.168.21.0/24"
kt_in kt-sa ip route replace 192.168.21.0/24 dev wg0
kt_check "site A's LAN reaches the new LAN of site B" kt_ping kt-sa-lan 192.168.21.1 10
warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
