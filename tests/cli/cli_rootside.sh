# Root trusts nothing a web worker can write (issue 12): a backup with a
# schema of its own (a trigger, a view) is refused; a symlinked -wal or
# -shm in the database directory is not followed; a master key file that
# someone else planted is refused.
. "$(dirname "$0")/lib.sh"

w init --public-host 192.0.2.82 > /dev/null
w create-network sites --type l3vpn > /dev/null
w backup "$SCRATCH/bk" > /dev/null
cp "$SCRATCH/bk" "$SCRATCH/evil"; cp "$SCRATCH/bk.key" "$SCRATCH/evil.key"
sqlite3 "$SCRATCH/evil" "CREATE TRIGGER evil AFTER INSERT ON audit_log BEGIN DELETE FROM users; END;"
other="$SCRATCH/o1.db"
expect_refused "a backup with a trigger of its own is refused" 1 "schema of its own" \
    --db "$other" restore "$SCRATCH/evil"
check "and nothing was restored" sh -c "! '$WARPCTL' --db '$other' list-networks 2>/dev/null | grep -q sites"
cp "$SCRATCH/bk" "$SCRATCH/evil2"; cp "$SCRATCH/bk.key" "$SCRATCH/evil2.key"
sqlite3 "$SCRATCH/evil2" "CREATE VIEW v AS SELECT 1;"
expect_refused "a backup with a view of its own is refused" 1 "schema of its own" \
    --db "$SCRATCH/o2.db" restore "$SCRATCH/evil2"
cp "$SCRATCH/bk" "$SCRATCH/evil3"; cp "$SCRATCH/bk.key" "$SCRATCH/evil3.key"
sqlite3 "$SCRATCH/evil3" "DROP TRIGGER endpoint_configs_immutable;"
expect_refused "a backup missing one of our triggers is refused" 1 "schema of its own" \
    --db "$SCRATCH/o3.db" restore "$SCRATCH/evil3"
"$WARPCTL" --db "$SCRATCH/o4.db" restore "$SCRATCH/bk" > /dev/null 2>&1
check "the untouched backup still restores" sh -c "'$WARPCTL' --db '$SCRATCH/o4.db' list-networks | grep -q sites"

# A symlinked -wal: root must not open (truncate, replay, chown) its target.
printf 'precious\n' > "$SCRATCH/victim"; chmod 600 "$SCRATCH/victim"
vstat=$(stat -c '%s %a %g %Y' "$SCRATCH/victim")
rm -f "$DB-wal"; ln -s "$SCRATCH/victim" "$DB-wal"
# (not expect_refused: its sqlite3 CLI snapshot would follow the link)
w list-networks > "$SCRATCH/out" 2> "$SCRATCH/err"; rc=$?
check "a symlinked -wal makes warpctl refuse the database (exit 2)" \
    sh -c "[ $rc = 2 ] && grep -q 'not a regular file' '$SCRATCH/err'"
check "and its target is untouched" sh -c "[ \"\$(stat -c '%s %a %g %Y' '$SCRATCH/victim')\" = '$vstat' ] && grep -qx precious '$SCRATCH/victim'"
rm -f "$DB-wal"; ln -s "$SCRATCH/victim" "$DB-shm"
w list-networks > "$SCRATCH/out" 2> "$SCRATCH/err"; rc=$?
check "so does a symlinked -shm" \
    sh -c "[ $rc = 2 ] && grep -q 'not a regular file' '$SCRATCH/err'"
rm -f "$DB-shm"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$DB.key"
	expect_refused "a master key owned by someone else is refused" 2 "owned by uid 65534" \
	    list-networks
	chown 0 "$DB.key"
	# warpd (root) with a symlinked -wal in its directory: refuses to start,
	# the target keeps its owner and mode.
	# (its key out of the workers' directory, as warpd demands)
	ln -s "$SCRATCH/victim" "$DB-wal"
	kd=$(mktemp -d /tmp/warp-key-XXXXXX)
	WARP_KEY=$kd/master.key WARP_DB=$DB WARP_NO_APPLY=1 timeout 20 \
	    "$TOP/build/warpd" -f > "$SCRATCH/wd.log" 2>&1
	rm -rf "$kd"
	check "warpd refuses a database whose -wal is a symlink, target untouched" \
	    sh -c "grep -q 'not a regular file' '$SCRATCH/wd.log' && [ \"\$(stat -c '%s %a %g %Y' '$SCRATCH/victim')\" = '$vstat' ]"
	rm -f "$DB-wal"
fi
check "with the side files fixed the database opens again" sh -c "'$WARPCTL' --db '$DB' list-networks > /dev/null"
finish
