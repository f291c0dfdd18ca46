# warpctl as an admin uses it: init, networks of every type, endpoints,
# listing as text and JSON, and refusals with exit 1, one line, db unchanged.
. "$(dirname "$0")/lib.sh"

expect_refused "a command before init says to run init" 1 "warpctl init" \
    list-networks
check "no database was created by that" test ! -e "$DB"
w init --public-host vpn.example.net --uplink eth9 > "$SCRATCH/init" 2>&1
check "init succeeds" test $? -eq 0
check "init prints the one-time admin password" \
    grep -q "one-time password: " "$SCRATCH/init"
check "the master key file is mode 0600" \
    test "$(stat -c %a "$DB.key")" = 600
check "config show has the public host and uplink" \
    sh -c "'$WARPCTL' --db '$DB' config show | grep -q 'public-host *vpn.example.net' && '$WARPCTL' --db '$DB' config show | grep -q 'uplink *eth9'"

id=$(w create-network home --type secure-internet --expected-users 5)
check "create-network prints the new id" test "$id" = 1
w create-network files --type resource-gateway --resource-subnet 172.20.0.0/16 > /dev/null
w create-network sites --type l3vpn --expected-users 20 > /dev/null
w create-network wire --type l2-p2p --vlan-range 100-110 > /dev/null
w create-network floor --type l2-mesh --vni 5000 --vlan 7 > /dev/null
check "five networks, one of each type" \
    test "$(w list-networks --json | json 'len(j)')" = 5
check "list-networks --json carries type, subnet, port, vcid" \
    test "$(w list-networks --json | json '[n["type"] for n in j]==["secure-internet","resource-gateway","l3vpn","l2-p2p","l2-mesh"] and all(len(str(n["vcid"]))==8 for n in j) and [n["listen_port"] for n in j]==list(range(51820,51825))')" = True
check "auto-sized subnets: 5 users /29, 20 users /27" \
    test "$(w list-networks --json | json '[n["subnet"] for n in j][0::2]')" = "['10.96.0.0/29', '10.104.0.0/27', '10.112.0.0/28']"
check "the text listing has a header and a row per network" \
    test "$(w list-networks | wc -l)" = 6
check "show-network by name and by id agree" \
    test "$(w show-network home --json | json 'j["id"]')" = "$(w show-network 1 --json | json 'j["id"]')"

ep=$(w create-endpoint home phone --type mobile)
check "create-endpoint prints the new id" test "$ep" = 1
w create-endpoint sites hq --type gateway --lan-subnet 192.168.1.0/24 > /dev/null
w create-endpoint sites shop --type cpe --lan-subnet 192.168.2.0/24 --lan-subnet 192.168.3.0/24 > /dev/null
check "list-endpoints --json has key, overlay address, network, status" \
    test "$(w list-endpoints --json | json '[(e["network"],e["name"],e["overlay_ip"],e["status"],len(e["public_key"])) for e in j][2]')" = "('sites', 'shop', '10.104.0.3', 'active', 44)"
check "list-endpoints NET filters" \
    test "$(w list-endpoints sites --json | json 'len(j)')" = 2
check "LAN subnets are listed" \
    test "$(w show-endpoint sites/shop --json | json 'j["lan_subnets"]')" = "['192.168.2.0/24', '192.168.3.0/24']"

# Bulk add: all or nothing.
w create-endpoints home 'dev-{n}' --count 3 --type mobile > "$SCRATCH/bulk"
check "bulk add creates 3 endpoints and prints their ids" \
    test "$(wc -l < "$SCRATCH/bulk")" = 3
expect_refused "bulk add that overflows the subnet creates nothing" 1 \
    "nothing was created" create-endpoints home 'more-{n}' --count 5 --type mobile
check "and says it once, with the CLI's hint (a flag, not a form field)" \
    sh -c "[ \$(grep -o 'is full' '$SCRATCH/err' | wc -l) -eq 1 ] &&
        [ \$(grep -o 'nothing was created' '$SCRATCH/err' | wc -l) -eq 1 ] &&
        grep -q -- '--expected-users' '$SCRATCH/err' &&
        ! grep -q 'Expected users' '$SCRATCH/err'"

w disable-endpoint home/phone
check "disable-endpoint shows as disabled" \
    test "$(w show-endpoint home/phone --json | json 'j["status"]')" = disabled
w enable-endpoint 1
check "enable-endpoint by id" \
    test "$(w show-endpoint 1 --json | json 'j["status"]')" = active
w set-expiry home/phone 2099-01-01T00:00:00Z
check "set-expiry stores the expiry" \
    test "$(w show-endpoint home/phone --json | json 'j["expires_at"]')" = 2099-01-01T00:00:00Z

# Refusals: each DESIGN §2 validation through the CLI.
expect_refused "unknown type" 1 "is not one of" create-network x --type vpn
expect_refused "missing --type" 1 "--type is required" create-network x
expect_refused "VLAN 4095" 1 "1 to 4094" create-network x --type l2-p2p --vlan 4095
expect_refused "VLAN 0" 1 "1 to 4094" create-network x --type l2-mesh --vlan 0
expect_refused "conflicting VLAN claim" 1 "conflicts with network 'wire'" \
    create-network x --type l2-mesh --vlan-range 105-120
expect_refused "VNI out of range" 1 "1 to 16777215" create-network x --type l2-mesh --vni 16777216
expect_refused "duplicate VNI" 1 "VNI 5000 is already used" create-network x --type l2-mesh --vni 5000
expect_refused "overlapping subnet" 1 "overlaps network 'home'" \
    create-network x --type l3vpn --subnet 10.96.0.0/16
expect_refused "malformed CIDR" 1 "not a subnet" create-network x --type l3vpn --subnet 10.1.2.0
expect_refused "CIDR with host bits" 1 "did you mean 10.1.2.0/24" \
    create-network x --type l3vpn --subnet 10.1.2.3/24
expect_refused "duplicate network name" 1 "already exists" create-network home --type l3vpn
expect_refused "network name too long" 1 "longer than" \
    create-network abcdefghijklmnopqrstuvwxyz0123456789 --type l3vpn
expect_refused "network name with markup" 1 "must start with a letter" \
    create-network '<b>x</b>' --type l3vpn
expect_refused "expected users not a number" 1 "--expected-users must be" \
    create-network x --type l3vpn --expected-users ten
expect_refused "unknown option" 1 "unknown or needs a value" create-network x --type l3vpn --colour red
w create-endpoint wire left --type cpe > /dev/null
w create-endpoint wire right --type cpe > /dev/null
expect_refused "l2-p2p refuses a third endpoint" 1 "exactly 2 sites" \
    create-endpoint wire middle --type cpe
expect_refused "LAN on a mobile" 1 "mobile endpoints cannot" \
    create-endpoint sites m --type mobile --lan-subnet 10.9.0.0/24
expect_refused "overlapping LAN" 1 "overlaps 192.168.1.0/24 of site 'hq'" \
    create-endpoint sites x --type cpe --lan-subnet 192.168.1.0/25
expect_refused "bad public key" 1 "base64" create-endpoint home x --type mobile --public-key abc
expect_refused "bad expiry" 1 "UTC time" create-endpoint home x --type mobile --expires 2030-13-01T00:00:00Z
expect_refused "unknown endpoint" 1 "no endpoint named" disable-endpoint home/nobody
expect_refused "unknown network" 1 "no network named" delete-network nowhere
expect_refused "unknown command" 1 "unknown command" frobnicate
expect_refused "config set unknown key" 1 "unknown setting" config set colour red
expect_refused "config set bad port pool" 1 "port pool" config set port-pool 9-1

# Port pool: 10 networks fill 51820-51829, then a clear error, then widen.
for i in 6 7 8 9 10; do w create-network "n$i" --type l3vpn --expected-users 2 > /dev/null; done
expect_refused "port pool exhausted" 1 "pool 51820-51829 is exhausted" \
    create-network n11 --type l3vpn
w config set port-pool 51820-51999
check "after widening the pool an 11th network is created" \
    sh -c "'$WARPCTL' --db '$DB' create-network n11 --type l3vpn > /dev/null"

w delete-network n11
check "delete-network removes it" test "$(w list-networks --json | json 'len(j)')" = 10
w delete-endpoint sites/shop
check "delete-endpoint removes it" test "$(w list-endpoints sites --json | json 'len(j)')" = 1
check "the audit log recorded the changes with the CLI user" \
    sh -c "'$WARPCTL' --db '$DB' audit --limit 100 | grep -q 'cli:.*endpoint.delete *endpoint sites/shop'"

# System errors exit 2.
chmod 644 "$DB.key"
w list-networks > /dev/null 2> "$SCRATCH/err"
rc=$?
check "a world-readable master key is refused with exit 2" \
    sh -c "[ $rc -eq 2 ] && grep -q 'chmod 600' '$SCRATCH/err'"
chmod 600 "$DB.key"
mv "$DB.key" "$DB.key.bak"
w list-networks > /dev/null 2> "$SCRATCH/err"
rc=$?
check "a missing master key is a system error (exit 2)" test $rc -eq 2
mv "$DB.key.bak" "$DB.key"
finish
