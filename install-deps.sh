#!/bin/sh
# Install the Debian packages WARP gateway needs to build and run, with
# --deploy also what a deployment runs (nginx, openssl, nft for deploy.sh),
# and with --test also what the test suite needs (everything deploy.sh
# needs at run time too: the deploy suite runs it in a VM with no network).
# --list prints the packages of the mode instead.  Idempotent; run as root.
#
#   install-deps.sh [--deploy|--test] [--list]
set -eu

RUNTIME="make gcc libc6-dev pkg-config kore libsqlite3-dev libnl-3-dev
libnl-route-3-dev libmnl-dev libnftnl-dev libqrencode-dev libsodium-dev
libpng-dev sqlite3 ca-certificates"
TEST="clang libclang-rt-14-dev chromium nodejs npm wrk wireguard-tools zbar-tools iproute2 nftables iputils-ping
qemu-system-x86 busybox-static kmod cpio procps curl python3 faketime iperf3 prometheus
systemd systemd-sysv dbus e2fsprogs util-linux"
DEPLOY="nginx openssl nftables curl"

want="$RUNTIME" list=
for a in "$@"; do
	case $a in
	--deploy) want="$RUNTIME $DEPLOY" ;;
	--test) want="$RUNTIME $DEPLOY $TEST" ;;
	--list) list=1 ;;
	*) echo "install-deps: unknown option $a (--deploy, --test, --list)" >&2
	   exit 2 ;;
	esac
done
if [ -n "$list" ]; then
	echo $want
	exit 0
fi

missing=""
for p in $want; do
	# A node/npm that is already there (e.g. from another repository)
	# serves; Debian's npm package would conflict with it.
	case $p in
	nodejs) command -v node > /dev/null && continue ;;
	npm) command -v npm > /dev/null && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# --no-install-recommends: wireguard-tools would otherwise pull in a kernel.
apt-get install -y -q --no-install-recommends $missing >/dev/null
