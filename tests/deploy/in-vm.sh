#!/bin/sh
# tests/deploy/in-vm.sh PHASE — the deploy suite inside the test VM, with
# systemd as PID 1 over a disk image (tests/deploy/run boots it twice):
#   1  refusals, dry run, deploy.sh, a second run, TLS, sign-in, a network
#      and an endpoint through the JSON API, the tunnel, spoofed headers,
#      systemd-analyze, a restart of the services; the kernel state is
#      saved on the disk for the second boot
#   2  (the same disk, booted again: a reboot) the same kernel state comes
#      back from the database, the tunnel passes; --uninstall, --purge
# Prints ok / not ok lines; results outlive the VM in $VM_SCRATCH.
set -u
PHASE=$1
cd "$TOP" || exit 2
KEEP=/root/deploy-test		# on the disk image: survives the reboot
OUT=$VM_SCRATCH/deploy
mkdir -p "$KEEP" "$OUT"
HOST=198.51.100.1
URL=https://$HOST/
CA=/etc/warp/tls/cert.pem
NEWPW='correct horse battery staple 42'
fails=0

ok() { echo "ok - $*"; }
mark() { echo "# $(cut -d' ' -f1 /proc/uptime)s: $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() {	# description command...: ok when the command succeeds
	d=$1; shift
	if "$@" > "$OUT/last.out" 2>&1; then ok "$d"; else
		nok "$d"; sed 's/^/#   /' "$OUT/last.out" | tail -n 15; fi
}
in_client() { ip netns exec client "$@"; }

# The kernel objects of the appliance, minus what changes by itself
# (ifindex, counters, handshakes, the peers' current source address).
kdump() {
	for l in $(ip -o link show | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p'); do
		ip -d link show dev "$l" | grep -q 'alias warp:' || continue
		ip -d -o link show dev "$l" | sed -e 's/^[0-9]*: //' \
		    -e 's/ link-netnsid [0-9]*//' \
		    -e 's|link/ether [0-9a-f:]* brd [0-9a-f:]*|link/ether (random)|'
		ip -o addr show dev "$l" | sed -e 's/^[0-9]*: //' \
		    -e 's/valid_lft.*//'
	done
	ip route show table all proto 233
	ip rule show
	nft -s list table inet warp 2>&1
	nft -s list table inet warp_host 2>&1
	wg show all dump | awk -F'\t' 'NF == 5 { print $1, $3, $4, $5 }
	    NF == 9 { print $1, $2, $5, $9 }'
	sysctl net.ipv4.ip_forward
}

# Real wg-quick on the exported config, in the client namespace; DNS
# goes to a resolvconf that only records it (no resolver to change here).
tunnel_up() {
	mkdir -p "$KEEP/bin"
	printf '#!/bin/sh\ncat > /dev/null\n' > "$KEEP/bin/resolvconf"
	chmod +x "$KEEP/bin/resolvconf"
	cp "$KEEP/laptop.conf" /run/wgc.conf
	chmod 600 /run/wgc.conf
	in_client env PATH="$KEEP/bin:$PATH" wg-quick up /run/wgc.conf
}
tunnel_passes() {	# what
	if in_client ping -c 3 -i 0.3 -W 3 192.0.2.80 > "$OUT/ping.out" 2>&1; then
		n=$(ip netns exec inet nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
		ok "$1: the WireGuard client reaches the internet host through the gateway (it answers only the gateway's address; $n echo requests there)"
	else
		nok "$1: the WireGuard client does not reach the internet host"
		sed 's/^/#   /' "$OUT/ping.out"
		in_client wg show 2>&1 | sed 's/^/#   /'
	fi
}

# Everything deploy.sh could create; a refusal must leave all of it alone.
installed() {
	for p in /var/lib/warp /var/lib/warp-keys /etc/warp /etc/nginx/conf.d/warp.conf \
	    /etc/systemd/system/warpd.service /etc/systemd/system/warp-apply.service \
	    /etc/systemd/system/warp-firewall.service /usr/local/sbin/warpd \
	    /usr/local/bin/warpctl /etc/nftables.d/warp-host.nft \
	    /etc/sysctl.d/60-warp.conf /etc/modules-load.d/warp.conf; do
		[ -e "$p" ] && echo "$p"
	done
	id warp > /dev/null 2>&1 && echo "user warp"
	nft list table inet warp_host > /dev/null 2>&1 && echo "table inet warp_host"
}
changed_since() {	# marker: files under the places deploy.sh writes
	find /etc /usr/local /var/lib/warp /var/lib/warp-deploy -newer "$1" \
	    2>/dev/null | head -n 5
}
# (whether anything changed is checked once after all of them: every
# process is expensive under TCG)
refusal() {	# what expected-text command...
	what=$1 want=$2; shift 2
	"$@" > "$OUT/r.out" 2> "$OUT/r.err"
	rc=$?
	lines=$(cat "$OUT/r.out" "$OUT/r.err" | wc -l)
	if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q "$want" "$OUT/r.err"; then
		ok "$what: exit 1, one line ($(cat "$OUT/r.err"))"
	else
		nok "$what: exit $rc, $lines line(s), expected '$want'"
		sed 's/^/#   /' "$OUT/r.out" "$OUT/r.err"
	fi
}

systemctl is-system-running --wait > /dev/null 2>&1
st=$(systemctl is-system-running 2>&1)
[ "$st" = running ] || {
	echo "# system state $st; failed units:"
	systemctl --failed --no-legend | sed 's/^/#   /'
}

if [ "$PHASE" = 1 ]; then
	# The cloud's network, at every boot (the unit is on the disk image).
	cat > /etc/systemd/system/warp-test-net.service <<EOU
[Unit]
Description=deploy suite: the stand-in for a cloud network (tests/deploy/net.sh)
Before=network-online.target network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh $TOP/tests/deploy/net.sh

[Install]
WantedBy=network-online.target multi-user.target
EOU
	systemctl daemon-reload
	check "the test network is up (warp-test-net.service, enabled for the reboot)" \
	    systemctl enable --now warp-test-net.service
	# This machine's own tests (make run, tests/web) make the user warp:
	# a fresh machine has none (the overlay changes; the host is left alone).
	if id warp > /dev/null 2>&1; then
		userdel warp 2>/dev/null
		groupdel warp 2>/dev/null
	fi
	[ -z "$(installed)" ] || nok "the VM is not fresh: $(installed | tr '\n' ' ')"

	# --- refusals: nothing changed
	touch "$OUT/marker"; sleep 1
	refusal "deploy.sh as non-root" "root" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups sh ./deploy.sh
	printf 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\n' > /run/os-release.fake
	mount --bind /run/os-release.fake /etc/os-release
	refusal "deploy.sh on Debian 11 (a fake /etc/os-release)" "unsupported system" \
	    sh ./deploy.sh
	printf 'PRETTY_NAME="Fedora Linux 40"\nID=fedora\nVERSION_ID=40\n' > /run/os-release.fake
	refusal "deploy.sh on Fedora (a fake /etc/os-release)" "unsupported system" \
	    sh ./deploy.sh
	umount /etc/os-release
	refusal "deploy.sh --cert with a missing file" "cannot read" \
	    sh ./deploy.sh --cert /nonexistent/cert.pem --key /nonexistent/key.pem
	refusal "deploy.sh --cert with a file that is no certificate" "not a PEM certificate" \
	    sh ./deploy.sh --cert /etc/hostname --key /etc/hostname
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=a -keyout /run/a.key -out /run/a.pem -days 2 2>/dev/null
	openssl genpkey -algorithm ed25519 -out /run/b.key 2>/dev/null
	refusal "deploy.sh --cert with another certificate's key" "not the key of" \
	    sh ./deploy.sh --cert /run/a.pem --key /run/b.key
	refusal "deploy.sh with an unknown option" "unknown option" \
	    sh ./deploy.sh --frobnicate
	if [ -z "$(installed)" ] && [ -z "$(changed_since "$OUT/marker")" ]; then
		ok "the refusals changed nothing (no file under /etc /usr/local /var/lib/warp is newer, no user, no table)"
	else
		nok "a refusal changed something: installed: $(installed | tr '\n' ' '); changed: $(changed_since "$OUT/marker" | tr '\n' ' ')"
	fi

	# --- dry run
	touch "$OUT/marker"; sleep 1
	sh ./deploy.sh --dry-run > "$OUT/dry.out" 2>&1
	rc=$?
	n=$(grep -c ': would ' "$OUT/dry.out")
	if [ $rc -eq 0 ] && [ "$n" -ge 10 ] && grep -q 'nothing was changed' "$OUT/dry.out" &&
	   [ -z "$(installed)" ] && [ -z "$(changed_since "$OUT/marker")" ]; then
		ok "deploy.sh --dry-run prints the $n steps it would take and changes nothing"
	else
		nok "deploy.sh --dry-run: exit $rc, $n steps; installed: $(installed | tr '\n' ' ')"
		sed 's/^/#   /' "$OUT/dry.out"
	fi

	# Someone else's table: the appliance must leave it exactly as it is.
	nft -f - <<EON
table inet other {
	chain c {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 accept comment "not the appliance's"
	}
}
EON
	nft -a list table inet other > "$KEEP/other.nft"

	# --- the install
	mark "install"
	if sh ./deploy.sh > "$OUT/deploy1.out" 2>&1; then
		ok "deploy.sh installs ($(grep -c '^deploy.sh: ' "$OUT/deploy1.out") steps, public host detected from the default route)"
	else
		nok "deploy.sh failed"; sed 's/^/#   /' "$OUT/deploy1.out"
	fi
	sed 's/^/#   /' "$OUT/deploy1.out" | grep -v 'one-time password'
	grep -q "^web admin: https://$HOST/$" "$OUT/deploy1.out" &&
		ok "it prints the admin URL https://$HOST/" ||
		nok "no admin URL https://$HOST/ in its output"
	PW=$(sed -n 's/^one-time password: \([^ ]*\) .*/\1/p' "$OUT/deploy1.out")
	[ -n "$PW" ] && ok "it prints a one-time password" || nok "no one-time password printed"
	if [ -n "$PW" ] && grep -rqF "$PW" /var/lib/warp /etc/warp 2>/dev/null; then
		nok "the one-time password is stored in clear"
	else
		ok "the one-time password is stored nowhere in clear"
	fi

	# --- a second run changes nothing
	sum1=$(sha256sum /var/lib/warp/warp.db /var/lib/warp-keys/master.key)
	sh ./deploy.sh > "$OUT/deploy2.out" 2>&1
	rc=$?
	sum2=$(sha256sum /var/lib/warp/warp.db /var/lib/warp-keys/master.key)
	if [ $rc -eq 0 ] && grep -q 'nothing to change' "$OUT/deploy2.out" &&
	   [ "$(grep -c '^deploy.sh: ' "$OUT/deploy2.out")" -eq 1 ] && [ "$sum1" = "$sum2" ]; then
		ok "a second deploy.sh reports nothing to change; the database and key are byte-identical"
	else
		nok "second deploy.sh: exit $rc"; sed 's/^/#   /' "$OUT/deploy2.out"
		[ "$sum1" = "$sum2" ] || echo "#   database changed"
	fi

	# --- services, files, units
	for u in warp-firewall.service warp-apply.service warpd.service nginx.service; do
		check "$u is active and enabled" sh -c "systemctl is-active $u && systemctl is-enabled $u"
	done
	check "/var/lib/warp is root:warp 0770, the db root:warp 0660; the key root:root 0600 in /var/lib/warp-keys, root:root 0700" \
	    test "$(stat -c '%U:%G %a' /var/lib/warp /var/lib/warp/warp.db /var/lib/warp-keys /var/lib/warp-keys/master.key | tr '\n' ' ')" \
	    = "root:warp 770 root:warp 660 root:root 700 root:root 600 "
	check "no master key is left in the workers' directory" test ! -e /var/lib/warp/warp.db.key
	check "warpd's parent runs as root, its workers as warp" sh -c \
	    'ps -o user= -C warpd | sort | uniq -c | tr -s " " | grep -q "root" && ps -o user= -C warpd | grep -q "^warp"'
	check "warpd listens on 127.0.0.1:8080 only; nginx on 80 and 443" sh -c \
	    'ss -Htlnp | grep -q "127.0.0.1:8080 .*warpd" && ! ss -Htlnp | grep -v "127.0.0.1:8080" | grep -q warpd &&
	     ss -Htlnp | grep -q ":443 .*nginx" && ss -Htlnp | grep -q ":80 .*nginx"'
	check "systemd-analyze verify accepts the units" \
	    systemd-analyze verify /etc/systemd/system/warpd.service \
	    /etc/systemd/system/warp-apply.service /etc/systemd/system/warp-firewall.service
	systemd-analyze security warpd.service > "$OUT/security-warpd.txt" 2>&1
	systemd-analyze security warp-apply.service > "$OUT/security-warp-apply.txt" 2>&1
	systemd-analyze security warp-firewall.service > "$OUT/security-warp-firewall.txt" 2>&1
	score=$(sed -n 's/.*Overall exposure level for warpd.service: *//p' "$OUT/security-warpd.txt")
	score2=$(sed -n 's/.*Overall exposure level for warp-apply.service: *//p' "$OUT/security-warp-apply.txt")
	score3=$(sed -n 's/.*Overall exposure level for warp-firewall.service: *//p' "$OUT/security-warp-firewall.txt")
	[ -n "$score" ] && ok "systemd-analyze security: warpd.service exposure $score, warp-apply.service $score2, warp-firewall.service $score3 (in $OUT/security-*.txt)" ||
		nok "systemd-analyze security gave no score for warpd"

	mark "TLS"
	# --- TLS (the browser is in the client namespace: a real remote address)
	check "curl --cacert verifies https://$HOST/ (certificate for the public host)" \
	    in_client curl -sS -o /dev/null --cacert "$CA" --max-time 20 "${URL}login"
	check "http://$HOST/ redirects to https://$HOST/" sh -c \
	    "ip netns exec client curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 20 http://$HOST/networks | grep -qx '301 https://$HOST/networks'"
	check "the HSTS header is there" sh -c \
	    "ip netns exec client curl -sS -D - -o /dev/null --cacert $CA --max-time 20 ${URL}login | grep -qi '^strict-transport-security: max-age=31536000'"
	check "TLS 1.2 is accepted" sh -c \
	    "echo | ip netns exec client openssl s_client -connect $HOST:443 -tls1_2 -CAfile $CA -verify_return_error 2>&1 | grep -q 'Protocol *: TLSv1.2'"
	echo | in_client openssl s_client -connect $HOST:443 -tls1_1 \
	    -cipher 'DEFAULT@SECLEVEL=0' > "$OUT/tls11.out" 2>&1
	if grep -q 'alert protocol version' "$OUT/tls11.out"; then
		ok "TLS 1.1 is refused (the server answers a TLS 1.1 hello with a protocol_version alert)"
	else
		nok "TLS 1.1 was not refused with a protocol_version alert"; tail -n 5 "$OUT/tls11.out" | sed 's/^/#   /'
	fi
	echo | in_client openssl s_client -connect $HOST:443 -tls1 \
	    -cipher 'DEFAULT@SECLEVEL=0' > "$OUT/tls10.out" 2>&1
	grep -q 'alert protocol version' "$OUT/tls10.out" && ok "TLS 1.0 is refused" ||
		nok "TLS 1.0 was not refused"
	head -c 2000000 /dev/zero > /run/big.bin
	code=$(in_client curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" \
	    --max-time 30 -H 'content-type: application/json' \
	    --data-binary @/run/big.bin "${URL}api/v1/networks")
	[ "$code" = 413 ] && ok "a 2 MB request body is refused by nginx (413)" ||
		nok "a 2 MB request body got $code, not 413"

	# --- sign in with the printed password, a new one forced
	check "the printed password signs in through nginx and a new one is forced" \
	    in_client python3 tests/deploy/client.py "$URL" "$CA" signin "$PW" "$NEWPW"
	sed 's/^/#   /' "$OUT/last.out"

	# --- a network and an endpoint through the JSON API, in the kernel
	mark "JSON API"
	check "a network and an endpoint made through the JSON API are applied" \
	    in_client python3 tests/deploy/client.py "$URL" "$CA" create "$NEWPW" "$KEEP/laptop.conf"
	sed 's/^/#   /' "$OUT/last.out"
	vcid=$(warpctl list-networks --json | sed -n 's/.*"vcid":\([0-9]*\).*/\1/p')
	check "the kernel has vrf$vcid and wg$vcid with the endpoint's peer" sh -c \
	    "ip -d link show vrf$vcid | grep -q 'vrf table' && ip -d link show wg$vcid | grep -q 'master vrf$vcid' && [ \$(wg show wg$vcid peers | wc -l) -eq 1 ]"
	check "the exported config names the public host" grep -q "^Endpoint = $HOST:51820" "$KEEP/laptop.conf"
	# (before the tunnel: with it up, the client's traffic to the public
	# address goes into the tunnel, where a network reaches only its own
	# gateway address)
	mark "spoofed headers"
	# --- spoofed X-Real-IP: neither the throttle nor the log believes it
	check "spoofed X-Real-IP: 5 failures then 429 (the throttle counts one address)" \
	    in_client python3 tests/deploy/client.py "$URL" "$CA" spoof spoof-test 5
	addrs=$(sqlite3 /var/lib/warp/warp.db "SELECT DISTINCT remote_addr FROM login_attempts WHERE username = 'spoof-test'" | tr '\n' ' ')
	saddr=$(sqlite3 /var/lib/warp/warp.db "SELECT DISTINCT remote_addr FROM sessions" | tr '\n' ' ')
	# warpd logs an unknown name by its length only (people type
	# passwords into that field): "spoof-test" is 10 bytes
	logged=$(journalctl -u warpd -o cat | sed -En "s/.*failed sign-in for (user .spoof-test.|an unknown user name \(10 bytes\)) from ([^ ]*).*/\2/p" | sort -u | tr '\n' ' ')
	case "$addrs|$saddr|$logged" in
	*10.66.*|*10.77.*) nok "a spoofed address was believed: attempts '$addrs', sessions '$saddr', log '$logged'" ;;
	*)	if [ "$(echo $addrs | wc -w)" -eq 1 ] && [ "$addrs" = "$logged" ]; then
			ok "spoofed X-Real-IP/X-Forwarded-For are ignored: the throttle, the sessions and the log see $addrs(sessions: $saddr)"
		else
			nok "throttle/log addresses differ: attempts '$addrs', log '$logged'"
		fi ;;
	esac

	mark "firewall"
	# --- the base input policy, with traffic from the client (before its
	# tunnel is up: then everything it sends goes into the tunnel): SSH (a
	# listener stands in for sshd) and 443 connect, a port outside the
	# policy gets no answer at all
	NETPY=$TOP/tests/lib/tcpudp.py
	python3 "$NETPY" tcp-serve 22 8081 > "$OUT/listen.out" 2>&1 &
	lpid=$!
	i=0
	until grep -q listening "$OUT/listen.out" || [ $i -ge 100 ]; do sleep 0.3; i=$((i + 1)); done
	c22=$(in_client python3 "$NETPY" tcp $HOST 22 20)
	c443=$(in_client curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA" --max-time 20 "${URL}healthz")
	c8081=$(in_client python3 "$NETPY" tcp $HOST 8081 3)
	l8081=$(python3 "$NETPY" tcp 127.0.0.1 8081 10)
	if [ "$c22" = "from 203.0.113.2" ] && [ "$c443" = 200 ] && [ "$c8081" = timeout ] &&
	   [ "$l8081" = "from 127.0.0.1" ]; then
		ok "firewall: from the client SSH (22) connects and 443 answers; 8081 (listening) is dropped, no answer at all; on the gateway itself it connects"
	else
		nok "firewall: 22 '$c22', 443 '$c443', 8081 '$c8081' (want: from 203.0.113.2, 200, timeout), local 8081 '$l8081'"
		nft list table inet warp_host 2>&1 | sed 's/^/#   /'
	fi
	nft -a list table inet other > "$OUT/other.nft" 2>&1
	check "another table (inet other) is exactly as before the install" cmp "$KEEP/other.nft" "$OUT/other.nft"
	check "warp-firewall.service runs warpctl host-firewall, no nft" sh -c \
	    "grep -q '^ExecStart=/usr/local/bin/warpctl .*host-firewall' /etc/systemd/system/warp-firewall.service &&
	     ! grep '^Exec' /etc/systemd/system/warp-firewall.service | grep -q nft"
	nft list table inet warp_host > "$OUT/host.1" 2>&1
	systemctl stop warp-firewall.service
	if ! nft list table inet warp_host > /dev/null 2>&1 && nft list table inet warp > /dev/null 2>&1 &&
	   nft -a list table inet other 2>&1 | cmp -s - "$KEEP/other.nft"; then
		ok "systemctl stop warp-firewall removes table inet warp_host only (inet warp and inet other stay)"
	else
		nok "after systemctl stop warp-firewall: $(nft list tables | tr '\n' ' ')"
	fi
	c8081=$(in_client python3 "$NETPY" tcp $HOST 8081 20)
	[ "$c8081" = "from 203.0.113.2" ] && ok "without the policy 8081 connects from the client (so the policy dropped it)" ||
		nok "without the policy 8081: '$c8081'"
	echo 0 > /proc/sys/net/ipv4/ip_forward	# (the test's own doing)
	systemctl start warp-firewall.service
	nft list table inet warp_host > "$OUT/host.2" 2>&1
	c8081=$(in_client python3 "$NETPY" tcp $HOST 8081 3)
	if systemctl is-active -q warp-firewall.service && cmp -s "$OUT/host.1" "$OUT/host.2" &&
	   [ "$c8081" = timeout ]; then
		ok "systemctl start warp-firewall restores the same table ($(grep -c accept "$OUT/host.2") accept rules); 8081 is dropped again"
	else
		nok "after systemctl start warp-firewall: 8081 '$c8081'"
		diff "$OUT/host.1" "$OUT/host.2" | sed 's/^/#   /'
	fi
	kill $lpid 2>/dev/null
	check "forwarding, set to 0 before the start, is on again (warp-firewall writes it; no sysctl runs)" \
	    test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1

	check "the client loads its exported config with the real wg-quick" tunnel_up
	tunnel_passes "after the install"

	mark "restart"
	# --- restart: the same kernel state, the tunnel still passes
	kdump > "$KEEP/kstate.1"
	cp "$KEEP/kstate.1" "$OUT/kstate.1"
	systemctl restart warp-firewall.service warp-apply.service warpd.service nginx.service
	sleep 2
	kdump > "$OUT/kstate.restart"
	if cmp -s "$KEEP/kstate.1" "$OUT/kstate.restart"; then
		ok "systemctl restart of the services brings back the same kernel state ($(wc -l < "$KEEP/kstate.1") lines)"
	else
		nok "the kernel state differs after systemctl restart"
		diff "$KEEP/kstate.1" "$OUT/kstate.restart" | head -n 20 | sed 's/^/#   /'
	fi
	tunnel_passes "after systemctl restart"
	check "warpd answers through nginx after the restart" \
	    curl -sfS -o /dev/null --cacert "$CA" --max-time 20 "${URL}healthz"
	echo "$PW" > "$KEEP/phase1.done"
	cp "$KEEP/phase1.done" "$OUT/phase1.done"
	echo "# phase 1: $fails failure(s); powering off for the reboot"
	exit $((fails > 0))
fi

if [ "$PHASE" = 2 ]; then
	[ -f "$KEEP/phase1.done" ] || { nok "the reboot lost the first boot's state ($KEEP)"; exit 1; }
	for u in warp-firewall.service warp-apply.service warpd.service nginx.service; do
		check "after the reboot $u is active" systemctl is-active $u
	done
	kdump > "$OUT/kstate.2"
	if cmp -s "$KEEP/kstate.1" "$OUT/kstate.2"; then
		ok "after the reboot the kernel state is the same as before, from the database ($(wc -l < "$KEEP/kstate.1") lines)"
	else
		nok "the kernel state after the reboot differs"
		diff "$KEEP/kstate.1" "$OUT/kstate.2" | head -n 20 | sed 's/^/#   /'
	fi
	check "after the reboot the new password signs in through nginx" \
	    in_client python3 tests/deploy/client.py "$URL" "$CA" login "$NEWPW"
	check "after the reboot the client brings its tunnel up again" tunnel_up
	tunnel_passes "after the reboot"

	mark "upgrade"
	# --- upgrade in place: another build installed (a byte appended to
	# the installed programs stands for an older release)
	vcid=$(warpctl list-networks --json | sed -n 's/.*"vcid":\([0-9]*\).*/\1/p')
	idx1=$(cat /sys/class/net/wg$vcid/ifindex 2>/dev/null)
	for f in /usr/local/sbin/warpd /usr/local/bin/warpctl; do
		cp "$f" "$f.old" && printf 'x' >> "$f.old" && mv -f "$f.old" "$f"
	done
	sh ./deploy.sh > "$OUT/upgrade.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$OUT/upgrade.out"
	b=$(ls /var/lib/warp/backups/warp-*.db 2>/dev/null | head -n 1)
	kdump > "$OUT/kstate.upgrade"
	if [ $rc -eq 0 ] && [ -n "$b" ] && [ -f "$b.key" ] &&
	   cmp -s build/warpd /usr/local/sbin/warpd && cmp -s build/warpctl /usr/local/bin/warpctl &&
	   [ "$(grep -n 'back up' "$OUT/upgrade.out" | cut -d: -f1)" -lt "$(grep -n 'install warpd' "$OUT/upgrade.out" | cut -d: -f1)" ] &&
	   cmp -s "$KEEP/kstate.1" "$OUT/kstate.upgrade" &&
	   [ "$idx1" = "$(cat /sys/class/net/wg$vcid/ifindex)" ]; then
		ok "an upgrade over another build backs up first ($b), installs, restarts; the kernel state and wg$vcid (ifindex $idx1) stay"
	else
		nok "upgrade: exit $rc, backup '$b', wg ifindex $idx1 -> $(cat /sys/class/net/wg$vcid/ifindex 2>/dev/null)"
		diff "$KEEP/kstate.1" "$OUT/kstate.upgrade" | head -n 10 | sed 's/^/#   /'
	fi
	check "the backup opens with warpctl and has the network" sh -c \
	    "warpctl --db '$b' list-networks | grep -q office"
	tunnel_passes "after the upgrade"

	# --- uninstall keeps the data
	mark "uninstall"
	sum=$(sha256sum /var/lib/warp-keys/master.key)
	sh ./deploy.sh --uninstall > "$OUT/uninstall.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$OUT/uninstall.out"
	left=$(installed | grep -v '^/var/lib/warp$' | grep -v '^/var/lib/warp-keys$' | grep -v '^user warp$' | tr '\n' ' ')
	kleft=$(ip -d link show | grep -c 'alias warp:')
	if [ $rc -eq 0 ] && [ -z "$left" ] && [ "$kleft" -eq 0 ] &&
	   ! nft list table inet warp > /dev/null 2>&1 &&
	   ! systemctl is-active -q warpd.service && [ -f /var/lib/warp/warp.db ] &&
	   [ "$sum" = "$(sha256sum /var/lib/warp-keys/master.key)" ]; then
		ok "--uninstall removes the services, files and kernel objects and keeps /var/lib/warp and its key"
	else
		nok "--uninstall: exit $rc; left: $left; kernel links: $kleft"
	fi
	check "warpctl on the kept database still lists the network" sh -c \
	    "$TOP/build/warpctl --db /var/lib/warp/warp.db list-networks | grep -q office"
	sh ./deploy.sh --uninstall --purge > "$OUT/purge.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$(installed)" ]; then
		ok "--uninstall --purge removes /var/lib/warp, the key and the user warp"
	else
		nok "--purge: exit $rc; left: $(installed | tr '\n' ' ')"; sed 's/^/#   /' "$OUT/purge.out"
	fi
	sh ./deploy.sh --uninstall > "$OUT/again.out" 2>&1
	grep -q 'nothing to uninstall' "$OUT/again.out" && ok "a second --uninstall has nothing to do" ||
		nok "a second --uninstall: $(cat "$OUT/again.out")"

	mark "make run"
	# --- make run (the README's first command) on a kernel with VRF:
	# the dev namespace's uplink, a network applied, a real client
	in_client wg-quick down /run/wgc.conf > /dev/null 2>&1
	D=/root/dev/warp.db
	# make run keeps the dev database's master key out of the workers'
	# directory, in run-keys/ of the checkout (WARP_KEY_DEV): warpctl on
	# that database is told the same.
	WARP_KEY=$TOP/run-keys/master.key
	export WARP_KEY
	WARP_DB_DEV=$D make run > "$OUT/makerun.out" 2>&1 &
	mk=$!
	i=0
	until curl -s -o /dev/null --max-time 2 http://127.0.0.1:8080/healthz; do
		i=$((i + 1)); [ $i -lt 60 ] || break; sleep 1
	done
	W=$TOP/build/warpctl
	$W --db $D create-network dev --type secure-internet > /dev/null &&
	$W --db $D create-endpoint dev phone --type mobile > /dev/null &&
	$W --db $D apply > "$OUT/makerun-apply.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ip -n warp-dev -d link show | grep -q 'vrf table'; then
		ok "make run: a Secure Internet network applies in the namespace warp-dev (uplink uplink0)"
	else
		nok "make run: warpctl apply exit $rc"
		sed 's/^/#   /' "$OUT/makerun.out" "$OUT/makerun-apply.out" | tail -n 20
	fi
	$W --db $D export-config dev/phone --filename "$KEEP/laptop.conf" > /dev/null
	check "make run: the client loads the exported config (Endpoint $(sed -n 's/^Endpoint = //p' "$KEEP/laptop.conf")) with wg-quick" tunnel_up
	tunnel_passes "make run"
	kill $(pgrep -P $mk) $mk 2>/dev/null
	wait $mk 2>/dev/null
	# warpd drains its workers after make is gone; a reconcile it runs
	# meanwhile makes the namespace again (it is in the dev database):
	# clean up once it has exited.
	i=0
	while pgrep -x warpd > /dev/null && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
	make -s run-clean > "$OUT/runclean.out" 2>&1
	check "make run-clean removes the dev uplink, namespace and NAT table" sh -c \
	    '! ip link show warp-dev0 2>/dev/null && ! ip netns list | grep -q warp-dev && ! nft list table ip warp_dev 2>/dev/null'
	exit $((fails > 0))
fi
echo "usage: in-vm.sh 1|2" >&2
exit 2
