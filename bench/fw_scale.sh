#!/bin/sh
# Benchmark of the nftables isolation at scale (not a test; figures are
# printed, never asserted): for 100 and 1,000 networks of the five types,
# the rules the table holds and the time and messages of a cold apply, a
# second apply and adding one network (bench/fw_scale.c), next to the
# floor of `nft -f` loading the same ruleset, in a network namespace of
# its own.  With BEFORE=<commit>, the same networks are also counted (no
# kernel) on that older tree.
#
#   sh bench/fw_scale.sh [N...]          (default: 100 1000)
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=$TOP/build/bench
mkdir -p "$OUT"
[ -f build/libwarp.a ] || make build
LIBS="-lsqlite3 -lnl-3 -lnl-route-3 -lmnl -lnftnl -lqrencode -lsodium -lpng"
CF="-O2 -D_GNU_SOURCE -I/usr/include/libnl3"
cc $CF -Isrc/includes -o "$OUT/fw_scale" bench/fw_scale.c build/libwarp.a $LIBS
sizes=${*:-100 1000}

if [ -n "${BEFORE:-}" ]; then
	old=$OUT/before
	rm -rf "$old" && mkdir -p "$old"
	git archive "$BEFORE" | tar -x -C "$old"
	make -s -C "$old" "$old/build/libwarp.a" > "$old/make.log" 2>&1 ||
	    { echo "cannot build $BEFORE (see $old/make.log)"; exit 1; }
	cc $CF -I"$old/src/includes" -o "$OUT/fw_scale_before" bench/fw_scale.c \
	    "$old/build/libwarp.a" $LIBS
	echo "== before ($BEFORE), counted without a kernel"
	for n in $sizes; do "$OUT/fw_scale_before" -n "$n"; done
fi
echo "== now, counted without a kernel"
for n in $sizes; do "$OUT/fw_scale" -n "$n"; done

echo "== now, on this kernel (a private network namespace)"
unshare --net -- sh -c '
	for n in '"$sizes"'; do
		nft flush ruleset
		"$1/fw_scale" "$n"
		nft list ruleset > "$1/ruleset.nft"
		nft flush ruleset
		t0=$(date +%s.%N)
		nft -f "$1/ruleset.nft"
		t1=$(date +%s.%N)
		echo "$n networks: floor, nft -f of the same ruleset: $(echo "$t1 - $t0" | bc) s"
	done' sh "$OUT"
