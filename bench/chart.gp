# SPDX-License-Identifier: MIT
#
# Total egress packets per second against fan-out, for mcr, the kernel and
# socat, one line style per payload size (1 stream).  bench/report.sh writes
# the data files and calls
#   gnuplot -e "dir='D'; out='F.png'; payloads='100 1316'; ceilings='N M'; subtitle='...'" chart.gp
# Each data file DIR/RELAY-PAYLOAD[-mod].dat holds "fanout pps" lines; the
# -mod files are the rows offered at a moderate rate rather than at full speed.

set terminal pngcairo size 1100,680 enhanced font "DejaVu Sans,11"
set output out
set title "Total egress packets/s against fan-out (1 stream)\n{/*0.8 ".subtitle."}"
set logscale x
set xrange [0.8:1400]
set xtics ("1:1" 1, "1:4" 4, "1:16" 16, "1:31" 31, "1:50" 50, "1:200" 200, "1:1000" 1000)
set xlabel "fan-out (outputs per input)"
set ylabel "total egress packets/s (all outputs)"
set format y "%.0s%c"
set yrange [0:*]
set grid ytics lc rgb "#dddddd"
set key outside right top vertical box opaque width -2
set border 3
set xtics nomirror
set ytics nomirror

# The kernel's MAXVIFS: 32 VIFs with the input, so at most 31 outputs.
set arrow 1 from 31.6, graph 0 to 31.6, graph 1 nohead dt 3 lc rgb "#aa0000"
set label 1 "kernel limit\n(MAXVIFS: 31 outputs)" at 33, graph 0.62 left tc rgb "#aa0000" font ",9"

n = words(payloads)
file(r, i) = sprintf("%s/%s-%s.dat", dir, r, word(payloads, i))
modfile(r, i) = sprintf("%s/%s-%s-mod.dat", dir, r, word(payloads, i))
ceilval(i) = real(word(ceilings, i))

plot \
	for [i=1:n] file("mcr", i) using 1:2 with linespoints lw 2 pt 7 ps 1.2 dt i lc rgb "#1f5fbf" \
		title sprintf("mcr, %s B", word(payloads, i)), \
	for [i=1:n] modfile("mcr", i) using 1:2 with linespoints lw 1 pt 6 ps 1.4 dt i lc rgb "#1f5fbf" \
		title sprintf("mcr, %s B, moderate rate †", word(payloads, i)), \
	for [i=1:n] file("kernel", i) using 1:2 with linespoints lw 2 pt 5 ps 1.1 dt i lc rgb "#cc3311" \
		title sprintf("kernel (smcroute), %s B", word(payloads, i)), \
	for [i=1:n] file("socat", i) using 1:2 with points pt (i == 1 ? 9 : 8) ps 1.8 lc rgb "#228833" \
		title sprintf("socat, %s B", word(payloads, i)), \
	for [i=1:n] ceilval(i) with lines lw 1 dt i lc rgb "#888888" \
		title sprintf("ceiling: sender alone, %s B", word(payloads, i))
