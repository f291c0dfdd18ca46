# Smoke: a VXLAN device (no learning, one replication entry per remote)
# whose underlay is in a VRF carries traffic to a remote VTEP, and can be a
# port of a VLAN-aware bridge.
# kernel-test-cost: 8
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_link_add vrf-vx type vrf table 101 && ip link set vrf-vx up
kt_netns kt-vtep
kt_veth - v-vx kt-vtep u0
ip link set v-vx master vrf-vx
kt_addr - v-vx 203.0.113.1/24
kt_addr kt-vtep u0 203.0.113.2/24

kt_check "create a VXLAN device (VNI 4242, underlay in a VRF, no learning)" \
	kt_link_add vx-kt type vxlan id 4242 local 203.0.113.1 dev vrf-vx dstport 4789 nolearning \
	|| kt_finish
kt_check_out "it is a VXLAN device with VNI 4242" 'vxlan id 4242' ip -d link show vx-kt
kt_check "add a replication entry for the remote VTEP" \
	bridge fdb append 00:00:00:00:00:00 dev vx-kt dst 203.0.113.2
kt_in kt-vtep ip link add vx0 type vxlan id 4242 local 203.0.113.2 dstport 4789 nolearning
kt_in kt-vtep bridge fdb append 00:00:00:00:00:00 dev vx0 dst 203.0.113.1
kt_addr kt-vtep vx0 10.42.0.2/24

kt_link_add br-vx type bridge vlan_filtering 1 && ip link set br-vx up
kt_check "the VXLAN device is a port of a VLAN-aware bridge" ip link set vx-kt master br-vx
ip link set vx-kt up
kt_addr - br-vx 10.42.0.1/24
kt_check "traffic crosses the VXLAN (bridge -> VXLAN -> VRF underlay -> remote VTEP)" \
	kt_ping - 10.42.0.2 10
kt_finish
