/*
 * jsonl.h - reads the benchmark corpora, one JSON object a line:
 * {"id": "...", "title": "...", "date": "...", "body": "..."}.
 * Shared by the peer runners (C and C++), so every peer sees exactly the
 * same documents and the same title+body text.
 */
#ifndef BENCH_JSONL_H
#define BENCH_JSONL_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct jl_reader {
    FILE *fp;
    char *line; /* getline buffer */
    size_t cap;
    void *json; /* cJSON tree of the current line */
    long lineno;
};

struct jl_doc {
    const char *id; /* borrowed: valid until the next jl_next() */
    const char *title;
    size_t title_len;
    const char *body;
    size_t body_len;
};

/* Opens `path` ("-" = stdin). Returns 0, or -1 with errno set. */
int jl_open(struct jl_reader *r, const char *path);

/*
 * Reads the next document. Returns 1 on a document, 0 at the end, -1 on a
 * malformed line (r->lineno says which). Missing title or body read as "";
 * a numeric id is turned into its decimal text.
 */
int jl_next(struct jl_reader *r, struct jl_doc *doc);

void jl_close(struct jl_reader *r);

/* Monotonic clock in microseconds (CLOCK_MONOTONIC). */
double jl_now_us(void);

#ifdef __cplusplus
}
#endif

#endif
