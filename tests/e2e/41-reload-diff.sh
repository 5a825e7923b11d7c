#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A reload makes the running rules what the file (and --rule) says, and
# names every rule it added, changed and removed, in its reply and in the
# log: rules added with mcrctl and not in the file are removed, by name,
# never silently.  A rule the reload leaves alone keeps relaying without
# loss through it.  SIGHUP logs the same.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=3000
RATE=5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world"
topo_standard 2
O1=$(topo_out 1)
O2=$(topo_out 2)
CONF=$TMPD/mcrd.json
# rule NAME GROUP OUTPUT-JSON
rule() { printf '{"name": "%s", "input": {"interface": "%s", "group": "%s", "port": 5000}, "outputs": [%s]}' \
	"$1" "$RELAY_IN" "$2" "$3"; }
# write_conf RULES [SETTINGS]
write_conf() { printf '{%s"rules": [%s]}\n' "${2:-}" "$1" >"$CONF"; }

write_conf "$(rule A 239.1.1.1 "{\"interface\": \"$O1\"}"),
	$(rule B 239.1.1.2 "{\"interface\": \"$O1\"}"),
	$(rule C 239.1.1.3 "{\"interface\": \"$O1\"}")"

step "Starting relay with rules A, B, C from the file; D added with mcrctl"
start_mcrd relay --workers 2 -c "$CONF"
ctl add --name D --input-interface "$RELAY_IN" --input-group 239.1.1.4 --input-port 5000 \
	--output "$O2" >/dev/null || fail "mcrctl add failed"
expect "$(ctl --json list | jq '.rules | length')" -eq 4 "rules before the reload"

step "Reloading a file that keeps A, changes B, drops C and adds E, while A streams"
write_conf "$(rule A 239.1.1.1 "{\"interface\": \"$O1\"}"),
	$(rule B 239.1.1.2 "{\"interface\": \"$O1\", \"port\": 6000}"),
	$(rule E 239.1.1.5 "{\"interface\": \"$O2\"}")"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
sleep 0.2
ctl --json reload >"$TMPD/reload.json" || fail "mcrctl reload failed"
wait_gen
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
R=$TMPD/reload.json
expect_json_str "$R" '.added | join(",")' E "added"
expect_json_str "$R" '.changed | join(",")' B "changed"
expect_json_str "$R" '.removed | sort | join(",")' C,D "removed (D came from mcrctl)"
expect_json "$R" .unchanged -eq 1 "unchanged"
expect_json "$R" .rules -eq 3 "rules in force"
expect_str "$(ctl --json list | jq -r '[.rules[].name] | sort | join(",")')" A,B,E "rules listed"
expect_grep "$MCRD_ERR" 'reload: rule "E" added' "log names the added rule"
expect_grep "$MCRD_ERR" 'reload: rule "B" changed' "log names the changed rule"
expect_grep "$MCRD_ERR" 'reload: rule "C" removed' "log names the removed file rule"
expect_grep "$MCRD_ERR" 'reload: rule "D" removed' "log names the removed mcrctl rule"

step "mcrctl reload prints the lists"
write_conf "$(rule A 239.1.1.1 "{\"interface\": \"$O1\"}"),
	$(rule B 239.1.1.2 "{\"interface\": \"$O1\", \"port\": 6000}")" '"igmp_join": false, '
ctl reload >"$TMPD/reload.txt" || fail "mcrctl reload failed"
expect_grep "$TMPD/reload.txt" "mcrd reloaded its configuration: 2 rules" "mcrctl reload"
expect_grep "$TMPD/reload.txt" "removed: E" "mcrctl reload"
expect_grep "$TMPD/reload.txt" "unchanged: 2" "mcrctl reload"
expect_grep "$TMPD/reload.txt" "settings: igmp_join" "mcrctl reload"
expect_grep "$MCRD_ERR" "reload: setting igmp_join changed" "log names the setting"

step "SIGHUP logs the same"
write_conf "$(rule A 239.1.1.1 "{\"interface\": \"$O1\"}"),
	$(rule F 239.1.1.6 "{\"interface\": \"$O2\"}")"
kill -HUP "$MCRD_PID"
i=0
while [ $i -lt 50 ] && ! grep -qF '(1 added, 0 changed, 1 removed, 1 unchanged)' "$MCRD_ERR"; do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "$MCRD_ERR" 'reload: rule "F" added' "SIGHUP: added"
expect_grep "$MCRD_ERR" 'reload: rule "B" removed' "SIGHUP: removed B"
expect_grep "$MCRD_ERR" '(1 added, 0 changed, 1 removed, 1 unchanged)' "SIGHUP: counts"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "A") | .packets_in' -eq $COUNT "A packets in"

pass
