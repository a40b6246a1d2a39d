/*
 * output.h - how the searcher prints a query's results: text for people,
 * JSON for programs (one object per query, on one line), TREC run lines
 * for evaluation tools, bare ids for scripts; the totals line, the BM25
 * breakdown of --explain, and query errors with a caret under the column.
 */
#ifndef SE_OUTPUT_H
#define SE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "query.h"

enum out_format { OUT_TEXT, OUT_JSON, OUT_TREC };

/* One clause's share of a hit's score (--explain); label not terminated. */
struct out_explain {
    const char *label;
    size_t label_len;
    uint32_t tf;
    uint64_t df;
    double idf, contribution;
};

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
    int explained; /* --explain: explain[0, nexplain) is the breakdown */
    const struct out_explain *explain;
    size_t nexplain;
    uint32_t doc_len; /* scoring length in tokens, with explain */
};

struct out_query {
    const char *qid; /* query id (batch mode), or "1" */
    const char *text;
    size_t text_len;
    uint64_t total;
    int total_exact; /* 0: total is a lower bound (pruned ranking) */
    size_t offset;   /* rank of the first hit is offset + 1 */
    double took_ms;
    const struct out_hit *hits;
    size_t nhits;
    double avgdl;        /* mean document length, for the text of --explain */
    const char *dropped; /* stop words left out, each NUL-terminated */
    size_t dropped_len;  /* bytes at `dropped` (NULs included) */
};

/* Append `s` as a JSON string (quotes included; invalid UTF-8 -> U+FFFD). */
int out_json_string(struct buf *b, const char *s, size_t len);
/*
 * Write one query's results in `format`; `color` for ANSI in text. JSON
 * has "left_out" (the stop words the query left out, each once) when the
 * query left some out.
 */
int out_write(FILE *f, enum out_format format, const struct out_query *q,
              const char *run_tag, int color);
/*
 * Write the external ids of the hits, one a line; with `qid_column` each
 * line is QID<TAB>ID (batch mode). Returns SE_OK or SE_EIO.
 */
int out_write_ids(FILE *f, const struct out_query *q, int qid_column);
/*
 * The totals line: "10 of 1,234 hits in 0.8 ms", "at least" before a
 * total that is a lower bound; digits grouped by thousands with commas;
 * then "; common words left out: the, of" when the query dropped some.
 */
void out_summary(FILE *f, const struct out_query *q);
/*
 * Report a query syntax error of `text` (`len` bytes), four lines:
 *   searcher: error: <where><msg> at column N
 *   <the query>
 *   <a caret under column N>
 *   hint: <hint>
 * Columns count characters (UTF-8 lead bytes, as the parser counts); the
 * caret is placed by display width (an ideograph takes two cells, a
 * combining mark none, a tab stays a tab), and control characters of the
 * query show as '?'. Without a column only the first line is written, the
 * "at column" left out; without a hint, no hint line.
 */
void out_query_error(FILE *f, const char *where, const struct qry_error *e,
                     const char *text, size_t len);

#endif
