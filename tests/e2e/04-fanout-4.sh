#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One input relayed out of four interfaces: one mcrsink listens on all four
# sink-side interfaces and each listener gets every packet exactly once.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=4
COUNT=4000
RATE=10000
GROUP=239.1.1.1:5000

fanout_scenario
pass
