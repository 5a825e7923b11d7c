#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One input relayed out of fifty interfaces, beyond the 32 VIFs the kernel's
# multicast routing allows: one mcrsink listens on all fifty sink-side
# interfaces and each listener gets every packet exactly once at a moderate
# rate (COUNT x N packets leave the relay).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=50
COUNT=2000
RATE=2000
GROUP=239.1.1.1:5000

fanout_scenario
pass
