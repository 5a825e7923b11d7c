#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Install the Debian packages that only the benchmark needs, and only those
# that are missing: smcroute (the kernel-forwarding comparison), socat (the
# naive userspace comparison), gnuplot-nox (the chart), jq (all the
# arithmetic on JSON), util-linux (taskset, flock) and procps (sysctl).
# The build and test packages are scripts/deps.sh's business.
#
# Debian's smcroute package ships a service that, started on the host, would
# make every host interface a multicast VIF.  The benchmark never wants that
# (it runs its own smcrouted inside its relay namespace), so the install runs
# under a policy-rc.d that forbids starting services, and the unit is left
# disabled where systemd runs.
set -eu
PKGS="smcroute socat gnuplot-nox jq util-linux procps iproute2 coreutils"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench deps: missing Debian packages:$missing" >&2
	echo "bench deps: run 'sudo apt-get install$missing'" >&2
	exit 1
fi
echo "bench deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from mcr bench/deps.sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	own_policy=1
	trap 'rm -f "$policy"' EXIT
	trap 'exit 1' INT TERM HUP
fi
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ "$own_policy" = 1 ]; then
	rm -f "$policy"
	trap - EXIT
fi
case " $missing " in
*" smcroute "*)
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now smcroute.service >/dev/null 2>&1 || true
	fi
	;;
esac
