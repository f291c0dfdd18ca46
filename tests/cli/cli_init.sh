# `warpctl init` finds the public address from the kernel's default route
# over netlink (no outside service), inside a scratch network namespace.
. "$(dirname "$0")/lib.sh"

ns=warpinit$$
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add up0 type veth peer name up1
ip -n "$ns" addr add 198.51.100.23/24 dev up0
ip -n "$ns" link set up0 up
ip -n "$ns" link set up1 up
ip -n "$ns" link set lo up

ip netns exec "$ns" "$WARPCTL" --db "$DB" init > "$SCRATCH/out" 2> "$SCRATCH/err"
rc=$?
check "init without a default route fails with exit 1 and says what to give" \
    sh -c "[ $rc -eq 1 ] && grep -q -- '--public-host' '$SCRATCH/err' && [ ! -e '$DB' ]"

ip -n "$ns" route add default via 198.51.100.1 dev up0
ip netns exec "$ns" "$WARPCTL" --db "$DB" init > "$SCRATCH/out" 2>&1
check "init detects the public address from the default route" \
    grep -qx 'public host: 198.51.100.23' "$SCRATCH/out"
check "init detects the uplink device of the default route" \
    grep -qx 'uplink: up0' "$SCRATCH/out"
check "the detected host is stored" \
    test "$(w config show --json | json 'j["public_host"]+"/"+j["uplink"]')" = 198.51.100.23/up0
finish
