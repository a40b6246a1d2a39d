/*
 * test_relevance.c - the flow of `make eval` (bench/relevance.py) on a
 * four-document collection: indexer, then searcher --plain in batch mode
 * with --format trec -n 1000 on natural-language queries full of operator
 * characters, then the evaluator with -c. Checks that no query is refused
 * or read as operators (an unbalanced quote, `-oil`, `+fell`, `C++:`), that
 * the run is what eval reads, and the figures eval gives for it.
 *
 * The binaries are $SE_BUILD/indexer, searcher and eval (SE_BUILD defaults
 * to "build"). Files live in a mkdtemp() folder; each program runs with
 * its standard input and output redirected to files there.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char tmp[64];

static const char docs[] =
    "{\"id\":\"d1\",\"title\":\"Cotton harvest\",\"body\":\"Cotton prices "
    "rose as the harvest ended.\"}\n"
    "{\"id\":\"d2\",\"title\":\"Oil\",\"body\":\"Oil prices fell; cotton "
    "was steady.\"}\n"
    "{\"id\":\"d3\",\"title\":\"C++ compilers\",\"body\":\"Compilers for C "
    "and C++ programs.\"}\n"
    "{\"id\":\"d4\",\"title\":\"\",\"body\":\"Rain and wind all week.\"}\n";

/* In the query syntax, q2's quote is unbalanced and q3 excludes d2. */
static const char queries[] =
    "q1\tWhat happened to \"cotton\" prices (after the -harvest)?\n"
    "q2\tC++: +compilers for \"programs\n"
    "q3\t-oil +fell\n"
    "q4\tzzyzx qwvk\n";

static const char qrels[] = "q1 0 d1 1\n"
                            "q2 0 d3 1\n"
                            "q3 0 d2 1\n"
                            "q4 0 d4 1\n";

static char *
at(const char *rel)
{
    static char p[4][256];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmp, rel);
    return p[i];
}

static void
write_file(const char *rel, const char *s)
{
    FILE *f = fopen(at(rel), "wb");

    cr_assert_not_null(f, "fopen %s: %s", rel, strerror(errno));
    cr_assert_eq(fputs(s, f) >= 0 && fclose(f) == 0, 1, "write %s", rel);
}

/* The whole file, NUL-terminated; caller frees. */
static char *
read_file(const char *rel)
{
    FILE *f = fopen(at(rel), "rb");
    char *s;
    long n;

    cr_assert_not_null(f, "fopen %s: %s", rel, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = malloc((size_t)n + 1);
    cr_assert_not_null(s, "out of memory");
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n, "read %s", rel);
    s[n] = '\0';
    fclose(f);
    return s;
}

/*
 * Run $SE_BUILD/`prog` with `argv` (argv[0] ignored, NULL-terminated),
 * standard input from tmp/`in` (or /dev/null), standard output to tmp/`out`
 * and standard error to tmp/err. Returns the exit status; fails the test
 * on a signal.
 */
static int
run(const char *prog, const char *in, const char *out, char **argv)
{
    const char *build = getenv("SE_BUILD");
    char path[256];
    int status;
    pid_t pid;

    snprintf(path, sizeof path, "%s/%s", build && *build ? build : "build",
             prog);
    argv[0] = path;
    pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fi = open(in ? at(in) : "/dev/null", O_RDONLY);
        int fo = open(at(out), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(at("err"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fi < 0 || fo < 0 || fe < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 ||
            dup2(fe, 2) < 0)
            _exit(126);
        execv(path, argv);
        _exit(127);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid: %s", strerror(errno));
    cr_assert(WIFEXITED(status), "%s killed by a signal", prog);
    cr_assert_neq(WEXITSTATUS(status), 127, "%s: cannot run %s", prog, path);
    return WEXITSTATUS(status);
}

/* Fails the test, with the program's standard error, unless `rc` is 0. */
static void
ok(const char *prog, int rc)
{
    static char msg[2048];
    char *err;

    if (rc == 0)
        return;
    err = read_file("err");
    snprintf(msg, sizeof msg, "%s", err);
    free(err);
    cr_assert_fail("%s: exit %d: %s", prog, rc, msg);
}

static void
setup(void)
{
    strcpy(tmp, "/tmp/se-relevance-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
}

static void
teardown(void)
{
    tu_rm_tree(tmp);
}

TestSuite(relevance, .init = setup, .fini = teardown, .timeout = 60);

Test(relevance, plain_batch_trec_run_evaluates_every_query)
{
    char *out, *line;
    char idx[256];
    int lines = 0, rc;

    write_file("docs.jsonl", docs);
    write_file("queries.tsv", queries);
    write_file("qrels.txt", qrels);
    snprintf(idx, sizeof idx, "%s", at("index"));

    rc = run("indexer", NULL, "out",
             (char *[]){"", "-q", "-i", idx, at("docs.jsonl"), NULL});
    ok("indexer", rc);
    rc = run("searcher", "queries.tsv", "run",
             (char *[]){"", "-i", idx, "--plain", "--format", "trec", "-n",
                        "1000", NULL});
    ok("searcher", rc);
    out = read_file("err");
    cr_assert_str_empty(out, "searcher complained: %s", out);
    free(out);

    /* Six columns a line; q4's words are in no document: no line. */
    out = read_file("run");
    for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char qid[8], q0[4], doc[8], tag[16];
        int rank;
        double score;
        cr_assert_eq(sscanf(line, "%7s %3s %7s %d %lf %15s", qid, q0, doc,
                            &rank, &score, tag),
                     6, "not a TREC line: %s", line);
        cr_assert_str_neq(qid, "q4", "q4 matched: %s", line);
        lines++;
    }
    /* q1: d1, d2 (cotton, prices); q2: d3 only; q3: d2 only (plain words). */
    cr_assert_eq(lines, 4, "%d run lines", lines);
    free(out);

    rc = run("eval", NULL, "eval.out",
             (char *[]){"", "-q", "-c", at("qrels.txt"), at("run"), NULL});
    ok("eval", rc);
    out = read_file("eval.out");
    /* Each relevant document first; q4 counts, with 0 (-c). */
    cr_assert_not_null(strstr(out, "ndcg_cut_10           \tq1\t1.0000\n"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "ndcg_cut_10           \tq2\t1.0000\n"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "ndcg_cut_10           \tq3\t1.0000\n"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "num_q                 \tall\t4\n"), "%s",
                       out);
    cr_assert_not_null(strstr(out, "ndcg_cut_10           \tall\t0.7500\n"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "map                   \tall\t0.7500\n"),
                       "%s", out);
    free(out);
}
