# allocbench: kernel latency against host latency for the same cells,
# log-log, with the diagonal where both are equal.
# Data: data.<strategy>.csv with columns host_ns, kernel_ns, cell.
# Expects strategies, ttl, xlab, ylab, xmin, xmax.
set title ttl
set xlabel xlab
set ylabel ylab
set logscale xy
set xrange [xmin:xmax]
set yrange [xmin:xmax]
set size ratio square_ratio
plot x with lines lc rgb 'gray' dt dt_tail title 'kernel = host', \
     for [s in strategies] data.'.'.s.'.csv' \
        using (column('host_ns')):(column('kernel_ns')) with points \
        lc rgb value('col_'.s) pt value('pt_'.s) ps ps_main title s
