# The host around the gateway over netlink, proved with traffic:
#  - `warpctl host-firewall` (deploy's warp-firewall.service): in a
#    namespace standing for the server, SSH and 443 connect from another
#    host, a port outside the policy times out (dropped), the WireGuard
#    port pool answers over UDP, another UDP port does not, ping passes;
#    forwarding goes on; a second run sends nothing (same rule handles);
#    --ssh-port moves SSH; another table is left exactly as it was;
#    --remove takes the table away (the dropped port connects again);
#    a bad port is one line, exit 1, nothing changed; a port pool widened
#    in the database is opened by the next `warpctl apply` (SSH port kept,
#    a second apply sends nothing).
#  - `warpctl dev-uplink` (make run): a gateway namespace with the uplink
#    reaches an "internet" host that has no route back, through the
#    host's NAT (the internet host sees the host's address); the port pool
#    on the host's address reaches a listener inside the namespace
#    (DNAT); forwarding goes on; a second run sends nothing; --remove
#    leaves no pair, table or namespace.
# kernel-test-cost: 92
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

W="$TOP/build/warpctl"
DB=$KT_TMP/w.db
"$W" --db "$DB" init --public-host 192.0.2.1 --uplink eth0 > /dev/null 2>&1 || kt_bail "warpctl init"

# TCP and UDP listeners that answer with the address they saw; clients
# that print the answer, or "timeout"/"refused" (tests/lib/tcpudp.py).
NETPY=$TOP/tests/lib/tcpudp.py
serve() {	# NS tcp|udp PORT...
	_ns=$1 _m=$2; shift 2
	ip netns exec "$_ns" python3 "$NETPY" "$_m-serve" "$@" > "$KT_TMP/serve.$_ns.$_m" 2>&1 &
	kt_on_exit "kill $!"
	kt_wait 30 grep -q listening "$KT_TMP/serve.$_ns.$_m" || kt_bail "listener $_m $* in $_ns"
}
conn() {	# NS tcp|udp ADDR PORT [WAIT]: the answer, or timeout/refused
	ip netns exec "$1" python3 "$NETPY" "$2" "$3" "$4" "${5:-3}"
}
opens() {	# NS proto ADDR PORT: an answer comes back
	conn "$1" "$2" "$3" "$4" 20 | grep -q '^from '
}
dropped() {	# NS proto ADDR PORT: no answer, not even a refusal
	[ "$(conn "$@")" = timeout ]
}
fw() { ip netns exec kt-srv "$W" --db "$DB" host-firewall "$@"; }
handles() { ip netns exec kt-srv nft -a list table inet warp_host; }
handles_line() { handles | tr '\n' ' '; }

# ---------------------------------------------------------------- host-firewall
kt_netns kt-srv kt-cl
kt_veth kt-srv s0 kt-cl c0
kt_addr kt-srv s0 10.9.0.1/24
kt_addr kt-cl c0 10.9.0.2/24
ip netns exec kt-srv sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
ip netns exec kt-srv nft -f - <<EON || kt_bail "another table in kt-srv"
table inet other {
	chain c {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 accept comment "not the appliance's"
	}
}
EON
ip netns exec kt-srv nft -a list table inet other > "$KT_TMP/other.before"
serve kt-srv tcp 22 443 2222 8081
serve kt-srv udp 51820 51830
kt_check "before the policy port 8081 connects (the listener works)" opens kt-cl tcp 10.9.0.1 8081

kt_check_out "host-firewall creates table inet warp_host and turns forwarding on" \
    '^create nftables table inet warp_host' fw
kt_check_out "forwarding is on in the server's namespace" '^1$' \
    ip netns exec kt-srv cat /proc/sys/net/ipv4/ip_forward
kt_check "TCP 22 (SSH) connects from another host" opens kt-cl tcp 10.9.0.1 22
kt_check "TCP 443 connects" opens kt-cl tcp 10.9.0.1 443
kt_check "TCP 8081 is dropped: no answer, not even a reset" dropped kt-cl tcp 10.9.0.1 8081
kt_check "UDP 51820 (the WireGuard port pool) answers" opens kt-cl udp 10.9.0.1 51820
kt_check "UDP 51830 (outside the pool) is dropped" dropped kt-cl udp 10.9.0.1 51830
kt_check "ping passes (ICMP)" kt_ping kt-cl 10.9.0.1
kt_check_out "the server's own connections still work (loopback)" '^from 127\.0\.0\.1$' \
    conn kt-srv tcp 127.0.0.1 8081 10

handles > "$KT_TMP/h1"
kt_check_out "a second run sends nothing" '^sent 0$' fw
handles > "$KT_TMP/h2"
kt_check "the table is untouched by it (same rules, same handles)" cmp "$KT_TMP/h1" "$KT_TMP/h2"

kt_check_out "--ssh-port 2222 replaces the table in one batch" '^replace nftables table inet warp_host' \
    fw --ssh-port 2222
kt_check "TCP 2222 connects now" opens kt-cl tcp 10.9.0.1 2222
kt_check "TCP 22 is dropped now" dropped kt-cl tcp 10.9.0.1 22
kt_check "TCP 443 still connects" opens kt-cl tcp 10.9.0.1 443
kt_check_out "--ssh-port 2222 again sends nothing" '^sent 0$' fw --ssh-port 2222

# The port pool widened in the database (the web admin's settings do the
# same): the next apply opens it, keeping the table's own SSH port.
apply() { ip netns exec kt-srv "$W" --db "$DB" apply "$@"; }
"$W" --db "$DB" config set port-pool 51820-51835 > /dev/null || kt_bail "config set port-pool"
handles > "$KT_TMP/p1"
kt_check_out "apply --dry-run would replace table inet warp_host, in one batch" \
    'would send 16 write messages: .*nftables 16 in 1 batch' apply --dry-run
handles > "$KT_TMP/p2"
kt_check "the dry run changed nothing" cmp "$KT_TMP/p1" "$KT_TMP/p2"
kt_check_out "apply makes the pool rule follow the database (sent what the dry run said)" \
    '^sent 16 write messages: .*nftables 16 in 1 batch' apply
kt_check_out "the pool rule is 51820-51835 now, SSH still 2222" \
    'dport 2222 accept.*dport 51820-51835 accept' handles_line
kt_check "UDP 51830 (in the widened pool) answers now" opens kt-cl udp 10.9.0.1 51830
kt_check "TCP 2222 still connects (the table's SSH port is kept)" opens kt-cl tcp 10.9.0.1 2222
kt_check "TCP 22 is still dropped" dropped kt-cl tcp 10.9.0.1 22
handles > "$KT_TMP/p3"
kt_check_out "a second apply leaves the table alone" \
    '^nftables table inet warp_host: unchanged' apply
handles > "$KT_TMP/p4"
kt_check "same rules, same handles after it" cmp "$KT_TMP/p3" "$KT_TMP/p4"
"$W" --db "$DB" config set port-pool 1000-51835 > /dev/null || kt_bail "config set port-pool"
kt_check_out "a pool reaching below 1024 (the db is worker-writable) is reported, not opened" \
    'failed: host firewall: the port pool 1000-51835 reaches below 1024' apply
handles > "$KT_TMP/p5"
kt_check "the table is as it was" cmp "$KT_TMP/p4" "$KT_TMP/p5"
"$W" --db "$DB" config set port-pool 51820-51835 > /dev/null || kt_bail "config set port-pool"

handles > "$KT_TMP/h3"
fw --ssh-port 0 > "$KT_TMP/bad.out" 2> "$KT_TMP/bad.err"
rc=$?
handles > "$KT_TMP/h4"
if [ $rc -eq 1 ] && [ "$(cat "$KT_TMP/bad.out" "$KT_TMP/bad.err" | wc -l)" -eq 1 ] &&
   cmp -s "$KT_TMP/h3" "$KT_TMP/h4"; then
	kt_ok "--ssh-port 0: exit 1, one line ($(cat "$KT_TMP/bad.err")), the table unchanged"
else
	kt_notok "--ssh-port 0: exit $rc" "$(cat "$KT_TMP/bad.out" "$KT_TMP/bad.err")"
fi

ip netns exec kt-srv nft -a list table inet other > "$KT_TMP/other.after"
kt_check "table inet other is exactly as it was" cmp "$KT_TMP/other.before" "$KT_TMP/other.after"

kt_check_out "--remove removes the table" '^remove nftables table inet warp_host' fw --remove
kt_check_fails "table inet warp_host is gone" ip netns exec kt-srv nft list table inet warp_host
kt_check "TCP 8081 connects again" opens kt-cl tcp 10.9.0.1 8081
kt_check_out "a second --remove sends nothing" '^sent 0$' fw --remove
ip netns exec kt-srv nft -a list table inet other > "$KT_TMP/other.after"
kt_check "table inet other survives --remove" cmp "$KT_TMP/other.before" "$KT_TMP/other.after"

# ---------------------------------------------------------------- dev-uplink
# kt-host stands for the developer's machine, kt-inet for a host on its
# network that has no route to the namespace's 10.231.255.0/30.
kt_netns kt-host kt-inet
kt_on_exit "ip netns delete kt-gwdev 2>/dev/null"
kt_veth kt-host h0 kt-inet i0
kt_addr kt-host h0 10.8.0.1/24
kt_addr kt-inet i0 10.8.0.2/24
ip netns exec kt-host sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
# nsenter, not `ip netns exec`: that runs in a mount namespace of its own
# (a slave), and the namespace dev-uplink binds under /run/netns would not
# be seen outside it; make run runs warpctl in the host's mount namespace.
up() { nsenter --net=/run/netns/kt-host "$W" --db "$DB" dev-uplink "$@"; }

kt_check_out "dev-uplink creates the namespace, the pair, the route and the NAT table" \
    '^create nftables table ip warp_dev' up --netns kt-gwdev
kt_check_out "the host's forwarding is on" '^1$' \
    ip netns exec kt-host cat /proc/sys/net/ipv4/ip_forward
kt_check_out "uplink0 is in the namespace with 10.231.255.2/30, default via .1" \
    'inet 10\.231\.255\.2/30.*default via 10\.231\.255\.1 dev uplink0' \
    sh -c '{ ip -n kt-gwdev -o addr show uplink0; ip -n kt-gwdev route show default; } | tr "\n" " "'
kt_check_fails "kt-inet has no route to the namespace (only the NAT can bring replies back)" \
    sh -c 'ip -n kt-inet route get 10.231.255.2 >/dev/null 2>&1'
serve kt-inet tcp 80
kt_check_out "the namespace reaches the host-side address 10.8.0.2 through the NAT (seen as the host's 10.8.0.1)" \
    '^from 10\.8\.0\.1$' conn kt-gwdev tcp 10.8.0.2 80 20
kt_check "ping from the namespace to 10.8.0.2 passes" kt_ping kt-gwdev 10.8.0.2
serve kt-gwdev udp 51820
kt_check_out "UDP 51820 to the host's address reaches the namespace (DNAT of the port pool)" \
    '^from 10\.8\.0\.2$' conn kt-inet udp 10.8.0.1 51820 20
ip netns exec kt-host nft -a list table ip warp_dev > "$KT_TMP/d1"
kt_check_out "a second dev-uplink sends nothing" '^sent 0$' up --netns kt-gwdev
ip netns exec kt-host nft -a list table ip warp_dev > "$KT_TMP/d2"
kt_check "table ip warp_dev is untouched by it (same handles)" cmp "$KT_TMP/d1" "$KT_TMP/d2"
kt_check_out "--remove removes the table, the pair and the namespace" \
    '^remove network namespace kt-gwdev' up --netns kt-gwdev --remove
kt_check_fails "nothing is left: no warp-dev0, no table ip warp_dev, no namespace" \
    sh -c 'ip -n kt-host link show warp-dev0 2>/dev/null || ip netns exec kt-host nft list table ip warp_dev 2>/dev/null || test -e /run/netns/kt-gwdev'
kt_check_out "a second --remove sends nothing" '^sent 0$' up --netns kt-gwdev --remove
kt_finish
