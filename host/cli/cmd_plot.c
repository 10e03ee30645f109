/* allocbench plot RUN_DIR: figures and the report (report/, ab_plot_main). */
#include "commands.h"
#include "plot.h"

int cmd_plot(int argc, char **argv)
{
    return ab_plot_main(argc, argv);
}
