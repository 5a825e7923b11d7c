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
	  worker_restarts: (map(.worker_restarts // 0) | add),
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
# Per-CPU accounting of several runs: the median of each field, CPU by CPU.
| def cpu_medians:
	map(select(. != null)) as $c
	| if ($c | length) == 0 then null
	  else [range(0; $c[0] | length) as $i
		| { cpu: $c[0][$i].cpu }
		  + ([$c[][$i]] | { busy_pct: med("busy_pct"), softirq_pct: med("softirq_pct"),
			system_pct: med("system_pct"), net_rx_ps: (med("net_rx_ps") | rnd),
			net_tx_ps: (med("net_tx_ps") | rnd) })]
	  end;
($raw | map(select(.kind == "search"))
	| map(. + { total_egress_pps: (.zero_loss_offered_pps * .fanout) })) as $zl
| ($raw | map(select(.kind == "overload")) | group_by([.setup, .fanout, .relay])
	| map(.[0] as $f
		| { setup: $f.setup, fanout: $f.fanout, relay: $f.relay, payload: $f.payload,
		    runs: length, median: medians, cpus: (map(.cpus) | cpu_medians),
		    napi_thread_cpu_pct: (med("napi_thread_cpu_pct") | dec(10)) }
		| . as $o
		| ($zl | map(select(.setup == $o.setup and .fanout == $o.fanout and .relay == $o.relay))
			| .[0]) as $z
		| . + { zero_loss_pps: ($z.zero_loss_offered_pps // null),
			of_zero_loss: (if ($z.zero_loss_offered_pps // 0) > 0
				then .median.per_output_pps / $z.zero_loss_offered_pps | dec(1000)
				else null end) }))
	as $ovl
| ($raw | map(select(.kind == "latency")) | group_by([.setup, .target_pps, .relay, (.ingress // "")])
	| map(.[0] as $f | map(select(.error == null)) as $ok
		| { setup: $f.setup, family: ($f.family // 4), target_pps: $f.target_pps, relay: $f.relay,
		    ingress: $f.ingress,
		    runs: ($ok | length),
		    p50_us: ($ok | med("p50_us") | dec(10)), p90_us: ($ok | med("p90_us") | dec(10)),
		    p99_us: ($ok | med("p99_us") | dec(10)), max_us: ($ok | med("max_us") | dec(10)),
		    expected: ($ok | map(.expected) | add), received: ($ok | map(.received) | add),
		    lost: ($ok | map(.lost) | add), reordered: ($ok | map(.reordered) | add),
		    errors: (map(.error) | map(select(. != null))) }))
	as $lat
| ($lat | map(select(.relay == "kernel")
	| { key: "\(.setup)/\(.target_pps)", value: . }) | from_entries) as $lat_k
| $meta[0] + {
	setups: ($raw | map(select(.kind == "setup")) | map({ key: .setup, value: del(.kind, .setup) })
		| from_entries),
	timing: ($raw | map(select(.kind == "timing") | del(.kind))),
	overload: ($ovl | map(. as $o
		| if .relay == "mcr" then
			($ovl | map(select(.relay == "kernel" and .setup == $o.setup and .fanout == $o.fanout))
			 | .[0].median.per_output_pps) as $k
			| . + { mcr_over_kernel: (if ($k // 0) > 0 then .median.per_output_pps / $k | dec(100)
				else null end) }
		  else . end)),
	latency: ($lat | map(. as $l | $lat_k["\(.setup)/\(.target_pps)"] as $k
		| if .relay != "kernel" and $k != null and ($k.p50_us // 0) > 0 and ($k.p99_us // 0) > 0 then
			. + { p50_over_kernel: (.p50_us / $k.p50_us | dec(100)),
			      p99_over_kernel: (.p99_us / $k.p99_us | dec(100)) }
		  else . end)),
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
	zero_loss: $zl,
	capacity: ($zl | group_by([.setup, .fanout]) | map(
		(map(select(.relay == "mcr")) | .[0]) as $m
		| (map(select(.relay == "kernel")) | .[0]) as $k
		| { setup: .[0].setup, family: (.[0].family // 4), fanout: .[0].fanout,
		    mcr_pps: ($m.zero_loss_offered_pps // null), kernel_pps: ($k.zero_loss_offered_pps // null),
		    mcr_sender_limited: (if $m == null then null else $m.sender_limited end),
		    kernel_sender_limited: (if $k == null then null else $k.sender_limited end),
		    mcr_over_kernel: (if ($m.zero_loss_offered_pps // 0) > 0 and ($k.zero_loss_offered_pps // 0) > 0
			then $m.zero_loss_offered_pps / $k.zero_loss_offered_pps | dec(100) else null end) })),
	ablation: ($abl | map(. + { vs_defaults: (
		$abl_base.median.total_egress_pps as $b
		| if $b == null or $b == 0 then null
		  else .median.total_egress_pps / $b | dec(100) end) }))
  }
