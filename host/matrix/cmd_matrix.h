/* allocbench matrix | cell | merge: the command entry points (argv[1] is
 * the command). Each returns the exit status: 0, 1 failed, 2 bad usage. */
#ifndef ALLOCBENCH_CMD_MATRIX_H
#define ALLOCBENCH_CMD_MATRIX_H

int matrix_cmd(int argc, char **argv);
int cell_cmd(int argc, char **argv);
/* merge.c */
int merge_main(int argc, char **argv);

#endif
