# Draws heapmap's data (bench/heapmap.c): the heap as strips of blocks at
# several points of a trace, and the utilization over the whole trace.
# Called by `make heapmap` with: gnuplot -e "blocks='...'; util='...';
# out='...'; title='...'; term='svg'" bench/heapmap.gp
if (term eq 'png') set terminal pngcairo size 1100,720 font ',10'; \
else set terminal svg size 1100,720 font 'sans,10' background '#ffffff'
set output out
set multiplot layout 2,1 title title

# The strips: one row per snapshot, a rectangle per run of bytes.
stats blocks using 1 nooutput
rows = STATS_max + 1
set ytics ()
do for [r = 0:rows - 1] {
    stats blocks using ($1 == r ? $2 : NaN) nooutput
    set ytics add (sprintf('%d', STATS_max) r)
}
set title 'the heap at points of the trace (KiB from the start of the heap)'
set yrange [rows - 0.5:-0.5]
set ylabel 'after op'
set xlabel ''
set key outside right top
set style fill solid 1.0 noborder
colour(k) = k == 0 ? 0x3465a4 : k == 1 ? 0xf57900 : k == 2 ? 0xd3d7cf : 0xe9b96e
plot blocks using (($3 + $4) / 2048.0):1:(($4 - $3) / 2048.0):(0.35):(colour($5)) \
         with boxxyerror lc rgb variable notitle, \
     NaN with boxes lc rgb '#3465a4' title 'requested bytes', \
     NaN with boxes lc rgb '#f57900' title 'header, footer, padding', \
     NaN with boxes lc rgb '#d3d7cf' title 'free', \
     NaN with boxes lc rgb '#e9b96e' title 'free or overhead (no readable headers)'

# The utilization: live requested bytes over the heap's size, op by op.
set title 'live requested bytes / heap size, after every operation'
set yrange [0:105]
set ytics auto
set ylabel '%'
set xlabel 'operation'
plot util using 1:($3 > 0 ? 100.0 * $2 / $3 : 0) with lines lw 1.5 lc rgb '#3465a4' \
         title 'utilization'
unset multiplot
