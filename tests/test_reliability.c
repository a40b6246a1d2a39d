/*
 * test_reliability.c - the index survives what happens to a writer: SIGKILL
 * at any moment, searches and a second indexer while it writes, a full
 * disk. The real binaries run on Reuters-21578.
 *
 * How an index is compared with what it should be. The writer commits
 * when its buffer fills, in input order, so an index that was base + an
 * input N when a run stopped holds base + the first M documents of N, M
 * being the documents it gained. The reference for M is built apart: base,
 * then N[0..M) in runs of one commit each (ids are given in input order, so
 * the reference has the same doc ids), and both must give the same answers
 * byte for byte: TREC lines (ids, ranks, scores to six decimals, which move
 * with any change of document count, lengths or frequencies) and exact
 * counts.
 *
 * To tell M from a search alone (while an indexer runs), the corpus is cut
 * in two by the word "reuter" (Reuters, Reuter's...): base is the 2,491
 * documents without it, N the 19,087 with it, so the exact count of
 * "+reuter" is M.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "stemmer.h"
#include "testutil.h"
#include "tokenizer.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define REUTERS_DOCS 21578
#define RUN_SECONDS 120

/* Ranked queries (required words, so counts are exact) and the probe. */
static const char queries[] = "q1\t+oil prices\n"
                              "q2\t+\"interest rates\" bank\n"
                              "q3\t+cocoa +bahia\n"
                              "q4\t+bank -japan stake\n"
                              "q5\tcrude output opec\n";
#define PROBE "+reuter"

static char tmp[64];

static const char *
at(const char *rel)
{
    return tu_path(tmp, rel);
}

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_reliability");
}

static void
teardown(void)
{
    tu_rm_tree(tmp);
}

TestSuite(reliability, .init = setup, .fini = teardown, .timeout = 300);

/* ---------------------------------------------------------------------- */
/* The corpus, cut in two.                                                 */

struct corpus {
    char *text;                /* the file, lines cut by NULs */
    const char **base, **news; /* lines without / with "reuter" */
    size_t nbase, nnew;
};

/* Whether the title or body of a JSON line has a word stemming to reuter. */
static int
has_reuter(const char *line, struct tok *tk, struct stem *st)
{
    static const char *const fields[] = {"title", "body"};
    cJSON *j = cJSON_Parse(line);
    struct tok_token t;
    int found = 0;
    size_t f;

    cr_assert_not_null(j, "not JSON: %.60s", line);
    for (f = 0; f < 2 && !found; f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, fields[f]);
        if (!cJSON_IsString(v))
            continue;
        tok_reset(tk, v->valuestring, strlen(v->valuestring), 0);
        while (!found && tok_next(tk, &t) == 1) {
            const char *s;
            size_t n;
            if (t.len < 6 || memcmp(t.text, "reuter", 6) != 0)
                continue;
            cr_assert_eq(stem_word(st, t.text, t.len, &s, &n), 0);
            found = n == 6 && memcmp(s, "reuter", 6) == 0;
        }
    }
    cJSON_Delete(j);
    return found;
}

static void
load_corpus(struct corpus *c)
{
    FILE *f = fopen(REUTERS, "rb");
    struct buf b = BUF_INIT;
    struct tok *tk;
    struct stem *st;
    char chunk[65536], *p, *nl;
    size_t got, len;

    cr_assert_not_null(f, "%s: %s", REUTERS, strerror(errno));
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    fclose(f);
    buf_putc(&b, 0);
    c->text = (char *)buf_detach(&b, &len);
    c->base = calloc(REUTERS_DOCS, sizeof *c->base);
    c->news = calloc(REUTERS_DOCS, sizeof *c->news);
    c->nbase = c->nnew = 0;
    cr_assert_eq(tok_new(&tk), 0);
    cr_assert_eq(stem_new("english", &st), 0);
    for (p = c->text; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl, "last line not ended");
        *nl = '\0';
        cr_assert_lt(c->nbase + c->nnew, REUTERS_DOCS, "more lines");
        if (has_reuter(p, tk, st))
            c->news[c->nnew++] = p;
        else
            c->base[c->nbase++] = p;
    }
    tok_free(tk);
    stem_free(st);
    cr_assert_eq(c->nbase + c->nnew, REUTERS_DOCS);
    cr_assert_gt(c->nbase, 1000, "base: %zu documents", c->nbase);
    cr_assert_gt(c->nnew, 15000, "new: %zu documents", c->nnew);
}

static void
corpus_release(struct corpus *c)
{
    free(c->text);
    free(c->base);
    free(c->news);
}

static void
write_lines(const char *rel, const char *const *lines, size_t from, size_t to)
{
    FILE *f = fopen(at(rel), "wb");
    size_t i;

    cr_assert_not_null(f, "%s: %s", rel, strerror(errno));
    for (i = from; i < to; i++)
        fprintf(f, "%s\n", lines[i]);
    cr_assert_eq(fclose(f), 0);
}

/* ---------------------------------------------------------------------- */
/* Running the programs.                                                   */

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Run to the end; a signal or a hang fails the test. Caller releases. */
static void
run(struct tu_result *r, const char *in_path, const char *prog,
    const char *const *args)
{
    struct tu_limits lim = {in_path, 0, 0};
    struct tu_proc p;

    tu_start(&p, &lim, prog, args);
    tu_finish(&p, RUN_SECONDS, r);
    cr_assert_eq(r->signal, 0, "%s died of signal %d: %s", prog, r->signal,
                 r->err);
}

static void
index_file(const char *dir, const char *file)
{
    struct tu_result r;

    run(&r, NULL, "indexer", ARGS("-q", "-i", dir, file));
    cr_assert_eq(r.code, 0, "indexer %s: %d: %s", file, r.code, r.err);
    tu_result_release(&r);
}

/* indexer --check passes; returns the document count it reports. */
static size_t
check_sound(const char *dir)
{
    struct tu_result r;
    unsigned long long docs = 0;
    const char *s;

    run(&r, NULL, "indexer", ARGS("--check", "-i", dir));
    cr_assert_eq(r.code, 0, "--check %s: exit %d: %s", dir, r.code, r.err);
    s = strstr(r.out, ": sound: ");
    cr_assert(s && sscanf(s, ": sound: %llu documents", &docs) == 1,
              "--check said: %s", r.out);
    tu_result_release(&r);
    return (size_t)docs;
}

/* TREC answers and exact counts of `queries`, and the probe's count. */
static char *
answers(const char *dir)
{
    struct tu_result r1, r2;
    struct buf b = BUF_INIT;
    size_t len;

    if (access(at("queries"), F_OK) != 0)
        tu_write_str(tmp, "queries", queries);
    run(&r1, at("queries"), "searcher",
        ARGS("-i", dir, "-f", "trec", "-n", "10"));
    cr_assert(r1.code == 0 || r1.code == 1, "searcher: %d: %s", r1.code,
              r1.err);
    run(&r2, at("queries"), "searcher", ARGS("-i", dir, "--count"));
    cr_assert(r2.code == 0 || r2.code == 1, "searcher --count: %d: %s", r2.code,
              r2.err);
    buf_append(&b, r1.out, r1.out_len);
    buf_append(&b, r2.out, r2.out_len);
    tu_result_release(&r1);
    tu_result_release(&r2);
    buf_putc(&b, 0);
    return (char *)buf_detach(&b, &len);
}

/* The exact count of PROBE: the documents of N in the index. */
static size_t
probe(const char *dir)
{
    struct tu_result r;
    unsigned long long n = 0;

    run(&r, NULL, "searcher", ARGS("-i", dir, "--count", PROBE));
    cr_assert(r.code == 0 || r.code == 1, "probe: %d: %s", r.code, r.err);
    cr_assert_eq(sscanf(r.out, "%llu", &n), 1, "probe said: %s", r.out);
    tu_result_release(&r);
    return (size_t)n;
}

static void
copy_index(const char *from, const char *to)
{
    char src[PATH_MAX], dst[PATH_MAX], chunk[65536];
    FILE *in, *out;
    size_t got;

    cr_assert_eq(mkdir(to, 0755), 0, "mkdir %s: %s", to, strerror(errno));
    snprintf(src, sizeof src, "%s/data.mdb", from);
    snprintf(dst, sizeof dst, "%s/data.mdb", to);
    in = fopen(src, "rb");
    out = fopen(dst, "wb");
    cr_assert(in && out, "copy %s: %s", src, strerror(errno));
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        cr_assert_eq(fwrite(chunk, 1, got, out), got);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

/* Index the base documents into tmp/base. */
static void
make_base(const struct corpus *c)
{
    write_lines("base.jsonl", c->base, 0, c->nbase);
    index_file(at("base"), at("base.jsonl"));
}

/*
 * Reference answers for base + N[0..M) for each of `ms` (sorted, distinct),
 * into refs[i] (caller frees): one index grown a slice at a time.
 */
static void
references(const struct corpus *c, const size_t *ms, size_t n, char **refs)
{
    size_t i, prev = 0;

    tu_rm_tree(at("ref"));
    copy_index(at("base"), at("ref"));
    for (i = 0; i < n; i++) {
        cr_assert(i == 0 || ms[i] > ms[i - 1], "M values not sorted");
        if (ms[i] > prev) {
            write_lines("slice.jsonl", c->news, prev, ms[i]);
            index_file(at("ref"), at("slice.jsonl"));
            prev = ms[i];
        }
        cr_assert_eq(probe(at("ref")), ms[i], "reference probe");
        refs[i] = answers(at("ref"));
    }
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

/* Sort and deduplicate ms[0..n); returns the new n. */
static size_t
distinct(size_t *ms, size_t n)
{
    size_t i, k = 0;

    qsort(ms, n, sizeof *ms, cmp_size);
    for (i = 0; i < n; i++)
        if (k == 0 || ms[i] != ms[k - 1])
            ms[k++] = ms[i];
    return k;
}

static size_t
index_of(const size_t *ms, size_t n, size_t m)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (ms[i] == m)
            return i;
    cr_assert_fail("M %zu has no reference", m);
    return 0;
}

/* A tiny LCG with a fixed seed: the same kill times on every run. */
static unsigned
next_rand(unsigned long long *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(*state >> 33);
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---------------------------------------------------------------------- */
/* SIGKILL.                                                                */

#define KILLS 20

/*
 * The job: add N to base with a 3 MB buffer (a commit every 700 or so
 * documents). Each run is killed after a random time (fixed seed), which
 * lands before, between and during commits, then resumed from where the
 * index stands, as a user would rerun what is missing; when the job is
 * done it starts over from base. After each kill the index passes --check
 * and answers as the reference for its M does. Last, the last killed
 * command is run again: it completes, replacing rather than duplicating.
 */
Test(reliability, sigkill_at_any_moment_leaves_the_last_commit)
{
    struct corpus c;
    size_t ms[KILLS + 1], got_m[KILLS], m = 0, nm, i, base_docs, killed = 0;
    size_t rest_from = 0;
    unsigned span;
    double t0;
    char *got[KILLS], *refs[KILLS + 1];
    unsigned long long seed = 20240607;
    struct tu_result r;

    load_corpus(&c);
    t0 = now_ms();
    make_base(&c);
    /* Kill times scale with this build's speed (ASan is slower): up to
     * 1.5 times what indexing the 2,491 base documents took. */
    span = (unsigned)((now_ms() - t0) * 1.5);
    span = span < 300 ? 300 : span;
    base_docs = check_sound(at("base"));
    cr_assert_eq(base_docs, c.nbase);
    copy_index(at("base"), at("ix"));
    while (killed < KILLS) {
        struct tu_proc p;
        unsigned delay = 10 + next_rand(&seed) % span;
        size_t docs;
        int was_killed;
        if (m == c.nnew) { /* the job is done: again from base */
            tu_rm_tree(at("ix"));
            copy_index(at("base"), at("ix"));
            m = 0;
        }
        write_lines("rest.jsonl", c.news, m, c.nnew);
        rest_from = m;
        tu_start(&p, NULL, "indexer",
                 ARGS("-q", "-i", at("ix"), "--memory", "3", at("rest.jsonl")));
        sleep_ms(delay);
        kill(p.pid, SIGKILL);
        tu_finish(&p, RUN_SECONDS, &r);
        cr_assert(r.signal == SIGKILL || r.code == 0,
                  "indexer exit %d signal %d: %s", r.code, r.signal, r.err);
        was_killed = r.signal == SIGKILL;
        tu_result_release(&r);
        docs = check_sound(at("ix"));
        cr_assert_geq(docs, base_docs + m, "documents lost: %zu", docs);
        cr_assert_leq(docs, base_docs + c.nnew, "documents made up: %zu", docs);
        m = docs - base_docs;
        cr_assert_eq(probe(at("ix")), m, "after kill %zu", killed);
        if (!was_killed)
            continue; /* it finished first: not a kill */
        got_m[killed] = m;
        got[killed] = answers(at("ix"));
        ms[killed] = m;
        killed++;
    }
    /* Rerunning the last killed command completes the job: what that
     * run had committed is replaced, not duplicated. */
    run(&r, NULL, "indexer", ARGS("-i", at("ix"), at("rest.jsonl")));
    cr_assert_eq(r.code, 0, "rerun: %s", r.err);
    {
        char want[80];
        snprintf(want, sizeof want, "indexer: %zu documents (%zu replaced)",
                 c.nnew - rest_from, m - rest_from);
        cr_assert_not_null(strstr(r.err, want), "rerun said: %s", r.err);
    }
    tu_result_release(&r);
    cr_assert_eq(check_sound(at("ix")), base_docs + c.nnew);
    cr_assert_eq(probe(at("ix")), c.nnew);

    /* Every kill left exactly base + N[0..M). */
    nm = distinct(ms, KILLS);
    cr_assert_geq(nm, 3, "kills landed after only %zu commits", nm);
    references(&c, ms, nm, refs);
    for (i = 0; i < KILLS; i++) {
        size_t k = index_of(ms, nm, got_m[i]);
        cr_assert_str_eq(got[i], refs[k],
                         "kill %zu: index at M=%zu differs from the reference",
                         i, got_m[i]);
        free(got[i]);
    }
    for (i = 0; i < nm; i++)
        free(refs[i]);
    corpus_release(&c);
}

/* ---------------------------------------------------------------------- */
/* A full disk.                                                            */

/*
 * A file-size limit (RLIMIT_FSIZE, as `ulimit -f`) 4 MB above the base
 * index: the run fails with one line, not SIGXFSZ, and the index is the
 * last commit before the limit.
 */
Test(reliability, file_size_limit_fails_cleanly_at_the_last_commit)
{
    struct corpus c;
    struct tu_limits lim = {NULL, 0, 0};
    struct tu_proc p;
    struct tu_result r;
    struct stat st;
    size_t m, docs, nl;
    char *got, *ref;

    load_corpus(&c);
    make_base(&c);
    copy_index(at("base"), at("ix"));
    write_lines("n.jsonl", c.news, 0, 6000);
    cr_assert_eq(stat(at("ix/data.mdb"), &st), 0);
    lim.fsize = (long long)st.st_size + (4 << 20);
    tu_start(&p, &lim, "indexer",
             ARGS("-i", at("ix"), "--memory", "3", at("n.jsonl")));
    tu_finish(&p, RUN_SECONDS, &r);
    cr_assert_eq(r.signal, 0, "killed by signal %d", r.signal);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    nl = strcspn(r.err, "\n");
    cr_assert(nl + 1 == r.err_len && strncmp(r.err, "indexer: ", 9) == 0 &&
                  strstr(r.err, at("ix")) != NULL,
              "want one line naming the index: %s", r.err);
    tu_result_release(&r);
    docs = check_sound(at("ix"));
    m = docs - c.nbase;
    cr_assert(m > 0 && m < 6000, "M = %zu: the limit should stop it midway", m);
    cr_assert_eq(probe(at("ix")), m);
    got = answers(at("ix"));
    references(&c, &m, 1, &ref);
    cr_assert_str_eq(got, ref, "index at M=%zu differs from the reference", m);
    free(got);
    free(ref);
    corpus_release(&c);
}

/* ---------------------------------------------------------------------- */
/* Two indexers.                                                           */

/*
 * A second indexer on the same index waits for the first (saying so) and
 * then adds its documents after the first's: nothing interleaves, nothing
 * is lost, and the index is base + N[0..4000) as if run one after the
 * other.
 */
Test(reliability, second_indexer_waits_for_the_first)
{
    struct corpus c;
    struct tu_proc a, b;
    struct tu_result ra, rb;
    size_t m = 4000;
    char *got, *ref;

    load_corpus(&c);
    make_base(&c);
    copy_index(at("base"), at("ix"));
    write_lines("a.jsonl", c.news, 0, 3000);
    write_lines("b.jsonl", c.news, 3000, 4000);
    tu_start(&a, NULL, "indexer",
             ARGS("-q", "-i", at("ix"), "--memory", "3", at("a.jsonl")));
    while (probe(at("ix")) == 0) /* a holds the lock: it has committed */
        sleep_ms(5);
    tu_start(&b, NULL, "indexer", ARGS("-i", at("ix"), at("b.jsonl")));
    tu_finish(&a, RUN_SECONDS, &ra);
    tu_finish(&b, RUN_SECONDS, &rb);
    cr_assert(ra.signal == 0 && ra.code == 0, "first: %s", ra.err);
    cr_assert(rb.signal == 0 && rb.code == 0, "second: %s", rb.err);
    cr_assert_not_null(strstr(rb.err, "waiting for another indexer"),
                       "second said: %s", rb.err);
    cr_assert_not_null(strstr(rb.err, "indexer: 1000 documents (0 replaced)"),
                       "second said: %s", rb.err);
    tu_result_release(&ra);
    tu_result_release(&rb);
    cr_assert_eq(check_sound(at("ix")), c.nbase + m);
    got = answers(at("ix"));
    references(&c, &m, 1, &ref);
    cr_assert_str_eq(got, ref, "two indexers: index differs");
    free(got);
    free(ref);
    corpus_release(&c);
}

/* ---------------------------------------------------------------------- */
/* Searching while indexing.                                               */

#define CONC_DOCS 6000
#define CONC_MAX 4096

/* Each query of `batch` (JSON output) as "qid total id score ..." lines. */
static void
parse_json_answers(const char *out, char **qid_canon, size_t *n)
{
    const char *p = out, *nl;

    *n = 0;
    for (; *p; p = nl + 1) {
        struct buf b = BUF_INIT;
        const cJSON *h;
        size_t len;
        cJSON *j;
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        j = cJSON_ParseWithLength(p, (size_t)(nl - p));
        cr_assert_not_null(j, "not JSON: %.80s", p);
        buf_printf(&b, "%s %.0f", cJSON_GetObjectItem(j, "qid")->valuestring,
                   cJSON_GetObjectItem(j, "total_hits")->valuedouble);
        cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "hits")) buf_printf(
            &b, " %s %.6f", cJSON_GetObjectItem(h, "id")->valuestring,
            cJSON_GetObjectItem(h, "score")->valuedouble);
        buf_putc(&b, 0);
        cr_assert_lt(*n, CONC_MAX);
        qid_canon[(*n)++] = (char *)buf_detach(&b, &len);
        cJSON_Delete(j);
    }
}

/*
 * Searchers run again and again while the indexer adds 6,000 documents in
 * about eight commits. Each query sits between two probes; when both
 * probes see the same M, the query saw that commit too, and its answer
 * (count, ids, scores) must be the reference's for M. Probes never go
 * back, and some answers come from the middle of the run: the searchers
 * were not blocked by the writer.
 */
Test(reliability, searches_during_indexing_see_whole_commits)
{
    static char *seen[CONC_MAX], *ans[16];
    static size_t seen_m[CONC_MAX], seen_q[CONC_MAX], ms[CONC_MAX];
    static const char *const qs[] = {"+oil prices", "+\"interest rates\" bank",
                                     "+cocoa +bahia", "+bank -japan stake"};
    struct corpus c;
    struct tu_proc ixp;
    struct tu_result r;
    struct buf batch = BUF_INIT;
    size_t nseen = 0, last_probe = 0, nm, i, q, mid = 0;
    char **refs;
    siginfo_t si;

    load_corpus(&c);
    make_base(&c);
    copy_index(at("base"), at("ix"));
    write_lines("n.jsonl", c.news, 0, CONC_DOCS);
    for (q = 0; q < 4; q++)
        buf_printf(&batch, "p\t" PROBE "\nq%zu\t%s\n", q, qs[q]);
    buf_printf(&batch, "p\t" PROBE "\n");
    tu_write_str(tmp, "batch", buf_cstr(&batch));
    buf_release(&batch);
    tu_start(&ixp, NULL, "indexer",
             ARGS("-q", "-i", at("ix"), "--memory", "3", at("n.jsonl")));
    for (;;) {
        size_t n, k;
        memset(&si, 0, sizeof si);
        cr_assert_eq(
            waitid(P_PID, (id_t)ixp.pid, &si, WEXITED | WNOHANG | WNOWAIT), 0);
        if (si.si_pid != 0)
            break; /* the indexer is done */
        run(&r, at("batch"), "searcher",
            ARGS("-i", at("ix"), "-f", "json", "-n", "10"));
        parse_json_answers(r.out, ans, &n);
        tu_result_release(&r);
        cr_assert_eq(n, 9, "answers: %zu", n);
        for (k = 0; k < n; k += 2) {
            size_t pm = strtoul(ans[k] + 2, NULL, 10);
            cr_assert_geq(pm, last_probe, "a probe went back");
            last_probe = pm;
            if (k + 2 < n && strtoul(ans[k + 2] + 2, NULL, 10) == pm &&
                nseen < CONC_MAX) {
                seen_m[nseen] = pm;
                seen_q[nseen] = k / 2;
                seen[nseen++] = ans[k + 1];
                mid += pm > 0 && pm < CONC_DOCS;
            } else if (k + 1 < n) {
                free(ans[k + 1]);
            }
            free(ans[k]);
        }
    }
    tu_finish(&ixp, RUN_SECONDS, &r);
    cr_assert(r.signal == 0 && r.code == 0, "indexer: %s", r.err);
    tu_result_release(&r);
    cr_assert_gt(mid, 0, "no search saw the index between commits");
    for (i = 0; i < nseen; i++)
        ms[i] = seen_m[i];
    nm = distinct(ms, nseen);
    /* References in the same JSON form, one grown index. */
    refs = calloc(nm * 4, sizeof *refs);
    tu_rm_tree(at("ref"));
    copy_index(at("base"), at("ref"));
    for (i = 0; i < nm; i++) {
        size_t n, prev = i ? ms[i - 1] : 0;
        if (ms[i] > prev) {
            write_lines("slice.jsonl", c.news, prev, ms[i]);
            index_file(at("ref"), at("slice.jsonl"));
        }
        run(&r, at("batch"), "searcher",
            ARGS("-i", at("ref"), "-f", "json", "-n", "10"));
        parse_json_answers(r.out, ans, &n);
        tu_result_release(&r);
        for (q = 0; q < 4; q++)
            refs[i * 4 + q] = ans[2 * q + 1];
        for (q = 0; q < n; q += 2)
            free(ans[q]);
    }
    for (i = 0; i < nseen; i++) {
        size_t k = index_of(ms, nm, seen_m[i]);
        cr_assert_str_eq(seen[i], refs[k * 4 + seen_q[i]],
                         "answer at M=%zu differs from the reference",
                         seen_m[i]);
        free(seen[i]);
    }
    for (i = 0; i < nm * 4; i++)
        free(refs[i]);
    free(refs);
    corpus_release(&c);
}
