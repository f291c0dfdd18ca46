# warpctl create-networks: many networks in one call (a name pattern, the
# types taking turns), one transaction: all of them or none, a one-line
# error naming the network refused, and the database unchanged.
. "$(dirname "$0")/lib.sh"

w init --public-host vpn.example.net --uplink eth9 > /dev/null 2>&1 ||
    { not_ok "init"; finish; }
w config set port-pool 30000-30061 > /dev/null

w create-networks 'net-{n}' --count 50 \
    --type secure-internet,resource-gateway,l3vpn,l2-p2p,l2-mesh \
    --resource-subnet 172.20.0.0/24 --vni 7000 --peer-communication \
    --dns 9.9.9.9 > "$SCRATCH/ids"
check "create-networks makes 50 networks in one call and prints their ids" \
    test "$(wc -l < "$SCRATCH/ids")" = 50 -a "$(w list-networks --json | json 'len(j)')" = 50
check "names follow the pattern from --start 1" \
    test "$(w list-networks --json | json '[n["name"] for n in j]==["net-%d" % i for i in range(1, 51)]')" = True
check "the types take turns, 10 of each" \
    test "$(w list-networks --json | json '[n["type"] for n in j][:6]+[sum(n["type"]=="l2-mesh" for n in j)]')" = "['secure-internet', 'resource-gateway', 'l3vpn', 'l2-p2p', 'l2-mesh', 'secure-internet', 10]"
check "distinct listen ports from the pool, in order" \
    test "$(w list-networks --json | json '[n["listen_port"] for n in j]==list(range(30000,30050))')" = True
check "no two subnets are the same" \
    test "$(w list-networks --json | json 'len(set(n["subnet"] for n in j))')" = 50
check "the k-th resource-gateway network's resource subnet is shifted by k blocks" \
    test "$(w show-network net-2 | sed -n 's/^resource subnet: *//p') $(w show-network net-7 | sed -n 's/^resource subnet: *//p') $(w show-network net-47 | sed -n 's/^resource subnet: *//p')" = "172.20.0.0/24 172.20.1.0/24 172.20.9.0/24"
check "the k-th l2-mesh network's VNI is --vni + k" \
    test "$(w show-network net-5 | sed -n 's/^vni: *//p') $(w show-network net-50 | sed -n 's/^vni: *//p')" = "7000 7009"
check "an option goes only to the types that take it (peer communication: secure-internet)" \
    sh -c "'$WARPCTL' --db '$DB' show-network net-1 | grep -q 'mesh (peer communication on)' &&
        ! '$WARPCTL' --db '$DB' show-network net-3 | grep -q '^peers:'"
check "shared options reach every network (dns)" \
    test "$(w show-network net-4 | sed -n 's/^dns: *//p')" = 9.9.9.9
w create-networks 'one-{n}' --count 2 --type l3vpn --start 7 > /dev/null
check "a single type and --start: one-7, one-8" \
    test "$(w list-networks --json | json '[n["name"] for n in j][-2:]')" = "['one-7', 'one-8']"
w create-networks 'rate-{n}' --count 2 --type l3vpn --default-down 10mbit > /dev/null
check "--default-down reaches every network of the call" \
    test "$(w traffic rate-1 | head -n 1) / $(w traffic rate-2 | head -n 1)" = "network rate-1: default down 10mbit, up none / network rate-2: default down 10mbit, up none"
expect_refused "a bad rate is refused before anything is written" 1 "" \
    create-networks 'rate-x{n}' --count 2 --type l3vpn --default-down fast

# All or nothing.
expect_refused "a name clash in the middle creates none of them" 1 \
    "network 3 of 5 ('one-7', l3vpn): a network named 'one-7' already exists; nothing was created" \
    create-networks 'one-{n}' --count 5 --start 5 --type l3vpn
expect_refused "the port pool running out part way creates none of them" 1 \
    "listen port pool 30000-30061 is exhausted" \
    create-networks 'late-{n}' --count 9 --type secure-internet
check "and the CLI adds its hint once" test "$(grep -c 'nothing was created' "$SCRATCH/err")" = 1
expect_refused "a clashing resource subnet shift is refused (past the address space)" 1 \
    "runs past 255.255.255.255" \
    create-networks 'rg-{n}' --count 3 --type resource-gateway --resource-subnet 255.255.255.0/24
expect_refused "a VNI taken by an earlier network is refused" 1 \
    "VNI 7003 is already used" \
    create-networks 'mesh-{n}' --count 2 --type l2-mesh --vni 7003

# Bad input, before anything is written.
expect_refused "a pattern without {n}" 1 "must contain {n}" \
    create-networks 'plain' --count 2 --type l3vpn
expect_refused "a pattern longer than a name" 1 "longer than 32" \
    create-networks 'a-very-long-network-name-pattern-{n}' --count 2 --type l3vpn
expect_refused "an unknown type in the list" 1 "network type" \
    create-networks 'x-{n}' --count 2 --type l3vpn,bogus
expect_refused "--subnet cannot serve many networks" 1 "from the pools" \
    create-networks 'x-{n}' --count 2 --type l3vpn --subnet 10.9.0.0/24
expect_refused "--listen-port cannot serve many networks" 1 "from the pools" \
    create-networks 'x-{n}' --count 2 --type l3vpn --listen-port 40000
expect_refused "an option no listed type takes" 1 "resource subnets apply to resource-gateway networks only" \
    create-networks 'x-{n}' --count 2 --type l3vpn,l2-mesh --resource-subnet 10.9.0.0/24
expect_refused "a resource-gateway network in the list needs --resource-subnet" 1 \
    "needs at least one resource subnet" \
    create-networks 'x-{n}' --count 2 --type l3vpn,resource-gateway
expect_refused "--count is required" 1 "--count N is required" \
    create-networks 'x-{n}' --type l3vpn
expect_refused "--count 0" 1 "--count must be a number" \
    create-networks 'x-{n}' --count 0 --type l3vpn
expect_refused "create-network takes no --count" 1 "belong to create-networks" \
    create-network x --count 2 --type l3vpn
finish
