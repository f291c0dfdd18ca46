# Counted, not timed: 1000 endpoints go into few WireGuard messages; with
# them in place, a second apply sends nothing, and adding, disabling or
# deleting one endpoint sends one peer update whatever the size.
# kernel-test-timeout: 900
# kernel-test-cost: 64
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network big --type secure-internet --expected-users 1500 > /dev/null ||
    kt_bail "create-network big"
warpctl create-endpoints big 'ep-{n}' --count 1000 --type mobile > "$KT_TMP/bulk.out" 2>&1 ||
    kt_bail "create-endpoints --count 1000" "$(tail -n 5 "$KT_TMP/bulk.out")"
warp_check_apply "apply a network of 1000 endpoints"
cp "$KT_TMP/apply.out" "$KT_ARTIFACTS/apply-1000.txt" 2>/dev/null || :
line=$(grep '^sent' "$KT_TMP/apply.out")
genl=$(echo "$line" | sed -n 's/.*wireguard \([0-9]*\) (\([0-9]*\) peers).*/\1/p')
peers=$(echo "$line" | sed -n 's/.*wireguard \([0-9]*\) (\([0-9]*\) peers).*/\2/p')
echo "# $line"
kt_check "1000 peers sent in at most 10 genl messages (sent ${genl:-?} for ${peers:-?} peers)" \
    test "${peers:-0}" -eq 1000 -a "${genl:-99}" -le 10
n=$(kt_in kt-gw wg show all peers | wc -l)
kt_check "the kernel has 1000 peers ($n)" [ "$n" -eq 1000 ]

warp_apply
kt_check "second apply with 1000 endpoints sends 0 write messages" [ "$WARP_SENT" = 0 ]

warpctl create-endpoint big newcomer --type mobile > /dev/null || kt_notok "create-endpoint newcomer"
warp_check_apply "apply after adding one endpoint to 1000"
echo "# $(grep '^sent' "$KT_TMP/apply.out")"
kt_check_out "adding one endpoint to 1000: 1 write message, 1 peer" \
    '^sent 1 write messages: rtnetlink 0, wireguard 1 \(1 peers\), nftables 0' cat "$KT_TMP/apply.out"
warp_host kt-new big/newcomer
kt_check "the new endpoint's exported config works (reaches the internet host)" \
    kt_ping kt-new 198.51.100.2 15

warpctl disable-endpoint big/ep-500 > /dev/null || kt_notok "disable-endpoint big/ep-500"
warp_apply
kt_check_out "disabling one of 1001: 1 write message, 1 peer" \
    '^sent 1 write messages: rtnetlink 0, wireguard 1 \(1 peers\)' cat "$KT_TMP/apply.out"
warpctl delete-endpoint big/ep-7 > /dev/null 2>&1 || kt_notok "delete-endpoint big/ep-7"
warp_apply
kt_check_out "deleting one of 1001: 1 write message, 1 peer" \
    '^sent 1 write messages: rtnetlink 0, wireguard 1 \(1 peers\)' cat "$KT_TMP/apply.out"
n=$(kt_in kt-gw wg show all peers | wc -l)
kt_check "the kernel has 999 peers ($n)" [ "$n" -eq 999 ]
kt_finish
