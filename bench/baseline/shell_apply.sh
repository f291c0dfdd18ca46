#!/bin/sh
# The shell-out baseline (benchmark only; the appliance never runs a
# program): a reconciler the way the original appliance worked, one
# ip / wg / nft process per object and a full rebuild on every apply.
# It reads the same database (bench/baseline/desired.c prints the desired
# objects through the core) and builds what `warpctl apply` builds for
# Secure Internet networks: per network a VRF and its table, the
# WireGuard link enslaved to it with the gateway address, key and port,
# one `wg set ... peer` per endpoint, the default route to the uplink and
# the unreachable defaults in the VRF table, the return rule; and the
# nftables ruleset, one `nft` process per table, chain, set and rule.  The
# ruleset's text is RULESET (what the appliance's firewall made, dumped
# in the same run): the baseline copies the original's process model,
# not its firewall (which had no isolation at all).
#
#   shell_apply.sh DESIRED-BIN DB RULESET UPLINK UPLINK-GW
#
# Run as root in the gateway's namespace; prints the processes it ran.
set -u
DESIRED=$1 DB=$2 RULESET=$3 UPLINK=$4 UPGW=$5
T=$(mktemp -d /tmp/shell_apply.XXXXXX)
trap 'rm -rf "$T"' EXIT
umask 077
procs=0
run() { "$@" || echo "shell_apply: failed: $*" >&2; procs=$((procs + 1)); }

"$DESIRED" "$DB" > "$T/desired" || { echo "shell_apply: cannot read $DB" >&2; exit 2; }

# Full rebuild: everything of ours goes first, one object at a time.
for l in $(ip -o link show | awk '/ alias warp:/ { n = $2; sub(/:$/, "", n);
    sub(/@.*/, "", n); print n }' | sort -r); do
	run ip link del "$l"
done
awk '$1 == "net" { print $6, $5 }' "$T/desired" > "$T/rules"
while read -r sub table; do
	ip rule show | grep -q "to $sub lookup $table" &&
	    run ip rule del pref 1500 to "$sub" lookup "$table"
	run ip route flush table "$table"
	run ip -6 route flush table "$table"
done < "$T/rules"
nft list tables | grep -q 'inet warp$' && run nft delete table inet warp

# The networks and their peers, one process per object.
while read -r kind a b c d e f g h i; do
	case $kind in
	net)	vcid=$a vrf=$b wg=$c table=$d sub=$e gw=$f port=$g mtu=$h
		printf '%s\n' "$i" > "$T/key"
		run ip link add "$vrf" type vrf table "$table"
		run ip link set "$vrf" alias "warp:$vcid" up
		run ip link add "$wg" type wireguard
		run ip link set "$wg" alias "warp:$vcid" mtu "$mtu" master "$vrf"
		run wg set "$wg" private-key "$T/key" listen-port "$port"
		run ip addr add "$gw" dev "$wg"
		run ip link set "$wg" up
		run ip route add default via "$UPGW" dev "$UPLINK" table "$table" \
		    proto 233 onlink
		run ip route add unreachable default table "$table" proto 233 \
		    metric 4278198272
		run ip -6 route add unreachable default table "$table" proto 233 \
		    metric 4278198272
		run ip rule add pref 1500 to "$sub" lookup "$table" proto 233 ;;
	peer)	printf '%s\n' "$c" > "$T/psk"
		run wg set "$a" peer "$b" preshared-key "$T/psk" allowed-ips "$d" ;;
	skip)	echo "shell_apply: network $a: type $b not built by the baseline" >&2 ;;
	esac
done < "$T/desired"

# The ruleset: one nft process per table, chain, set/map and rule
# (tables, then chains, then sets and maps, then rules: maps name chains,
# rules name sets).
mkdir "$T/nft"
awk -v d="$T/nft" '
function emit(pri, text) { f = sprintf("%s/%d.%07d", d, pri, ++n); print text > f; close(f) }
/^table / { fam = $2; tab = $3; emit(1, "add table " fam " " tab); next }
/^\t(set|map|counter|quota) / { blk = "table " fam " " tab " {\n" $0; inblk = 1; next }
inblk { blk = blk "\n" $0; if ($0 ~ /^\t}/) { emit(3, blk "\n}"); inblk = 0 }; next }
/^\tchain / { ch = $2; hdr = ""; inch = 1; first = 1; next }
inch && /^\t}/ { if (first) emit(2, "add chain " fam " " tab " " ch); inch = 0; next }
inch && /^\t\ttype / { emit(2, "add chain " fam " " tab " " ch " { " $0 " }"); first = 0; next }
inch && NF > 0 { if (first) { emit(2, "add chain " fam " " tab " " ch); first = 0 }
	sub(/^\t\t/, ""); emit(4, "add rule " fam " " tab " " ch " " $0) }
' "$RULESET"
for f in $(ls "$T/nft" | sort); do
	run nft -f "$T/nft/$f"
done
echo "shell_apply: $procs processes"
