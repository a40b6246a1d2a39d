/*
 * test_cli_index.c - end to end: the inputs users have, indexed by the real
 * indexer and checked through the real searcher's answers.
 *
 *   - the Reuters JSONL compressed with gzip, xz and zstd (by the libraries,
 *     here) gives indexes that answer byte for byte as the plain one does;
 *   - the 22 Reuters-21578 .sgm files give the index the JSONL gives (the
 *     JSONL was derived from them: same ids, titles, dates, bodies, so the
 *     same hits, scores and snippets);
 *   - a truncated compressed file is one line naming file and line, exit
 *     status 2, and an index it leaves as it was;
 *   - --delete removes documents, warns about unknown ids, exits 1 for
 *     them, and never makes an index;
 *   - a run of several commits is compacted, and answers as one commit's
 *     index does.
 *
 * The binaries are $SE_BUILD/indexer and $SE_BUILD/searcher, run from the
 * top of the tree (tu_run() in testutil.c); each test works in its own
 * mkdtemp() folder.
 */
/* sched_getaffinity() (Linux): the CPUs the indexer's default counts. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define SGM_DIR "../shared/corpora/news/reuters21578/sgm"
#define SEED "seeds/xinjiang-business-group-ciie.txt"

/* Queries of every kind, in the searcher's QID<TAB>QUERY form. */
static const char queries[] = "1\topec oil output\n"
                              "2\t\"bahia cocoa\"\n"
                              "3\tcocoa prices\n"
                              "4\t+bank -england rates\n"
                              "5\t\"Comissaria Smith\"\n"
                              "6\tyen dollar intervention\n"
                              "7\twheat exports soviet union\n"
                              "8\tacquisition merger shareholders\n";

static char tmp[64];

/* tmp/rel, in a static buffer (eight alive at a time). */
static const char *
at(const char *rel)
{
    return tu_path(tmp, rel);
}

/* Every run of a test, released by teardown. */
static struct tu_run runs[64];
static int nruns;

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_cli_index");
}

static void
teardown(void)
{
    while (nruns > 0)
        tu_run_release(&runs[--nruns]);
    tu_rm_tree(tmp);
}

TestSuite(cli_index, .init = setup, .fini = teardown, .timeout = 300);

static const struct tu_run *
run(const char *in, const char *prog, const char *const *args)
{
    cr_assert_lt(nruns, 64, "too many runs in one test");
    tu_run(&runs[nruns], in, NULL, prog, args);
    return &runs[nruns++];
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define INDEXER(...) run(NULL, "indexer", ARGS(__VA_ARGS__))

static void
expect_code(const struct tu_run *r, const char *what, int code)
{
    cr_assert_eq(r->code, code,
                 "%s: exit status %d, expected %d\nstdout: %s\nstderr: %s",
                 what, r->code, code, r->out, r->err);
}

/* Standard error is exactly one line holding `has`. */
static void
expect_one_line(const struct tu_run *r, const char *what, const char *has)
{
    const char *nl = memchr(r->err, '\n', r->err_len);

    cr_assert(nl != NULL && nl == r->err + r->err_len - 1,
              "%s: want one line on stderr, got: \"%s\"", what, r->err);
    cr_assert(strncmp(r->err, "indexer: ", 9) == 0, "%s: %s", what, r->err);
    cr_assert_not_null(strstr(r->err, has), "%s: stderr lacks \"%s\": %s", what,
                       has, r->err);
}

/* The searcher's answers to every query from index `ix`: text (ids,
 * scores, dates, titles, snippets), then TREC lines. Caller frees. */
static char *
answers(const char *ix)
{
    const struct tu_run *r =
        run(queries, "searcher", ARGS("-i", ix, "-n", "20", "--all"));
    const struct tu_run *t =
        run(queries, "searcher", ARGS("-i", ix, "-n", "50", "-f", "trec"));
    char *both = malloc(r->out_len + t->out_len + 1);

    expect_code(r, "searcher", 0);
    expect_code(t, "searcher -f trec", 0);
    cr_assert_gt(t->out_len, 1000, "answers from %s: %s", ix, t->out);
    cr_assert_not_null(both);
    memcpy(both, r->out, r->out_len);
    memcpy(both + r->out_len, t->out, t->out_len + 1);
    return both;
}

/* `ix` answers the test queries as `plain` does. */
static void
expect_same_answers(const char *ix, const char *plain, const char *what)
{
    char *got = answers(ix);

    cr_assert_str_eq(got, plain, "%s", what);
    free(got);
}

/* The number after `label` in indexer --stats ("documents", "file in
 * use"). */
static long long
stats_number(const char *ix, const char *label)
{
    const struct tu_run *r = INDEXER("-i", ix, "--stats");
    const char *p = strstr(r->out, label);

    expect_code(r, "indexer --stats", 0);
    cr_assert_not_null(p, "no \"%s\" in: %s", label, r->out);
    return strtoll(p + strlen(label), NULL, 10);
}

static long long
doc_count(const char *ix)
{
    return stats_number(ix, "documents");
}

/* The whole file at `path`; caller frees. */
static unsigned char *
read_all(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *s;
    FILE *f = fopen(path, "rb");

    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fstat(fileno(f), &st), 0);
    s = malloc((size_t)st.st_size + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    *len = (size_t)st.st_size;
    return s;
}

/* Compress [data, data + len) at the fastest levels into tmp/rel. */
static void
write_packed(enum tu_packer how, const unsigned char *data, size_t len,
             const char *rel)
{
    size_t n;
    unsigned char *out = tu_pack(how, 1, data, len, &n);

    tu_write_bytes(tmp, rel, out, n);
    free(out);
}

/* Index the 22 .sgm files of Reuters-21578 into `ix`, quietly. */
static void
index_sgm(const char *ix)
{
    const char *args[32];
    char paths[22][128];
    const struct tu_run *r;
    int i, n = 0;

    args[n++] = "-q";
    args[n++] = "-i";
    args[n++] = ix;
    for (i = 0; i < 22; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/reut2-%03d.sgm", SGM_DIR, i);
        args[n++] = paths[i];
    }
    args[n] = NULL;
    r = run(NULL, "indexer", args);
    expect_code(r, "indexer *.sgm", 0);
    cr_assert_str_empty(r->err, "indexer -q said: %s", r->err);
}

/*
 * One plain index, four others: the JSONL through gzip, xz and zstd, and
 * the .sgm files it was derived from (same ids, titles, dates and bodies,
 * so the same hits, scores and snippets). One test, so that the plain
 * index is built once.
 */
Test(cli_index, reuters_compressed_or_as_sgm_answers_as_the_plain_jsonl)
{
    static const char *const names[] = {"r.jsonl.gz", "r.jsonl.xz",
                                        "reuters.zst"};
    const struct tu_run *r;
    char *plain, *got;
    unsigned char *data;
    size_t len, i;
    char ix[32];

    r = INDEXER("-q", "-i", at("plain"), REUTERS);
    expect_code(r, "indexer plain", 0);
    plain = answers(at("plain"));
    cr_assert_not_null(strstr(plain, "BAHIA COCOA REVIEW"), "%s", plain);
    data = read_all(REUTERS, &len);
    for (i = 0; i < 3; i++) {
        write_packed((enum tu_packer)i, data, len, names[i]);
        snprintf(ix, sizeof ix, "ix%zu", i);
        r = INDEXER("-i", at(ix), at(names[i]));
        expect_code(r, names[i], 0);
        cr_assert_not_null(strstr(r->err, "indexer: 21578 documents"), "%s: %s",
                           names[i], r->err);
        unlink(at(names[i]));
        got = answers(at(ix));
        cr_assert_str_eq(got, plain, "%s answers differ", names[i]);
        free(got);
    }
    free(data);
    index_sgm(at("sgm"));
    cr_assert_eq(doc_count(at("sgm")), 21578);
    got = answers(at("sgm"));
    cr_assert_str_eq(got, plain, "the .sgm index answers differently");
    free(got);
    free(plain);
}

Test(cli_index, truncated_gzip_is_one_line_and_leaves_the_index_as_it_was)
{
    static const char lines[] =
        "{\"id\":\"n1\",\"title\":\"Cocoa\",\"body\":\"cocoa beans\"}\n"
        "{\"id\":\"n2\",\"title\":\"Sugar\",\"body\":\"sugar cane\"}\n"
        "{\"id\":\"n3\",\"title\":\"Coffee\",\"body\":\"coffee and "
        "cocoa\"}\n";
    const struct tu_run *r, *before, *after;
    unsigned char *gz;
    size_t n;

    r = INDEXER("-q", "-i", at("ix"), SEED);
    expect_code(r, "index seed", 0);
    before = run("cocoa\n", "searcher", ARGS("-i", at("ix"), "-f", "trec"));
    write_packed(TU_GZ, (const unsigned char *)lines, strlen(lines),
                 "n.jsonl.gz");
    gz = read_all(at("n.jsonl.gz"), &n);
    tu_write_bytes(tmp, "cut.jsonl.gz", gz, n - 4); /* the length is lost */
    r = INDEXER("-i", at("ix"), at("cut.jsonl.gz"));
    expect_code(r, "truncated", 2);
    expect_one_line(r, "truncated", "cut.jsonl.gz:4: truncated gzip data");
    after = run("cocoa\n", "searcher", ARGS("-i", at("ix"), "-f", "trec"));
    cr_assert_str_eq(after->out, before->out, "the failed run changed answers");
    cr_assert_eq(doc_count(at("ix")), 1, "only the seed");
    /* --skip-bad: a warning, and the three documents read before it */
    r = INDEXER("-i", at("ix"), "--skip-bad", at("cut.jsonl.gz"));
    expect_code(r, "truncated, --skip-bad", 0);
    cr_assert_not_null(strstr(r->err, "indexer: warning: "), "%s", r->err);
    cr_assert_eq(doc_count(at("ix")), 4);
    /* a corrupt one: bytes flipped in the data */
    gz[n / 2] ^= 0xff;
    gz[n / 2 + 1] ^= 0xff;
    tu_write_bytes(tmp, "bad.gz", gz, n);
    r = INDEXER("-i", at("ix2"), at("bad.gz"));
    expect_code(r, "corrupt", 2);
    expect_one_line(r, "corrupt", "bad.gz");
    cr_assert_neq(access(at("ix2"), F_OK), 0, "a failed first run leaves none");
    free(gz);
}

Test(cli_index, delete_removes_documents_and_warns_about_unknown_ids)
{
    static const char docs[] = "{\"id\":\"d1\",\"body\":\"cat dog dog\"}\n"
                               "{\"id\":\"d2\",\"body\":\"dog fish\"}\n"
                               "{\"id\":\"d3\",\"body\":\"fish bird\"}\n";
    const struct tu_run *r;
    char want[512];

    tu_write_str(tmp, "a.jsonl", docs);
    r = INDEXER("-q", "-i", at("ix"), at("a.jsonl"), SEED);
    expect_code(r, "index", 0);
    r = run("dog\n", "searcher", ARGS("-i", at("ix"), "-f", "trec"));
    cr_assert(strstr(r->out, " d1 ") && strstr(r->out, " d2 "), "%s", r->out);

    r = INDEXER("-i", at("ix"), "--delete", "d2", SEED);
    expect_code(r, "delete", 0);
    cr_assert_str_eq(r->err, "indexer: 2 documents deleted, 0 not found\n");
    r = run("dog\n", "searcher", ARGS("-i", at("ix"), "-f", "trec"));
    expect_code(r, "search after delete", 0);
    cr_assert(strstr(r->out, " d1 ") && !strstr(r->out, " d2 "), "%s", r->out);
    r = run("Khorgos\n", "searcher", ARGS("-i", at("ix")));
    expect_code(r, "the seed is gone", 1);
    cr_assert_eq(doc_count(at("ix")), 2);

    /* unknown ids: a warning each, the known ones still go, exit 1 */
    r = INDEXER("-i", at("ix"), "--delete", "nope", "d3", "d2");
    expect_code(r, "delete unknown", 1);
    snprintf(want, sizeof want,
             "indexer: warning: %s: no document with id 'nope'\n"
             "indexer: warning: %s: no document with id 'd2'\n"
             "indexer: 1 documents deleted, 2 not found\n",
             at("ix"), at("ix"));
    cr_assert_str_eq(r->err, want);
    cr_assert_eq(doc_count(at("ix")), 1);

    /* no index there: an error, and none is made */
    r = INDEXER("-i", at("none"), "--delete", "d1");
    expect_code(r, "delete without index", 2);
    expect_one_line(r, "delete without index", "not an index");
    cr_assert_neq(access(at("none"), F_OK), 0, "--delete made a folder");
    r = INDEXER("-i", at("ix"), "--delete");
    expect_code(r, "delete nothing", 2);
    expect_one_line(r, "delete nothing", "--delete needs at least one ID");
}

static long long
file_bytes(const char *ix)
{
    return stats_number(ix, "file in use");
}

/*
 * A small --memory makes a run of several commits, whose pages are left
 * part full and free: it is compacted at the end, to about the size one
 * commit gives, and answers byte for byte as that index does. --no-compact
 * keeps the large file; --compact alone compacts it afterwards.
 */
Test(cli_index, a_run_of_several_commits_is_compacted_and_answers_the_same)
{
    const struct tu_run *r;
    long long one, many, kept;
    char *plain;

    r = INDEXER("-i", at("one"), REUTERS);
    expect_code(r, "indexer in one commit", 0);
    cr_assert(strstr(r->err, " 1 commit\n") && !strstr(r->err, "compacted"),
              "%s", r->err);
    r = INDEXER("-i", at("many"), "--memory", "24", REUTERS);
    expect_code(r, "indexer --memory 24", 0);
    cr_assert(strstr(r->err, " commits\n") && !strstr(r->err, " 1 commit"),
              "%s", r->err);
    cr_assert_not_null(strstr(r->err, "indexer: compacted "), "%s", r->err);
    r = INDEXER("-i", at("kept"), "--memory", "24", "--no-compact", REUTERS);
    expect_code(r, "indexer --no-compact", 0);
    cr_assert_null(strstr(r->err, "compacted"), "%s", r->err);
    cr_assert_neq(access(at("many.compacting"), F_OK), 0, "copy left");

    one = file_bytes(at("one"));
    many = file_bytes(at("many"));
    kept = file_bytes(at("kept"));
    cr_assert(many <= one + one / 50 && 3 * kept >= 4 * many,
              "one commit %lld bytes, several %lld compacted, %lld not", one,
              many, kept);
    plain = answers(at("one"));
    expect_same_answers(at("many"), plain,
                        "the compacted index answers differently");
    expect_same_answers(at("kept"), plain,
                        "the index of several commits differs");
    r = INDEXER("-i", at("many"), "--check");
    expect_code(r, "--check", 0);

    r = INDEXER("-i", at("kept"), "--compact");
    expect_code(r, "--compact alone", 0);
    cr_assert_not_null(strstr(r->err, "indexer: compacted "), "%s", r->err);
    cr_assert_leq(file_bytes(at("kept")), many + many / 50);
    expect_same_answers(at("kept"), plain, "--compact changed the answers");
    free(plain);

    r = INDEXER("-i", at("none"), "--compact");
    expect_code(r, "--compact without an index", 2);
    expect_one_line(r, "--compact without an index", "not an index");
    cr_assert_neq(access(at("none"), F_OK), 0, "--compact made a folder");
    cr_assert_neq(access(at("none.compacting"), F_OK), 0, "made a copy");
}

/*
 * Worker threads prepare documents and encode the flush's lists, and the
 * inverter prepares some itself: the index is the same whatever the number.
 * One commit: the very bytes. Several commits: the same answers.
 */
Test(cli_index, threads_write_what_one_thread_writes)
{
    const struct tu_run *r;
    unsigned char *one, *two;
    cpu_set_t cpus;
    size_t n1, n2;
    char *plain;

    r = INDEXER("-i", at("one"), "--threads", "1", REUTERS);
    expect_code(r, "indexer --threads 1", 0);
    cr_assert(strstr(r->err, "MB/s, 1 thread), 1 commit\n"), "%s", r->err);
    one = read_all(tu_path(at("one"), "data.mdb"), &n1);
    r = INDEXER("-i", at("two"), "--threads", "2", REUTERS);
    expect_code(r, "indexer --threads 2", 0);
    cr_assert(strstr(r->err, "MB/s, 2 threads), 1 commit\n"), "%s", r->err);
    two = read_all(tu_path(at("two"), "data.mdb"), &n2);
    cr_assert(n1 == n2 && memcmp(one, two, n1) == 0,
              "--threads 2 wrote other bytes (%zu against %zu)", n2, n1);
    free(two);
    /* Without --threads: two threads where the process may use two CPUs,
     * one where it may use one (the affinity the indexer inherits). */
    cr_assert_eq(sched_getaffinity(0, sizeof cpus, &cpus), 0, "affinity");
    r = INDEXER("-i", at("default"), REUTERS);
    expect_code(r, "indexer", 0);
    cr_assert(strstr(r->err, CPU_COUNT(&cpus) >= 2 ? "MB/s, 2 threads)"
                                                   : "MB/s, 1 thread)"),
              "%s", r->err);
    two = read_all(tu_path(at("default"), "data.mdb"), &n2);
    cr_assert(n1 == n2 && memcmp(one, two, n1) == 0,
              "the default threads wrote other bytes (%zu against %zu)", n2,
              n1);
    free(two);
    if (CPU_COUNT(&cpus) >= 2) {
        cpu_set_t first;
        int c = 0;
        while (!CPU_ISSET(c, &cpus))
            c++;
        CPU_ZERO(&first);
        CPU_SET(c, &first);
        cr_assert_eq(sched_setaffinity(0, sizeof first, &first), 0, "pin");
        r = INDEXER("-i", at("pinned"), REUTERS);
        cr_assert_eq(sched_setaffinity(0, sizeof cpus, &cpus), 0, "unpin");
        expect_code(r, "indexer pinned to one CPU", 0);
        cr_assert(strstr(r->err, "MB/s, 1 thread)"), "%s", r->err);
    }
    free(one);

    r = INDEXER("-i", at("four"), "--threads", "4", "--memory", "24",
                "--no-compact", REUTERS);
    expect_code(r, "indexer --threads 4 --memory 24", 0);
    cr_assert_null(strstr(r->err, " 1 commit"), "%s", r->err);
    plain = answers(at("one"));
    expect_same_answers(at("four"), plain,
                        "--threads 4 over several commits differs");
    free(plain);
    r = INDEXER("-i", at("four"), "--check");
    expect_code(r, "--check", 0);
}

Test(cli_index, trec_on_standard_input_and_format_errors)
{
    static const char trec[] = "<DOC>\n<DOCNO> FT911-1 </DOCNO>\n"
                               "<HEADLINE>Cocoa &amp; coffee</HEADLINE>\n"
                               "<TEXT>Prices of cocoa rose.</TEXT>\n</DOC>\n"
                               "<DOC>\n<DOCNO> FT911-2 </DOCNO>\n"
                               "<TEXT>Sugar fell.</TEXT>\n</DOC>\n";
    const struct tu_run *r;

    r = run(trec, "indexer", ARGS("-i", at("ix"), "-"));
    expect_code(r, "trec on stdin", 0);
    cr_assert_not_null(strstr(r->err, "indexer: 2 documents"), "%s", r->err);
    r = run(NULL, "searcher", ARGS("-i", at("ix"), "-f", "json", "cocoa"));
    expect_code(r, "search", 0);
    cr_assert_not_null(strstr(r->out, "\"id\":\"FT911-1\""), "%s", r->out);
    cr_assert_not_null(strstr(r->out, "\"title\":\"Cocoa & coffee\""), "%s",
                       r->out);

    tu_write_str(tmp, "x.jsonl", "{\"id\":\"1\"}\n");
    r = INDEXER("-i", at("ix"), "--format", "trec", at("x.jsonl"));
    expect_code(r, "--format trec on jsonl", 2);
    expect_one_line(r, "--format trec", "x.jsonl:1: expected <DOC>, found");
    tu_write_str(tmp, "broken.sgml",
                 "<DOC>\n<DOCNO>1</DOCNO>\n\n"
                 "<DOC><DOCNO>2</DOCNO></DOC>\n");
    r = INDEXER("-i", at("ix"), at("broken.sgml"));
    expect_code(r, "unclosed <DOC>", 2);
    expect_one_line(r, "unclosed", "broken.sgml:1: <DOC> without </DOC>");
    r = INDEXER("-i", at("ix"), "--format", "sgml", at("x.jsonl"));
    expect_code(r, "unknown format", 2);
    expect_one_line(r, "unknown format",
                    "unknown format 'sgml' (auto, text, jsonl, trec or "
                    "reuters)");
    cr_assert_eq(doc_count(at("ix")), 2, "failed runs added nothing");
}
