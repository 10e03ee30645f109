/*
 * host/cli: the commands. Each takes argv[0] = its name and returns the
 * exit status: 0 ok, 1 failed, 2 bad usage (before any work starts).
 */
#ifndef ALLOCBENCH_COMMANDS_H
#define ALLOCBENCH_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_programs(int argc, char **argv);
int cmd_heapscale(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_memprobe(int argc, char **argv);

#endif
