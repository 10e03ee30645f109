/* host/cli: option tables, getopt_long and the help built from them (cli.h). */
#define _GNU_SOURCE
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "file.h"
#include "host.h"

#ifndef AB_VERSION
#define AB_VERSION "0"
#endif
#ifndef AB_GIT_COMMIT
#define AB_GIT_COMMIT "unknown"
#endif

#define CLI_MAX_OPTS 48
/* getopt_long values of the table's options: CLI_VAL + index. */
#define CLI_VAL 1000
#define CLI_VAL_HELP (CLI_VAL - 1)
#define CLI_VAL_VERSION (CLI_VAL - 2)

static const cli_opt help_opt = {"help", 'h', NULL, "this help"};
static const cli_opt version_opt = {"version", 'V', NULL, "print the version and exit"};

const char *cli_version(void)
{
    return "allocbench " AB_VERSION " (" AB_GIT_COMMIT ")";
}

int cli_usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench %s --help)\n", cmd);
    return 2;
}

/* "  -s, --strategy S" into buf; its length. */
static int opt_label(const cli_opt *o, char *buf, size_t len)
{
    char sh[8] = "    ";
    if (o->short_name != 0)
        snprintf(sh, sizeof sh, "-%c, ", o->short_name);
    return snprintf(buf, len, "  %s--%s%s%s", sh, o->name, o->arg ? " " : "",
                    o->arg ? o->arg : "");
}

static void opt_print(const cli_opt *o, int width, FILE *f)
{
    char label[128];
    int n = opt_label(o, label, sizeof label);
    fputs(label, f);
    const char *h = o->help;
    if (n + 2 > width) {
        fprintf(f, "\n%*s", width, "");
    } else {
        fprintf(f, "%*s", width - n, "");
    }
    for (const char *nl; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
        fprintf(f, "%.*s\n%*s", (int)(nl - h), h, width, "");
    fprintf(f, "%s\n", h);
}

void cli_help(const cli_spec *s, FILE *f)
{
    fprintf(f, "usage: allocbench %s %s\n", s->cmd, s->usage);
    if (s->about != NULL)
        fprintf(f, "\n%s", s->about);
    fprintf(f, "\noptions:\n");
    int width = 0;
    char label[128];
    for (size_t i = 0; i < s->nopts; i++) {
        int n = opt_label(&s->opts[i], label, sizeof label);
        if (n > width && n <= 26)
            width = n;
    }
    width += 2;
    for (size_t i = 0; i < s->nopts; i++)
        opt_print(&s->opts[i], width, f);
    opt_print(&help_opt, width, f);
    opt_print(&version_opt, width, f);
    if (s->footer != NULL)
        fprintf(f, "\n%s", s->footer);
}

void cli_begin(cli_parser *p, const cli_spec *spec, int argc, char **argv)
{
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    p->optind = 1;
    optind = 0; /* glibc: a full re-initialisation */
    opterr = 0;
}

/* The getopt tables from the spec. */
static void tables_build(const cli_spec *s, struct option *lo, char *shorts, size_t shorts_len)
{
    size_t k = 0, n = 0;
    /* '+': stop at the first operand; '-': operands come back as 1 (refused);
       neither: operands are moved behind the options. */
    if (s->stop_at_operand || s->operands == 0)
        shorts[n++] = s->stop_at_operand ? '+' : '-';
    shorts[n++] = ':';
    for (size_t i = 0; i < s->nopts && i < CLI_MAX_OPTS; i++) {
        const cli_opt *o = &s->opts[i];
        lo[k++] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                  CLI_VAL + (int)i};
        if (o->short_name != 0 && n + 3 < shorts_len) {
            shorts[n++] = (char)o->short_name;
            if (o->arg)
                shorts[n++] = ':';
        }
    }
    lo[k++] = (struct option){"help", no_argument, NULL, CLI_VAL_HELP};
    lo[k++] = (struct option){"version", no_argument, NULL, CLI_VAL_VERSION};
    lo[k] = (struct option){NULL, 0, NULL, 0};
    snprintf(shorts + n, shorts_len - n, "hV");
}

static int short_index(const cli_spec *s, int c)
{
    for (size_t i = 0; i < s->nopts; i++)
        if (s->opts[i].short_name == c)
            return (int)i;
    return -1;
}

int cli_next(cli_parser *p, const char **value)
{
    const cli_spec *s = p->spec;
    struct option lo[CLI_MAX_OPTS + 3];
    char shorts[2 * CLI_MAX_OPTS + 8];
    tables_build(s, lo, shorts, sizeof shorts);
    *value = NULL;
    int c = getopt_long(p->argc, p->argv, shorts, lo, NULL);
    p->optind = optind;
    const char *bad = p->argv[optind - 1 >= 1 ? optind - 1 : 1];
    if (c == -1)
        return CLI_DONE;
    if (c == 'h' || c == CLI_VAL_HELP) {
        cli_help(s, stdout);
        return CLI_EXIT0;
    }
    if (c == 'V' || c == CLI_VAL_VERSION) {
        printf("%s\n", cli_version());
        return CLI_EXIT0;
    }
    if (c == ':') {
        cli_usage(s->cmd, "%s needs a value", bad);
        return CLI_USAGE;
    }
    if (c == '?') {
        cli_usage(s->cmd, "unknown argument '%s'", bad);
        return CLI_USAGE;
    }
    if (c == 1) { /* an operand where none is taken */
        cli_usage(s->cmd, "unexpected argument '%s'", optarg);
        return CLI_USAGE;
    }
    *value = optarg;
    return c >= CLI_VAL ? c - CLI_VAL : short_index(s, c);
}

int cli_status(int k)
{
    return k == CLI_EXIT0 ? 0 : 2;
}

int cli_parse(cli_parser *p, const cli_spec *spec, int argc, char **argv, cli_apply_fn apply,
              void *ctx)
{
    const char *v;
    int k, rc;
    cli_begin(p, spec, argc, argv);
    while ((k = cli_next(p, &v)) >= 0)
        if ((rc = apply(ctx, k, v)) != 0)
            return rc;
    if (k != CLI_DONE)
        return cli_status(k);
    if (!spec->stop_at_operand && argc - p->optind > spec->operands)
        return cli_usage(spec->cmd, "unexpected argument '%s'", argv[p->optind + spec->operands]);
    return -1;
}

int cli_require_cell(const char *cmd, bool strategy, bool workload, bool mem)
{
    const char *missing = !strategy ? "--strategy" : !workload ? "--workload" : !mem ? "--mem" : NULL;
    return missing != NULL ? cli_usage(cmd, "%s is required", missing) : 0;
}

int cli_u64(const char *cmd, const char *opt, const char *v, uint64_t *out)
{
    const char *why = args_u64(v, out);
    if (why == NULL)
        return 0;
    fprintf(stderr, "allocbench %s: --%s: '%s' %s\n(see: allocbench %s --help)\n", cmd, opt, v,
            why, cmd);
    return 2;
}

int cli_u64_pos(const char *cmd, const char *opt, const char *v, uint64_t *out)
{
    if (cli_u64(cmd, opt, v, out) != 0)
        return 2;
    if (*out != 0)
        return 0;
    fprintf(stderr, "allocbench %s: --%s: '%s' is not a positive integer\n"
            "(see: allocbench %s --help)\n", cmd, opt, v, cmd);
    return 2;
}

int cli_mem(const char *cmd, const char *opt, const char *v, uint64_t *out)
{
    if ((*out = host_parse_size(v)) != 0)
        return 0;
    fprintf(stderr, "allocbench %s: --%s: '%s' is not a size (e.g. 64M, 16G, 4096K; a "
            "multiple of 4 KiB)\n(see: allocbench %s --help)\n", cmd, opt, v, cmd);
    return 2;
}

int cli_run_dir(const char *cmd, const char *out, char *dir, size_t dir_len)
{
    if (out != NULL) {
        snprintf(dir, dir_len, "%s", out);
        if (host_mkdirs(dir) != 0)
            return cli_usage(cmd, "--out: cannot create '%s'", out);
        return 0;
    }
    if (host_default_run_dir(dir, dir_len) != 0) {
        fprintf(stderr, "allocbench %s: cannot create results/<timestamp>\n", cmd);
        return 1;
    }
    return 0;
}
