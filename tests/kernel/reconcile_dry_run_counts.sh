# A dry run announces exactly what the real run then sends: for each of
# the five network types, created from nothing, changed (an endpoint
# added, or disabled where a second one does not fit) and deleted, the
# "would send N write messages: ..." line of `apply --dry-run` equals the
# "sent N write messages: ..." line of the `apply` that follows, field by
# field, and so do the planned changes; also for 600 peers, more than one
# WireGuard message holds.  After each real run the network is in place:
# a second apply sends nothing.
# kernel-test-timeout: 1500
# kernel-test-cost: 177
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
D=$KT_TMP/runs
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init

# The counts line without its verb, and the plan without it (and without
# the failure lines a real run may add, and the reads: a dry run cannot
# read back a link it did not make).
counts() { sed -n 's/^\(sent\|would send\) \([0-9]* write messages.*\)/\2/p' "$1"; }
plan() { grep -Ev '^(sent|would send) [0-9]+ write messages|^read [0-9]+ requests: |^  ' "$1"; }

# Dry run, then the real run, of the change just made; both must agree.
dry_then_real() {	# TYPE STEP
	t=$1 s=$2
	warp_apply --dry-run
	cp "$KT_TMP/apply.out" "$D/$t-$s-dry.txt"
	warp_apply
	rc=$?
	cp "$KT_TMP/apply.out" "$D/$t-$s-real.txt"
	if [ "$rc" -ne 0 ]; then
		kt_notok "$t, $s: apply" "$(cat "$D/$t-$s-real.txt")"
		return 1
	fi
	dry=$(counts "$D/$t-$s-dry.txt")
	real=$(counts "$D/$t-$s-real.txt")
	if [ -n "$dry" ] && [ "$dry" = "$real" ]; then
		kt_ok "$t, $s: dry run would send what the real run sent ($real)"
	else
		kt_notok "$t, $s: dry run and real run counts differ" \
		    "dry run: ${dry:-none}" "real run: ${real:-none}"
	fi
	plan "$D/$t-$s-dry.txt" > "$KT_TMP/dry.plan"
	plan "$D/$t-$s-real.txt" > "$KT_TMP/real.plan"
	if diff -u "$KT_TMP/dry.plan" "$KT_TMP/real.plan" > "$KT_TMP/plan.diff"; then
		kt_ok "$t, $s: dry run planned the changes the real run made ($(wc -l < "$KT_TMP/real.plan") lines)"
	else
		kt_notok "$t, $s: dry run and real run plans differ" "$(cat "$KT_TMP/plan.diff")"
	fi
	warp_apply
	kt_check "$t, $s: a second apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
}

warpctl create-network si --type secure-internet > /dev/null || kt_bail "create-network si"
warpctl create-endpoint si a --type mobile > /dev/null || kt_bail "create-endpoint si/a"
warpctl create-endpoint si b --type mobile > /dev/null || kt_bail "create-endpoint si/b"
dry_then_real secure-internet create
warpctl create-endpoint si c --type mobile > /dev/null || kt_notok "create-endpoint si/c"
dry_then_real secure-internet "endpoint added"
warpctl delete-network si > /dev/null || kt_notok "delete-network si"
dry_then_real secure-internet delete

warpctl create-network rg --type resource-gateway --resource-subnet 172.16.50.0/24 \
    > /dev/null || kt_bail "create-network rg"
warpctl create-endpoint rg a --type mobile > /dev/null || kt_bail "create-endpoint rg/a"
warpctl create-endpoint rg b --type mobile > /dev/null || kt_bail "create-endpoint rg/b"
dry_then_real resource-gateway create
warpctl create-endpoint rg c --type mobile > /dev/null || kt_notok "create-endpoint rg/c"
dry_then_real resource-gateway "endpoint added"
warpctl delete-network rg > /dev/null || kt_notok "delete-network rg"
dry_then_real resource-gateway delete

warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteA"
warpctl create-endpoint l3 siteB --type gateway --lan-subnet 192.168.20.0/24 \
    --lan-subnet 192.168.21.0/24 > /dev/null || kt_bail "create-endpoint l3/siteB"
dry_then_real l3vpn create
warpctl create-endpoint l3 siteC --type cpe --lan-subnet 192.168.30.0/24 > /dev/null ||
    kt_notok "create-endpoint l3/siteC"
dry_then_real l3vpn "endpoint added"
warpctl delete-network l3 > /dev/null || kt_notok "delete-network l3"
dry_then_real l3vpn delete

warpctl create-network wire --type l2-p2p --vlan-range 100-110 > /dev/null ||
    kt_bail "create-network wire"
warpctl create-endpoint wire siteA --type cpe > /dev/null || kt_bail "create-endpoint wire/siteA"
warpctl create-endpoint wire siteB --type cpe > /dev/null || kt_bail "create-endpoint wire/siteB"
dry_then_real l2-p2p create
warpctl disable-endpoint wire/siteB > /dev/null || kt_notok "disable-endpoint wire/siteB"
dry_then_real l2-p2p "endpoint disabled"
warpctl enable-endpoint wire/siteB > /dev/null || kt_notok "enable-endpoint wire/siteB"
dry_then_real l2-p2p "endpoint enabled"
warpctl delete-network wire > /dev/null || kt_notok "delete-network wire"
dry_then_real l2-p2p delete

warpctl create-network floor --type l2-mesh --vni 5000 --vlan 300 --expected-users 6 \
    > /dev/null || kt_bail "create-network floor"
warpctl create-endpoint floor siteA --type cpe > /dev/null || kt_bail "create-endpoint floor/siteA"
warpctl create-endpoint floor siteB --type cpe > /dev/null || kt_bail "create-endpoint floor/siteB"
dry_then_real l2-mesh create
warpctl create-endpoint floor siteC --type cpe > /dev/null || kt_notok "create-endpoint floor/siteC"
dry_then_real l2-mesh "endpoint added"
warpctl delete-network floor > /dev/null || kt_notok "delete-network floor"
dry_then_real l2-mesh delete

warpctl create-network big --type secure-internet --expected-users 600 > /dev/null ||
    kt_bail "create-network big"
warpctl create-endpoints big 'u{n}' --count 600 --type mobile > /dev/null ||
    kt_bail "create-endpoints big"
dry_then_real "secure-internet with 600 endpoints" create
kt_check_out "600 peers went in 2 WireGuard messages" 'wireguard 2 \(600 peers\)' \
    cat "$D/secure-internet with 600 endpoints-create-real.txt"
kt_finish
