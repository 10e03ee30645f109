# allocbench compare: the ratio B/A of every cell and metric with its 95 %
# interval (horizontal whiskers, log scale), one row per comparison; the
# dashed line at ref is "no change". Regressions drawn again in their colour.
# Data: data.'.csv' (idx, label, ratio, lo, hi, kind). Expects ttl, xlab,
# ref, xmin, xmax, ymin, ymax, kind_regression, slot_change, slot_regression.
set title ttl
set xlabel xlab
set logscale x
set yrange [ymin:ymax]
set xrange [xmin:xmax]
set ytics font key_font
set grid xtics
set arrow from ref, first ymin to ref, first ymax nohead dt dt_tail lc rgb col_other
plot data.'.csv' using 'ratio':'idx':'lo':'hi':ytic(strcol('label')) \
        with xerrorbars lw err_lw pt style_point(slot_change) ps ps_main \
        lc rgb style_colour(slot_change) title 'B/A with 95 % interval', \
     '' using (column('kind') == kind_regression ? column('ratio') : NaN):'idx':'lo':'hi' \
        with xerrorbars lw err_lw pt style_point(slot_regression) ps ps_main \
        lc rgb style_colour(slot_regression) title 'significant regression'
