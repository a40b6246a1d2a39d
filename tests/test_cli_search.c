/*
 * test_cli_search.c - end to end: the searcher's options and what a person
 * reads, run as a user runs them ($SE_BUILD/searcher through tu_run(), or
 * on a pseudo-terminal for the interactive mode).
 *
 * The indexes are built by the real indexer in each test's own mkdtemp()
 * folder: the seed article, or a sample of Reuters-21578 (every 7th line,
 * about 3,100 documents, so each test stays fast) plus a few documents of
 * the test's own: one with an ISO 8601 date, two without a date that
 * parses. The test reads the sample's dates itself (sscanf, and timegm()
 * for day numbers) and checks the date filters and the date order against
 * them; --ids and --count against the JSON output; --explain against the
 * scores and the BM25 idf formula; query errors byte for byte.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt(), grantpt(), ptsname() */

#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "testutil.h"

#define SEED "seeds/xinjiang-business-group-ciie.txt"
#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define SAMPLE_STEP 7
#define NO_DATE INT64_MIN
#define PTY_SECONDS 20

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static char tmp[64];
static char ix[96];

/* Every run of a test, freed by teardown. */
static struct tu_run *runs[64];
static size_t nruns;

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_cli_search");
    snprintf(ix, sizeof ix, "%s/index", tmp);
}

static void
teardown(void)
{
    size_t i;

    for (i = 0; i < nruns; i++) {
        tu_run_release(runs[i]);
        free(runs[i]);
    }
    nruns = 0;
    tu_rm_tree(tmp);
}

TestSuite(search, .init = setup, .fini = teardown, .timeout = 120);

static const struct tu_run *
run(const char *in, const char *prog, const char *const *args)
{
    struct tu_run *r = calloc(1, sizeof *r);

    cr_assert(r != NULL && nruns < sizeof runs / sizeof *runs, "too many runs");
    runs[nruns++] = r;
    tu_run(r, in, NULL, prog, args);
    return r;
}

#define SEARCHER(...) run(NULL, "searcher", ARGS("-i", ix, __VA_ARGS__))
#define BATCH(in, ...) run((in), "searcher", ARGS("-i", ix, __VA_ARGS__))

static void
expect_code(const struct tu_run *r, int code, const char *what)
{
    cr_assert_eq(r->code, code,
                 "%s: exit status %d, expected %d\nstdout: %s\nstderr: %s",
                 what, r->code, code, r->out, r->err);
}

static int
count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void
index_seed(void)
{
    const struct tu_run *r = run(NULL, "indexer", ARGS("-q", "-i", ix, SEED));

    expect_code(r, 0, "indexer");
}

/* ---------------------------------------------------------------------- */
/* The Reuters sample and its dates, as the test reads them.              */

struct sdoc {
    char id[32];
    int64_t seconds; /* NO_DATE when the date does not parse */
    int64_t day;
};

static struct sdoc *sdocs;
static size_t nsdocs;

/* "26-FEB-1987 15:01:01.79" -> seconds and day, by sscanf and timegm. */
static void
reuters_date(const char *s, struct sdoc *d)
{
    static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    struct tm tm = {0};
    char m[4];
    int day, year, k, h, mi, sec;

    d->seconds = d->day = NO_DATE;
    if (sscanf(s, "%d-%3s-%d", &day, m, &year) != 3)
        return;
    for (k = 0; k < 12 && strcasecmp(m, mon[k]) != 0; k++)
        ;
    if (k == 12)
        return;
    tm.tm_year = year - 1900;
    tm.tm_mon = k;
    tm.tm_mday = day;
    d->day = (int64_t)timegm(&tm) / 86400;
    if (sscanf(s, "%*d-%*3s-%*d %d:%d:%d", &h, &mi, &sec) == 3 && h < 24) {
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
    }
    d->seconds = (int64_t)timegm(&tm);
}

/* The test's own documents: dates in other forms, or none that parses. */
static const char extra[] =
    "{\"id\":\"iso-1\",\"title\":\"Cocoa in March\",\"date\":"
    "\"1987-03-15T12:00:00Z\",\"body\":\"cocoa oil prices rose\"}\n"
    "{\"id\":\"undated-1\",\"title\":\"Cocoa\",\"date\":\"\",\"body\":"
    "\"cocoa oil prices fell\"}\n"
    "{\"id\":\"undated-2\",\"title\":\"Oil\",\"date\":\"sometime in March\","
    "\"body\":\"oil and cocoa\"}\n";

/* Day number of year-month-day, by timegm(). */
static int64_t
day_of(int y, int m, int d)
{
    struct tm tm = {0};

    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    return (int64_t)timegm(&tm) / 86400;
}

/* Write tmp/sample.jsonl (every SAMPLE_STEP-th Reuters line and `extra`),
 * note its ids and dates in sdocs, and index it into ix. */
static void
index_sample(void)
{
    FILE *in = fopen(REUTERS, "r"), *out;
    char *line = NULL, path[128];
    size_t cap = 0, lineno = 0;
    ssize_t len;
    const struct tu_run *r;

    cr_assert_not_null(in, "cannot open %s (run from /work/main)", REUTERS);
    snprintf(path, sizeof path, "%s/sample.jsonl", tmp);
    out = fopen(path, "w");
    cr_assert_not_null(out, "%s: %s", path, strerror(errno));
    sdocs = calloc(21578 / SAMPLE_STEP + 8, sizeof *sdocs);
    cr_assert_not_null(sdocs);
    nsdocs = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        cJSON *j;
        const cJSON *id, *date;
        if (lineno++ % SAMPLE_STEP != 0)
            continue;
        j = cJSON_ParseWithLength(line, (size_t)len);
        id = cJSON_GetObjectItemCaseSensitive(j, "id");
        date = cJSON_GetObjectItemCaseSensitive(j, "date");
        cr_assert(cJSON_IsString(id) && cJSON_IsString(date), "line %zu",
                  lineno);
        snprintf(sdocs[nsdocs].id, sizeof sdocs[nsdocs].id, "%s",
                 id->valuestring);
        reuters_date(date->valuestring, &sdocs[nsdocs]);
        cr_assert_neq(sdocs[nsdocs].day, NO_DATE, "line %zu: %s", lineno,
                      date->valuestring);
        nsdocs++;
        fwrite(line, 1, (size_t)len, out);
        cJSON_Delete(j);
    }
    fputs(extra, out);
    cr_assert_eq(fclose(out), 0);
    fclose(in);
    free(line);
    strcpy(sdocs[nsdocs].id, "iso-1");
    sdocs[nsdocs].day = day_of(1987, 3, 15);
    sdocs[nsdocs++].seconds = day_of(1987, 3, 15) * 86400 + 12 * 3600;
    strcpy(sdocs[nsdocs].id, "undated-1");
    sdocs[nsdocs].day = sdocs[nsdocs].seconds = NO_DATE;
    nsdocs++;
    strcpy(sdocs[nsdocs].id, "undated-2");
    sdocs[nsdocs].day = sdocs[nsdocs].seconds = NO_DATE;
    nsdocs++;
    r = run(NULL, "indexer", ARGS("-q", "-i", ix, path));
    expect_code(r, 0, "indexer");
}

static const struct sdoc *
sdoc(const char *id)
{
    size_t i;

    for (i = 0; i < nsdocs; i++)
        if (strcmp(sdocs[i].id, id) == 0)
            return &sdocs[i];
    cr_assert_fail("id %s is not in the sample", id);
    return NULL;
}

/* Lines of `out` as an array (the strings point into a copy). */
struct lines {
    char *copy;
    char **v;
    size_t n;
};

static void
split_lines(const char *out, struct lines *l)
{
    char *p, *nl;

    l->copy = strdup(out);
    l->v = calloc((size_t)count_lines(out) + 1, sizeof *l->v);
    cr_assert(l->copy && l->v, "out of memory");
    l->n = 0;
    for (p = l->copy; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        l->v[l->n++] = p;
    }
    cr_assert_str_empty(p, "output does not end with a newline: %s", out);
}

static void
free_lines(struct lines *l)
{
    free(l->copy);
    free(l->v);
}

static cJSON *
json_of(const struct tu_run *r)
{
    cJSON *j = cJSON_Parse(r->out);

    cr_assert_not_null(j, "not JSON: %s", r->out);
    return j;
}

/* ---------------------------------------------------------------------- */
/* --ids and --count against the JSON output.                             */

Test(search, ids_and_count_agree_with_the_normal_output)
{
    static const char *const queries[] = {
        "cocoa",         "cocoa prices",          "+oil -gas",
        "\"crude oil\"", "title:cocoa OR copper", "xylophone"};
    size_t q;

    index_sample();
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        const struct tu_run *js, *ids, *count, *page;
        const cJSON *h;
        struct lines l, p;
        size_t k = 0;
        cJSON *j;
        int want = strcmp(queries[q], "xylophone") == 0 ? 1 : 0;
        js = SEARCHER("-f", "json", "-n", "100000", "--", queries[q]);
        ids = SEARCHER("--ids", "-n", "100000", "--", queries[q]);
        count = SEARCHER("--count", "--", queries[q]);
        page = SEARCHER("--ids", "-n", "4", "--offset", "3", "--", queries[q]);
        expect_code(js, want, queries[q]);
        expect_code(ids, want, queries[q]);
        expect_code(count, want, queries[q]);
        cr_assert_str_empty(ids->err, "%s: --ids said: %s", queries[q],
                            ids->err);
        j = json_of(js);
        split_lines(ids->out, &l);
        split_lines(page->out, &p);
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "hits"))
        {
            cr_assert_lt(k, l.n, "%s: fewer ids than hits", queries[q]);
            cr_assert_str_eq(l.v[k], tu_json_str(h, "id"), "%s: hit %zu",
                             queries[q], k);
            k++;
        }
        cr_assert_eq(k, l.n, "%s: %zu hits, %zu ids", queries[q], k, l.n);
        cr_assert_eq(tu_json_num(j, "total_hits"), (double)k,
                     "%s: every hit listed, so the total is exact", queries[q]);
        cr_assert_eq(strtod(count->out, NULL), (double)k,
                     "%s: --count says %s, %zu hits", queries[q], count->out,
                     k);
        for (k = 0; k < p.n; k++)
            cr_assert_str_eq(p.v[k], l.v[3 + k], "%s: page line %zu",
                             queries[q], k);
        cr_assert_eq(p.n, l.n > 3 ? (l.n - 3 < 4 ? l.n - 3 : 4) : 0,
                     "%s: %zu ids on the page", queries[q], p.n);
        free_lines(&l);
        free_lines(&p);
        cJSON_Delete(j);
    }
}

Test(search, ids_in_batch_mode_carry_the_qid)
{
    const struct tu_run *r, *one;
    struct lines l, a;
    size_t i, n1 = 0;

    index_sample();
    r = BATCH("q1\tcocoa\nq2\txylophone\n\nq3\tcopper\n", "--ids", "-n", "3");
    expect_code(r, 0, "batch --ids");
    one = SEARCHER("--ids", "-n", "3", "cocoa");
    split_lines(r->out, &l);
    split_lines(one->out, &a);
    cr_assert_eq(l.n, 6, "3 ids of q1, none of q2, 3 of q3: %s", r->out);
    for (i = 0; i < l.n; i++) {
        cr_assert(strncmp(l.v[i], i < 3 ? "q1\t" : "q3\t", 3) == 0,
                  "line %zu: %s", i, l.v[i]);
        if (i < 3) {
            cr_assert_str_eq(l.v[i] + 3, a.v[i], "q1 line %zu", i);
            n1++;
        }
    }
    cr_assert_eq(n1, a.n);
    free_lines(&l);
    free_lines(&a);
}

/*
 * --timings, which the benchmark reads: a line per query in input order,
 * microseconds to a tenth (the peers' runners write as much), and the
 * hits the JSON output counts for the same query.
 */
static char *slurp(const char *path);

Test(search, timings_give_each_query_its_time_and_hits)
{
    static const char *const qids[] = {"q1", "q2", "q3"};
    static const char *const texts[] = {"cocoa", "xylophone", "\"crude oil\""};
    char path[160], *file;
    const struct tu_run *r;
    struct lines l;
    size_t i;

    index_sample();
    snprintf(path, sizeof path, "%s/timings.tsv", tmp);
    r = BATCH("q1\tcocoa\nq2\txylophone\nq3\t\"crude oil\"\n", "--format",
              "trec", "-n", "10", "--timings", path);
    expect_code(r, 0, "batch --timings");
    file = slurp(path);
    cr_assert_not_null(file, "no timings file %s", path);
    split_lines(file, &l);
    cr_assert_eq(l.n, 3, "a line per query: %s", file);
    for (i = 0; i < l.n; i++) {
        char qid[8], tenth[4];
        const char *dot;
        double us;
        unsigned long long hits;
        int end = 0;
        cJSON *j;
        const struct tu_run *one;
        cr_assert_eq(sscanf(l.v[i], "%7[^\t]\t%lf\t%llu%n", qid, &us, &hits,
                            &end),
                     3, "line %zu: %s", i, l.v[i]);
        cr_assert_eq(l.v[i][end], '\0', "line %zu: %s", i, l.v[i]);
        cr_assert_str_eq(qid, qids[i], "line %zu: %s", i, l.v[i]);
        dot = strchr(l.v[i], '.');
        cr_assert(dot && sscanf(dot, ".%3[0-9]", tenth) == 1 &&
                      strlen(tenth) == 1,
                  "line %zu: not a tenth of a microsecond: %s", i, l.v[i]);
        cr_assert(us >= 0 && us < 60e6, "line %zu: %s", i, l.v[i]);
        one = SEARCHER("--format", "json", "-n", "10", texts[i]);
        j = json_of(one);
        cr_assert_eq(hits,
                     (unsigned long long)cJSON_GetObjectItem(j, "total_hits")
                         ->valuedouble,
                     "line %zu: %s; JSON: %s", i, l.v[i], one->out);
        cJSON_Delete(j);
    }
    cr_assert(strcmp(l.v[1] + strlen(l.v[1]) - 2, "\t0") == 0,
              "xylophone matches nothing: %s", l.v[1]);
    free_lines(&l);
    free(file);
}

/* ---------------------------------------------------------------------- */
/* --explain                                                               */

Test(search, explain_terms_sum_to_the_score_in_json)
{
    static const char *const queries[] = {
        "cocoa prices",       "\"crude oil\" opec", "+oil -gas price",
        "title:cocoa buffer", "oil NEAR/3 prices",  "export*"};
    size_t q;

    index_sample();
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        const struct tu_run *r =
            SEARCHER("-f", "json", "--explain", "-n", "20", "--", queries[q]);
        const cJSON *h, *t;
        cJSON *j;
        size_t hits = 0;
        expect_code(r, 0, queries[q]);
        j = json_of(r);
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "hits"))
        {
            const cJSON *ex = cJSON_GetObjectItemCaseSensitive(h, "explain");
            double sum = 0;
            int terms = 0;
            cr_assert(cJSON_IsArray(ex), "%s: hit %s has no explain array",
                      queries[q], tu_json_str(h, "id"));
            cJSON_ArrayForEach(t, ex)
            {
                double df = tu_json_num(t, "df"), idf = tu_json_num(t, "idf");
                cr_assert(strlen(tu_json_str(t, "term")) > 0, "%s: empty term",
                          queries[q]);
                cr_assert(tu_json_num(t, "tf") >= 1 && df >= 1 &&
                              df <= (double)nsdocs && idf > 0 &&
                              tu_json_num(t, "doc_len") >= 1,
                          "%s: hit %s term %s: tf %g df %g idf %g len %g",
                          queries[q], tu_json_str(h, "id"),
                          tu_json_str(t, "term"), tu_json_num(t, "tf"), df, idf,
                          tu_json_num(t, "doc_len"));
                /* A word's idf by the formula of README.md. */
                if (strcmp(tu_json_str(t, "term"), "cocoa") == 0 ||
                    strcmp(tu_json_str(t, "term"), "prices") == 0) {
                    double want =
                        log(1 + ((double)nsdocs - df + 0.5) / (df + 0.5));
                    cr_assert(fabs(idf - want) < 1e-5,
                              "%s: idf %f, want ln(1 + (N - df + 0.5) / "
                              "(df + 0.5)) = %f with N %zu, df %g",
                              queries[q], idf, want, nsdocs, df);
                }
                sum += tu_json_num(t, "contribution");
                terms++;
            }
            cr_assert_gt(terms, 0, "%s: hit %s explained by nothing",
                         queries[q], tu_json_str(h, "id"));
            cr_assert(fabs(sum - tu_json_num(h, "score")) < 1e-5 * (terms + 1),
                      "%s: hit %s: terms sum to %f, score %f", queries[q],
                      tu_json_str(h, "id"), sum, tu_json_num(h, "score"));
            hits++;
        }
        cr_assert_gt(hits, 0, "%s: no hits", queries[q]);
        cJSON_Delete(j);
    }
}

Test(search, explain_in_text_lists_each_clause_under_its_hit)
{
    const struct tu_run *r;
    struct lines l;
    size_t i, hits = 0;

    index_sample();
    r = SEARCHER("--explain", "-n", "3", "cocoa prices");
    expect_code(r, 0, "--explain");
    split_lines(r->out, &l);
    for (i = 0; i < l.n; i++) {
        double score, total, c, sum = 0;
        unsigned long k, n, len;
        if (sscanf(l.v[i], "%*u. %*s %lf", &score) != 1 || l.v[i][3] != '.')
            continue;
        hits++;
        /* Title and snippet, then the breakdown. */
        while (++i < l.n && sscanf(l.v[i], "     score %lf = the sum of %lu",
                                   &total, &n) != 2)
            ;
        cr_assert_lt(i, l.n, "hit %zu: no breakdown: %s", hits, r->out);
        cr_assert(fabs(total - score) < 1e-9, "hit %zu: %f vs %f", hits, total,
                  score);
        cr_assert(strstr(l.v[i], " tokens (mean ") &&
                      sscanf(strstr(l.v[i], "; length "), "; length %lu",
                             &len) == 1 &&
                      len > 0,
                  "hit %zu: %s", hits, l.v[i]);
        for (k = 0; k < n; k++) {
            cr_assert_lt(i + 1 + k, l.n);
            cr_assert(sscanf(l.v[i + 1 + k], "%lf", &c) == 1 &&
                          strstr(l.v[i + 1 + k], "(tf ") &&
                          strstr(l.v[i + 1 + k], ", df ") &&
                          strstr(l.v[i + 1 + k], ", idf "),
                      "hit %zu clause %lu: %s", hits, k, l.v[i + 1 + k]);
            sum += c;
        }
        cr_assert(fabs(sum - score) < 0.001 * (n + 1),
                  "hit %zu: clauses sum to %.3f, score %.3f", hits, sum, score);
        i += n;
    }
    cr_assert_eq(hits, 3, "three hits: %s", r->out);
    free_lines(&l);
}

/* ---------------------------------------------------------------------- */
/* Dates                                                                   */

/* The ids printed for `query` with `more` options (and -n 100000). */
static void
ids_of(const char *query, const char *const *more, struct lines *l, int *code)
{
    const char *args[16] = {"-i", ix, "--ids", "-n", "100000"};
    size_t n = 5;
    const struct tu_run *r;

    for (; *more; more++)
        args[n++] = *more;
    args[n++] = "--";
    args[n++] = query;
    args[n] = NULL;
    r = run(NULL, "searcher", args);
    cr_assert(r->code == 0 || r->code == 1, "%s: exit %d: %s", query, r->code,
              r->err);
    *code = r->code;
    split_lines(r->out, l);
}

Test(search, since_and_until_keep_the_days_asked_for)
{
    static const struct {
        const char *since, *until;
        int64_t from, to;
    } c[] = {
        {"1987-03-01", "1987-03-31", 0, 0}, {"1987-03-15", "1987-03-15", 0, 0},
        {"1987-04-07", NULL, 0, 0},         {NULL, "1987-03-02", 0, 0},
        {"1987-10-01", "1987-12-31", 0, 0}, {"1990-01-01", NULL, 0, 0},
    };
    const char *query = "cocoa oil";
    struct lines all;
    size_t i, k, m;
    int code;

    index_sample();
    ids_of(query, ARGS(NULL), &all, &code);
    cr_assert_gt(all.n, 100, "%s: %zu hits", query, all.n);
    for (i = 0; i < sizeof c / sizeof *c; i++) {
        int64_t from = c[i].since ? 0 : INT64_MIN, to = INT64_MAX;
        const char *more[6] = {NULL};
        struct lines got;
        int y, mo, d;
        char count_arg[32];
        size_t n = 0;
        if (c[i].since) {
            sscanf(c[i].since, "%d-%d-%d", &y, &mo, &d);
            from = day_of(y, mo, d);
            more[n++] = "--since";
            more[n++] = c[i].since;
        }
        if (c[i].until) {
            sscanf(c[i].until, "%d-%d-%d", &y, &mo, &d);
            to = day_of(y, mo, d);
            more[n++] = "--until";
            more[n++] = c[i].until;
        }
        ids_of(query, more, &got, &code);
        /* The unfiltered ranking, filtered here, in the same order. */
        for (k = 0, m = 0; k < all.n; k++) {
            const struct sdoc *s = sdoc(all.v[k]);
            if (s->day == NO_DATE || s->day < from || s->day > to)
                continue;
            cr_assert_lt(m, got.n, "%s..%s: %s (day %lld) is missing",
                         c[i].since, c[i].until, all.v[k], (long long)s->day);
            cr_assert_str_eq(got.v[m], all.v[k], "%s..%s: hit %zu", c[i].since,
                             c[i].until, m);
            m++;
        }
        cr_assert_eq(m, got.n, "%s..%s: %zu hits, want %zu", c[i].since,
                     c[i].until, got.n, m);
        cr_assert_eq(code, m > 0 ? 0 : 1, "%s..%s: exit %d", c[i].since,
                     c[i].until, code);
        if (c[i].since && c[i].until && strcmp(c[i].since, "1987-03-15") == 0) {
            for (k = 0; k < got.n && strcmp(got.v[k], "iso-1") != 0; k++)
                ;
            cr_assert_lt(k, got.n, "the ISO-dated document is on 1987-03-15");
        }
        /* --count counts the same documents. */
        {
            const char *args[12] = {"-i", ix, "--count"};
            size_t a = 3, j;
            const struct tu_run *r;
            for (j = 0; j < n; j++)
                args[a++] = more[j];
            args[a++] = query;
            args[a] = NULL;
            r = run(NULL, "searcher", args);
            snprintf(count_arg, sizeof count_arg, "%zu\n", m);
            cr_assert_str_eq(r->out, count_arg, "%s..%s: --count", c[i].since,
                             c[i].until);
        }
        free_lines(&got);
    }
    free_lines(&all);
}

Test(search, sort_by_date_is_newest_first_and_undated_last)
{
    const char *query = "cocoa oil";
    struct lines all, sorted, page;
    size_t k, undated = 0;
    int code;

    index_sample();
    ids_of(query, ARGS(NULL), &all, &code);
    ids_of(query, ARGS("--sort", "date"), &sorted, &code);
    cr_assert_eq(sorted.n, all.n, "the same hits, in another order");
    for (k = 0; k < sorted.n; k++) {
        const struct sdoc *s = sdoc(sorted.v[k]);
        if (s->seconds == NO_DATE) {
            undated++;
            continue;
        }
        cr_assert_eq(undated, 0, "%s (dated) after an undated document",
                     sorted.v[k]);
        if (k > 0)
            cr_assert_leq(s->seconds, sdoc(sorted.v[k - 1])->seconds,
                          "%s after %s: not newest first", sorted.v[k],
                          sorted.v[k - 1]);
    }
    cr_assert_eq(undated, 2, "both undated documents match, last");
    ids_of(query, ARGS("--sort", "date", "-n", "5", "--offset", "10"), &page,
           &code);
    cr_assert_eq(page.n, 5);
    for (k = 0; k < page.n; k++)
        cr_assert_str_eq(page.v[k], sorted.v[10 + k], "page line %zu", k);
    /* --sort score is the default order. */
    free_lines(&page);
    ids_of(query, ARGS("--sort", "score"), &page, &code);
    cr_assert_eq(page.n, all.n);
    for (k = 0; k < page.n; k++)
        cr_assert_str_eq(page.v[k], all.v[k], "line %zu", k);
    free_lines(&page);
    free_lines(&all);
    free_lines(&sorted);
}

/* ---------------------------------------------------------------------- */
/* The totals line                                                         */

/* 1234567 -> "1,234,567", written the slow way. */
static void
with_commas(unsigned long long v, char *out)
{
    char d[32];
    size_t n, i, k = 0;

    snprintf(d, sizeof d, "%llu", v);
    n = strlen(d);
    for (i = 0; i < n; i++) {
        out[k++] = d[i];
        if ((n - 1 - i) % 3 == 0 && i + 1 < n)
            out[k++] = ',';
    }
    out[k] = '\0';
}

Test(search, totals_line_groups_digits_and_says_at_least_when_pruned)
{
    static const char *const queries[] = {"+said", "said oil", "cocoa",
                                          "xylophone"};
    size_t q;

    index_sample();
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        const struct tu_run *t = SEARCHER("--", queries[q]);
        const struct tu_run *j = SEARCHER("-f", "json", "--", queries[q]);
        cJSON *o = json_of(j);
        char total[32], want[96];
        double ms;
        size_t nhits = (size_t)cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(o, "hits"));
        int exact =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "total_exact"));
        with_commas((unsigned long long)tu_json_num(o, "total_hits"), total);
        snprintf(want, sizeof want, "%zu of %s%s hits in ", nhits,
                 exact ? "" : "at least ", total);
        cr_assert(strncmp(t->err, want, strlen(want)) == 0 &&
                      sscanf(t->err + strlen(want), "%lf ms", &ms) == 1 &&
                      strcmp(strchr(t->err, '\0') - 4, " ms\n") == 0 &&
                      count_lines(t->err) == 1,
                  "%s: stderr \"%s\", want \"%s... ms\"", queries[q], t->err,
                  want);
        if (strcmp(queries[q], "+said") == 0)
            cr_assert(exact && tu_json_num(o, "total_hits") >= 1000,
                      "+said: an exact total over 1,000 (%g)",
                      tu_json_num(o, "total_hits"));
        cJSON_Delete(o);
    }
}

/* The ids and scores of a JSON result, one "id score" a line. */
static void
ranking_of(const struct tu_run *r, struct buf *out)
{
    cJSON *o = json_of(r);
    const cJSON *h;

    buf_clear(out);
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(o, "hits"))
        buf_printf(out, "%s %.6f\n", tu_json_str(h, "id"),
                   tu_json_num(h, "score"));
    cJSON_Delete(o);
}

Test(search, stop_words_are_left_out_of_ranked_words_and_said_so)
{
    struct buf with = BUF_INIT, without = BUF_INIT, kept = BUF_INIT;
    const struct tu_run *r;

    index_sample();
    /* The same ranking as the query without them, score for score. */
    ranking_of(SEARCHER("-f", "json", "-n", "20", "the price of the oil"),
               &with);
    ranking_of(SEARCHER("-f", "json", "-n", "20", "price oil"), &without);
    cr_assert_gt(with.len, 0);
    cr_assert_str_eq(buf_cstr(&with), buf_cstr(&without));
    r = SEARCHER("the price of the oil");
    cr_assert_not_null(strstr(r->err, " ms; common words left out: the, of\n"),
                       "stderr: %s", r->err);
    r = SEARCHER("-f", "json", "-n", "1", "the price of the oil");
    cr_assert_not_null(
        strstr(r->out, ",\"took_ms\":") &&
                strstr(r->out, ",\"left_out\":[\"the\",\"of\"],\"hits\":[{")
            ? r->out
            : NULL,
        "JSON: %s", r->out);
    r = SEARCHER("-f", "json", "-n", "1", "price oil");
    cr_assert_null(strstr(r->out, "left_out"), "JSON: %s", r->out);
    /* --plain too: natural-language text is what the list is for. */
    ranking_of(SEARCHER("-f", "json", "-n", "20", "--plain",
                        "What is the price of oil?"),
               &kept);
    cr_assert_str_eq(buf_cstr(&kept), buf_cstr(&without));
    /* --keep-stopwords ranks them: scores change, "the" is explained. */
    r = SEARCHER("-f", "json", "-n", "20", "--keep-stopwords", "--explain",
                 "the price of the oil");
    cr_assert_not_null(strstr(r->out, "\"term\":\"the\""), "%s", r->out);
    ranking_of(r, &kept);
    cr_assert_str_neq(buf_cstr(&kept), buf_cstr(&without));
    r = SEARCHER("--keep-stopwords", "the price of the oil");
    cr_assert_null(strstr(r->err, "left out"), "stderr: %s", r->err);
    /* Stop words only: nothing is left out, and they find documents. */
    r = SEARCHER("-f", "json", "the who");
    expect_code(r, 0, "the who");
    r = SEARCHER("the who");
    cr_assert_null(strstr(r->err, "left out"), "stderr: %s", r->err);
    /* A phrase keeps its stop words: fewer documents than "price" alone. */
    r = SEARCHER("--count", "\"the price of\"");
    cr_assert(atoi(r->out) > 0 &&
                  atoi(r->out) < atoi(SEARCHER("--count", "=price")->out),
              "\"the price of\": %s", r->out);
    buf_release(&with);
    buf_release(&without);
    buf_release(&kept);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

Test(search, query_errors_point_a_caret_at_the_column)
{
    static const struct {
        const char *query, *err;
    } c[] = {
        {"cotton \"Telliani", "searcher: error: unbalanced quote at column 8\n"
                              "cotton \"Telliani\n"
                              "       ^\n"
                              "hint: close the phrase with another \"\n"},
        {"\"Telliani Valley", "searcher: error: unbalanced quote at column 1\n"
                              "\"Telliani Valley\n"
                              "^\n"
                              "hint: close the phrase with another \"\n"},
        /* columns count characters: Ü is two bytes, one column */
        {"Ürümqi \"x", "searcher: error: unbalanced quote at column 8\n"
                       "Ürümqi \"x\n"
                       "       ^\n"
                       "hint: close the phrase with another \"\n"},
        /* an ideograph takes two cells on a terminal */
        {"東京 \"x", "searcher: error: unbalanced quote at column 4\n"
                     "東京 \"x\n"
                     "     ^\n"
                     "hint: close the phrase with another \"\n"},
        {"cotton)", "searcher: error: unbalanced parenthesis at column 7\n"
                    "cotton)\n"
                    "      ^\n"
                    "hint: remove it, or add ( before it\n"},
        {"a NEAR/x b",
         "searcher: error: NEAR/ needs a number of words from 1 to 1000 at "
         "column 3\n"
         "a NEAR/x b\n"
         "  ^\n"
         "hint: write the most words apart, as in cotton NEAR/5 xinjiang\n"},
        /* no column: no caret */
        {"", "searcher: error: empty query: no words to search\n"
             "hint: type a word to search for\n"},
        /* a tab stays a tab, so the caret lines up under it */
        {"a\t\"b", "searcher: error: unbalanced quote at column 3\n"
                   "a\t\"b\n"
                   " \t^\n"
                   "hint: close the phrase with another \"\n"},
    };
    size_t i;

    index_seed();
    for (i = 0; i < sizeof c / sizeof *c; i++) {
        const struct tu_run *r = SEARCHER("--", c[i].query);
        expect_code(r, 2, c[i].query);
        cr_assert_str_empty(r->out, "%s: stdout %s", c[i].query, r->out);
        cr_assert_str_eq(r->err, c[i].err, "query \"%s\":\ngot\n%swant\n%s",
                         c[i].query, r->err, c[i].err);
    }
}

Test(search, batch_errors_name_the_line_and_the_other_queries_run)
{
    const struct tu_run *r;

    index_seed();
    r = BATCH("q1\tcotton\nbad\tcotton \"oops\n\n(Khorgos\nq5\tKhorgos\n", "-f",
              "trec");
    expect_code(r, 2, "batch with errors");
    cr_assert_eq(count_lines(r->out), 2, "q1 and q5 answered: %s", r->out);
    cr_assert(strncmp(r->out, "q1 Q0 " SEED " 1 ", strlen("q1 Q0 " SEED)) ==
                      0 &&
                  strstr(r->out, "\nq5 Q0 " SEED " 1 "),
              "%s", r->out);
    cr_assert_str_eq(
        r->err,
        "searcher: error: line 2 (query bad): unbalanced quote at column 8\n"
        "cotton \"oops\n"
        "       ^\n"
        "hint: close the phrase with another \"\n"
        "searcher: error: line 4: unbalanced parenthesis at column 1\n"
        "(Khorgos\n"
        "^\n"
        "hint: close it with )\n",
        "stderr:\n%s", r->err);
}

Test(search, bad_options_are_one_line_errors_before_any_work)
{
    static const struct {
        const char *args[6], *says;
    } c[] = {
        {{"--since", "2019-13-01", "x"},
         "searcher: --since needs a day as YYYY-MM-DD, not '2019-13-01'; try "
         "'searcher --help'\n"},
        {{"--until", "Nov 30", "x"},
         "searcher: --until needs a day as YYYY-MM-DD, not 'Nov 30'; try "
         "'searcher --help'\n"},
        {{"--since", "2019-12-01", "--until", "2019-11-30", "x"},
         "searcher: --since is after --until: no day can match; try "
         "'searcher --help'\n"},
        {{"--sort", "relevance", "x"},
         "searcher: unknown sort 'relevance' (score or date); try 'searcher "
         "--help'\n"},
        {{"--ids", "--count", "x"},
         "searcher: --ids and --count cannot go together; try 'searcher "
         "--help'\n"},
        {{"--ids", "-f", "json", "x"},
         "searcher: --ids prints plain lines; it takes no --format; try "
         "'searcher --help'\n"},
        {{"--explain", "-f", "trec", "x"},
         "searcher: --explain needs --format text or json; try 'searcher "
         "--help'\n"},
        {{"--max-expansions", "0", "x"},
         "searcher: --max-expansions needs a whole number from 1 to "
         "100000000; try 'searcher --help'\n"},
    };
    size_t i;

    /* No index at all: the options are refused before it is looked for. */
    for (i = 0; i < sizeof c / sizeof *c; i++) {
        const char *args[10] = {"-i", ix};
        size_t k;
        for (k = 0; c[i].args[k]; k++)
            args[k + 2] = c[i].args[k];
        args[k + 2] = NULL;
        const struct tu_run *r = run(NULL, "searcher", args);
        expect_code(r, 2, c[i].says);
        cr_assert_str_empty(r->out);
        cr_assert_str_eq(r->err, c[i].says);
    }
}

/* ---------------------------------------------------------------------- */
/* Query options                                                           */

Test(search, stem_phrases_matches_phrases_by_stem)
{
    const struct tu_run *r;

    index_seed();
    /* The seed says "cotton harvesting machine". */
    r = SEARCHER("--count", "\"cotton harvest\"");
    cr_assert_str_eq(r->out, "0\n", "a phrase is as written: %s", r->out);
    r = SEARCHER("--count", "--stem-phrases", "\"cotton harvest\"");
    cr_assert_str_eq(r->out, "1\n", "--stem-phrases: %s", r->out);
    expect_code(r, 0, "--stem-phrases");
    r = SEARCHER("--count", "~\"cotton harvest\"");
    cr_assert_str_eq(r->out, "1\n", "~\"...\": %s", r->out);
    r = SEARCHER("--stem-phrases", "\"cotton harvest\"");
    cr_assert_not_null(strstr(r->out, "[cotton] [harvesting] machine"),
                       "the snippet marks the stemmed phrase: %s", r->out);
}

/*
 * The examples of README.md's query syntax, on the seed article, whose
 * text says "a cotton harvesting machine working in a field in Awat
 * County, northwest China's Xinjiang Uygur Autonomous Region. With a long
 * history of cotton planting" (the closest pair 9 words apart),
 * "Telliani Valley" and "Khorgos", and whose title is "Xinjiang business
 * group craves cooperation deals in CIIE".
 */
Test(search, readme_query_examples_match_the_seed_as_documented)
{
    static const struct {
        const char *query, *count;
    } c[] = {
        {"cotton harvesting", "1\n"},
        {"\"Telliani Valley\"", "1\n"},
        {"\"Khorgos\"", "1\n"},
        {"=harvesting", "1\n"},
        {"=harvest", "0\n"},
        {"~\"cotton harvests\"", "1\n"},
        {"\"cotton harvests\"", "0\n"},
        {"\"cotton machine\"~2", "1\n"},
        {"\"cotton machine\"~0", "0\n"},
        {"cotton NEAR/15 Xinjiang", "1\n"},
        {"Xinjiang NEAR/9 cotton", "1\n"},
        {"cotton NEAR/8 Xinjiang", "0\n"},
        {"khorg*", "1\n"},
        {"title:Xinjiang", "1\n"},
        {"title:cotton", "0\n"},
        {"body:CIIE", "1\n"},
        {"+cotton -\"Town of Cotton\"", "0\n"},
        {"cotton AND Awat", "1\n"},
        {"Awat OR Telliani", "1\n"},
        {"cotton NOT Telliani", "0\n"},
        {"(cotton OR wool) AND NOT Telliani", "0\n"},
        {"cotton AND wool", "0\n"},
        {"cotton and wool", "1\n"}, /* lower case: words, any may match */
    };
    size_t i;

    index_seed();
    for (i = 0; i < sizeof c / sizeof *c; i++) {
        const struct tu_run *r = SEARCHER("--count", "--", c[i].query);
        cr_expect_str_eq(r->out, c[i].count, "%s: %s%s", c[i].query, r->out,
                         r->err);
        cr_expect_eq(r->code, c[i].count[0] == '1' ? 0 : 1, "%s: exit %d",
                     c[i].query, r->code);
    }
}

Test(search, a_prefix_cut_at_its_limit_warns)
{
    const struct tu_run *r;

    index_sample();
    r = SEARCHER("--max-expansions", "3", "-n", "1", "c*");
    expect_code(r, 0, "c*");
    cr_assert(strncmp(r->err, "searcher: warning: ", 19) == 0 &&
                  count_lines(r->err) == 2,
              "a warning, then the totals: %s", r->err);
    r = SEARCHER("-n", "1", "cocoa*");
    cr_assert_null(strstr(r->err, "warning"), "cocoa* has few forms: %s",
                   r->err);
}

/* ---------------------------------------------------------------------- */
/* The interactive mode, on a pseudo-terminal                              */

struct pty {
    int master;
    pid_t pid;
    struct buf seen; /* everything the program wrote */
};

/* Start the searcher on a new pseudo-terminal, with `env` set. */
static void
pty_start(struct pty *p, const char *const *env)
{
    const char *build = getenv("SE_BUILD");
    char path[256];
    const char *name;
    int i;

    snprintf(path, sizeof path, "%s/searcher",
             build && *build ? build : "build");
    memset(p, 0, sizeof *p);
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(p->master, 0, "posix_openpt: %s", strerror(errno));
    cr_assert(grantpt(p->master) == 0 && unlockpt(p->master) == 0,
              "grantpt: %s", strerror(errno));
    name = ptsname(p->master);
    cr_assert_not_null(name, "ptsname: %s", strerror(errno));
    p->pid = fork();
    cr_assert_neq(p->pid, -1, "fork: %s", strerror(errno));
    if (p->pid == 0) {
        int fd;
        setsid(); /* the terminal becomes the controlling one */
        fd = open(name, O_RDWR);
        if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(127);
        if (fd > 2)
            close(fd);
        close(p->master);
        unsetenv("XDG_STATE_HOME");
        setenv("NO_COLOR", "1", 1);
        setenv("TERM", "xterm", 1);
        for (i = 0; env[i]; i++)
            putenv((char *)env[i]);
        execl(path, path, "-i", ix, (char *)NULL);
        _exit(127);
    }
}

/* Read until `want` appears after offset `from` of what was seen. */
static void
pty_expect(struct pty *p, size_t from, const char *want)
{
    time_t deadline = time(NULL) + PTY_SECONDS;

    for (;;) {
        struct pollfd pf = {p->master, POLLIN, 0};
        char chunk[4096];
        ssize_t got;
        buf_putc(&p->seen, 0);
        p->seen.len--;
        if (p->seen.len > from &&
            strstr((const char *)p->seen.data + from, want))
            return;
        cr_assert(time(NULL) < deadline, "waited for \"%s\"; seen:\n%s", want,
                  (const char *)p->seen.data + from);
        if (poll(&pf, 1, 500) <= 0)
            continue;
        got = read(p->master, chunk, sizeof chunk);
        cr_assert(got > 0, "the program left; waited for \"%s\"; seen:\n%s",
                  want, (const char *)p->seen.data + from);
        buf_append(&p->seen, chunk, (size_t)got);
    }
}

/* Wait until the program has put the terminal in raw (non-canonical)
 * mode: the line editor is reading. */
static void
pty_wait_raw(struct pty *p)
{
    time_t deadline = time(NULL) + PTY_SECONDS;
    struct termios t;

    for (;;) {
        cr_assert_eq(tcgetattr(p->master, &t), 0, "tcgetattr: %s",
                     strerror(errno));
        if (!(t.c_lflag & ICANON))
            return;
        cr_assert(time(NULL) < deadline, "the terminal stayed canonical");
        usleep(10000);
    }
}

/* Type `line`; return where its output starts in p->seen. */
static size_t
pty_type(struct pty *p, const char *line)
{
    size_t at = p->seen.len, n = strlen(line);

    cr_assert_eq(write(p->master, line, n), (ssize_t)n, "write: %s",
                 strerror(errno));
    return at;
}

/* Wait for the program to end (reading what it writes); its exit status. */
static int
pty_finish(struct pty *p)
{
    time_t deadline = time(NULL) + PTY_SECONDS;
    int status;

    for (;;) {
        char chunk[4096];
        struct pollfd pf = {p->master, POLLIN, 0};
        pid_t w = waitpid(p->pid, &status, WNOHANG);
        if (w == p->pid)
            break;
        if (time(NULL) > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            cr_assert_fail("still running; seen:\n%s",
                           (const char *)p->seen.data);
        }
        if (poll(&pf, 1, 200) > 0) {
            ssize_t got = read(p->master, chunk, sizeof chunk);
            if (got > 0)
                buf_append(&p->seen, chunk, (size_t)got);
        }
    }
    close(p->master);
    buf_release(&p->seen);
    cr_assert(WIFEXITED(status), "killed by signal %d",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t got, n;

    if (f == NULL)
        return NULL;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    fclose(f);
    buf_putc(&b, 0);
    return (char *)buf_detach(&b, &n);
}

Test(search, interactive_prompt_answers_queries_and_keeps_history)
{
    char home[128], state[128], history[192], xdg_history[192];
    char home_env[160], state_env[160];
    struct pty p;
    size_t at;
    char *h;

    index_seed();
    snprintf(home, sizeof home, "%s/home", tmp);
    snprintf(state, sizeof state, "%s/state", tmp);
    cr_assert_eq(mkdir(home, 0755), 0);
    cr_assert_eq(mkdir(state, 0755), 0);
    snprintf(home_env, sizeof home_env, "HOME=%s", home);
    snprintf(state_env, sizeof state_env, "XDG_STATE_HOME=%s", state);
    snprintf(history, sizeof history, "%s/.searcher_history", home);
    snprintf(xdg_history, sizeof xdg_history, "%s/searcher_history", state);

    /* A session: help, a bad query, a bad command, a good query, quit. */
    pty_start(&p, ARGS(home_env));
    pty_expect(&p, 0, "search> ");
    at = pty_type(&p, ":help\r");
    pty_expect(&p, at, ":quit");
    pty_expect(&p, at, "Query syntax:");
    at = pty_type(&p, "cotton \"Telliani\r");
    pty_expect(&p, at, "searcher: error: unbalanced quote at column 8");
    pty_expect(&p, at, "       ^");
    pty_expect(&p, at, "search> ");
    at = pty_type(&p, ":nonsense\r");
    pty_expect(&p, at, "unknown command ':nonsense'");
    at = pty_type(&p, "Khorgos\r");
    pty_expect(&p, at, "  1. " SEED "  ");
    pty_expect(&p, at, "[Khorgos] Jinyi");
    pty_expect(&p, at, "1 of 1 hits in ");
    pty_expect(&p, at, "search> ");
    pty_type(&p, ":quit\r");
    cr_assert_eq(pty_finish(&p), 0, "exit status after :quit");
    h = slurp(history);
    cr_assert_not_null(h, "no history in %s", history);
    cr_assert(strstr(h, "Khorgos") && strstr(h, "Telliani"), "history: %s", h);
    free(h);

    /* The next session recalls the last query with Ctrl-P; Ctrl-D ends. */
    pty_start(&p, ARGS(home_env));
    pty_expect(&p, 0, "search> ");
    at = pty_type(&p, "\x10\r");
    pty_expect(&p, at, "[Khorgos] Jinyi");
    pty_expect(&p, at, "1 of 1 hits in ");
    pty_expect(&p, at, "search> ");
    /* Ctrl-D means end of input only to the line editor: typed while the
     * terminal is still in canonical mode, the kernel would swallow it as
     * an EOF that the editor's raw read never sees. */
    pty_wait_raw(&p);
    pty_type(&p, "\x04");
    cr_assert_eq(pty_finish(&p), 0, "exit status after Ctrl-D");

    /* With XDG_STATE_HOME the history goes there. */
    pty_start(&p, ARGS(home_env, state_env));
    pty_expect(&p, 0, "search> ");
    at = pty_type(&p, "xylophone\r");
    pty_expect(&p, at, "0 of 0 hits in ");
    pty_type(&p, ":q\r");
    cr_assert_eq(pty_finish(&p), 0);
    h = slurp(xdg_history);
    cr_assert(h && strstr(h, "xylophone"), "XDG history: %s", h ? h : "none");
    free(h);
    h = slurp(history);
    cr_assert(h && !strstr(h, "xylophone"), "home history: %s", h);
    free(h);
}
