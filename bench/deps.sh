#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Debian packages only the benchmark needs, installed when missing:
# smcroute (the kernel-forwarding comparison), socat (the naive userspace
# comparison), gnuplot-nox (the chart), jq (all the arithmetic on JSON),
# util-linux (taskset, flock) and procps (sysctl).
#
# Debian's smcroute package ships a service that, started on the host, would
# make every host interface a multicast VIF.  The benchmark never wants that
# (it runs its own smcrouted inside its relay namespace): scripts/deps.sh
# installs with services forbidden, and the unit is left disabled.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh smcroute socat gnuplot-nox jq util-linux procps iproute2 coreutils
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 &&
	systemctl is-enabled smcroute.service >/dev/null 2>&1; then
	systemctl disable --now smcroute.service >/dev/null 2>&1 || true
fi
