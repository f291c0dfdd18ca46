# bench/lib.sh — shared by the reconciler benchmarks (bench/change,
# bench/apply_scale, bench/vs_baseline, bench/memory).  Not a test: figures
# are printed, never asserted.  Source it from a bench script run from the
# checkout:
#
#	. bench/lib.sh
#
# Host side (outside the VM):
#   bench_build                 build/libwarp.a, build/warpctl and the
#                               helpers in build/bench/ (desired, rowcount.so)
#   bench_db NETS EPS           a database of NETS Secure Internet networks
#                               of EPS endpoints each, made once and kept in
#                               build/bench/db/NETSxEPS (prints its path)
#   bench_vm SCRIPT ARGS...     run "sh SCRIPT --inside ARGS..." in the test
#                               VM (tests/vm/run; WARP_VM_CACHE), stdout as
#                               it comes; timeout WARP_BENCH_TIMEOUT (7200 s)
# VM side (the gateway is the VM's own namespace; uplink up0, a dummy):
#   bench_gw DB                 copy DB (and its key) to $BT, make the uplink
#   warpctl ARGS...             build/warpctl on $BT/warp.db, here
#   now, since T0               wall clock, seconds since T0 (3 decimals)
#   bench_apply [ARGS]          warpctl apply; output $BT/apply.out, its
#                               "sent ..." line in SENT (the count in
#                               SENTN), seconds in SECS; with BENCH_RSS=1
#                               its peak RSS in KiB in RSS, its peak
#                               RssAnon (sampled every 0.2 s) in ANON
#   kstate FILE                 what the appliance owns in the kernel,
#                               normalised (for before/after comparison)
#   floor_dump DIR              dump links, addresses, routes, rules, wg
#                               devices, nftables into DIR and write the
#                               replay: DIR/ip.batch, ip6.batch, wg.*, nft
#   floor_flush DIR             remove what the dump named (untimed)
#   floor_replay DIR            ip -batch, wg setconf per device, nft -f:
#                               seconds in SECS
#   tools_dump                  the read-only dump of the same state with
#                               the kernel tools: seconds in SECS
#
# qemu runs in TCG on shared cores: absolute times are inflated, only
# ratios measured in one run mean something.

BENCH_OUT=${BENCH_OUT:-$TOP/build/bench}
BT=${BT:-/tmp/bench}

bench_build() {
	[ -f build/libwarp.a ] && [ -x build/warpctl ] ||
	    make "$TOP/build/libwarp.a" "$TOP/build/warpctl" >/dev/null ||
	    { echo "bench: build failed" >&2; exit 1; }
	mkdir -p "$BENCH_OUT"
	_libs="-lsqlite3 -lnl-3 -lnl-route-3 -lmnl -lnftnl -lqrencode -lsodium -lpng"
	cc -O2 -Wall -Werror -D_GNU_SOURCE -I/usr/include/libnl3 -Isrc/includes \
	    -o "$BENCH_OUT/desired" bench/baseline/desired.c build/libwarp.a \
	    $_libs || exit 1
	cc -O2 -Wall -Werror -shared -fPIC -o "$BENCH_OUT/rowcount.so" \
	    bench/rowcount.c -ldl || exit 1
}

bench_db() {	# NETS EPS: path of a cached database
	_d=$BENCH_OUT/db/${1}x$2
	if [ ! -f "$_d/done" ]; then
		rm -rf "$_d" && mkdir -p "$_d"
		_w="$TOP/build/warpctl --db $_d/warp.db"
		_t0=$(now)
		$_w init --public-host 192.0.2.1 --uplink up0 >/dev/null || exit 1
		$_w config set port-pool 20000-21999 >/dev/null || exit 1
		_i=0
		while [ "$_i" -lt "$1" ]; do
			$_w create-network "n$_i" --type secure-internet \
			    --expected-users $(($2 + $2 / 10 + 2)) >/dev/null ||
			    exit 1
			[ "$2" -eq 0 ] || $_w create-endpoints "n$_i" 'ep-{n}' \
			    --count "$2" --type mobile >/dev/null || exit 1
			_i=$((_i + 1))
		done
		echo "# made the database of $1 x $2 in $(since "$_t0") s" \
		    "(host, kept in $_d)" >&2
		touch "$_d/done"
	fi
	echo "$_d/warp.db"
}

bench_vm() {	# SCRIPT ARGS...
	_s=$1; shift
	export WARP_VM_CACHE=${WARP_VM_CACHE:-/work/vmcache}
	[ -d "$WARP_VM_CACHE" ] || unset WARP_VM_CACHE
	exec tests/vm/run --timeout "${WARP_BENCH_TIMEOUT:-7200}" \
	    --env "BENCH_OUT=$BENCH_OUT" -- sh "$_s" --inside "$@"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

bench_gw() {	# DB
	rm -rf "$BT" && mkdir -p "$BT"
	cp "$1" "$1.key" "$BT/" || exit 1
	# what a first apply autoloads, so that no timed step pays for it
	modprobe -a dummy nf_conntrack nf_nat nft_chain_nat nft_ct nft_masq
	ip link add up0 type dummy 2>/dev/null
	ip addr add 198.51.100.1/24 dev up0 2>/dev/null
	ip link set up0 up
	ip route replace default via 198.51.100.2 dev up0 onlink
	echo "# kernel $(uname -r), $(nproc) vCPUs (qemu, TCG), $(date -u +%Y-%m-%dT%H:%MZ)"
}

warpctl() { "$TOP/build/warpctl" --db "$BT/warp.db" --netns '' "$@"; }

bench_apply() {	# [ARGS]; BENCH_RSS=1: peak RSS, RssAnon (KiB) in RSS, ANON
	_t0=$(now)
	if [ "${BENCH_RSS:-}" = 1 ]; then
		/usr/bin/time -f %M -o "$BT/rss" "$TOP/build/warpctl" \
		    --db "$BT/warp.db" --netns '' apply "$@" > "$BT/apply.out" 2>&1 &
		_tp=$!
		# The peak of RssAnon (heap and anonymous maps), sampled every
		# 0.2 s: the peak RSS counts the mapped database's pages too
		# (file-backed, the page cache's), which grow with the file.
		ANON=0
		while [ -e "/proc/$_tp" ] &&
		    ! grep -q '^State:[[:space:]]*Z' "/proc/$_tp/status" 2>/dev/null; do
			for _c in $(cat "/proc/$_tp/task/$_tp/children" 2>/dev/null); do
				_a=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\).*/\1/p' \
				    "/proc/$_c/status" 2>/dev/null)
				[ "${_a:-0}" -gt "$ANON" ] && ANON=$_a
			done
			sleep 0.2
		done
		wait "$_tp"
		_rc=$?
		RSS=$(tail -n 1 "$BT/rss")
	else
		warpctl apply "$@" > "$BT/apply.out" 2>&1
		_rc=$?
	fi
	SECS=$(since "$_t0")
	SENT=$(grep -E '^(sent|would send) ' "$BT/apply.out" | tail -n 1)
	SENTN=$(echo "$SENT" | sed -n 's/^[a-z ]* \([0-9]*\) write messages.*/\1/p')
	[ "$_rc" -eq 0 ] || { echo "# apply exit $_rc:"; tail -n 3 "$BT/apply.out" | sed 's/^/#   /'; }
	return $_rc
}

ours() {	# names of the links the appliance owns, wg first, one a line
	ip -o link show | awk '/ alias warp:/ { n = $2; sub(/:$/, "", n);
	    sub(/@.*/, "", n); print n }' | sort -r
}

kstate() {	# FILE
	{
		ip -d -o link show | grep ' alias warp:' | sed -e 's/^[0-9]*: //' \
		    -e 's/ link\/ether [0-9a-f:]* brd [0-9a-f:]*//' | sort
		ip -o -4 addr show | awk '{ print $2, $4 }' | sort
		ip -4 route show table all proto 233 | sort
		ip -6 route show table all proto 233 | sort
		ip -4 rule show | grep 'proto 233'
		ip -6 rule show | grep 'proto 233'
		wg show all dump | sort
		nft list ruleset | awk -f "$TOP/bench/nftnorm.awk"
	} > "$1" 2>&1
}

floor_dump() {	# DIR
	rm -rf "$1" && mkdir -p "$1"
	ip -d -o link show | grep ' alias warp:' > "$1/links"
	ours > "$1/names"
	ip -o -4 addr show > "$1/addrs"
	ip -4 route show table all proto 233 > "$1/routes4"
	ip -6 route show table all proto 233 > "$1/routes6"
	ip -4 rule show | grep 'proto 233' > "$1/rules4"
	ip -6 rule show | grep 'proto 233' > "$1/rules6"
	nft list ruleset > "$1/nft"
	wg show all dump | awk -v d="$1" -f "$TOP/bench/wgconf.awk"
	awk -f "$TOP/bench/floor.awk" "$1/links" > "$1/ip.batch"
	awk 'FNR == NR { own[$1] = 1; next }
	    own[$2] { print "addr add", $4, "dev", $2 }' "$1/names" "$1/addrs" \
	    >> "$1/ip.batch"
	sed "s/\$/ proto 233/; s/^/route add /" "$1/routes4" >> "$1/ip.batch"
	sed 's/^\([0-9]*\):[[:space:]]*/rule add pref \1 /' "$1/rules4" >> "$1/ip.batch"
	sed -e 's/ dev lo / /' -e 's/ pref medium//' -e 's/$/ proto 233/' -e 's/^/route add /' \
	    "$1/routes6" > "$1/ip6.batch"
	sed 's/^\([0-9]*\):[[:space:]]*/rule add pref \1 /' "$1/rules6" >> "$1/ip6.batch"
}

floor_flush() {	# DIR
	sed 's/^/link del /' "$1/names" > "$1/flush.batch"
	ip -batch "$1/flush.batch"
	ip -4 route flush table all proto 233 2>/dev/null
	ip -6 route flush table all proto 233 2>/dev/null
	sed 's/^\([0-9]*\):[[:space:]]*/rule del pref \1 /' "$1/rules4" > "$1/flush.rules"
	[ -s "$1/flush.rules" ] && ip -batch "$1/flush.rules"
	sed 's/^\([0-9]*\):[[:space:]]*/rule del pref \1 /' "$1/rules6" > "$1/flush.rules6"
	[ -s "$1/flush.rules6" ] && ip -6 -batch "$1/flush.rules6"
	nft flush ruleset
}

floor_replay() {	# DIR
	_t0=$(now)
	ip -batch "$1/ip.batch" || echo "# floor: ip -batch failed"
	[ -s "$1/ip6.batch" ] && { ip -6 -batch "$1/ip6.batch" ||
	    echo "# floor: ip -6 -batch failed"; }
	for _f in "$1"/wg.*; do
		[ -f "$_f" ] && wg setconf "${_f##*/wg.}" "$_f"
	done
	nft -f "$1/nft" || echo "# floor: nft -f failed"
	SECS=$(since "$_t0")
}

tools_dump() {
	_t0=$(now)
	{
		ip -d link show
		ip addr show
		ip -4 route show table all
		ip -6 route show table all
		ip -4 rule show
		ip -6 rule show
		wg show all dump
		nft list ruleset
	} > "$BT/tools_dump.out" 2>&1
	SECS=$(since "$_t0")
}
