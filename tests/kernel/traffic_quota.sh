# Data quotas, counted and enforced in the kernel: an endpoint with a 3 MiB
# quota stops passing traffic within a small tolerance of it (bytes seen
# by the endpoint's own tunnel device), its status says quota-exceeded,
# the usage survives a kill and start of warpd and a re-apply, and
# reset-usage brings its traffic back; an endpoint without a quota is
# never stopped.
# kernel-test-timeout: 900
# kernel-test-cost: 144
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

command -v iperf3 > /dev/null || kt_bail "iperf3 is not installed (./install-deps.sh --test)"
QUOTA=3145728	# 3M

warp_gw_init
warpctl config set netns kt-gw > /dev/null || kt_bail "config set netns"
warpctl create-network si --type secure-internet > /dev/null || kt_bail "create-network si"
warpctl create-endpoint si q --type mobile > /dev/null || kt_bail "create-endpoint si/q"
warpctl create-endpoint si free --type mobile > /dev/null || kt_bail "create-endpoint si/free"
kt_check_fails "a quota on an unknown endpoint is refused" warpctl set-quota si/nobody 3M
kt_check_fails "a quota with an unknown unit is refused" warpctl set-quota si/q 3Q
warpctl set-quota si/q 3M --period month || kt_bail "set-quota si/q 3M"
warp_check_apply "apply creates the quota" || kt_finish
kt_check_out "the quota is an nftables quota object of 3M, starting at 0" \
    'create quota q[0-9]+_[0-9]+ over 3M used 0' cat "$KT_TMP/apply.out"

warp_host kt-q si/q
warp_host kt-free si/free
kt_check "si/q reaches the internet host" kt_ping kt-q 198.51.100.2 10
kt_in kt-inet iperf3 -s -D -p 5201 -B 198.51.100.2 -I "$KT_TMP/iperf.pid" \
    --logfile "$KT_TMP/iperf-s.log" || kt_bail "iperf3 server"
kt_on_exit "kill \$(cat '$KT_TMP/iperf.pid')"
sleep 1

# Download 8 MiB: the transfer must stall at the quota.
kt_in kt-q timeout 40 iperf3 -c 198.51.100.2 -p 5201 -R -n 8M --connect-timeout 5000 \
    > "$KT_TMP/q.out" 2>&1
seen=$(warp_wg_bytes kt-q)
if awk -v s="$seen" -v q="$QUOTA" 'BEGIN { exit !(s >= q * 0.95 && s <= q * 1.05 + 65536) }'; then
	kt_ok "si/q's traffic stopped at $seen bytes through its tunnel (quota $QUOTA, within 5 %)"
else
	kt_notok "si/q's traffic stopped within 5 % of the quota" "bytes through the tunnel: $seen, quota $QUOTA" \
	    "$(tail -n 5 "$KT_TMP/q.out")"
fi
kt_check "si/q no longer reaches the internet host" kt_no_ping kt-q 198.51.100.2
kt_check "si/free (no quota) still does" kt_ping kt-free 198.51.100.2 5
warpctl status > /dev/null 2>&1
kt_check_out "status of si/q is quota-exceeded (show-endpoint)" '"status":"quota-exceeded"' \
    warpctl show-endpoint si/q --json
kt_check_out "status of si/q is quota-exceeded (list-endpoints)" ' quota-exceeded' warpctl list-endpoints si
u0=$(warp_quota_used si/q)
kt_check "the usage stored is the quota ($u0)" [ "${u0:-0}" -eq "$QUOTA" ]

# warpd: kill and start; it applies (and samples) on request.
echo 'kt-admin-pass-123' | warpctl user add ktadmin --role admin --password-stdin > /dev/null 2>&1 ||
    kt_notok "user add ktadmin"
tok=$(warpctl token create kt --user ktadmin 2> /dev/null | tail -n 1)
start_warpd() {
	"$TOP/build/warpd" -D "$WARP_DB" -f -r -n > "$KT_TMP/warpd.$1.log" 2>&1 &
	echo $! > "$KT_TMP/warpd.pid"
	kt_wait 60 curl -sf -o /dev/null http://127.0.0.1:8080/healthz
}
start_warpd 1 || kt_notok "warpd starts" "$(cat "$KT_TMP/warpd.1.log")"
kt_on_exit "kill \$(cat '$KT_TMP/warpd.pid') 2>/dev/null"
apply_req() {	# the answer's status; a busy VM gets three tries
	for _t in 1 2 3; do
		_c=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' -X POST \
		    -H "Authorization: Bearer $tok" -H 'content-type: application/json' \
		    -d '{}' http://127.0.0.1:8080/api/v1/apply)
		[ "$_c" = 202 ] && break
		sleep 2
	done
	echo "$_c"
}
code=$(apply_req)
kt_check "warpd applies on request (202, got $code)" [ "$code" = 202 ] ||
    cp "$KT_TMP/warpd.1.log" "$KT_ARTIFACTS/" 2>/dev/null
kt_check "warpd's root side applied (and sampled the quota)" \
    kt_wait 30 grep -q 'warpd: applied' "$KT_TMP/warpd.1.log"
kill "$(cat "$KT_TMP/warpd.pid")"
kt_wait 20 sh -c "! kill -0 $(cat "$KT_TMP/warpd.pid") 2>/dev/null"
start_warpd 2 || kt_notok "warpd starts again" "$(cat "$KT_TMP/warpd.2.log")"
apply_req > /dev/null
kt_check "the restarted warpd applied again" \
    kt_wait 30 grep -q 'warpd: applied' "$KT_TMP/warpd.2.log"
u1=$(warp_quota_used si/q)
kt_check "after warpd was killed and started and applied, the usage is still $u0 ($u1)" [ "$u1" = "$u0" ]
kt_check "and si/q is still stopped" kt_no_ping kt-q 198.51.100.2
kill "$(cat "$KT_TMP/warpd.pid")"

# A re-apply, and a lost table (a kernel counter reset): nothing lost.
warp_check_apply "re-apply"
u2=$(warp_quota_used si/q)
kt_check "after a re-apply the usage is still $u0 ($u2)" [ "$u2" = "$u0" ]
kt_in kt-gw nft delete table inet warp_traffic
warp_check_apply "apply after the quota table was deleted behind its back"
kt_check_out "the quota object is created again from the stored usage" \
    'create quota q[0-9]+_[0-9]+ over 3M used 3M' cat "$KT_TMP/apply.out"
kt_check "si/q is still stopped" kt_no_ping kt-q 198.51.100.2
kt_check_out "and still quota-exceeded" '"status":"quota-exceeded"' warpctl show-endpoint si/q --json

# reset-usage brings it back.
warpctl reset-usage si/q || kt_notok "reset-usage si/q"
# By the incremental apply, for si/q's objects only: the table, its
# chain, its rules and its two sets, si/q's element and the objects it
# names and wants (8 gets), no dump of the quota objects or elements.
warp_check_traffic_changes "apply --changes after reset-usage (8 gets of the quota table)" si \
    "the peers of 0 and the traffic limits of 1 endpoint(s) only" 0 8
kt_check_out "... which makes its quota object anew (element out, object out, object in, element in)" \
    'nftables 4 in 1 batch' cat "$KT_TMP/apply.out"
warp_apply
kt_check "a full apply after it finds nothing to do (0 sent)" [ "$WARP_SENT" = 0 ]
kt_check "after reset-usage si/q reaches the internet host again" kt_ping kt-q 198.51.100.2 10
kt_check_out "and is active again" '"status":"active"' warpctl show-endpoint si/q --json
warpctl audit | tr '\n' ' ' > "$KT_TMP/audit.txt"
kt_check_out "the audit log has the quota and the reset" 'endpoint.reset-usage .*endpoint.quota' \
    cat "$KT_TMP/audit.txt"
kt_finish
