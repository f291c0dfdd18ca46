# L2 point-to-point: two sites run their exported configs (wg, then the
# PostUp ip/bridge lines: a GRE TAP to the gateway on a VLAN-aware bridge);
# hosts on the two site LANs share a subnet and reach each other through
# the gateway's bridge on the network's VLANs only; 1300-byte frames pass;
# a second apply sends nothing; a disabled site loses its peer and its
# port, by the incremental apply (`--changes`, reading by name) as by the
# full one; deleting the network leaves the kernel as before.
# kernel-test-cost: 147
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
D=$KT_TMP/dumps
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init
warp_kernel_dump "$D/0-before.txt"
warpctl create-network wire --type l2-p2p --vlan-range 100-110 > /dev/null ||
    kt_bail "create-network wire"
warpctl create-endpoint wire siteA --type cpe > /dev/null || kt_bail "create-endpoint wire/siteA"
warpctl create-endpoint wire siteB --type cpe > /dev/null || kt_bail "create-endpoint wire/siteB"
warp_check_apply "apply creates the l2-p2p network" || kt_finish
cp "$KT_TMP/apply.out" "$D/apply-1.txt"
vcid=$(warpctl show-network wire --json | sed -n 's/.*"vcid": *\([0-9]*\).*/\1/p')
br=br$vcid
kt_check_out "the gateway's bridge $br filters VLANs" 'vlan_filtering 1' \
    ip -n kt-gw -d link show "$br"
kt_check_out "one GRE TAP per site on it, underlay in the VRF" \
    '^2$' sh -c "ip -n kt-gw -d link show master $br | grep -c 'gretap remote .* dev vrf'"
kt_check_out "the ports carry VLANs 100-110 and not VLAN 1" \
    '^gt[0-9]+h[0-9a-f]+ 100-110 gt[0-9]+h[0-9a-f]+ 100-110 $' \
    sh -c "bridge -n kt-gw -compressvlans vlan show | awk '/^gt/ { printf \"%s %s \", \$1, \$2 }'"
warpctl status --json > "$KT_TMP/status.json" 2>&1
kt_check "status: applied, nothing pending" \
    sh -c "grep -q '\"applied\"' '$KT_TMP/status.json' && ! grep -q '\"apply_status\":\"pending\"' '$KT_TMP/status.json' && grep -q '\"pending\":0,' '$KT_TMP/status.json'"

warp_host kt-sa wire/siteA
warp_host kt-sb wire/siteB
warp_l2_site kt-sa || kt_finish
warp_l2_site kt-sb || kt_finish
warp_vlan_host kt-sa-lan 100 10.100.0.1/24
warp_vlan_host kt-sb-lan 100 10.100.0.2/24
kt_check "LAN host A reaches LAN host B on VLAN 100 (same subnet, bridged)" \
    kt_ping kt-sa-lan 10.100.0.2 20
kt_check "LAN host B reaches LAN host A on VLAN 100" kt_ping kt-sb-lan 10.100.0.1 5
kt_check "1300-byte frames pass (DF set)" \
    kt_in kt-sa-lan ping -n -q -c 2 -W 2 -M do -s 1272 10.100.0.2
warp_vlan_host kt-sa-lan 110 10.110.0.1/24
warp_vlan_host kt-sb-lan 110 10.110.0.2/24
kt_check "VLAN 110 (the end of the range) passes" kt_ping kt-sa-lan 10.110.0.2 5
# Both sites carry VLAN 200 too (as a misconfigured CPE would): the
# gateway's ports do not, so nothing passes on it.
for s in kt-sa kt-sb; do
	kt_in $s bridge vlan add dev lan0 vid 200
	kt_in $s bridge vlan add dev "gt$vcid" vid 200
done
warp_vlan_host kt-sa-lan 200 10.200.0.1/24
warp_vlan_host kt-sb-lan 200 10.200.0.2/24
kt_check "VLAN 200 (outside the range) does not pass the gateway" \
    kt_no_ping kt-sa-lan 10.200.0.2
kt_addr kt-sa-lan eth0 10.1.0.1/24
kt_addr kt-sb-lan eth0 10.1.0.2/24
kt_check "untagged frames do not pass (the network carries 100-110 only)" \
    kt_no_ping kt-sa-lan 10.1.0.2

warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl edit-network wire --vlan-range 100-120 > /dev/null || kt_notok "edit-network wire"
warp_check_apply "apply after widening the VLAN range to 100-120"
cp "$KT_TMP/apply.out" "$D/apply-vlan.txt"
kt_check_out "widening the range sends one VLAN message per port, nothing else" \
    'sent 2 write messages: rtnetlink 2, wireguard 0' cat "$KT_TMP/apply.out"
warp_vlan_host kt-sa-lan 120 10.120.0.1/24
warp_vlan_host kt-sb-lan 120 10.120.0.2/24
for s in kt-sa kt-sb; do
	kt_in $s bridge vlan add dev lan0 vid 120
	kt_in $s bridge vlan add dev "gt$vcid" vid 120
done
kt_check "VLAN 120 now passes" kt_ping kt-sa-lan 10.120.0.2 5

# Endpoint changes by the incremental path (warpd's, after each change):
# that endpoint's peer and GRE TAP only, read by name; the full apply
# after them finds nothing to do.
warpctl disable-endpoint wire/siteB > /dev/null || kt_notok "disable-endpoint wire/siteB"
warp_check_changes "--changes after disabling site B" wire
cp "$KT_TMP/apply.out" "$D/changes-disable.txt"
kt_check_out "disabling a site removes its port and its peer, nothing else" \
    '^sent 2 write messages: rtnetlink 1, wireguard 1 \(1 peers\),' cat "$KT_TMP/apply.out"
kt_check_out "... the port removed is site B's" "^remove gretap gt${vcid}h" cat "$KT_TMP/apply.out"
kt_check_out "one GRE TAP left on the bridge" '^1$' \
    sh -c "ip -n kt-gw -d link show master $br | grep -c 'gretap remote'"
kt_check "a disabled site loses connectivity" kt_no_ping kt-sa-lan 10.100.0.2
warp_apply
kt_check "a full apply after it sends 0 write messages" [ "$WARP_SENT" = 0 ]
warpctl enable-endpoint wire/siteB > /dev/null || kt_notok "enable-endpoint wire/siteB"
warp_apply --changes --dry-run
cp "$KT_TMP/apply.out" "$D/changes-enable-dry.txt"
warp_check_changes "--changes after enabling site B again" wire
cp "$KT_TMP/apply.out" "$D/changes-enable.txt"
kt_check_out "... making its GRE TAP again" "^create gretap gt${vcid}h[0-9a-f]+ local " cat "$KT_TMP/apply.out"
kt_check "... as its dry run announced ($(grep '^sent' "$D/changes-enable.txt"))" \
    [ "$(sed -n 's/^would send //p' "$D/changes-enable-dry.txt")" = "$(sed -n 's/^sent //p' "$D/changes-enable.txt")" ]
kt_check_out "the port carries VLANs 100-120 again" '^gt[0-9]+h[0-9a-f]+ 100-120 gt[0-9]+h[0-9a-f]+ 100-120 $' \
    sh -c "bridge -n kt-gw -compressvlans vlan show | awk '/^gt/ { printf \"%s %s \", \$1, \$2 }'"
kt_check "re-enabled, LAN host A reaches LAN host B again" kt_ping kt-sa-lan 10.100.0.2 20
warp_apply
kt_check "a full apply after it sends 0 write messages" [ "$WARP_SENT" = 0 ]

# The full apply does the same.
warpctl disable-endpoint wire/siteB > /dev/null || kt_notok "disable-endpoint wire/siteB"
warp_check_apply "apply after disabling site B"
kt_check_out "disabling a site removes its port and its peer" \
    'rtnetlink 1, wireguard 1 \(1 peers\)' cat "$KT_TMP/apply.out"
kt_check "a disabled site loses connectivity" kt_no_ping kt-sa-lan 10.100.0.2
warpctl enable-endpoint wire/siteB > /dev/null || kt_notok "enable-endpoint wire/siteB"
warp_check_apply "apply after enabling site B again"
kt_check "re-enabled, LAN host A reaches LAN host B again" kt_ping kt-sa-lan 10.100.0.2 20
warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

# A delete and an add by the incremental path (an l2-p2p network joins
# two sites: site B goes, site C takes its place).
warpctl delete-endpoint wire/siteB > /dev/null || kt_notok "delete-endpoint wire/siteB"
warp_check_changes "--changes after deleting site B" wire
kt_check_out "... removes its port and its peer (from the journal's old address and key)" \
    '^sent 2 write messages: rtnetlink 1, wireguard 1 \(1 peers\),' cat "$KT_TMP/apply.out"
kt_check_out "one GRE TAP left" '^1$' \
    sh -c "ip -n kt-gw -d link show master $br | grep -c 'gretap remote'"
warpctl create-endpoint wire siteC --type cpe > /dev/null || kt_notok "create-endpoint wire/siteC"
warp_check_changes "--changes after adding site C" wire
kt_check_out "two GRE TAPs on the bridge again" '^2$' \
    sh -c "ip -n kt-gw -d link show master $br | grep -c 'gretap remote'"
warp_apply
kt_check "a full apply after them sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl delete-network wire > /dev/null 2>&1 || kt_notok "delete-network wire"
warp_check_apply "apply after deleting the network"
warp_kernel_dump "$D/2-deleted.txt"
grep -v l3mdev "$D/0-before.txt" > "$KT_TMP/0.txt"
grep -v l3mdev "$D/2-deleted.txt" > "$KT_TMP/2.txt"
if diff -u "$KT_TMP/0.txt" "$KT_TMP/2.txt" > "$D/diff.txt"; then
	kt_ok "deleted: links, addresses, routes, rules and nftables as before (the kernel's l3mdev rule aside)"
else
	kt_notok "deleted: kernel state as before" "$(cat "$D/diff.txt")"
fi
kt_finish
