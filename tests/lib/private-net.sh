# Sourced by a test script that starts warpd: re-runs that script in a
# network namespace of its own, with only a loopback that is up. warpd's
# address (127.0.0.1:8080) is compiled in, so without this two runs at
# once (two checkouts, CI beside a developer, `make run` left open) would
# talk to each other's warpd or fail to bind. Needs root, as warpd does;
# without it the script runs where it is (and says so on stderr).
#
#   . "$TOP/tests/lib/private-net.sh"; private_net "$0" "$@"
private_net() {
	[ -n "${WARP_PRIVATE_NET:-}" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
		echo "# not root or no unshare: running in the host's network namespace" >&2
		return 0
	fi
	WARP_PRIVATE_NET=1 exec unshare --net -- sh -c '
	    ip link set lo up 2>/dev/null ||
	    { echo "not ok - cannot bring up loopback in a private network namespace"; exit 1; }
	    exec sh "$@"' sh "$@"
}
