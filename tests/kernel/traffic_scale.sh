# Counted, not timed: 1,000 endpoints that inherit their network's rate
# limits apply (one HTB class and one flower filter per endpoint and
# direction on one device); a second apply sends nothing; adding one more
# endpoint sends its own class and filter per direction and one peer,
# nothing else; its exported config works.  The same with 10,000, timed,
# is a benchmark: bench/traffic_scale (make bench).
# kernel-test-timeout: 600
# kernel-test-cost: 51
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network big --type secure-internet --expected-users 1200 \
    --default-down 10mbit --default-up 5mbit > /dev/null || kt_bail "create-network big"
warpctl create-endpoints big 'ep-{n}' --count 1000 --type mobile > "$KT_TMP/bulk.out" 2>&1 ||
    kt_bail "create-endpoints --count 1000" "$(tail -n 5 "$KT_TMP/bulk.out")"
warp_check_apply "apply a network of 1,000 rate-limited endpoints"
line=$(grep '^sent' "$KT_TMP/apply.out")
echo "# $line"
tc=$(echo "$line" | sed -n 's/.*, tc \([0-9]*\)$/\1/p')
kt_check "4,000 traffic-control objects and a few more sent (sent ${tc:-?})" \
    test "${tc:-0}" -ge 4000 -a "${tc:-0}" -le 4010
wg=$(kt_in kt-gw ip -o link show type wireguard | sed -n 's/^[0-9]*: \([^:]*\):.*/\1/p' | head -n 1)
ifb=$(kt_in kt-gw ip -o link show type ifb | sed -n 's/^[0-9]*: \([^:]*\):.*/\1/p' | head -n 1)
n=$(kt_in kt-gw tc class show dev "$wg" | grep -c 'rate 10Mbit')
kt_check "the kernel has 1,000 download classes of 10 mbit on $wg ($n)" [ "$n" -eq 1000 ]
n=$(kt_in kt-gw tc class show dev "$ifb" | grep -c 'rate 5Mbit')
kt_check "and 1,000 upload classes of 5 mbit on $ifb ($n)" [ "$n" -eq 1000 ]
n=$(kt_in kt-gw tc filter show dev "$wg" parent 1: | grep -c '^filter .* flower .*handle')
kt_check "one flower filter per endpoint on $wg ($n)" [ "$n" -eq 1000 ]

warp_apply
kt_check "second apply with 1,000 limited endpoints sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl create-endpoint big newcomer --type mobile > /dev/null || kt_notok "create-endpoint newcomer"
warp_check_apply "apply after adding one endpoint to 1,000"
echo "# $(grep '^sent' "$KT_TMP/apply.out")"
kt_check_out "adding one: 5 write messages (1 peer; a class and a filter per direction)" \
    '^sent 5 write messages: rtnetlink 0, wireguard 1 \(1 peers\), nftables 0 in 0 batch\(es\), sysctl 0, tc 4$' \
    cat "$KT_TMP/apply.out"
warp_host kt-new big/newcomer
kt_check "the new endpoint's exported config works (reaches the internet host)" \
    kt_ping kt-new 198.51.100.2 15
kt_finish
