# SPDX-License-Identifier: MIT
#
# The benchmark's chart, four panels against fan-out (1 stream):
#   1. total egress packets/s at the sender's full speed (veth sinks), for
#      mcr, the kernel and socat, one line style per payload size;
#   2. the input rate each relay still delivers to every output at full speed,
#      against the ceiling (what the sender alone offers: an input rate, so it
#      is drawn only here);
#   3. the moderate-rate († ) rows, apart from the full-speed ones;
#   4. zero-loss capacity (packets/s in) per set-up, mcr against the kernel,
#      and what each delivers per output when overloaded (free outputs).
# bench/report.sh writes the data files and calls
#   gnuplot -e "dir='D'; out='F.png'; payloads='100 1316'; ceilings='N M'; subtitle='...';
#               has_full=1; has_mod=1; has_cap=1; setups='veth onecore free'" chart.gp
# DIR/RELAY-PAYLOAD[-mod].dat hold "fanout total_egress per_output" lines (-mod: the
# moderate-rate rows); DIR/cap-SETUP-RELAY.dat "fanout zero_loss_pps";
# DIR/ovl-RELAY.dat "fanout delivered_per_output".

set terminal pngcairo size 1400,1000 enhanced font "DejaVu Sans,10"
set output out
n = words(payloads)
file(r, i) = sprintf("%s/%s-%s.dat", dir, r, word(payloads, i))
modfile(r, i) = sprintf("%s/%s-%s-mod.dat", dir, r, word(payloads, i))
capfile(s, r) = sprintf("%s/cap-%s-%s.dat", dir, s, r)
ovlfile(r) = sprintf("%s/ovl-%s.dat", dir, r)
ceilval(i) = real(word(ceilings, i))
ns = words(setups)
# A set-up as the legend names it: the IPv6 one says so.
setupname(s) = (s eq "onecore6") ? "onecore, IPv6" : s

set multiplot layout 2,2 title "mcr against the kernel's forwarding\n{/*0.85 ".subtitle."}"
set logscale x
set xrange [0.8:1400]
set xtics ("1:1" 1, "1:4" 4, "1:16" 16, "1:31" 31, "1:50" 50, "1:200" 200, "1:1000" 1000)
set xlabel "fan-out (outputs per input)"
set format y "%.0s%c"
set grid ytics lc rgb "#dddddd"
set key top right box opaque font ",8"
set border 3
set xtics nomirror
set ytics nomirror

# 1. Total egress at full speed.
set title "veth sinks: total egress packets/s, sender at full speed"
set ylabel "packets/s out (all outputs)"
set yrange [0:*]
set arrow 1 from 31.6, graph 0 to 31.6, graph 1 nohead dt 3 lc rgb "#aa0000"
set label 1 "kernel limit\n(MAXVIFS: 31)" at 33, graph 0.15 left tc rgb "#aa0000" font ",8"
if (has_full) {
plot \
	for [i=1:n] file("mcr", i) using 1:2 with linespoints lw 2 pt 7 dt i lc rgb "#1f5fbf" \
		title sprintf("mcr, %s B", word(payloads, i)), \
	for [i=1:n] file("kernel", i) using 1:2 with linespoints lw 2 pt 5 dt i lc rgb "#cc3311" \
		title sprintf("kernel, %s B", word(payloads, i)), \
	for [i=1:n] file("socat", i) using 1:2 with points pt (i == 1 ? 9 : 8) ps 1.5 lc rgb "#228833" \
		title sprintf("socat, %s B", word(payloads, i))
} else {
	set yrange [0:1]; plot NaN title "not measured in this run"
}

# 2. Input rate delivered per output, against the sender's own ceiling.
set title "veth sinks: input rate delivered to every output, against the sender alone"
set ylabel "packets/s per output (input rate)"
set yrange [0:*]
if (has_full) {
plot \
	for [i=1:n] file("mcr", i) using 1:3 with linespoints lw 2 pt 7 dt i lc rgb "#1f5fbf" \
		title sprintf("mcr, %s B", word(payloads, i)), \
	for [i=1:n] file("kernel", i) using 1:3 with linespoints lw 2 pt 5 dt i lc rgb "#cc3311" \
		title sprintf("kernel, %s B", word(payloads, i)), \
	for [i=1:n] ceilval(i) with lines lw 1 dt i lc rgb "#888888" \
		title sprintf("ceiling: sender alone, %s B", word(payloads, i))
} else {
	set yrange [0:1]; plot NaN title "not measured in this run"
}
unset arrow 1
unset label 1

# 3. The moderate-rate rows.
set title "veth sinks: moderate rate † (100,000 packets/s out in all)"
set ylabel "packets/s out (all outputs)"
set yrange [0:*]
if (has_mod) {
plot \
	for [i=1:n] modfile("mcr", i) using 1:2 with linespoints lw 2 pt 6 ps 1.4 dt i lc rgb "#1f5fbf" \
		title sprintf("mcr, %s B †", word(payloads, i))
} else {
	set yrange [0:1]; plot NaN title "not measured in this run"
}

# 4. Zero-loss capacity per set-up, and overload.
set title "zero-loss capacity per set-up (100 B); overload: sender flat out, free outputs"
set ylabel "packets/s in"
set xrange [0.8:20]
set xtics ("1:1" 1, "1:4" 4, "1:16" 16)
set yrange [0:*]
if (has_cap) {
plot \
	for [j=1:ns] capfile(word(setups, j), "mcr") using 1:2 with linespoints lw 2 pt 7 dt j lc rgb "#1f5fbf" \
		title sprintf("mcr, zero loss, %s", setupname(word(setups, j))), \
	for [j=1:ns] capfile(word(setups, j), "kernel") using 1:2 with linespoints lw 2 pt 5 dt j lc rgb "#cc3311" \
		title sprintf("kernel, zero loss, %s", setupname(word(setups, j))), \
	ovlfile("mcr") using 1:2 with points pt 10 ps 2 lc rgb "#1f5fbf" title "mcr, overloaded (free)", \
	ovlfile("kernel") using 1:2 with points pt 4 ps 2 lc rgb "#cc3311" title "kernel, overloaded (free)"
} else {
	set yrange [0:1]; plot NaN title "not measured in this run"
}
unset multiplot
