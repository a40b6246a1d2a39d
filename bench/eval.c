/*
 * eval.c - trec_eval's ranked-retrieval measures for one run, re-done here
 * so that the benchmarks need no outside tool.
 *
 * Each convention below was checked against trec_eval's own source
 * (github.com/usnistgov/trec_eval; the file and commit are named):
 *
 * - Ranking. trec_eval ignores the RANK column ("the rank field is ignored
 *   here", get_trec_results.c @1841171). form_res_rels.c @0e041ae sorts a
 *   query's documents with comp_sim_docno(): score descending, ties broken by
 *   `strcmp(p2->docno, p1->docno)`, i.e. docid in descending byte order.
 *   Scores are read as doubles (atof there, strtod here).
 * - Depth. trec_eval's default max_num_docs_per_topic is MAXLONG (trec_eval.c,
 *   option -M): it counts every document of the run. It cuts after sorting.
 *   Our default depth is 1000, i.e. we print what `trec_eval -M 1000` prints
 *   (Anserini's evaluation flags); `map` is therefore MAP at 1000, and
 *   recall_1000 does not depend on the depth beyond 1000. Depth 0 = no cut.
 * - Duplicates. form_res_rels.c fails with "duplicate docs" when a docid
 *   appears twice in a query's retained run or in its qrels, and trec_eval
 *   quits. We refuse both at load time, naming both lines (trec_eval only
 *   notices a run duplicate within the first -M documents; we always do).
 * - Relevance. relevance_level defaults to 1: REL >= 1 is relevant for map,
 *   P, recall, num_rel (m_map.c, m_P.c, m_recall.c). A negative REL means
 *   "in the pool, not judged" (form_res_rels.c): never relevant, no gain,
 *   and not part of the ideal ranking; a retrieved document absent from the
 *   qrels counts as non-relevant.
 * - nDCG. m_ndcg_cut.c @dc0c991 (the current one; older ones, e.g. @c0b2cc7,
 *   left ranks 1 and 2 both undiscounted, then log2(rank)): gain = the REL
 * value itself (linear, not 2^rel - 1), only REL > 0 adds, discount log2(rank +
 * 1); the ideal ranking takes every judged REL > 0 of the query, highest first,
 * cut at the same 10, whether retrieved or not. With no gain in the qrels, nDCG
 * is 0.
 * - Measures: map = sum over relevant retrieved of precision at its rank,
 *   divided by num_rel (m_map.c); P_10 = relevant in the top 10 / 10 even
 *   when fewer were retrieved (m_P.c); recall_k = relevant in the top k /
 *   num_rel, 0 when num_rel is 0 (m_recall.c).
 * - Which queries. trec_eval.c evaluates a query when it is in the run and
 *   has at least one qrels line: queries absent from the qrels are ignored,
 *   but a judged query with no relevant document IS evaluated, with zeros
 *   (CHANGELOG 8.1: "queries with no relevance information are ignored",
 *   correcting docs that said "no relevant docs"). The mean is over those
 *   queries (meas_avg.c); with -c (average_complete_flag) it is over every
 *   query of the qrels, the missing ones counting 0, and num_q is that count
 *   (te_calc_avg_num_q in m_num_q.c). trec_eval 9 prints no per-query lines for
 * missing queries under -c -q and does not add their num_rel to the summary; we
 * print them as zero-result queries and add their num_rel (what trec_eval 10
 * intends, usnistgov/trec_eval issue 18). Queries are reported in strcmp order
 * of QID, as trec_eval sorts them.
 *
 * Speed: hash tables map QIDs to queries and a judged (query, docid) pair to
 * its judgement; the run is grouped by query with a counting sort, checked for
 * duplicates with a small per-query hash set and sorted query by query, so
 * nothing scans a list per document. 300 queries x 1000 documents (a 13 MB
 * run): about 0.1 s of CPU, mostly parsing.
 */
#include "eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static void set_err(struct eval_err *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(struct eval_err *err, size_t line, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Hash table: (group, string) -> size_t                               */
/* ------------------------------------------------------------------ */

/*
 * Open addressing with linear probing, at most half full, capacity a power
 * of two. Keys are borrowed NUL-terminated strings: they point into the text
 * the owner keeps. `group` lets one table hold the docids of every query
 * (group = the query's index).
 */
struct hslot {
    const char *key; /* NULL: empty slot */
    uint64_t hash;
    size_t group;
    size_t val;
};

struct htab {
    struct hslot *slot;
    size_t cap; /* 0 or a power of two */
    size_t n;
};

/* FNV-1a, 64 bits, over the group number then the key bytes. */
static uint64_t
hash_key(size_t group, const char *key)
{
    uint64_t h = 14695981039346656037u;
    uint64_t g = group;
    size_t i;

    for (i = 0; i < 8; i++) {
        h ^= (g >> (8 * i)) & 0xff;
        h *= 1099511628211u;
    }
    for (; *key != '\0'; key++) {
        h ^= (unsigned char)*key;
        h *= 1099511628211u;
    }
    return h;
}

/* The slot holding (group, key), or the empty slot where it would go. */
static struct hslot *
htab_slot(const struct htab *t, size_t group, const char *key, uint64_t h)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;

    for (;;) {
        struct hslot *s = &t->slot[i];
        if (s->key == NULL)
            return s;
        if (s->hash == h && s->group == group && strcmp(s->key, key) == 0)
            return s;
        i = (i + 1) & mask;
    }
}

/* Make room for `n` keys in all, without rehashing on the way. */
static int
htab_reserve(struct htab *t, size_t n)
{
    size_t ncap = t->cap ? t->cap : 64;
    struct hslot *old = t->slot;
    size_t ocap = t->cap;
    size_t i;

    if (n > SIZE_MAX / 4 / sizeof *t->slot)
        return SE_ENOMEM;
    while (ncap < 2 * n)
        ncap *= 2;
    if (ncap == t->cap)
        return SE_OK;
    t->slot = calloc(ncap, sizeof *t->slot);
    if (t->slot == NULL) {
        t->slot = old;
        return SE_ENOMEM;
    }
    t->cap = ncap;
    for (i = 0; i < ocap; i++) {
        if (old[i].key != NULL)
            *htab_slot(t, old[i].group, old[i].key, old[i].hash) = old[i];
    }
    free(old);
    return SE_OK;
}

/*
 * Insert (group, key) -> val unless present. *at is the key's slot, new or
 * old (valid until the next insert). Returns 1 if inserted, 0 if it was
 * there (val untouched), SE_ENOMEM.
 */
static int
htab_put(struct htab *t, size_t group, const char *key, size_t val,
         struct hslot **at)
{
    uint64_t h = hash_key(group, key);
    struct hslot *s;
    int rc;

    if ((t->n + 1) * 2 > t->cap) {
        rc = htab_reserve(t, 2 * (t->n + 1));
        if (rc != SE_OK)
            return rc;
    }
    s = htab_slot(t, group, key, h);
    *at = s;
    if (s->key != NULL)
        return 0;
    s->key = key;
    s->hash = h;
    s->group = group;
    s->val = val;
    t->n++;
    return 1;
}

/* The slot of (group, key), or NULL. */
static const struct hslot *
htab_get(const struct htab *t, size_t group, const char *key)
{
    const struct hslot *s;

    if (t->cap == 0)
        return NULL;
    s = htab_slot(t, group, key, hash_key(group, key));
    return s->key != NULL ? s : NULL;
}

static void
htab_release(struct htab *t)
{
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* Lines in `text` (`len` bytes), an upper bound on its records. */
static size_t
count_lines(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    size_t n = 1;

    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/*
 * `arr`, holding `n` elements of `size` bytes, with room for one more: `arr`
 * itself, or a bigger copy (*cap grows), or NULL when out of memory (`arr`
 * is then untouched).
 */
static void *
grow_array(void *arr, size_t *cap, size_t n, size_t size)
{
    size_t ncap;
    void *p;

    if (n < *cap)
        return arr;
    ncap = *cap ? *cap * 2 : 256;
    if (ncap > SIZE_MAX / size)
        return NULL;
    p = realloc(arr, ncap * size);
    if (p != NULL)
        *cap = ncap;
    return p;
}

/* ------------------------------------------------------------------ */
/* Lines and fields                                                     */
/* ------------------------------------------------------------------ */

/* trec_eval splits on isspace(); the C locale's set, without '\n'. */
static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Split the line [p, end) into fields, NUL-terminating each in place (the
 * byte at `end` is '\n' or the text's final NUL, and may be overwritten).
 * Stores up to `max` field starts in f[]; returns how many fields there are.
 */
static size_t
split_fields(char *p, char *end, char **f, size_t max)
{
    size_t n = 0;

    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            return n;
        if (n < max)
            f[n] = p;
        n++;
        while (p < end && !is_blank(*p))
            p++;
        *p = '\0';
        if (p == end)
            return n;
        p++;
    }
}

/*
 * SE_EINVAL, naming the line, if the text holds a NUL byte (trec_eval: "File
 * may contain no NULL characters"): fields are NUL-terminated in place.
 */
static int
check_nul(const char *text, size_t len, struct eval_err *err)
{
    const char *nul = memchr(text, '\0', len);
    size_t line = 1;
    const char *p;

    if (nul == NULL)
        return SE_OK;
    for (p = text; p < nul; p++)
        line += *p == '\n';
    set_err(err, line, "NUL byte in the line");
    return SE_EINVAL;
}

/* A NUL-terminated copy of `len` bytes of `text` (caller frees), or NULL. */
static char *
dup_text(const char *text, size_t len)
{
    char *t = malloc(len + 1);

    if (t == NULL)
        return NULL;
    if (len > 0)
        memcpy(t, text, len);
    t[len] = '\0';
    return t;
}

/*
 * Read all of `path` ("-" is standard input) into *out, NUL-terminated, its
 * length (without the NUL) in *outlen. Caller frees *out.
 */
static int
read_file(const char *path, char **out, size_t *outlen, struct eval_err *err)
{
    FILE *fp;
    char *data = NULL;
    size_t len = 0, cap = 0;
    int from_stdin = strcmp(path, "-") == 0;
    int rc = SE_OK;

    *out = NULL;
    *outlen = 0;
    fp = from_stdin ? stdin : fopen(path, "rb");
    if (fp == NULL)
        goto io_fail;
    for (;;) {
        size_t got;
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *p = realloc(data, ncap);
            if (p == NULL) {
                rc = SE_ENOMEM;
                goto fail;
            }
            data = p;
            cap = ncap;
        }
        got = fread(data + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp))
        goto io_fail;
    if (!from_stdin && fclose(fp) != 0) {
        fp = NULL;
        goto io_fail;
    }
    data[len] = '\0'; /* the last fread() found room and read nothing */
    *out = data;
    *outlen = len;
    return SE_OK;
io_fail:
    rc = SE_EIO;
    set_err(err, 0, "%s", strerror(errno));
fail:
    if (fp != NULL && !from_stdin) {
        int saved = errno;
        fclose(fp);
        errno = saved;
    }
    free(data);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Qrels                                                                */
/* ------------------------------------------------------------------ */

struct judgement {
    size_t q; /* index into eval_qrels.q */
    long rel;
    size_t line;
};

struct judged_query {
    const char *qid;
    long num_rel;  /* judgements with REL >= 1 */
    double idcg10; /* DCG of the ideal ranking, cut at 10 */
};

struct eval_qrels {
    char *text;       /* the input, fields NUL-terminated in place */
    struct htab qids; /* qid -> index into q */
    struct htab docs; /* (query index, docid) -> index into j */
    struct judgement *j;
    size_t nj, capj;
    struct judged_query *q;
    size_t nq, capq;
    size_t *order; /* indexes into q, in strcmp order of qid */
};

void
eval_qrels_free(struct eval_qrels *q)
{
    if (q == NULL)
        return;
    htab_release(&q->qids);
    htab_release(&q->docs);
    free(q->j);
    free(q->q);
    free(q->order);
    free(q->text);
    free(q);
}

/* For the ideal ranking: query ascending, then REL descending. */
static int
cmp_judgement(const void *a, const void *b)
{
    const struct judgement *x = a, *y = b;

    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    if (x->rel != y->rel)
        return x->rel > y->rel ? -1 : 1;
    return 0;
}

/* A QID and its query's index, to sort queries by QID. */
struct qref {
    const char *qid;
    size_t i;
};

static int
cmp_qref(const void *a, const void *b)
{
    const struct qref *x = a, *y = b;

    return strcmp(x->qid, y->qid);
}

/* num_rel, the ideal DCG at 10 and the QID order, once all lines are in. */
static int
qrels_finish(struct eval_qrels *qr)
{
    struct judgement *sorted;
    struct qref *refs;
    size_t i, k;

    sorted = malloc(qr->nj * sizeof *sorted);
    refs = malloc(qr->nq * sizeof *refs);
    qr->order = malloc(qr->nq * sizeof *qr->order);
    if (sorted == NULL || refs == NULL || qr->order == NULL) {
        free(sorted);
        free(refs);
        return SE_ENOMEM;
    }
    memcpy(sorted, qr->j, qr->nj * sizeof *sorted);
    qsort(sorted, qr->nj, sizeof *sorted, cmp_judgement);
    for (i = 0; i < qr->nj; i = k) {
        struct judged_query *q = &qr->q[sorted[i].q];
        size_t rank = 0;
        for (k = i; k < qr->nj && sorted[k].q == sorted[i].q; k++) {
            if (sorted[k].rel <= 0)
                continue;
            q->num_rel++;
            if (rank < 10)
                q->idcg10 += (double)sorted[k].rel / log2((double)(rank + 2));
            rank++;
        }
    }
    free(sorted);
    for (i = 0; i < qr->nq; i++) {
        refs[i].qid = qr->q[i].qid;
        refs[i].i = i;
    }
    qsort(refs, qr->nq, sizeof *refs, cmp_qref);
    for (i = 0; i < qr->nq; i++)
        qr->order[i] = refs[i].i;
    free(refs);
    return SE_OK;
}

/* One qrels line, already split into its four fields. */
static int
qrels_add(struct eval_qrels *qr, char **f, size_t line, struct eval_err *err)
{
    struct hslot *s;
    char *end;
    void *p;
    long rel;
    size_t qi;
    int rc;

    errno = 0;
    rel = strtol(f[3], &end, 10);
    if (end == f[3] || *end != '\0' || errno == ERANGE) {
        set_err(err, line, "relevance '%s' is not an integer", f[3]);
        return SE_EINVAL;
    }
    rc = htab_put(&qr->qids, 0, f[0], qr->nq, &s);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        p = grow_array(qr->q, &qr->capq, qr->nq, sizeof *qr->q);
        if (p == NULL)
            return SE_ENOMEM;
        qr->q = p;
        qr->q[qr->nq].qid = f[0];
        qr->q[qr->nq].num_rel = 0;
        qr->q[qr->nq].idcg10 = 0.0;
        qr->nq++;
    }
    qi = s->val;
    rc = htab_put(&qr->docs, qi, f[2], qr->nj, &s);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        set_err(err, line,
                "document '%s' judged twice for query '%s' (first at line "
                "%zu)",
                f[2], f[0], qr->j[s->val].line);
        return SE_EINVAL;
    }
    p = grow_array(qr->j, &qr->capj, qr->nj, sizeof *qr->j);
    if (p == NULL)
        return SE_ENOMEM;
    qr->j = p;
    qr->j[qr->nj].q = qi;
    qr->j[qr->nj].rel = rel;
    qr->j[qr->nj].line = line;
    qr->nj++;
    return SE_OK;
}

/*
 * Parse `text` (`len` bytes, NUL-terminated at len), taking ownership of it
 * whatever the outcome.
 */
static int
qrels_parse(char *text, size_t len, struct eval_qrels **out,
            struct eval_err *err)
{
    struct eval_qrels *qr;
    char *p, *end, *nl;
    size_t line = 0;
    int rc;

    *out = NULL;
    qr = calloc(1, sizeof *qr);
    if (qr == NULL) {
        free(text);
        return SE_ENOMEM;
    }
    qr->text = text;
    rc = check_nul(text, len, err);
    if (rc != SE_OK)
        goto fail;
    rc = htab_reserve(&qr->docs, count_lines(text, len));
    if (rc != SE_OK)
        goto fail;
    end = text + len;
    for (p = text; p < end; p = nl + 1) {
        char *f[4];
        size_t n;

        line++;
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        n = split_fields(p, nl, f, 4);
        if (n == 0)
            continue;
        if (n != 4) {
            set_err(err, line,
                    "expected 4 fields (QID ITER DOCID REL), found %zu", n);
            rc = SE_EINVAL;
            goto fail;
        }
        rc = qrels_add(qr, f, line, err);
        if (rc != SE_OK)
            goto fail;
    }
    if (qr->nj == 0) {
        set_err(err, 0, "no judgements");
        rc = SE_EINVAL;
        goto fail;
    }
    rc = qrels_finish(qr);
    if (rc != SE_OK)
        goto fail;
    *out = qr;
    return SE_OK;
fail:
    eval_qrels_free(qr);
    return rc;
}

int
eval_qrels_parse(const char *text, size_t len, struct eval_qrels **out,
                 struct eval_err *err)
{
    char *t = dup_text(text, len);

    *out = NULL;
    if (t == NULL)
        return SE_ENOMEM;
    return qrels_parse(t, len, out, err);
}

int
eval_qrels_read(const char *path, struct eval_qrels **out, struct eval_err *err)
{
    char *data;
    size_t len;
    int rc;

    *out = NULL;
    rc = read_file(path, &data, &len, err);
    if (rc != SE_OK)
        return rc;
    return qrels_parse(data, len, out, err);
}

/* ------------------------------------------------------------------ */
/* Run                                                                  */
/* ------------------------------------------------------------------ */

struct entry {
    size_t q; /* index into eval_run.qid */
    const char *docid;
    double score;
    size_t line;
};

struct eval_run {
    char *text;       /* the input, fields NUL-terminated in place */
    struct htab qids; /* qid -> index into qid */
    const char **qid;
    size_t nq, capq;
    struct entry *e; /* by query, each in trec_eval's rank order */
    size_t ne, cape;
    size_t *start; /* query i owns e[start[i] .. start[i + 1]) */
};

void
eval_run_free(struct eval_run *r)
{
    if (r == NULL)
        return;
    htab_release(&r->qids);
    free(r->qid);
    free(r->e);
    free(r->start);
    free(r->text);
    free(r);
}

/* One query's order: score descending, then docid descending. */
static int
cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;

    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->docid, x->docid);
}

/* One run line, already split into at least six fields. */
static int
run_add(struct eval_run *r, char **f, size_t line, struct eval_err *err)
{
    struct hslot *s;
    char *end;
    void *p;
    double score;
    int rc;

    /* On ERANGE strtod gives +-HUGE_VAL or a tiny value: both still sort. */
    score = strtod(f[4], &end);
    if (end == f[4] || *end != '\0' || isnan(score)) {
        set_err(err, line, "score '%s' is not a number", f[4]);
        return SE_EINVAL;
    }
    rc = htab_put(&r->qids, 0, f[0], r->nq, &s);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        p = grow_array(r->qid, &r->capq, r->nq, sizeof *r->qid);
        if (p == NULL)
            return SE_ENOMEM;
        r->qid = p;
        r->qid[r->nq++] = f[0];
    }
    p = grow_array(r->e, &r->cape, r->ne, sizeof *r->e);
    if (p == NULL)
        return SE_ENOMEM;
    r->e = p;
    r->e[r->ne].q = s->val;
    r->e[r->ne].docid = f[2];
    r->e[r->ne].score = score;
    r->e[r->ne].line = line;
    r->ne++;
    return SE_OK;
}

/*
 * In e[0..n), entries of one query in file order, find the first docid seen
 * twice: returns the index of its second entry and sets *first to the first
 * one's, or returns n. `set` is scratch for at least 2n slots. A query's set
 * is small (a few KiB for 1000 documents), so it stays in cache, unlike one
 * table over the whole run.
 */
static size_t
find_duplicate(const struct entry *e, size_t n, size_t *set, size_t *first)
{
    size_t cap = 16, i;

    while (cap < 2 * n)
        cap *= 2;
    memset(set, 0, cap * sizeof *set);
    for (i = 0; i < n; i++) {
        size_t h = (size_t)hash_key(0, e[i].docid) & (cap - 1);
        for (; set[h] != 0; h = (h + 1) & (cap - 1)) {
            if (strcmp(e[set[h] - 1].docid, e[i].docid) == 0) {
                *first = set[h] - 1;
                return i;
            }
        }
        set[h] = i + 1; /* 0 marks a free slot */
    }
    return n;
}

/*
 * Group the entries by query (a stable counting sort, so each query keeps
 * file order), refuse a docid listed twice for a query (the earliest such
 * line in the file is reported), then rank each query.
 */
static int
run_finish(struct eval_run *r, struct eval_err *err)
{
    struct entry *grouped = NULL, *dup = NULL, *dup_first = NULL;
    size_t *set = NULL;
    size_t i, q, most = 0, cap = 16;

    r->start = calloc(r->nq + 1, sizeof *r->start);
    if (r->start == NULL)
        return SE_ENOMEM;
    if (r->ne == 0)
        return SE_OK;
    grouped = malloc(r->ne * sizeof *grouped);
    if (grouped == NULL)
        return SE_ENOMEM;
    for (i = 0; i < r->ne; i++)
        r->start[r->e[i].q + 1]++;
    for (q = 0; q < r->nq; q++) {
        if (r->start[q + 1] > most)
            most = r->start[q + 1];
        r->start[q + 1] += r->start[q];
    }
    /* Place each entry at its query's cursor, start[q]; that leaves start[q]
     * at the next query's start, so shift back by one afterwards. */
    for (i = 0; i < r->ne; i++)
        grouped[r->start[r->e[i].q]++] = r->e[i];
    memmove(r->start + 1, r->start, r->nq * sizeof *r->start);
    r->start[0] = 0;
    free(r->e);
    r->e = grouped;
    r->cape = r->ne;

    while (cap < 2 * most)
        cap *= 2;
    set = malloc(cap * sizeof *set);
    if (set == NULL)
        return SE_ENOMEM;
    for (q = 0; q < r->nq; q++) {
        struct entry *e = &r->e[r->start[q]];
        size_t n = r->start[q + 1] - r->start[q], first;
        size_t d = find_duplicate(e, n, set, &first);

        if (d < n && (dup == NULL || e[d].line < dup->line)) {
            dup = &e[d];
            dup_first = &e[first];
        }
        qsort(e, n, sizeof *e, cmp_entry);
    }
    free(set);
    if (dup != NULL) {
        set_err(err, dup->line,
                "document '%s' listed twice for query '%s' (first at line "
                "%zu)",
                dup->docid, r->qid[dup->q], dup_first->line);
        return SE_EINVAL;
    }
    return SE_OK;
}

/* As qrels_parse(), for a run. */
static int
run_parse(char *text, size_t len, struct eval_run **out, struct eval_err *err)
{
    struct eval_run *r;
    char *p, *end, *nl;
    size_t line = 0;
    int rc;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        free(text);
        return SE_ENOMEM;
    }
    r->text = text;
    rc = check_nul(text, len, err);
    if (rc != SE_OK)
        goto fail;
    /* Sized once from the line count: no realloc on the way. */
    r->cape = count_lines(text, len);
    r->e = malloc(r->cape * sizeof *r->e);
    if (r->e == NULL) {
        rc = SE_ENOMEM;
        goto fail;
    }
    end = text + len;
    for (p = text; p < end; p = nl + 1) {
        char *f[6];
        size_t n;

        line++;
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        n = split_fields(p, nl, f, 6);
        if (n == 0)
            continue;
        if (n < 6) {
            set_err(err, line,
                    "expected 6 fields (QID Q0 DOCID RANK SCORE TAG), found "
                    "%zu",
                    n);
            rc = SE_EINVAL;
            goto fail;
        }
        rc = run_add(r, f, line, err);
        if (rc != SE_OK)
            goto fail;
    }
    rc = run_finish(r, err);
    if (rc != SE_OK)
        goto fail;
    *out = r;
    return SE_OK;
fail:
    eval_run_free(r);
    return rc;
}

int
eval_run_parse(const char *text, size_t len, struct eval_run **out,
               struct eval_err *err)
{
    char *t = dup_text(text, len);

    *out = NULL;
    if (t == NULL)
        return SE_ENOMEM;
    return run_parse(t, len, out, err);
}

int
eval_run_read(const char *path, struct eval_run **out, struct eval_err *err)
{
    char *data;
    size_t len;
    int rc;

    *out = NULL;
    rc = read_file(path, &data, &len, err);
    if (rc != SE_OK)
        return rc;
    return run_parse(data, len, out, err);
}

/* ------------------------------------------------------------------ */
/* Measures                                                             */
/* ------------------------------------------------------------------ */

/*
 * Score one judged query `qi`; `e`/`n` are its ranked run entries (n = 0 for
 * a query missing from the run), already cut to the depth.
 */
static void
score_query(const struct eval_qrels *qr, size_t qi, const struct entry *e,
            size_t n, struct eval_query *out)
{
    const struct judged_query *jq = &qr->q[qi];
    long rel_so_far = 0, rel10 = 0, rel100 = 0, rel1000 = 0;
    double sum_prec = 0.0, dcg = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        const struct hslot *s = htab_get(&qr->docs, qi, e[i].docid);
        long rel = s != NULL ? qr->j[s->val].rel : -1; /* -1: not judged */

        if (rel >= 1) {
            rel_so_far++;
            sum_prec += (double)rel_so_far / (double)(i + 1);
            rel10 += i < 10;
            rel100 += i < 100;
            rel1000 += i < 1000;
        }
        if (rel > 0 && i < 10)
            dcg += (double)rel / log2((double)(i + 2));
    }
    out->qid = jq->qid;
    out->num_ret = (long)n;
    out->num_rel = jq->num_rel;
    out->num_rel_ret = rel_so_far;
    out->map = jq->num_rel > 0 ? sum_prec / (double)jq->num_rel : 0.0;
    out->p_10 = (double)rel10 / 10.0;
    out->recall_100 =
        jq->num_rel > 0 ? (double)rel100 / (double)jq->num_rel : 0.0;
    out->recall_1000 =
        jq->num_rel > 0 ? (double)rel1000 / (double)jq->num_rel : 0.0;
    out->ndcg_cut_10 = jq->idcg10 > 0.0 ? dcg / jq->idcg10 : 0.0;
}

int
eval_compute(const struct eval_qrels *qrels, const struct eval_run *run,
             const struct eval_opts *opts, struct eval_result *out)
{
    static const struct eval_opts defaults = EVAL_OPTS_INIT;
    struct eval_query *all = &out->all;
    size_t k;

    memset(out, 0, sizeof *out);
    if (opts == NULL)
        opts = &defaults;
    out->queries = calloc(qrels->nq, sizeof *out->queries);
    if (out->queries == NULL)
        return SE_ENOMEM;
    /* trec_eval adds the queries' values in QID order, then divides. */
    for (k = 0; k < qrels->nq; k++) {
        size_t qi = qrels->order[k];
        const char *qid = qrels->q[qi].qid;
        const struct hslot *s = htab_get(&run->qids, 0, qid);
        const struct entry *e = NULL;
        size_t n = 0;
        struct eval_query *q;

        if (s == NULL && !opts->complete)
            continue;
        if (s != NULL) {
            e = &run->e[run->start[s->val]];
            n = run->start[s->val + 1] - run->start[s->val];
            if (opts->depth > 0 && n > opts->depth)
                n = opts->depth;
        }
        q = &out->queries[out->nqueries++];
        score_query(qrels, qi, e, n, q);
        all->num_ret += q->num_ret;
        all->num_rel += q->num_rel;
        all->num_rel_ret += q->num_rel_ret;
        all->map += q->map;
        all->p_10 += q->p_10;
        all->recall_100 += q->recall_100;
        all->recall_1000 += q->recall_1000;
        all->ndcg_cut_10 += q->ndcg_cut_10;
    }
    if (out->nqueries == 0) {
        eval_result_release(out);
        return SE_ENOTFOUND;
    }
    out->num_q = (long)out->nqueries;
    all->qid = "all";
    all->map /= (double)out->num_q;
    all->p_10 /= (double)out->num_q;
    all->recall_100 /= (double)out->num_q;
    all->recall_1000 /= (double)out->num_q;
    all->ndcg_cut_10 /= (double)out->num_q;
    return SE_OK;
}

void
eval_result_release(struct eval_result *res)
{
    if (res == NULL)
        return;
    free(res->queries);
    memset(res, 0, sizeof *res);
}
