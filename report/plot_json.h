/*
 * allocbench plot: a small JSON reader for meta.json and Google Benchmark
 * output. Builds a tree; nesting deeper than AB_JSON_MAX_DEPTH is refused.
 */
#ifndef ALLOCBENCH_PLOT_JSON_H
#define ALLOCBENCH_PLOT_JSON_H

#include <stddef.h>

#define AB_JSON_MAX_DEPTH 64

typedef enum ab_jtype { AB_JNULL, AB_JBOOL, AB_JNUM, AB_JSTR, AB_JARR, AB_JOBJ } ab_jtype;

typedef struct ab_json {
    ab_jtype type;
    char *key;             /* member name inside an object, else NULL */
    char *str;             /* AB_JSTR: the value; AB_JNUM/AB_JBOOL: its text */
    double num;            /* AB_JNUM, AB_JBOOL (0/1) */
    struct ab_json *child; /* first element or member */
    struct ab_json *next;
} ab_json;

/* Parses text; NULL with "line N: reason" in err when it is not JSON. */
ab_json *ab_json_parse(const char *text, char *err, size_t errlen);
void ab_json_free(ab_json *j);
/* Member key of an object, or NULL. */
const ab_json *ab_json_get(const ab_json *obj, const char *key);

#endif
