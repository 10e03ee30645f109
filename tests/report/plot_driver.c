/* allocbench plot without the CLI: `plot_driver RUN_DIR [options]` is
   `allocbench plot RUN_DIR [options]`. */
#include "plot.h"

int main(int argc, char **argv)
{
    argv[0] = "report";
    return ab_report_main(argc, argv);
}
