# `warpctl apply --changes` without a kernel to change (every run in a
# throwaway network namespace of its own, so the host is never touched):
# what the change journal leads it to do, said in the plan -- a shared or
# appliance-wide change or a device not there yet runs the full apply, an
# endpoint change is that endpoint's peer (a journal row naming no
# endpoint: its network's peers), a rate or a quota is its network's
# peers and traffic limits (a layer-2 network's: the full apply), a
# suspended network's endpoint
# needs nothing, a forged applied sequence runs the full apply -- that
# with nothing journaled it sends and reads nothing, that a dry run
# changes nothing in the database, and a bad flag is refused.
. "$(dirname "$0")/lib.sh"

# Each run in a new, empty namespace (a user namespace when not root).
apply() { unshare -rn "$WARPCTL" --db "$DB" apply "$@"; }
NOREAD='read 0 requests: rtnetlink 0 (0 dumps of every link), wireguard 0 devices, firewall and traffic tables 0'

w init --public-host 192.0.2.90 --uplink eth9 > /dev/null 2>&1
w create-network si --type secure-internet > /dev/null
w create-endpoint si a --type mobile > /dev/null

before=$(db_dump | sha256sum)
apply --changes --dry-run > "$SCRATCH/p1" 2>&1
after=$(db_dump | sha256sum)
check "first --changes: the server settings are appliance-wide, so the full apply" \
    grep -qx 'journal: an appliance-wide change: full apply' "$SCRATCH/p1"
check "... whose dry run plans the network (create vrf, peer a)" \
    sh -c "grep -q '^create vrf' '$SCRATCH/p1' && grep -q '^create peer a on' '$SCRATCH/p1'"
check "... and reads what a full apply reads (a dump of every link)" \
    grep -q '^read [0-9]* requests: rtnetlink 5 (1 dumps of every link)' "$SCRATCH/p1"
check "the dry run changed nothing in the database (journal included)" [ "$before" = "$after" ]

apply > /dev/null 2>&1	# the full apply (it fails here: no VRF or uplink)
check "the full apply recorded the journal as applied and trimmed it" \
    [ "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM change_journal')" = 0 ]
apply --changes > "$SCRATCH/p2" 2>&1
rc=$?
check "--changes with nothing journaled: exit 0" [ "$rc" = 0 ]
check "... sends 0 write messages" grep -q '^sent 0 write messages' "$SCRATCH/p2"
check "... and reads nothing" grep -qxF "$NOREAD" "$SCRATCH/p2"

w create-endpoint si b --type mobile > /dev/null
apply --changes --dry-run > "$SCRATCH/p3" 2>&1
check "an endpoint added: that endpoint's peer only (the journal names it)" \
    grep -qx 'journal: network si: the peers of 1 endpoint(s) only' "$SCRATCH/p3"
check "... but its device is not there (an empty namespace): the full apply, saying so" \
    grep -q '^journal: network si: wg[0-9]* is not there yet: full apply$' "$SCRATCH/p3"

w create-network l3 --type l3vpn > /dev/null
apply --changes --dry-run > "$SCRATCH/p4" 2>&1
check "a new network: a change beyond its peers and traffic limits, the full apply" \
    grep -qx 'journal: network l3: a change beyond its peers and traffic limits: full apply' "$SCRATCH/p4"

w suspend-network l3 > /dev/null
apply > /dev/null 2>&1
w create-endpoint l3 phone --type mobile > /dev/null
apply --changes > "$SCRATCH/p5" 2>&1
check "an endpoint of a suspended network: nothing in the kernel to change" \
    grep -qx 'journal: network l3 is suspended: nothing of it in the kernel' "$SCRATCH/p5"
check "... 0 sent, nothing read" \
    sh -c "grep -q '^sent 0 write messages' '$SCRATCH/p5' && grep -qxF '$NOREAD' '$SCRATCH/p5'"
check "... and the journal is recorded applied" \
    [ "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM change_journal')" = 0 ]

sqlite3 "$DB" "UPDATE journal_applied SET seq = seq + 1000"
w create-endpoint si c --type mobile > /dev/null
apply --changes --dry-run > "$SCRATCH/p6" 2>&1
check "an applied sequence ahead of the journal (written by hand): the full apply" \
    grep -q '^journal: the applied sequence [0-9]* is ahead of the journal ([0-9]*): full apply$' "$SCRATCH/p6"

apply > /dev/null 2>&1
sid=$(sqlite3 "$DB" "SELECT id FROM networks WHERE name = 'si'")
sqlite3 "$DB" "INSERT INTO change_journal (network_id, shared, what) VALUES ($sid, 0, 'old')"
w create-endpoint si d --type mobile > /dev/null
apply --changes --dry-run > "$SCRATCH/p7" 2>&1
check "a journal row that names no endpoint (written before 0009): the whole network's peers" \
    grep -qx 'journal: network si: its peers only' "$SCRATCH/p7"

apply > /dev/null 2>&1
w create-endpoint si e --type mobile > /dev/null
w create-endpoint si f --type mobile > /dev/null
w disable-endpoint si/e > /dev/null
apply --changes --dry-run > "$SCRATCH/p8" 2>&1
check "three rows of two endpoints (e created and disabled, f created): the peers of those 2" \
    grep -qx 'journal: network si: the peers of 2 endpoint(s) only' "$SCRATCH/p8"

apply > /dev/null 2>&1
w set-rate si/a --down 2mbit > /dev/null
apply --changes --dry-run > "$SCRATCH/p9" 2>&1
check "a rate: that endpoint's traffic limits only, not the full apply's" \
    grep -qx 'journal: network si: the peers of 0 and the traffic limits of 1 endpoint(s) only' "$SCRATCH/p9"
apply > /dev/null 2>&1
w create-endpoint si g --type mobile > /dev/null
w set-rate si/g --down 3mbit > /dev/null
w set-rate si/a --down none > /dev/null
apply --changes --dry-run > "$SCRATCH/p9b" 2>&1
check "an endpoint created with a rate, another's removed: the peer of 1, the limits of 2" \
    grep -qx 'journal: network si: the peers of 1 and the traffic limits of 2 endpoint(s) only' "$SCRATCH/p9b"
apply > /dev/null 2>&1
w edit-network si --default-down 5mbit > /dev/null
apply --changes --dry-run > "$SCRATCH/p9c" 2>&1
check "a network's default rate: every endpoint of it may differ, the whole network is read" \
    sh -c "grep -qx 'journal: network si: its default limits or a row that names no endpoint: the whole network' '$SCRATCH/p9c' &&
        grep -qx 'journal: network si: its peers and traffic limits' '$SCRATCH/p9c'"
apply > /dev/null 2>&1
w create-network l2 --type l2-mesh > /dev/null
w create-endpoint l2 s1 --type cpe > /dev/null
apply > /dev/null 2>&1
w set-quota l2/s1 5M > /dev/null
apply --changes --dry-run > "$SCRATCH/p10" 2>&1
check "a quota in a layer-2 network: the full apply, saying why" \
    grep -qx 'journal: network l2: the rate limits or quotas of a layer-2 network: full apply' "$SCRATCH/p10"

expect_refused "an unknown flag is refused with the usage" 1 "usage" apply --changes --all
finish
