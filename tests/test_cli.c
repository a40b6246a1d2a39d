/*
 * test_cli.c - end to end: the real indexer and searcher, run as a user
 * runs them, checking standard output, standard error and exit status.
 *
 * The binaries are $SE_BUILD/indexer and $SE_BUILD/searcher (SE_BUILD
 * defaults to "build"), run from the top of the tree, so the seed's id is
 * the path given: seeds/xinjiang-business-group-ciie.txt. Each test works
 * in its own mkdtemp() folder, where the index lives. run_args() runs
 * them through testutil's tu_run_as(): standard input, output and error
 * through pipes (so the searcher never sees a terminal), a run that hangs
 * killed, and the test failed when a program dies of a signal: bad input
 * must give a message and an exit status, never a crash.
 *
 * Every error is checked to be exactly one line starting with the program's
 * name (STYLE.md: main.c prints one line), naming the file, line or column
 * where there is one.
 *
 * Root reads through chmod 000, so when the tests run as root the
 * unreadable-file test runs the indexer as uid and gid 65534 (nobody),
 * switched in the child between fork() and exec(), with the files it must
 * reach made reachable to that user.
 *
 * Two promises about the index are checked through answers, byte for byte
 * (TREC lines carry ids, ranks and scores to six decimals, and BM25 scores
 * move when the document count or the mean length does):
 *   - a failed indexer run changes nothing. The writer commits only when
 *     its buffer (--memory, 256 MB by default) fills, or at the end of a
 *     run; with the default a run over a small file that fails on line 3
 *     commits nothing, so neither its new documents (lines 1-2), nor its
 *     replacement of an existing id, nor its deletion of the old version
 *     may show. The same file indexed with --skip-bad then shows them all,
 *     so the failed run had something to lose.
 *   - indexing the same files again replaces the documents: same count,
 *     same answers, and the summary says they were replaced.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bm25.h"
#include "buf.h"
#include "testutil.h"

#define SEED "seeds/xinjiang-business-group-ciie.txt"
#define SEED_TITLE "Xinjiang business group craves cooperation deals in CIIE"
#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"

/* Three documents small enough to score by hand (no titles: body only). */
static const char animals[] =
    "{\"id\":\"d1\",\"body\":\"cat dog dog\"}\n"
    "{\"id\":\"d2\",\"body\":\"dog fish\"}\n"
    "{\"id\":\"d3\",\"body\":\"fish fish fish bird\"}\n";
static const char *const animal_ids[] = {"d1", "d2", "d3"};
static const char *const animal_words[][5] = {
    {"cat", "dog", "dog", NULL},
    {"dog", "fish", NULL},
    {"fish", "fish", "fish", "bird", NULL},
};

/* ---------------------------------------------------------------------- */
/* The folder of a test and files in it.                                  */

static char tmp[64];
static char ix[96]; /* tmp/index: not made, the indexer makes it */

/* tmp/rel, in a static buffer (eight alive at a time). */
static const char *
at(const char *rel)
{
    return tu_path(tmp, rel);
}

static int
exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

/* Append every path under `path` with its mode and (for files) bytes. */
static void
snapshot(const char *path, struct buf *b)
{
    struct dirent **names;
    struct stat st;
    char sub[PATH_MAX];
    int n, i;

    cr_assert_eq(lstat(path, &st), 0, "stat %s: %s", path, strerror(errno));
    buf_printf(b, "%s %o %lld\n", path, (unsigned)st.st_mode,
               (long long)st.st_size);
    if (S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "rb");
        char chunk[4096];
        size_t got;
        cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(b, chunk, got);
        fclose(f);
        buf_putc(b, '\n');
    } else if (S_ISDIR(st.st_mode)) {
        n = scandir(path, &names, NULL, alphasort);
        cr_assert_geq(n, 0, "scandir %s: %s", path, strerror(errno));
        for (i = 0; i < n; i++) {
            if (strcmp(names[i]->d_name, ".") != 0 &&
                strcmp(names[i]->d_name, "..") != 0) {
                snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
                snapshot(sub, b);
            }
            free(names[i]);
        }
        free(names);
    }
}

/* ---------------------------------------------------------------------- */
/* Running a program.                                                     */

struct run {
    int code; /* exit status */
    const char *out, *err;
    size_t out_len, err_len;
    struct tu_run tr; /* what out and err point into */
    struct buf cmd;   /* the command line, for messages */
};

/* Every run of a test, freed by teardown (each test is its own process). */
static struct run **runs;
static size_t nruns;

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_cli");
    snprintf(ix, sizeof ix, "%s/index", tmp);
}

static void
teardown(void)
{
    size_t i;

    for (i = 0; i < nruns; i++) {
        tu_run_release(&runs[i]->tr);
        buf_release(&runs[i]->cmd);
        free(runs[i]);
    }
    free(runs);
    runs = NULL;
    nruns = 0;
    tu_rm_tree(tmp);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 300);

/*
 * Run $SE_BUILD/`prog` with `args` (NULL-terminated), `in` (or nothing) on
 * its standard input; as uid 65534 if `as_nobody` and we are root. Fails
 * the test if the program was killed by a signal or could not start.
 */
static const struct run *
run_args(const char *in, int as_nobody, const char *prog,
         const char *const *args)
{
    struct run *r, **grown;
    int i;

    r = calloc(1, sizeof *r);
    grown = realloc(runs, (nruns + 1) * sizeof *runs);
    cr_assert(r != NULL && grown != NULL, "out of memory");
    runs = grown;
    runs[nruns++] = r;
    buf_puts(&r->cmd, prog);
    for (i = 0; args[i]; i++)
        buf_printf(&r->cmd, " '%s'", args[i]);
    if (in)
        buf_printf(&r->cmd, " < (%zu bytes)", strlen(in));
    tu_run_as(&r->tr, in, NULL, as_nobody, prog, args);
    r->code = r->tr.code;
    r->out = r->tr.out;
    r->out_len = r->tr.out_len;
    r->err = r->tr.err;
    r->err_len = r->tr.err_len;
    return r;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define RUN(in, prog, ...) run_args((in), 0, (prog), ARGS(__VA_ARGS__))
#define INDEXER(...) RUN(NULL, "indexer", __VA_ARGS__)
#define SEARCHER(...) RUN(NULL, "searcher", __VA_ARGS__)

static void
expect_code(const struct run *r, int code)
{
    cr_assert_eq(r->code, code,
                 "%s: exit status %d, expected %d\nstdout: %s\nstderr: %s",
                 buf_cstr((struct buf *)&r->cmd), r->code, code, r->out,
                 r->err);
}

/*
 * Standard error is one line, "<prog>: ...", holding each string of `has`
 * (NULL-terminated).
 */
static void
expect_one_line(const struct run *r, const char *prog, const char *const *has)
{
    const char *cmd = buf_cstr((struct buf *)&r->cmd), *nl;
    size_t plen = strlen(prog);

    nl = memchr(r->err, '\n', r->err_len);
    cr_assert(nl != NULL && nl == r->err + r->err_len - 1,
              "%s: want one line on stderr, got: \"%s\"", cmd, r->err);
    cr_assert(strncmp(r->err, prog, plen) == 0 && r->err[plen] == ':' &&
                  r->err[plen + 1] == ' ',
              "%s: stderr should start with \"%s: \": %s", cmd, prog, r->err);
    for (; *has; has++)
        cr_assert_not_null(strstr(r->err, *has), "%s: stderr lacks \"%s\": %s",
                           cmd, *has, r->err);
}

#define ONE_LINE(r, prog, ...) expect_one_line((r), (prog), ARGS(__VA_ARGS__))

static int
starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Index the seed article alone (quietly) into ix. */
static void
index_seed(void)
{
    const struct run *r = INDEXER("-q", "-i", ix, SEED);

    expect_code(r, 0);
    cr_assert_str_empty(r->err, "indexer -q said: %s", r->err);
}

/* Index the seed and the three animals into ix. */
static const struct run *
index_seed_and_animals(void)
{
    const struct run *r;

    if (!exists(at("animals.jsonl")))
        tu_write_str(tmp, "animals.jsonl", animals);
    r = INDEXER("-i", ix, SEED, at("animals.jsonl"));
    expect_code(r, 0);
    return r;
}

/* ---------------------------------------------------------------------- */
/* JSON output.                                                           */

/* The `line`th (from 0) line of `out` parsed as JSON; caller deletes. */
static cJSON *
json_line(const char *out, int line)
{
    const char *p = out, *end;
    cJSON *j;

    for (; line > 0 && p; line--) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    cr_assert(p && *p, "no JSON line %d in: %s", line, out);
    end = strchr(p, '\n');
    cr_assert_not_null(end, "JSON line not ended by a newline: %s", p);
    j = cJSON_ParseWithLength(p, (size_t)(end - p));
    cr_assert_not_null(j, "not JSON: %.*s", (int)(end - p), p);
    cr_assert(cJSON_IsObject(j), "not a JSON object: %.*s", (int)(end - p), p);
    return j;
}

static const cJSON *
json_hits(const cJSON *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "hits");

    cr_assert(cJSON_IsArray(v), "\"hits\" is not an array");
    return v;
}

/*
 * Run `query` with json output (and `more` options, NULL-terminated) and
 * check the hit ids are `want` in order, ranks follow from `offset`, and
 * total_hits is `total`, or a lower bound of it when the ranking skipped
 * documents that could not reach the page (total_exact false).
 */
static void
expect_hits(const char *query, const char *const *more, size_t offset,
            const char *const *want, double total)
{
    const char *args[16] = {"-i", ix, "-f", "json"};
    const cJSON *hits, *h;
    const struct run *r;
    cJSON *j;
    size_t n = 4, k = 0;

    for (; *more; more++)
        args[n++] = *more;
    args[n++] = "--";
    args[n++] = query;
    args[n] = NULL;
    r = run_args(NULL, 0, "searcher", args);
    expect_code(r, total > 0 ? 0 : 1);
    j = json_line(r->out, 0);
    cr_assert_str_eq(tu_json_str(j, "query"), query);
    if (cJSON_IsTrue(cJSON_GetObjectItem(j, "total_exact")))
        cr_assert_eq(tu_json_num(j, "total_hits"), total, "%s: total_hits %g",
                     query, tu_json_num(j, "total_hits"));
    else
        cr_assert(tu_json_num(j, "total_hits") < total &&
                      tu_json_num(j, "total_hits") >= (double)offset,
                  "%s: total_hits %g, at least, of %g", query,
                  tu_json_num(j, "total_hits"), total);
    hits = json_hits(j);
    cJSON_ArrayForEach(h, hits)
    {
        cr_assert_not_null(want[k], "%s: more hits than %zu", query, k);
        cr_assert_str_eq(tu_json_str(h, "id"), want[k], "%s: hit %zu", query,
                         k);
        cr_assert_eq(tu_json_num(h, "rank"), (double)(offset + k + 1),
                     "%s: rank of hit %zu", query, k);
        k++;
    }
    cr_assert_null(want[k], "%s: only %zu hits", query, k);
    cJSON_Delete(j);
}

#define NONE ARGS(NULL)

/* ---------------------------------------------------------------------- */
/* The seed article: phrases, words, output formats.                      */

Test(cli, seed_queries_find_the_article_by_phrase_and_word)
{
    static const struct {
        const char *query;
        int found;
    } cases[] = {
        {"\"Khorgos\"", 1},
        {"\"Khorgos Jinyi\"", 1},
        {"\"Jinyi Khorgos\"", 0}, /* both words, wrong order */
        {"cotton harvesting Xinjiang", 1},
        {"\"Telliani Valley\"", 1},
        {"\"telliani VALLEY\"", 1}, /* case folded */
        {"\"Valley Telliani\"", 0},
        {"Khorgos", 1},
        {"harvest", 1},     /* stemmed: "harvesting" */
        {"\"harvest\"", 0}, /* a phrase matches words as written */
        {"xylophone", 0},
    };
    size_t i;

    index_seed();
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct run *r = SEARCHER("-i", ix, "-f", "trec", cases[i].query);
        if (cases[i].found) {
            expect_code(r, 0);
            cr_assert(starts_with(r->out, "1 Q0 " SEED " 1 ") &&
                          count_lines(r->out) == 1,
                      "%s: want the seed, got: %s", cases[i].query, r->out);
        } else {
            expect_code(r, 1);
            cr_assert_str_empty(r->out, "%s: want nothing, got: %s",
                                cases[i].query, r->out);
        }
        cr_assert_str_empty(r->err, "%s: stderr: %s", cases[i].query, r->err);
    }
}

Test(cli, json_output_has_query_totals_and_hit_fields)
{
    const struct run *r;
    const cJSON *hits, *h;
    cJSON *j;

    index_seed();
    r = SEARCHER("-i", ix, "--format", "json", "cotton harvesting Xinjiang");
    expect_code(r, 0);
    cr_assert_eq(count_lines(r->out), 1, "one object per query: %s", r->out);
    cr_assert_str_empty(r->err, "stderr: %s", r->err);
    j = json_line(r->out, 0);
    cr_assert_str_eq(tu_json_str(j, "query"), "cotton harvesting Xinjiang");
    cr_assert_str_eq(tu_json_str(j, "qid"), "1");
    cr_assert_eq(tu_json_num(j, "total_hits"), 1);
    cr_assert(tu_json_num(j, "took_ms") >= 0, "took_ms < 0");
    hits = json_hits(j);
    cr_assert_eq(cJSON_GetArraySize(hits), 1);
    h = cJSON_GetArrayItem(hits, 0);
    cr_assert_eq(tu_json_num(h, "rank"), 1);
    cr_assert_str_eq(tu_json_str(h, "id"), SEED);
    cr_assert_str_eq(tu_json_str(h, "title"), SEED_TITLE);
    cr_assert(tu_json_num(h, "score") > 0, "score %g", tu_json_num(h, "score"));
    cr_assert_not_null(strstr(tu_json_str(h, "snippet"), "cotton harvesting"),
                       "snippet: %s", tu_json_str(h, "snippet"));
    cr_assert_null(strpbrk(tu_json_str(h, "snippet"), "[]\033"),
                   "JSON snippets carry no marks: %s",
                   tu_json_str(h, "snippet"));
    cJSON_Delete(j);

    /* Quotes survive the round trip; no match is total 0, hits []. */
    r = SEARCHER("-i", ix, "-f", "json", "\"Jinyi Khorgos\"");
    expect_code(r, 1);
    j = json_line(r->out, 0);
    cr_assert_str_eq(tu_json_str(j, "query"), "\"Jinyi Khorgos\"");
    cr_assert_eq(tu_json_num(j, "total_hits"), 0);
    cr_assert_eq(cJSON_GetArraySize(json_hits(j)), 0);
    cJSON_Delete(j);
}

/* BM25 from the plain formula in bm25.h, at the searcher's defaults. */
static double
animal_score(const char *const *terms, int doc)
{
    const double k1 = BM25_K1, b = BM25_B, n = 3;
    double total_len = 0, score = 0;
    int d, t, w;

    for (d = 0; d < 3; d++)
        for (w = 0; animal_words[d][w]; w++)
            total_len++;
    for (t = 0; terms[t]; t++) {
        double df = 0, tf = 0, len = 0;
        for (d = 0; d < 3; d++) {
            int has = 0;
            for (w = 0; animal_words[d][w]; w++)
                has |= strcmp(animal_words[d][w], terms[t]) == 0;
            df += has;
        }
        for (w = 0; animal_words[doc][w]; w++) {
            tf += strcmp(animal_words[doc][w], terms[t]) == 0;
            len++;
        }
        if (tf == 0)
            continue;
        score += log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (k1 + 1) /
                 (tf + k1 * (1 - b + b * len / (total_len / n)));
    }
    return score;
}

Test(cli, json_scores_are_bm25_and_ranked_best_first)
{
    static const char *const queries[][4] = {
        {"cat", "dog", NULL},
        {"fish", NULL},
        {"bird", "dog", NULL},
        {"cat", "fish", "bird", NULL},
    };
    const struct run *r;
    struct buf in = BUF_INIT;
    size_t q;
    int t;

    tu_write_str(tmp, "animals.jsonl", animals);
    r = INDEXER("-q", "-i", ix, at("animals.jsonl"));
    expect_code(r, 0);
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        buf_printf(&in, "q%zu\t", q);
        for (t = 0; queries[q][t]; t++)
            buf_printf(&in, "%s%s", t ? " " : "", queries[q][t]);
        buf_putc(&in, '\n');
    }
    r = RUN(buf_cstr(&in), "searcher", "-i", ix, "-f", "json");
    buf_release(&in);
    expect_code(r, 0);
    cr_assert_eq(count_lines(r->out), 4, "one line per query: %s", r->out);
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        cJSON *j = json_line(r->out, (int)q);
        const cJSON *h;
        double want[3], prev = INFINITY;
        int d, matching = 0, k = 0;
        for (d = 0; d < 3; d++) {
            want[d] = animal_score(queries[q], d);
            matching += want[d] > 0;
        }
        cr_assert_eq(tu_json_num(j, "total_hits"), matching, "q%zu total", q);
        cJSON_ArrayForEach(h, json_hits(j))
        {
            const char *id = tu_json_str(h, "id");
            double got = tu_json_num(h, "score");
            for (d = 0; d < 3 && strcmp(id, animal_ids[d]) != 0; d++)
                ;
            cr_assert_lt(d, 3, "q%zu: unknown id %s", q, id);
            cr_assert(fabs(got - want[d]) < 2e-6,
                      "q%zu %s: score %.6f, BM25 says %.6f", q, id, got,
                      want[d]);
            cr_assert(got <= prev, "q%zu: hits not best first", q);
            prev = got;
            k++;
        }
        cr_assert_eq(k, matching, "q%zu: %d hits, want %d", q, k, matching);
        cJSON_Delete(j);
    }
}

/* Split a TREC line into its columns; returns how many (at most 8). */
static int
trec_columns(char *line, char *col[8])
{
    int n = 0;
    char *save = NULL, *tok;

    for (tok = strtok_r(line, " ", &save); tok && n < 8;
         tok = strtok_r(NULL, " ", &save))
        col[n++] = tok;
    return n;
}

Test(cli, trec_output_has_six_columns_ranked_per_query)
{
    const struct run *r;
    char *copy, *line, *save = NULL, *col[8], last_qid[16] = "";
    int lines = 0, rank = 0;
    double prev = 0;

    index_seed_and_animals();
    r = RUN("q1\tdog fish\nq2\t\"Telliani Valley\"\nq3\txylophone\n",
            "searcher", "-i", ix, "-f", "trec", "--run-tag", "myrun");
    expect_code(r, 0);
    cr_assert_str_empty(r->err, "stderr: %s", r->err);
    cr_assert_eq(count_lines(r->out), 4, "3 + 1 hits: %s", r->out);
    copy = strdup(r->out);
    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *end;
        double score;
        cr_assert_eq(trec_columns(line, col), 6, "not 6 columns: %s", line);
        cr_assert(strcmp(col[0], "q1") == 0 || strcmp(col[0], "q2") == 0,
                  "qid %s", col[0]);
        if (strcmp(col[0], last_qid) != 0) {
            snprintf(last_qid, sizeof last_qid, "%s", col[0]);
            rank = 0;
            prev = INFINITY;
        }
        cr_assert_str_eq(col[1], "Q0");
        cr_assert_eq(atoi(col[3]), ++rank, "rank %s", col[3]);
        score = strtod(col[4], &end);
        cr_assert(*end == '\0' && score > 0 && score <= prev, "score %s",
                  col[4]);
        prev = score;
        cr_assert_str_eq(col[5], "myrun");
        lines++;
    }
    free(copy);
    cr_assert_eq(lines, 4);
    cr_assert_not_null(strstr(r->out, "q2 Q0 " SEED " 1 "), "%s", r->out);
}

/* Bug fixed: an empty QID left the first column empty, a QID with a space
 * made 7 columns, and a QID was cut at 63 bytes. */
Test(cli, trec_qids_are_never_empty_split_or_cut)
{
    char long_qid[101], in[256];
    const struct run *r;

    memset(long_qid, 'Q', 100);
    long_qid[100] = '\0';
    snprintf(in, sizeof in, "\tcotton\nmy q\tcotton\n%s\tcotton\n", long_qid);
    index_seed();
    r = RUN(in, "searcher", "-i", ix, "-f", "trec");
    expect_code(r, 0);
    {
        char *copy = strdup(r->out), *line, *save = NULL, *col[8];
        static const char *const want[] = {"1", "my_q", NULL};
        int k = 0;
        for (line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save), k++) {
            cr_assert_eq(trec_columns(line, col), 6, "not 6 columns: %s", line);
            cr_assert_str_eq(col[0], k < 2 ? want[k] : long_qid);
            cr_assert_str_eq(col[2], SEED);
        }
        cr_assert_eq(k, 3, "3 lines: %s", r->out);
        free(copy);
    }
}

Test(cli, exit_status_is_0_on_a_match_1_on_none_2_on_error)
{
    static const struct {
        const char *in, *query; /* query NULL: batch from `in` */
        int code;
    } cases[] = {
        {NULL, "cotton", 0},
        {NULL, "xylophone", 1},
        {NULL, "", 2},
        {"q1\txylophone\nq2\tcotton\n", NULL, 0},
        {"q1\txylophone\nq2\tzither\n", NULL, 1},
        {"", NULL, 1},
        {"q1\tcotton\nq2\t\"oops\nq3\txylophone\n", NULL, 2},
    };
    size_t i;

    index_seed();
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct run *r =
            cases[i].query
                ? SEARCHER("-i", ix, "-f", "trec", cases[i].query)
                : RUN(cases[i].in, "searcher", "-i", ix, "-f", "trec");
        expect_code(r, cases[i].code);
    }
}

Test(cli, batch_reads_qid_tab_query_lines_and_goes_on_after_an_error)
{
    static const char *const qids[] = {"q1", "q2", "4", "q5"};
    static const char *const texts[] = {"cotton", "\"Telliani Valley\"",
                                        "Khorgos", "xylophone"};
    static const double totals[] = {1, 1, 1, 0};
    const struct run *r;
    int k;

    index_seed();
    /* Line 3 is blank (skipped); line 4 has no QID: its number is its id. */
    r = RUN("q1\tcotton\nq2\t\"Telliani Valley\"\n\nKhorgos\nq5\txylophone\n",
            "searcher", "-i", ix, "-f", "json");
    expect_code(r, 0);
    cr_assert_eq(count_lines(r->out), 4, "%s", r->out);
    for (k = 0; k < 4; k++) {
        cJSON *j = json_line(r->out, k);
        cr_assert_str_eq(tu_json_str(j, "qid"), qids[k]);
        cr_assert_str_eq(tu_json_str(j, "query"), texts[k]);
        cr_assert_eq(tu_json_num(j, "total_hits"), totals[k], "line %d", k);
        cJSON_Delete(j);
    }

    /* A bad query is reported by its QID; the others still run. */
    r = RUN("q1\tcotton\nbad\tcotton \"oops\nq3\tKhorgos\n", "searcher", "-i",
            ix, "-f", "trec");
    expect_code(r, 2);
    cr_assert(starts_with(r->out, "q1 Q0 " SEED " 1 ") &&
                  strstr(r->out, "\nq3 Q0 " SEED " 1 ") &&
                  count_lines(r->out) == 2,
              "want q1 and q3: %s", r->out);
    /* Its first line says what and where; the query and a caret follow
     * (test_cli_search.c checks those byte for byte). */
    cr_assert(starts_with(r->err, "searcher: error: line 2 (query bad): "
                                  "unbalanced quote at column 8\n"),
              "stderr: %s", r->err);
}

/* ---------------------------------------------------------------------- */
/* Operators and paging, on the three animals.                            */

Test(cli, all_makes_every_bare_word_required)
{
    tu_write_str(tmp, "animals.jsonl", animals);
    expect_code(INDEXER("-q", "-i", ix, at("animals.jsonl")), 0);
    expect_hits("cat fish", NONE, 0, ARGS("d1", "d3", "d2"), 3);
    expect_hits("cat fish", ARGS("--all"), 0, NONE, 0);
    expect_hits("dog fish", ARGS("--all"), 0, ARGS("d2"), 1);
    expect_hits("fish", ARGS("--all"), 0, ARGS("d3", "d2"), 2);
}

Test(cli, plus_requires_and_minus_excludes)
{
    tu_write_str(tmp, "animals.jsonl", animals);
    expect_code(INDEXER("-q", "-i", ix, at("animals.jsonl")), 0);
    expect_hits("+dog -cat", NONE, 0, ARGS("d2"), 1);
    expect_hits("+fish bird", NONE, 0, ARGS("d3", "d2"), 2);
    expect_hits("+bird fish", NONE, 0, ARGS("d3"), 1);
    expect_hits("fish -bird", NONE, 0, ARGS("d2"), 1);
    expect_hits("dog -\"dog fish\"", NONE, 0, ARGS("d1"), 1);
    expect_hits("+\"dog dog\"", NONE, 0, ARGS("d1"), 1);
    expect_hits("+cat +fish", NONE, 0, NONE, 0);
    /* --plain: the operators are plain text. */
    expect_hits("+dog -cat", ARGS("--plain"), 0, ARGS("d1", "d2"), 2);
}

Test(cli, limit_and_offset_page_through_the_ranking)
{
    /* "dog fish": d2 has both; d3 has fish 3 times; d1 dog twice. */
    static const char *const all[] = {"d2", "d3", "d1", NULL};
    static const struct {
        const char *n, *offset;
        size_t from, count;
    } pages[] = {
        {"10", "0", 0, 3}, {"1", "0", 0, 1}, {"2", "1", 1, 2},
        {"1", "2", 2, 1},  {"5", "3", 3, 0}, {"0", "0", 0, 0},
    };
    size_t i, k;

    tu_write_str(tmp, "animals.jsonl", animals);
    expect_code(INDEXER("-q", "-i", ix, at("animals.jsonl")), 0);
    expect_hits("dog fish", NONE, 0, all, 3);
    for (i = 0; i < sizeof pages / sizeof *pages; i++) {
        const char *want[4] = {NULL};
        for (k = 0; k < pages[i].count; k++)
            want[k] = all[pages[i].from + k];
        expect_hits("dog fish",
                    ARGS("-n", pages[i].n, "--offset", pages[i].offset),
                    pages[i].from, want, 3);
    }
}

/* ---------------------------------------------------------------------- */
/* Text output, help and version.                                         */

Test(cli, text_output_on_a_pipe_is_plain_and_brackets_matches)
{
    const struct run *r;

    index_seed();
    r = SEARCHER("-i", ix, "Khorgos");
    expect_code(r, 0);
    cr_assert_null(memchr(r->out, '\033', r->out_len), "ANSI escape: %s",
                   r->out);
    cr_assert(starts_with(r->out, "  1. " SEED "  "), "first line: %s", r->out);
    cr_assert_not_null(strstr(r->out, "\n     " SEED_TITLE "\n"), "%s", r->out);
    cr_assert_not_null(strstr(r->out, "[Khorgos] Jinyi"), "%s", r->out);
    cr_assert(starts_with(r->err, "1 of 1 hits in ") &&
                  count_lines(r->err) == 1,
              "stderr: %s", r->err);
    r = SEARCHER("-i", ix, "\"Telliani Valley\"");
    expect_code(r, 0);
    cr_assert_null(memchr(r->out, '\033', r->out_len), "%s", r->out);
    cr_assert_not_null(strstr(r->out, "JSC [Telliani] [Valley], a winery"),
                       "%s", r->out);
}

Test(cli, help_and_version_print_usage_and_exit_0)
{
    static const char *const progs[] = {"indexer", "searcher"};
    static const char *const help[] = {"--help", "-h"};
    static const char *const version[] = {"--version", "-V"};
    char want[64];
    int p, k;

    for (p = 0; p < 2; p++) {
        for (k = 0; k < 2; k++) {
            const struct run *r = RUN(NULL, progs[p], help[k]);
            expect_code(r, 0);
            cr_assert_str_empty(r->err, "%s %s: %s", progs[p], help[k], r->err);
            snprintf(want, sizeof want, "usage: %s ", progs[p]);
            cr_assert(strncmp(r->out, want, strlen(want)) == 0, "%s", r->out);
            snprintf(want, sizeof want, "\nExamples:\n  %s -i ", progs[p]);
            cr_assert_not_null(strstr(r->out, want), "%s: no examples: %s",
                               progs[p], r->out);
            cr_assert_not_null(strstr(r->out, "Exit status"), "%s", r->out);
        }
        for (k = 0; k < 2; k++) {
            const struct run *r = RUN(NULL, progs[p], version[k]);
            size_t len = strlen(progs[p]);
            expect_code(r, 0);
            cr_assert_str_empty(r->err);
            cr_assert(strncmp(r->out, progs[p], len) == 0 &&
                          r->out[len] == ' ' &&
                          isdigit((unsigned char)r->out[len + 1]) &&
                          count_lines(r->out) == 1,
                      "%s %s: %s", progs[p], version[k], r->out);
        }
    }
}

Test(cli, text_output_never_prints_control_characters_of_the_input)
{
    const struct run *r;
    const char *p;

    tu_write_str(
        tmp, "esc.jsonl",
        "{\"id\":\"e\\u001b[31m1\",\"title\":\"Bad\\u001b[2Jtitle\\nnext"
        "\\u0085line\",\"date\":\"d\\u0007\",\"body\":\"cotton\"}\n");
    r = INDEXER("-i", ix, at("esc.jsonl"));
    expect_code(r, 0);
    r = SEARCHER("-i", ix, "cotton");
    expect_code(r, 0);
    for (p = r->out; *p; p++)
        cr_assert(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f),
                  "control byte 0x%02x in: %s", (unsigned char)*p, r->out);
    cr_assert_null(strstr(r->out, "\xc2\x85"), "C1 control in: %s", r->out);
    cr_assert_not_null(strstr(r->out, "Bad [2Jtitle next line"), "%s", r->out);
    cr_assert_eq(count_lines(r->out), 3, "one hit takes 3 lines: %s", r->out);
}

Test(cli, count_prints_the_number_of_matching_documents)
{
    const struct run *r;

    index_seed_and_animals();
    r = SEARCHER("-i", ix, "--count", "Khorgos");
    expect_code(r, 0);
    cr_assert_str_eq(r->out, "1\n", "Khorgos: %s", r->out);
    r = SEARCHER("-i", ix, "--count", "xylophone");
    expect_code(r, 1);
    cr_assert_str_eq(r->out, "0\n", "xylophone: %s", r->out);
    r = RUN("q1\tKhorgos\nq2\txylophone\n", "searcher", "-i", ix, "--count");
    expect_code(r, 0);
    cr_assert_str_eq(r->out, "q1\t1\nq2\t0\n", "batch: %s", r->out);
}

Test(cli, stats_counts_documents_and_sizes_every_table)
{
    static const char *const tables[] = {"docs",  "text",  "forms",    "stems",
                                         "fdict", "sdict", "stemforms"};
    const struct run *r;
    unsigned long long total = 0, text = 0, without = 0;
    const char *p;
    size_t i;

    index_seed_and_animals();
    r = INDEXER("-i", ix, "--stats");
    expect_code(r, 0);
    cr_assert_str_empty(r->err, "stderr: %s", r->err);
    cr_assert_not_null(strstr(r->out, "documents    4\n"), "%s", r->out);
    cr_assert_not_null(strstr(r->out, "language english"), "%s", r->out);
    for (i = 0; i < sizeof tables / sizeof *tables; i++) {
        char want[32];
        snprintf(want, sizeof want, "\n%-12s ", tables[i]);
        cr_assert_not_null(strstr(r->out, want), "no %s: %s", tables[i],
                           r->out);
    }
    p = strstr(r->out, "total tables");
    cr_assert(p && sscanf(p, "total tables %llu", &total) == 1, "%s", r->out);
    p = strstr(r->out, "stored text");
    cr_assert(p && sscanf(p, "stored text %llu", &text) == 1, "%s", r->out);
    p = strstr(r->out, "without text");
    cr_assert(p && sscanf(p, "without text %llu", &without) == 1, "%s", r->out);
    cr_assert(text > 0 && without > 0 && text + without == total,
              "text %llu + without %llu != total %llu", text, without, total);
    {
        /* The lists' parts: forms hold positions, stems none. */
        unsigned long long f[10], st[10];
        p = strstr(r->out, "\nform lists ");
        cr_assert(p && sscanf(p, "\nform lists %llu %llu %llu %llu %llu %llu %llu "
                                 "%llu %llu %llu",
                              &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6],
                              &f[7], &f[8], &f[9]) == 10,
                  "no forms row: %s", r->out);
        p = strstr(r->out, "\nstem lists ");
        cr_assert(p && sscanf(p, "\nstem lists %llu %llu %llu %llu %llu %llu %llu "
                                 "%llu %llu %llu",
                              &st[0], &st[1], &st[2], &st[3], &st[4], &st[5],
                              &st[6], &st[7], &st[8], &st[9]) == 10,
                  "no stems row: %s", r->out);
        cr_assert(f[0] > 0 && f[3] >= f[0] && f[9] > 0 && st[9] == 0,
                  "forms: %llu lists, %llu postings, %llu position bytes; "
                  "stems: %llu position bytes",
                  f[0], f[3], f[9], st[9]);
    }
    r = INDEXER("-i", at("nothing-here"), "--stats");
    expect_code(r, 2);
    cr_assert(count_lines(r->err) == 1 && strstr(r->err, "not an index"), "%s",
              r->err);
}

/* ---------------------------------------------------------------------- */
/* Bad input: one line on stderr, the documented exit status.             */

Test(cli, indexer_missing_path_fails_before_making_an_index)
{
    const struct run *r = INDEXER("-i", ix, SEED, at("missing.txt"));

    expect_code(r, 2);
    ONE_LINE(r, "indexer", at("missing.txt"), "No such file or directory");
    cr_assert_str_empty(r->out);
    cr_assert(!exists(ix), "an index was made");
    r = INDEXER("-i", ix);
    expect_code(r, 2);
    ONE_LINE(r, "indexer", "no PATH");
    /* Bug fixed: a missing parent folder said "input/output error". */
    r = INDEXER("-i", at("no/such/index"), SEED);
    expect_code(r, 2);
    ONE_LINE(r, "indexer", at("no/such/index"), "No such file or directory");
}

Test(cli, indexer_unreadable_file_fails_and_is_skipped_in_a_folder)
{
    /* Root reads through mode 000: as root, the indexer runs as nobody. */
    int as_nobody = geteuid() == 0;
    char w[PATH_MAX], secret[PATH_MAX], ix2[PATH_MAX];
    const struct run *r;

    snprintf(w, sizeof w, "%s", at("w"));
    snprintf(secret, sizeof secret, "%s", at("docs/secret.txt"));

    cr_assert_eq(chmod(tmp, 0755), 0, "chmod: %s", strerror(errno));
    tu_make_dir(tmp, "docs");
    tu_make_dir(tmp, "w");
    cr_assert_eq(chmod(w, 0777), 0, "chmod: %s", strerror(errno));
    tu_write_str(tmp, "docs/a.txt", "Apple\nalpha words\n");
    tu_write_str(tmp, "docs/secret.txt", "Secret\nzebra words\n");
    cr_assert_eq(chmod(secret, 0), 0, "chmod: %s", strerror(errno));

    snprintf(ix2, sizeof ix2, "%s", at("w/index1"));
    r = run_args(NULL, as_nobody, "indexer",
                 ARGS("-q", "-i", ix2, at("docs/a.txt"), secret));
    expect_code(r, 2);
    ONE_LINE(r, "indexer", secret, strerror(EACCES));

    snprintf(ix2, sizeof ix2, "%s", at("w/index2"));
    r = run_args(NULL, as_nobody, "indexer", ARGS("-q", "-i", ix2, at("docs")));
    expect_code(r, 0);
    ONE_LINE(r, "indexer", "warning", secret, strerror(EACCES));
    r = SEARCHER("-i", ix2, "-f", "trec", "alpha");
    expect_code(r, 0);
    cr_assert_not_null(strstr(r->out, at("docs/a.txt")), "%s", r->out);
    expect_code(SEARCHER("-i", ix2, "zebra"), 1);
}

Test(cli, indexer_skips_a_binary_file_with_a_warning)
{
    static const char bin[] = "Gamma\ndelta\0epsilon\n";
    const struct run *r;

    tu_make_dir(tmp, "docs");
    tu_write_str(tmp, "docs/a.txt", "Apple\nalpha words\n");
    tu_write_bytes(tmp, "docs/b.txt", bin, sizeof bin - 1);
    r = INDEXER("-q", "-i", ix, at("docs"));
    expect_code(r, 0);
    ONE_LINE(r, "indexer", "warning", at("docs/b.txt"), "binary");
    expect_code(SEARCHER("-i", ix, "alpha"), 0);
    expect_code(SEARCHER("-i", ix, "gamma delta"), 1);
    /* Named on the command line: the same. */
    r = INDEXER("-q", "-i", ix, at("docs/b.txt"));
    expect_code(r, 0);
    ONE_LINE(r, "indexer", "warning", at("docs/b.txt"), "binary");
}

Test(cli, indexer_malformed_json_line_names_file_and_line)
{
    const char *bad = at("bad.jsonl");
    const struct run *r;

    tu_write_str(tmp, "bad.jsonl",
                 "{\"id\":\"j1\",\"body\":\"alpha one\"}\n"
                 "{\"id\":\"j2\",\"body\":\"alpha two\"}\n"
                 "{\"id\":\"j3\",\"body\": alpha three}\n"
                 "{\"id\":\"j4\",\"body\":\"alpha four\"}\n");
    r = INDEXER("-q", "-i", ix, bad);
    expect_code(r, 2);
    {
        char where[PATH_MAX];
        snprintf(where, sizeof where, "indexer: %s:3: ", bad);
        cr_assert(strncmp(r->err, where, strlen(where)) == 0, "stderr: %s",
                  r->err);
    }
    ONE_LINE(r, "indexer", "invalid JSON", "at column");
    /* The run made the index and never committed: nothing is left. */
    cr_assert(!exists(ix), "a failed first run left %s behind", ix);

    r = INDEXER("-q", "--skip-bad", "-i", ix, bad);
    expect_code(r, 0);
    ONE_LINE(r, "indexer", "warning", ":3: invalid JSON at column");
    expect_hits("alpha", NONE, 0, ARGS("j1", "j2", "j4"), 3);
}

Test(cli, searcher_missing_index_is_an_error_and_made_by_nobody)
{
    const char *missing = at("nothere");
    const struct run *r = SEARCHER("-i", missing, "cotton");

    expect_code(r, 2);
    cr_assert_str_empty(r->out);
    ONE_LINE(r, "searcher", missing, "not an index");
    cr_assert(!exists(missing), "the searcher made %s", missing);
    /* An empty folder is no index either, and stays empty. */
    tu_make_dir(tmp, "empty");
    r = SEARCHER("-i", at("empty"), "cotton");
    expect_code(r, 2);
    ONE_LINE(r, "searcher", at("empty"), "not an index");
    {
        struct buf b = BUF_INIT;
        snapshot(at("empty"), &b);
        cr_assert_eq(count_lines(buf_cstr(&b)), 1, "not empty: %s",
                     buf_cstr(&b));
        buf_release(&b);
    }
}

Test(cli, foreign_folder_is_refused_and_left_untouched)
{
    static const char *const dirs[] = {"foreign", "file"};
    struct buf before = BUF_INIT, after = BUF_INIT;
    const struct run *r;
    int k;

    tu_make_dir(tmp, "foreign");
    tu_write_str(tmp, "foreign/notes.txt", "my notes\n");
    tu_make_dir(tmp, "foreign/sub");
    tu_write_str(tmp, "foreign/sub/x", "x");
    tu_write_str(tmp, "file", "just a file\n");
    for (k = 0; k < 2; k++) {
        const char *dir = at(dirs[k]);
        buf_clear(&before);
        snapshot(dir, &before);
        r = INDEXER("-i", dir, SEED);
        expect_code(r, 2);
        ONE_LINE(r, "indexer", dir, "not an index");
        r = SEARCHER("-i", dir, "cotton");
        expect_code(r, 2);
        ONE_LINE(r, "searcher", dir, "not an index");
        buf_clear(&after);
        snapshot(dir, &after);
        cr_assert_str_eq(buf_cstr(&after), buf_cstr(&before), "%s was changed",
                         dir);
    }
    buf_release(&before);
    buf_release(&after);
}

Test(cli, query_errors_say_what_and_where)
{
    static const struct {
        const char *query, *what, *where;
    } cases[] = {
        {"", "empty query", ""},
        {"\"Telliani Valley", "unbalanced quote", "column 1"},
        {"cotton \"Telliani", "unbalanced quote", "column 8"},
        {"cotton \"\"", "phrase", "column 8"},
        {"-cotton", "excluded", ""},
    };
    size_t i;

    index_seed();
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct run *r = SEARCHER("-i", ix, "--", cases[i].query);
        expect_code(r, 2);
        cr_assert_str_empty(r->out);
        /* The first line says what and where (a caret may follow). */
        char first[256];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(r->err, "\n"),
                 r->err);
        cr_assert(starts_with(first, "searcher: error: ") &&
                      strstr(first, cases[i].what) &&
                      strstr(first, cases[i].where),
                  "%s: stderr: %s", cases[i].query, r->err);
    }
}

/* Bug fixed: getopt's message and "Try ..." were two lines, the first
 * starting with the full path of the program. */
Test(cli, bad_options_are_one_line_errors)
{
    static const struct {
        const char *prog, *args[4], *says;
    } cases[] = {
        {"indexer", {"--bogus", SEED}, "unknown option '--bogus'"},
        {"indexer", {"-z", SEED}, "unknown option '-z'"},
        {"indexer", {"-i"}, "option '-i' needs a value"},
        {"indexer", {"--quiet=1", SEED}, "'--quiet' takes no value"},
        {"indexer", {"--format", "xml", SEED}, "unknown format 'xml'"},
        {"indexer", {"--memory", "0", SEED}, "--memory"},
        {"searcher", {"--bogus", "x"}, "unknown option '--bogus'"},
        {"searcher", {"-z", "x"}, "unknown option '-z'"},
        {"searcher", {"x", "--limit"}, "option '--limit' needs a value"},
        {"searcher", {"-n", "ten", "x"}, "--limit needs a whole number"},
        {"searcher", {"--all=yes", "x"}, "'--all' takes no value"},
        {"searcher", {"-f", "xml", "x"}, "unknown format 'xml'"},
        {"searcher", {"--b", "2", "x"}, "--b needs a number from 0 to 1"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[8] = {"-i", ix};
        const struct run *r;
        int k;
        for (k = 0; cases[i].args[k]; k++)
            args[k + 2] = cases[i].args[k];
        args[k + 2] = NULL;
        r = run_args(NULL, 0, cases[i].prog, args);
        expect_code(r, 2);
        cr_assert_str_empty(r->out);
        ONE_LINE(r, cases[i].prog, cases[i].says);
    }
    cr_assert(!exists(ix), "an index was made");
}

Test(cli, unknown_language_is_refused_and_a_new_index_keeps_its_own)
{
    const struct run *r = INDEXER("-i", ix, "--language", "klingon", SEED);

    expect_code(r, 2);
    ONE_LINE(r, "indexer", "unknown language 'klingon'", "english");
    cr_assert(!exists(ix), "an index was made");
    index_seed();
    r = INDEXER("-q", "-i", ix, "--language", "french", SEED);
    expect_code(r, 2);
    ONE_LINE(r, "indexer", ix, "french");
    r = INDEXER("-q", "-i", ix, "--language", "none", SEED);
    expect_code(r, 2);
    r = INDEXER("-q", "-i", ix, "--language", "english", SEED);
    expect_code(r, 0);
}

Test(cli, title_weight_is_checked_and_fixed_at_creation)
{
    const struct run *r = INDEXER("-i", ix, "--title-weight", "0", SEED);

    expect_code(r, 2);
    ONE_LINE(r, "indexer", "--title-weight", "1 to 16");
    cr_assert(!exists(ix), "an index was made");
    r = INDEXER("-q", "-i", ix, "--title-weight", "2", SEED);
    expect_code(r, 0);
    r = INDEXER("-i", ix, "--stats");
    cr_assert_not_null(strstr(r->out, "title weight 2"), "%s", r->out);
    r = INDEXER("-q", "-i", ix, "--title-weight", "3", SEED);
    expect_code(r, 2);
    ONE_LINE(r, "indexer", ix, "--title-weight 3");
    r = INDEXER("-q", "-i", ix, SEED); /* no option: the index's weight */
    expect_code(r, 0);
    r = SEARCHER("-i", ix, "-f", "trec", "\"Khorgos Jinyi\"");
    expect_code(r, 0);
}

/* ---------------------------------------------------------------------- */
/* The index survives failures and re-runs.                               */

static const char answers_in[] = "q1\tcotton\n"
                                 "q2\t\"Telliani Valley\"\n"
                                 "q3\tdog fish\n"
                                 "q4\tcat\n"
                                 "q5\t+dog -cat\n"
                                 "q6\tfish bird cotton dog\n"
                                 "q7\telephant\n";

/* The TREC answers to answers_in, and the text answer to "dog fish". */
static void
answers(struct buf *b)
{
    const struct run *r = RUN(answers_in, "searcher", "-i", ix, "-f", "trec");

    expect_code(r, 0);
    buf_clear(b);
    buf_append(b, r->out, r->out_len);
    r = SEARCHER("-i", ix, "dog", "fish");
    expect_code(r, 0);
    buf_append(b, r->out, r->out_len);
}

Test(cli, failed_indexer_run_leaves_the_index_answers_byte_identical)
{
    struct buf before = BUF_INIT, after = BUF_INIT;
    const struct run *r;

    index_seed_and_animals();
    answers(&before);
    expect_code(SEARCHER("-i", ix, "elephant"), 1);
    /* Valid new documents (one replacing d2), then a bad line 3. */
    tu_write_str(tmp, "more.jsonl",
                 "{\"id\":\"n1\",\"body\":\"elephant dog\"}\n"
                 "{\"id\":\"d2\",\"body\":\"elephant seal\"}\n"
                 "{\"id\":\"n3\", \"body\" \"no colon\"}\n"
                 "{\"id\":\"n4\",\"body\":\"elephant four\"}\n");
    r = INDEXER("-i", ix, at("more.jsonl"));
    expect_code(r, 2);
    ONE_LINE(r, "indexer", ":3: invalid JSON at column");
    answers(&after);
    cr_assert_str_eq(buf_cstr(&after), buf_cstr(&before),
                     "answers changed after a failed run");
    expect_code(SEARCHER("-i", ix, "elephant"), 1);

    /* A failing run with a bad option or path does not touch it either. */
    expect_code(INDEXER("-i", ix, at("more.jsonl"), at("missing")), 2);
    expect_code(INDEXER("-i", ix, "--bogus", at("more.jsonl")), 2);
    answers(&after);
    cr_assert_str_eq(buf_cstr(&after), buf_cstr(&before));

    /* The run had something to lose: skipping line 3 adds all of it. */
    r = INDEXER("-q", "--skip-bad", "-i", ix, at("more.jsonl"));
    expect_code(r, 0);
    /* Equal scores: ties go by document number, d2 new after n1. */
    expect_hits("elephant", NONE, 0, ARGS("n1", "d2", "n4"), 3);
    answers(&after);
    cr_assert_str_neq(buf_cstr(&after), buf_cstr(&before));
    buf_release(&before);
    buf_release(&after);
}

Test(cli, reindexing_the_same_files_keeps_the_count_and_the_answers)
{
    struct buf before = BUF_INIT, after = BUF_INIT;
    const char *everything = "cotton cat dog fish";
    const struct run *r;
    int round;

    r = index_seed_and_animals();
    ONE_LINE(r, "indexer", "4 documents (0 replaced)");
    answers(&before);
    expect_hits(everything, ARGS("-n", "0"), 0, NONE, 4);
    for (round = 0; round < 2; round++) {
        r = index_seed_and_animals();
        ONE_LINE(r, "indexer", "4 documents (4 replaced)");
        expect_hits(everything, ARGS("-n", "0"), 0, NONE, 4);
        answers(&after);
        cr_assert_str_eq(buf_cstr(&after), buf_cstr(&before),
                         "answers changed by re-indexing (round %d)", round);
    }
    buf_release(&before);
    buf_release(&after);
}

/* ---------------------------------------------------------------------- */
/* Reuters-21578, end to end.                                             */

/* Append `s` lower-cased, words of ASCII letters and digits, " a b ". */
static void
words_of(struct buf *b, const char *s)
{
    int in_word = 0;

    buf_putc(b, ' ');
    for (; *s; s++) {
        if (isalnum((unsigned char)*s)) {
            buf_putc(b, tolower((unsigned char)*s));
            in_word = 1;
        } else if (in_word) {
            buf_putc(b, ' ');
            in_word = 0;
        }
    }
    if (in_word)
        buf_putc(b, ' ');
}

/* A slow, obvious phrase scan: does title or body hold " phrase "? */
static int
has_phrase(struct buf *title, struct buf *body, const char *phrase)
{
    return strstr(buf_cstr(title), phrase) || strstr(buf_cstr(body), phrase);
}

Test(cli, reuters_end_to_end)
{
    /* Counted by the scan below; the engine must agree. */
    size_t bahia = 0, buffer = 0, cocoa_not_buffer = 0;
    struct buf title = BUF_INIT, body = BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    FILE *f;
    const struct run *r;
    const cJSON *h;
    cJSON *j, *cocoa;
    int found = 0, top_cocoa = 0, all_cocoa = 0, nhits = 0;

    r = INDEXER("-q", "-i", ix, REUTERS);
    expect_code(r, 0);
    cr_assert_str_empty(r->err, "%s", r->err);

    f = fopen(REUTERS, "r");
    cr_assert_not_null(f, "%s: %s", REUTERS, strerror(errno));
    while (getline(&line, &cap, f) > 0) {
        cJSON *d = cJSON_Parse(line);
        cr_assert_not_null(d, "bad line in %s", REUTERS);
        buf_clear(&title);
        buf_clear(&body);
        words_of(&title, tu_json_str(d, "title"));
        words_of(&body, tu_json_str(d, "body"));
        bahia += has_phrase(&title, &body, " bahia cocoa ") != 0;
        buffer += has_phrase(&title, &body, " buffer stock ") != 0;
        cocoa_not_buffer += has_phrase(&title, &body, " cocoa ") &&
                            !has_phrase(&title, &body, " buffer stock ");
        cJSON_Delete(d);
    }
    free(line);
    fclose(f);
    buf_release(&title);
    buf_release(&body);

    r = RUN("q1\t\"bahia cocoa\"\n"
            "q2\tcocoa\n"
            "q3\t\"buffer stock\"\n"
            "q4\t\"cocoa\" -\"buffer stock\"\n"
            "q5\t+cocoa +brazil\n",
            "searcher", "-i", ix, "-f", "json", "-n", "1000", "--snippet-words",
            "0");
    expect_code(r, 0);
    cr_assert_eq(count_lines(r->out), 5, "%s", r->out);

    j = json_line(r->out, 0);
    cr_assert_eq(tu_json_num(j, "total_hits"), (double)bahia,
                 "\"bahia cocoa\"");
    cJSON_ArrayForEach(h, json_hits(j))
    {
        if (strcmp(tu_json_str(h, "id"), "1") == 0) {
            cr_assert_str_eq(tu_json_str(h, "title"), "BAHIA COCOA REVIEW");
            found = 1;
        }
    }
    cr_assert(found, "doc 1 not found by \"bahia cocoa\"");
    cJSON_Delete(j);

    /* cocoa: titles with COCOA crowd the top, beyond their share. */
    cocoa = json_line(r->out, 1);
    cJSON_ArrayForEach(h, json_hits(cocoa))
    {
        int in_title = strstr(tu_json_str(h, "title"), "COCOA") != NULL;
        top_cocoa += nhits < 10 && in_title;
        all_cocoa += in_title;
        nhits++;
    }
    cr_assert_eq(tu_json_num(cocoa, "total_hits"), nhits, "all hits returned");
    cr_assert_geq(top_cocoa, 8, "only %d of the top 10 titles say COCOA",
                  top_cocoa);
    cr_assert_gt(top_cocoa / 10.0, (double)all_cocoa / nhits,
                 "COCOA titles no likelier at the top");

    j = json_line(r->out, 2);
    cr_assert_eq(tu_json_num(j, "total_hits"), (double)buffer, "buffer stock");
    cJSON_Delete(j);
    j = json_line(r->out, 3);
    cr_assert_eq(tu_json_num(j, "total_hits"), (double)cocoa_not_buffer,
                 "cocoa without buffer stock");
    cJSON_Delete(j);

    /* +cocoa +brazil: some, and each a hit of cocoa. */
    j = json_line(r->out, 4);
    cr_assert_gt(tu_json_num(j, "total_hits"), 0);
    cJSON_ArrayForEach(h, json_hits(j))
    {
        const cJSON *c;
        found = 0;
        cJSON_ArrayForEach(c, json_hits(cocoa))
        {
            found |= strcmp(tu_json_str(c, "id"), tu_json_str(h, "id")) == 0;
        }
        cr_assert(found, "+cocoa +brazil hit %s is no cocoa hit",
                  tu_json_str(h, "id"));
    }
    cJSON_Delete(j);
    cJSON_Delete(cocoa);
}
