/*
 * host/lib: child processes.
 *
 *   hproc p = {.argv = argv, .out_path = "run.out", .err_path = "run.err"};
 *   if (hproc_spawn(&p) == 0 && hproc_wait(&p, 60) == HPROC_EXITED)
 *       ... p.status, p.ru ...
 *
 * The child's stdin is /dev/null. env_drop names variables (NAME, no '=')
 * removed from the environment, env_add adds NAME=VALUE strings; both are
 * NULL-terminated lists or NULL. A child that cannot exec exits 127.
 */
#ifndef ALLOCBENCH_HOSTLIB_PROCESS_H
#define ALLOCBENCH_HOSTLIB_PROCESS_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef struct hproc {
    char *const *argv;            /* argv[0] is searched in PATH */
    const char *const *env_drop;
    const char *const *env_add;
    const char *out_path;         /* NULL: inherit stdout */
    const char *err_path;         /* NULL: inherit; equal to out_path: the same file */
    bool out_to_err;              /* stdout goes where stderr goes */
    bool keep_stdin;              /* inherit stdin instead of /dev/null */
    bool own_group;               /* the child leads a new process group */
    bool die_with_parent;         /* SIGKILL when the parent dies (a killed
                                     matrix leaves no child running beside
                                     the resumed one); with own_group, the
                                     whole group: a watcher process kills it
                                     (grandchildren: hyperfine's commands,
                                     gcc's cc1) */
    /* Filled in: */
    pid_t pid;
    pid_t watcher;                /* the group's watcher, or 0 */
    int watch_fd;                 /* its pipe: EOF without a byte = the
                                     parent died */
    int status;                   /* as waitpid gives it */
    struct rusage ru;
} hproc;

typedef enum {
    HPROC_EXITED = 0,   /* p->status holds how */
    HPROC_TIMEOUT = 1,  /* killed (its group, if own_group) after the timeout */
    HPROC_ERROR = -1    /* not started or not waited for (errno set) */
} hproc_end;

/* Starts the child (and its group's watcher). 0, or -1 with errno set. */
int hproc_spawn(hproc *p);
/* Waits for it; timeout_s 0 waits for ever. */
hproc_end hproc_wait(hproc *p, double timeout_s);
/* SIGKILL to the child (its group if own_group) and reaps it. */
void hproc_kill(hproc *p);
/* The exit code, or 128 + signal, or -1 if the status says neither. */
int hproc_exit_code(const hproc *p);
/* Sends SIGINT and SIGTERM to fn (a stop request the caller acts on at a
   safe point). restart: SA_RESTART, so that slow calls resume; without it
   a wait returns EINTR and the caller can pass the stop on at once. */
void hproc_on_stop(void (*fn)(int), int restart);

#endif
