# Deleting networks removes every kernel object and rule they had: the
# gateway namespace's links, addresses, routes (every table), rules and
# nftables are exactly as before the networks existed.
# kernel-test-cost: 57
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm
# Work in KT_TMP (private to this run); copy to KT_ARTIFACTS at the end.
D=$KT_TMP/dumps
mkdir -p "$D"
kt_on_exit "cp -r '$D' '$KT_ARTIFACTS/' 2>/dev/null"

warp_gw_init
warp_kernel_dump "$D/0-empty.txt"
warpctl create-network keep --type secure-internet > /dev/null || kt_bail "create-network keep"
warpctl create-endpoint keep a --type mobile > /dev/null || kt_bail "create-endpoint keep/a"
warp_check_apply "apply one network" || kt_finish
warp_kernel_dump "$D/1-one-network.txt"

warpctl create-network rg --type resource-gateway --resource-subnet 172.16.50.0/24 \
    > /dev/null || kt_bail "create-network rg"
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-network mesh --type secure-internet --peer-communication > /dev/null ||
    kt_bail "create-network mesh"
warpctl create-endpoint rg a --type mobile > /dev/null
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null
warpctl create-endpoint l3 siteB --type cpe --lan-subnet 192.168.20.0/24 > /dev/null
warpctl create-endpoint mesh m --type mobile > /dev/null
warp_check_apply "apply three more networks"
warp_kernel_dump "$D/2-four-networks.txt"
kt_check "they are in the kernel (4 VRFs)" \
    [ "$(grep -c ' vrf table ' "$D/2-four-networks.txt")" -eq 4 ]

for n in rg l3 mesh; do
	warpctl delete-network "$n" > /dev/null 2>&1 || kt_notok "delete-network $n"
done
warp_check_apply "apply after deleting three networks"
warp_kernel_dump "$D/3-deleted.txt"
if diff -u "$D/1-one-network.txt" "$D/3-deleted.txt" \
    > "$D/diff-1-3.txt"; then
	kt_ok "links, addresses, routes, rules and nftables are exactly as before the three networks"
else
	kt_notok "kernel state after deleting equals the state before creating" \
	    "$(cat "$D/diff-1-3.txt")"
fi

# Suspending takes a network out of the kernel, resuming puts it back.
grep -v 'l3mdev' "$D/0-empty.txt" > "$KT_TMP/0.txt"
warpctl suspend-network keep > /dev/null 2>&1 || kt_notok "suspend-network keep"
warp_check_apply "apply after suspending the last network"
warp_kernel_dump "$KT_TMP/suspended.txt"
grep -v 'l3mdev' "$KT_TMP/suspended.txt" > "$KT_TMP/s.txt"
kt_check "suspended: nothing of it left in the kernel" diff -u "$KT_TMP/0.txt" "$KT_TMP/s.txt"
warpctl resume-network keep > /dev/null 2>&1 || kt_notok "resume-network keep"
warp_check_apply "apply after resuming it"
warp_kernel_dump "$KT_TMP/resumed.txt"
kt_check "resumed: the kernel state is the same as when it was first applied" \
    diff -u "$D/1-one-network.txt" "$KT_TMP/resumed.txt"

warpctl delete-network keep > /dev/null 2>&1 || kt_notok "delete-network keep"
warp_check_apply "apply after deleting the last network"
warp_kernel_dump "$D/4-none.txt"
# The vrf driver installs its l3mdev rules when the first VRF of a
# namespace is created and never removes them (they are its, not ours).
grep -v 'l3mdev' "$D/4-none.txt" > "$KT_TMP/4.txt"
if diff -u "$KT_TMP/0.txt" "$KT_TMP/4.txt" > "$D/diff-0-4.txt"; then
	kt_ok "no network left: state as before any network (the kernel's own l3mdev rule aside), no nftables table"
else
	kt_notok "no network left: state as before any network" "$(cat "$D/diff-0-4.txt")"
fi
warp_apply
kt_check "apply with nothing to do sends 0 write messages" [ "$WARP_SENT" = 0 ]
kt_finish
