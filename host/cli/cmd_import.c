/* allocbench import KIND IN [-o OUT]: host/traces/ turns strace, ftrace or
   perf output into a page trace. */
#include "commands.h"
#include "trace.h"

int cmd_import(int argc, char **argv)
{
    return trace_import_main(argc + 1, argv - 1); /* it reads from argv[2] */
}
