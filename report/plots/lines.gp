# allocbench: one line per strategy, y against x (fragmentation over time,
# fragmentation against fill, metadata against size).
# Data: data.<strategy>.csv with columns named by xcol and ycol, and, when
# xticcol is not empty, a column of tic labels. Expects strategies, ttl,
# xlab, ylab, xcol, ycol, xticcol, logx, logy (0 or 1), xmin, xmax, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
if (logx) { set logscale x }
if (logy) { set logscale y }
set xrange [xmin:xmax]
set yrange [ymin:ymax]
if (xticcol ne '') {
    set xtics ()
    plot for [s in strategies] data.'.'.s.'.csv' \
            using (column(xcol)):(column(ycol)):xtic(strcol(xticcol)) with linespoints \
            lc rgb value('col_'.s) pt value('pt_'.s) lw lw_main ps ps_main title s
} else {
    plot for [s in strategies] data.'.'.s.'.csv' \
            using (column(xcol)):(column(ycol)) with linespoints \
            lc rgb value('col_'.s) pt value('pt_'.s) lw lw_main ps ps_main title s
}
