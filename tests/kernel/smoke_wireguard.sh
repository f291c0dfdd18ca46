# Smoke: two hosts joined by a WireGuard tunnel ping each other through it,
# and stop reaching each other once a peer is removed.
# kernel-test-cost: 14
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_netns kt-wa kt-wb
kt_veth kt-wa ua kt-wb ub			# the underlay
kt_addr kt-wa ua 192.0.2.1/24
kt_addr kt-wb ub 192.0.2.2/24
kt_check "underlay: a reaches b" kt_ping kt-wa 192.0.2.2

umask 077
for h in a b; do
	wg genkey > "$KT_TMP/$h.key" || kt_bail "wg genkey"
	wg pubkey < "$KT_TMP/$h.key" > "$KT_TMP/$h.pub" || kt_bail "wg pubkey"
	kt_in kt-w$h ip link add wg0 type wireguard || kt_bail "create wireguard interface in kt-w$h"
done
kt_check "wg set: a (port 51820, peer b)" kt_in kt-wa wg set wg0 \
	private-key "$KT_TMP/a.key" listen-port 51820 \
	peer "$(cat "$KT_TMP/b.pub")" allowed-ips 10.99.0.2/32 endpoint 192.0.2.2:51821
kt_check "wg set: b (port 51821, peer a)" kt_in kt-wb wg set wg0 \
	private-key "$KT_TMP/b.key" listen-port 51821 \
	peer "$(cat "$KT_TMP/a.pub")" allowed-ips 10.99.0.1/32 endpoint 192.0.2.1:51820
kt_addr kt-wa wg0 10.99.0.1/24
kt_addr kt-wb wg0 10.99.0.2/24
kt_check_out "wg show lists b's key as a's peer" "$(cat "$KT_TMP/b.pub" | sed 's/[+/]/./g')" \
	kt_in kt-wa wg show wg0 peers

kt_check "a pings b through the tunnel" kt_ping kt-wa 10.99.0.2 10
kt_check "b pings a through the tunnel" kt_ping kt-wb 10.99.0.1
kt_check_out "a handshake happened" '[1-9][0-9]*$' kt_in kt-wa wg show wg0 latest-handshakes
kt_check_out "traffic was encrypted into the tunnel (transfer counters)" \
	'[[:space:]][1-9][0-9]*[[:space:]]+[1-9][0-9]*$' kt_in kt-wa wg show wg0 transfer

kt_check "remove b as a's peer (wg set ... remove)" \
	kt_in kt-wa wg set wg0 peer "$(cat "$KT_TMP/b.pub")" remove
kt_check_out "a has no peers left" '^$' kt_in kt-wa wg show wg0 peers
kt_check "a no longer reaches b" kt_no_ping kt-wa 10.99.0.2
kt_check "b no longer reaches a" kt_no_ping kt-wb 10.99.0.1
kt_finish
