#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mcrd as a service starts with nothing configured and takes its rules from
# mcrctl.  Without --config and --rule it reads the default file
# /etc/mcr/mcrd.json; when that does not exist (here it is hidden behind an
# empty directory in a mount namespace of mcrd's own) it starts with no
# rules and says so.  Its workers relay a rule added by mcrctl without
# loss; after every rule is removed, "mcrctl config save" writes a file that
# mcrd starts from again.  An explicit --config that does not exist is an
# error.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=1500
RATE=5000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
command -v unshare >/dev/null || skip "needs unshare (util-linux)"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# relay_once: add rule A with mcrctl, stream COUNT packets through it and
# expect every one at the sink; then remove A again.
relay_once()
{
	ctl add --name A --input-interface "$RELAY_IN" --input-group 239.1.1.1 --input-port 5000 \
		--output "$(topo_out 1)" >/dev/null || fail "mcrctl add failed"
	expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules after the add"
	start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
	run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
	wait_sink
	expect_sink_exact "$SINK_JSON" $COUNT
	ctl remove A >/dev/null || fail "mcrctl remove failed"
	expect "$(ctl --json list | jq '.rules | length')" -eq 0 "rules after the remove"
}

step "Creating world"
topo_standard 1

step "Starting relay with nothing configured (no --config, no --rule, no default file)"
# mcrd runs in a mount namespace of its own, with /etc/mcr (if the host has
# one) covered by an empty directory: the default file is certainly absent.
mkdir "$TMPD/empty-etc-mcr" || fail "mkdir failed"
cat >"$TMPD/mcrd-no-etc" <<EOS
#!/bin/sh
exec unshare -m --propagation private sh -c \
	'if [ -d /etc/mcr ]; then mount --bind "\$0" /etc/mcr || exit 1; fi; exec "\$@"' \
	"$TMPD/empty-etc-mcr" "$MCRD" "\$@"
EOS
chmod +x "$TMPD/mcrd-no-etc"
REAL_MCRD=$MCRD
MCRD=$TMPD/mcrd-no-etc
start_mcrd relay --workers 2
MCRD=$REAL_MCRD
expect_grep "$MCRD_ERR" "/etc/mcr/mcrd.json does not exist: no rules" "empty start logged"
expect "$(ctl --json list | jq '.rules | length')" -eq 0 "rules at start"
expect "$(ctl --json workers | jq '[.workers[] | select(.state == "running")] | length')" \
	-eq 2 "running workers"

step "A rule added with mcrctl relays every packet"
relay_once

step "Saving the empty configuration"
ctl config save "$TMPD/saved.json" >/dev/null || fail "mcrctl config save failed"
expect "$(jq '.rules | length' "$TMPD/saved.json")" -eq 0 "rules in the saved file"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

step "Restarting from the saved file"
start_mcrd relay --workers 2 -c "$TMPD/saved.json"
expect "$(ctl --json list | jq '.rules | length')" -eq 0 "rules at start"
relay_once
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

step "An explicit --config that does not exist is an error"
run_mcrd relay --check-config -c "$TMPD/nosuch.json"
expect "$MCRD_RC" -eq 2 "exit status"
expect_grep "$MCRD_ERR" "$TMPD/nosuch.json: cannot read: No such file or directory" "message"

pass
