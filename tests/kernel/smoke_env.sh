# Smoke: the test VM is what kernel tests are promised (tests/vm/run).
# kernel-test-cost: 6
. "$TOP/tests/kernel/lib.sh"
kt_require_vm

kt_check_out "VM runs Debian's own amd64 kernel ($(uname -r))" 'Debian' cat /proc/version
kt_check "runs as root in the project checkout" test "$(id -u):$(pwd)" = "0:$TOP"
for m in vrf wireguard ip_gre 8021q bridge veth vxlan nf_tables; do
	kt_check "module $m is loaded" test -d "/sys/module/$m"
done
kt_check "/lib/modules holds the VM kernel's modules" test -f "/lib/modules/$(uname -r)/modules.dep"
# The host root is read-only in the VM, except the RAM overlays (/tmp,
# /etc, /var, /root, /home): a checkout below one of those (a CI clone in
# /tmp, say) is writable there, and what is written stays in the VM.
case $TOP/ in
/tmp/*|/etc/*|/var/*|/root/*|/home/*)
	kt_check "the checkout lies in a RAM overlay: writes stay in the VM" \
	    sh -c "touch '$TOP/.vm-write-test' && rm '$TOP/.vm-write-test'" ;;
*)
	kt_check "the checkout is read-only" \
	    sh -c "! touch '$TOP/.vm-write-test' 2>/dev/null" ;;
esac
for d in /tmp /run /etc /var/lib/warp /root "$VM_SCRATCH" "$KT_TMP" "$KT_ARTIFACTS"; do
	kt_check "$d is writable" sh -c "echo x > '$d/.kt-w' && rm '$d/.kt-w'"
done
kt_check "/var/lib/warp starts empty" test -z "$(ls -A /var/lib/warp)"
kt_check "ip netns add works (writable /run/netns, /etc/netns)" \
	sh -c 'ip netns add kt-env && mkdir -p /etc/netns/kt-env && ip netns delete kt-env'
kt_check_out "/dev/fd works (process substitution as wg-quick uses it)" '^hello$' \
	bash -c 'cat <(echo hello)'
kt_check "the tools tests need are there: ip bridge wg nft ping" \
	sh -c 'command -v ip && command -v bridge && command -v wg && command -v nft && command -v ping'
# the kernel runs /sbin/modprobe of the initramfs, which runs the chroot's
if [ -d /sys/module/nft_quota ]; then
	kt_skip "a module the kernel asks for is autoloaded" "nft_quota already loaded"
else
	kt_check "a module the kernel asks for is autoloaded (nft_quota for a named quota)" \
		sh -c 'nft add table inet kt_env && nft add quota inet kt_env q 1 mbytes &&
			test -d /sys/module/nft_quota && nft delete table inet kt_env'
fi
kt_finish
