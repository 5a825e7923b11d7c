#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One table of settings behind the file and the command line: a value is
# taken or refused alike in both, and refused with the same words after the
# setting's name ("--stats-interval 1" was taken on the command line and
# refused in a file).  --help lists every setting with its limits.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
require_bins mcrd

step "Creating world"
topo_ns relay
RULE="lo,239.1.1.1:5000 -> lo,239.2.2.2"

# agree OPTION KEY VALUE JSON-VALUE: the command line and the file give the
# same exit status and, on a refusal, the same message after the name.
agree()
{
	run_mcrd relay --check-config -r "$RULE" "--$1" "$3"
	_cli_rc=$MCRD_RC
	_cli=$(sed -n "s/^mcrd: --$1: //p" "$MCRD_ERR")
	printf '{"%s": %s}\n' "$2" "$4" >"$TMPD/s.json"
	run_mcrd relay --check-config -r "$RULE" -c "$TMPD/s.json"
	_file=$(sed -n "s/^mcrd: .*s.json: $2: //p" "$MCRD_ERR")
	expect "$MCRD_RC" -eq "$_cli_rc" "--$1 $3 and \"$2\": $4 exit alike"
	expect_str "$_file" "$_cli" "--$1 $3 and \"$2\": $4 messages"
}

step "The same value, from the command line and from the file"
agree stats-interval stats_interval_ms 1 1
expect "$MCRD_RC" -eq 2 "stats interval 1 refused"
expect_str "$_cli" "1 is neither 0 (off) nor between 100 and 3600000" "its message"
agree stats-interval stats_interval_ms 0 0
expect "$MCRD_RC" -eq 0 "stats interval 0 taken"
agree workers workers 0 0
expect "$MCRD_RC" -eq 0 "workers 0 (one per CPU) taken"
agree workers workers 257 257
agree queue-depth queue_depth 1000 1000
agree send-batch send_batch 2048 2048
agree coalesce-us coalesce_us 10001 10001
agree sndbuf so_sndbuf 100 100
agree buffers buffers 100 100
agree egress egress l3 '"l3"'
agree ingress ingress mmap '"mmap"'
agree queue-depth queue_depth abc '"abc"'

step "--help lists every setting"
"$MCRD" --help >"$TMPD/help.txt" || fail "mcrd --help failed"
for o in queue-depth send-batch coalesce-us sndbuf stats-interval buffers egress ingress \
	workers no-igmp-join; do
	expect_grep "$TMPD/help.txt" "--$o" "--help"
done
expect_grep "$TMPD/help.txt" "[0 = off, or 100..3600000; default 0]" "--help shows limits"

pass
