# allocbench: shared set-up, loaded before every plot script.
# Expects: fmt ('png' or 'svg'), out (path without extension), width, height
# (pixels), style (the run's generated style file: per-strategy col_<name>,
# pt_<name>, and the shared lw_main, ps_main, font_main, key_font, box_rel,
# dt_tail, err_lw, xtic_angle, tic_scale, square_ratio). Writes out.fmt.
reset
if (fmt eq 'svg') {
    load style
    set terminal svg size width,height font font_main noenhanced background rgb 'white'
} else {
    load style
    set terminal pngcairo size width,height font font_main noenhanced background rgb 'white'
}
set output out.'.'.fmt
set datafile separator comma
set datafile columnheaders
set grid
set key outside right top vertical font key_font
