# allocbench: latency percentiles as dots, each with its 95 % interval over
# the reps as whiskers (log scale, lower is better); the key gives each
# strategy's failure rate. The null strategy, when the run has it, is the
# harness floor: a dashed line, not a contender.
# Data: data.'.'.s.'.csv' (x, median, lo, hi) per strategy and
# data.'.tics.csv' (x, label). Expects strategies, floor ('' or the null
# strategy's name), ttl, xlab, ylab, xmin, xmax, ymin, ymax, ttl_<strategy>.
set title ttl
set xlabel xlab
set ylabel ylab
set logscale y
set yrange [ymin:ymax]
set xrange [xmin:xmax]
set grid noxtics
set bars small
if (floor eq '') {
    plot data.'.tics.csv' using 'x':(NaN):xtic(strcol('label')) notitle, \
         for [s in strategies] data.'.'.s.'.csv' using 'x':'median':'lo':'hi' \
             with yerrorbars lw err_lw ps ps_main pt value('pt_'.s) \
             lc rgb value('col_'.s) title value('ttl_'.s)
} else {
    plot data.'.tics.csv' using 'x':(NaN):xtic(strcol('label')) notitle, \
         for [s in strategies] data.'.'.s.'.csv' using 'x':'median':'lo':'hi' \
             with yerrorbars lw err_lw ps ps_main pt value('pt_'.s) \
             lc rgb value('col_'.s) title value('ttl_'.s), \
         data.'.'.floor.'.csv' using 'x':'median' with lines dt dt_tail lw lw_main \
             lc rgb col_other title value('ttl_'.floor)
}
