# Helpers for CLI tests: TAP-style results, a scratch database, and a
# fingerprint of the database to prove a refused command changed nothing.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
WARPCTL=${WARPCTL:-$TOP/build/warpctl}
SCRATCH=$(mktemp -d /tmp/warp-cli-XXXXXX)
DB=$SCRATCH/warp.db
FAILED=0
trap 'rm -rf "$SCRATCH"' EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() {	# description command...
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
w() { "$WARPCTL" --db "$DB" "$@"; }

# Every row of every table, for before/after comparisons.
db_dump() { if [ -e "$DB" ]; then sqlite3 "$DB" .dump | grep -v "^PRAGMA\|^BEGIN\|^COMMIT"; else echo "no database"; fi; }

# expect_refused DESC WANT_EXIT WANT_TEXT warpctl-args...: exit status,
# a one-line message containing WANT_TEXT, and the database unchanged.
expect_refused() {
	d=$1 want=$2 text=$3; shift 3
	before=$(db_dump | sha256sum)
	w "$@" > "$SCRATCH/out" 2> "$SCRATCH/err"
	rc=$?
	after=$(db_dump | sha256sum)
	lines=$(wc -l < "$SCRATCH/err")
	if [ "$rc" -eq "$want" ] && grep -qF -- "$text" "$SCRATCH/err" &&
	    [ "$before" = "$after" ] && [ "$lines" -le 2 ] &&
	    [ ! -s "$SCRATCH/out" ]; then
		ok "$d"
	else
		not_ok "$d (exit $rc, want $want; stderr: $(head -c 300 "$SCRATCH/err"); db changed: $([ "$before" = "$after" ] && echo no || echo yes))"
	fi
}

json() {	# python expression over the JSON on stdin as `j`
	python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

finish() { exit "$FAILED"; }
