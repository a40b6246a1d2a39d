/*
 * searcher - ranked (BM25) and phrase queries over an index, from the
 * terminal. Options, usage and exit status; the work is in common/.
 * Exit status as grep: 0 some query matched, 1 none did, 2 error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dates.h"
#include "docdates.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "interactive.h"
#include "match.h"
#include "output.h"
#include "query.h"
#include "snippet.h"
#include "stemmer.h"
#include "tokenizer.h"

#define SE_VERSION "0.1.0"

static const char usage[] =
    "usage: searcher [-i DIR] [options] [QUERY...]\n"
    "Search an index built by indexer. With no QUERY: on a terminal, a prompt\n"
    "(line editing, history, :help); else one query per line from standard\n"
    "input (a line 'QID<TAB>QUERY' carries its own id).\n"
    "\n";

/* Also the end of the interactive mode's :help. */
static const char syntax[] =
    "Query syntax:\n"
    "  cotton harvesting     words, stemmed; any may match, more rank higher\n"
    "  \"Telliani Valley\"     a phrase: these words, as written, in this "
    "order\n"
    "  =organization         this word as written, not stemmed\n"
    "  ~\"cotton harvests\"    a phrase of stems (harvest, harvested...)\n"
    "  \"cotton harvest\"~2    a phrase with up to 2 extra words inside\n"
    "  cotton NEAR/5 Xinjiang  both, in any order, at most 5 words apart\n"
    "  khorg*                every word starting with khorg\n"
    "  title:cotton body:x   only in the title / in the body\n"
    "  +word  -word          required / excluded (words or phrases)\n"
    "  a AND b, a OR b, NOT a, (a OR b) AND c\n"
    "                        boolean operators, upper case only\n";

static const char options[] =
    "\n"
    "Options:\n"
    "  -i, --index DIR       index directory (default ./index)\n"
    "  -n, --limit N         results per query (default 10)\n"
    "      --offset K        skip the first K results (paging)\n"
    "  -f, --format FMT      text (default), json (one object per query) or\n"
    "                        trec (QID Q0 DOCID RANK SCORE TAG)\n"
    "      --count           print only the number of matching documents\n"
    "                        (batch mode: QID<TAB>COUNT)\n"
    "      --ids             print only the ids of the hits, one a line\n"
    "                        (batch mode: QID<TAB>ID)\n"
    "      --explain         the BM25 terms of each hit's score\n"
    "      --since DAY       only documents dated DAY (YYYY-MM-DD) or later\n"
    "      --until DAY       only documents dated DAY or earlier\n"
    "      --sort KEY        score (default) or date (newest first)\n"
    "      --all             juxtaposed words and phrases are all required\n"
    "      --plain           no operators: quotes, +, - and the rest are text\n"
    "      --stem-phrases    \"a phrase\" matches stems, as ~\"a phrase\"\n"
    "      --keep-stopwords  rank common words (the, of...) too; by default\n"
    "                        a bare word on the stop list is left out when\n"
    "                        the query has other words\n"
    "      --max-expansions N  words a prefix* may stand for (default 128)\n"
    "      --k1 X, --b X     BM25 parameters (default 1.5 and 0.6)\n"
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
    "  searcher -i news --since 1987-03-01 --until 1987-03-31 --sort date "
    "cocoa\n"
    "  printf 'q1\\tcotton\\nq2\\t\"Telliani Valley\"\\n' | searcher -f trec\n"
    "\n"
    "Exit status: 0 when a query matched, 1 when none did, 2 on an error\n"
    "(a bad option, a missing index, a query that does not parse; in batch\n"
    "mode the other queries still run).\n";

struct opts {
    const char *index;
    size_t limit, offset, snippet_words, max_expansions;
    enum out_format format;
    int flags;   /* QRY_* */
    int count;   /* --count: only the number of matching documents */
    int ids;     /* --ids: only the external ids */
    int explain; /* --explain: the BM25 breakdown of each hit */
    int sort_date;
    int keep_stopwords;
    int64_t since, until; /* day numbers; INT64_MIN, INT64_MAX: no bound */
    double k1, b;
    const char *run_tag;
    const char *timings;
};

/* The --explain clauses of every hit of a query; labels in one buffer. */
struct explained {
    struct out_explain *v;
    size_t *label_at; /* offset of v[i]'s label in `labels` */
    size_t n, cap;
    struct buf labels;
    int rc;
};

struct ctx {
    struct opts o;
    struct idx *ix;
    struct stem *stem;
    const struct stop_list *stops; /* NULL: none for the language, or kept */
    struct tok *tok;
    struct doc_text *text;
    struct docdates *dates; /* NULL without --since, --until, --sort date */
    FILE *timings;
    int color;
    int batch; /* queries come from standard input, one a line */
    struct buf body, snippets;
    struct buf dropped; /* stop words left out of the current query */
    /* The metadata of the last query, and the commit it was read from: a
     * batch of queries on an unchanged index reads it once. */
    struct doc_meta meta;
    uint64_t meta_snapshot; /* 0: none kept */
    /* Document lengths read by earlier queries of the same commit. */
    struct doc_lens lens;
    struct explained ex;
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

/* A day for --since or --until: YYYY-MM-DD. */
static int64_t
parse_day(const char *s, const char *opt)
{
    int64_t day;

    if (date_parse_day(s, &day) != SE_OK) {
        fprintf(stderr,
                "searcher: %s needs a day as YYYY-MM-DD, not '%s'; try "
                "'searcher --help'\n",
                opt, s);
        exit(2);
    }
    return day;
}

/* Options that cannot go together: say so before opening anything. */
static void
check_options(const struct opts *o)
{
    if (o->ids && o->count)
        die_usage("%s", "--ids and --count cannot go together");
    if (o->ids && o->format != OUT_TEXT)
        die_usage("%s", "--ids prints plain lines; it takes no --format");
    if (o->explain && (o->count || o->ids))
        die_usage("%s", "--explain shows hits; not with --count or --ids");
    if (o->explain && o->format == OUT_TREC)
        die_usage("%s", "--explain needs --format text or json");
    if (o->since > o->until)
        die_usage("%s", "--since is after --until: no day can match");
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* match_explain's callback: keep one clause (its label copied). */
static void
keep_clause(void *arg, const struct match_explain_term *t)
{
    struct explained *ex = arg;
    size_t len = strlen(t->label);

    if (ex->rc != SE_OK)
        return;
    if (ex->n == ex->cap) {
        size_t cap = ex->cap ? ex->cap * 2 : 16;
        struct out_explain *v = realloc(ex->v, cap * sizeof *v);
        size_t *at = v ? realloc(ex->label_at, cap * sizeof *at) : NULL;
        if (v)
            ex->v = v;
        if (at == NULL) {
            ex->rc = SE_ENOMEM;
            return;
        }
        ex->label_at = at;
        ex->cap = cap;
    }
    ex->label_at[ex->n] = ex->labels.len;
    ex->v[ex->n] =
        (struct out_explain){NULL, len, t->tf, t->df, t->idf, t->contribution};
    ex->rc = buf_append(&ex->labels, t->label, len);
    if (ex->rc == SE_OK)
        ex->n++;
}

/*
 * The snippet of hit `doc` appended to c->snippets (NUL-terminated) with
 * its offset in *at, or SIZE_MAX in *at when the document stores no text.
 */
static int
make_snippet(struct ctx *c, struct snip *sn, struct idx_txn *txn, uint32_t doc,
             size_t *at)
{
    /* Marks in text only: JSON readers get the plain words. */
    const char *on = c->o.format != OUT_TEXT ? ""
                     : c->color              ? "\033[1;31m"
                                             : "[";
    const char *off = c->o.format != OUT_TEXT ? "" : c->color ? "\033[0m" : "]";
    int rc = doc_text_get(c->text, txn, doc, &c->body);

    *at = SIZE_MAX;
    if (rc == SE_ENOTFOUND)
        return SE_OK;
    if (rc != SE_OK)
        return rc;
    *at = c->snippets.len;
    rc = snip_make(sn, (const char *)c->body.data, c->body.len,
                   c->o.snippet_words, on, off, &c->snippets);
    if (rc > 0)
        rc = SE_OK;
    return rc == SE_OK ? buf_putc(&c->snippets, 0) : rc;
}

/* Print the results of one query (hits ready) in the chosen output. */
static int
print_results(struct ctx *c, const struct out_query *oq)
{
    int rc = SE_OK;

    if (c->o.count && c->o.format != OUT_JSON) {
        if (strcmp(oq->qid, "1") != 0 || c->batch)
            printf("%s\t", oq->qid);
        printf("%llu\n", (unsigned long long)oq->total);
    } else if (c->o.ids) {
        rc = out_write_ids(stdout, oq, c->batch);
    } else {
        rc = out_write(stdout, c->o.format, oq, c->o.run_tag, c->color);
    }
    if (rc == SE_OK && c->o.format == OUT_TEXT && !c->o.count && !c->o.ids) {
        fflush(stdout); /* the count follows the results it counts */
        out_summary(stderr, oq);
    }
    return rc;
}

/*
 * Run one query; print its results. `where` names its line in batch mode
 * ("" otherwise), for errors. Returns 1 when it matched, 0 when not, 2
 * after printing an error.
 */
static int
run_query(struct ctx *c, const char *qid, const char *where, const char *text,
          size_t len)
{
    struct qry_node *q = NULL;
    struct qry_error qe;
    struct idx_txn *txn = NULL;
    struct doc_meta meta;
    struct match_result res = {0};
    /* Counting wants no top k: nothing is pruned, every match counted. */
    struct match_options mo = {.lens = &c->lens,
                               .k1 = c->o.k1,
                               .b = c->o.b,
                               .limit = c->o.count ? 0 : c->o.limit,
                               .offset = c->o.count ? 0 : c->o.offset,
                               .max_expansions = c->o.max_expansions};
    struct out_hit *hits = NULL;
    struct snip *sn = NULL;
    size_t *snip_at = NULL, *explain_at = NULL, i;
    double t0 = now_ms(), took;
    int rc;

    memset(&qe, 0, sizeof qe);
    rc = qry_parse(text, len, c->o.flags, c->tok, &q, &qe);
    if (rc == SE_EINVAL || rc == SE_ELIMIT) {
        out_query_error(stderr, where, &qe, text, len);
        return 2;
    }
    buf_clear(&c->dropped);
    if (rc == SE_OK)
        rc = qry_drop_stopwords(q, c->stops, &c->dropped);
    if (c->dates && (c->o.since != INT64_MIN || c->o.until != INT64_MAX)) {
        mo.filter = docdates_filter;
        mo.filter_arg = c->dates;
    }
    if (c->dates && c->o.sort_date) {
        mo.sort_key = docdates_sort_key;
        mo.sort_arg = c->dates;
    }
    if (rc == SE_OK)
        rc = idx_txn_begin(c->ix, 0, &txn);
    if (rc == SE_OK && c->meta_snapshot != 0 &&
        idx_txn_snapshot(txn) == c->meta_snapshot) {
        meta = c->meta;
    } else if (rc == SE_OK) {
        c->meta_snapshot = 0;
        rc = doc_meta_load(txn, &meta);
        if (rc == SE_OK) {
            c->meta = meta;
            c->meta_snapshot = idx_txn_snapshot(txn);
        }
    }
    if (rc == SE_ENOTFOUND)
        rc = SE_ENOINDEX;
    if (rc == SE_OK && c->dates)
        rc = docdates_begin(c->dates, txn, meta.next_doc);
    if (rc == SE_OK)
        rc = match_run(txn, &meta, c->stem, q, &mo, &res);
    if (rc == SE_OK && c->dates)
        rc = docdates_error(c->dates);
    if (rc == SE_OK && res.truncated_expansion)
        fprintf(stderr, "searcher: warning: %s\n", res.warning);
    if (rc == SE_OK && res.nhits) {
        hits = calloc(res.nhits, sizeof *hits);
        snip_at = calloc(res.nhits, sizeof *snip_at);
        explain_at = calloc(res.nhits + 1, sizeof *explain_at);
        if (hits == NULL || snip_at == NULL || explain_at == NULL)
            rc = SE_ENOMEM;
    }
    int want_snippets =
        c->o.format != OUT_TREC && !c->o.ids && c->o.snippet_words > 0;
    if (rc == SE_OK && want_snippets && res.nhits)
        rc = snip_new(c->stem, q, &sn);
    buf_clear(&c->snippets);
    buf_clear(&c->ex.labels);
    c->ex.n = 0;
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
        if (c->o.explain) {
            explain_at[i] = c->ex.n;
            c->ex.rc = SE_OK;
            rc = match_explain(txn, &meta, c->stem, q, &mo, res.hits[i].doc,
                               &hits[i].doc_len, keep_clause, &c->ex);
            if (rc == SE_OK)
                rc = c->ex.rc;
        }
        if (rc == SE_OK && sn)
            rc = make_snippet(c, sn, txn, res.hits[i].doc, &snip_at[i]);
    }
    took = now_ms() - t0;
    if (rc == SE_OK) {
        struct out_query oq = {
            .qid = qid,
            .text = text,
            .text_len = len,
            .total = res.total,
            .total_exact = res.exact,
            .offset = c->o.offset,
            .took_ms = took,
            .hits = hits,
            .nhits = res.nhits,
            .avgdl = meta.docs ? (double)meta.total_len / (double)meta.docs : 0,
            .dropped = (const char *)c->dropped.data,
            .dropped_len = c->dropped.len};
        if (explain_at)
            explain_at[res.nhits] = c->ex.n;
        for (i = 0; i < res.nhits; i++) {
            if (snip_at[i] != SIZE_MAX) {
                hits[i].snippet = (const char *)c->snippets.data + snip_at[i];
                hits[i].snippet_len = strlen(hits[i].snippet);
            }
            if (c->o.explain) {
                size_t k;
                hits[i].explained = 1;
                hits[i].explain = c->ex.v ? c->ex.v + explain_at[i] : NULL;
                hits[i].nexplain = explain_at[i + 1] - explain_at[i];
                for (k = explain_at[i]; k < explain_at[i + 1]; k++)
                    c->ex.v[k].label =
                        (const char *)c->ex.labels.data + c->ex.label_at[k];
            }
        }
        rc = print_results(c, &oq);
        if (c->timings)
            fprintf(c->timings, "%s\t%.1f\t%llu\n", qid, took * 1000.0,
                    (unsigned long long)res.total);
    }
    uint64_t total = res.total;
    snip_free(sn);
    free(hits);
    free(snip_at);
    free(explain_at);
    match_result_release(&res);
    idx_txn_abort(txn);
    qry_free(q);
    if (rc != SE_OK) {
        fprintf(stderr, "searcher: %s: %s\n", c->o.index, errstr(rc));
        return 2;
    }
    return total > 0;
}

/* The interactive mode's query: results as in text mode, errors shown. */
static void
interactive_query(void *arg, const char *line, size_t len)
{
    struct ctx *c = arg;
    int reopened, rc = idx_refresh(c->ix, &reopened);

    /* An indexer may have compacted the index since the last query. */
    if (rc != SE_OK) {
        fprintf(stderr, "searcher: %s: %s\n", c->o.index, se_strerror(rc));
        return;
    }
    if (reopened)
        c->meta_snapshot = 0;
    run_query(c, "1", "", line, len);
}

/* Batch mode: one query a line. Returns the exit status. */
static int
run_batch(struct ctx *c, FILE *in)
{
    char *line = NULL, *qid, num[32], where[96];
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
        if (qid == num)
            snprintf(where, sizeof where, "line %lu: ", lineno);
        else
            snprintf(where, sizeof where, "line %lu (query %.40s): ", lineno,
                     qid);
        int r = run_query(c, qid, where, text, (size_t)(line + n - text));
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
        {"ids", no_argument, NULL, 'I'},
        {"explain", no_argument, NULL, 'E'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"sort", required_argument, NULL, 'o'},
        {"stem-phrases", no_argument, NULL, 'H'},
        {"keep-stopwords", no_argument, NULL, 'k'},
        {"max-expansions", required_argument, NULL, 'X'},
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
    c.o.since = INT64_MIN;
    c.o.until = INT64_MAX;
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
        case 'I':
            c.o.ids = 1;
            break;
        case 'E':
            c.o.explain = 1;
            break;
        case 's':
            c.o.since = parse_day(optarg, "--since");
            break;
        case 'u':
            c.o.until = parse_day(optarg, "--until");
            break;
        case 'o':
            if (strcmp(optarg, "score") == 0)
                c.o.sort_date = 0;
            else if (strcmp(optarg, "date") == 0)
                c.o.sort_date = 1;
            else
                die_usage("unknown sort '%s' (score or date)", optarg);
            break;
        case 'H':
            c.o.flags |= QRY_STEM_PHRASES;
            break;
        case 'k':
            c.o.keep_stopwords = 1;
            break;
        case 'X':
            c.o.max_expansions = parse_count(optarg, "--max-expansions");
            if (c.o.max_expansions == 0)
                die_usage("%s needs a whole number from 1 to 100000000",
                          "--max-expansions");
            break;
        case 'h':
            fputs(usage, stdout);
            fputs(syntax, stdout);
            fputs(options, stdout);
            return 0;
        case 'V':
            printf("searcher %s\n", SE_VERSION);
            return 0;
        default:
            option_error(opt, argv[optind - 1]);
            return 2;
        }
    }
    check_options(&c.o);
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
    if (rc == SE_OK && !c.o.keep_stopwords)
        c.stops = stop_list_for(stem_language(c.stem));
    if (rc == SE_OK)
        rc = tok_new(&c.tok);
    if (rc == SE_OK)
        rc = doc_text_new(&c.text);
    if (rc == SE_OK &&
        (c.o.sort_date || c.o.since != INT64_MIN || c.o.until != INT64_MAX))
        rc = docdates_new(c.o.since, c.o.until, &c.dates);
    if (rc != SE_OK) {
        fprintf(stderr, "searcher: %s: %s\n", c.o.index, errstr(rc));
        status = 2;
        goto out;
    }
    if (c.o.timings) {
        c.timings = fopen(c.o.timings, "w");
        if (c.timings == NULL) {
            fprintf(stderr, "searcher: %s: %s\n", c.o.timings, strerror(errno));
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
        status = run_query(&c, "1", "", buf_cstr(&q), q.len);
        status = status == 2 ? 2 : status == 1 ? 0 : 1;
        buf_release(&q);
    } else if (isatty(STDIN_FILENO)) {
        char *history = interactive_history_path();
        status = interactive_run(history, syntax, interactive_query, &c);
        free(history);
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
    buf_release(&c.dropped);
    buf_release(&c.ex.labels);
    free(c.ex.v);
    free(c.ex.label_at);
    docdates_free(c.dates);
    doc_text_free(c.text);
    tok_free(c.tok);
    stem_free(c.stem);
    idx_close(c.ix);
    return status;
}
