/*
 * allocbench host: the malloc recorder (libab_mtrace.so) and the heap
 * preload libraries of this build, and `record`: a command run under the
 * recorder, one trace per process.
 */
#ifndef ALLOCBENCH_RECORD_H
#define ALLOCBENCH_RECORD_H

/* libab_mtrace.so and libab_<heap>.so of this build, or NULL if not found:
   the build's paths, else beside the allocbench binary
   (../preload/mtrace/, ../preload/), else $ALLOCBENCH_LIBDIR. */
const char *hr_mtrace_lib(void);
const char *hr_heap_lib(const char *heap);

/*
 * Runs argv (argv[0] searched in PATH) under the recorder. Each recorded
 * process writes OUT.<program>.<pid>.abt and a line of OUT.index.tsv
 * (pid, ppid, program, argv0, file; the header is written first); OUT
 * itself is the command's own process's trace (a hard link; none if that
 * process recorded nothing). Prints a line per trace. Returns the command's
 * exit status (128 + signal), or 1 if the recorder is missing or no
 * process left a trace.
 */
int record_run(const char *out, char *const *argv);

#endif
