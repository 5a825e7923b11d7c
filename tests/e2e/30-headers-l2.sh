#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Headers like a router on egress l2 (frames from templates): TOS (DSCP and
# ECN) and DF leave as they came, the TTL is decremented (and a packet that
# arrives with TTL 1 is dropped and counted), kept, or set, and the source is
# the relay's, the sender's or a given address; checked with tcpdump on the
# sink side, and by sockets that accept only correct UDP checksums.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=hdrlib.sh
. "$(dirname "$0")/hdrlib.sh"

headers_scenario l2 none
pass
