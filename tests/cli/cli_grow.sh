# A full network grows in place (issue #11): edit-network --expected-users
# and --subnet give it the larger prefix that contains the current one;
# endpoints and the gateway keep their addresses, configs that change get a
# new version (and only those); refused, with the db unchanged, when the
# larger prefix overlaps another network, when it does not contain the
# current one, and when a smaller one would leave out addresses in use.
. "$(dirname "$0")/lib.sh"

w init --public-host vpn.example.net > /dev/null 2>&1
w create-network full --type l3vpn --subnet 10.60.1.0/29 > /dev/null
w create-network phones --type secure-internet --subnet 10.60.8.0/29 > /dev/null
w create-network other --type secure-internet --subnet 10.60.2.0/24 > /dev/null
w create-endpoints full 's{n}' --count 5 --type cpe > /dev/null
w create-endpoints phones 'p{n}' --count 5 --type mobile > /dev/null
expect_refused "a full network refuses one more endpoint, pointing at edit-network" \
    1 "edit-network NET --expected-users" create-endpoint full s9 --type cpe
addrs() { w list-endpoints "$1" --json | json '[e["overlay_ip"] for e in j]'; }
before_full=$(addrs full)
before_phones=$(addrs phones)
w show-config full/s1 > "$SCRATCH/s1.before"

w edit-network full --expected-users 20 2> "$SCRATCH/err"
check "edit-network --expected-users 20 grows the /29 to a /27 in place" \
    test "$(w show-network full --json | json '(j["subnet"], j["gateway_ip"], j["expected_users"])')" = "('10.60.1.0/27', '10.60.1.1', 20)"
check "its endpoints keep their addresses" test "$(addrs full)" = "$before_full"
check "an l3vpn config (Address and AllowedIPs name the subnet) got a new version" \
    sh -c "[ \$('$WARPCTL' --db '$DB' show-endpoint full/s1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"config_version\"])') = 2 ] &&
        '$WARPCTL' --db '$DB' show-config full/s1 | grep -qx 'Address = 10.60.1.2/27' &&
        '$WARPCTL' --db '$DB' show-config full/s1 | grep -qx 'AllowedIPs = 10.60.1.0/27' &&
        '$WARPCTL' --db '$DB' history full/s1 | grep -q 'network edited: subnet, expected users'"
w create-endpoint full s9 --type cpe > /dev/null
check "a new endpoint takes the lowest address of the larger range" \
    test "$(w show-endpoint full/s9 --json | json 'j["overlay_ip"]')" = 10.60.1.7

w edit-network phones --subnet 10.60.8.0/28
check "edit-network --subnet with a containing /28 grows it" \
    test "$(w show-network phones --json | json 'j["subnet"]')" = 10.60.8.0/28
check "secure-internet configs (Address /32, AllowedIPs 0/0) did not change: no new version" \
    test "$(w list-endpoints phones --json | json 'sorted(set(e["config_version"] for e in j))')" = "[1]"
check "and keep their addresses" test "$(addrs phones)" = "$before_phones"

# Growing over another network.
expect_refused "growing into another network is refused, naming it" 1 \
    "overlaps network 'other' (10.60.2.0/24)" edit-network full --subnet 10.60.0.0/22
expect_refused "as is --expected-users that needs that prefix" 1 \
    "overlaps network 'other'" edit-network full --expected-users 1000
expect_refused "a subnet that does not contain the current one is refused" 1 \
    "grows in place" edit-network full --subnet 10.61.0.0/24
expect_refused "shrinking below the addresses in use is refused, naming one" 1 \
    "endpoint 's2' uses 10.60.1.3" edit-network full --subnet 10.60.1.0/30
expect_refused "as is fewer expected users than endpoints" 1 \
    "has 6 endpoints" edit-network full --expected-users 3
w create-network wire --type l2-p2p > /dev/null
expect_refused "an l2-p2p network does not change size" 1 \
    "exactly 2 sites" edit-network wire --expected-users 20
expect_refused "a malformed subnet is refused" 1 "host bits set" \
    edit-network full --subnet 10.60.1.1/26
expect_refused "--expected-users out of range is refused" 1 "65534" \
    edit-network full --expected-users 70000

w edit-network full --subnet 10.60.1.0/28
check "a smaller subnet that still holds every address is accepted" \
    test "$(w show-network full --json | json 'j["subnet"]')" = 10.60.1.0/28
check "and the addresses are the same" \
    test "$(w list-endpoints full --json | json '[e["overlay_ip"] for e in j][-1]')" = 10.60.1.7
finish
