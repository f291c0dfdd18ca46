# tests/kernel/lib_warp.sh — a WARP gateway and its world, for kernel tests.
# Source after lib.sh:
#
#	. "$TOP/tests/kernel/lib.sh"; . "$TOP/tests/kernel/lib_warp.sh"
#
# Topology (network namespaces, all removed on exit):
#
#   kt-inet  198.51.100.2 ──── up0 198.51.100.1   (the uplink, default route)
#   kt-lan   172.16.50.2  ──── lan0 172.16.50.1   (a resource subnet)
#                               kt-gw: the gateway, run by warpctl --netns kt-gw
#   kt-ul    bridge ul ──────── pub0 192.0.2.1     (the public address)
#     └── one port per endpoint host, 192.0.2.N
#
# warp_gw_init                  the topology above plus `warpctl init`
# warpctl ARGS...               build/warpctl on the test's db, in kt-gw
# warp_apply [ARGS...]          warpctl apply; output in $KT_TMP/apply.out,
#                               its "sent N write messages" in WARP_SENT
# warp_host NS EP [LANCIDR LANHOST]
#                               an endpoint host NS on the underlay running
#                               EP's exported config (wg/ip, as wg-quick
#                               would); with LANCIDR, also a LAN host
#                               NS-lan behind it at LANHOST (first address
#                               of LANCIDR on NS itself)
# warp_widen NS CIDR            the endpoint adds CIDR to its AllowedIPs and
#                               routes it into the tunnel (a client that edits
#                               its own config)
# warp_wg_bytes NS              rx+tx bytes of NS's wg0
# warp_quota_used EP            its quota_used_bytes (warpctl traffic --json)
# warp_kernel_dump FILE         links, addresses, routes (all tables), rules,
#                               nftables of kt-gw, normalised for comparison
# warp_l2_site NS               after warp_host NS EP (a layer-2 network):
#                               run the config's PostUp lines in NS (the
#                               ip/bridge commands a site runs) and put a LAN
#                               host NS-lan on the site's bridge (veth NS
#                               lan0 <-> NS-lan eth0, lan0 carrying the VLANs
#                               the config names)
# warp_vlan_host NS VID ADDR/LEN
#                               an 802.1Q interface eth0.VID on NS's eth0

WARP_DB=$KT_TMP/warp.db
WARP_HOSTNUM=10

warpctl() {	# WARP_CLOCK: a command to run it under, e.g. "faketime -f +1h"
	${WARP_CLOCK:-} "$TOP/build/warpctl" --db "$WARP_DB" --netns kt-gw "$@"
}

warp_apply() {
	warpctl apply "$@" > "$KT_TMP/apply.out" 2>&1
	_rc=$?
	WARP_SENT=$(sed -n 's/^\(sent\|would send\) \([0-9]*\) write messages.*/\2/p' \
	    "$KT_TMP/apply.out" | tail -n 1)
	WARP_SENT=${WARP_SENT:-none}
	return $_rc
}

warp_gw_init() {
	kt_netns kt-gw kt-inet kt-lan kt-ul
	kt_in kt-ul ip link add ul type bridge || kt_bail "underlay bridge"
	kt_in kt-ul ip link set ul up
	kt_veth kt-gw up0 kt-inet inet0
	kt_addr kt-gw up0 198.51.100.1/24
	kt_addr kt-inet inet0 198.51.100.2/24
	kt_in kt-gw ip route add default via 198.51.100.2
	kt_veth kt-gw lan0 kt-lan lanh0
	kt_addr kt-gw lan0 172.16.50.1/24
	kt_addr kt-lan lanh0 172.16.50.2/24
	kt_in kt-lan ip route add default via 172.16.50.1
	kt_veth kt-gw pub0 kt-ul ulgw
	kt_in kt-ul ip link set ulgw master ul
	kt_addr kt-gw pub0 192.0.2.1/24
	# count what reaches the internet host, by source
	kt_in kt-inet nft -f - <<-EOF || kt_bail "nft counters on the internet host"
	table inet seen {
		counter from_uplink { }
		counter from_overlay { }
		chain in {
			type filter hook input priority 0;
			ip saddr 198.51.100.1 icmp type echo-request counter name from_uplink
			ip saddr 10.0.0.0/8 counter name from_overlay
		}
	}
	EOF
	warpctl init --public-host 192.0.2.1 --uplink up0 > "$KT_TMP/init.out" 2>&1 ||
	    kt_bail "warpctl init" "$(cat "$KT_TMP/init.out")"
}

# Load a wg-quick style config the way wg-quick does, without resolvconf.
warp_load_conf() {	# NS FILE
	w_ns=$1 w_f=$2
	w_dir=$(dirname "$w_f")
	kt_in "$w_ns" ip link add wg0 type wireguard || return 1
	wg-quick strip "$w_f" > "$w_dir/stripped.conf" 2>/dev/null ||
	    sed -e '/^\(Address\|DNS\|MTU\)[[:space:]]*=/d' "$w_f" > "$w_dir/stripped.conf"
	kt_in "$w_ns" wg setconf wg0 "$w_dir/stripped.conf" || return 1
	for w_a in $(sed -n 's/^Address[[:space:]]*=[[:space:]]*//p' "$w_f" | tr ',' ' '); do
		kt_in "$w_ns" ip addr add "$w_a" dev wg0 || return 1
	done
	w_mtu=$(sed -n 's/^MTU[[:space:]]*=[[:space:]]*//p' "$w_f")
	kt_in "$w_ns" ip link set wg0 mtu "${w_mtu:-1420}" up || return 1
	for w_c in $(sed -n 's/^AllowedIPs[[:space:]]*=[[:space:]]*//p' "$w_f" | tr ',' ' '); do
		case $w_c in
		*:*)	kt_in "$w_ns" ip -6 route add "$w_c" dev wg0 2>/dev/null ;;
		*)	kt_in "$w_ns" ip route replace "$w_c" dev wg0 || return 1 ;;
		esac
	done
}

warp_host() {	# NS EP [LANCIDR LANHOST]
	w_ns=$1 w_ep=$2
	WARP_HOSTNUM=$((WARP_HOSTNUM + 1))
	kt_netns "$w_ns"
	kt_veth "$w_ns" ul0 kt-ul "ulh$WARP_HOSTNUM"
	kt_in kt-ul ip link set "ulh$WARP_HOSTNUM" master ul
	kt_addr "$w_ns" ul0 "192.0.2.$WARP_HOSTNUM/24"
	mkdir -p "$KT_TMP/$w_ns"
	warpctl export-config "$w_ep" --filename "$KT_TMP/$w_ns/wg0.conf" \
	    > "$KT_TMP/$w_ns/export.out" 2>&1 ||
	    { kt_notok "export-config $w_ep" "$(cat "$KT_TMP/$w_ns/export.out")"; return 1; }
	warp_load_conf "$w_ns" "$KT_TMP/$w_ns/wg0.conf" ||
	    { kt_notok "load $w_ep's config in $w_ns"; return 1; }
	if [ $# -ge 4 ]; then
		kt_netns "$w_ns-lan"
		kt_veth "$w_ns" lan0 "$w_ns-lan" eth0
		w_len=${3#*/}
		kt_addr "$w_ns" lan0 "${3%.*}.1/$w_len"
		kt_addr "$w_ns-lan" eth0 "$4/$w_len"
		kt_in "$w_ns-lan" ip route add default via "${3%.*}.1"
		kt_in "$w_ns" sysctl -qw net.ipv4.ip_forward=1
	fi
}

warp_widen() {	# NS CIDR
	_peer=$(kt_in "$1" wg show wg0 peers | head -n 1)
	_ips=$(kt_in "$1" wg show wg0 allowed-ips | awk '{ $1 = ""; print }' |
	    tr ' ' '\n' | grep -v '^$' | tr '\n' ',')
	kt_in "$1" wg set wg0 peer "$_peer" allowed-ips "${_ips}$2" &&
	    kt_in "$1" ip route replace "$2" dev wg0
}

# A netlink dump the kernel's state changed under (NLM_F_DUMP_INTR: an
# address or route the kernel adds by itself, such as addrconf's, just
# after an apply) makes ip print "Dump was interrupted and may be
# inconsistent." and what it got: such a dump is taken again (up to 5
# times), as a reader of netlink dumps is meant to.
warp_kernel_dump() {	# FILE
	_kd=0
	while :; do
		warp_kernel_dump_once "$1"
		grep -q '^Dump was interrupted' "$1" || return 0
		_kd=$((_kd + 1))
		[ "$_kd" -lt 5 ] || return 0
		sleep 1
	done
}

warp_kernel_dump_once() {	# FILE
	{
		echo "== links"
		kt_in kt-gw ip -d -o link show | sed -e 's/^[0-9]*: //' \
		    -e 's/ link\/ether [0-9a-f:]* brd [0-9a-f:]*//' \
		    -e 's/ \(addrgenmode\|numtxqueues\|numrxqueues\|gso_max_size\|gso_max_segs\|gro_max_size\|gso_ipv4_max_size\|gro_ipv4_max_size\|tso_max_size\|tso_max_segs\|parentbus\|parentdev\) [^ ]*//g' |
		    sort
		echo "== addresses"
		kt_in kt-gw ip -o addr show | awk '{ print $2, $3, $4 }' | sort
		echo "== routes"
		kt_in kt-gw ip -4 route show table all | sort
		kt_in kt-gw ip -6 route show table all | sort
		echo "== rules"
		kt_in kt-gw ip -4 rule show
		kt_in kt-gw ip -6 rule show
		echo "== nftables"
		kt_in kt-gw nft list ruleset
	} > "$1" 2>&1
}

# Apply must succeed; on failure, show its output.
warp_check_apply() {	# DESC
	if warp_apply; then
		kt_ok "$1 (sent $WARP_SENT write messages)"
	else
		kt_notok "$1" "$(cat "$KT_TMP/apply.out")"
		return 1
	fi
}

# `warpctl apply --changes` must succeed by the incremental path alone
# (the journal's line for NET, no full apply) and read no dump of every
# link and no firewall or traffic table; the plan is left in
# $KT_TMP/apply.out.
warp_check_changes() {	# DESC NET
	if ! warp_apply --changes; then
		kt_notok "$1" "$(cat "$KT_TMP/apply.out")"
		return 1
	fi
	if grep -q 'full apply' "$KT_TMP/apply.out" ||
	    ! grep -Eq "^journal: network $2: the peers( and ports)? of [0-9]+ endpoint\(s\) only\$" \
	    "$KT_TMP/apply.out" ||
	    ! grep -Eq '^read [0-9]+ requests: rtnetlink [0-9]+ \(0 dumps of every link\), wireguard 0 devices, firewall and traffic tables 0$' \
	    "$KT_TMP/apply.out"; then
		kt_notok "$1" "not by the incremental path alone:" "$(cat "$KT_TMP/apply.out")"
		return 1
	fi
	kt_ok "$1 (incremental: sent $WARP_SENT write messages, $(sed -n 's/^read \([0-9]*\) requests.*/\1/p' "$KT_TMP/apply.out") reads)"
}

# `warpctl apply --changes` must reconcile NET's peers and traffic limits
# by the incremental path alone: the journal's line for NET, no full
# apply, no dump of every link, NET's device read (one) and the traffic
# rooms run once; the plan is left in $KT_TMP/apply.out.
# DESC NET [PATH WG TABLES]: PATH the journal line after "journal: network
# NET: " (default: the whole network's traffic path), WG the WireGuard
# devices it reads (default 1; the per-endpoint path reads none), TABLES
# its reads of the firewall and traffic tables (default 1: the quota
# table read whole; the per-endpoint path counts each get).
warp_check_traffic_changes() {
	if ! warp_apply --changes; then
		kt_notok "$1" "$(cat "$KT_TMP/apply.out")"
		return 1
	fi
	if grep -q 'full apply' "$KT_TMP/apply.out" ||
	    ! grep -qxF "journal: network $2: ${3:-its peers and traffic limits}" "$KT_TMP/apply.out" ||
	    ! grep -Eq "^read [0-9]+ requests: rtnetlink [0-9]+ \(0 dumps of every link\), wireguard ${4:-1} devices, firewall and traffic tables ${5:-1}\$" \
	    "$KT_TMP/apply.out"; then
		kt_notok "$1" "not by the incremental path alone:" "$(cat "$KT_TMP/apply.out")"
		return 1
	fi
	kt_ok "$1 (incremental: sent $WARP_SENT write messages, $(sed -n 's/^read \([0-9]*\) requests.*/\1/p' "$KT_TMP/apply.out") reads)"
}

warp_counter() {	# NAME: packets of a named counter on the internet host
	kt_in kt-inet nft list counter inet seen "$1" |
	    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

warp_l2_site() {	# NS
	w_ns=$1
	w_f=$KT_TMP/$w_ns/wg0.conf
	sed -n 's/^PostUp[[:space:]]*=[[:space:]]*//p' "$w_f" > "$KT_TMP/$w_ns/postup"
	while read -r w_cmd; do
		kt_in "$w_ns" sh -c "$w_cmd" < /dev/null > "$KT_TMP/$w_ns/postup.out" 2>&1 ||
		    { kt_notok "PostUp in $w_ns: $w_cmd" "$(cat "$KT_TMP/$w_ns/postup.out")"; return 1; }
	done < "$KT_TMP/$w_ns/postup"
	w_br=$(sed -n 's/^PostUp.* master \(br[0-9]*\).*/\1/p' "$w_f" | head -n 1)
	kt_netns "$w_ns-lan"
	kt_veth "$w_ns" lan0 "$w_ns-lan" eth0
	kt_in "$w_ns" ip link set lan0 master "$w_br" up || return 1
	w_vid=$(sed -n 's/^# Attach.* vid \([0-9-]*\)$/\1/p' "$w_f")
	if [ -n "$w_vid" ]; then
		kt_in "$w_ns" bridge vlan add dev lan0 vid "$w_vid" || return 1
	fi
}

warp_vlan_host() {	# NS VID ADDR/LEN
	kt_in "$1" ip link add link eth0 name "eth0.$2" type vlan id "$2" &&
	    kt_addr "$1" "eth0.$2" "$3"
}

warp_wg_bytes() {	# NS: rx + tx bytes of NS's wg0 (inner packets)
	kt_in "$1" cat /sys/class/net/wg0/statistics/rx_bytes /sys/class/net/wg0/statistics/tx_bytes |
	    awk '{ s += $1 } END { print s }'
}

warp_quota_used() {	# EP: quota_used_bytes from warpctl traffic --json
	warpctl traffic "$1" --json | sed -n 's/.*"quota_used_bytes":\([0-9]*\).*/\1/p'
}
