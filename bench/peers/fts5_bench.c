/*
 * fts5_bench.c - the SQLite FTS5 peer of the benchmark (bench/README.md).
 *
 *   fts5_bench index DBFILE FILE.jsonl [--store]
 *   fts5_bench query DBFILE QUERIES.tsv RUN.trec TIMINGS.tsv [-n N] [--count]
 *
 * index: one FTS5 row per JSONL line, rowid = line number, in a single
 * column holding title, a blank line, then body, so that bm25() sees one
 * field as Xapian and our engine do (FTS5 scores each column apart).
 * Tokenizer `porter unicode61` (case and diacritics folded, Porter stems,
 * positions kept: detail=full). Contentless (content='') by default: no
 * stored text, like the Xapian peer; --store keeps the text in the table.
 * External ids live in an ordinary table ids(rowid, ext). The build runs
 * in one transaction with journal and fsync off, then 'optimize' merges
 * the segments into one b-tree: both count as indexing time.
 *
 * query: the engine's syntax is rewritten to FTS5's before the clock
 * starts: bare words -> "a" OR "b", `+a +b` -> "a" AND "b", `"a b"` ->
 * the FTS5 phrase "a b" (Porter-stemmed, as FTS5 stems every token).
 * Timed (CLOCK_MONOTONIC): SELECT rowid FROM f WHERE f MATCH ? ORDER BY rank
 * LIMIT N (rank = bm25(), k1 = 1.2, b = 0.75, fixed in FTS5), then each of
 * the N external ids read from ids. The database is read through mmap.
 * With --count an untimed count(*) gives the exact number of matches
 * (third column of TIMINGS); without it that column is -1.
 * Exit status: 0 some query matched, 1 none, 2 error.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

static int
usage(void)
{
    fprintf(stderr,
            "usage: fts5_bench index DBFILE FILE.jsonl [--store]\n"
            "       fts5_bench query DBFILE QUERIES.tsv RUN.trec TIMINGS.tsv "
            "[-n N] [--count]\n"
            "       fts5_bench --version\n");
    return 2;
}

static int
exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fts5_bench: %s: %s\n", sql, err);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int
cmd_index(const char *dbpath, const char *path, int store)
{
    struct jl_reader rd;
    struct jl_doc d;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *insid = NULL;
    char *text = NULL;
    size_t cap = 0, bytes = 0;
    long ndocs = 0;
    double t0 = jl_now_us(), t1;
    int rc, status = 2;

    if (jl_open(&rd, path) != 0) {
        fprintf(stderr, "fts5_bench: %s: %s\n", path, strerror(errno));
        return 2;
    }
    remove(dbpath);
    if (sqlite3_open(dbpath, &db) != SQLITE_OK) {
        fprintf(stderr, "fts5_bench: %s: %s\n", dbpath, sqlite3_errmsg(db));
        goto out;
    }
    if (exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;") ||
        exec(db, store ? "CREATE VIRTUAL TABLE f USING fts5(text, "
                         "tokenize='porter unicode61')"
                       : "CREATE VIRTUAL TABLE f USING fts5(text, "
                         "content='', tokenize='porter unicode61')") ||
        exec(db, "CREATE TABLE ids(rowid INTEGER PRIMARY KEY, ext TEXT)") ||
        exec(db, "BEGIN"))
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO f(rowid, text) VALUES(?1, ?2)", -1,
                           &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO ids(rowid, ext) VALUES(?1, ?2)", -1,
                           &insid, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_bench: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    while ((rc = jl_next(&rd, &d)) == 1) {
        size_t len = d.title_len + 2 + d.body_len;
        if (len + 1 > cap) {
            cap = len + 1 > 2 * cap ? len + 1 : 2 * cap;
            text = realloc(text, cap);
            if (text == NULL) {
                fprintf(stderr, "fts5_bench: out of memory\n");
                goto out;
            }
        }
        memcpy(text, d.title, d.title_len);
        memcpy(text + d.title_len, "\n\n", 2);
        memcpy(text + d.title_len + 2, d.body, d.body_len);
        ndocs++;
        sqlite3_bind_int64(ins, 1, ndocs);
        sqlite3_bind_text(ins, 2, text, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(insid, 1, ndocs);
        sqlite3_bind_text(insid, 2, d.id, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE ||
            sqlite3_step(insid) != SQLITE_DONE) {
            fprintf(stderr, "fts5_bench: insert: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
        sqlite3_reset(insid);
        bytes += d.title_len + d.body_len;
    }
    if (rc < 0) {
        fprintf(stderr, "fts5_bench: %s:%ld: bad JSON line\n", path, rd.lineno);
        goto out;
    }
    if (exec(db, "COMMIT"))
        goto out;
    t1 = jl_now_us();
    if (exec(db, "INSERT INTO f(f) VALUES('optimize')"))
        goto out;
    fprintf(stderr,
            "fts5_bench: indexed %ld docs, %zu bytes of text in %.2f s "
            "(%.2f MB/s; optimize %.2f s of it)\n",
            ndocs, bytes, (jl_now_us() - t0) / 1e6, bytes / (jl_now_us() - t0),
            (jl_now_us() - t1) / 1e6);
    status = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(insid);
    if (sqlite3_close(db) != SQLITE_OK && status == 0) {
        fprintf(stderr, "fts5_bench: close: %s\n", sqlite3_errmsg(db));
        status = 2;
    }
    free(text);
    jl_close(&rd);
    return status;
}

/* ---- query translation ------------------------------------------------ */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL) {
            fprintf(stderr, "fts5_bench: out of memory\n");
            exit(2);
        }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Appends `s` as one FTS5 string: in double quotes, quotes doubled. */
static void
sb_quoted(struct sbuf *b, const char *s, size_t n)
{
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sb_add(b, "\"\"", 2);
        else
            sb_add(b, s + i, 1);
    }
    sb_add(b, "\"", 1);
}

/*
 * Our syntax to FTS5's: items are bare words, +words and "phrases". With
 * any +item the query is the AND of the +items (FTS5 has no optional
 * scoring terms beside required ones), else the OR of all items.
 */
static void
translate(const char *q, struct sbuf *out)
{
    struct sbuf all = {0}, req = {0};
    const char *p = q;

    out->len = 0;
    sb_add(out, "", 0);
    while (*p != '\0') {
        int plus = 0;
        const char *s, *e;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        if (*p == '+') {
            plus = 1;
            p++;
        }
        if (*p == '"') {
            s = ++p;
            while (*p != '\0' && *p != '"')
                p++;
            e = p;
            if (*p == '"')
                p++;
        } else {
            s = p;
            while (*p != '\0' && *p != ' ' && *p != '\t')
                p++;
            e = p;
        }
        if (e == s)
            continue;
        struct sbuf *b = plus ? &req : &all;
        if (b->len > 0)
            sb_add(b, plus ? " AND " : " OR ", plus ? 5 : 4);
        sb_quoted(b, s, (size_t)(e - s));
    }
    if (req.len > 0)
        sb_add(out, req.p, req.len);
    else if (all.len > 0)
        sb_add(out, all.p, all.len);
    free(all.p);
    free(req.p);
}

static int
cmd_query(const char *dbpath, const char *qpath, const char *runpath,
          const char *timpath, int n, int count)
{
    FILE *qf = fopen(qpath, "rb"), *run = NULL, *tim = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *top = NULL, *getid = NULL, *cnt = NULL;
    char *line = NULL, **ids = NULL;
    double *scores = NULL;
    size_t cap = 0;
    ssize_t len;
    struct sbuf fq = {0};
    int status = 2, matched = 0;

    if (qf == NULL) {
        fprintf(stderr, "fts5_bench: %s: %s\n", qpath, strerror(errno));
        return 2;
    }
    run = fopen(runpath, "w");
    tim = fopen(timpath, "w");
    if (run == NULL || tim == NULL) {
        fprintf(stderr, "fts5_bench: cannot write %s or %s\n", runpath,
                timpath);
        goto out;
    }
    ids = calloc((size_t)n + 1, sizeof *ids);
    scores = calloc((size_t)n + 1, sizeof *scores);
    if (ids == NULL || scores == NULL)
        goto out;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        exec(db, "PRAGMA mmap_size=68719476736") ||
        sqlite3_prepare_v2(db,
                           "SELECT rowid, rank FROM f WHERE f MATCH ?1 "
                           "ORDER BY rank LIMIT ?2",
                           -1, &top, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT ext FROM ids WHERE rowid = ?1", -1,
                           &getid, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE f MATCH ?1", -1,
                           &cnt, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_bench: %s: %s\n", dbpath, sqlite3_errmsg(db));
        goto out;
    }
    while ((len = getline(&line, &cap, qf)) >= 0) {
        char *tab;
        int k = 0, rc;
        long long hits = -1;
        double t0, us;

        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        tab = strchr(line, '\t');
        if (len == 0 || tab == NULL)
            continue;
        *tab = '\0';
        translate(tab + 1, &fq);

        t0 = jl_now_us();
        sqlite3_bind_text(top, 1, fq.p, (int)fq.len, SQLITE_STATIC);
        sqlite3_bind_int(top, 2, n);
        while ((rc = sqlite3_step(top)) == SQLITE_ROW) {
            sqlite3_int64 rowid = sqlite3_column_int64(top, 0);
            scores[k] = -sqlite3_column_double(top, 1);
            sqlite3_bind_int64(getid, 1, rowid);
            if (sqlite3_step(getid) == SQLITE_ROW)
                ids[k] = strdup((const char *)sqlite3_column_text(getid, 0));
            else
                ids[k] = strdup("?");
            sqlite3_reset(getid);
            k++;
        }
        sqlite3_reset(top);
        us = jl_now_us() - t0;
        if (rc != SQLITE_DONE)
            fprintf(stderr, "fts5_bench: query %s [%s]: %s\n", line, fq.p,
                    sqlite3_errmsg(db));

        if (count && rc == SQLITE_DONE) {
            sqlite3_bind_text(cnt, 1, fq.p, (int)fq.len, SQLITE_STATIC);
            if (sqlite3_step(cnt) == SQLITE_ROW)
                hits = sqlite3_column_int64(cnt, 0);
            sqlite3_reset(cnt);
        }
        for (int i = 0; i < k; i++) {
            fprintf(run, "%s Q0 %s %d %.6f fts5\n", line, ids[i], i + 1,
                    scores[i]);
            free(ids[i]);
        }
        fprintf(tim, "%s\t%.1f\t%lld\n", line, us, hits);
        if (k > 0)
            matched = 1;
    }
    status = matched ? 0 : 1;
out:
    sqlite3_finalize(top);
    sqlite3_finalize(getid);
    sqlite3_finalize(cnt);
    sqlite3_close(db);
    if (run != NULL && fclose(run) != 0)
        status = 2;
    if (tim != NULL && fclose(tim) != 0)
        status = 2;
    fclose(qf);
    free(line);
    free(fq.p);
    free(ids);
    free(scores);
    return status;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("fts5_bench (SQLite %s)\n", sqlite3_libversion());
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "index") == 0) {
        int store = argc == 5 && strcmp(argv[4], "--store") == 0;
        if (argc > 5 || (argc == 5 && !store))
            return usage();
        return cmd_index(argv[2], argv[3], store);
    }
    if (argc >= 6 && strcmp(argv[1], "query") == 0) {
        int n = 10, count = 0;
        for (int i = 6; i < argc; i++) {
            if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
                n = atoi(argv[++i]);
            else if (strcmp(argv[i], "--count") == 0)
                count = 1;
            else
                return usage();
        }
        if (n < 1)
            return usage();
        return cmd_query(argv[2], argv[3], argv[4], argv[5], n, count);
    }
    return usage();
}
