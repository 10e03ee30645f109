/*
 * host/cli: one shape for every command. A command declares its options in
 * a table; the parser (getopt_long: --opt value, --opt=value, -o value) and
 * the help text are both built from that table, so help never drifts from
 * what is accepted.
 *
 *   static const cli_opt opts[] = {
 *       {"seed", 0, "N", "PRNG seed (default 1)"},
 *       {"quick", 'q', NULL, "the short matrix"},
 *   };
 *   static const cli_spec spec = {"matrix", "[options]", "Runs ...", opts, 2, NULL};
 *   cli_parser p;
 *   int k;
 *   const char *v;
 *   cli_begin(&p, &spec, argc, argv);
 *   while ((k = cli_next(&p, &v)) >= 0)
 *       switch (k) { case 0: ...; case 1: ...; }
 *   if (k != CLI_DONE)
 *       return cli_status(k);   (0 after --help/--version, 2 after a bad argument)
 *
 * argv[0] is the command's name; --help/-h and --version/-V are added to
 * every table. Exit statuses: 0 ok, 1 failed, 2 bad usage.
 */
#ifndef ALLOCBENCH_CLI_H
#define ALLOCBENCH_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_opt {
    const char *name;  /* long name, without "--" */
    int short_name;    /* 0 = none */
    const char *arg;   /* the value's placeholder; NULL = a flag */
    const char *help;  /* one line; '\n' starts a continuation line */
} cli_opt;

typedef struct cli_spec {
    const char *cmd;      /* "run" */
    const char *usage;    /* what follows "usage: allocbench run " */
    const char *about;    /* a paragraph after the usage line (may be NULL) */
    const cli_opt *opts;
    size_t nopts;
    const char *footer;   /* after the options (may be NULL) */
    bool stop_at_operand; /* options end at the first operand (record -- CMD) */
    int operands;         /* how many operands it takes, anywhere (import KIND IN) */
} cli_spec;

typedef struct cli_parser {
    const cli_spec *spec;
    int argc;
    char **argv;
    int optind;           /* after CLI_DONE: the first operand */
} cli_parser;

enum { CLI_DONE = -1, CLI_EXIT0 = -2, CLI_USAGE = -3 };

#define CLI_NOPTS(a) (sizeof(a) / sizeof((a)[0]))

void cli_begin(cli_parser *p, const cli_spec *spec, int argc, char **argv);
/* The index in spec->opts of the next option (*value its argument or NULL),
   CLI_DONE at the end, CLI_EXIT0 after printing help or the version,
   CLI_USAGE after printing a usage error. */
int cli_next(cli_parser *p, const char **value);
/* The exit status for what cli_next returned: 0 or 2. */
int cli_status(int k);

/* Applies one option (its index in spec->opts, its value or NULL): 0, or
   an exit status that stops the parse. */
typedef int (*cli_apply_fn)(void *ctx, int k, const char *value);
/* The whole loop: -1 when every option was applied (p->optind is then the
   first operand), else the exit status (0 after --help or --version, 2
   after a bad argument, or what apply returned). */
int cli_parse(cli_parser *p, const cli_spec *spec, int argc, char **argv, cli_apply_fn apply,
              void *ctx);
/* The three options a cell needs: 0, or 2 naming the first one missing. */
int cli_require_cell(const char *cmd, bool strategy, bool workload, bool mem);

/* Prints "allocbench CMD: <fmt, arg>" and the help hint to stderr; returns 2. */
int cli_usage(const char *cmd, const char *fmt, const char *arg);
/* Prints spec's help to f. */
void cli_help(const cli_spec *spec, FILE *f);
/* "allocbench 0.3.0 (abc1234)" */
const char *cli_version(void);

/* Value parsers that name the option in their error; each returns 0, or
   prints the usage error and returns 2. */
int cli_u64(const char *cmd, const char *opt, const char *v, uint64_t *out);
int cli_u64_pos(const char *cmd, const char *opt, const char *v, uint64_t *out);
/* --mem: a size, multiple of 4 KiB. */
int cli_mem(const char *cmd, const char *opt, const char *v, uint64_t *out);

/* Opens the run dir: out, created, or results/<UTC timestamp>. 0, 1 (cannot
   create the default) or 2 (cannot create out). */
int cli_run_dir(const char *cmd, const char *out, char *dir, size_t dir_len);

#endif
