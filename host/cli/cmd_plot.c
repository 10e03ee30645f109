/* allocbench report | plot | compare: report/'s own entry point, which reads
   a run folder and nothing else (argv[0] is the command). */
#include "commands.h"
#include "plot.h"

int cmd_plot(int argc, char **argv)
{
    return ab_report_main(argc, argv);
}
