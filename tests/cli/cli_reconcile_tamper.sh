# The reconciler trusts no row a web worker could have written (issue 12):
# rows tampered with sqlite3 (a routing table that is not the network's, a
# VCID its interface names cannot come from, a LAN list and a resource list
# longer than the edge allows) each make that one object fail with a
# message in `warpctl apply --dry-run`, while the others still apply.
. "$(dirname "$0")/lib.sh"

# The dry run reads an empty scratch namespace: root, or a user namespace.
apply() {
	if [ "$(id -u)" = 0 ]; then
		w apply --dry-run
	else
		unshare -rn "$WARPCTL" --db "$DB" apply --dry-run
	fi
}

w init --public-host 192.0.2.90 --uplink eth9 > /dev/null 2>&1
w create-network good --type l3vpn > /dev/null
w create-network badtable --type l3vpn > /dev/null
w create-network badvcid --type l3vpn > /dev/null
w create-network lans --type l3vpn --expected-users 10 > /dev/null
w create-network nolan --type l3vpn > /dev/null
w create-endpoint good site --type cpe --lan-subnet 192.168.5.0/24 > /dev/null
w create-endpoint lans many --type cpe --lan-subnet 192.168.6.0/24 > /dev/null
w create-endpoint lans fine --type cpe --lan-subnet 192.168.7.0/24 > /dev/null
w create-endpoint nolan toomany --type cpe --lan-subnet 192.168.8.0/24 > /dev/null

apply > "$SCRATCH/clean" 2> "$SCRATCH/clean.err"
rc=$?
check "untampered, every network applies in the dry run" \
    sh -c "[ $rc = 0 ] && ! grep -q 'failed' '$SCRATCH/clean' && [ \$(grep -c '^create vrf' '$SCRATCH/clean') = 5 ]"

vcid_of() { sqlite3 "$DB" "SELECT vcid FROM networks WHERE name = '$1'"; }
goodvcid=$(vcid_of good)
sqlite3 "$DB" "UPDATE networks SET table_id = 254 WHERE name = 'badtable'"
sqlite3 "$DB" "PRAGMA ignore_check_constraints = 1;
    UPDATE networks SET vcid = 123 WHERE name = 'badvcid'"
# 40 LAN subnets for one endpoint (the edge allows 32), in its one network.
sqlite3 "$DB" "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i
    WHERE n < 39) INSERT INTO endpoint_lans (endpoint_id, cidr) SELECT
    (SELECT id FROM endpoints WHERE name = 'many'), '10.' || (100 + n) ||
    '.0.0/16' FROM i"
# And one malformed LAN row for another.
sqlite3 "$DB" "INSERT INTO endpoint_lans (endpoint_id, cidr) VALUES
    ((SELECT id FROM endpoints WHERE name = 'toomany'), '10.1.2.3/99')"

before=$(db_dump | sha256sum)
apply > "$SCRATCH/plan" 2> "$SCRATCH/err"
rc=$?
after=$(db_dump | sha256sum)
check "the dry run reports failed networks (exit 2, one line)" \
    sh -c "[ $rc = 2 ] && [ \$(wc -l < '$SCRATCH/err') = 1 ] && grep -q 'networks failed' '$SCRATCH/err'"
check "a routing table that is not the network's fails that network, naming it" \
    grep -q "failed (badtable): in the database: routing table 254 is not the network's own" "$SCRATCH/plan"
check "a VCID the interface names cannot be derived from fails that network" \
    grep -q "failed (badvcid): in the database: VCID 123 .*interface names" "$SCRATCH/plan"
check "neither gets a link, route or rule (only their firewall chains, which drop)" \
    sh -c "! grep -q 'vrf00000123\|^create wireguard wg00000123\|^create .*table 254\|lookup 254' '$SCRATCH/plan' && [ \$(grep -c '^create vrf' '$SCRATCH/plan') = 3 ]"
check "an overlong LAN list fails that endpoint only" \
    grep -q "failed (lans/many): in the database: at most 32 LAN subnets per endpoint" "$SCRATCH/plan"
check "a malformed LAN row fails that endpoint only" \
    grep -q "failed (nolan/toomany): in the database: .*10.1.2.3/99" "$SCRATCH/plan"
check "the failed endpoints get no peer, their neighbours do" \
    sh -c "grep -q '^create peer fine ' '$SCRATCH/plan' && ! grep -q '^create peer many \|^create peer toomany ' '$SCRATCH/plan'"
check "their networks and the untouched one still apply" \
    sh -c "! grep -q 'failed (lans)\|failed (nolan)\|failed (good)' '$SCRATCH/plan' && grep -q '^create vrf vrf$goodvcid ' '$SCRATCH/plan' && grep -q '^create peer site on wg$goodvcid allowed-ips 10.*,192.168.5.0/24' '$SCRATCH/plan'"
check "and the dry run wrote nothing" test "$before" = "$after"

# A resource list longer than the edge allows fails that network only.
w create-network files --type resource-gateway --resource-subnet 172.20.0.0/16 > /dev/null
sqlite3 "$DB" "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i
    WHERE n < 69) INSERT INTO network_resources (network_id, cidr) SELECT
    (SELECT id FROM networks WHERE name = 'files'), '172.' || (100 + n) ||
    '.0.0/16' FROM i"
apply > "$SCRATCH/plan2" 2> "$SCRATCH/err2"
check "an overlong resource list fails that network, the others apply" \
    sh -c "grep -q 'failed (files): in the database: at most 64 resource subnets' '$SCRATCH/plan2' && grep -q '^create vrf vrf$goodvcid ' '$SCRATCH/plan2'"
finish
