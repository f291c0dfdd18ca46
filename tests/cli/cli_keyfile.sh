# The master key lives out of the web workers' reach (issue 12): root's
# file, 0600, in a directory the worker user "warp" cannot write, never in
# the database directory; a key at the old place (<db>.key) is moved once,
# after which whatever appears at the old place is never read; warpd as
# root refuses a key the workers could swap.
. "$(dirname "$0")/../lib/private-net.sh"
private_net "$0" "$@"
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "master key placement # SKIP needs root (worker user, chown)"
	finish
fi
id warp > /dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin warp
as_warp() { setpriv --reuid warp --regid warp --init-groups "$@"; }
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
# TERM, then KILL (warpd and its workers) if it is still there after 30 s:
# on a loaded machine Kore can miss a TERM that lands while a worker starts.
stop_warpd() {
	kill "$1" 2>/dev/null
	i=0
	while alive "$1" && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	if alive "$1"; then pkill -KILL -P "$1"; kill -KILL "$1"; fi
	wait "$1" 2>/dev/null
}

# 1. A database made like a deployment: db directory the workers', key
# outside it.
mkdir -p "$SCRATCH/state" && chmod 0711 "$SCRATCH"
export WARP_KEY="$SCRATCH/keys/master.key"
DB=$SCRATCH/state/warp.db
w init --public-host 192.0.2.90 > /dev/null
chown root:warp "$SCRATCH/state" && chmod 0770 "$SCRATCH/state"
check "init made the key root:root 0600 in a 0700 root directory" \
    test "$(stat -c '%U:%G %a' "$WARP_KEY" "$SCRATCH/keys" | tr '\n' ' ')" = "root:root 600 root:root 700 "
check "and nothing next to the database" test ! -e "$DB.key"
writable=
d=$SCRATCH/keys
while :; do
	# (a sticky directory, /tmp, lets warp move only its own entries)
	as_warp test -w "$d" && [ ! -k "$d" ] && writable="$writable $d"
	[ "$d" = / ] && break
	d=$(dirname "$d")
done
check "no directory on the key's path is writable by warp${writable:+ (writable:$writable)}" \
    test -z "$writable"
check "the worker user cannot read the key" sh -c "! setpriv --reuid warp --regid warp --init-groups cat '$WARP_KEY' > /dev/null 2>&1"
check "the worker user can write the database directory (the key is not there)" \
    as_warp sh -c "touch '$SCRATCH/state/x' && rm '$SCRATCH/state/x'"

# 2. An install from before the move: the key at <db>.key is moved once.
w create-network sites --type l3vpn > /dev/null
w create-endpoint sites cpe1 --type cpe > /dev/null
w show-config sites/cpe1 > "$SCRATCH/conf.before"
mv "$WARP_KEY" "$DB.key" && rmdir "$SCRATCH/keys"
chown root:root "$DB.key"
w list-networks > /dev/null 2> "$SCRATCH/err"; rc=$?
check "an old install's key is moved to WARP_KEY on the next open" \
    sh -c "[ $rc = 0 ] && [ -f '$WARP_KEY' ] && [ ! -e '$DB.key' ] && [ \"\$(stat -c '%U %a' '$WARP_KEY' '$SCRATCH/keys' | tr '\n' ' ')\" = 'root 600 root 700 ' ]"
w show-config sites/cpe1 > "$SCRATCH/conf.after"
check "and the stored keys still decrypt with it (same config)" \
    cmp -s "$SCRATCH/conf.before" "$SCRATCH/conf.after"

# 3. A worker plants a key at the old place: never read.
as_warp sh -c "head -c 32 /dev/urandom > '$DB.key'; chmod 600 '$DB.key'"
w show-config sites/cpe1 > "$SCRATCH/conf.planted" 2> "$SCRATCH/err"; rc=$?
check "a worker-written file at the old key path is not read (config still decrypts)" \
    sh -c "[ $rc = 0 ] && cmp -s '$SCRATCH/conf.before' '$SCRATCH/conf.planted'"
rm -f "$DB.key"
# Even root's own file there (say, a backup's key moved in) is ignored.
head -c 32 /dev/urandom > "$DB.key"; chmod 600 "$DB.key"
w show-config sites/cpe1 > "$SCRATCH/conf.planted" 2> "$SCRATCH/err"; rc=$?
check "nor is a root-owned key put at the old path once the key has moved" \
    sh -c "[ $rc = 0 ] && cmp -s '$SCRATCH/conf.before' '$SCRATCH/conf.planted' && [ -e '$DB.key' ]"
rm -f "$DB.key"

# 4. warpd as root checks where the key is before anything else.
WARPD=$TOP/build/warpd
unset WARP_KEY
cp "$SCRATCH/keys/master.key" "$DB.key"
WARP_DB=$DB WARP_NO_APPLY=1 timeout 20 "$WARPD" -f > "$SCRATCH/wd.log" 2>&1
check "warpd refuses a key in the workers' database directory, with a line saying where to put it" \
    grep -q "is in the database directory, which the worker user warp can write; .*WARP_KEY" "$SCRATCH/wd.log"
rm -f "$DB.key"
mkdir -p "$SCRATCH/wkeys" && cp "$SCRATCH/keys/master.key" "$SCRATCH/wkeys/" &&
    chown root:warp "$SCRATCH/wkeys" && chmod 0770 "$SCRATCH/wkeys"
WARP_KEY=$SCRATCH/wkeys/master.key WARP_DB=$DB WARP_NO_APPLY=1 timeout 20 \
    "$WARPD" -f > "$SCRATCH/wd.log" 2>&1
check "and a key in any directory the worker's group can write" \
    grep -q "in or under a directory the worker user warp can write" "$SCRATCH/wd.log"
export WARP_KEY="$SCRATCH/keys/master.key"
as_warp sh -c "head -c 32 /dev/urandom > '$DB.key'"
WARP_DB=$DB WARP_NO_APPLY=1 "$WARPD" -f > "$SCRATCH/wd.log" 2>&1 &
pid=$!
code=
for i in $(seq 1 150); do
	code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz 2>/dev/null)
	[ "$code" = 200 ] && break
	sleep 0.2
done
check "warpd starts with the key out of reach, a planted old-path file beside the db ignored" \
    sh -c "[ '$code' = 200 ] && kill -0 $pid"
check "the key is still root:root 0600, the directory root 0700, after warpd's start" \
    test "$(stat -c '%U:%G %a' "$WARP_KEY" "$SCRATCH/keys" | tr '\n' ' ')" = "root:root 600 root:root 700 "
stop_warpd $pid
finish
