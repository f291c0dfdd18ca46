# Isolation at scale: 1,000 networks (WARP_SCALE_NETS, at least 8; a mix
# of the five types, made by one `warpctl create-networks`) apply with a
# bounded number of nftables rules per
# network (the dispatch and the cross-network drops are sets and verdict
# maps, not per-network rule lists); with all of them in place a packet
# between two networks is still dropped and one within a network passes;
# a second apply sends nothing; adding one more network changes only set
# elements and that network's own two chains (watched with nft monitor).
# kernel-test-timeout: 1500
# kernel-test-cost: 293
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

N=${WARP_SCALE_NETS:-1000}
[ "$N" -ge 8 ] || kt_bail "WARP_SCALE_NETS must be at least 8 (n7 carries a LAN)"
warp_gw_init
warpctl config set port-pool 20000-29999 > /dev/null || kt_bail "config set port-pool"

# The networks that carry traffic, then the crowd.
warpctl create-network sa --type secure-internet --peer-communication > /dev/null ||
    kt_bail "create-network sa"
warpctl create-network sb --type secure-internet > /dev/null || kt_bail "create-network sb"
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-endpoint sa a1 --type mobile > /dev/null || kt_bail "create-endpoint sa/a1"
warpctl create-endpoint sa a2 --type mobile > /dev/null || kt_bail "create-endpoint sa/a2"
warpctl create-endpoint sb b1 --type mobile > /dev/null || kt_bail "create-endpoint sb/b1"
warpctl create-endpoint l3 site --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/site"
t0=$(date +%s)
# The crowd in one bulk call: n3 l2-p2p, n4 l2-mesh, n5 secure-internet,
# n6 resource-gateway (172.17.0.0/24, the next one 172.17.1.0/24, ...),
# n7 l3vpn, n8 l2-p2p, ...
warpctl create-networks 'n{n}' --start 3 --count $((N - 3)) \
    --type l2-p2p,l2-mesh,secure-internet,resource-gateway,l3vpn \
    --resource-subnet 172.17.0.0/24 > "$KT_TMP/create.out" 2>&1 ||
    kt_bail "create-networks n3..n$((N - 1))" "$(tail -n 3 "$KT_TMP/create.out")"
kt_check "create-networks made $((N - 3)) networks in one call" \
    [ "$(warpctl list-networks --json | grep -o '"vcid"' | wc -l)" -eq "$N" ]
# An L3VPN site with a LAN among the crowd too.
warpctl create-endpoint n7 site --type cpe --lan-subnet 192.168.77.0/24 > /dev/null ||
    kt_bail "create-endpoint n7/site"
echo "# made $N networks in $(( $(date +%s) - t0 )) s"

t0=$(date +%s)
warp_check_apply "apply $N networks (a mix of the five types)" || kt_finish
echo "# $(grep '^sent' "$KT_TMP/apply.out") ($(( $(date +%s) - t0 )) s)"

rules() { kt_in kt-gw nft -j list table inet warp | grep -o '"rule": {' | wc -l; }
chains() { kt_in kt-gw nft -j list table inet warp | grep -o '"chain": {' | wc -l; }
R=$(rules) C=$(chains)
kt_check "$N networks: $R nftables rules, at most 6 per network and 5 shared" \
    [ "$R" -gt 0 -a "$R" -le $((6 * N + 5)) ]
kt_check "$N networks: $C chains, two per network and three base chains" [ "$C" -eq $((2 * N + 3)) ]
kt_check_out "the forward hook dispatches through verdict maps" \
    'iifname vmap @nets_from' kt_in kt-gw nft list chain inet warp forward
n=$(kt_in kt-gw nft -j list map inet warp nets_from | grep -o '"jump"' | wc -l)
kt_check "nets_from maps each network's VRF and WireGuard device ($n elements)" [ "$n" -eq $((2 * N)) ]
RG=$(warpctl show-network n6 --json | sed -n 's/.*"wireguard":"\([^"]*\)".*/\1/p')
kt_check_out "a resource gateway's resources are its own interval set ($RG: one allow rule)" \
    "ip daddr @${RG}_res accept" kt_in kt-gw nft list chain inet warp "${RG}_from"
kt_check_out "which holds its resource subnet" '172.17.0.0/24' \
    kt_in kt-gw nft list set inet warp "${RG}_res"

warp_host kt-a1 sa/a1
warp_host kt-a2 sa/a2
warp_host kt-b1 sb/b1
warp_host kt-l3 l3/site 192.168.10.0/24 192.168.10.2
addr() { sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/$1/wg0.conf"; }
gwip() { warpctl show-network "$1" --json | sed -n 's/.*"gateway_ip":"\([0-9.]*\)".*/\1/p'; }
A1=$(addr kt-a1) A2=$(addr kt-a2) B1=$(addr kt-b1) L3=$(addr kt-l3)
GSA=$(gwip sa) GSB=$(gwip sb) GN5=$(gwip n5)

kt_check "within one network: sa/a1 reaches sa/a2 (mesh, $A1 -> $A2)" kt_ping kt-a1 "$A2" 15
kt_check "sa/a1 reaches its own gateway ($GSA)" kt_ping kt-a1 "$GSA" 5
kt_check "sa/a1 reaches the internet host" kt_ping kt-a1 198.51.100.2 10
kt_check "sb/b1 reaches the internet host" kt_ping kt-b1 198.51.100.2 10
kt_check "l3/site reaches its gateway" kt_ping kt-l3 "$(gwip l3)" 10
warp_widen kt-l3 0.0.0.0/1
warp_widen kt-l3 128.0.0.0/1
for t in "$B1:sb/b1" "$L3:l3/site" "192.168.10.2:l3's LAN host" "192.168.77.1:n7's LAN" \
    "$GSB:sb's gateway" "$GN5:n5's gateway" "172.16.50.2:a resource host"; do
	kt_check "between networks: sa/a1 cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-a1 "${t%%:*}"
done
for t in "$A1:sa/a1" "$L3:l3/site" "$GSA:sa's gateway"; do
	kt_check "between networks: sb/b1 cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-b1 "${t%%:*}"
done
for t in "$A1:sa/a1" "$B1:sb/b1" "198.51.100.2:the internet host"; do
	kt_check "l3/site (widened) cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-l3 "${t%%:*}"
done

warp_apply
kt_check "a second apply with $N networks sends 0 write messages" [ "$WARP_SENT" = 0 ]

# One more network: only set elements and its own chains change.
warpctl create-network extra --type secure-internet > /dev/null || kt_notok "create-network extra"
WG=$(warpctl show-network extra --json | sed -n 's/.*"wireguard":"\([^"]*\)".*/\1/p')
ip netns exec kt-gw stdbuf -oL nft monitor ruleset > "$KT_TMP/monitor.txt" 2>&1 &
mon=$!
sleep 1
warp_check_apply "apply after adding network $((N + 1)) ($WG)"
sleep 1
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
cp "$KT_TMP/monitor.txt" "$KT_ARTIFACTS/scale-monitor.txt" 2>/dev/null || :
line=$(grep '^sent' "$KT_TMP/apply.out")
nft=$(echo "$line" | sed -n 's/.*nftables \([0-9]*\).*/\1/p')
echo "# $line"
# At most: its 2 chains, its 4 rules, one add and one delete message per set.
kt_check "adding network $((N + 1)): ${nft:-?} nftables messages (at most 18, whatever N)" \
    [ "${nft:-99}" -ge 1 -a "${nft:-99}" -le 18 ]
grep -v '^#' "$KT_TMP/monitor.txt" | grep -v '^$' > "$KT_TMP/events.txt"
other=$(grep -v "^\(add\|delete\) element inet warp " "$KT_TMP/events.txt" | grep -vc "$WG")
kt_check "the kernel saw set elements and $WG's own objects only ($(wc -l < "$KT_TMP/events.txt") events, $other others)" \
    [ -n "$WG" -a "$other" -eq 0 -a -s "$KT_TMP/events.txt" ]
n=$(grep -c "^add chain inet warp ${WG}_\(from\|to\)\$" "$KT_TMP/events.txt")
kt_check "its two chains were made ($n)" [ "$n" -eq 2 ]
n=$(grep -c "^\(add\|delete\) rule inet warp \(forward\|input\|postrouting\) " "$KT_TMP/events.txt")
kt_check "no base chain rule was touched ($n)" [ "$n" -eq 0 ]
R2=$(rules)
kt_check "the table grew by that network's own rules ($R -> $R2)" [ "$R2" -gt "$R" -a "$R2" -le $((R + 6)) ]
warpctl create-endpoint extra x1 --type mobile > /dev/null || kt_notok "create-endpoint extra/x1"
warp_check_apply "apply the new network's endpoint"
warp_host kt-x1 extra/x1
kt_check "the new network's endpoint reaches the internet host" kt_ping kt-x1 198.51.100.2 10
kt_check "and cannot reach sa/a1 ($A1)" kt_no_ping kt-x1 "$A1"
kt_check "nor can sa/a1 reach it" kt_no_ping kt-a1 "$(addr kt-x1)"
ov=$(warp_counter from_overlay)
kt_check "nothing from an overlay address reached the internet host" [ "${ov:-1}" -eq 0 ]
kt_finish
