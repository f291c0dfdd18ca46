# Between networks nothing passes, enforced on the gateway: one endpoint
# per type (secure internet, resource gateway, l3vpn with a LAN behind
# it), each widened to 0.0.0.0/0, tries every address of the others.
# kernel-test-timeout: 1200
# kernel-test-cost: 156
. "$TOP/tests/kernel/lib.sh"
. "$TOP/tests/kernel/lib_warp.sh"
kt_require_vm

warp_gw_init
warpctl create-network si --type secure-internet --peer-communication > /dev/null ||
    kt_bail "create-network si"
warpctl create-network rg --type resource-gateway --resource-subnet 172.16.50.0/24 \
    > /dev/null || kt_bail "create-network rg"
warpctl create-network l3 --type l3vpn > /dev/null || kt_bail "create-network l3"
warpctl create-endpoint si a --type mobile > /dev/null || kt_bail "create-endpoint si/a"
warpctl create-endpoint rg a --type mobile > /dev/null || kt_bail "create-endpoint rg/a"
warpctl create-endpoint l3 siteA --type cpe --lan-subnet 192.168.10.0/24 > /dev/null ||
    kt_bail "create-endpoint l3/siteA"
warp_check_apply "apply creates three networks" || kt_finish
warp_host kt-si si/a
warp_host kt-rg rg/a
warp_host kt-l3 l3/siteA 192.168.10.0/24 192.168.10.2
addr() { sed -n 's/^Address = \([0-9.]*\).*/\1/p' "$KT_TMP/$1/wg0.conf"; }
gwip() { warpctl show-network "$1" --json | sed -n 's/.*"gateway_ip":"\([0-9.]*\)".*/\1/p'; }
SI=$(addr kt-si) RG=$(addr kt-rg) L3=$(addr kt-l3)
GSI=$(gwip si) GRG=$(gwip rg) GL3=$(gwip l3)

# Each works on its own first (so that a failure below means isolation).
kt_check "si/a reaches the internet host" kt_ping kt-si 198.51.100.2 10
kt_check "rg/a reaches the resource LAN host" kt_ping kt-rg 172.16.50.2 10
kt_check "l3/siteA reaches its gateway" kt_ping kt-l3 "$GL3" 10

warp_widen kt-rg 0.0.0.0/1
warp_widen kt-rg 128.0.0.0/1
warp_widen kt-l3 0.0.0.0/1
warp_widen kt-l3 128.0.0.0/1

for t in "$RG:rg/a" "$L3:l3/siteA" "192.168.10.2:site A's LAN host" "$GRG:rg's gateway" \
    "$GL3:l3's gateway" "172.16.50.2:rg's resource host (not routed for si)"; do
	kt_check "si/a cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-si "${t%%:*}"
done
for t in "$SI:si/a" "$L3:l3/siteA" "192.168.10.2:site A's LAN host" "$GSI:si's gateway" \
    "$GL3:l3's gateway" "198.51.100.2:the internet host" "198.51.100.1:the gateway's uplink address"; do
	kt_check "rg/a (widened) cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-rg "${t%%:*}"
done
for t in "$SI:si/a" "$RG:rg/a" "172.16.50.2:rg's resource host" "$GSI:si's gateway" \
    "$GRG:rg's gateway" "198.51.100.2:the internet host"; do
	kt_check "l3/siteA (widened) cannot reach ${t#*:} (${t%%:*})" kt_no_ping kt-l3 "${t%%:*}"
	kt_check "site A's LAN host cannot reach ${t#*:}" kt_no_ping kt-l3-lan "${t%%:*}"
done
ov=$(warp_counter from_overlay)
kt_check "nothing from an overlay address reached the internet host" [ "${ov:-1}" -eq 0 ]
kt_finish
