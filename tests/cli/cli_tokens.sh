# API tokens from the CLI (issue 12): an optional expiry and a read-only
# scope, listed with their last use; a password change or deleting the
# user revokes them.
. "$(dirname "$0")/lib.sh"

w init --public-host 192.0.2.81 > /dev/null
echo "tok-user-pass-1" | w user add tina --role operator --password-stdin > /dev/null
t1=$(w token create ci --user tina --read-only --expires 2099-01-01T00:00:00Z)
check "token create --read-only --expires prints a token" \
    sh -c "echo '$t1' | grep -Eq '^warp_[A-Za-z0-9_-]{43}$'"
w token list --json > "$SCRATCH/list"
check "token list --json shows the expiry, the scope and the last use" \
    sh -c "python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; sys.exit(not (j[\"expires\"]==\"2099-01-01T00:00:00Z\" and j[\"scope\"]==\"read\" and j[\"last_used\"]==\"never\"))' < '$SCRATCH/list'"
expect_refused "an expiry in the past is refused" 1 "future" \
    token create old --user tina --expires 2001-01-01T00:00:00Z
w token create full --user tina > /dev/null
check "two tokens for tina" sh -c "[ \$(sqlite3 '$DB' 'SELECT count(*) FROM api_tokens') = 2 ]"
echo "tok-user-pass-2" | w user passwd tina --password-stdin > /dev/null
check "a password change revokes the user's tokens" \
    sh -c "[ \$(sqlite3 '$DB' 'SELECT count(*) FROM api_tokens') = 0 ]"
echo "tok-other-pass-1" | w user add otto --role viewer --password-stdin > /dev/null
w token create o --user otto > /dev/null
w user del otto > /dev/null
check "deleting a user revokes the user's tokens" \
    sh -c "[ \$(sqlite3 '$DB' 'SELECT count(*) FROM api_tokens') = 0 ]"
finish
