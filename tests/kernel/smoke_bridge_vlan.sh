# Smoke: a VLAN-aware bridge (vlan_filtering 1) whose ports carry a VLAN
# range: tagged frames (802.1Q) in the range pass, others do not.
# kernel-test-cost: 109
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_check "create a bridge with vlan_filtering 1" \
	kt_link_add br-kt type bridge vlan_filtering 1 || kt_finish
ip link set br-kt up
kt_check_out "the bridge filters VLANs" '^1$' cat /sys/class/net/br-kt/bridge/vlan_filtering

kt_netns kt-h1 kt-h2
for i in 1 2; do
	kt_veth - p$i kt-h$i e0
	ip link set p$i master br-kt
	kt_check "port p$i carries VLANs 100-110" bridge vlan add dev p$i vid 100-110
done
kt_check_out "bridge vlan show lists the range on p1" '100.*110|100-110' \
	sh -c 'bridge -c vlan show dev p1 | tr "\n" " "'
for v in 105 200; do
	for i in 1 2; do
		kt_in kt-h$i ip link add link e0 name e0.$v type vlan id $v || kt_bail "802.1Q interface e0.$v"
		kt_addr kt-h$i e0.$v 10.$v.0.$i/24
	done
done
kt_check "VLAN 105 (in the range) passes between the ports" kt_ping kt-h1 10.105.0.2 10
kt_check "VLAN 200 (outside the range) is filtered" kt_no_ping kt-h1 10.200.0.2
kt_finish
