/*
 * searcher - ranked (BM25) and phrase queries over an index, from the
 * terminal. Options, usage and exit status; the work is in common/.
 * Exit status as grep: 0 some query matched, 1 none did, 2 error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "match.h"
#include "output.h"
#include "query.h"
#include "snippet.h"
#include "stemmer.h"
#include "tokenizer.h"

#define SE_VERSION "0.1.0"

static const char usage[] =
    "usage: searcher [-i DIR] [options] [QUERY...]\n"
    "Search an index built by indexer. With no QUERY, read one query per line\n"
    "from standard input (a line 'QID<TAB>QUERY' carries its own id).\n"
    "\n"
    "Query syntax:\n"
    "  cotton harvesting    words, stemmed; any may match, more rank higher\n"
    "  \"Telliani Valley\"    a phrase: these words, as written, in this order\n"
    "  +word  +\"a phrase\"   required\n"
    "  -word  -\"a phrase\"   excluded\n"
    "\n"
    "Options:\n"
    "  -i, --index DIR       index directory (default ./index)\n"
    "  -n, --limit N         results per query (default 10)\n"
    "      --offset K        skip the first K results (paging)\n"
    "  -f, --format FMT      text (default), json (one object per query) or\n"
    "                        trec (QID Q0 DOCID RANK SCORE TAG)\n"
    "      --all             every word and phrase without - is required\n"
    "      --count           print only the number of matching documents\n"
    "                        (batch mode: QID<TAB>COUNT)\n"
    "      --plain           no operators: quotes, + and - are plain text\n"
    "      --k1 X, --b X     BM25 parameters (default 1.2 and 0.75)\n"
    "      --snippet-words N words in a snippet (default 30; 0: none)\n"
    "      --run-tag TAG     last column of trec output (default searcher)\n"
    "      --timings FILE    write QID<TAB>MICROSECONDS<TAB>HITS per query\n"
    "  -h, --help            this help\n"
    "  -V, --version         version\n"
    "\n"
    "Examples:\n"
    "  searcher -i index '\"Khorgos\"'\n"
    "  searcher -i index cotton harvesting Xinjiang\n"
    "  searcher -i index --format json '+cotton -\"Town of Cotton\"'\n"
    "  printf 'q1\\tcotton\\nq2\\t\"Telliani Valley\"\\n' | searcher -f trec\n"
    "\n"
    "Exit status: 0 when a query matched, 1 when none did, 2 on error.\n";

struct opts {
    const char *index;
    size_t limit, offset, snippet_words;
    enum out_format format;
    int flags; /* QRY_* */
    int count; /* --count: only the number of matching documents */
    double k1, b;
    const char *run_tag;
    const char *timings;
};

struct ctx {
    struct opts o;
    struct idx *ix;
    struct stem *stem;
    struct tok *tok;
    struct doc_text *text;
    FILE *timings;
    int color;
    int batch; /* queries come from standard input */
    struct buf body, snippets;
};

/* Print "searcher: <fmt with arg>; try 'searcher --help'" and exit 2. */
static void
die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "searcher: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; try 'searcher --help'\n");
    exit(2);
}

/*
 * getopt_long() returned `opt` ('?' or ':', as opterr is 0) for `arg`
 * (argv[optind - 1]): say what was wrong, on one line, as every error is.
 */
static void
option_error(int opt, const char *arg)
{
    const char *eq = strchr(arg, '=');
    int n = eq && arg[1] == '-' ? (int)(eq - arg) : (int)strlen(arg);
    char shortopt[3] = {'-', (char)optopt, '\0'};

    if (opt == ':')
        die_usage("option '%s' needs a value", arg);
    if (arg[0] == '-' && arg[1] == '-') {
        fprintf(stderr, "searcher: %s '%.*s'%s; try 'searcher --help'\n",
                optopt ? "option" : "unknown option", n, arg,
                optopt ? " takes no value" : "");
        exit(2);
    }
    die_usage("unknown option '%s'", shortopt);
}

/* The message for `rc`: for SE_EIO, what errno says (ENOENT, EACCES...). */
static const char *
errstr(int rc)
{
    return rc == SE_EIO && errno != 0 ? strerror(errno) : se_strerror(rc);
}

static size_t
parse_count(const char *s, const char *opt)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > 100000000ULL)
        die_usage("%s needs a whole number from 0 to 100000000", opt);
    return (size_t)v;
}

static double
parse_real(const char *s, const char *opt)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1000)
        die_usage("%s needs a number from 0 to 1000", opt);
    return v;
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Run one query; print its results. Returns 1 when it matched, 0 when not,
 * 2 after printing an error.
 */
static int
run_query(struct ctx *c, const char *qid, const char *text, size_t len)
{
    struct qry_node *q = NULL;
    struct qry_error qe;
    struct idx_txn *txn = NULL;
    struct doc_meta meta;
    struct match_result res = {0};
    /* Counting wants no top k: nothing is pruned, every match counted. */
    struct match_options mo = {c->o.k1, c->o.b, c->o.count ? 0 : c->o.limit,
                               c->o.count ? 0 : c->o.offset};
    struct out_hit *hits = NULL;
    struct snip *sn = NULL;
    size_t *snip_at = NULL, i;
    double t0 = now_ms(), took;
    int rc;

    rc = qry_parse(text, len, c->o.flags, c->tok, &q, &qe);
    if (rc == SE_EINVAL || rc == SE_ELIMIT) {
        if (qe.column)
            fprintf(stderr, "searcher: error: %s at column %zu (query %s)\n",
                    qe.msg, qe.column, qid);
        else
            fprintf(stderr, "searcher: error: %s (query %s)\n", qe.msg, qid);
        return 2;
    }
    if (rc == SE_OK)
        rc = idx_txn_begin(c->ix, 0, &txn);
    if (rc == SE_OK)
        rc = doc_meta_load(txn, &meta);
    if (rc == SE_ENOTFOUND)
        rc = SE_ENOINDEX;
    if (rc == SE_OK)
        rc = match_run(txn, &meta, c->stem, q, &mo, &res);
    if (rc == SE_OK && res.nhits) {
        hits = calloc(res.nhits, sizeof *hits);
        snip_at = calloc(res.nhits, sizeof *snip_at);
        if (hits == NULL || snip_at == NULL)
            rc = SE_ENOMEM;
    }
    int want_snippets = c->o.format != OUT_TREC && c->o.snippet_words > 0;
    if (rc == SE_OK && want_snippets && res.nhits)
        rc = snip_new(c->stem, q, &sn);
    buf_clear(&c->snippets);
    for (i = 0; rc == SE_OK && i < res.nhits; i++) {
        struct doc_record r;
        rc = doc_get(txn, res.hits[i].doc, &r);
        if (rc != SE_OK)
            break;
        hits[i].id = r.id;
        hits[i].id_len = r.id_len;
        hits[i].title = r.title;
        hits[i].title_len = r.title_len;
        hits[i].date = r.date;
        hits[i].date_len = r.date_len;
        hits[i].score = res.hits[i].score;
        snip_at[i] = SIZE_MAX;
        if (sn == NULL)
            continue;
        rc = doc_text_get(c->text, txn, res.hits[i].doc, &c->body);
        if (rc == SE_ENOTFOUND) {
            rc = SE_OK;
            continue;
        }
        if (rc != SE_OK)
            break;
        snip_at[i] = c->snippets.len;
        int color = c->o.format == OUT_TEXT;
        rc = snip_make(sn, (const char *)c->body.data, c->body.len,
                       c->o.snippet_words,
                       !color ? "" : c->color ? "\033[1;31m" : "[",
                       !color ? "" : c->color ? "\033[0m" : "]",
                       &c->snippets);
        if (rc > 0)
            rc = SE_OK;
        if (rc == SE_OK)
            rc = buf_putc(&c->snippets, 0);
    }
    took = now_ms() - t0;
    if (rc == SE_OK) {
        struct out_query oq = {qid,       text,       len,
                               res.total, res.exact,  c->o.offset,
                               took,      hits,       res.nhits};
        for (i = 0; i < res.nhits; i++)
            if (snip_at[i] != SIZE_MAX) {
                hits[i].snippet = (const char *)c->snippets.data + snip_at[i];
                hits[i].snippet_len = strlen(hits[i].snippet);
            }
        if (c->o.count && c->o.format != OUT_JSON) {
            if (strcmp(qid, "1") != 0 || c->batch)
                printf("%s\t", qid);
            printf("%llu\n", (unsigned long long)res.total);
        } else {
            rc = out_write(stdout, c->o.format, &oq, c->o.run_tag, c->color);
        }
        if (c->o.format == OUT_TEXT && !c->o.count) {
            fflush(stdout); /* the count follows the results it counts */
            fprintf(stderr, "%zu of %s%llu hits in %.1f ms\n", res.nhits,
                    res.exact ? "" : "at least ",
                    (unsigned long long)res.total, took);
        }
        if (c->timings)
            fprintf(c->timings, "%s\t%.0f\t%llu\n", qid, took * 1000.0,
                    (unsigned long long)res.total);
    }
    uint64_t total = res.total;
    snip_free(sn);
    free(hits);
    free(snip_at);
    match_result_release(&res);
    idx_txn_abort(txn);
    qry_free(q);
    if (rc != SE_OK) {
        fprintf(stderr, "searcher: %s: %s\n", c->o.index, errstr(rc));
        return 2;
    }
    return total > 0;
}

/* Batch mode: one query a line. Returns the exit status. */
static int
run_batch(struct ctx *c, FILE *in)
{
    char *line = NULL, *qid, num[32];
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int matched = 0, error = 0;

    while ((n = getline(&line, &cap, in)) >= 0) {
        char *text = line, *tab;
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        tab = memchr(line, '\t', (size_t)n);
        snprintf(num, sizeof num, "%lu", lineno);
        qid = num;
        if (tab) {
            *tab = '\0';
            if (tab > line)
                qid = line; /* an empty QID would leave a column empty */
            text = tab + 1;
        }
        if (text[0] == '\0' && !tab)
            continue; /* blank lines separate nothing */
        int r = run_query(c, qid, text, (size_t)(line + n - text));
        if (r == 2)
            error = 1;
        else if (r == 1)
            matched = 1;
        fflush(stdout);
    }
    free(line);
    if (ferror(in)) {
        fprintf(stderr, "searcher: standard input: %s\n", strerror(errno));
        return 2;
    }
    return error ? 2 : matched ? 0 : 1;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'O'},
        {"format", required_argument, NULL, 'f'},
        {"all", no_argument, NULL, 'A'},
        {"count", no_argument, NULL, 'C'},
        {"plain", no_argument, NULL, 'P'},
        {"k1", required_argument, NULL, 'K'},
        {"b", required_argument, NULL, 'B'},
        {"snippet-words", required_argument, NULL, 'S'},
        {"run-tag", required_argument, NULL, 'R'},
        {"timings", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    struct ctx c;
    struct idx_txn *txn = NULL;
    struct doc_meta meta;
    int opt, rc, status;

    memset(&c, 0, sizeof c);
    c.o.index = "index";
    c.o.limit = 10;
    c.o.snippet_words = SNIP_WORDS_DEFAULT;
    c.o.format = OUT_TEXT;
    c.o.k1 = BM25_K1;
    c.o.b = BM25_B;
    c.o.run_tag = "searcher";
    opterr = 0; /* option_error() prints one line instead */
    while ((opt = getopt_long(argc, argv, ":i:n:f:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            c.o.index = optarg;
            break;
        case 'n':
            c.o.limit = parse_count(optarg, "--limit");
            break;
        case 'O':
            c.o.offset = parse_count(optarg, "--offset");
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                c.o.format = OUT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                c.o.format = OUT_JSON;
            else if (strcmp(optarg, "trec") == 0)
                c.o.format = OUT_TREC;
            else
                die_usage("unknown format '%s' (text, json or trec)", optarg);
            break;
        case 'C':
            c.o.count = 1;
            break;
        case 'A':
            c.o.flags |= QRY_ALL;
            break;
        case 'P':
            c.o.flags |= QRY_PLAIN;
            break;
        case 'K':
            c.o.k1 = parse_real(optarg, "--k1");
            break;
        case 'B':
            c.o.b = parse_real(optarg, "--b");
            if (c.o.b > 1)
                die_usage("%s needs a number from 0 to 1", "--b");
            break;
        case 'S':
            c.o.snippet_words = parse_count(optarg, "--snippet-words");
            break;
        case 'R':
            c.o.run_tag = optarg;
            break;
        case 'T':
            c.o.timings = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("searcher %s\n", SE_VERSION);
            return 0;
        default:
            option_error(opt, argv[optind - 1]);
            return 2;
        }
    }
    rc = idx_open(c.o.index, IDX_RDONLY, &c.ix);
    if (rc == SE_OK)
        rc = idx_txn_begin(c.ix, 0, &txn);
    if (rc == SE_OK)
        rc = doc_meta_load(txn, &meta);
    if (rc == SE_ENOTFOUND)
        rc = SE_ENOINDEX;
    idx_txn_abort(txn);
    if (rc == SE_ENOINDEX) {
        fprintf(stderr,
                "searcher: %s: not an index (build one with: indexer -i %s "
                "PATH...)\n",
                c.o.index, c.o.index);
        idx_close(c.ix);
        return 2;
    }
    if (rc == SE_OK)
        rc = stem_new(meta.language, &c.stem);
    if (rc == SE_OK)
        rc = tok_new(&c.tok);
    if (rc == SE_OK)
        rc = doc_text_new(&c.text);
    if (rc != SE_OK) {
        fprintf(stderr, "searcher: %s: %s\n", c.o.index, errstr(rc));
        status = 2;
        goto out;
    }
    if (c.o.timings) {
        c.timings = fopen(c.o.timings, "w");
        if (c.timings == NULL) {
            fprintf(stderr, "searcher: %s: %s\n", c.o.timings,
                    strerror(errno));
            status = 2;
            goto out;
        }
    }
    {
        const char *nc = getenv("NO_COLOR");
        c.color = c.o.format == OUT_TEXT && isatty(STDOUT_FILENO) &&
                  (nc == NULL || nc[0] == '\0');
    }
    if (optind < argc) {
        struct buf q = BUF_INIT;
        int i;
        for (i = optind; i < argc; i++) {
            if (i > optind)
                buf_putc(&q, ' ');
            buf_puts(&q, argv[i]);
        }
        status = run_query(&c, "1", buf_cstr(&q), q.len);
        status = status == 2 ? 2 : status == 1 ? 0 : 1;
        buf_release(&q);
    } else if (isatty(STDIN_FILENO)) {
        fprintf(stderr, "searcher: no query given; try 'searcher --help'\n");
        status = 2;
    } else {
        c.batch = 1;
        status = run_batch(&c, stdin);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "searcher: standard output: %s\n", strerror(errno));
        status = 2;
    }
out:
    if (c.timings && fclose(c.timings) != 0)
        status = 2;
    buf_release(&c.body);
    buf_release(&c.snippets);
    doc_text_free(c.text);
    tok_free(c.tok);
    stem_free(c.stem);
    idx_close(c.ix);
    return status;
}
