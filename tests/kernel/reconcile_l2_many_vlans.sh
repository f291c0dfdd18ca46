# Every attribute write is bounded: when the gateway's bridge ports carry
# more VLANs than one netlink message holds (here about 2000 single VLANs
# per port, added by hand), apply removes them all in as many messages as
# they need, the dry run announces the same count, and the network works
# as before: VLAN 100 passes between the sites, VLAN 200 (one of the
# VLANs added by hand, which passed while it was there) no longer does.
# kernel-test-cost: 135
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
D=$KT_TMP/runs
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init
warpctl create-network wire --type l2-p2p --vlan-range 100-110 > /dev/null ||
    kt_bail "create-network wire"
warpctl create-endpoint wire siteA --type cpe > /dev/null || kt_bail "create-endpoint wire/siteA"
warpctl create-endpoint wire siteB --type cpe > /dev/null || kt_bail "create-endpoint wire/siteB"
warp_check_apply "apply creates the l2-p2p network" || kt_finish
warp_host kt-sa wire/siteA
warp_host kt-sb wire/siteB
warp_l2_site kt-sa || kt_finish
warp_l2_site kt-sb || kt_finish
vcid=$(warpctl show-network wire --json | sed -n 's/.*"vcid": *\([0-9]*\).*/\1/p')
for s in kt-sa kt-sb; do
	kt_in $s bridge vlan add dev lan0 vid 200
	kt_in $s bridge vlan add dev "gt$vcid" vid 200
done
warp_vlan_host kt-sa-lan 100 10.100.0.1/24
warp_vlan_host kt-sb-lan 100 10.100.0.2/24
warp_vlan_host kt-sa-lan 200 10.200.0.1/24
warp_vlan_host kt-sb-lan 200 10.200.0.2/24
kt_check "VLAN 100 passes between the sites" kt_ping kt-sa-lan 10.100.0.2 20

# Every even VLAN from 2 to 4094 outside the network's range, one by one
# (no ranges), on both gateway ports.
ports=$(ip -n kt-gw -o link show master "br$vcid" | sed -n 's/^[0-9]*: \(gt[^:@]*\).*/\1/p')
: > "$KT_TMP/vlans.batch"
for p in $ports; do
	awk -v p="$p" 'BEGIN { for (v = 2; v <= 4094; v += 2)
	    if (v < 100 || v > 110) printf "vlan add dev %s vid %d\n", p, v }' \
	    >> "$KT_TMP/vlans.batch"
done
kt_check "about 2000 single VLANs added by hand to each of the 2 gateway ports" \
    ip netns exec kt-gw bridge -batch "$KT_TMP/vlans.batch"
kt_check_out "the gateway's ports carry them (more than one message's worth)" \
    '^4[0-9][0-9][0-9]$' sh -c "bridge -n kt-gw -j vlan show | grep -o '\"vlan\":' | wc -l"
kt_check "VLAN 200 passes while the gateway's ports carry it" \
    kt_ping kt-sa-lan 10.200.0.2 10

warp_apply --dry-run
cp "$KT_TMP/apply.out" "$D/dry.txt"
dry=$(sed -n 's/^would send \([0-9]* write messages.*\)/\1/p' "$D/dry.txt")
if warp_apply; then
	kt_ok "apply with the ports full of foreign VLANs succeeds (sent $WARP_SENT write messages)"
else
	kt_notok "apply with the ports full of foreign VLANs" "$(cat "$KT_TMP/apply.out")"
fi
cp "$KT_TMP/apply.out" "$D/real.txt"
real=$(sed -n 's/^sent \([0-9]* write messages.*\)/\1/p' "$D/real.txt")
kt_check "the dry run announced what was sent ($real)" [ -n "$dry" -a "$dry" = "$real" ]
kt_check_out "the removals took more than one message per port" \
    '^([3-9]|[1-9][0-9]+)$' sh -c "grep -c '^remove bridge vlan' '$D/real.txt'"
kt_check_out "the ports carry VLANs 100-110 and nothing else again" \
    '^gt[0-9]+h[0-9a-f]+ 100-110 gt[0-9]+h[0-9a-f]+ 100-110 $' \
    sh -c "bridge -n kt-gw -compressvlans vlan show | awk '/^gt/ { printf \"%s %s \", \$1, \$2 }; /^ +[0-9]/ { printf \"extra %s \", \$1 }'"
kt_check "VLAN 200 no longer passes the gateway" kt_no_ping kt-sa-lan 10.200.0.2
kt_check "VLAN 100 still passes" kt_ping kt-sa-lan 10.100.0.2 10
warp_apply
kt_check "a second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
