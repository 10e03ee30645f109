/*
 * A tiny test harness for allocbench's host tests.
 *
 *   static void test_something(void) { T_EXPECT(x == 1, "x was %d", x); }
 *   int main(int argc, char **argv) {
 *       T_RUN(test_something);
 *       return t_finish();
 *   }
 *
 * Each T_RUN is one case; a case passes iff no T_EXPECT in it fails.
 * t_finish() prints "N passed, N failed" and returns the exit status.
 * A filter in T_FILTER (environment) runs only cases whose name contains it.
 */
#ifndef ALLOCBENCH_TESTLIB_H
#define ALLOCBENCH_TESTLIB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_case_failures;
static int t_passed, t_failed;
static const char *t_current = "?";

static inline void t_report(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    t_case_failures++;
    fprintf(stderr, "%s:%d: %s: FAILED: %s", file, line, t_current, cond);
    if (fmt != NULL && fmt[0] != '\0') {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
}

/*
 * T_EXPECT(cond) or T_EXPECT(cond, "fmt", args...): records a failure with
 * the reason and goes on. The trailing "" keeps ISO C happy when no reason
 * is given; printf ignores the extra argument.
 */
#define T_EXPECT(...) T_EXPECT_(__VA_ARGS__, "")
#define T_EXPECT_(cond, ...)                                         \
    do {                                                             \
        if (!(cond))                                                 \
            t_report(__FILE__, __LINE__, #cond, __VA_ARGS__);        \
    } while (0)

/* Like T_EXPECT, but leaves the current case on failure. */
#define T_REQUIRE(...) T_REQUIRE_(__VA_ARGS__, "")
#define T_REQUIRE_(cond, ...)                                        \
    do {                                                             \
        if (!(cond)) {                                               \
            t_report(__FILE__, __LINE__, #cond, __VA_ARGS__);        \
            return;                                                  \
        }                                                            \
    } while (0)

static inline int t_selected(const char *name)
{
    const char *f = getenv("T_FILTER");
    return f == NULL || f[0] == '\0' || strstr(name, f) != NULL;
}

static inline void t_end_case(const char *name)
{
    if (t_case_failures == 0) {
        t_passed++;
        printf("ok   %s\n", name);
    } else {
        t_failed++;
        printf("FAIL %s (%d failed checks)\n", name, t_case_failures);
    }
    fflush(stdout);
}

#define T_RUN(fn)                  \
    do {                           \
        if (t_selected(#fn)) {     \
            t_current = #fn;       \
            t_case_failures = 0;   \
            fn();                  \
            t_end_case(#fn);       \
        }                          \
    } while (0)

/* Runs fn(arg) as a case named name (for loops over the registry). */
#define T_RUN_NAMED(name, fn, arg)  \
    do {                            \
        if (t_selected(name)) {     \
            t_current = (name);     \
            t_case_failures = 0;    \
            fn(arg);                \
            t_end_case(name);       \
        }                           \
    } while (0)

static inline int t_finish(void)
{
    printf("%d passed, %d failed\n", t_passed, t_failed);
    return t_failed == 0 && t_passed > 0 ? 0 : 1;
}

#endif
