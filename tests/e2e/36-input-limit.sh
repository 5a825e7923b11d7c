#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Bug 3: the ingress filter takes at most 1,000 input groups per interface.
# A configuration of 1,000 groups on one interface checks OK and starts; a
# 1,001st group is refused, with a message naming the interface and the
# limit, by mcrctl add, by a SIGHUP reload, by --check-config and at start,
# and the rules in force stay as they were.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LIMIT=1000

e2e_init
require_bins mcrd mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# write_conf FILE N: N rules, each one group on the input, all to one output.
write_conf()
{
	jq -n --arg in "$RELAY_IN" --arg out "$(topo_out 1)" --argjson n "$2" '{rules: [range(0; $n) |
		{name: "g\(.)", input: {interface: $in,
			group: "239.20.\((. / 250) | floor).\((. % 250) + 1)", port: 5000},
		 outputs: [{interface: $out}]}]}' >"$1" || fail "cannot write $1"
}

step "Creating world"
topo_standard 1
write_conf "$TMPD/full.json" $LIMIT
write_conf "$TMPD/over.json" $((LIMIT + 1))

step "--check-config: $LIMIT groups are fine, $((LIMIT + 1)) are not"
run_mcrd relay --check-config -c "$TMPD/full.json"
expect "$MCRD_RC" -eq 0 "--check-config status with $LIMIT groups"
run_mcrd relay --check-config -c "$TMPD/over.json"
expect "$MCRD_RC" -eq 2 "--check-config status with $((LIMIT + 1)) groups"
expect_grep "$MCRD_ERR" "$RELAY_IN" "--check-config names the interface"
expect_grep "$MCRD_ERR" "$LIMIT distinct input groups" "--check-config names the limit"

step "A cold start with $((LIMIT + 1)) groups is refused before any worker starts"
run_mcrd relay --workers 1 --stats-interval 0 -c "$TMPD/over.json"
expect "$MCRD_RC" -eq 2 "mcrd exit status with $((LIMIT + 1)) groups"
expect_grep "$MCRD_ERR" "$LIMIT distinct input groups" "the start's error names the limit"

step "A cold start with $LIMIT groups works"
cp "$TMPD/full.json" "$TMPD/mcrd.json"
start_mcrd relay --workers 1 --stats-interval 0 -c "$TMPD/mcrd.json"
expect "$(ctl --json list | jq '.rules | length')" -eq $LIMIT "rules in force"

step "mcrctl add of group $((LIMIT + 1)) is refused"
ctl add --name extra --input-interface "$RELAY_IN" --input-group 239.21.0.1 \
	--input-port 5000 --output "$(topo_out 1)" >/dev/null 2>"$TMPD/add.err"
expect $? -ne 0 "mcrctl add exit status"
expect_grep "$TMPD/add.err" "$RELAY_IN" "the add's error names the interface"
expect_grep "$TMPD/add.err" "$LIMIT distinct input groups" "the add's error names the limit"
expect "$(ctl --json list | jq '.rules | length')" -eq $LIMIT "rules after the refused add"

step "A SIGHUP reload to $((LIMIT + 1)) groups is refused"
cp "$TMPD/over.json" "$TMPD/mcrd.json"
kill -HUP "$MCRD_PID"
i=0
while [ $i -lt 50 ] && ! grep -q "reload:" "$MCRD_ERR"; do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "$MCRD_ERR" "keeping the running rules" "the reload's log"
expect "$(ctl --json list | jq '.rules | length')" -eq $LIMIT "rules after the refused reload"
ctl reload >/dev/null 2>"$TMPD/reload.err"
expect $? -ne 0 "mcrctl reload exit status"
expect_grep "$TMPD/reload.err" "$LIMIT distinct input groups" "the reload's error names the limit"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

pass
