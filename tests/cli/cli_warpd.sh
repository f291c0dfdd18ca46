# warpd (the Kore app) starts, creates its database on first start at the
# path warpctl uses (WARP_DB), and answers its health route on 127.0.0.1:8080.
. "$(dirname "$0")/../lib/private-net.sh"
private_net "$0" "$@"
. "$(dirname "$0")/lib.sh"
WARPD=${WARPD:-$TOP/build/warpd}

id warp > /dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin warp
mkdir -p "$SCRATCH/state"
export WARP_DB="$SCRATCH/state/warp.db" WARP_NO_APPLY=1
export WARP_KEY="$SCRATCH/keys/master.key"
"$WARPD" -f > "$SCRATCH/warpd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$SCRATCH"' EXIT
code=
for i in $(seq 1 50); do
	code=$(curl -s -o "$SCRATCH/health" -w '%{http_code}' http://127.0.0.1:8080/healthz 2>/dev/null)
	[ "$code" = 200 ] && break
	sleep 0.2
done
check "warpd answers /healthz with 200 on 127.0.0.1:8080" \
    sh -c "[ '$code' = 200 ] && kill -0 $pid && grep -q 'serving http on 127.0.0.1:8080' '$SCRATCH/warpd.log'"
check "warpd created its database on first start" test -s "$WARP_DB"
check "and its master key, mode 0600 or 0640, at WARP_KEY" \
    sh -c "stat -c %a '$WARP_KEY' | grep -qx '6[04]0' && [ ! -e '$WARP_DB.key' ]"
check "warpctl reads the database warpd created (same rule: WARP_DB)" \
    sh -c "'$WARPCTL' list-networks > /dev/null"
check "warpd's workers are not root" \
    sh -c "ps -o user=,args= --ppid $pid | grep -v '^root' | grep -q warpd"
kill $pid
wait $pid 2>/dev/null
finish
