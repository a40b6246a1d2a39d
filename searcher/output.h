/*
 * output.h - how the searcher prints a query's results: text for people,
 * JSON for programs (one object per query, on one line), TREC run lines
 * for evaluation tools.
 */
#ifndef SE_OUTPUT_H
#define SE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

enum out_format { OUT_TEXT, OUT_JSON, OUT_TREC };

/* One hit, ready to print; strings are not NUL-terminated. */
struct out_hit {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *date;
    size_t date_len;
    const char *snippet; /* NULL when none was made */
    size_t snippet_len;
    double score;
};

struct out_query {
    const char *qid; /* query id (batch mode), or "1" */
    const char *text;
    size_t text_len;
    uint64_t total;
    int total_exact; /* 0: total is a lower bound (pruned ranking) */
    size_t offset; /* rank of the first hit is offset + 1 */
    double took_ms;
    const struct out_hit *hits;
    size_t nhits;
};

/* Append `s` as a JSON string (quotes included; invalid UTF-8 -> U+FFFD). */
int out_json_string(struct buf *b, const char *s, size_t len);
/* Write one query's results in `format`; `color` for ANSI in text. */
int out_write(FILE *f, enum out_format format, const struct out_query *q,
              const char *run_tag, int color);

#endif
