# Backup and restore: a consistent copy with its key, restored elsewhere
# gives the same configs; a wrong key, a foreign file or a live database
# with networks (without --force) are refused and change nothing.
. "$(dirname "$0")/lib.sh"

w init --public-host 192.0.2.80 > /dev/null
w create-network sites --type l3vpn > /dev/null
w create-endpoint sites a --type cpe --lan-subnet 192.168.5.0/24 > /dev/null
w create-endpoint sites b --type cpe --lan-subnet 192.168.6.0/24 > /dev/null
w backup "$SCRATCH/bk" > /dev/null
check "backup writes the database copy and its key, both 0600" \
    sh -c "[ \"\$(stat -c %a '$SCRATCH/bk')\" = 600 ] && [ \"\$(stat -c %a '$SCRATCH/bk.key')\" = 600 ]"
expect_refused "backup refuses to overwrite a file" 1 "exists" backup "$SCRATCH/bk"

other="$SCRATCH/other.db"
"$WARPCTL" --db "$other" restore "$SCRATCH/bk" > /dev/null
check "restore into a fresh place succeeds" test $? -eq 0
check "the restored configs equal the originals, keys included" \
    sh -c "'$WARPCTL' --db '$DB' show-config sites/a > '$SCRATCH/a1' && '$WARPCTL' --db '$other' show-config sites/a > '$SCRATCH/a2' && cmp -s '$SCRATCH/a1' '$SCRATCH/a2'"
check "and the history came along" \
    test "$("$WARPCTL" --db "$other" history sites/a --json | json 'len(j)')" = 2

expect_refused "restore over a database with networks needs --force" 1 "--force" \
    restore "$SCRATCH/bk"
head -c 32 /dev/urandom > "$SCRATCH/wrong.key"
expect_refused "a key that does not open the backup is refused" 1 "does not open" \
    restore "$SCRATCH/bk" --key "$SCRATCH/wrong.key" --force
printf 'not a database' > "$SCRATCH/junk"
cp "$SCRATCH/bk.key" "$SCRATCH/junk.key"
expect_refused "a file that is not a WARP backup is refused" 1 "not" \
    restore "$SCRATCH/junk" --force
w create-endpoint sites c --type cpe > /dev/null
w restore "$SCRATCH/bk" --force > /dev/null
check "restore --force brings back the backed-up state" \
    test "$(w list-endpoints --json | json 'sorted(e["name"] for e in j)')" = "['a', 'b']"
finish
