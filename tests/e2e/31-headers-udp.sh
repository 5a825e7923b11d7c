#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Headers like a router on egress udp (UDP sockets): TOS (DSCP and ECN), TTL
# and a kept source go with each send as ancillary data (IP_TOS, IP_TTL,
# IP_PKTINFO; other hosts' sources through IP_TRANSPARENT).  DF is a socket
# setting, so packets that came without it leave through a second socket
# per interface that never sets it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=hdrlib.sh
. "$(dirname "$0")/hdrlib.sh"

headers_scenario udp none
pass
