#!/bin/sh
# Turn migrations/NNNN_name.sql into a C table (warp_migrations[]) so both
# warpd and warpctl carry the schema steps inside the binary.
set -eu
echo '/* Generated from the migrations directory by migrations/embed.sh. */'
echo '#include "warp.h"'
echo '#include "warp_db_int.h"'
echo 'const struct warp_migration warp_migrations[] = {'
n=0
for f in "$@"; do
	base=$(basename "$f" .sql)
	ver=$(echo "$base" | sed -n 's/^0*\([0-9][0-9]*\)_.*/\1/p')
	[ -n "$ver" ] || { echo "embed.sh: bad migration name $f" >&2; exit 1; }
	n=$((n + 1))
	[ "$ver" -eq "$n" ] || { echo "embed.sh: $f out of sequence (want $n)" >&2; exit 1; }
	printf '\t{ %d, "%s",\n' "$ver" "$base"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t    "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const size_t warp_migrations_count = $n;"
