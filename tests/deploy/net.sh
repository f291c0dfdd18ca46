#!/bin/sh
# tests/deploy/net.sh — the deploy suite's stand-in for a cloud network, run
# at every boot of the test VM by warp-test-net.service (before
# network-online.target, so warp-apply finds its uplink as on a real VM):
#
#   gateway (the VM)  eth0 198.51.100.1/24, default via 198.51.100.2
#   netns inet        198.51.100.2 (towards the gateway), 203.0.113.1
#                     (towards the client), and the "internet host"
#                     192.0.2.80, which answers only the gateway's address
#   netns client      eth0 203.0.113.2/24, default via 203.0.113.1: the
#                     admin's browser and the WireGuard client
set -eu
ip netns add inet
ip netns add client
ip link add eth0 type veth peer name gw0 netns inet
ip link add cl0 netns inet type veth peer name eth0 netns client
ip addr add 198.51.100.1/24 dev eth0
ip link set eth0 up
ip route add default via 198.51.100.2
ip -n inet -batch - <<EOB
link set lo up
link set gw0 up
link set cl0 up
addr add 198.51.100.2/24 dev gw0
addr add 203.0.113.1/24 dev cl0
addr add 192.0.2.80/32 dev lo
EOB
ip netns exec inet sysctl -q -w net.ipv4.ip_forward=1
ip -n client -batch - <<EOB
link set lo up
link set eth0 up
addr add 203.0.113.2/24 dev eth0
route add default via 203.0.113.1
EOB
ip netns exec inet nft -f - <<EOB
table ip host {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 192.0.2.80 ip saddr != 198.51.100.1 drop
		ip daddr 192.0.2.80 icmp type echo-request counter accept
	}
}
EOB
