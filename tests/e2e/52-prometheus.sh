#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A real Prometheus server (Debian's) scrapes a running mcrd inside the
# relay namespace every second; after a stream has gone through, its query
# API returns mcr_output_packets_total equal to what the sink received, and
# the scrape target is healthy.  Prometheus listens on the namespace's
# loopback only and keeps its data in this test's directory.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=4000
GROUP=239.52.0.1

e2e_init
require_bins mcrd mcrgen mcrsink
for t in prometheus curl jq; do
	command -v $t >/dev/null || skip "needs $t"
done

# query EXPR: the first value of an instant query ("" when there is none).
query()
{
	ip netns exec "$(ns relay)" curl -sS --max-time 3 -G \
		--data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

step "Creating world"
topo_standard 1
start_mcrd relay --workers 2 --metrics 9464 \
	-r "cam=$RELAY_IN,$GROUP:5000 -> $(topo_out 1)"

step "Starting Prometheus in the relay namespace, scraping mcrd every second"
cat >"$TMPD/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mcrd
    static_configs:
      - targets: ['127.0.0.1:9464']
YAML
ip netns exec "$(ns relay)" prometheus --config.file="$TMPD/prometheus.yml" \
	--storage.tsdb.path="$TMPD/tsdb" --web.listen-address=127.0.0.1:9090 \
	--log.level=warn >"$TMPD/prometheus.out" 2>"$TMPD/prometheus.err" &
PROM=$!
track_pid $PROM
i=0
until [ "$(query 'up{job="mcrd"}')" = 1 ]; do
	pid_alive $PROM || fail "prometheus exited"
	[ $i -lt 150 ] || fail "prometheus did not see mcrd up within 15 s"
	sleep 0.1
	i=$((i + 1))
done
info "ok   up{job=\"mcrd\"} = 1 after $((i / 10)).$((i % 10)) s"

step "Relaying a stream; Prometheus's figure against the sink's"
start_sink sink -j "$(topo_sinkif 1),$GROUP:5000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP:5000 -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
EXPR='sum(mcr_output_packets_total{rule="cam"})'
i=0
until [ "$(query "$EXPR")" = "$COUNT" ]; do
	[ $i -lt 100 ] || fail "Prometheus has $EXPR = '$(query "$EXPR")', want $COUNT"
	sleep 0.1
	i=$((i + 1))
done
info "ok   Prometheus: $EXPR = $COUNT, what the sink received"
expect "$(query 'mcr_rules')" -eq 1 "Prometheus: mcr_rules"
expect "$(query 'sum(mcr_worker_up)')" -eq 2 "Prometheus: workers up"
kill -TERM $PROM
wait_pid_exit $PROM 50 || fail "prometheus did not stop"
untrack_pid $PROM
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
