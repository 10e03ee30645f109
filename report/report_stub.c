/*
 * report: the commands when report/ is built without libjansson and
 * libcmark-gfm (a target they are not installed for, e.g. -m32): each says
 * so and fails. report/CMakeLists.txt picks this file.
 */
#include <stdio.h>

#include "compare.h"
#include "plot.h"

static int missing(const char *cmd)
{
    fprintf(stderr, "allocbench %s: this build has no report (libjansson and libcmark-gfm "
                    "were not found for its target); use a default build\n", cmd);
    return 1;
}

int ab_plot_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("plot");
}

int ab_report_main(int argc, char **argv)
{
    return missing(argc > 0 ? argv[0] : "report");
}

int ab_check_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("report --check");
}

int ab_compare_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("compare");
}
