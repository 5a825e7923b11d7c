#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Headers like a router on egress udp (UDP sockets): TOS (DSCP and ECN), TTL
# and a kept source go with each send as ancillary data (IP_TOS, IP_TTL,
# IP_PKTINFO, the latter two sources through IP_TRANSPARENT).  DF is a
# socket setting: the kernel sets it on every datagram that fits the MTU,
# so stream 2, sent without DF, leaves with it (mcrd.conf(5) says so).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=hdrlib.sh
. "$(dirname "$0")/hdrlib.sh"

headers_scenario udp DF
pass
