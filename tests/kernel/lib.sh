# tests/kernel/lib.sh — helpers for kernel tests. Source it:
#
#	. "$TOP/tests/kernel/lib.sh"     (run-in-vm runs tests with cwd = $TOP)
#
# Results (TAP-style lines, counted by tests/run-all):
#   kt_ok DESC                  prints "ok - DESC"
#   kt_notok DESC [DETAIL...]   prints "not ok - DESC" and each DETAIL as "#   " line
#   kt_skip DESC WHY            prints "ok - DESC # SKIP WHY"
#   kt_check DESC CMD...        ok if CMD succeeds, else not ok with CMD's output
#   kt_check_fails DESC CMD...  ok if CMD fails, else not ok with CMD's output
#   kt_check_out DESC PATTERN CMD...
#                               ok if CMD succeeds and its output matches the
#                               extended regexp PATTERN (grep -E)
#   kt_bail DESC [DETAIL...]    not ok, then exit (the cleanup still runs)
#   kt_finish                   exit: 1 if anything was not ok, else 0
#                               (also done on exit if the test forgets)
# Topology (test hosts are network namespaces; all removed on exit):
#   kt_netns NAME...            new namespaces, lo up
#   kt_veth NS1 IF1 NS2 IF2     a veth pair IF1 in NS1, IF2 in NS2, both up;
#                               NS "-" means the root (VM) namespace
#   kt_link_add NAME ARGS...    `ip link add NAME ARGS...` in the root namespace,
#                               deleted on exit (namespaces' links go with them)
#   kt_addr NS IF ADDR/LEN      add an address to IF in NS and set IF up
#   kt_in NS CMD...             run CMD in NS ("-" = root namespace)
#   kt_ping NS ADDR [SECONDS]   ok-ish: succeed if NS reaches ADDR within SECONDS (5)
#   kt_no_ping NS ADDR          succeed if 3 pings, 1 s apart, all fail
#   kt_wait SECONDS CMD...      retry CMD (every 0.2 s) until it succeeds
#   kt_on_exit CMD...           run CMD on exit (last registered runs first)
#   kt_require_vm               bail out unless inside the test VM
#
# Environment from tests/kernel/run-in-vm: TOP (checkout, read-only),
# KT_NAME (this test), KT_TMP (a fresh writable directory), KT_ARTIFACTS
# (writable, kept on the host under tests/artifacts/vm/kernel/), VM_SCRATCH.

KT_FAILED=0
KT_NAME=${KT_NAME:-$(basename "$0")}
KT_OWN_TMP=
if [ -z "${KT_TMP:-}" ]; then
	KT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kt.XXXXXX")
	KT_OWN_TMP=1
fi
# cleanup commands go to a file, so that helpers called inside $(...) or
# kt_check (subshells) register them too; $$ is this script's, also there
KT_CLEANUP_FILE=$KT_TMP/.kt-cleanup.$$
: > "$KT_CLEANUP_FILE"

kt_ok() { echo "ok - $1"; }

kt_notok() {
	echo "not ok - $1"
	KT_FAILED=$((KT_FAILED + 1))
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

kt_skip() { echo "ok - $1 # SKIP $2"; }

kt_check() {	# DESC CMD...
	_d=$1; shift
	if _o=$("$@" 2>&1); then
		kt_ok "$_d"
	else
		kt_notok "$_d" "command: $* (exit $?)" "$_o"
		return 1
	fi
}

kt_check_fails() {	# DESC CMD...
	_d=$1; shift
	if _o=$("$@" 2>&1); then
		kt_notok "$_d" "command succeeded but should have failed: $*" "$_o"
		return 1
	else
		kt_ok "$_d"
	fi
}

kt_check_out() {	# DESC PATTERN CMD...
	_d=$1 _p=$2; shift 2
	if ! _o=$("$@" 2>&1); then
		kt_notok "$_d" "command: $* (exit $?)" "$_o"
		return 1
	fi
	if printf '%s\n' "$_o" | grep -Eq -- "$_p"; then
		kt_ok "$_d"
	else
		kt_notok "$_d" "output of: $*" "does not match: $_p" "$_o"
		return 1
	fi
}

kt_bail() {
	kt_notok "$@"
	exit 1
}

kt_finish() {
	[ "$KT_FAILED" -eq 0 ] && exit 0
	exit 1
}

kt_on_exit() {	# CMD... (one string, evaluated at exit)
	printf '%s\n' "$*" >> "$KT_CLEANUP_FILE"
}

kt__exit() {
	_rc=$?
	trap - EXIT INT TERM
	if [ -f "$KT_CLEANUP_FILE" ]; then
		tac "$KT_CLEANUP_FILE" | while IFS= read -r _c; do
			[ -n "$_c" ] && eval "$_c" >/dev/null 2>&1
		done
		rm -f "$KT_CLEANUP_FILE"
	fi
	[ -n "$KT_OWN_TMP" ] && rm -rf "$KT_TMP"
	[ "$KT_FAILED" -gt 0 ] && [ "$_rc" -eq 0 ] && _rc=1
	exit "$_rc"
}
trap kt__exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

kt_require_vm() {
	[ "${WARP_IN_VM:-}" = 1 ] || kt_bail "$KT_NAME must run inside the test VM (tests/kernel/run-in-vm or tests/vm/run)"
	[ "$(id -u)" -eq 0 ] || kt_bail "$KT_NAME must run as root"
}

kt_in() {	# NS CMD...
	_ns=$1; shift
	if [ "$_ns" = - ]; then
		"$@"
		return
	fi
	# ip, tc and bridge enter the namespace themselves (-n: one setns,
	# one process); the rest through `ip netns exec`, which also makes
	# a mount namespace and execs the command (twice the cost under TCG).
	case $1 in
	ip|tc|bridge)
		_c=$1; shift
		"$_c" -n "$_ns" "$@" ;;
	*)	ip netns exec "$_ns" "$@" ;;
	esac
}

kt_netns() {	# NAME...
	for _n in "$@"; do
		ip netns add "$_n" || kt_bail "create network namespace $_n"
		kt_on_exit "ip netns delete '$_n'"
		ip -n "$_n" link set lo up
	done
}

kt_veth() {	# NS1 IF1 NS2 IF2
	ip link add "$2" type veth peer name "$4" || kt_bail "create veth pair $2/$4"
	kt_on_exit "ip link delete '$2'"
	if [ "$1" != - ]; then ip link set "$2" netns "$1" || kt_bail "move $2 to $1"; fi
	if [ "$3" != - ]; then ip link set "$4" netns "$3" || kt_bail "move $4 to $3"; fi
	kt_in "$1" ip link set "$2" up
	kt_in "$3" ip link set "$4" up
}

kt_link_add() {	# NAME ARGS...
	_l=$1; shift
	ip link add "$_l" "$@" || { kt_notok "ip link add $_l $*"; return 1; }
	kt_on_exit "ip link delete '$_l'"
}

kt_addr() {	# NS IF ADDR/LEN
	kt_in "$1" ip addr add "$3" dev "$2" || { kt_notok "add $3 to $2 in $1"; return 1; }
	kt_in "$1" ip link set "$2" up
}

kt_wait() {	# SECONDS CMD...
	_n=$(($1 * 5)); shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	"$@" >/dev/null 2>&1
}

kt_ping() {	# NS ADDR [SECONDS]
	_s=${3:-5}
	while [ "$_s" -gt 0 ]; do
		kt_in "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.5
		_s=$((_s - 1))
	done
	return 1
}

kt_no_ping() {	# NS ADDR
	for _i in 1 2 3; do
		kt_in "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 1
	done
	return 0
}
