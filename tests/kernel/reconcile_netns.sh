# The gateway in a named network namespace: `warpctl --netns NAME apply`
# creates NAME if absent (iproute2-compatible, so `ip netns` sees it),
# realises everything inside it and leaves the VM's own namespace exactly
# as it was; two gateways run side by side; a dry run creates nothing.
# kernel-test-cost: 39
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

host_dump() {
	{ ip -o link show | sed 's/^[0-9]*: //' | awk '{ print $1, $2, $3 }'; ip -o addr show
	  ip route show table all; ip -6 route show table all; ip rule show; ip -6 rule show
	  nft list ruleset; cat /proc/sys/net/ipv4/ip_forward; } > "$1" 2>&1
}
W="$TOP/build/warpctl"
for g in 1 2; do
	"$W" --db "$KT_TMP/g$g.db" init --public-host 192.0.2.$g --uplink eth0 > /dev/null 2>&1 ||
	    kt_bail "init gateway $g"
	"$W" --db "$KT_TMP/g$g.db" create-network "l3-$g" --type l3vpn > /dev/null ||
	    kt_bail "create-network on gateway $g"
	"$W" --db "$KT_TMP/g$g.db" create-endpoint "l3-$g" site --type cpe \
	    --lan-subnet "192.168.$g.0/24" > /dev/null || kt_bail "create-endpoint on gateway $g"
	kt_on_exit "ip netns delete kt-gw$g"
done
host_dump "$KT_TMP/host-before.txt"

"$W" --db "$KT_TMP/g1.db" --netns kt-gw1 apply --dry-run > "$KT_TMP/dry.out" 2>&1
kt_check_out "dry run plans to create the namespace" '^create network namespace kt-gw1' \
    cat "$KT_TMP/dry.out"
kt_check_fails "dry run did not create it" test -e /run/netns/kt-gw1

kt_check "gateway 1 applies into kt-gw1" "$W" --db "$KT_TMP/g1.db" --netns kt-gw1 apply
kt_check "gateway 2 applies into kt-gw2" "$W" --db "$KT_TMP/g2.db" --netns kt-gw2 apply
kt_check_out "ip netns lists both" 'kt-gw1.*kt-gw2|kt-gw2.*kt-gw1' sh -c 'ip netns list | tr "\n" " "'
for g in 1 2; do
	kt_check_out "kt-gw$g has its VRF, WireGuard device and site route" \
	    "wg.*vrf.*192\.168\.$g\.0/24" sh -c "ip -n kt-gw$g -o link show type wireguard | tr '\n' ' ';
	    ip -n kt-gw$g -o link show type vrf | tr '\n' ' ';
	    ip -n kt-gw$g route show table all proto 233 | tr '\n' ' '"
	kt_check "kt-gw$g has the firewall" ip netns exec "kt-gw$g" nft list table inet warp
	kt_check_out "kt-gw$g's loopback is up" 'UP' ip -n "kt-gw$g" link show lo
done
kt_check_fails "kt-gw1 knows nothing of gateway 2's site" \
    sh -c "ip -n kt-gw1 route show table all | grep -q 192.168.2.0"
host_dump "$KT_TMP/host-after.txt"
if diff -u "$KT_TMP/host-before.txt" "$KT_TMP/host-after.txt" > "$KT_TMP/host.diff"; then
	kt_ok "the VM's own namespace is exactly as before (links, addresses, routes, rules, nftables, ip_forward)"
else
	kt_notok "the VM's own namespace is unchanged" "$(cat "$KT_TMP/host.diff")"
fi
"$W" --db "$KT_TMP/g1.db" --netns kt-gw1 apply > "$KT_TMP/again.out" 2>&1
kt_check_out "second apply in kt-gw1 sends 0 write messages" '^sent 0 write messages' cat "$KT_TMP/again.out"
kt_check_out "status reads kt-gw1" '"netns":"kt-gw1","kernel_read":true' \
    "$W" --db "$KT_TMP/g1.db" --netns kt-gw1 status --json
kt_finish
