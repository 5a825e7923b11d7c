# SPDX-License-Identifier: MIT
#
# The benchmark's results file (bench/summarize.jq's output) as Markdown:
# a summary of total egress per row with the mcr/kernel ratio, the detail
# tables per payload and stream count, the zero-loss searches, the ablation
# and a legend.  Used by bench/report.sh as  jq -r -f bench/markdown.jq FILE

def commas:
	if . == null then "–"
	else (round | tostring) as $s
	| if ($s | startswith("-")) then $s
	  else [$s | explode | reverse | _nwise(3) | reverse | implode] | reverse | join(",") end
	end;
def pct: if . == null then "–" else (. * 1000 | round / 10 | tostring) + "%" end;
def num1: if . == null then "–" else (. * 10 | round / 10 | tostring) end;
def fix2: (. * 100 | round) as $c
	| "\($c / 100 | floor).\($c % 100 | tostring | if length == 1 then "0" + . else . end)";
def ratio: if . == null then "–" else (fix2) + "×" end;
def na_reason: if (.error // "" | test("Not enough available [VM]IFs")) then "n/a (MAXVIFS)" else "n/a" end;
def relay_name:
	{ mcr: "mcr", kernel: "kernel (smcroute)", socat: "socat", ceiling: "ceiling (no relay)" }[.];
def relay_order: { ceiling: 0, mcr: 1, kernel: 2, socat: 3 }[.];
def fanout: if .relay == "ceiling" then "–" else "1:\(.fanout)" end;
def egress_cell:
	.median.total_egress_pps | commas;
def sink_cell:
	if .sink == null then "–"
	elif .sink.error != null then "(\(.sink.error))"
	else "\(.sink.lost | commas) / \(.sink.reordered | commas)"
		+ (if (.sink.duplicates // 0) > 0 then " +\(.sink.duplicates) dup" else "" end)
		+ " @ \(.sink.rate_pps | commas)"
	end;
def streams_word: if . == 1 then "1 stream" else "\(.) streams" end;
def rate_note:
	if .rate_mode == "moderate" then " †" else "" end;
def setup_name:
	{ veth: "veth sinks", onecore: "one relay core", free: "one relay core, free outputs",
	  onecore6: "IPv6, one relay core" }[.] // .;
def setup_order: { veth: 0, onecore: 1, free: 2, onecore6: 3 }[.] // 9;
# Where the work landed, one cell: per CPU busy % (softirq %), NET_RX/s.
def cpus_cell:
	if . == null then "–"
	else map("CPU\(.cpu) \(.busy_pct | num1) (\(.softirq_pct | num1)), \(.net_rx_ps | commas) rx/s")
		| join("; ") end;
def setup_text($r):
	if . == "veth" then
		"sender (mcrgen) on CPU \($r.settings.sender_cpu), mcrd and socat pinned to CPU \($r.settings.relay_cpu),"
		+ " outputs are veths whose far ends count in a sink namespace; the ingress veth's receive"
		+ " (and so the kernel's forwarding and mcr's AF_PACKET delivery) runs on the sender's CPU"
		+ (if $r.settings.rps_to_relay_cpu then " except that RPS steers it to CPU \($r.settings.relay_cpu)" else "" end) + "."
	elif . == "onecore" then
		"all of the relay host's receive work on CPU \($r.settings.relay_cpu): GRO and threaded NAPI on the"
		+ " ingress veth, its NAPI thread pinned to CPU \($r.settings.relay_cpu), RPS to CPU \($r.settings.relay_cpu);"
		+ " one mcrd worker pinned there; the sender alone on CPU \($r.settings.sender_cpu); veth outputs to a sink"
		+ " namespace (their receive runs on the transmitting CPU, the relay's)."
	elif . == "free" then
		"as one relay core, but each output is an empty bridge (no ports, `mcast_snooping 0`) that frees"
		+ " what it is given: outputs that cost nothing to transmit, counted by the bridges' tx counters."
	elif . == "onecore6" then
		"as one relay core, over IPv6: the sender (2001:db8::1) sends to `[\($r.settings.group6 // "ff3e::1")]:5000`,"
		+ " mcrd relays the rule `rin,[\($r.settings.group6 // "ff3e::1")] -> o1; …` and the kernel forwards"
		+ " through smcrouted's IPv6 (S,G) `mroute` (MRT6: its MIFs, `mc_forwarding` set by MRT6_INIT);"
		+ " IPv6 is on only for the links this set-up uses, with duplicate address detection and router"
		+ " solicitations off, and the measuring starts once their MLD reports are over. The zero-loss"
		+ " search starts at the sender's own IPv6 maximum."
	else . end;

. as $r
| ($r.rows | map(select(.relay == "ceiling"))) as $ceil
| [
"# mcr benchmark results",
"",
"\($r.date), Linux \($r.host.kernel), \($r.host.cpus) × \($r.host.cpu); mcr \($r.versions.git)"
	+ (if $r.mcrd_args != "" then ", `MCRD_ARGS=\($r.mcrd_args)`" else "" end)
	+ "; \($r.versions.smcroute); socat \($r.versions.socat).",
"Medians of \($r.settings.runs) run(s) of \($r.settings.window_s) s per row (one run for the † rows, whose fixed rate every run delivers alike); the whole suite took \($r.duration_s) s of measuring"
	+ (if ($r.lock_wait_s // 0) > 0 then " (and \($r.lock_wait_s) s waiting while another benchmark held the lock)" else "" end)
	+ (if $r.truncated then " (**truncated**: the time budget ran out, some rows are missing)" else "" end) + ".",
"",
"",
"## Set-ups",
"",
( ($r.settings.setups // ["veth"]) | .[] as $s
  | "- **\($s | setup_name)** (`\($s)`): \($s | setup_text($r))"
    + (($r.setups[$s] // {}) as $u
       | if ($u.steering_note // "") != "" then " Steering in this run: \($u.steering_note)." else "" end
       + if ($u.mcrd_args // "") != "" then " mcrd adds `\($u.mcrd_args)`." else "" end) ),
"",
( if ($r.capacity // [] | length) > 0 then
  "## Zero-loss capacity (packets/s in, \($r.settings.search_steps)-step search, \($r.settings.search_trial_s) s trials, 100-byte payload, 1 stream)",
  "",
  "| set-up | fan-out | mcr | kernel (smcroute) | mcr/kernel | mcr total egress | where the work landed at mcr's rate | … at the kernel's |",
  "|---|---|---:|---:|---:|---:|---|---|",
  ( $r.capacity | sort_by([(.setup // "veth" | setup_order), .fanout]) | .[] as $c
    | ($r.zero_loss | map(select(.setup == $c.setup and .fanout == $c.fanout))) as $z
    | def cap($relay; $pps; $lim):
	if $pps == null then "–"
	elif $pps == 0 then "< \($z | map(select(.relay == $relay)) | .[0].trials | map(.target_pps) | min | commas) (lost at every trial)"
	else ($pps | commas) + (if $lim then " (sender's max)" else "" end) end;
      "| \($c.setup | setup_name) | 1:\($c.fanout) | \(cap("mcr"; $c.mcr_pps; $c.mcr_sender_limited)) "
      + "| \(cap("kernel"; $c.kernel_pps; $c.kernel_sender_limited)) "
      + "| \($c.mcr_over_kernel | ratio) | \(if $c.mcr_pps then $c.mcr_pps * $c.fanout else null end | commas) "
      + "| \($z | map(select(.relay == "mcr")) | .[0].at_best.cpus | cpus_cell) "
      + "| \($z | map(select(.relay == "kernel")) | .[0].at_best.cpus | cpus_cell) |" ),
  "",
  "\"(sender's max)\": the first trial, at all the sender could offer, already lost nothing; where that is"
    + " well below the sender's ceiling, the relay held the sender back (the kernel's forwarding keeps each"
    + " frame charged to the sender's socket until the last copy is freed, so a busy kernel relay slows the"
    + " sender instead of dropping), and that rate is the relay's. Where the work"
    + " landed: per CPU, busy % (softirq %) and NET_RX softirqs per second, over the best passing trial"
    + " (the sender's CPU is busy sending). With threaded NAPI the ingress veth's receive shows as"
    + " system time of its thread, not as softirq. One relay core with veth sinks, kernel at high fan-out:"
    + " a NAPI poll's frames times the outputs overflow CPU 1's 1,000-packet backlog before it drains,"
    + " so a burst can lose a frame at any rate (docs/design.md, \"Benchmark set-ups\").",
  ""
  else empty end ),
( if ($r.overload // [] | length) > 0 then
  "## Overload: the sender flat out (\($r.overload[0].setup | setup_name), 100-byte payload)",
  "",
  "| fan-out | relay | offered pps | delivered pps per output | of its zero-loss capacity | mcr/kernel delivered | total egress pps | NAPI thread CPU % | where the work landed | mcr worker restarts |",
  "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
  ( $r.overload | sort_by([.setup, .fanout, (.relay | relay_order)]) | .[]
    | "| 1:\(.fanout) | \(.relay | relay_name) | \(.median.offered_pps | commas) | \(.median.per_output_pps | commas) "
      + "| \(.of_zero_loss | pct) | \(.mcr_over_kernel | ratio) | \(.median.total_egress_pps | commas) "
      + "| \(.napi_thread_cpu_pct | num1) | \(.cpus | cpus_cell) "
      + "| \(if .relay == "mcr" then (.median.worker_restarts | commas) else "–" end) |" ),
  "",
  "Medians of \($r.overload[0].runs) window(s) of \($r.settings.window_s) s. mcr worker restarts: workers mcrd"
    + " replaced during these windows (in all), e.g. for missing their heartbeat. \"Of its zero-loss capacity\": delivered per"
    + " output against the same relay's zero-loss rate in this set-up, measured in the same run (100 % = no"
    + " collapse; the target is ≥ 90 %).",
  ""
  else empty end ),
( ($r.latency // []) | group_by(.setup // "onecore") | sort_by(.[0].setup // "onecore" | setup_order) | .[]
  | . as $lat
  | "## Latency: sender → relay → receiver, 1:1 (\($lat[0].setup | setup_name))",
  "",
  "mcrsink on the sink side of the output, pinned to CPU \($r.settings.sender_cpu) (idle at these rates);"
    + " the relay's work on CPU \($r.settings.relay_cpu) as in the set-up above. \($r.settings.latency_seconds) s of"
    + " 100-byte packets per point, one packet at a time, at rates that do not divide 1 ms; medians of"
    + " \($lat[0].runs) run(s). Microseconds, from the sender's timestamp to mcrsink's receive.",
  "",
  "| pps | relay | p50 µs | p99 µs | max µs | p50 / kernel | p99 / kernel | lost / received |",
  "|---:|---|---:|---:|---:|---:|---:|---:|",
  ( (($r.settings.ingress_paths // []) + ($r.settings.ingress_paths6 // [])) as $paths
    | $lat | sort_by([.target_pps, (if .relay == "kernel" then -1
	else (.ingress as $i | ($paths | index($i)) // 99) end)]) | .[]
    | "| \(.target_pps | commas) | \(.relay | relay_name)\(if .ingress then " (`--ingress \(.ingress)`)" else "" end) "
      + "| \(.p50_us | num1) | \(.p99_us | num1) | \(.max_us | num1) | \(.p50_over_kernel | ratio) "
      + "| \(.p99_over_kernel | ratio) | \(.lost | commas) / \(.received | commas) |"
      + (if (.errors | length) > 0 then " \(.errors[0])" else "" end) ),
  "" ),
( if ($r.timing // [] | length) > 0 then
  "Time per section (s of measuring): "
    + ($r.timing | map("\(.setup) \(.phase) \(.seconds)") | join(", ")) + ".",
  ""
  else empty end ),
( if ($r.rows | length) == 0 then empty else
"## Total egress, veth sinks (packets per second leaving the relay, all outputs)",
"",
"| fan-out | payload | streams | mcr | kernel (smcroute) | socat | mcr/kernel | ceiling (sender alone) |",
"|---|---:|---:|---:|---:|---:|---:|---:|",
( $r.rows | map(select(.relay != "ceiling")) | group_by([.payload, .streams, .fanout]) | .[]
  | (map(select(.relay == "mcr")) | .[0]) as $m
  | (map(select(.relay == "kernel")) | .[0]) as $k
  | (map(select(.relay == "socat")) | .[0]) as $s
  | ($ceil | map(select(.payload == $m.payload and .streams == $m.streams)) | .[0]) as $c
  | "| 1:\($m.fanout)\($m | rate_note) | \($m.payload) | \($m.streams) | \($m | egress_cell) | "
    + (if $k == null then "–" elif $k.status == "ok" then ($k | egress_cell) else ($k | na_reason) end)
    + " | " + (if $s == null then "–" else ($s | egress_cell) end)
    + " | \($m.mcr_over_kernel | ratio) | \($c.median.total_egress_pps | commas) |"
),
( if ($r.rows | any(.rate_mode == "moderate")) then
  "",
  "† offered at a moderate rate (\($r.settings.moderate_egress_pps | commas) egress packets/s in all,"
	+ " i.e. \($r.settings.moderate_egress_pps | commas)/N per second in), not at the sender's maximum."
  else empty end ),
"" end ),
"![total egress, capacity and overload against fan-out](\($r.chart // "latest.png"))",
"",
( $r.rows | group_by([.payload, .streams]) | .[]
  | .[0] as $g
  | "## veth sinks: \($g.payload)-byte payload, \($g.streams | streams_word)",
    "",
    "| fan-out | relay | offered pps | delivered pps per output | total egress pps | loss | relay CPU % | CPU\($r.settings.relay_cpu) busy % (softirq) | mcr buffer exhaustion | mcrsink lost / reordered @ pps | mcr/kernel |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ( sort_by([.fanout, (.relay | relay_order)]) | .[]
      | if .status != "ok" then
	  "| \(fanout) | \(.relay | relay_name) | \(na_reason): \(.error) | – | – | – | – | – | – | – | – |"
	else
	  "| \(fanout)\(rate_note) | \(.relay | relay_name) | \(.median.offered_pps | commas) "
	  + "| \(if .relay == "ceiling" then "–" else (.median.per_output_pps | commas) end) "
	  + "| \(.median.total_egress_pps | commas) | \(if .relay == "ceiling" then "–" else (.median.loss | pct) end) "
	  + "| \(.median.relay_cpu_pct | num1) "
	  + "| \(.median.cpu1_busy_pct | num1) (\(.median.cpu1_softirq_pct | num1)) "
	  + "| \(if .relay == "mcr" then (.median.buffer_exhaustion | commas)
		+ (if (.median.worker_restarts // 0) > 0 then " (\(.median.worker_restarts) worker restart(s))" else "" end)
	       else "–" end) "
	  + "| \(sink_cell) | \(if .relay == "mcr" then (.mcr_over_kernel | ratio) else "–" end) |"
	end ),
    ""
),
( if ($r.zero_loss | length) > 0 then
  "## Zero-loss searches in detail (\($r.settings.search_steps)-step binary search, \($r.settings.search_trial_s) s trials, \($r.zero_loss[0].payload)-byte payload, 1 stream)",
  "",
  "| set-up | fan-out | relay | zero-loss rate (pps in) | total egress at that rate | trials (pps: ✓ zero loss, ✗ loss) |",
  "|---|---|---|---:|---:|---|",
  ( $r.zero_loss | sort_by([(.setup // "veth" | setup_order), .fanout, (.relay | relay_order)]) | .[]
    | "| \(.setup // "veth" | setup_name) | 1:\(.fanout) | \(.relay | relay_name) | "
      + (if .zero_loss_pps == 0 then "< \(.trials | map(.target_pps) | min | commas)"
	 else (.zero_loss_offered_pps | commas) + (if .sender_limited then " (sender's maximum)" else "" end) end)
      + " | \(if .zero_loss_pps == 0 then "–" else (.total_egress_pps | commas) end) | "
      + (.trials | map("\(.target_pps | commas) \(if .zero_loss then "✓" else "✗" end)") | join(", "))
      + (if .kernel_route_packets != null then "; the kernel's route matched \(.kernel_route_packets | commas)"
	   + " of the \(.sent_in_trials | commas) sent" else "" end) + " |" ),
  ""
  else empty end ),
( if ($r.ablation | length) > 0 then
  ($r.ablation[0]) as $a
  | ($r.ablation | map(select(.queue_depth != 1024 or .sndbuf == "default"))) as $small
  | ([$small[] | .vs_defaults | select(. != null)] | min) as $worst
  | ([$r.ablation[] | .median.buffer_exhaustion // 0] | max) as $exh
  | "## Ablation, veth sinks: io_uring queue depth and socket send buffer (mcr, 1:\($a.fanout), \($a.payload)-byte payload, \($a.egress) egress)",
  "",
  "Each setting: \($a.runs) window(s) at a fixed \($a.target_pps | commas) packets/s in"
    + " (\(if $a.target_pps then $a.target_pps * $a.fanout else null end | commas) out demanded), the same load for all four.",
  "",
  "| queue depth | send buffer | offered pps | total egress pps | vs 1024 + 4 MB | loss | buffer exhaustion | kernel drops | relay CPU % |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
  ( $r.ablation | sort_by([-.queue_depth, (.sndbuf | tostring)]) | .[]
    | "| \(.queue_depth) | \(if .sndbuf == "default" then "default (\($r.settings.wmem_default / 1024 | round) KiB)" else "\(.sndbuf / 1048576 | round) MB" end) "
      + "| \(.median.offered_pps | commas) | \(.median.total_egress_pps | commas) | \(.vs_defaults | ratio) | \(.median.loss | pct) "
      + "| \(.median.buffer_exhaustion | commas) | \(.median.kernel_drops | commas) | \(.median.relay_cpu_pct | num1) |" ),
  "",
  ( if $worst != null and $worst >= 0.8 and $exh == 0 then
      "The seed finding (a 128-entry queue and the default send buffer cut throughput to a third,"
      + " with most receives finding no buffer) does **not** reproduce here: no smaller setting falls"
      + " more than 20 % below the defaults (the lowest is \($worst | ratio)) and no receive ran out of"
      + " buffers. On a veth a send never waits for buffer space: the packet is handed to the peer at"
      + " once, so neither the queue nor the buffer fills, and what limits mcrd is the relay CPU, which"
      + " it shares with the kernel's receive processing. The finding needs an egress whose transmit"
      + " completions lag, as a busy NIC's do; this kernel has no netem to emulate one, and"
      + " rate-limiting the egress (tbf) caps all four settings alike."
    else
      "The smaller settings fall to \($worst | ratio) of the defaults' rate, with up to"
      + " \($exh | commas) buffer exhaustion events (the seed finding: a third of the throughput, most"
      + " receives finding no buffer)."
    end ),
  ""
  else empty end ),
"## How to read this",
"",
"- Topology: a sender namespace, a relay namespace (one ingress veth, N egress veths) and a sink"
	+ " namespace with the far ends. The sender (mcrgen) is pinned to CPU \($r.settings.sender_cpu);"
	+ " mcrd and socat are pinned to CPU \($r.settings.relay_cpu)."
	+ (if $r.settings.rps_to_relay_cpu then " The ingress veth's receive processing is steered to CPU \($r.settings.relay_cpu) (RPS),"
	   + " so the kernel's forwarding (smcroute only installs routes; the kernel forwards in softirq on the CPU"
	   + " that receives) and mcr's AF_PACKET receive both run on the relay CPU, and the sender's CPU only sends." else
	   " In the veth sinks set-up the kernel forwards in softirq on the CPU that receives, the sender's; mcr's AF_PACKET"
	   + " receive runs there too (the Set-ups section above says where the work lands in the others)." end),
"- offered: packets per second the sender put on the ingress link (counted on it) during the"
	+ " measured window, after \($r.settings.warm_s) s of warm-up; rows without † offer all the sender can."
	+ " delivered per output and total egress: counted on the sink-side interfaces during the same"
	+ " window (costs no CPU). loss: 1 − delivered per output / offered.",
"- Rows without † overload every relay: the figure is what a relay still delivers while its CPU"
	+ " drowns in receive work, not its capacity (the zero-loss search below measures that). The kernel"
	+ " relay also slows the sender: the sender's socket keeps paying for each packet until the last"
	+ " output's copy is received, so with a saturated relay CPU its send buffer fills; loss is"
	+ " always counted against what was actually offered. At the † rates a single packet in flight at"
	+ " either end of the window shows as about 0.5 % loss.",
"- relay CPU %: CPU time of the relay process(es) over the window (100 % = one CPU); for the kernel this is"
	+ " smcrouted, which does no forwarding itself. CPU\($r.settings.relay_cpu) busy: all non-idle time on the"
	+ " relay CPU, with its softirq share in brackets — where the kernel's forwarding shows. Softirq work"
	+ " done while a relay process was running is charged to that process too, so the two overlap;"
	+ " the per-CPU figure is sampled at the timer tick and can under-read a bursty load (the † rows).",
"- mcr buffer exhaustion: times mcrd's receive found no free buffer (from its final summary).",
"- mcrsink: in run 1 only, before the window, mcrsink counted \($r.settings.sink_seconds) s of traffic at"
	+ " the rate shown (min(\($r.settings.sink_rate_max_pps | commas), \($r.settings.sink_egress_pps | commas)/N) pps)"
	+ " on the first and the last output: packets lost / arrivals out of order.",
"- mcr: mcrd with the options shown under mcrd_args in the JSON (`--no-igmp-join` unless BENCH_IGMP_JOIN=1:"
	+ " like smcrouted without an `mgroup` line it sends no IGMP report, which on a veth nobody needs; with"
	+ " a join the relay namespace's IP stack would also take every packet for local delivery).",
"- kernel: smcrouted (`-N`, one `phyint … enable` per interface, one (S,G) `mroute`). It has at most 32"
	+ " VIFs, the input's included, so 31 outputs; past that it is tried once and its error recorded."
	+ (if ($r.settings.setups // []) | index("onecore6") then
	     " IPv6: the same lines with an IPv6 source and group; smcrouted makes a MIF beside each VIF"
	     + " and adds the route with MRT6_ADD_MFC (the kernel's ip6_mr_cache shows it)." else "" end),
"- socat: one `socat -u UDP4-RECV … UDP4-DATAGRAM …` per stream, 1:1 only. Its receive goes through the"
	+ " IP stack, so rp_filter is off in the relay namespace (for every relay alike).",
"- ceiling: the sender straight into a counter on a veth, no relay: what the sender alone can offer.",
"- Zero-loss search: \($r.settings.search_trial_s) s of a fixed count at the target rate, then"
	+ " \($r.settings.search_drain_s // 2) s for packets in flight; zero loss means every output counted every packet by"
	+ " then (a relay that catches up from its buffers later fails, so buffering flatters a rate by at most"
	+ " \(($r.settings.search_drain_s // 2) / $r.settings.search_trial_s * 100 | round) %). It starts at the sender's maximum; when that fails, the next trial is at what the relay delivered per output when overloaded in the matrix above, and the rest bisect from there, so the steps are spent near each relay's own limit.",
"- This is a 2-CPU virtual machine shared with other work: compare rows of the same run, not absolute numbers."
] | .[]
