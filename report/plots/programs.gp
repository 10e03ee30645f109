# allocbench: heaps under real programs (programs.csv): one group of bars per
# program, one bar per allocator, coloured by allocator, with a dashed
# reference line (e.g. footprint = live at ref).
# Data: data.<allocator>.csv with columns x (bar position) and value.
# Expects strategies, ttl, xlab, ylab, xmin, xmax, ymin, ymax, xtic_spec
# (gnuplot tic list: "name" position, ...), ref, ref_title.
set title ttl
set xlabel xlab
set ylabel ylab
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set style fill solid border rgb 'black'
set boxwidth box_rel
eval('set xtics ('.xtic_spec.') scale tic_scale')
set grid noxtics
plot for [s in strategies] data.'.'.s.'.csv' using (column('x')):(column('value')) \
        with boxes lc rgb value('col_'.s) title s, \
     ref with lines dt dt_tail lw err_lw lc rgb 'black' title ref_title
