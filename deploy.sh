#!/bin/sh
# deploy.sh — install WARP gateway on this machine, or upgrade it in place.
#
#   sudo ./deploy.sh [--public-host HOST] [--cert FILE --key FILE]
#                    [--ssh-port N] [--dry-run]
#   sudo ./deploy.sh --uninstall [--purge] [--dry-run]
#
# On Debian 12+ or Ubuntu 22.04+, as root, from a checkout: installs the
# packages it needs (apt-get), builds warpd and warpctl (make) unless the
# checkout's build is current, and sets up
#   /usr/local/sbin/warpd, /usr/local/bin/warpctl
#   the system user warp; /var/lib/warp (root:warp 0770: warp.db root:warp
#     0660); its master key /var/lib/warp-keys/master.key (root:root 0600,
#     directory 0700; moved there from an older install's warp.db.key);
#     /etc/warp/tls
#   nginx (/etc/nginx/conf.d/warp.conf): TLS 1.2+ on 443 with HSTS in front
#     of warpd's 127.0.0.1:8080, 80 redirects to https; a self-signed
#     certificate for the public host unless --cert/--key are given
#   systemd: warp-firewall.service (warpctl host-firewall: the base input
#     policy, nftables table inet warp_host: SSH, 80, 443, the WireGuard
#     port pool, replies; drop the rest; and IPv4 forwarding on; its SSH
#     port in /etc/warp/firewall.conf), warp-apply.service (the kernel
#     state from the database at boot, before the web opens), warpd.service
#   /etc/sysctl.d/60-warp.conf (forwarding at boot), /etc/modules-load.d/warp.conf
# The kernel is changed only by warpctl and warpd, over netlink.
# and prints the admin URL and, on the first install, the one-time
# password of the web user admin.
#
# Every step checks first and does only what differs: a second run says
# there is nothing to change. Over an older install it upgrades in place
# (a backup of the database and key in /var/lib/warp/backups first; the
# services restart, the kernel state stays). --dry-run prints every step
# it would take and changes nothing. --uninstall stops and removes the
# services, the kernel objects of the networks and every installed file,
# but keeps /var/lib/warp (the database, its key, the backups) unless
# --purge (which also removes the user warp).
#
#   --public-host HOST  the name or address clients and the browser use
#                       (default: the address of the IPv4 default route)
#   --cert FILE --key FILE  a real certificate (PEM; the full chain) and
#                       its key, copied to /etc/warp/tls
#   --ssh-port N        the port sshd listens on (default 22), kept open
#
# Exit status: 0 done (or nothing to change); 1 refused before changing
# anything (one line on stderr says why: not root, unsupported system, bad
# option or certificate); 2 a step failed (stderr says which).
set -u
umask 022
PROG=deploy.sh
HERE=$(cd "$(dirname "$0")" && pwd)

SBIN_WARPD=/usr/local/sbin/warpd
BIN_WARPCTL=/usr/local/bin/warpctl
STATE=/var/lib/warp
DB=$STATE/warp.db
BACKUPS=$STATE/backups
KEYDIR=/var/lib/warp-keys
KEY=$KEYDIR/master.key
ETC=/etc/warp
TLS=$ETC/tls
UNITDIR=/etc/systemd/system
UNITS="warp-firewall.service warp-apply.service warpd.service"
NGINX_CONF=/etc/nginx/conf.d/warp.conf
NGINX_DEFAULT=/etc/nginx/sites-enabled/default
OLD_NFT_FILE=/etc/nftables.d/warp-host.nft	# written by older releases
FW_CONF=$ETC/firewall.conf
SYSCTL_FILE=/etc/sysctl.d/60-warp.conf
MODULES_FILE=/etc/modules-load.d/warp.conf
OS_RELEASE=/etc/os-release
CONF=$HERE/conf/deploy
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

refuse() { echo "$PROG: $*" >&2; exit 1; }
failed() { echo "$PROG: $*" >&2; exit 2; }
usage() {
	sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
}

# ------------------------------------------------------------ options

opt_host= opt_cert= opt_key= opt_ssh=22 dry=0 uninstall=0 purge=0
while [ $# -gt 0 ]; do
	case $1 in
	--public-host|--cert|--key|--ssh-port)
		[ $# -ge 2 ] || refuse "$1 needs a value (see --help)"
		case $1 in
		--public-host) opt_host=$2 ;;
		--cert) opt_cert=$2 ;;
		--key) opt_key=$2 ;;
		--ssh-port) opt_ssh=$2 ;;
		esac
		shift 2 ;;
	--public-host=*) opt_host=${1#*=}; shift ;;
	--cert=*) opt_cert=${1#*=}; shift ;;
	--key=*) opt_key=${1#*=}; shift ;;
	--ssh-port=*) opt_ssh=${1#*=}; shift ;;
	--dry-run) dry=1; shift ;;
	--uninstall) uninstall=1; shift ;;
	--purge) purge=1; shift ;;
	-h|--help) usage ;;
	*) refuse "unknown option $1 (see --help)" ;;
	esac
done
[ $purge -eq 0 ] || [ $uninstall -eq 1 ] || refuse "--purge goes with --uninstall"
if [ $uninstall -eq 1 ] && [ -n "$opt_host$opt_cert$opt_key" ]; then
	refuse "--uninstall takes no --public-host, --cert or --key"
fi
case $opt_ssh in
''|*[!0-9]*) refuse "--ssh-port must be a port number, not '$opt_ssh'" ;;
esac
[ "$opt_ssh" -ge 1 ] && [ "$opt_ssh" -le 65535 ] ||
	refuse "--ssh-port must be 1-65535, not $opt_ssh"
case $opt_host in
*[!A-Za-z0-9.:-]*) refuse "--public-host '$opt_host' is not a host name or address" ;;
esac
if [ -n "$opt_cert$opt_key" ] && { [ -z "$opt_cert" ] || [ -z "$opt_key" ]; }; then
	refuse "--cert and --key go together"
fi

# ------------------------------------------------------------ preflight

[ "$(id -u)" -eq 0 ] || refuse "must run as root (sudo ./deploy.sh)"

os_check() {
	[ -r "$OS_RELEASE" ] || refuse "unsupported system: no $OS_RELEASE (Debian 12+ or Ubuntu 22.04+ needed)"
	os=$(. "$OS_RELEASE" 2>/dev/null; echo "${ID:-}:${VERSION_ID:-}:${PRETTY_NAME:-unknown}")
	id=${os%%:*} rest=${os#*:}
	ver=${rest%%:*} pretty=${rest#*:}
	major=${ver%%.*} minor=0
	case $ver in *.*) minor=${ver#*.}; minor=${minor%%.*} ;; esac
	case $major$minor in ''|*[!0-9]*) major=0 minor=0 ;; esac
	case $id in
	debian) [ "$major" -ge 12 ] && return ;;
	ubuntu) { [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 4 ]; }; } && return ;;
	esac
	refuse "unsupported system: $pretty (Debian 12+ or Ubuntu 22.04+ needed)"
}
os_check

cert_check() {	# both readable PEM files, the key belongs to the certificate
	for f in "$opt_cert" "$opt_key"; do
		[ -f "$f" ] && [ -r "$f" ] || refuse "cannot read $f (--cert/--key)"
	done
	command -v openssl >/dev/null 2>&1 || return 0	# checked after install
	openssl x509 -in "$opt_cert" -noout 2>/dev/null ||
		refuse "$opt_cert is not a PEM certificate (--cert)"
	openssl pkey -in "$opt_key" -noout 2>/dev/null ||
		refuse "$opt_key is not a PEM private key without a passphrase (--key)"
	a=$(openssl x509 -in "$opt_cert" -noout -pubkey 2>/dev/null | openssl sha256)
	b=$(openssl pkey -in "$opt_key" -pubout 2>/dev/null | openssl sha256)
	[ "$a" = "$b" ] || refuse "$opt_key is not the key of $opt_cert"
}
[ -z "$opt_cert" ] || cert_check

# ------------------------------------------------------------ steps

# Each step prints one line; in a dry run it is all that happens.
changes=0
step() {	# description
	changes=$((changes + 1))
	if [ $dry -eq 1 ]; then
		echo "$PROG: would $*"
	else
		echo "$PROG: $*"
	fi
}
doit() {	# command...: run unless dry; fail with the command named
	[ $dry -eq 1 ] && return 0
	"$@" || failed "step failed: $*"
}

same_file() {	# new old: same content
	[ -f "$2" ] && cmp -s "$1" "$2"
}

put_file() {	# src dest mode description: install when different
	if ! same_file "$1" "$2"; then
		step "$4 ($2)"
		doit mkdir -p "$(dirname "$2")"
		doit install -m "$3" "$1" "$2.warp-new"
		doit mv -f "$2.warp-new" "$2"
		return 0
	fi
	return 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/warp-deploy.XXXXXX") || failed "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
trap 'rm -rf "$WORK"; exit 2' INT TERM HUP

# ------------------------------------------------------------ uninstall

if [ $uninstall -eq 1 ]; then
	# The networks' kernel objects go with the appliance: apply an empty
	# copy of the desired state (the live database is left as it is).
	if [ -x "$BIN_WARPCTL" ] && [ -f "$DB" ] && { [ -f "$KEY" ] || [ -f "$DB.key" ]; }; then
		n=$("$BIN_WARPCTL" --db "$DB" list-networks --json 2>/dev/null |
			tr '{' '\n' | grep -c '"id"')
		if [ "${n:-0}" -gt 0 ]; then
			step "remove the kernel objects of $n network(s)"
			if [ $dry -eq 0 ]; then
				systemctl stop warpd.service 2>/dev/null
				"$BIN_WARPCTL" --db "$DB" backup "$WORK/empty.db" >/dev/null ||
					failed "cannot copy the database to empty it"
				for id in $("$BIN_WARPCTL" --db "$WORK/empty.db" list-networks --json |
					tr '{,' '\n\n' | sed -n 's/^"id":\([0-9]*\)$/\1/p'); do
					"$BIN_WARPCTL" --db "$WORK/empty.db" delete-network "$id" >/dev/null ||
						failed "cannot empty the copy of the database"
				done
				"$BIN_WARPCTL" --db "$WORK/empty.db" apply >/dev/null ||
					failed "warpctl apply of the empty copy failed"
			fi
		fi
	fi
	for u in warpd.service warp-apply.service warp-firewall.service; do
		if systemctl is-active -q "$u" 2>/dev/null ||
		   systemctl is-enabled -q "$u" 2>/dev/null; then
			step "stop and disable $u"
			doit systemctl disable --now -q "$u"
		fi
	done
	for f in "$UNITDIR/warpd.service" "$UNITDIR/warp-apply.service" \
	    "$UNITDIR/warp-firewall.service"; do
		[ -e "$f" ] || continue
		step "remove $f"
		doit rm -f "$f"
		reload=1
	done
	[ -z "${reload:-}" ] || doit systemctl daemon-reload
	if [ -e "$NGINX_CONF" ]; then
		step "remove $NGINX_CONF and reload nginx"
		doit rm -f "$NGINX_CONF"
		if [ -f "$ETC/nginx-default-disabled" ] && [ -f /etc/nginx/sites-available/default ]; then
			doit ln -sfn /etc/nginx/sites-available/default "$NGINX_DEFAULT"
		fi
		if [ $dry -eq 0 ] && systemctl is-active -q nginx 2>/dev/null; then
			systemctl reload nginx || failed "nginx reload failed"
		fi
	fi
	for f in "$OLD_NFT_FILE" "$SYSCTL_FILE" "$MODULES_FILE" "$SBIN_WARPD" "$BIN_WARPCTL"; do
		[ -e "$f" ] || continue
		step "remove $f"
		doit rm -f "$f"
	done
	if [ -e "$ETC" ]; then
		step "remove $ETC (certificate and key)"
		doit rm -rf "$ETC"
	fi
	if [ $purge -eq 1 ]; then
		if [ -e "$STATE" ]; then
			step "remove $STATE (database, backups)"
			doit rm -rf "$STATE"
		fi
		if [ -e "$KEYDIR" ]; then
			step "remove $KEYDIR (master key)"
			doit rm -rf "$KEYDIR"
		fi
		if id warp >/dev/null 2>&1; then
			step "remove the system user warp"
			doit userdel warp
		fi
	fi
	if [ $changes -eq 0 ]; then
		echo "$PROG: nothing to uninstall"
	elif [ $dry -eq 1 ]; then
		echo "$PROG: dry run: $changes step(s) would run; nothing was changed"
	else
		[ -d "$STATE" ] && echo "$PROG: kept $STATE (the database and its key; --purge removes it)"
		echo "$PROG: uninstalled"
	fi
	exit 0
fi

# ------------------------------------------------------------ install

# 1. packages: what the build and a deployment need
missing=
for p in $(sh "$HERE/install-deps.sh" --deploy --list); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	step "install packages:$missing (apt-get)"
	if [ $dry -eq 0 ]; then
		apt-get -q update >/dev/null || failed "apt-get update failed"
		# shellcheck disable=SC2086
		apt-get -q install -y --no-install-recommends $missing >/dev/null ||
			failed "apt-get install$missing failed"
	fi
fi
[ -z "$opt_cert" ] || [ $dry -eq 1 ] || cert_check

# 2. the programs: the checkout's build, made when it is not current
if ! make -s -q -C "$HERE" all >/dev/null 2>&1; then
	step "build warpd and warpctl (make in $HERE)"
	if [ $dry -eq 0 ]; then
		make -s -C "$HERE" all > "$WORK/make.log" 2>&1 || {
			tail -n 20 "$WORK/make.log" >&2
			failed "make failed (above)"
		}
	fi
fi

# 3. the system user and the directories
if ! id warp >/dev/null 2>&1; then
	step "create the system user warp"
	doit useradd --system --user-group --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin warp
fi
dir_state() { stat -c '%U:%G %a' "$1" 2>/dev/null; }
if [ "$(dir_state "$STATE")" != "root:warp 770" ] || [ -L "$STATE" ]; then
	step "make $STATE (root:warp 0770)"
	[ ! -L "$STATE" ] || doit rm -f "$STATE"
	doit mkdir -p "$STATE"
	doit chown root:warp "$STATE"
	doit chmod 0770 "$STATE"
fi
if [ "$(dir_state "$TLS")" != "root:root 700" ]; then
	step "make $TLS (root 0700)"
	doit mkdir -p "$TLS"
	doit chown root:root "$ETC" "$TLS"
	doit chmod 0755 "$ETC"
	doit chmod 0700 "$TLS"
fi

# 4. upgrade: a backup of the database and key before new programs touch it
upgrade=0
for pair in "build/warpd:$SBIN_WARPD" "build/warpctl:$BIN_WARPCTL"; do
	src=$HERE/${pair%%:*} dst=${pair#*:}
	[ -e "$dst" ] && ! cmp -s "$src" "$dst" && upgrade=1
done
if [ $upgrade -eq 1 ] && [ -f "$DB" ]; then
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	step "back up the database to $BACKUPS/warp-$stamp.db (and .key)"
	doit mkdir -p "$BACKUPS"
	doit chmod 0700 "$BACKUPS"
	doit "$BIN_WARPCTL" --db "$DB" backup "$BACKUPS/warp-$stamp.db" >/dev/null
fi
restart=0
put_file "$HERE/build/warpd" "$SBIN_WARPD" 0755 "install warpd" && restart=1
put_file "$HERE/build/warpctl" "$BIN_WARPCTL" 0755 "install warpctl" && restart=1

# 5. the database: created once (the password is shown only then)
password=
if [ ! -f "$DB" ]; then
	step "initialise $DB${opt_host:+ for $opt_host}"
	if [ $dry -eq 0 ]; then
		"$BIN_WARPCTL" --db "$DB" init ${opt_host:+--public-host "$opt_host"} \
			> "$WORK/init.out" 2> "$WORK/init.err" || {
			cat "$WORK/init.err" >&2
			failed "warpctl init failed${opt_host:+}; give --public-host HOST when the machine has no default route"
		}
		password=$(sed -n 's/^one-time password: \([^ ]*\).*/\1/p' "$WORK/init.out")
	fi
fi
host=
if [ $dry -eq 0 ] || [ -f "$DB" ]; then
	cfg=$(test ! -x "$BIN_WARPCTL" || "$BIN_WARPCTL" --db "$DB" config show --json 2>/dev/null)
	host=$(printf '%s' "$cfg" | sed -n 's/.*"public_host":"\([^"]*\)".*/\1/p')
	pool=$(printf '%s' "$cfg" | sed -n 's/.*"port_pool":"\([^"]*\)".*/\1/p')
fi
if [ -n "$opt_host" ] && [ -n "$host" ] && [ "$host" != "$opt_host" ]; then
	step "set the public host to $opt_host (was $host)"
	doit "$BIN_WARPCTL" --db "$DB" config set public-host "$opt_host" >/dev/null
	host=$opt_host
fi
[ -n "$host" ] || host=${opt_host:-HOST}
[ -n "${pool:-}" ] || pool=51820-51829
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -f "$f" ] || continue
	if [ "$(dir_state "$f")" != "root:warp 660" ]; then
		step "set $f to root:warp 0660"
		doit chown root:warp "$f"
		doit chmod 0660 "$f"
	fi
done
if [ -f "$DB.key" ] && [ ! -e "$KEY" ]; then
	# (warpctl moves it too, on its first open of the database)
	step "move the master key $DB.key to $KEY"
	doit mkdir -p "$KEYDIR"
	doit chmod 0700 "$KEYDIR"
	doit mv "$DB.key" "$KEY"
fi
if [ -d "$KEYDIR" ] && [ "$(dir_state "$KEYDIR")" != "root:root 700" ]; then
	step "set $KEYDIR to root:root 0700"
	doit chown root:root "$KEYDIR"
	doit chmod 0700 "$KEYDIR"
fi
if [ -f "$KEY" ] && [ "$(dir_state "$KEY")" != "root:root 600" ]; then
	step "set $KEY to root:root 0600"
	doit chown root:root "$KEY"
	doit chmod 0600 "$KEY"
fi

# 6. TLS: the given certificate, else one self-signed for the public host
reload_nginx=0
if [ -n "$opt_cert" ]; then
	put_file "$opt_cert" "$TLS/cert.pem" 0644 "install the certificate" && reload_nginx=1
	put_file "$opt_key" "$TLS/key.pem" 0600 "install the certificate's key" && reload_nginx=1
	if [ -e "$TLS/self-signed" ]; then
		step "forget the self-signed certificate"
		doit rm -f "$TLS/self-signed"
	fi
elif [ ! -f "$TLS/cert.pem" ] || [ ! -f "$TLS/key.pem" ] ||
     { [ -f "$TLS/self-signed" ] && [ "$(cat "$TLS/self-signed")" != "$host" ]; }; then
	step "make a self-signed certificate for $host ($TLS/cert.pem)"
	case $host in
	*[!0-9.]*:*|*:*) san=IP:$host ;;
	*[!0-9.]*) san=DNS:$host ;;
	*) san=IP:$host ;;
	esac
	doit openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 825 -subj "/CN=$host" -addext "subjectAltName=$san" \
		-keyout "$TLS/key.pem.warp-new" -out "$TLS/cert.pem.warp-new" 2>/dev/null
	doit chmod 0600 "$TLS/key.pem.warp-new"
	doit chmod 0644 "$TLS/cert.pem.warp-new"
	doit mv -f "$TLS/key.pem.warp-new" "$TLS/key.pem"
	doit mv -f "$TLS/cert.pem.warp-new" "$TLS/cert.pem"
	[ $dry -eq 1 ] || echo "$host" > "$TLS/self-signed"
	reload_nginx=1
fi

# 7. nginx
case $host in *:*) url_host="[$host]" ;; *) url_host=$host ;; esac
sed -e "s|@PUBLIC_HOST_URL@|$url_host|g" "$CONF/nginx-warp.conf.in" > "$WORK/nginx.conf"
# A kernel booted without IPv6 cannot bind [::]: nginx would not start.
[ -e /proc/net/if_inet6 ] || sed -i '/listen.*\[::\]/d' "$WORK/nginx.conf"
put_file "$WORK/nginx.conf" "$NGINX_CONF" 0644 "configure nginx" && reload_nginx=1
if [ -L "$NGINX_DEFAULT" ] || [ -f "$NGINX_DEFAULT" ]; then
	# Debian's default site also claims port 80 as default_server.
	step "disable nginx's default site ($NGINX_DEFAULT)"
	doit rm -f "$NGINX_DEFAULT"
	[ $dry -eq 1 ] || : > "$ETC/nginx-default-disabled"
	reload_nginx=1
fi
if [ $reload_nginx -eq 1 ] && [ $dry -eq 0 ]; then
	nginx -t -q 2> "$WORK/nginx.err" || {
		cat "$WORK/nginx.err" >&2
		rm -f "$NGINX_CONF"
		failed "nginx rejects the configuration (removed $NGINX_CONF again)"
	}
fi

# 8. kernel: forwarding at boot (warp-firewall.service turns it on now),
# modules, the base input policy's settings
put_file "$CONF/sysctl-warp.conf" "$SYSCTL_FILE" 0644 "persist IP forwarding"
put_file "$CONF/modules-warp.conf" "$MODULES_FILE" 0644 "load the kernel modules at boot"
mods=$(sed -e 's/#.*//' "$CONF/modules-warp.conf" | tr -s ' \n' ' ')
builtin=/lib/modules/$(uname -r)/modules.builtin
for m in $mods; do
	[ -d "/sys/module/$m" ] && continue
	grep -q "/$m\.ko\$" "$builtin" 2>/dev/null && continue
	step "load the kernel modules ($mods)"
	# shellcheck disable=SC2086
	[ $dry -eq 1 ] || modprobe -a $mods 2>/dev/null ||
		echo "$PROG: warning: not every module loaded ($mods): networks this kernel cannot build will fail with a message" >&2
	break
done
# warpctl host-firewall reads the pool from the database itself; it is
# named here so that a changed pool makes this file, and so the
# firewall, change.
{
	echo "# WARP gateway: settings of warp-firewall.service (deploy.sh writes this)"
	echo "# WireGuard port pool at the last deploy.sh: $pool (read from the database)"
	echo "WARP_SSH_PORT=$opt_ssh"
} > "$WORK/firewall.conf"
restart_fw=0
if put_file "$WORK/firewall.conf" "$FW_CONF" 0644 "set the base input policy (SSH $opt_ssh, 80, 443, UDP $pool)"; then
	restart_fw=1
fi
if [ -e "$OLD_NFT_FILE" ]; then
	step "remove $OLD_NFT_FILE (an older release's; warpctl builds the policy now)"
	doit rm -f "$OLD_NFT_FILE"
fi

# 9. systemd
reload=0
for u in $UNITS; do
	if put_file "$CONF/$u" "$UNITDIR/$u" 0644 "install $u"; then
		reload=1 restart=1
		[ "$u" = warp-firewall.service ] && restart_fw=1
	fi
done
[ $reload -eq 0 ] || doit systemctl daemon-reload
for u in nginx.service $UNITS; do
	systemctl is-enabled -q "$u" 2>/dev/null && continue
	step "enable $u"
	doit systemctl enable -q "$u"
done

# 10. (re)start what changed or is not running
if [ $restart_fw -eq 1 ] || ! systemctl is-active -q warp-firewall.service; then
	step "start warp-firewall.service (the input policy)"
	doit systemctl restart warp-firewall.service
fi
if [ $restart -eq 1 ] || ! systemctl is-active -q warp-apply.service ||
   ! systemctl is-active -q warpd.service; then
	step "start warp-apply.service and warpd.service"
	# warp-apply exits 2 when a network failed; warpd still starts
	# and shows why.
	[ $dry -eq 1 ] || systemctl restart warp-apply.service ||
		echo "$PROG: warning: warp-apply.service failed (journalctl -u warp-apply): a network did not apply" >&2
	doit systemctl restart warpd.service
fi
if ! systemctl is-active -q nginx.service; then
	step "start nginx"
	doit systemctl restart nginx.service
elif [ $reload_nginx -eq 1 ]; then
	step "reload nginx"
	doit systemctl reload nginx.service
fi

# 11. it answers through nginx
if [ $dry -eq 0 ] && [ $changes -gt 0 ]; then
	i=0
	until curl -fsk -o /dev/null --max-time 5 https://127.0.0.1/healthz; do
		i=$((i + 1))
		[ $i -lt 60 ] || failed "warpd does not answer through nginx (https://127.0.0.1/healthz); see journalctl -u warpd -u nginx"
		sleep 1
	done
fi

# ------------------------------------------------------------ report

if [ $dry -eq 1 ]; then
	if [ $changes -eq 0 ]; then
		echo "$PROG: dry run: nothing to change"
	else
		echo "$PROG: dry run: $changes step(s) would run; nothing was changed"
	fi
	exit 0
fi
if [ $changes -eq 0 ]; then
	echo "$PROG: nothing to change: WARP gateway is installed and up to date"
else
	echo "$PROG: done ($changes step(s))"
fi
echo "web admin: https://$url_host/"
if [ -f "$TLS/self-signed" ]; then
	fp=$(openssl x509 -in "$TLS/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
	echo "certificate: self-signed for $host, SHA-256 $fp (put a real one in place with --cert/--key)"
fi
if [ -n "$password" ]; then
	echo "user: admin"
	echo "one-time password: $password (a new one must be chosen at the first sign-in; it is not stored)"
fi
exit 0
