# allocbench: every style value of every figure. Loaded first by the run's
# generated plots/data/strategies.gp, which gives each strategy its slot:
# col_<name> = style_colour(slot), pt_<name> = style_point(slot). The slot
# comes from the run's strategies.csv (colour_slot), else the order the rows
# name the strategies. This is the only script with numbers in it.

# Okabe-Ito first (colour-blind safe), then Tol's extra colours.
style_colours = "#000000 #E69F00 #56B4E9 #009E73 #D55E00 #CC79A7 #0072B2 " . \
                "#882255 #44AA99 #999933 #AA4499 #332288 #999999 #117733"
# gnuplot point types: filled square, circle, triangle, diamond, ...
style_points = "5 7 9 13 11 4 6 8 10 12 1 2 3 14"
style_colour(k) = word(style_colours, k % words(style_colours) + 1)
style_point(k) = int(word(style_points, k % words(style_points) + 1))

col_other = '#777777'
pt_other = 1
# Shared sizes: line width, point size, fonts, boxes, dashes, error bars.
lw_main = 2
ps_main = 1.3
font_main = 'sans,11'
key_font = 'sans,10'
box_rel = 0.85
dt_tail = 2
err_lw = 1.5
xtic_angle = 45
tic_scale = 0
square_ratio = -1
# Point labels (host against kernel): offset from the point, in characters.
label_dx = 0.6
label_dy = 0.4
