# allocbench: latency CDF of one operation, one step curve per strategy.
# Data: data.<strategy>.csv with columns ns, nines (-log10(1 - fraction)),
# label (the percentile's name, used as the y tic). The curve goes through
# the histogram percentiles only; the caption in the report says so.
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
        using (column('ns')):(column('nines')):ytic(strcol('label')) with points \
        lc rgb value('col_'.s) pt value('pt_'.s) ps ps_main notitle
