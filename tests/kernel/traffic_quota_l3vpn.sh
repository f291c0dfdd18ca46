# Data quotas of an l3vpn site count its LAN: traffic between a host in
# site A's LAN (behind its CPE, routed through the tunnel) and a host in
# site B's LAN is counted against site A's 3 MiB quota and stops at it,
# site A's status says quota-exceeded, a site without a quota still
# passes, and reset-usage brings site A's LAN back.  The same LAN prefix
# in another l3vpn network (its own VRF) gets its own element (the LAN
# set is keyed by the network's WireGuard device).  The reset goes by
# `apply --changes`: network l3's objects only, the other network's
# quota left as the kernel has it, nothing left for the full apply.
# kernel-test-timeout: 900
# kernel-test-cost: 119
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

command -v iperf3 > /dev/null || kt_bail "iperf3 is not installed (./install-deps.sh --test)"
QUOTA=3145728	# 3M

warp_gw_init
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteA"
warpctl create-endpoint l3 siteB --type gateway --lan-subnet 192.168.20.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteB"
warpctl create-endpoint l3 siteC --type cpe --lan-subnet 192.168.30.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteC"
warpctl create-network l3b --type l3vpn > /dev/null || kt_bail "create-network l3b"
warpctl create-endpoint l3b siteX --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3b/siteX (the same LAN in another network)"
warpctl set-quota l3/siteA 3M --period month || kt_bail "set-quota l3/siteA 3M"
warpctl set-quota l3b/siteX 100M || kt_bail "set-quota l3b/siteX 100M"
warp_check_apply "apply creates both networks and both quotas" || kt_finish
kt_check_out "each site's LAN is an element of the LAN set, bound to its quota" \
    'create 2 element\(s\) of @qlan \(192\.168\.10\.0-192\.168\.10\.255 : q[0-9]+_[0-9]+, \.\.\.\)' \
    cat "$KT_TMP/apply.out"
kt_check_out "the kernel holds 192.168.10.0/24 twice in qlan (one per network's wg device)" \
    '^2$' sh -c "ip netns exec kt-gw nft list map inet warp_traffic qlan | grep -o '192\.168\.10\.0/24' | wc -l"
warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

warp_host kt-sa l3/siteA 192.168.10.0/24 192.168.10.2
warp_host kt-sb l3/siteB 192.168.20.0/24 192.168.20.2
warp_host kt-sc l3/siteC 192.168.30.0/24 192.168.30.2
kt_check "LAN host of site A reaches LAN host of site B" kt_ping kt-sa-lan 192.168.20.2 15
kt_check "LAN host of site C reaches LAN host of site B" kt_ping kt-sc-lan 192.168.20.2 15
kt_in kt-sb-lan iperf3 -s -D -p 5201 -B 192.168.20.2 -I "$KT_TMP/iperf.pid" \
    --logfile "$KT_TMP/iperf-s.log" || kt_bail "iperf3 server"
kt_on_exit "kill \$(cat '$KT_TMP/iperf.pid')"
sleep 1

# Site A's LAN host downloads 8 MiB from site B's LAN host: only LAN
# addresses in the packets, and the transfer must stall at the quota.
b0=$(warp_wg_bytes kt-sa)
kt_in kt-sa-lan timeout 40 iperf3 -c 192.168.20.2 -p 5201 -R -n 8M --connect-timeout 5000 \
    > "$KT_TMP/q.out" 2>&1
seen=$(warp_wg_bytes kt-sa)
if awk -v s="$seen" -v q="$QUOTA" 'BEGIN { exit !(s >= q * 0.95 && s <= q * 1.05 + 65536) }'; then
	kt_ok "site A's LAN traffic stopped at $seen bytes through its tunnel (quota $QUOTA, within 5 %; $b0 before the transfer)"
else
	kt_notok "site A's LAN traffic stopped within 5 % of the quota" \
	    "bytes through the tunnel: $seen ($b0 before the transfer), quota $QUOTA" \
	    "$(tail -n 5 "$KT_TMP/q.out")"
fi
kt_check "site A's LAN host no longer reaches site B's" kt_no_ping kt-sa-lan 192.168.20.2
kt_check "site B's LAN host no longer reaches site A's" kt_no_ping kt-sb-lan 192.168.10.2
kt_check "site C (no quota) still reaches site B's LAN" kt_ping kt-sc-lan 192.168.20.2 5
warpctl status > /dev/null 2>&1
kt_check_out "status of l3/siteA is quota-exceeded" '"status":"quota-exceeded"' \
    warpctl show-endpoint l3/siteA --json
u0=$(warp_quota_used l3/siteA)
kt_check "the usage stored is the quota ($u0)" [ "${u0:-0}" -eq "$QUOTA" ]
kt_check_out "l3b/siteX (same LAN, other network) counted none of it" '"quota_used_bytes":0[,}]' \
    warpctl traffic l3b/siteX --json

# reset-usage by the incremental apply: network l3's quota objects only.
xid=$(warpctl show-endpoint l3b/siteX --json | sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
xobjs() {	# siteX's quota object and the elements that name it, one a line
	kt_in kt-gw nft list table inet warp_traffic |
	    grep -o "[0-9./ ]*: \"q${xid}_[0-9]*\"\|quota q${xid}_[0-9]*" | sed 's/^ *//' | sort
}
x0=$(xobjs)
kt_check "l3b/siteX's quota object and its two elements are in the kernel (q${xid}_)" \
    [ -n "$xid" -a "$(echo "$x0" | grep -c .)" = 3 ]
warpctl reset-usage l3/siteA || kt_notok "reset-usage l3/siteA"
warp_check_traffic_changes "apply --changes after reset-usage" l3
kt_check_out "it made site A's quota object anew, from 0" 'create quota q[0-9]+_[0-9]+ over 3M used 0' \
    cat "$KT_TMP/apply.out"
kt_check_fails "and did not touch l3b/siteX's" grep -q "q${xid}_" "$KT_TMP/apply.out"
kt_check "l3b/siteX's object and element are as they were" \
    [ "$(xobjs)" = "$x0" ]
kt_check "after reset-usage site A's LAN host reaches site B's again" kt_ping kt-sa-lan 192.168.20.2 10
kt_check_out "and site A is active again" '"status":"active"' warpctl show-endpoint l3/siteA --json
warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
