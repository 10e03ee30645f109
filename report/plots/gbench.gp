# allocbench: Google Benchmark results as bars with their error (standard
# deviation over repetitions; zero without repetitions), coloured by strategy.
# Data: data.<strategy>.csv with columns x (bar position), ns, err, label.
# Expects strategies, ttl, xlab, ylab, xmin, xmax, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set style fill solid border rgb 'black'
set boxwidth box_rel
set xtics rotate by xtic_angle right scale tic_scale
set grid noxtics
plot for [s in strategies] data.'.'.s.'.csv' \
        using (column('x')):(column('ns')):(column('err')):xtic(strcol('label')) \
        with boxerrorbars lc rgb value('col_'.s) lw err_lw title s
