# Smoke: an inet nftables table, and masquerade proven with real traffic:
# client -> router (masquerade) -> server that has no route back to the client.
# kernel-test-cost: 21
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_netns kt-c kt-r kt-s
kt_veth kt-c c0 kt-r rc
kt_veth kt-r rs kt-s s0
kt_addr kt-c c0 10.8.0.2/24
kt_addr kt-r rc 10.8.0.1/24
kt_addr kt-r rs 172.31.0.1/24
kt_addr kt-s s0 172.31.0.2/24
kt_in kt-c ip route add default via 10.8.0.1
kt_in kt-r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'

kt_check "create an inet table" kt_in kt-r nft add table inet kt
kt_check_out "it is listed as an inet table" '^table inet kt$' kt_in kt-r nft list tables
kt_check "no route back: the client cannot reach the server yet" kt_no_ping kt-c 172.31.0.2

kt_check "add a nat postrouting chain with a masquerade rule" kt_in kt-r nft -f - <<'NFT'
table inet kt {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "rs" ip saddr 10.8.0.0/24 counter masquerade
	}
}
NFT
kt_in kt-s nft -f - <<'NFT'
table inet seen {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 172.31.0.1 icmp type echo-request counter
	}
}
NFT
kt_check "with masquerade the client reaches the server" kt_ping kt-c 172.31.0.2 10
kt_check_out "the masquerade rule counted the packets" 'counter packets [1-9]' \
	kt_in kt-r nft list chain inet kt post
kt_check_out "the server saw the router's address as the source" 'counter packets [1-9]' \
	kt_in kt-s nft list chain inet seen in
kt_check "delete the table" kt_in kt-r nft delete table inet kt
kt_check "without masquerade the server is unreachable again" kt_no_ping kt-c 172.31.0.2
kt_finish
