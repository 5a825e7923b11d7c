#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Bad configurations are refused with exit status 2 and a message naming
# the field and the value, both by --check-config and by a normal start; a
# good file passes --check-config.  Covered: unknown field, bad group,
# missing interface, duplicate rule (same input; same name), invalid JSON,
# bad --rule shorthand.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
require_bins mcrd

# write_conf NAME INPUT_FIELDS [EXTRA_TOP_LEVEL]: a one-rule file, $TMPD/NAME.json.
write_conf()
{
	cat >"$TMPD/$1.json" <<JSON
{
	$3
	"rules": [
		{
			"name": "r1",
			"input": { $2 },
			"outputs": [ { "interface": "$OUT", "group": "239.2.2.2", "port": 6000 } ]
		}
	]
}
JSON
}

# reject DESCRIPTION SUBSTRING ARGS...: mcrd ARGS must exit 2, saying SUBSTRING,
# both with --check-config and when started for real.
reject()
{
	_desc=$1
	_want=$2
	shift 2
	run_mcrd relay --check-config "$@"
	expect "$MCRD_RC" -eq 2 "$_desc: --check-config exit status"
	expect_grep "$MCRD_ERR" "$_want" "$_desc: stderr"
	info "     $(head -n 1 "$MCRD_ERR")"
	run_mcrd relay "$@"
	expect "$MCRD_RC" -eq 2 "$_desc: start exit status"
	expect_grep "$MCRD_ERR" "$_want" "$_desc: stderr"
}

step "Creating world"
topo_standard 1
IN=$RELAY_IN
OUT=$(topo_out 1)
GOOD_INPUT="\"interface\": \"$IN\", \"group\": \"239.1.1.1\", \"port\": 5000"

step "A good file passes"
write_conf good "$GOOD_INPUT"
run_mcrd relay --check-config -c "$TMPD/good.json"
expect "$MCRD_RC" -eq 0 "good file: --check-config exit status"
run_mcrd relay --check-config -r "$IN,239.1.1.1:5000 -> $OUT,239.2.2.2:6000,ttl=4; $OUT"
expect "$MCRD_RC" -eq 0 "good --rule: --check-config exit status"

step "Unknown field"
write_conf unknown "$GOOD_INPUT, \"colour\": \"red\""
reject "unknown input field" 'unknown field "colour"' -c "$TMPD/unknown.json"
write_conf unknown-top "$GOOD_INPUT" '"queue_dept": 1024,'
reject "unknown top-level field" 'unknown field "queue_dept"' -c "$TMPD/unknown-top.json"

step "Bad group"
write_conf badgroup "\"interface\": \"$IN\", \"group\": \"239.1.1.300\", \"port\": 5000"
reject "bad group" 'input.group: "239.1.1.300"' -c "$TMPD/badgroup.json"

step "Interface names"
write_conf badif "\"interface\": \"a/b\", \"group\": \"239.1.1.1\", \"port\": 5000"
reject "bad interface name" 'input.interface: "a/b" is not an interface name' -c "$TMPD/badif.json"
# An interface that does not exist (yet) is no error: the rule waits for it.
write_conf noif "\"interface\": \"nosuchif0\", \"group\": \"239.1.1.1\", \"port\": 5000"
run_mcrd relay --check-config -c "$TMPD/noif.json"
expect "$MCRD_RC" -eq 0 "missing interface: --check-config exit status"
expect_grep "$MCRD_OUT" 'rule "r1" waits for interface nosuchif0' "missing interface: --check-config"

step "Duplicate rules"
cat >"$TMPD/dup.json" <<JSON
{ "rules": [
	{ "name": "a", "input": { $GOOD_INPUT }, "outputs": [ { "interface": "$OUT" } ] },
	{ "name": "b", "input": { $GOOD_INPUT }, "outputs": [ { "interface": "$OUT" } ] }
] }
JSON
reject "duplicate input" 'rules[1].input' -c "$TMPD/dup.json"
cat >"$TMPD/dupname.json" <<JSON
{ "rules": [
	{ "name": "a", "input": { $GOOD_INPUT }, "outputs": [ { "interface": "$OUT" } ] },
	{ "name": "a", "input": { "interface": "$IN", "group": "239.1.1.9" },
	  "outputs": [ { "interface": "$OUT" } ] }
] }
JSON
reject "duplicate name" 'rules[1].name: "a"' -c "$TMPD/dupname.json"
reject "duplicate --rule" 'rules[1].input' \
	-r "$IN,239.1.1.1:5000 -> $OUT" -r "$IN,239.1.1.1:5000 -> $OUT"

step "Invalid JSON"
printf '{ "rules": [ { "name": "r1", \n' >"$TMPD/broken.json"
reject "invalid JSON" 'line 2' -c "$TMPD/broken.json"
expect_grep "$MCRD_ERR" "broken.json" "invalid JSON: the file is named"

step "Bad --rule shorthand"
reject "shorthand without ->" 'missing "->"' -r "$IN,239.1.1.1:5000 $OUT"
reject "shorthand with a bad group" '"239.1.1.256"' -r "$IN,239.1.1.256:5000 -> $OUT"
reject "shorthand with a bad ttl" '"300" is not a TTL' -r "$IN,239.1.1.1:5000 -> $OUT,ttl=300"

pass
