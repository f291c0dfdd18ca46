# Smoke: a VRF with its own routing table, and a GRE TAP whose underlay is
# looked up in that VRF, carrying real traffic.
# kernel-test-cost: 8
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_check "create a VRF with table 100" kt_link_add vrf-kt type vrf table 100 || kt_finish
ip link set vrf-kt up
kt_check_out "the VRF has table 100" 'vrf table 100' ip -d link show vrf-kt

# underlay: root (in the VRF) <-> namespace kt-far
kt_netns kt-far
kt_veth - v-far kt-far u0
kt_check "enslave the underlay port to the VRF" ip link set v-far master vrf-kt
kt_addr - v-far 198.51.100.1/24
kt_addr kt-far u0 198.51.100.2/24
kt_check_out "the underlay's connected route is in table 100" '198\.51\.100\.0/24' \
	ip route show table 100
kt_check_out "... and not in the main table" '^$' sh -c 'ip route show table main | grep 198.51.100 || true'
kt_check "ping from inside the VRF reaches the far host" \
	ping -n -q -c 1 -W 3 -I vrf-kt 198.51.100.2
kt_check "ping outside the VRF does not (main table has no route)" kt_no_ping - 198.51.100.2
kt_check "ip vrf exec runs a command in the VRF" \
	ip vrf exec vrf-kt ping -n -q -c 1 -W 3 198.51.100.2

# GRE TAP: underlay lookup through the VRF (dev vrf-kt)
kt_check "create a GRE TAP with its underlay in the VRF" kt_link_add gt-kt type gretap \
	local 198.51.100.1 remote 198.51.100.2 dev vrf-kt || kt_finish
kt_check_out "the GRE TAP's underlay device is the VRF" 'gretap remote 198\.51\.100\.2 local 198\.51\.100\.1 dev vrf-kt' \
	ip -d link show gt-kt
kt_in kt-far ip link add gt0 type gretap local 198.51.100.2 remote 198.51.100.1
kt_addr - gt-kt 10.77.0.1/30
kt_addr kt-far gt0 10.77.0.2/30
kt_check "traffic crosses the GRE TAP (underlay routed in the VRF)" kt_ping - 10.77.0.2 10
kt_check "... in both directions" kt_ping kt-far 10.77.0.1
kt_check "1300-byte frames pass the GRE TAP" \
	kt_in - ping -n -q -c 1 -W 2 -M do -s 1272 10.77.0.2
kt_finish
