/* host/lib: child processes (process.h). */
#define _GNU_SOURCE
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

extern char **environ;

static bool env_dropped(const char *kv, const char *const *drop)
{
    for (size_t i = 0; drop != NULL && drop[i] != NULL; i++) {
        size_t n = strlen(drop[i]);
        if (strncmp(kv, drop[i], n) == 0 && kv[n] == '=')
            return true;
    }
    return false;
}

/* The child's environment, built before fork (no malloc after it). */
static char **env_build(const hproc *p)
{
    size_t n = 0, k = 0, nadd = 0;
    while (environ[n] != NULL)
        n++;
    while (p->env_add != NULL && p->env_add[nadd] != NULL)
        nadd++;
    char **env = calloc(n + nadd + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!env_dropped(environ[i], p->env_drop))
            env[k++] = environ[i];
    for (size_t i = 0; i < nadd; i++)
        env[k++] = (char *)p->env_add[i];
    env[k] = NULL;
    return env;
}

static void child_redirect(const hproc *p)
{
    int in = p->keep_stdin ? -1 : open("/dev/null", O_RDONLY);
    if (in >= 0)
        dup2(in, 0);
    int out = -1, err = -1;
    if (p->out_path != NULL && (out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        _exit(126);
    if (p->err_path != NULL && p->out_path != NULL && strcmp(p->err_path, p->out_path) == 0)
        err = out;
    else if (p->err_path != NULL &&
             (err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        _exit(126);
    if (out >= 0)
        dup2(out, 1);
    if (err >= 0)
        dup2(err, 2);
    if (p->out_to_err)
        dup2(2, 1);
}

/*
 * The watcher of a child's process group: a forked copy of the parent that
 * holds nothing but the read end of a pipe whose write end only the parent
 * has. A byte means the child was reaped (exit quietly); EOF without one
 * means the parent died (SIGKILL included), and the group dies with it.
 */
static void watcher_main(int rfd, pid_t group)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    for (int fd = 0; fd < 1024; fd++)
        if (fd != rfd)
            close(fd);
    char c;
    ssize_t n;
    while ((n = read(rfd, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        kill(-group, SIGKILL);
    _exit(0);
}

/* Starts the watcher of p's group. 0, or -1 (errno set). */
static int watcher_start(hproc *p)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    p->watcher = fork();
    if (p->watcher == 0)
        watcher_main(fds[0], p->pid);
    int e = errno;
    close(fds[0]);
    if (p->watcher < 0) {
        close(fds[1]);
        p->watcher = 0;
        errno = e;
        return -1;
    }
    p->watch_fd = fds[1];
    return 0;
}

/* The child is reaped: the watcher goes without killing anything. */
static void watcher_stop(hproc *p)
{
    if (p->watcher <= 0)
        return;
    ssize_t n = write(p->watch_fd, "x", 1);
    (void)n;
    close(p->watch_fd);
    while (waitpid(p->watcher, NULL, 0) < 0 && errno == EINTR)
        ;
    p->watcher = 0;
}

int hproc_spawn(hproc *p)
{
    p->watcher = 0;
    p->watch_fd = -1;
    char **env = env_build(p);
    if (env == NULL)
        return -1;
    fflush(NULL);
    pid_t parent = getpid();
    p->pid = fork();
    if (p->pid < 0) {
        int e = errno;
        free(env);
        errno = e;
        return -1;
    }
    if (p->pid == 0) {
        if (p->die_with_parent) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(127); /* the parent died before prctl */
        }
        if (p->own_group)
            setpgid(0, 0);
        child_redirect(p);
        environ = env;
        execvp(p->argv[0], p->argv);
        dprintf(2, "allocbench: cannot run %s: %s\n", p->argv[0], strerror(errno));
        _exit(127);
    }
    if (p->own_group)
        setpgid(p->pid, p->pid); /* either side may win the race */
    free(env);
    if (p->own_group && p->die_with_parent && watcher_start(p) != 0) {
        int e = errno;
        hproc_kill(p);
        errno = e;
        return -1;
    }
    return 0;
}

void hproc_kill(hproc *p)
{
    if (p->pid <= 0)
        return;
    kill(p->own_group ? -p->pid : p->pid, SIGKILL);
    while (wait4(p->pid, &p->status, 0, &p->ru) < 0 && errno == EINTR)
        ;
    watcher_stop(p);
}

hproc_end hproc_wait(hproc *p, double timeout_s)
{
    double deadline = host_now_s() + timeout_s;
    memset(&p->ru, 0, sizeof p->ru);
    for (;;) {
        pid_t w = wait4(p->pid, &p->status, timeout_s > 0 ? WNOHANG : 0, &p->ru);
        if (w == p->pid) {
            watcher_stop(p);
            return HPROC_EXITED;
        }
        if (w < 0 && errno != EINTR)
            return HPROC_ERROR;
        if (timeout_s > 0 && host_now_s() > deadline) {
            hproc_kill(p);
            return HPROC_TIMEOUT;
        }
        if (w == 0) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

int hproc_exit_code(const hproc *p)
{
    if (WIFEXITED(p->status))
        return WEXITSTATUS(p->status);
    if (WIFSIGNALED(p->status))
        return 128 + WTERMSIG(p->status);
    return -1;
}

void hproc_on_stop(void (*fn)(int), int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
