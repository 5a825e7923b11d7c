#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Raise the kernel limits that cap mcr's throughput.  mcrd asks for 4 MB
# socket send buffers; without CAP_NET_ADMIN the kernel silently clamps them
# to net.core.wmem_max (about 208 KB by default), which fills in well under
# a millisecond at line rate and turns into send stalls and buffer exhaustion.
#
# Changes this host's sysctls: run it on purpose, as root.  Idempotent: a
# value that is already high enough is left alone (never lowered).
#
#   scripts/setup_kernel_tuning.sh [--dry-run] [--persist]
#
#   --dry-run  show what would change, change nothing
#   --persist  also write /etc/sysctl.d/60-mcr.conf so it survives a reboot
set -eu

DRY_RUN=0
PERSIST=0
CONF=/etc/sysctl.d/60-mcr.conf

usage() {
	sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
	case "$arg" in
	--dry-run) DRY_RUN=1 ;;
	--persist) PERSIST=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "setup_kernel_tuning: unknown option '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

# name  minimum  why
SETTINGS="
net.core.wmem_max 8388608 egress SO_SNDBUF of 4 MB (the kernel doubles the request)
net.core.rmem_max 16777216 ingress AF_PACKET receive buffer of 8 MB
net.core.wmem_default 1048576 sockets that do not ask (mcrgen, other senders)
net.core.netdev_max_backlog 16384 per-CPU receive backlog, bursts from veth and fast NICs
net.ipv4.igmp_max_memberships 4096 one join per input group
net.core.optmem_max 81920 BPF filters and multicast memberships per socket
"

if [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
	echo "setup_kernel_tuning: must run as root (or use --dry-run)" >&2
	exit 1
fi

printf '%-32s %12s %12s  %s\n' SETTING BEFORE AFTER WHY
echo "$SETTINGS" | while read -r name want why; do
	[ -n "$name" ] || continue
	path="/proc/sys/$(echo "$name" | tr . /)"
	if [ ! -r "$path" ]; then
		printf '%-32s %12s %12s  %s\n' "$name" "-" "-" "not on this kernel, skipped"
		continue
	fi
	have=$(cat "$path")
	after=$have
	if [ "$have" -lt "$want" ]; then
		after=$want
		if [ "$DRY_RUN" -eq 0 ]; then
			echo "$want" >"$path"
		fi
	fi
	printf '%-32s %12s %12s  %s\n' "$name" "$have" "$after" "$why"
done

if [ "$PERSIST" -eq 1 ]; then
	if [ "$DRY_RUN" -eq 1 ]; then
		echo "would write $CONF"
	else
		echo "# Written by mcr's scripts/setup_kernel_tuning.sh" >"$CONF"
		echo "$SETTINGS" | while read -r name want why; do
			[ -n "$name" ] || continue
			echo "# $why" >>"$CONF"
			echo "$name = $want" >>"$CONF"
		done
		echo "wrote $CONF"
	fi
fi
if [ "$DRY_RUN" -eq 1 ]; then echo "dry run: nothing was changed"; fi
exit 0
