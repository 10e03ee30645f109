# allocbench: mean (solid) and p99 (dashed) latency against managed memory,
# log-log. Data: data.<strategy>.csv with columns mem_mib, mem (tic label),
# mean_ns, p99_ns. Expects strategies, ttl, xlab, ylab, xmin, xmax, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
set logscale xy
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set xtics ()
plot for [s in strategies] data.'.'.s.'.csv' \
        using (column('mem_mib')):(column('mean_ns')):xtic(strcol('mem')) with linespoints \
        lc rgb value('col_'.s) pt value('pt_'.s) lw lw_main ps ps_main title s.' mean', \
     for [s in strategies] data.'.'.s.'.csv' \
        using (column('mem_mib')):(column('p99_ns')) with linespoints \
        lc rgb value('col_'.s) pt value('pt_'.s) lw lw_main ps ps_main dt dt_tail \
        title s.' p99'
