# allocbench: latency CDF of one operation, one step curve per strategy.
# Data: data.<strategy>.csv with columns ns, nines (-log10(1 - fraction)):
# the buckets of hist.csv when the run has it, else the five recorded
# percentiles (the caption says which); data.ytics.csv (nines, label) names
# the levels p50, p90, p99, ... on the y axis.
# Expects strategies, ttl, xlab, ylab, xmin, xmax, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
set logscale x
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set ytics ()
plot for [s in strategies] data.'.'.s.'.csv' \
        using (column('ns')):(column('nines')) with steps \
        lc rgb value('col_'.s) lw lw_main title s, \
     for [s in strategies] data.'.'.s.'.csv' \
        using (column('ns')):(column('nines')) with points \
        lc rgb value('col_'.s) pt value('pt_'.s) ps ps_main notitle, \
     data.'.ytics.csv' using (NaN):(column('nines')):ytic(strcol('label')) notitle
