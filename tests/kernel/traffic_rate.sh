# Rate limits, measured with iperf3 over the exported configs: an endpoint
# limited to 2 mbit down / 1 mbit up measures within 25 % of each in a TCP
# transfer while an unlimited endpoint of the same network runs at least
# 3x the limit at the same time; raising the limit to 4 mbit takes effect
# at the next apply without a new handshake and without breaking the
# running iperf3 connection; a second apply sends nothing.  Both changes
# of si's limits go by `apply --changes`, which reconciles that network's
# devices only (another network's classes stay as they were) and leaves
# nothing for the full apply after it.
# kernel-test-timeout: 400
# kernel-test-cost: 119
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

command -v iperf3 > /dev/null || kt_bail "iperf3 is not installed (./install-deps.sh --test)"

bps() {	# FILE: the receiver's bits/s of an iperf3 -J run
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$1"
}

within() {	# VALUE TARGET PERCENT
	awk -v v="$1" -v t="$2" -v p="$3" 'BEGIN { exit !(v >= t * (100 - p) / 100 && v <= t * (100 + p) / 100) }'
}

warp_gw_init
warpctl create-network si --type secure-internet > /dev/null || kt_bail "create-network si"
warpctl create-endpoint si lim --type mobile > /dev/null || kt_bail "create-endpoint si/lim"
warpctl create-endpoint si free --type mobile > /dev/null || kt_bail "create-endpoint si/free"
warpctl set-rate si/lim --down 2mbit --up 1mbit || kt_bail "set-rate si/lim"
# A third, limited and never connected: its classes are drifted from
# outside below, which the per-endpoint apply of si/lim's limits must not
# see (it reads si/lim's objects only) and the full apply repairs.
warpctl create-endpoint si third --type mobile > /dev/null || kt_bail "create-endpoint si/third"
warpctl set-rate si/third --down 5mbit --up 5mbit || kt_bail "set-rate si/third"
# Another network with a limited endpoint: the incremental apply of si's
# limits below must leave it as it is.
warpctl create-network si2 --type secure-internet > /dev/null || kt_bail "create-network si2"
warpctl create-endpoint si2 other --type mobile > /dev/null || kt_bail "create-endpoint si2/other"
warpctl set-rate si2/other --down 3mbit --up 3mbit || kt_bail "set-rate si2/other"
warp_check_apply "apply creates the network with one limited endpoint" || kt_finish
kt_check_out "the apply shaped both directions (HTB classes on the WireGuard and IFB devices)" \
    'create class 1:2 on wg[0-9]+ rate 2mbit' cat "$KT_TMP/apply.out"
kt_check_out "the upload goes through an IFB device" \
    'create class 1:2 on ifb[0-9]+ rate 1mbit' cat "$KT_TMP/apply.out"
si2_wg=$(warpctl show-network si2 --json | sed -n 's/.*"wireguard":"\([^"]*\)".*/\1/p')
si2_ifb=ifb${si2_wg#wg}
si_wg=$(warpctl show-network si --json | sed -n 's/.*"wireguard":"\([^"]*\)".*/\1/p')
kt_check "si2's devices have names ($si2_wg, $si2_ifb)" [ -n "$si2_wg" ]

warp_host kt-lim si/lim
warp_host kt-free si/free
kt_check "si/lim reaches the internet host" kt_ping kt-lim 198.51.100.2 10
kt_check "si/free reaches the internet host" kt_ping kt-free 198.51.100.2 10

for p in 5201 5202; do
	kt_in kt-inet iperf3 -s -D -p $p -B 198.51.100.2 -I "$KT_TMP/iperf-$p.pid" \
	    --logfile "$KT_TMP/iperf-$p.log" || kt_bail "iperf3 server on port $p"
	kt_on_exit "kill \$(cat '$KT_TMP/iperf-$p.pid')"
done
sleep 1

# Down: both at the same time, the internet host sending (-R).
kt_in kt-free iperf3 -c 198.51.100.2 -p 5202 -R -t 10 -O 2 -J > "$KT_TMP/free-down.json" 2>&1 &
p1=$!
kt_in kt-lim iperf3 -c 198.51.100.2 -p 5201 -R -t 10 -O 2 -J > "$KT_TMP/lim-down.json" 2>&1
wait "$p1"
lim=$(bps "$KT_TMP/lim-down.json"); free=$(bps "$KT_TMP/free-down.json")
if [ -n "$lim" ] && within "$lim" 2000000 25; then
	kt_ok "si/lim downloads at $lim bit/s, within 25 % of 2 mbit"
else
	kt_notok "si/lim downloads within 25 % of 2 mbit" "measured: ${lim:-nothing}" "$(tail -n 20 "$KT_TMP/lim-down.json")"
fi
if [ -n "$free" ] && [ "$free" -ge 6000000 ]; then
	kt_ok "unlimited si/free downloads at $free bit/s at the same time (>= 3x the limit)"
else
	kt_notok "unlimited si/free downloads at >= 6 mbit at the same time" "measured: ${free:-nothing}"
fi

# Up: the endpoints sending.
kt_in kt-free iperf3 -c 198.51.100.2 -p 5202 -t 10 -O 2 -J > "$KT_TMP/free-up.json" 2>&1 &
p1=$!
kt_in kt-lim iperf3 -c 198.51.100.2 -p 5201 -t 10 -O 2 -J > "$KT_TMP/lim-up.json" 2>&1
wait "$p1"
lim=$(bps "$KT_TMP/lim-up.json"); free=$(bps "$KT_TMP/free-up.json")
if [ -n "$lim" ] && within "$lim" 1000000 25; then
	kt_ok "si/lim uploads at $lim bit/s, within 25 % of 1 mbit"
else
	kt_notok "si/lim uploads within 25 % of 1 mbit" "measured: ${lim:-nothing}" "$(tail -n 20 "$KT_TMP/lim-up.json")"
fi
if [ -n "$free" ] && [ "$free" -ge 3000000 ]; then
	kt_ok "unlimited si/free uploads at $free bit/s at the same time (>= 3x the limit)"
else
	kt_notok "unlimited si/free uploads at >= 3 mbit at the same time" "measured: ${free:-nothing}"
fi

warp_apply
if [ "$WARP_SENT" = 0 ]; then
	kt_ok "a second apply sends 0 write messages"
else
	kt_notok "a second apply sends 0 write messages" "$(cat "$KT_TMP/apply.out")"
fi

# Change while a transfer runs: 2 -> 4 mbit, same connection, no handshake.
kt_in kt-lim iperf3 -c 198.51.100.2 -p 5201 -R -t 24 -i 1 -J > "$KT_TMP/change.json" 2>&1 &
p1=$!
sleep 10
hs0=$(kt_in kt-lim wg show wg0 latest-handshakes | awk '{ print $2 }')
limkey=$(kt_in kt-lim wg show wg0 public-key)
gw0=$(kt_in kt-gw wg show all transfer | awk -v k="$limkey" '$2 == k { print $3 }')
warpctl set-rate si/lim --down 4mbit || kt_notok "set-rate si/lim --down 4mbit"
tc_si2=$(kt_in kt-gw tc class show dev "$si2_wg"; kt_in kt-gw tc class show dev "$si2_ifb")
# si/third's class (host .4) drifted from outside: not si/lim's object.
kt_in kt-gw tc class change dev "$si_wg" parent 1: classid 1:4 htb rate 7mbit ||
    kt_notok "tc class change (the drift)"
warp_check_traffic_changes "apply --changes after raising si/lim to 4 mbit" si \
    "the peers of 0 and the traffic limits of 1 endpoint(s) only" 0
# Reads: the wg and IFB links by name (2); on the wg device its root,
# its ingress qdisc, the redirect, si/lim's class and filter (5); on the
# IFB device its root, class and filter (3); the quota table (1).  The
# same at any size of the network: no dump of a device's classes or
# filters.
kt_check_out "... reading si/lim's objects one by one: 11 requests, 10 of them rtnetlink gets" \
    '^read 11 requests: rtnetlink 10 \(0 dumps of every link\)' cat "$KT_TMP/apply.out"
kt_check "... and not si/third's, whose drifted class is as it was (7 mbit)" \
    sh -c "ip netns exec kt-gw tc class show dev '$si_wg' classid 1:4 | grep -q 'rate 7Mbit'"
hs1=$(kt_in kt-lim wg show wg0 latest-handshakes | awk '{ print $2 }')
gw1=$(kt_in kt-gw wg show all transfer | awk -v k="$limkey" '$2 == k { print $3 }')
kt_check_out "the change sends one traffic-control message and touches no peer" \
    'wireguard 0 \(0 peers\), nftables 0 in 0 batch\(es\), sysctl 0, tc 1$' cat "$KT_TMP/apply.out"
kt_check_out "the change is the endpoint's own class" 'change class 1:2 on wg[0-9]+ rate 4mbit' \
    cat "$KT_TMP/apply.out"
kt_check "si2's classes are as they were" \
    [ "$(kt_in kt-gw tc class show dev "$si2_wg"; kt_in kt-gw tc class show dev "$si2_ifb")" = "$tc_si2" ]
warp_apply
kt_check "a full apply after it repairs si/third's drift only (1 sent)" \
    sh -c "[ '$WARP_SENT' = 1 ] && grep -q 'change class 1:4 on $si_wg rate 5mbit' '$KT_TMP/apply.out'"
# WireGuard rekeys by itself every 120 s of a session; a slow apply on a
# busy machine may span one.  The apply's own doing would be a new
# handshake sooner than that, or the gateway's peer made anew (its byte
# counters starting again).
if [ -n "$hs0" ] && { [ "$hs0" = "$hs1" ] || [ "$hs1" -ge $((hs0 + 120)) ]; } &&
    [ "${gw1:-0}" -ge "${gw0:-1}" ]; then
	kt_ok "the apply did not renew the handshake or remake the peer ($hs0 -> $hs1, gateway rx $gw0 -> $gw1)"
else
	kt_notok "the apply did not renew the handshake or remake the peer" \
	    "handshake before: $hs0, after: $hs1; gateway rx before: $gw0, after: $gw1"
fi
if wait "$p1"; then
	kt_ok "the iperf3 connection survived the change"
else
	kt_notok "the iperf3 connection survived the change" "$(tail -n 20 "$KT_TMP/change.json")"
fi
# Intervals 3..8 ran at 2 mbit, 15..23 at 4 mbit.
rates=$(python3 -c '
import json, sys
iv = json.load(open(sys.argv[1]))["intervals"]
r = [i["sum"]["bits_per_second"] for i in iv]
print(int(sum(r[3:9]) / 6), int(sum(r[15:23]) / 8))' "$KT_TMP/change.json" 2>&1)
before=${rates% *} after=${rates#* }
if within "$before" 2000000 25 && within "$after" 4000000 25; then
	kt_ok "one connection: $before bit/s before the change, $after bit/s after (2 and 4 mbit, within 25 %)"
else
	kt_notok "one connection: 2 mbit before the change, 4 mbit after" "measured: $rates"
fi

# Removing the limits removes every traffic-control object.
warpctl set-rate si/lim --down none --up none || kt_notok "set-rate none"
warpctl set-rate si/third --down none --up none || kt_notok "set-rate si/third none"
warp_check_traffic_changes "apply --changes after removing si/lim's and si/third's limits" si \
    "the peers of 0 and the traffic limits of 2 endpoint(s) only" 0
kt_check_out "si's HTB roots and IFB device are removed" \
    'remove qdisc htb 1: wg.*remove link ifb' sh -c "tr '\n' ' ' < $KT_TMP/apply.out"
kt_check_out "only si2's IFB device is left" "^$si2_ifb\$" \
    sh -c "ip -n kt-gw -o link show type ifb | awk -F': ' '{ print \$2 }'"
warp_apply
kt_check "a full apply after it finds nothing to do (0 sent)" [ "$WARP_SENT" = 0 ]
warpctl set-rate si2/other --down none --up none || kt_notok "set-rate si2/other none"
warp_check_apply "apply after removing si2/other's limits"
kt_check_fails "no IFB device is left" sh -c "ip -n kt-gw link show type ifb | grep -q ifb"
kt_finish
