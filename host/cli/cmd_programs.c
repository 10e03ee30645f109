/* allocbench programs | heapscale | record: real programs on the heaps. */
#include "commands.h"
#include "heaprun.h"
#include "programs.h"

int cmd_programs(int argc, char **argv)
{
    return programs_main(argc + 1, argv - 1);
}

int cmd_heapscale(int argc, char **argv)
{
    return hr_heapscale_main(argc + 1, argv - 1);
}

int cmd_record(int argc, char **argv)
{
    return hr_record_main(argc + 1, argv - 1);
}
