# L2 mesh: three sites run their exported configs (wg, then the PostUp
# ip/bridge lines: VXLAN replicating to every other site and the gateway,
# on a VLAN-aware bridge); hosts on the three site LANs share a subnet on
# the network's VLAN and reach each other pairwise (the gateway routes
# VXLAN between the sites inside the network's VRF); another VLAN does not
# pass; a second apply sends nothing; a disabled site loses its peer, its
# replication entry and its connectivity, by the incremental apply
# (`--changes`, no FDB read) as by the full one; deleting the network
# leaves the kernel as before.
# kernel-test-cost: 215
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
D=$KT_TMP/dumps
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init
warp_kernel_dump "$D/0-before.txt"
warpctl create-network floor --type l2-mesh --vni 5000 --vlan 300 --expected-users 6 \
    > /dev/null || kt_bail "create-network floor"
for s in A B C; do
	warpctl create-endpoint floor site$s --type cpe > /dev/null ||
	    kt_bail "create-endpoint floor/site$s"
done
warp_check_apply "apply creates the l2-mesh network" || kt_finish
cp "$KT_TMP/apply.out" "$D/apply-1.txt"
vcid=$(warpctl show-network floor --json | sed -n 's/.*"vcid": *\([0-9]*\).*/\1/p')
kt_check_out "the gateway's bridge br$vcid filters VLANs" 'vlan_filtering 1' \
    ip -n kt-gw -d link show "br$vcid"
kt_check_out "its port vx$vcid is VXLAN 5000, no learning, underlay in the VRF" \
    'vxlan id 5000 local [0-9.]+ dev vrf[0-9]+ .*nolearning' ip -n kt-gw -d link show "vx$vcid"
kt_check_out "one replication entry per site" '^3$' \
    sh -c "bridge -n kt-gw fdb show dev vx$vcid | grep -c '^00:00:00:00:00:00 dst'"
kt_check_out "the port carries VLAN 300 only" "^vx$vcid 300 \$" \
    sh -c "bridge -n kt-gw -compressvlans vlan show dev vx$vcid | awk '/^vx/ { printf \"%s %s \", \$1, \$2 }'"

n=1
for s in a b c; do
	warp_host kt-s$s floor/site$(echo $s | tr a-z A-Z)
	warp_l2_site kt-s$s || kt_finish
	warp_vlan_host kt-s$s-lan 300 10.30.0.$n/24
	warp_vlan_host kt-s$s-lan 301 10.31.0.$n/24
	kt_in kt-s$s bridge vlan add dev lan0 vid 301
	kt_addr kt-s$s-lan eth0 10.1.0.$n/24
	n=$((n + 1))
done
kt_check "A reaches B (VLAN 300, bridged over VXLAN)" kt_ping kt-sa-lan 10.30.0.2 20
kt_check "B reaches C" kt_ping kt-sb-lan 10.30.0.3 10
kt_check "A reaches C" kt_ping kt-sa-lan 10.30.0.3 10
kt_check "C reaches A" kt_ping kt-sc-lan 10.30.0.1 5
kt_check "1300-byte frames pass A -> C (DF set)" \
    kt_in kt-sa-lan ping -n -q -c 2 -W 2 -M do -s 1272 10.30.0.3
kt_check "VLAN 301 (not the network's) does not pass A -> B" kt_no_ping kt-sa-lan 10.31.0.2
# Site to site, frames never cross the gateway's bridge: the sites' own
# VXLAN ports (from the exported config) must refuse untagged frames.
kt_check "untagged frames do not pass A -> B (the mesh carries VLAN 300 only)" \
    kt_no_ping kt-sa-lan 10.1.0.2

warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

# Endpoint changes by the incremental path: that endpoint's peer and
# replication entry only, written without reading the FDB.
fdbs() { bridge -n kt-gw fdb show dev "vx$vcid" | grep -c '^00:00:00:00:00:00 dst'; }
warpctl disable-endpoint floor/siteB > /dev/null || kt_notok "disable-endpoint floor/siteB"
warp_check_changes "--changes after disabling site B" floor
kt_check_out "... removes its replication entry and its peer, nothing else" \
    '^sent 2 write messages: rtnetlink 1, wireguard 1 \(1 peers\),' cat "$KT_TMP/apply.out"
kt_check_out "two replication entries left" '^2$' fdbs
kt_check "the disabled site B loses connectivity (A -> B)" kt_no_ping kt-sa-lan 10.30.0.2
warp_apply
kt_check "a full apply after it sends 0 write messages" [ "$WARP_SENT" = 0 ]
warpctl enable-endpoint floor/siteB > /dev/null || kt_notok "enable-endpoint floor/siteB"
warp_check_changes "--changes after enabling site B again" floor
kt_check_out "three replication entries again" '^3$' fdbs
kt_check "re-enabled, A reaches B again" kt_ping kt-sa-lan 10.30.0.2 20
warp_apply
kt_check "a full apply after it sends 0 write messages" [ "$WARP_SENT" = 0 ]
warpctl create-endpoint floor siteD --type cpe > /dev/null || kt_notok "create-endpoint floor/siteD"
warp_check_changes "--changes after adding site D" floor
kt_check_out "four replication entries" '^4$' fdbs
warpctl delete-endpoint floor/siteD > /dev/null || kt_notok "delete-endpoint floor/siteD"
warp_check_changes "--changes after deleting site D" floor
kt_check_out "... removes its entry and its peer (from the journal's old address and key)" \
    '^sent 2 write messages: rtnetlink 1, wireguard 1 \(1 peers\),' cat "$KT_TMP/apply.out"
kt_check_out "three replication entries" '^3$' fdbs
warp_apply
kt_check "a full apply after it sends 0 write messages" [ "$WARP_SENT" = 0 ]

# The full apply does the same.
warpctl disable-endpoint floor/siteC > /dev/null || kt_notok "disable-endpoint floor/siteC"
warp_check_apply "apply after disabling site C"
cp "$KT_TMP/apply.out" "$D/apply-disable.txt"
kt_check_out "disabling a site removes its replication entry and its peer" \
    'rtnetlink 1, wireguard 1 \(1 peers\)' cat "$KT_TMP/apply.out"
kt_check_out "two replication entries left" '^2$' \
    sh -c "bridge -n kt-gw fdb show dev vx$vcid | grep -c '^00:00:00:00:00:00 dst'"
kt_check "the disabled site C loses connectivity (A -> C)" kt_no_ping kt-sa-lan 10.30.0.3
kt_check "... and B -> C" kt_no_ping kt-sb-lan 10.30.0.3
kt_check "A still reaches B" kt_ping kt-sa-lan 10.30.0.2 5
warp_apply
kt_check "second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl delete-network floor > /dev/null 2>&1 || kt_notok "delete-network floor"
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
