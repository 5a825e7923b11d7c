#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Install Debian packages, but only those that are missing, so that this is
# a no-op on a prepared machine.  Without arguments: what mcr needs to build
# and test.  With arguments: those packages (bench/deps.sh uses this).
#
# Installs run under a policy-rc.d that forbids starting services: a
# package's daemon (smcroute's, for one) must never start on the host.
set -eu
PKGS="build-essential pkg-config liburing-dev libjansson-dev libcmocka-dev uthash-dev libcap-dev libmnl-dev
libsystemd-dev libmicrohttpd-dev iproute2 jq procps kmod socat valgrind tcpdump util-linux
curl prometheus ethtool clang libclang-rt-dev llvm libbpf-dev libxdp-dev"
[ $# -eq 0 ] || PKGS="$*"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run 'sudo make deps' or 'sudo apt-get install$missing'" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from mcr scripts/deps.sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
	trap 'exit 1' INT TERM HUP
fi
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $missing >/dev/null
