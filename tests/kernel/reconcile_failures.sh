# Failures stay where they are: a kernel without WireGuard fails each network
# with a message naming the missing feature (warpctl does not crash, the
# firewall still goes in); a network whose interface name is taken by a
# foreign link fails alone while the other one works; a dry run changes
# nothing.
# kernel-test-cost: 65
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network one --type secure-internet > /dev/null || kt_bail "create-network one"
warpctl create-network two --type secure-internet > /dev/null || kt_bail "create-network two"
warpctl create-endpoint two a --type mobile > /dev/null || kt_bail "create-endpoint two/a"

warp_kernel_dump "$KT_TMP/before-dry.txt"
warp_apply --dry-run
kt_check_out "dry run prints the plan" 'create vrf vrf.*create wireguard wg.*create peer a' \
    sh -c "tr '\n' ' ' < '$KT_TMP/apply.out'"
warp_kernel_dump "$KT_TMP/after-dry.txt"
kt_check "dry run changed nothing in the kernel" cmp "$KT_TMP/before-dry.txt" "$KT_TMP/after-dry.txt"

# A foreign link holding network one's VRF name.
vrf1=$(warpctl show-network one --json | sed -n 's/.*"vrf":"\([^"]*\)".*/\1/p')
kt_in kt-gw ip link add "$vrf1" type dummy
warp_apply
kt_check_out "network one fails because of the foreign link, by name" \
    "interface $vrf1 exists and is not managed by warp" cat "$KT_TMP/apply.out"
kt_check_out "status: one failed, two applied" \
    '"name":"one".*"apply_status":"failed".*"name":"two".*"apply_status":"applied"' \
    warpctl status --json
warp_host kt-ta two/a
kt_check "network two works regardless" kt_ping kt-ta 198.51.100.2 10
kt_check "the foreign link was left alone" kt_in kt-gw ip link show "$vrf1" type dummy
kt_in kt-gw ip link del "$vrf1"
warp_check_apply "with the name free again, apply succeeds"

# Start again from no network, so that no WireGuard device pins the module.
warpctl delete-network one > /dev/null 2>&1
warpctl delete-network two > /dev/null 2>&1
kt_in kt-ta ip link del wg0
warp_check_apply "apply after deleting both"
warpctl create-network three --type secure-internet > /dev/null || kt_bail "create-network three"
warpctl create-endpoint three a --type mobile > /dev/null || kt_bail "create-endpoint three/a"

# No WireGuard in this kernel: unload it and forbid loading it again.
# (The vrf module has no exit function and cannot be unloaded; on a
# kernel without it the message is "the kernel lacks VRF support".)
# Namespaces of earlier tests go away asynchronously: give them time.
i=0
while lsmod | grep -q '^wireguard ' && ! rmmod wireguard 2>/dev/null && [ $i -lt 60 ]; do
	sleep 0.5
	i=$((i + 1))
done
if ! lsmod | grep -q '^wireguard '; then
	echo "install wireguard /bin/false" > /etc/modprobe.d/warp-kt-nowg.conf
	kt_on_exit "rm -f /etc/modprobe.d/warp-kt-nowg.conf; modprobe wireguard"
	warp_apply
	rc=$?
	kt_check "without WireGuard, apply fails (exit 2, not a crash: $rc)" [ "$rc" -eq 2 ]
	kt_check_out "the error names the missing kernel feature" \
	    'the kernel lacks WireGuard' cat "$KT_TMP/apply.out"
	kt_check_out "status records it per network" \
	    '"name":"three".*"apply_status":"failed","apply_error":"create wireguard link: the kernel lacks WireGuard' \
	    warpctl status --json
	kt_check "the firewall was still applied" kt_in kt-gw nft list table inet warp
	rm -f /etc/modprobe.d/warp-kt-nowg.conf
	modprobe wireguard
	warp_check_apply "with WireGuard back, apply succeeds"
	warp_host kt-t3 three/a
	kt_check "and three/a reaches the internet host" kt_ping kt-t3 198.51.100.2 10
else
	kt_skip "without WireGuard, apply fails per network" "wireguard module in use, cannot unload"
fi

warp_apply
kt_check "the next apply sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
