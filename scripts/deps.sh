#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages mcr needs to build and test, but only those
# that are missing, so that this is a no-op on a prepared machine.
set -eu
PKGS="build-essential pkg-config liburing-dev libjansson-dev libcmocka-dev uthash-dev libcap-dev
iproute2 jq procps kmod socat"
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
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
