# allocbench: total operations per second of all threads against the thread
# count, median over reps with its 95 % interval (error bars). Data:
# data.<strategy>.csv with columns threads, label (tic), ops_s, lo, hi.
# Expects strategies, ttl, xlab, ylab, xmin, xmax, ymin, ymax.
set title ttl
set xlabel xlab
set ylabel ylab
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set xtics ()
plot for [s in strategies] data.'.'.s.'.csv' \
        using (column('threads')):(column('ops_s')):(column('lo')):(column('hi')):xtic(strcol('label')) \
        with yerrorlines lc rgb value('col_'.s) pt value('pt_'.s) lw lw_main ps ps_main title s
