# allocbench: kernel latency against host latency for the same cells,
# log-log, with the diagonal where both are equal.
# Data: data.<strategy>.csv with columns host_ns, kernel_ns, cell; each
# point is labelled with its cell (workload and op), once per cell ('_' for
# the other reps).
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
        lc rgb value('col_'.s) pt value('pt_'.s) ps ps_main title s, \
     for [s in strategies] data.'.'.s.'.csv' \
        using (column('host_ns')):(column('kernel_ns')):(strcol('cell') eq '_' ? '' : strcol('cell')) with labels \
        left offset char label_dx, char label_dy font key_font tc rgb value('col_'.s) notitle
