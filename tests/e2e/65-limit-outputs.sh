#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Limits, outputs per rule (mcrd(8) LIMITS): a rule with 4096 outputs passes
# --check-config and one with 4097 does not; mcrctl add of the 4097-output
# rule (a request of about 180 KB, refused as too large when requests were
# limited to 64 KiB) is refused with a message naming the count and the
# limit; mcrctl add of the 4096-output rule is taken and relays to its first
# and last output; the rules in force go on relaying untouched.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LIMIT=4096
COUNT=500

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# big_rule N: a rule "big" from 239.3.0.1:6000 to N groups 239.4.x.y on output 1.
big_rule()
{
	jq -nc --arg in "$RELAY_IN" --arg out "$(topo_out 1)" --argjson n "$1" '{name: "big",
		input: {interface: $in, group: "239.3.0.1", port: 6000},
		outputs: [range(0; $n) | {interface: $out,
			group: "239.4.\((. / 250) | floor).\((. % 250) + 1)"}]}'
}

# add_rule FILE: mcrctl add of rule big with the outputs in FILE, one --output
# each (the rule is too long for one argument of --json).
add_rule()
{
	# shellcheck disable=SC2046 # one word per flag and value, none with blanks
	set -- $(jq -r '.outputs[] | "--output", "\(.interface),\(.group)"' "$1")
	ctl add --name big --input-interface "$RELAY_IN" --input-group 239.3.0.1 --input-port 6000 "$@"
}

step "Creating world"
topo_standard 1
big_rule $LIMIT >"$TMPD/limit.rule"

big_rule $((LIMIT + 1)) >"$TMPD/over.rule"
info "a rule of $((LIMIT + 1)) outputs is $(wc -c <"$TMPD/over.rule") bytes"
LAST=$(jq -r '.outputs[-1].group' "$TMPD/limit.rule")

step "--check-config takes $LIMIT outputs"
jq -n --slurpfile r "$TMPD/limit.rule" '{rules: $r}' >"$TMPD/limit-conf.rule"
run_mcrd relay --check-config -c "$TMPD/limit-conf.rule"
expect "$MCRD_RC" -eq 0 "--check-config exit status with $LIMIT outputs"

step "Starting relay with rule A"
start_mcrd relay --workers 1 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
RELAY_N=$MCRD_N

step "mcrctl add of a rule with $((LIMIT + 1)) outputs is refused, naming the limit"
add_rule "$TMPD/over.rule" >/dev/null 2>"$TMPD/add-over.err"
expect $? -eq 1 "mcrctl add exit status"
expect_grep "$TMPD/add-over.err" "$((LIMIT + 1)) outputs, at most $LIMIT" "mcrctl add names the limit"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules after the refused add"

step "mcrctl add of a rule with $LIMIT outputs"
add_rule "$TMPD/limit.rule" >/dev/null 2>"$TMPD/add-some.err" ||
	fail "mcrctl add of $LIMIT outputs failed: $(cat "$TMPD/add-some.err")"
expect "$(ctl --json list | jq '.rules[] | select(.name == "big") | .outputs | length')" -eq $LIMIT \
	"outputs of rule big"

step "It relays to its first and last output"
start_sink sink -j "$(topo_sinkif 1),239.4.0.1:6000" -j "$(topo_sinkif 1),$LAST:6000" \
	--count 10 -d 20 --idle-exit 3
# Each packet becomes 4096 frames: a few, slowly.
run_gen src -i "$SRC_IF" -g 239.3.0.1:6000 -r 10 -c 5
wait_sink
expect_json "$SINK_JSON" '.listeners[0].unique' -eq 5 "first output's packets"
expect_json "$SINK_JSON" '.listeners[1].unique' -eq 5 "last output's packets"

step "--check-config refuses $((LIMIT + 1)) outputs"
ctl remove big >/dev/null || fail "mcrctl remove big failed"
jq -n --slurpfile r "$TMPD/over.rule" '{rules: $r}' >"$TMPD/over-conf.rule"
run_mcrd relay --check-config -c "$TMPD/over-conf.rule"
expect "$MCRD_RC" -eq 2 "--check-config exit status"
expect_grep "$MCRD_ERR" "$((LIMIT + 1)) outputs, at most $LIMIT" "--check-config names the limit"

step "Rule A is untouched"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r 2000 -c $COUNT
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
# run_mcrd took the names; stop_mcrd reads the relay's.
MCRD_N=$RELAY_N
MCRD_ERR=$TMPD/mcrd$RELAY_N.err
MCRD_OUT=$TMPD/mcrd$RELAY_N.out
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

pass
