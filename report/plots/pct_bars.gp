# allocbench: percentile bars, clustered by percentile, one bar per strategy.
# Data: data.csv with a column 'percentile' (p50, p99, p99.9, max) and one
# column per strategy (ns). Expects strategies, ttl, xlab, ylab, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
set logscale y
set yrange [ymin:ymax]
set style data histograms
set style histogram clustered
set style fill solid border rgb 'black'
set boxwidth box_rel relative
set grid noxtics
plot for [s in strategies] data.'.csv' \
        using (column(s)):xtic(strcol('percentile')) lc rgb value('col_'.s) title s
