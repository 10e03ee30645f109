/*
 * allocbench plot: JSON, recursive descent with a depth bound. Strings keep
 * \uXXXX escapes below 0x80 and turn others into '?': the values only label
 * plots and tables. Cost: O(text).
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *p;
    const char *start;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void parse_fail(parser *ps, const char *what)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    size_t line = 1;
    for (const char *q = ps->start; q < ps->p; q++)
        line += *q == '\n';
    snprintf(ps->err, ps->errlen, "line %zu: %s", line, what);
}

static void space_skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static char *string_parse(parser *ps)
{
    ps->p++; /* opening quote */
    size_t cap = 32, n = 0;
    char *s = malloc(cap);
    while (s != NULL && *ps->p != '"') {
        char c = *ps->p;
        if (c == '\0' || c == '\n') {
            parse_fail(ps, "unterminated string");
            break;
        }
        if (c == '\\') {
            ps->p++;
            switch (*ps->p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                /* Stops at the first byte that is not a hex digit: the text
                   may end (NUL) before the four digits. */
                for (int k = 1; k <= 4 && !ps->failed; k++) {
                    char h = ps->p[k];
                    int d = h >= '0' && h <= '9' ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0)
                        parse_fail(ps, "\\u needs four hex digits");
                    v = v * 16 + (unsigned)(d < 0 ? 0 : d);
                }
                if (ps->failed)
                    break;
                ps->p += 4;
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            case '\0': parse_fail(ps, "unterminated string"); c = '\0'; break;
            default: c = *ps->p; break;
            }
            if (ps->failed)
                break;
        }
        if (n + 2 > cap) {
            cap *= 2;
            char *ns = realloc(s, cap);
            if (ns == NULL)
                free(s);
            s = ns;
            if (s == NULL)
                break;
        }
        s[n++] = c;
        ps->p++;
    }
    if (s == NULL) {
        parse_fail(ps, "out of memory");
        return NULL;
    }
    s[n] = '\0';
    if (!ps->failed)
        ps->p++; /* closing quote */
    return s;
}

static ab_json *value_parse(parser *ps, int depth);

static ab_json *node_new(parser *ps, ab_jtype type)
{
    ab_json *j = calloc(1, sizeof *j);
    if (j == NULL)
        parse_fail(ps, "out of memory");
    else
        j->type = type;
    return j;
}

static ab_json *container_parse(parser *ps, int depth, int is_obj)
{
    ab_json *j = node_new(ps, is_obj ? AB_JOBJ : AB_JARR);
    if (j == NULL)
        return NULL;
    char close = is_obj ? '}' : ']';
    ps->p++;
    space_skip(ps);
    ab_json **tail = &j->child;
    if (*ps->p == close) {
        ps->p++;
        return j;
    }
    while (!ps->failed) {
        char *key = NULL;
        space_skip(ps);
        if (is_obj) {
            if (*ps->p != '"') {
                parse_fail(ps, "expected a member name in quotes");
                break;
            }
            key = string_parse(ps);
            space_skip(ps);
            if (*ps->p != ':') {
                free(key);
                parse_fail(ps, "expected ':' after a member name");
                break;
            }
            ps->p++;
        }
        ab_json *v = value_parse(ps, depth + 1);
        if (v == NULL) {
            free(key);
            break;
        }
        v->key = key;
        *tail = v;
        tail = &v->next;
        space_skip(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return j;
        }
        parse_fail(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    ab_json_free(j);
    return NULL;
}

static ab_json *value_parse(parser *ps, int depth)
{
    if (depth > AB_JSON_MAX_DEPTH) {
        parse_fail(ps, "nested too deeply");
        return NULL;
    }
    space_skip(ps);
    char c = *ps->p;
    if (c == '{' || c == '[')
        return container_parse(ps, depth, c == '{');
    if (c == '"') {
        ab_json *j = node_new(ps, AB_JSTR);
        if (j != NULL)
            j->str = string_parse(ps);
        if (ps->failed) {
            ab_json_free(j);
            return NULL;
        }
        return j;
    }
    static const struct { const char *word; ab_jtype type; double num; } words[] = {
        {"true", AB_JBOOL, 1}, {"false", AB_JBOOL, 0}, {"null", AB_JNULL, 0},
    };
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        size_t n = strlen(words[k].word);
        if (strncmp(ps->p, words[k].word, n) == 0) {
            ab_json *j = node_new(ps, words[k].type);
            if (j != NULL) {
                j->num = words[k].num;
                j->str = strdup(words[k].word);
            }
            ps->p += n;
            return j;
        }
    }
    char *end;
    double v = strtod(ps->p, &end);
    if (end == ps->p || (c != '-' && (c < '0' || c > '9'))) {
        parse_fail(ps, "expected a value");
        return NULL;
    }
    ab_json *j = node_new(ps, AB_JNUM);
    if (j != NULL) {
        j->num = v;
        j->str = strndup(ps->p, (size_t)(end - ps->p));
    }
    ps->p = end;
    return j;
}

ab_json *ab_json_parse(const char *text, char *err, size_t errlen)
{
    parser ps = {text, text, err, errlen, 0};
    ab_json *j = value_parse(&ps, 0);
    if (j != NULL) {
        space_skip(&ps);
        if (*ps.p != '\0') {
            parse_fail(&ps, "text after the JSON value");
            ab_json_free(j);
            j = NULL;
        }
    }
    return j;
}

void ab_json_free(ab_json *j)
{
    while (j != NULL) {
        ab_json *next = j->next;
        ab_json_free(j->child);
        free(j->key);
        free(j->str);
        free(j);
        j = next;
    }
}

const ab_json *ab_json_get(const ab_json *obj, const char *key)
{
    if (obj == NULL || obj->type != AB_JOBJ)
        return NULL;
    for (const ab_json *m = obj->child; m != NULL; m = m->next)
        if (m->key != NULL && strcmp(m->key, key) == 0)
            return m;
    return NULL;
}
