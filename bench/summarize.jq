# SPDX-License-Identifier: MIT
#
# Turn the benchmark's raw measurements (one JSON object per measurement,
# slurped into $raw) and the run's metadata ($meta) into the results file:
# per row the median of each figure over the runs, the mcr/kernel ratio, the
# zero-loss searches and the ablation.  Used by bench/report.sh as
#   jq -n --slurpfile raw RAW --slurpfile meta META -f bench/summarize.jq

def median:
	map(select(. != null)) | sort
	| if length == 0 then null
	  elif length % 2 == 1 then .[(length - 1) / 2]
	  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def med($k): map(.[$k]) | median;
def rnd: if . == null then null else round end;
def dec($n): if . == null then null else (. * $n | round) / $n end;

# The figures of a group of runs of one row, as medians.
def medians:
	{ offered_pps: (med("offered_pps") | rnd),
	  per_output_pps: (med("per_output_pps") | rnd),
	  min_output_pps: (med("min_output_pps") | rnd),
	  total_egress_pps: (med("total_egress_pps") | rnd),
	  loss: (med("loss") | dec(10000)),
	  relay_cpu_pct: (med("relay_cpu_pct") | dec(10)),
	  cpu1_busy_pct: (med("cpu1_busy_pct") | dec(10)),
	  cpu1_softirq_pct: (med("cpu1_softirq_pct") | dec(10)),
	  buffer_exhaustion: (med("buffer_exhaustion") | rnd),
	  kernel_drops: (med("kernel_drops") | rnd) };

def per_run: map(del(.kind, .relay, .fanout, .payload, .streams, .status, .rate_mode,
		     .target_pps, .sink));

($raw | map(select(.kind == "row"))
 | group_by([.fanout, .payload, .streams, .relay])
 | map(.[0] as $f
	| map(select(.status == "ok")) as $ok
	| { fanout: $f.fanout, payload: $f.payload, streams: $f.streams, relay: $f.relay }
	+ if ($ok | length) == 0 then
		{ status: "n/a", error: (map(.error) | map(select(. != null)) | .[0] // "not measured") }
	  else
		{ status: "ok", rate_mode: $ok[0].rate_mode, target_pps: $ok[0].target_pps,
		  runs: ($ok | length), median: ($ok | medians),
		  sink: ($ok | map(.sink) | map(select(. != null)) | .[0]),
		  per_run: ($ok | per_run) }
	  end)) as $rows
| ($rows | map(select(.relay == "kernel" and .status == "ok")
	| { key: "\(.fanout)/\(.payload)/\(.streams)", value: .median.total_egress_pps })
	| from_entries) as $kernel
| ($rows | map(select(.relay == "ceiling" and .status == "ok")
	| { key: "\(.payload)/\(.streams)", value: .median.total_egress_pps })
	| from_entries) as $ceiling
| ($raw | map(select(.kind == "ablation")) | group_by([.queue_depth, (.sndbuf | tostring)])
	| map(.[0] as $f
		| { fanout: $f.fanout, payload: $f.payload, streams: $f.streams, egress: $f.egress,
		    queue_depth: $f.queue_depth, sndbuf: $f.sndbuf, target_pps: $f.target_pps,
		    runs: length, median: medians, per_run: per_run }))
	as $abl
| ($abl | map(select(.queue_depth == 1024 and .sndbuf != "default")) | .[0]) as $abl_base
| $meta[0] + {
	rows: ($rows | map(
		if .relay == "mcr" and .status == "ok" then
			. + { mcr_over_kernel: (
				$kernel["\(.fanout)/\(.payload)/\(.streams)"] as $k
				| if $k == null or $k == 0 then null
				  else .median.total_egress_pps / $k | dec(100) end) }
		else . end
		| if .status == "ok" and .relay != "ceiling" then
			. + { per_output_vs_ceiling: (
				$ceiling["\(.payload)/\(.streams)"] as $c
				| if $c == null or $c == 0 then null
				  else .median.per_output_pps / $c | dec(1000) end) }
		  else . end)),
	zero_loss: ($raw | map(select(.kind == "search")
		| . + { total_egress_pps: (.zero_loss_offered_pps * .fanout) })),
	ablation: ($abl | map(. + { vs_defaults: (
		$abl_base.median.total_egress_pps as $b
		| if $b == null or $b == 0 then null
		  else .median.total_egress_pps / $b | dec(100) end) }))
  }
