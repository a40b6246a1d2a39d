/*
 * test_writer.c - the writer against a model: documents from Reuters-21578
 * (parsed here with cJSON) are indexed, the index is closed and reopened,
 * and everything in it is compared with what the test computes itself from
 * tokenizer.h and stemmer.h: every dictionary term with its df and cf,
 * every posting (documents, frequencies, positions of word forms), every
 * block's header (last document, block-max tf, min length), the stem to
 * form table, document records, lengths, stored text and the counts in the
 * metadata.
 *
 * Then the ways an index changes: replacing by id (across sessions and
 * within one batch), deleting, adding in many sessions or with many
 * flushes (which must give exactly what one run gives), and sessions that
 * end without committing (closed, killed) which must leave the index as it
 * was at its last commit.
 *
 * Model positions follow writer.c's header: title tokens from 0, body
 * tokens from title_tokens + 1 when the title has tokens, else from 0.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "docstore.h"
#include "error.h"
#include "expand.h"
#include "index.h"
#include "plist.h"
#include "posting.h"
#include "stemmer.h"
#include "testutil.h"
#include "tokenizer.h"
#include "writer.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"

/* ---------------------------------------------------------------- */
/* Directories                                                       */
/* ---------------------------------------------------------------- */

static char tmp[64];

static void
setup(void)
{
    strcpy(tmp, "/tmp/test_writer.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
}

static void
teardown(void)
{
    if (tmp[0])
        tu_rm_tree(tmp);
}

/* A fresh path under the test's directory; the index makes it. */
static const char *
sub_dir(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", tmp, name);
    return out;
}

/* ---------------------------------------------------------------- */
/* Documents                                                         */
/* ---------------------------------------------------------------- */

struct cdoc {
    char *id, *title, *date, *body;
    size_t id_len, title_len, date_len, body_len;
};

static char *
dup_str(const char *s, size_t *len)
{
    char *p = strdup(s);

    cr_assert_not_null(p, "strdup");
    *len = strlen(s);
    return p;
}

static void
cdoc_set(struct cdoc *d, const char *id, const char *title, const char *date,
         const char *body)
{
    d->id = dup_str(id, &d->id_len);
    d->title = dup_str(title, &d->title_len);
    d->date = dup_str(date, &d->date_len);
    d->body = dup_str(body, &d->body_len);
}

static void
cdoc_release(struct cdoc *d)
{
    free(d->id);
    free(d->title);
    free(d->date);
    free(d->body);
    memset(d, 0, sizeof *d);
}

static const char *
json_field(const cJSON *o, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(f) ? f->valuestring : "";
}

/* The first `n` lines of Reuters-21578; caller frees with corpus_free. */
static struct cdoc *
corpus_load(size_t n)
{
    struct cdoc *docs = calloc(n, sizeof *docs);
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL;
    size_t cap = 0, i = 0;
    ssize_t got;

    cr_assert_not_null(docs, "calloc");
    cr_assert_not_null(f, "%s: %s (run the tests from the repo top)", REUTERS,
                       strerror(errno));
    while (i < n && (got = getline(&line, &cap, f)) > 0) {
        cJSON *o = cJSON_ParseWithLength(line, (size_t)got);
        cr_assert_not_null(o, "%s:%zu: bad JSON", REUTERS, i + 1);
        cdoc_set(&docs[i], json_field(o, "id"), json_field(o, "title"),
                 json_field(o, "date"), json_field(o, "body"));
        cr_assert_gt(docs[i].id_len, 0, "%s:%zu: no id", REUTERS, i + 1);
        cJSON_Delete(o);
        i++;
    }
    free(line);
    fclose(f);
    cr_assert_eq(i, n, "%s has only %zu lines", REUTERS, i);
    return docs;
}

static void
corpus_free(struct cdoc *docs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        cdoc_release(&docs[i]);
    free(docs);
}

static struct wr_doc
as_wr(const struct cdoc *d)
{
    struct wr_doc w = {d->id,   d->id_len,   d->title, d->title_len,
                       d->date, d->date_len, d->body,  d->body_len};

    return w;
}

/* ---------------------------------------------------------------- */
/* Writer sessions                                                   */
/* ---------------------------------------------------------------- */

static struct wr *
wr_open_ok(const char *dir, size_t memory)
{
    struct wr_options o = {
        .language = NULL, .memory = memory, .title_weight = 0, .threads = 1};
    struct wr *w = NULL;
    int rc = wr_open(dir, &o, &w);

    cr_assert_eq(rc, SE_OK, "wr_open %s: %s", dir, se_strerror(rc));
    return w;
}

static void
add_ok(struct wr *w, const struct cdoc *d)
{
    struct wr_doc wd = as_wr(d);
    int rc = wr_add(w, &wd);

    cr_assert_eq(rc, SE_OK, "wr_add %.*s: %s", (int)d->id_len, d->id,
                 se_strerror(rc));
}

static void
commit_ok(struct wr *w)
{
    int rc = wr_commit(w);

    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
}

static void
delete_ok(struct wr *w, const struct cdoc *d)
{
    int rc = wr_delete(w, d->id, d->id_len);

    cr_assert_eq(rc, SE_OK, "wr_delete %.*s: %s", (int)d->id_len, d->id,
                 se_strerror(rc));
}

/* One session: add docs[0..n), commit, close. */
static void
index_docs(const char *dir, const struct cdoc *docs, size_t n, size_t memory)
{
    struct wr *w = wr_open_ok(dir, memory);
    size_t i;

    for (i = 0; i < n; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    wr_close(w);
}

/* ---------------------------------------------------------------- */
/* The model                                                         */
/* ---------------------------------------------------------------- */

/* An interned string: a word form or a stem. */
struct mterm {
    char *s;
    size_t len;
    uint64_t hash;
    const struct mterm *stem; /* as a form: its stem, once computed */
};

/* One occurrence: of a form (with its position), or of a stem. */
struct occ {
    const struct mterm *t;
    uint32_t doc, pos;
};

struct model {
    struct mterm **slots;
    size_t nslots, nterms;
    struct occ *forms, *stems;
    size_t nocc, cap; /* forms and stems grow together: one each a token */
    uint32_t next_doc;
    uint32_t *lens;         /* by document id; 0 for none */
    uint32_t *title_tokens; /* by document id */
    uint64_t total_len;
    struct tok *tok;
    struct stem *stem;
};

static const struct mterm *
intern(struct model *m, const char *s, size_t n)
{
    uint64_t h = tu_hash(s, n);
    struct mterm *t;
    size_t j;

    if ((m->nterms + 1) * 2 > m->nslots) {
        size_t ns = m->nslots ? m->nslots * 2 : 1 << 14, i;
        struct mterm **sl = calloc(ns, sizeof *sl);
        cr_assert_not_null(sl, "calloc");
        for (i = 0; i < m->nslots; i++) {
            if (m->slots[i] == NULL)
                continue;
            j = m->slots[i]->hash & (ns - 1);
            while (sl[j])
                j = (j + 1) & (ns - 1);
            sl[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = sl;
        m->nslots = ns;
    }
    for (j = h & (m->nslots - 1); m->slots[j]; j = (j + 1) & (m->nslots - 1)) {
        t = m->slots[j];
        if (t->hash == h && t->len == n && memcmp(t->s, s, n) == 0)
            return t;
    }
    t = calloc(1, sizeof *t);
    cr_assert_not_null(t, "calloc");
    t->s = malloc(n + 1);
    cr_assert_not_null(t->s, "malloc");
    memcpy(t->s, s, n);
    t->s[n] = '\0';
    t->len = n;
    t->hash = h;
    m->slots[j] = t;
    m->nterms++;
    return t;
}

/* Tokens of `text` from position `first` into the occurrence arrays. */
static uint32_t
model_text(struct model *m, uint32_t doc, const char *text, size_t len,
           uint32_t first)
{
    struct tok_token tk;
    uint32_t n = 0;
    int rc;

    tok_reset(m->tok, len ? text : NULL, len, first);
    while ((rc = tok_next(m->tok, &tk)) == 1) {
        struct mterm *t = (struct mterm *)intern(m, tk.text, tk.len);
        cr_assert_eq(tk.pos, first + n, "tokenizer position %u, expected %u",
                     tk.pos, first + n);
        if (t->stem == NULL) {
            const char *s;
            size_t slen;
            rc = stem_word(m->stem, tk.text, tk.len, &s, &slen);
            cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
            t->stem = intern(m, s, slen);
        }
        if (m->nocc == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 1 << 16;
            m->forms = realloc(m->forms, m->cap * sizeof *m->forms);
            m->stems = realloc(m->stems, m->cap * sizeof *m->stems);
            cr_assert(m->forms && m->stems, "realloc");
        }
        m->forms[m->nocc] = (struct occ){t, doc, tk.pos};
        m->stems[m->nocc] = (struct occ){t->stem, doc, 0};
        m->nocc++;
        n++;
    }
    cr_assert_eq(rc, 0, "tok_next: %s", se_strerror(rc));
    return n;
}

static int
cmp_bytes(const struct mterm *a, const struct mterm *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c;

    if (a == b)
        return 0;
    c = memcmp(a->s, b->s, n);
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* LMDB's key order (bytes, then length), then document, then position. */
static int
cmp_occ(const void *x, const void *y)
{
    const struct occ *a = x, *b = y;
    int c = cmp_bytes(a->t, b->t);

    if (c != 0)
        return c;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/*
 * The model of the live documents docs[0..n), which the index holds under
 * ids[0..n), with ids below next_doc.
 */
static void
model_build(struct model *m, const struct cdoc *const *docs,
            const uint32_t *ids, size_t n, uint32_t next_doc)
{
    size_t i;
    int rc;

    memset(m, 0, sizeof *m);
    rc = tok_new(&m->tok);
    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    rc = stem_new("english", &m->stem);
    cr_assert_eq(rc, SE_OK, "stem_new: %s", se_strerror(rc));
    m->next_doc = next_doc;
    m->lens = calloc((size_t)next_doc + 1, sizeof *m->lens);
    m->title_tokens = calloc((size_t)next_doc + 1, sizeof *m->title_tokens);
    cr_assert(m->lens && m->title_tokens, "calloc");
    for (i = 0; i < n; i++) {
        const struct cdoc *d = docs[i];
        uint32_t nt, nb;
        cr_assert_lt(ids[i], next_doc, "doc id %u >= next_doc %u", ids[i],
                     next_doc);
        nt = model_text(m, ids[i], d->title, d->title_len, 0);
        nb = model_text(m, ids[i], d->body, d->body_len, nt ? nt + 1 : 0);
        m->lens[ids[i]] = nt + nb;
        m->title_tokens[ids[i]] = nt;
        m->total_len += nt + nb;
    }
    if (m->nocc > 0) { /* qsort(NULL, 0...) is undefined */
        qsort(m->forms, m->nocc, sizeof *m->forms, cmp_occ);
        qsort(m->stems, m->nocc, sizeof *m->stems, cmp_occ);
    }
}

static void
model_release(struct model *m)
{
    size_t i;

    for (i = 0; i < m->nslots; i++) {
        if (m->slots[i]) {
            free(m->slots[i]->s);
            free(m->slots[i]);
        }
    }
    free(m->slots);
    free(m->forms);
    free(m->stems);
    free(m->lens);
    free(m->title_tokens);
    tok_free(m->tok);
    stem_free(m->stem);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- */
/* Checking an index against the model                               */
/* ---------------------------------------------------------------- */

static int
mem_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Past the occurrences of o[i]'s term. */
static size_t
next_term(const struct occ *o, size_t n, size_t i)
{
    size_t end = i;

    while (end < n && o[end].t == o[i].t)
        end++;
    return end;
}

/*
 * The dictionary of `kind` holds the model's terms, in order: all of its
 * forms; of its stems, those not served by their one form (expand.h). Each
 * term's list, read through plist.h (a stem's as exp_stem_list() finds
 * it), has the model's df and cf and holds exactly its documents,
 * frequencies and (forms) positions.
 */
static void
check_lists(struct idx_txn *txn, const struct model *m, enum pl_kind kind)
{
    const struct occ *o = kind == PL_FORMS ? m->forms : m->stems;
    const char *what = kind == PL_FORMS ? "form" : "stem";
    struct mterm key = {0};
    struct idx_cursor *c;
    size_t i = 0, end;
    int r, rc;

    rc = idx_cursor_open(txn, pl_dict_table(kind), &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c), i = end) {
        const void *k, *v;
        size_t klen, vlen;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        /* Stems the dictionary leaves out are checked below. */
        key.s = (char *)k;
        key.len = klen;
        while (kind == PL_STEMS && i < m->nocc && cmp_bytes(o[i].t, &key) < 0)
            i = next_term(o, m->nocc, i);
        cr_assert_lt(i, m->nocc,
                     "%s '%.*s' is in the dictionary, not in "
                     "the documents",
                     what, (int)klen, (const char *)k);
        cr_assert(mem_eq(k, klen, o[i].t->s, o[i].t->len),
                  "dictionary has %s '%.*s' where the model has '%s'", what,
                  (int)klen, (const char *)k, o[i].t->s);
        end = next_term(o, m->nocc, i);
    }
    cr_assert_eq(r, 0, "dictionary walk: %s", se_strerror(r));
    idx_cursor_close(c);
    cr_assert(kind == PL_STEMS || i == m->nocc,
              "%s '%s' is in the documents, not in the dictionary", what,
              i < m->nocc ? o[i].t->s : "");
    for (i = 0; i < m->nocc; i = end) {
        const struct mterm *t = o[i].t;
        const char *term = t->s;
        enum pl_kind lk = kind;
        struct exp_stem_list l;
        struct pl_stats st;
        uint64_t cf = 0;
        uint32_t df = 0;
        struct pl *p;
        size_t j;
        for (end = i; end < m->nocc && o[end].t == t; end++) {
            cf++;
            if (end == i || o[end].doc != o[end - 1].doc)
                df++;
        }
        if (kind == PL_STEMS) {
            struct exp_forms f;
            rc = exp_stem_list(txn, m->stem, t->s, t->len, &l);
            cr_assert_eq(rc, SE_OK, "stem '%s' is in the documents, not in "
                         "the index: %s", t->s, se_strerror(rc));
            lk = l.kind;
            term = l.term;
            rc = exp_stem_forms(txn, m->stem, t->s, t->len, &f);
            cr_assert_eq(rc, SE_OK, "forms of '%s': %s", t->s, se_strerror(rc));
            cr_assert(lk == PL_STEMS || f.n == 1,
                      "stem '%s' of %zu forms has no list", t->s, f.n);
            exp_forms_release(&f);
        }
        rc = pl_stats_get(txn, lk, term, strlen(term), &st);
        cr_assert_eq(rc, SE_OK, "stats of %s '%s': %s", what, t->s,
                     se_strerror(rc));
        cr_assert(st.df == df && st.cf == cf,
                  "%s '%s': df %u cf %llu, model df %u cf %llu", what, t->s,
                  st.df, (unsigned long long)st.cf, df, (unsigned long long)cf);
        rc = pl_open(txn, lk, term, strlen(term), &p);
        cr_assert_eq(rc, SE_OK, "pl_open %s '%s': %s", what, t->s,
                     se_strerror(rc));
        cr_assert(pl_stats(p)->df == df && pl_stats(p)->cf == cf,
                  "pl_stats of '%s'", t->s);
        for (j = i; j < end;) {
            uint32_t doc = o[j].doc, tf, ntf = 0, np;
            const uint32_t *pos;
            size_t k2;
            while (j + ntf < end && o[j + ntf].doc == doc)
                ntf++;
            r = pl_next(p);
            cr_assert_eq(r, 1, "%s '%s': list ends (%d) before doc %u", what,
                         t->s, r, doc);
            cr_assert_eq(pl_doc(p), doc, "%s '%s': doc %u, model has %u", what,
                         t->s, pl_doc(p), doc);
            rc = pl_tf(p, &tf);
            cr_assert_eq(rc, SE_OK, "pl_tf: %s", se_strerror(rc));
            cr_assert_eq(tf, ntf, "%s '%s' in doc %u: tf %u, model %u", what,
                         t->s, doc, tf, ntf);
            rc = pl_positions(p, &pos, &np);
            if (lk == PL_STEMS) {
                cr_assert_eq(rc, SE_EINVAL, "positions of a stem list: %s",
                             se_strerror(rc));
            } else if (kind == PL_FORMS) {
                cr_assert_eq(rc, SE_OK, "pl_positions: %s", se_strerror(rc));
                cr_assert_eq(np, ntf, "'%s' doc %u: %u positions for tf %u",
                             t->s, doc, np, ntf);
                for (k2 = 0; k2 < ntf; k2++)
                    cr_assert_eq(pos[k2], o[j + k2].pos,
                                 "'%s' doc %u: position #%zu is %u, model %u",
                                 t->s, doc, k2, pos[k2], o[j + k2].pos);
            }
            j += ntf;
        }
        r = pl_next(p);
        cr_assert_eq(r, 0,
                     "%s '%s': list goes on after the model's last "
                     "document (%d, doc %u)",
                     what, t->s, r, r == 1 ? pl_doc(p) : 0);
        cr_assert_eq(pl_next(p), 0, "pl_next after the end");
        pl_close(p);
    }
}

/*
 * One block of `kind` of term (k, tlen) whose last document is `last`
 * (UINT32_MAX: a dictionary block, which has no key): at most
 * POST_BLOCK_DOCS documents ending at `last`, block-max tf and min length
 * exact. Returns its number of documents.
 */
static uint32_t
check_block(const struct model *m, enum pl_kind kind, const unsigned char *k,
            size_t tlen, uint32_t last, const struct pl_stats *entry,
            const void *v, size_t vlen)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS];
    uint32_t i, max_tf = 0, min_len = UINT32_MAX;
    struct post_view pv;
    int rc;

    rc = entry ? post_parse_lean(v, vlen, entry->df, entry->cf, &pv)
               : post_parse(v, vlen, &pv);
    cr_assert_eq(rc, SE_OK, "'%.*s' block %u: %s", (int)tlen, k, last,
                 se_strerror(rc));
    cr_assert(pv.n >= 1 && pv.n <= POST_BLOCK_DOCS, "block of %u docs", pv.n);
    cr_assert_eq((pv.flags & POST_F_POSITIONS) != 0, kind == PL_FORMS,
                 "positions flag of a %s block",
                 kind == PL_FORMS ? "form" : "stem");
    rc = post_decode_docs(&pv, docs);
    cr_assert_eq(rc, SE_OK, "decode docs: %s", se_strerror(rc));
    rc = post_decode_tfs(&pv, tfs);
    cr_assert_eq(rc, SE_OK, "decode tfs: %s", se_strerror(rc));
    if (last != UINT32_MAX)
        cr_assert_eq(docs[pv.n - 1], last,
                     "'%.*s': key says last doc %u, block ends with %u",
                     (int)tlen, k, last, docs[pv.n - 1]);
    for (i = 0; i < pv.n; i++) {
        cr_assert_lt(docs[i], m->next_doc, "doc %u", docs[i]);
        if (tfs[i] > max_tf)
            max_tf = tfs[i];
        if (m->lens[docs[i]] < min_len)
            min_len = m->lens[docs[i]];
    }
    cr_assert_eq(pv.max_tf, max_tf, "'%.*s' block %u: max_tf %u, computed %u",
                 (int)tlen, k, last, pv.max_tf, max_tf);
    cr_assert_eq(pv.min_len, min_len,
                 "'%.*s' block %u: min_len %u, computed %u", (int)tlen, k,
                 last, pv.min_len, min_len);
    return pv.n;
}

/*
 * Every block of `kind`: a key of a dictionary term whose entry keeps no
 * block, or a block in a dictionary entry (of at most PL_INLINE_MAX
 * bytes, the whole list) and then no key in the postings table; each
 * block sound (check_block); a term's blocks add up to its df. With
 * `packed`, every block but a list's last is full (what appending always
 * gives).
 */
static void
check_blocks(struct idx_txn *txn, const struct model *m, enum pl_kind kind,
             int packed)
{
    unsigned char prev[PL_TERM_MAX];
    size_t prev_len = 0;
    uint64_t terms = 0, nterms, in_term = 0, inlined = 0;
    uint32_t prev_n = 0;
    struct idx_cursor *c;
    struct pl_entry e = {{0, 0}, NULL, 0};
    int r, rc;

    rc = idx_cursor_open(txn, pl_post_table(kind), &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const unsigned char *k;
        const void *kv, *v;
        size_t klen, vlen, tlen;
        uint32_t last;
        rc = idx_cursor_get(c, &kv, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        k = kv;
        cr_assert_gt(klen, 5, "block key of %zu bytes", klen);
        tlen = klen - 5;
        cr_assert_eq(k[tlen], 0, "block key without its 0x00");
        last = idx_get_be32(k + tlen + 1);
        if (terms == 0 || !mem_eq(prev, prev_len, k, tlen)) {
            if (terms > 0)
                cr_assert_eq(in_term, e.st.df,
                             "'%.*s': blocks hold %llu documents, df %u",
                             (int)prev_len, prev, (unsigned long long)in_term,
                             e.st.df);
            rc = pl_entry_get(txn, kind, (const char *)k, tlen, &e);
            cr_assert_eq(rc, SE_OK,
                         "block of '%.*s', not in the dictionary: %s",
                         (int)tlen, k, se_strerror(rc));
            cr_assert_null(e.block,
                           "'%.*s' has blocks both in the table and in "
                           "its dictionary entry",
                           (int)tlen, k);
            memcpy(prev, k, tlen);
            prev_len = tlen;
            terms++;
            in_term = 0;
        } else if (packed) {
            cr_assert_eq(prev_n, POST_BLOCK_DOCS,
                         "'%.*s': a block of %u documents before the last",
                         (int)tlen, k, prev_n);
        }
        prev_n = check_block(m, kind, k, tlen, last, NULL, v, vlen);
        in_term += prev_n;
    }
    cr_assert_eq(r, 0, "block walk: %s", se_strerror(r));
    if (terms > 0)
        cr_assert_eq(in_term, e.st.df,
                     "'%.*s': blocks hold %llu documents, df %u",
                     (int)prev_len, prev, (unsigned long long)in_term,
                     e.st.df);
    idx_cursor_close(c);
    /* The lists kept in dictionary entries. */
    rc = idx_cursor_open(txn, pl_dict_table(kind), &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const void *kv, *v;
        size_t klen, vlen;
        uint32_t n;
        rc = idx_cursor_get(c, &kv, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        rc = pl_entry_decode(v, vlen, &e);
        cr_assert_eq(rc, SE_OK, "'%.*s': entry: %s", (int)klen,
                     (const char *)kv, se_strerror(rc));
        if (e.block == NULL)
            continue;
        cr_assert_leq(e.block_len, PL_INLINE_MAX, "'%.*s': block of %zu",
                      (int)klen, (const char *)kv, e.block_len);
        n = check_block(m, kind, kv, klen, UINT32_MAX, &e.st, e.block,
                        e.block_len);
        cr_assert_eq(n, e.st.df, "'%.*s': its block holds %u documents, df %u",
                     (int)klen, (const char *)kv, n, e.st.df);
        inlined++;
    }
    cr_assert_eq(r, 0, "dictionary walk: %s", se_strerror(r));
    idx_cursor_close(c);
    rc = idx_count(txn, pl_dict_table(kind), &nterms);
    cr_assert_eq(rc, SE_OK, "count: %s", se_strerror(rc));
    cr_assert_eq(terms + inlined, nterms,
                 "%llu terms have blocks in the table, %llu in the "
                 "dictionary, and %llu are in the dictionary",
                 (unsigned long long)terms, (unsigned long long)inlined,
                 (unsigned long long)nterms);
}

/* A (stem, form) pair of the model. */
struct pair {
    const struct mterm *stem, *form;
};

static int
cmp_pair(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    int c = cmp_bytes(a->stem, b->stem);

    return c != 0 ? c : cmp_bytes(a->form, b->form);
}

/*
 * Whether check_stemforms() requires a stem whose one form is itself to be
 * unlisted, as this writer leaves it; an index written as format 2 or
 * older lists it.
 */
static int stemforms_canonical = 1;

/*
 * IDX_STEMFORMS holds each live form under its stem, and nothing else,
 * except that a stem whose one form is itself is not listed.
 */
static void
check_stemforms(struct idx_txn *txn, const struct model *m)
{
    struct pair *pairs = malloc((m->nocc + 1) * sizeof *pairs);
    struct idx_cursor *c;
    size_t n = 0, i, unlisted = 0;
    int r, rc;

    cr_assert_not_null(pairs, "malloc");
    for (i = 0; i < m->nocc; i++)
        if (i == 0 || m->forms[i].t != m->forms[i - 1].t)
            pairs[n++] = (struct pair){m->forms[i].t->stem, m->forms[i].t};
    qsort(pairs, n, sizeof *pairs, cmp_pair);
    rc = idx_cursor_open(txn, IDX_STEMFORMS, &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    r = idx_cursor_first(c);
    for (i = 0; i < n; i++) {
        const void *k = NULL, *v = NULL;
        size_t klen = 0, vlen = 0;
        int alone = (i == 0 || pairs[i - 1].stem != pairs[i].stem) &&
                    (i + 1 == n || pairs[i + 1].stem != pairs[i].stem) &&
                    pairs[i].stem == pairs[i].form;
        if (r == 1) {
            rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
            cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        }
        if (r == 1 && mem_eq(k, klen, pairs[i].stem->s, pairs[i].stem->len) &&
            mem_eq(v, vlen, pairs[i].form->s, pairs[i].form->len)) {
            cr_assert(!alone || !stemforms_canonical,
                      "stem %s lists only itself", pairs[i].stem->s);
            r = idx_cursor_next(c);
            continue;
        }
        cr_assert(alone,
                  "stem/form pair %s/%s missing (the table has %.*s/%.*s)",
                  pairs[i].stem->s, pairs[i].form->s, (int)klen,
                  (const char *)k, (int)vlen, (const char *)v);
        unlisted++;
    }
    cr_assert(n == 0 || unlisted > 0 || !stemforms_canonical,
              "no stem whose one form is itself among %zu pairs", n);
    cr_assert_geq(r, 0, "stemforms walk: %s", se_strerror(r));
    if (r == 1) {
        const void *k, *v;
        size_t klen, vlen;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        cr_assert_fail("extra stem/form pair %.*s/%.*s", (int)klen,
                       (const char *)k, (int)vlen, (const char *)v);
    }
    idx_cursor_close(c);
    free(pairs);
}

static void
count_is(struct idx_txn *txn, enum idx_table t, uint64_t want, const char *what)
{
    uint64_t n;
    int rc = idx_count(txn, t, &n);

    cr_assert_eq(rc, SE_OK, "count %s: %s", what, se_strerror(rc));
    cr_assert_eq(n, want, "%s: %llu entries, expected %llu", what,
                 (unsigned long long)n, (unsigned long long)want);
}

/*
 * The index in `dir` holds exactly the live documents live[0..n) (each
 * found by its external id), no other, with `next_doc` ids given out, and
 * the postings and statistics the model computes from them. `packed`: see
 * check_blocks().
 */
static void
check_index(const char *dir, const struct cdoc *const *live, size_t n,
            uint32_t next_doc, int packed)
{
    struct buf text = BUF_INIT;
    struct doc_text *dt;
    struct doc_meta meta;
    struct doc_lens dl;
    struct idx_txn *txn;
    struct model m;
    struct idx *ix;
    uint32_t *ids = malloc((n + 1) * sizeof *ids), d, len;
    char *seen = calloc((size_t)next_doc + 1, 1);
    size_t i;
    int rc;

    cr_assert(ids && seen, "malloc");
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open %s: %s", dir, se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));

    rc = doc_meta_load(txn, &meta);
    cr_assert_eq(rc, SE_OK, "doc_meta_load: %s", se_strerror(rc));
    cr_assert(meta.format >= DOC_FORMAT_OLDEST &&
                  meta.format <= DOC_FORMAT_VERSION,
              "format %u", meta.format);
    cr_assert_str_eq(meta.language, "english");
    cr_assert_eq(meta.docs, n, "meta: %llu documents, expected %zu",
                 (unsigned long long)meta.docs, n);
    cr_assert_eq(meta.next_doc, next_doc, "meta: next_doc %u, expected %u",
                 meta.next_doc, next_doc);

    for (i = 0; i < n; i++) {
        rc = doc_lookup(txn, live[i]->id, live[i]->id_len, &ids[i]);
        cr_assert_eq(rc, SE_OK, "lookup of id %s: %s", live[i]->id,
                     se_strerror(rc));
        cr_assert_lt(ids[i], next_doc, "id %s is doc %u >= next_doc %u",
                     live[i]->id, ids[i], next_doc);
        cr_assert(!seen[ids[i]], "two ids map to doc %u", ids[i]);
        seen[ids[i]] = 1;
    }
    model_build(&m, live, ids, n, next_doc);
    cr_assert_eq(meta.total_len, m.total_len,
                 "meta: total_len %llu, model "
                 "%llu",
                 (unsigned long long)meta.total_len,
                 (unsigned long long)m.total_len);
    count_is(txn, IDX_DOCS, n, "docs");
    count_is(txn, IDX_IDS, n, "ids");
    count_is(txn, IDX_TEXT, n, "text");

    /* Records, lengths and text of the live documents. */
    doc_lens_init(&dl, txn);
    for (i = 0; i < n; i++) {
        const struct cdoc *w = live[i];
        struct doc_record r;
        d = ids[i];
        rc = doc_get(txn, d, &r);
        cr_assert_eq(rc, SE_OK, "doc_get %u: %s", d, se_strerror(rc));
        cr_assert(mem_eq(r.id, r.id_len, w->id, w->id_len),
                  "doc %u: id '%.*s', expected '%s'", d, (int)r.id_len, r.id,
                  w->id);
        cr_assert(mem_eq(r.title, r.title_len, w->title, w->title_len),
                  "doc %u: title '%.*s', expected '%s'", d, (int)r.title_len,
                  r.title, w->title);
        cr_assert(mem_eq(r.date, r.date_len, w->date, w->date_len),
                  "doc %u: date '%.*s', expected '%s'", d, (int)r.date_len,
                  r.date, w->date);
        cr_assert_eq(r.len, m.lens[d], "doc %u: len %u, model %u", d, r.len,
                     m.lens[d]);
        cr_assert_eq(r.title_tokens, m.title_tokens[d],
                     "doc %u: title_tokens %u, model %u", d, r.title_tokens,
                     m.title_tokens[d]);
        rc = doc_lens_get(&dl, d, &len);
        cr_assert_eq(rc, SE_OK, "doc_lens_get %u: %s", d, se_strerror(rc));
        cr_assert_eq(len, m.lens[d], "doc %u: length table %u, model %u", d,
                     len, m.lens[d]);
        rc = doc_text_get(dt, txn, d, &text);
        cr_assert_eq(rc, SE_OK, "doc_text_get %u: %s", d, se_strerror(rc));
        cr_assert(mem_eq(text.data, text.len, w->body, w->body_len),
                  "doc %u (%s): stored text differs (%zu bytes, expected "
                  "%zu)",
                  d, w->id, text.len, w->body_len);
    }
    /* Ids given out but not live (replaced, deleted): nothing left. */
    for (d = 0; d < next_doc + 2; d++) {
        struct doc_record r;
        if (d < next_doc && seen[d])
            continue;
        rc = doc_get(txn, d, &r);
        cr_assert_eq(rc, SE_ENOTFOUND, "dead doc %u has a record: %s", d,
                     se_strerror(rc));
        rc = doc_lens_get(&dl, d, &len);
        cr_assert(rc == SE_OK && len == 0, "dead doc %u has length %u (%s)", d,
                  len, se_strerror(rc));
        rc = doc_text_get(dt, txn, d, &text);
        cr_assert_eq(rc, SE_ENOTFOUND, "dead doc %u has text: %s", d,
                     se_strerror(rc));
    }

    check_lists(txn, &m, PL_FORMS);
    check_lists(txn, &m, PL_STEMS);
    check_blocks(txn, &m, PL_FORMS, packed);
    check_blocks(txn, &m, PL_STEMS, packed);
    check_stemforms(txn, &m);

    model_release(&m);
    doc_text_free(dt);
    buf_release(&text);
    idx_txn_abort(txn);
    idx_close(ix);
    free(ids);
    free(seen);
}

/* Pointers to docs[0..n), for check_index(). */
static const struct cdoc **
ptrs(const struct cdoc *docs, size_t n)
{
    const struct cdoc **p = malloc((n + 1) * sizeof *p);
    size_t i;

    cr_assert_not_null(p, "malloc");
    for (i = 0; i < n; i++)
        p[i] = &docs[i];
    return p;
}

/* ---------------------------------------------------------------- */
/* Dumps: an index's decoded content as text, to compare two indexes */
/* ---------------------------------------------------------------- */

static void
dump_bytes(struct buf *out, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
            buf_putc(out, s[i]);
        else
            buf_printf(out, "\\x%02x", s[i]);
    }
}

static void
dump_list(struct buf *out, enum pl_kind kind, const char *term, size_t len,
          struct pl *p)
{
    int r, rc;

    buf_printf(out, "%c ", kind == PL_FORMS ? 'F' : 'S');
    dump_bytes(out, term, len);
    buf_printf(out, " df=%u cf=%llu:", pl_stats(p)->df,
               (unsigned long long)pl_stats(p)->cf);
    while ((r = pl_next(p)) == 1) {
        uint32_t tf, np, i;
        const uint32_t *pos;
        rc = pl_tf(p, &tf);
        cr_assert_eq(rc, SE_OK, "pl_tf: %s", se_strerror(rc));
        buf_printf(out, " %u/%u", pl_doc(p), tf);
        if (kind == PL_FORMS) {
            rc = pl_positions(p, &pos, &np);
            cr_assert_eq(rc, SE_OK, "pl_positions: %s", se_strerror(rc));
            for (i = 0; i < np; i++)
                buf_printf(out, "%c%u", i ? ',' : '@', pos[i]);
        }
    }
    cr_assert_eq(r, 0, "pl_next: %s", se_strerror(r));
    buf_putc(out, '\n');
}

/*
 * Every list of `kind` as the searcher reads it: each form's, and each
 * stem's, its own or its one form's (expand.h), whichever serves it.
 */
static void
dump_lists(struct idx_txn *txn, enum pl_kind kind, struct buf *out)
{
    struct idx_cursor *c;
    struct doc_meta m;
    struct stem *sm;
    char **stems;
    size_t n, i;
    int r, rc;

    if (kind == PL_STEMS) {
        cr_assert_eq(doc_meta_load(txn, &m), SE_OK, "meta");
        cr_assert_eq(stem_new(m.language, &sm), SE_OK, "stemmer");
        stems = tu_index_stems(txn, sm, &n);
        for (i = 0; i < n; i++) {
            struct exp_stem_list l;
            struct pl *p;
            rc = exp_stem_list(txn, sm, stems[i], strlen(stems[i]), &l);
            cr_assert_eq(rc, SE_OK, "stem %s: %s", stems[i], se_strerror(rc));
            rc = pl_open(txn, l.kind, l.term, l.len, &p);
            cr_assert_eq(rc, SE_OK, "pl_open: %s", se_strerror(rc));
            dump_list(out, PL_STEMS, stems[i], strlen(stems[i]), p);
            pl_close(p);
        }
        tu_strs_free(stems, n);
        stem_free(sm);
        return;
    }
    rc = idx_cursor_open(txn, IDX_FDICT, &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const void *k, *v;
        size_t klen, vlen;
        struct pl *p;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        rc = pl_open(txn, PL_FORMS, k, klen, &p);
        cr_assert_eq(rc, SE_OK, "pl_open: %s", se_strerror(rc));
        dump_list(out, PL_FORMS, k, klen, p);
        pl_close(p);
    }
    cr_assert_eq(r, 0, "walk: %s", se_strerror(r));
    idx_cursor_close(c);
}

/* Block headers: the layout of the lists and their block-max data. */
static void
dump_blocks(struct idx_txn *txn, enum pl_kind kind, struct buf *out)
{
    struct idx_cursor *c;
    int r, rc;

    rc = idx_cursor_open(txn, pl_post_table(kind), &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const void *k, *v;
        size_t klen, vlen;
        struct post_view pv;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        rc = post_parse(v, vlen, &pv);
        cr_assert_eq(rc, SE_OK, "post_parse: %s", se_strerror(rc));
        buf_printf(out, "B%c ", kind == PL_FORMS ? 'F' : 'S');
        dump_bytes(out, k, klen);
        buf_printf(out, " n=%u first=%u max_tf=%u min_len=%u pos=%u\n", pv.n,
                   pv.first_doc, pv.max_tf, pv.min_len, pv.pos_count);
    }
    cr_assert_eq(r, 0, "walk: %s", se_strerror(r));
    idx_cursor_close(c);
}

/* Both sides of a walk over a table as raw key = value (ids, stemforms). */
/* Where dump_table() writes, and the table's tag. */
struct dump_to {
    struct buf *out;
    const char *tag;
};

static void
dump_entry(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
    struct dump_to *d = arg;

    buf_printf(d->out, "%s ", d->tag);
    dump_bytes(d->out, k, klen);
    buf_puts(d->out, " = ");
    dump_bytes(d->out, v, vlen);
    buf_putc(d->out, '\n');
}

static void
dump_table(struct idx_txn *txn, enum idx_table t, const char *tag,
           struct buf *out)
{
    struct dump_to d = {out, tag};

    tu_table_each(txn, t, dump_entry, &d);
}

/* Everything in the index at `dir`, decoded, as text into `out`. */
static void
dump_index(const char *dir, struct buf *out)
{
    struct buf text = BUF_INIT;
    struct doc_text *dt;
    struct doc_meta meta;
    struct doc_lens dl;
    struct idx_txn *txn;
    struct idx *ix;
    uint32_t d, len;
    int rc;

    buf_clear(out);
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open %s: %s", dir, se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));
    rc = doc_meta_load(txn, &meta);
    cr_assert_eq(rc, SE_OK, "doc_meta_load: %s", se_strerror(rc));
    buf_printf(out,
               "meta format=%u language=%s docs=%llu total=%llu "
               "next=%u\n",
               meta.format, meta.language, (unsigned long long)meta.docs,
               (unsigned long long)meta.total_len, meta.next_doc);
    doc_lens_init(&dl, txn);
    for (d = 0; d < meta.next_doc + 2; d++) {
        struct doc_record r;
        rc = doc_lens_get(&dl, d, &len);
        cr_assert_eq(rc, SE_OK, "doc_lens_get: %s", se_strerror(rc));
        rc = doc_get(txn, d, &r);
        if (rc == SE_ENOTFOUND) {
            buf_printf(out, "nodoc %u len=%u\n", d, len);
            continue;
        }
        cr_assert_eq(rc, SE_OK, "doc_get %u: %s", d, se_strerror(rc));
        buf_printf(out, "doc %u len=%u/%u title_tokens=%u id=", d, r.len, len,
                   r.title_tokens);
        dump_bytes(out, r.id, r.id_len);
        buf_puts(out, " title=");
        dump_bytes(out, r.title, r.title_len);
        buf_puts(out, " date=");
        dump_bytes(out, r.date, r.date_len);
        rc = doc_text_get(dt, txn, d, &text);
        cr_assert_eq(rc, SE_OK, "doc_text_get %u: %s", d, se_strerror(rc));
        buf_puts(out, " text=");
        dump_bytes(out, text.data, text.len);
        buf_putc(out, '\n');
    }
    dump_lists(txn, PL_FORMS, out);
    dump_lists(txn, PL_STEMS, out);
    dump_blocks(txn, PL_FORMS, out);
    dump_blocks(txn, PL_STEMS, out);
    dump_table(txn, IDX_STEMFORMS, "SF", out);
    dump_table(txn, IDX_IDS, "ID", out);
    doc_text_free(dt);
    buf_release(&text);
    idx_txn_abort(txn);
    idx_close(ix);
}

/* The stored text's bytes as written and the metadata (its dictionary
 * too), appended to `out`: which documents were compressed with the
 * dictionary must not depend on the threads. */
static void
dump_stored(const char *dir, struct buf *out)
{
    struct idx_txn *txn;
    struct idx *ix;
    int rc;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open %s: %s", dir, se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    dump_table(txn, IDX_META, "ME", out);
    dump_table(txn, IDX_TEXT, "TX", out);
    idx_txn_abort(txn);
    idx_close(ix);
}

/* Equal dumps, or a failure quoting the first line where they differ. */
static void
assert_same_dump(const struct buf *a, const struct buf *b, const char *what)
{
    size_t i = 0, line = 1, start = 0, ea, eb;

    if (mem_eq(a->data, a->len, b->data, b->len))
        return;
    while (i < a->len && i < b->len && a->data[i] == b->data[i]) {
        if (a->data[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    for (ea = start; ea < a->len && a->data[ea] != '\n'; ea++)
        ;
    for (eb = start; eb < b->len && b->data[eb] != '\n'; eb++)
        ;
    cr_assert_fail("%s: indexes differ at line %zu:\n  expected: %.*s\n"
                   "  got:      %.*s",
                   what, line, (int)(ea - start > 300 ? 300 : ea - start),
                   (const char *)a->data + start,
                   (int)(eb - start > 300 ? 300 : eb - start),
                   (const char *)b->data + start);
}

/* ---------------------------------------------------------------- */
/* Tests                                                             */
/* ---------------------------------------------------------------- */

TestSuite(writer, .init = setup, .fini = teardown);

#define NDOCS 2000

Test(writer, reuters_index_matches_the_model)
{
    struct cdoc *docs = corpus_load(NDOCS);
    const struct cdoc **live = ptrs(docs, NDOCS);
    uint64_t tokens_before = 0, bytes = 0;
    const struct wr_stats *st;
    struct idx_txn *txn;
    struct idx *ix;
    struct wr *w;
    char dir[128];
    size_t i;
    int rc;

    sub_dir("ix", dir, sizeof dir);
    w = wr_open_ok(dir, 0);
    cr_assert_str_eq(wr_language(w), "english");
    for (i = 0; i < NDOCS; i++) {
        add_ok(w, &docs[i]);
        bytes += docs[i].title_len + docs[i].body_len;
    }
    commit_ok(w);
    st = wr_stats(w);
    cr_assert_eq(st->added, NDOCS, "added %llu", (unsigned long long)st->added);
    cr_assert_eq(st->replaced, 0, "replaced %llu",
                 (unsigned long long)st->replaced);
    cr_assert_eq(st->deleted, 0, "deleted");
    cr_assert_eq(st->bytes, bytes, "bytes %llu, expected %llu",
                 (unsigned long long)st->bytes, (unsigned long long)bytes);
    cr_assert_geq(st->commits, 1, "no commit counted");
    tokens_before = st->tokens;
    wr_close(w);

    check_index(dir, live, NDOCS, NDOCS, 1);

    /* Ids are given out in order of adding, from 0; tokens as counted. */
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    {
        struct doc_meta meta;
        rc = doc_meta_load(txn, &meta);
        cr_assert_eq(rc, SE_OK, "meta: %s", se_strerror(rc));
        cr_assert_eq(tokens_before, meta.total_len,
                     "wr_stats tokens %llu, index total %llu",
                     (unsigned long long)tokens_before,
                     (unsigned long long)meta.total_len);
    }
    for (i = 0; i < NDOCS; i++) {
        uint32_t d;
        rc = doc_lookup(txn, docs[i].id, docs[i].id_len, &d);
        cr_assert_eq(rc, SE_OK, "lookup: %s", se_strerror(rc));
        cr_assert_eq(d, i, "document #%zu got id %u", i, d);
    }
    /* Most stems are rare words of one form, which serves them. */
    {
        struct stem *sm;
        uint64_t listed;
        size_t nstems;
        char **stems;
        cr_assert_eq(stem_new("english", &sm), SE_OK, "stemmer");
        stems = tu_index_stems(txn, sm, &nstems);
        tu_strs_free(stems, nstems);
        cr_assert_eq(idx_count(txn, IDX_SDICT, &listed), SE_OK, "count");
        cr_assert(listed > 0 && listed < nstems / 2,
                  "%llu of %zu stems have a list of their own",
                  (unsigned long long)listed, nstems);
        stem_free(sm);
    }
    /* The corpus has what the test means to cover. */
    {
        size_t no_title = 0, no_body = 0;
        for (i = 0; i < NDOCS; i++) {
            no_title += docs[i].title_len == 0;
            no_body += docs[i].body_len == 0;
        }
        cr_assert(no_title > 0 && no_body > 0,
                  "slice lacks documents without title (%zu) or body (%zu)",
                  no_title, no_body);
    }
    idx_txn_abort(txn);
    idx_close(ix);
    free(live);
    corpus_free(docs, NDOCS);
}

/* Documents at the edges: empty, title only, no tokens, long tokens,
 * frequent words (lists of many blocks), long ids, repeated words. */
Test(writer, edge_documents_match_the_model)
{
    enum { N = 400 };
    struct cdoc *docs = calloc(N, sizeof *docs);
    const struct cdoc **live;
    char id[600], body[4000], longword[300];
    struct wr *w;
    char dir[128];
    size_t i;

    cr_assert_not_null(docs);
    memset(longword, 'q', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    cdoc_set(&docs[0], "empty", "", "", "");
    cdoc_set(&docs[1], "title-only", "Title Only Here", "", "");
    cdoc_set(&docs[2], "no-tokens", "!!! ---", "", "... ,,, ;;; ---");
    cdoc_set(&docs[3], "body-only", "", "1987-02-26", "running runs ran run");
    snprintf(body, sizeof body, "%s %s and again %s", longword, longword,
             longword);
    cdoc_set(&docs[4], "long-token", "Long", "", body);
    memset(id, 'i', 500);
    id[500] = '\0';
    cdoc_set(&docs[5], id, "Longest id", "", "an id of PL_TERM_MAX bytes");
    cdoc_set(&docs[6], "unicode", "Café CAFE café", "",
             "Ærøskøbing straße STRASSE l'été don't China's 912.7");
    for (i = 7; i < N; i++) {
        /* "common" in every document, "every" with tf i % 9 + 1, "third"
         * in every third: lists of several blocks, varied tf. */
        size_t k, at = 0;
        at += (size_t)snprintf(body + at, sizeof body - at, "common words %s",
                               i % 3 == 0 ? "third" : "");
        for (k = 0; k < i % 9 + 1; k++)
            at += (size_t)snprintf(body + at, sizeof body - at, " every");
        snprintf(id, sizeof id, "gen-%zu", i);
        cdoc_set(&docs[i], id, i % 2 ? "Generated title" : "", "", body);
    }
    sub_dir("ix", dir, sizeof dir);
    w = wr_open_ok(dir, 0);
    for (i = 0; i < N; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    wr_close(w);
    live = ptrs(docs, N);
    check_index(dir, live, N, N, 1);
    free(live);
    corpus_free(docs, N);
}

Test(writer, sessions_and_flushes_give_what_one_run_gives)
{
    struct cdoc *docs = corpus_load(NDOCS);
    struct buf one = BUF_INIT, other = BUF_INIT;
    const struct cdoc **live;
    char dir[128];
    struct wr *w;
    size_t i;

    /* One run. */
    index_docs(sub_dir("one", dir, sizeof dir), docs, NDOCS, 0);
    dump_index(dir, &one);

    /* Two sessions, split where no block boundary is. */
    sub_dir("two", dir, sizeof dir);
    index_docs(dir, docs, 1237, 0);
    w = wr_open_ok(dir, 0);
    for (i = 1237; i < NDOCS; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    wr_close(w);
    dump_index(dir, &other);
    assert_same_dump(&one, &other, "two sessions");

    /* The smallest memory budget: many flushes in one session. */
    sub_dir("tiny", dir, sizeof dir);
    w = wr_open_ok(dir, WR_MEMORY_MIN);
    for (i = 0; i < NDOCS; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    cr_assert_geq(wr_stats(w)->commits, 5,
                  "only %llu commits: the budget forced too few flushes",
                  (unsigned long long)wr_stats(w)->commits);
    wr_close(w);
    dump_index(dir, &other);
    assert_same_dump(&one, &other, "tiny memory budget");

    live = ptrs(docs, NDOCS);
    check_index(sub_dir("one", dir, sizeof dir), live, NDOCS, NDOCS, 1);
    free(live);
    buf_release(&one);
    buf_release(&other);
    corpus_free(docs, NDOCS);
}

/*
 * Worker threads prepare documents ahead of the inverter: with 2, 3 or 8
 * threads, small budgets (commits while jobs are queued), replacements and
 * deletes (which must wait for the queue), the index is the one a single
 * thread makes, down to the bytes of the stored text (its dictionary is
 * trained in the first commit, while workers compress ahead).
 */
Test(writer, threads_give_what_one_thread_gives)
{
    enum { N = 3000 };
    static const unsigned counts[] = {1, 2, 3, 8};
    struct cdoc *docs = corpus_load(N);
    struct buf one = BUF_INIT, other = BUF_INIT;
    char dir[128], name[16];
    size_t c, i;

    for (c = 0; c < sizeof counts / sizeof *counts; c++) {
        struct wr_options o = {.language = NULL,
                               .memory = WR_MEMORY_MIN,
                               .title_weight = 0,
                               .threads = counts[c]};
        struct wr *w = NULL;
        int rc;
        snprintf(name, sizeof name, "t%u", counts[c]);
        rc = wr_open(sub_dir(name, dir, sizeof dir), &o, &w);
        cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
        for (i = 0; i < N; i++) {
            add_ok(w, &docs[i]);
            /* Re-add an earlier document: a replacement in the queue. */
            if (i % 211 == 0 && i > 0)
                add_ok(w, &docs[i / 2]);
            if (i % 500 == 499) {
                rc = wr_delete(w, docs[i - 3].id, docs[i - 3].id_len);
                cr_assert_eq(rc, SE_OK, "wr_delete: %s", se_strerror(rc));
            }
        }
        commit_ok(w);
        cr_assert_geq(wr_stats(w)->commits, 3, "too few commits");
        cr_assert_eq(wr_stats(w)->deleted, N / 500, "deletes counted");
        wr_close(w);
        dump_index(dir, c == 0 ? &one : &other);
        dump_stored(dir, c == 0 ? &one : &other);
        if (c > 0)
            assert_same_dump(&one, &other, name);
    }
    buf_release(&one);
    buf_release(&other);
    corpus_free(docs, N);
}

/* How document `doc`'s stored text was written: its first byte, or -1. */
static int
text_method(struct idx_txn *txn, uint32_t doc)
{
    unsigned char key[4];
    const void *v;
    size_t n;

    idx_put_be32(key, doc);
    if (idx_get(txn, IDX_TEXT, key, 4, &v, &n) != SE_OK || n == 0)
        return -1;
    return *(const unsigned char *)v;
}

/*
 * The stored text gets a dictionary once a run has seen DOC_DICT_SAMPLE
 * bytes of bodies: the documents until then are compressed without it
 * (method 1), every later one with it (2), short ones raw (0). A later run
 * keeps the dictionary and uses it from its first document; an index of
 * less text has none.
 */
Test(writer, stored_text_gets_a_dictionary_after_the_sample)
{
    enum { N = 1200, MORE = 100 };
    struct cdoc *docs = corpus_load(N + MORE);
    const void *dict1, *dict2;
    struct buf first = BUF_INIT;
    struct idx_txn *txn;
    struct idx *ix;
    struct wr *w;
    size_t i, bytes = 0, n1, n2;
    char dir[128];
    int m, rc;

    index_docs(sub_dir("ix", dir, sizeof dir), docs, N, 0);
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK);
    txn = NULL;
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    rc = idx_get(txn, IDX_META, "text_dict", 9, &dict1, &n1);
    cr_assert_eq(rc, SE_OK, "no dictionary: %s", se_strerror(rc));
    cr_assert(n1 > 1000 && n1 <= DOC_DICT_MAX, "dictionary of %zu bytes", n1);
    cr_assert_eq(buf_append(&first, dict1, n1), SE_OK);
    for (i = 0; i < N; i++) {
        m = text_method(txn, (uint32_t)i);
        if (docs[i].body_len < 64)
            cr_assert_eq(m, 0, "doc %zu of %zu bytes", i, docs[i].body_len);
        else
            /* The body that fills the sample is the first with it. */
            cr_assert_eq(m, bytes + docs[i].body_len < DOC_DICT_SAMPLE ? 1 : 2,
                         "doc %zu, after %zu bytes of bodies", i, bytes);
        bytes += docs[i].body_len;
    }
    idx_txn_abort(txn);
    idx_close(ix);

    w = wr_open_ok(dir, 0);
    for (i = N; i < N + MORE; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    wr_close(w);
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_get(txn, IDX_META, "text_dict", 9, &dict2, &n2), SE_OK);
    cr_assert(mem_eq(dict2, n2, first.data, first.len),
              "the second run changed the dictionary");
    for (i = N; i < N + MORE; i++)
        cr_assert_eq(text_method(txn, (uint32_t)i),
                     docs[i].body_len < 64 ? 0 : 2, "doc %zu", i);
    idx_txn_abort(txn);
    idx_close(ix);

    index_docs(sub_dir("small", dir, sizeof dir), docs, 100, 0);
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    rc = idx_get(txn, IDX_META, "text_dict", 9, &dict2, &n2);
    cr_assert_eq(rc, SE_ENOTFOUND, "100 documents: %s", se_strerror(rc));
    for (i = 0; i < 100; i++)
        cr_assert_eq(text_method(txn, (uint32_t)i),
                     docs[i].body_len < 64 ? 0 : 1, "doc %zu", i);
    idx_txn_abort(txn);
    idx_close(ix);
    buf_release(&first);
    corpus_free(docs, N + MORE);
}

Test(writer, many_small_sessions_give_what_one_run_gives)
{
    enum { N = 700 };
    struct cdoc *docs = corpus_load(N);
    struct buf one = BUF_INIT, other = BUF_INIT;
    char dir[128];
    struct wr *w;
    size_t i, at, step;

    index_docs(sub_dir("one", dir, sizeof dir), docs, N, 0);
    dump_index(dir, &one);
    /* Sessions of 1, 2, 3, 5, 8... documents, some with several commits;
     * each appends to the partial last blocks of the one before. */
    sub_dir("many", dir, sizeof dir);
    for (at = 0, step = 1, i = 1; at < N;) {
        size_t k, end = at + step < N ? at + step : N, t;
        w = wr_open_ok(dir, 0);
        for (k = at; k < end; k++) {
            add_ok(w, &docs[k]);
            if (k % 97 == 0)
                commit_ok(w);
        }
        commit_ok(w);
        wr_close(w);
        at = end;
        t = step + i;
        i = step;
        step = t > 300 ? 1 : t;
    }
    dump_index(dir, &other);
    assert_same_dump(&one, &other, "many sessions");
    buf_release(&one);
    buf_release(&other);
    corpus_free(docs, N);
}

/* One list kept in a dictionary entry, copied out of the map. */
struct kept {
    enum pl_kind kind;
    char term[PL_TERM_MAX];
    size_t len;
    struct pl_stats st;
    unsigned char block[2 * PL_INLINE_MAX]; /* full, as format 1 wrote it */
    size_t block_len;
};

/*
 * The full block (post_encode(), lengths from the index) of the lean one
 * that an entry with statistics `st` keeps, into `out` (cap bytes).
 */
static size_t
full_block(struct idx_txn *txn, const unsigned char *lean, size_t len,
           const struct pl_stats *st, unsigned char *out, size_t cap)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], lens[POST_BLOCK_DOCS];
    uint32_t pos[8 * PL_INLINE_MAX], i;
    struct buf b = BUF_INIT;
    struct doc_lens dl;
    struct post_view v;
    size_t n;

    cr_assert_eq(post_parse_lean(lean, len, st->df, st->cf, &v), SE_OK);
    cr_assert(v.pos_count <= sizeof pos / sizeof *pos, "positions");
    cr_assert(post_decode_docs(&v, docs) == SE_OK &&
              post_decode_tfs(&v, tfs) == SE_OK &&
              (!v.pos || post_decode_positions(&v, tfs, pos) == SE_OK));
    doc_lens_init(&dl, txn);
    for (i = 0; i < v.n; i++)
        cr_assert_eq(doc_lens_get(&dl, docs[i], &lens[i]), SE_OK);
    cr_assert_eq(post_encode(docs, tfs, lens, v.pos ? pos : NULL, v.n, &b),
                 SE_OK);
    cr_assert_leq(b.len, cap, "full block of %zu bytes", b.len);
    memcpy(out, b.data, b.len);
    n = b.len;
    buf_release(&b);
    return n;
}

/*
 * Lists kept in dictionary entries in the index in `dir` (count only when
 * `out` is NULL).
 */
static size_t
kept_lists(struct idx_txn *txn, struct kept *out, size_t cap)
{
    static const enum pl_kind kinds[] = {PL_STEMS, PL_FORMS};
    size_t n = 0, k;

    for (k = 0; k < 2; k++) {
        struct idx_cursor *c;
        int r, rc = idx_cursor_open(txn, pl_dict_table(kinds[k]), &c);
        cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
        for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
            const void *kv, *v;
            size_t klen, vlen;
            struct pl_entry e;
            rc = idx_cursor_get(c, &kv, &klen, &v, &vlen);
            cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
            cr_assert_eq(pl_entry_decode(v, vlen, &e), SE_OK, "entry");
            if (e.block == NULL)
                continue;
            if (out) {
                cr_assert_lt(n, cap, "more kept lists than counted");
                out[n].kind = kinds[k];
                memcpy(out[n].term, kv, klen);
                out[n].len = klen;
                out[n].st = e.st;
                out[n].block_len =
                    full_block(txn, e.block, e.block_len, &e.st,
                               out[n].block, sizeof out[n].block);
            }
            n++;
        }
        cr_assert_eq(r, 0, "walk: %s", se_strerror(r));
        idx_cursor_close(c);
    }
    return n;
}

/* Write the list of stem `stem` as blocks in the postings table, copied
 * off the docs and tfs of form list `p`, with statistics `st`. */
static void
put_stem_blocks(struct idx_txn *txn, const char *stem, size_t slen,
                struct pl *p, const struct pl_stats *st)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], lens[POST_BLOCK_DOCS];
    unsigned char key[PL_KEY_MAX];
    struct buf b = BUF_INIT;
    struct doc_lens dl;
    uint32_t n = 0;
    int r;

    doc_lens_init(&dl, txn);
    do {
        r = pl_next(p);
        cr_assert_geq(r, 0, "pl_next");
        if (r == 1) {
            docs[n] = pl_doc(p);
            cr_assert_eq(pl_tf(p, &tfs[n]), SE_OK);
            cr_assert_eq(doc_lens_get(&dl, docs[n], &lens[n]), SE_OK);
            n++;
        }
        if (n > 0 && (n == POST_BLOCK_DOCS || r == 0)) {
            buf_clear(&b);
            cr_assert_eq(post_encode(docs, tfs, lens, NULL, n, &b), SE_OK);
            cr_assert_eq(idx_put(txn, IDX_STEMS, key,
                                 pl_key(stem, slen, docs[n - 1], key), b.data,
                                 b.len, 0),
                         SE_OK, "put stem block");
            n = 0;
        }
    } while (r == 1);
    buf_release(&b);
    cr_assert_eq(pl_entry_put(txn, PL_STEMS, stem, slen, st, NULL, 0), SE_OK);
}

/*
 * Before format 7 every stem had a list of its own: give one to each stem
 * that its one form serves. Returns how many.
 */
static size_t
give_stems_lists(struct idx_txn *txn)
{
    struct doc_meta meta;
    struct idx_cursor *c;
    struct buf forms = BUF_INIT;
    struct stem *sm;
    size_t at, given = 0;
    int r;

    cr_assert_eq(doc_meta_load(txn, &meta), SE_OK, "meta");
    cr_assert_eq(stem_new(meta.language, &sm), SE_OK, "stemmer");
    cr_assert_eq(idx_cursor_open(txn, IDX_FDICT, &c), SE_OK, "cursor");
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const void *k;
        size_t klen;
        cr_assert_eq(idx_cursor_get(c, &k, &klen, NULL, NULL), SE_OK);
        cr_assert(buf_put_varint(&forms, (uint32_t)klen) == SE_OK &&
                  buf_append(&forms, k, klen) == SE_OK);
    }
    idx_cursor_close(c);
    for (at = 0; at < forms.len;) {
        const unsigned char *f = forms.data + at;
        char stem[PL_TERM_MAX];
        struct exp_stem_list l;
        const char *s;
        uint32_t flen;
        size_t slen;
        struct pl *p;
        cr_assert_eq(buf_get_varint(&f, forms.data + forms.len, &flen), SE_OK);
        at = (size_t)(f - forms.data) + flen;
        cr_assert_eq(stem_word(sm, (const char *)f, flen, &s, &slen), SE_OK);
        if (slen == 0 || slen > PL_TERM_MAX)
            continue;
        memcpy(stem, s, slen);
        cr_assert_eq(exp_stem_list(txn, sm, stem, slen, &l), SE_OK, "%.*s",
                     (int)slen, stem);
        if (l.kind == PL_STEMS)
            continue;
        cr_assert(l.len == flen && memcmp(l.term, f, flen) == 0,
                  "stem %.*s served by %s, not by its form %.*s", (int)slen,
                  stem, l.term, (int)flen, (const char *)f);
        cr_assert_eq(pl_open(txn, PL_FORMS, l.term, l.len, &p), SE_OK);
        put_stem_blocks(txn, stem, slen, p, &l.entry.st);
        pl_close(p);
        given++;
    }
    buf_release(&forms);
    stem_free(sm);
    return given;
}

/*
 * Open the index in `dir` for writing, give each stem a list of its own,
 * and copy out the lists its dictionary entries keep (at least one); *n of
 * them. Caller frees.
 */
static struct kept *
open_kept(const char *dir, struct idx **ix, struct idx_txn **txn, size_t *n)
{
    struct kept *kl;

    cr_assert_eq(idx_open(dir, 0, ix), SE_OK, "idx_open");
    cr_assert_eq(idx_txn_begin(*ix, 1, txn), SE_OK, "txn");
    cr_assert_gt(give_stems_lists(*txn), 0, "no stem is served by its form");
    *n = kept_lists(*txn, NULL, 0);
    cr_assert_gt(*n, 0, "no list is kept in the dictionary");
    kl = malloc(*n * sizeof *kl);
    cr_assert_not_null(kl, "malloc");
    cr_assert_eq(kept_lists(*txn, kl, *n), *n, "count");
    return kl;
}

/* Mark the index opened by open_kept() format `format`, commit, close. */
static void
close_kept(struct idx *ix, struct idx_txn *txn, struct kept *kl,
           unsigned char format)
{
    const unsigned char le32[4] = {format, 0, 0, 0};

    cr_assert_eq(idx_put(txn, IDX_META, "format", 6, le32, 4, 0), SE_OK);
    cr_assert_eq(idx_txn_commit(txn), SE_OK, "commit");
    idx_close(ix);
    free(kl);
}

/* chk_index() finds the index in `dir` sound (`what`: for the message). */
static void
assert_sound(const char *dir, const char *what)
{
    struct chk_report rep;
    struct idx *ix;
    int rc;

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK, "idx_open");
    rc = chk_index(ix, &rep);
    cr_assert_eq(rc, SE_OK, "%s: %s", what, rep.what);
    idx_close(ix);
}

/*
 * Rewrite the index in `dir` as format 1 wrote it: every list that its
 * dictionary entry keeps moved under its own key in the postings table,
 * every stem listed with its forms in IDX_STEMFORMS, and "format" 1.
 */
static void
make_format1(const char *dir)
{
    struct idx_txn *txn;
    struct kept *kl;
    struct idx *ix;
    size_t n, i;
    int rc;

    kl = open_kept(dir, &ix, &txn, &n);
    for (i = 0; i < n; i++) {
        unsigned char key[PL_KEY_MAX];
        uint32_t docs[POST_BLOCK_DOCS];
        struct post_view pv;
        cr_assert_eq(post_parse(kl[i].block, kl[i].block_len, &pv), SE_OK);
        cr_assert_eq(post_decode_docs(&pv, docs), SE_OK);
        rc = idx_put(txn, pl_post_table(kl[i].kind), key,
                     pl_key(kl[i].term, kl[i].len, docs[pv.n - 1], key),
                     kl[i].block, kl[i].block_len, 0);
        cr_assert_eq(rc, SE_OK, "put block: %s", se_strerror(rc));
        rc = pl_entry_put(txn, kl[i].kind, kl[i].term, kl[i].len, &kl[i].st,
                          NULL, 0);
        cr_assert_eq(rc, SE_OK, "put entry: %s", se_strerror(rc));
    }
    /* Format 1 lists a stem whose one form is itself, too. */
    {
        struct idx_cursor *c;
        struct buf stems = BUF_INIT;
        size_t at, listed = 0;
        int r;
        cr_assert_eq(idx_cursor_open(txn, IDX_SDICT, &c), SE_OK, "cursor");
        for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
            const void *k, *v;
            size_t klen, vlen;
            cr_assert_eq(idx_cursor_get(c, &k, &klen, NULL, NULL), SE_OK);
            rc = idx_get(txn, IDX_STEMFORMS, k, klen, &v, &vlen);
            if (rc == SE_ENOTFOUND) {
                buf_put_varint(&stems, (uint32_t)klen);
                buf_append(&stems, k, klen);
            } else {
                cr_assert_eq(rc, SE_OK, "stemforms: %s", se_strerror(rc));
            }
        }
        idx_cursor_close(c);
        for (at = 0; at < stems.len;) {
            const unsigned char *p = stems.data + at;
            uint32_t len;
            cr_assert_eq(buf_get_varint(&p, stems.data + stems.len, &len),
                         SE_OK);
            rc = idx_put(txn, IDX_STEMFORMS, p, len, p, len, IDX_NODUPDATA);
            cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
            at = (size_t)(p - stems.data) + len;
            listed++;
        }
        cr_assert_gt(listed, 0, "no stem was its one form");
        buf_release(&stems);
    }
    close_kept(ix, txn, kl, 1);
}

/*
 * Rewrite the index in `dir` as formats 2 to 5 wrote it: each list kept in
 * a dictionary entry as a full block, not a lean one, and "format" 5.
 */
static void
make_format5(const char *dir)
{
    struct idx_txn *txn;
    struct kept *kl;
    struct idx *ix;
    size_t n, i;
    int rc;

    kl = open_kept(dir, &ix, &txn, &n);
    for (i = 0; i < n; i++) {
        struct buf val = BUF_INIT;
        cr_assert(buf_put_varint(&val, kl[i].st.df) == SE_OK &&
                  buf_put_varint64(&val, kl[i].st.cf) == SE_OK &&
                  buf_append(&val, kl[i].block, kl[i].block_len) == SE_OK);
        rc = idx_put(txn, pl_dict_table(kl[i].kind), kl[i].term, kl[i].len,
                     val.data, val.len, 0);
        cr_assert_eq(rc, SE_OK, "put entry: %s", se_strerror(rc));
        buf_release(&val);
    }
    close_kept(ix, txn, kl, 5);
}

/* How many lists kept in dictionary entries are lean, and how many full. */
static void
lean_and_full(const char *dir, size_t *lean, size_t *full)
{
    static const enum pl_kind kinds[] = {PL_STEMS, PL_FORMS};
    struct idx_txn *txn;
    struct idx *ix;
    size_t k;

    *lean = *full = 0;
    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK, "idx_open");
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK, "txn");
    for (k = 0; k < 2; k++) {
        struct idx_cursor *c;
        int r;
        cr_assert_eq(idx_cursor_open(txn, pl_dict_table(kinds[k]), &c), SE_OK);
        for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
            const void *kv, *v;
            size_t klen, vlen;
            struct pl_entry e;
            cr_assert_eq(idx_cursor_get(c, &kv, &klen, &v, &vlen), SE_OK);
            cr_assert_eq(pl_entry_decode(v, vlen, &e), SE_OK, "entry");
            if (e.block)
                (e.block[0] & POST_F_LEAN ? lean : full)[0]++;
        }
        idx_cursor_close(c);
    }
    idx_txn_abort(txn);
    idx_close(ix);
}

/* The index's format and how many lists its dictionary entries keep. */
static void
format_and_kept(const char *dir, uint32_t *format, size_t *kept)
{
    struct doc_meta meta;
    struct idx_txn *txn;
    struct idx *ix;

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK, "idx_open");
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK, "txn");
    cr_assert_eq(doc_meta_load(txn, &meta), SE_OK, "doc_meta_load");
    *format = meta.format;
    *kept = kept_lists(txn, NULL, 0);
    idx_txn_abort(txn);
    idx_close(ix);
}

/*
 * An index written by format 1 (every list under its own keys) reads as
 * the model says; a writer appends to it, and its first commit marks it
 * format 2, whose new short lists go into the dictionary.
 */
Test(writer, a_format1_index_is_read_and_upgraded_by_the_next_commit)
{
    enum { N = 700, FIRST = 500 };
    struct cdoc *docs = corpus_load(N);
    const struct cdoc **live = ptrs(docs, N);
    uint32_t format;
    size_t kept, i;
    char dir[128];
    struct wr *w;

    index_docs(sub_dir("ix", dir, sizeof dir), docs, FIRST, 0);
    make_format1(dir);
    format_and_kept(dir, &format, &kept);
    cr_assert(format == 1 && kept == 0, "format %u, %zu lists kept", format,
              kept);
    stemforms_canonical = 0; /* format 1 lists every stem's forms */
    check_index(dir, live, FIRST, FIRST, 1);
    assert_sound(dir, "check of format 1");
    w = wr_open_ok(dir, 0);
    for (i = FIRST; i < N; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    wr_close(w);
    format_and_kept(dir, &format, &kept);
    cr_assert(format == DOC_FORMAT_VERSION && kept > 0,
              "format %u, %zu lists kept", format, kept);
    check_index(dir, live, N, N, 1);
    stemforms_canonical = 1;
    free(live);
    corpus_free(docs, N);
}

/*
 * An index written by formats 2 to 5 (full blocks in dictionary entries)
 * reads as the model says and checks sound; a writer appends to it and
 * replaces some of its documents, which rewrites the entries it touches
 * lean and leaves the others full, and the index still matches the model.
 */
static void new_version(struct cdoc *out, const struct cdoc *d,
                        const char *title, const char *body);

Test(writer, full_blocks_in_entries_are_read_and_rewritten_lean)
{
    enum { N = 700, FIRST = 500, EVERY = 9 };
    struct cdoc *docs = corpus_load(N), *v2 = calloc(N, sizeof *v2);
    const struct cdoc **live = ptrs(docs, N);
    size_t kept, lean, full, i, nrep = 0;
    uint32_t format;
    char dir[128];
    struct wr *w;

    cr_assert_not_null(v2, "calloc");
    index_docs(sub_dir("ix", dir, sizeof dir), docs, FIRST, 0);
    make_format5(dir);
    format_and_kept(dir, &format, &kept);
    lean_and_full(dir, &lean, &full);
    cr_assert(format == 5 && kept > 0 && lean == 0 && full == kept,
              "format %u, %zu lists kept, %zu lean", format, kept, lean);
    check_index(dir, live, FIRST, FIRST, 1);
    assert_sound(dir, "check of full blocks");
    w = wr_open_ok(dir, 0);
    for (i = FIRST; i < N; i++)
        add_ok(w, &docs[i]);
    /* Replacing a document takes its postings out of full blocks. */
    for (i = 0; i < FIRST; i += EVERY) {
        new_version(&v2[i], &docs[i], docs[i + 1].title, docs[i + 1].body);
        add_ok(w, &v2[i]);
        live[i] = &v2[i];
        nrep++;
    }
    commit_ok(w);
    wr_close(w);
    format_and_kept(dir, &format, &kept);
    lean_and_full(dir, &lean, &full);
    cr_assert(format == DOC_FORMAT_VERSION && lean > 0 && full > 0,
              "format %u, %zu lean, %zu full", format, lean, full);
    /* (replacing leaves partial blocks before a list's last) */
    check_index(dir, live, N, (uint32_t)(N + nrep), 0);
    assert_sound(dir, "check after the commit");
    for (i = 0; i < FIRST; i += EVERY)
        cdoc_release(&v2[i]);
    free(v2);
    free(live);
    corpus_free(docs, N);
}

/* A copy of `d` with a new title and body (id and date kept). */
static void
new_version(struct cdoc *out, const struct cdoc *d, const char *title,
            const char *body)
{
    cdoc_set(out, d->id, title, d->date, body);
}

Test(writer, replacing_by_id_across_sessions)
{
    enum { N = 600, EVERY = 6 };
    struct cdoc *docs = corpus_load(N), *v2 = calloc(N, sizeof *v2);
    const struct cdoc **live = malloc(N * sizeof *live);
    char dir[128], buf[20000];
    struct pl_stats st;
    struct idx_txn *txn;
    struct idx *ix;
    struct wr *w;
    size_t i, nrep = 0;
    int rc;

    cr_assert(v2 && live, "calloc");
    /* The first versions of the documents to replace carry a word no
     * other document has; the second versions carry another. */
    for (i = 0; i < N; i += EVERY) {
        snprintf(buf, sizeof buf, "%s zzoldonly", docs[i].body);
        free(docs[i].body);
        docs[i].body = dup_str(buf, &docs[i].body_len);
    }
    sub_dir("ix", dir, sizeof dir);
    index_docs(dir, docs, N, 0);

    w = wr_open_ok(dir, 0);
    for (i = 0; i < N; i++) {
        live[i] = &docs[i];
        if (i % EVERY != 0)
            continue;
        /* Another document's text, plus the new-only word. */
        snprintf(buf, sizeof buf, "%s zznewonly", docs[(i + 7) % N].body);
        new_version(&v2[i], &docs[i], docs[(i + 7) % N].title, buf);
        add_ok(w, &v2[i]);
        live[i] = &v2[i];
        nrep++;
    }
    commit_ok(w);
    cr_assert_eq(wr_stats(w)->replaced, nrep, "replaced %llu of %zu",
                 (unsigned long long)wr_stats(w)->replaced, nrep);
    cr_assert_eq(wr_stats(w)->added, nrep, "added %llu",
                 (unsigned long long)wr_stats(w)->added);
    wr_close(w);

    check_index(dir, live, N, (uint32_t)(N + nrep), 0);
    /* Spelled out: the old-only word is gone everywhere, the new is in. */
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    rc = pl_stats_get(txn, PL_FORMS, "zzoldonly", 9, &st);
    cr_assert_eq(rc, SE_ENOTFOUND, "old-only form left: %s", se_strerror(rc));
    rc = pl_stats_get(txn, PL_STEMS, "zzoldon", 7, &st);
    cr_assert_eq(rc, SE_ENOTFOUND, "old-only stem left: %s", se_strerror(rc));
    rc = pl_stats_get(txn, PL_FORMS, "zznewonly", 9, &st);
    cr_assert_eq(rc, SE_OK, "new-only form: %s", se_strerror(rc));
    cr_assert_eq(st.df, nrep, "new-only form in %u docs, expected %zu", st.df,
                 nrep);
    idx_txn_abort(txn);
    idx_close(ix);
    for (i = 0; i < N; i++)
        cdoc_release(&v2[i]);
    free(v2);
    free(live);
    corpus_free(docs, N);
}

Test(writer, duplicate_ids_in_one_batch_keep_the_last)
{
    enum { N = 300 };
    struct cdoc *docs = corpus_load(N), extra[16];
    const struct cdoc **live = malloc(N * sizeof *live);
    size_t i, nextra = 0;
    char dir[128];
    struct wr *w;

    cr_assert_not_null(live);
    sub_dir("ix", dir, sizeof dir);
    w = wr_open_ok(dir, 0);
    /* The very first document, added twice in a row. */
    new_version(&extra[nextra], &docs[0], "first version", "alpha beta");
    add_ok(w, &extra[nextra++]);
    for (i = 0; i < N; i++) {
        add_ok(w, &docs[i]);
        live[i] = &docs[i];
    }
    /* Ids 10..19 again, with the text of other documents, all still in
     * the batch; then id 10 a third time. */
    for (i = 10; i < 20; i++) {
        new_version(&extra[nextra], &docs[i], docs[i + 100].title,
                    docs[i + 100].body);
        add_ok(w, &extra[nextra]);
        live[i] = &extra[nextra++];
    }
    new_version(&extra[nextra], &docs[10], "third of ten", "epsilon");
    add_ok(w, &extra[nextra]);
    live[10] = &extra[nextra++];
    /* And a document whose new version is empty. */
    cdoc_set(&extra[nextra], docs[20].id, "", "", "");
    add_ok(w, &extra[nextra]);
    live[20] = &extra[nextra++];
    commit_ok(w);
    cr_assert_eq(wr_stats(w)->replaced, nextra, "replaced %llu, expected %zu",
                 (unsigned long long)wr_stats(w)->replaced, nextra);
    wr_close(w);
    check_index(dir, live, N, (uint32_t)(N + nextra), 0);
    for (i = 0; i < nextra; i++)
        cdoc_release(&extra[i]);
    free(live);
    corpus_free(docs, N);
}

Test(writer, delete_removes_every_trace)
{
    enum { N = 500, M = 120 };
    struct cdoc *docs = corpus_load(N + M);
    const struct cdoc **live = malloc((N + M) * sizeof *live);
    size_t i, n = 0, deleted = 0;
    struct idx_txn *txn;
    struct idx *ix;
    struct wr *w;
    char dir[128];
    int rc;

    cr_assert_not_null(live);
    sub_dir("ix", dir, sizeof dir);
    index_docs(dir, docs, N, 0);
    w = wr_open_ok(dir, 0);
    /* Committed documents: every fifth. */
    for (i = 0; i < N; i += 5, deleted++)
        delete_ok(w, &docs[i]);
    /* New ones, some deleted while still in the batch. */
    for (i = N; i < N + M; i++)
        add_ok(w, &docs[i]);
    for (i = N + 1; i < N + M; i += 6, deleted++)
        delete_ok(w, &docs[i]);
    rc = wr_delete(w, docs[0].id, docs[0].id_len);
    cr_assert_eq(rc, SE_ENOTFOUND, "deleting twice: %s", se_strerror(rc));
    rc = wr_delete(w, "no-such-id", 10);
    cr_assert_eq(rc, SE_ENOTFOUND, "deleting a missing id: %s",
                 se_strerror(rc));
    rc = wr_delete(w, "", 0);
    cr_assert_eq(rc, SE_ENOTFOUND, "deleting the empty id: %s",
                 se_strerror(rc));
    /* Deleted, then added again: a new document. */
    add_ok(w, &docs[5]);
    commit_ok(w);
    cr_assert_eq(wr_stats(w)->deleted, deleted, "deleted %llu, expected %zu",
                 (unsigned long long)wr_stats(w)->deleted, deleted);
    wr_close(w);
    for (i = 0; i < N + M; i++) {
        if ((i < N && i % 5 == 0 && i != 5) || (i > N && (i - N - 1) % 6 == 0))
            continue;
        live[n++] = &docs[i];
    }
    cr_assert_eq(n, N + M - deleted + 1, "test's own count");
    check_index(dir, live, n, N + M + 1, 0);

    /* Delete all the rest: nothing may be left but the metadata. */
    w = wr_open_ok(dir, 0);
    for (i = 0; i < n; i++)
        delete_ok(w, live[i]);
    commit_ok(w);
    wr_close(w);
    check_index(dir, live, 0, N + M + 1, 0);
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    count_is(txn, IDX_FDICT, 0, "fdict");
    count_is(txn, IDX_SDICT, 0, "sdict");
    count_is(txn, IDX_FORMS, 0, "forms");
    count_is(txn, IDX_STEMS, 0, "stems");
    count_is(txn, IDX_STEMFORMS, 0, "stemforms");
    idx_txn_abort(txn);
    idx_close(ix);
    free(live);
    corpus_free(docs, N + M);
}

Test(writer, closing_without_commit_keeps_the_last_commit)
{
    enum { N = 400 };
    struct cdoc *docs = corpus_load(N + 200), v2;
    struct buf before = BUF_INIT, after = BUF_INIT;
    char dir[128];
    struct wr *w;
    size_t i;

    sub_dir("ix", dir, sizeof dir);
    index_docs(dir, docs, N, 0);
    dump_index(dir, &before);
    /* Adds, replacements and deletes, then close without committing. */
    w = wr_open_ok(dir, 0);
    for (i = N; i < N + 200; i++)
        add_ok(w, &docs[i]);
    for (i = 0; i < 30; i++)
        delete_ok(w, &docs[i * 3]);
    delete_ok(w, &docs[N + 5]); /* in the batch: flushed, not committed */
    new_version(&v2, &docs[1], "replaced", "this never gets committed");
    add_ok(w, &v2);
    {
        /* A failed call in the session changes nothing either. */
        struct wr_doc bad = as_wr(&v2);
        int rc;
        bad.id_len = 0;
        rc = wr_add(w, &bad);
        cr_assert_eq(rc, SE_EINVAL, "empty id: %s", se_strerror(rc));
    }
    cr_assert_eq(wr_stats(w)->commits, 0,
                 "the session committed: the test "
                 "checks nothing");
    wr_close(w);
    dump_index(dir, &after);
    assert_same_dump(&before, &after, "after an uncommitted session");
    /* Opening and committing nothing changes nothing either. */
    w = wr_open_ok(dir, 0);
    commit_ok(w);
    wr_close(w);
    dump_index(dir, &after);
    assert_same_dump(&before, &after, "after an empty commit");
    {
        const struct cdoc **live = ptrs(docs, N);
        check_index(dir, live, N, N, 1);
        free(live);
    }
    cdoc_release(&v2);
    buf_release(&before);
    buf_release(&after);
    corpus_free(docs, N + 200);
}

/*
 * The memory budget counts what is buffered. Replacing a document builds a
 * temporary table of its old terms; that table is freed at once and must
 * not count, or replacing many documents commits early and often.
 */
Test(writer, replacing_buffers_its_removals_within_the_budget)
{
    enum { N = 300 };
    struct cdoc *docs = corpus_load(N), *tiny = calloc(N, sizeof *tiny);
    const struct cdoc **live = malloc(N * sizeof *live);
    char dir[128];
    struct wr *w;
    size_t i;

    cr_assert(tiny && live, "calloc");
    sub_dir("ix", dir, sizeof dir);
    index_docs(dir, docs, N, 0);
    w = wr_open_ok(dir, WR_MEMORY_MIN);
    for (i = 0; i < N; i++) {
        new_version(&tiny[i], &docs[i], "", "x");
        add_ok(w, &tiny[i]);
        live[i] = &tiny[i];
    }
    /*
     * 300 one-word documents buffer a few kilobytes; the removals of the
     * documents they replace (their postings, removed at the flush) are
     * buffered too, 8 bytes a posting: a few commits at 1 MiB, not one
     * per document.
     */
    cr_assert_leq(wr_stats(w)->commits, 10,
                  "%llu commits while replacing %zu documents",
                  (unsigned long long)wr_stats(w)->commits, (size_t)N);
    commit_ok(w);
    wr_close(w);
    check_index(dir, live, N, 2 * N, 1);
    for (i = 0; i < N; i++)
        cdoc_release(&tiny[i]);
    free(tiny);
    free(live);
    corpus_free(docs, N);
}

/* What the index holds after the writer stopped: exactly the first
 * next_doc documents, those of its commits. */
static uint32_t
committed_prefix(const char *dir)
{
    struct doc_meta meta;
    struct idx_txn *txn;
    struct idx *ix;
    int rc;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    rc = doc_meta_load(txn, &meta);
    cr_assert_eq(rc, SE_OK, "meta: %s", se_strerror(rc));
    idx_txn_abort(txn);
    idx_close(ix);
    return meta.next_doc;
}

Test(writer, automatic_commits_leave_complete_indexes)
{
    enum { N = 1000 };
    struct cdoc *docs = corpus_load(N);
    const struct cdoc **live = ptrs(docs, N);
    uint32_t k;
    char dir[128];
    struct wr *w;
    size_t i;

    sub_dir("ix", dir, sizeof dir);
    w = wr_open_ok(dir, WR_MEMORY_MIN);
    for (i = 0; i < N; i++) {
        uint64_t before = wr_stats(w)->commits;
        add_ok(w, &docs[i]);
        /* Stop after two commits, with a document left waiting. */
        if (wr_stats(w)->commits >= 2 && wr_stats(w)->commits == before)
            break;
    }
    cr_assert_lt(i, N, "the budget forced %llu commits in %d documents",
                 (unsigned long long)wr_stats(w)->commits, (int)N);
    wr_close(w); /* the documents since the last flush are dropped */
    k = committed_prefix(dir);
    cr_assert(k > 0 && k <= i, "%u documents committed of %zu", k, i + 1);
    check_index(dir, live, k, k, 1);
    free(live);
    corpus_free(docs, N);
}

Test(writer, killed_writer_leaves_its_last_commit_and_reruns_cleanly)
{
    struct cdoc *docs = corpus_load(NDOCS);
    const struct cdoc **live = ptrs(docs, NDOCS);
    int status;
    uint32_t k;
    char dir[128];
    pid_t pid;
    struct wr *w;
    size_t i;

    sub_dir("ix", dir, sizeof dir);
    pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* The child indexes with a tiny budget and is killed after its
         * second automatic commit plus a few more documents. */
        struct wr_options o = {.language = NULL,
                               .memory = WR_MEMORY_MIN,
                               .title_weight = 0,
                               .threads = 1};
        struct wr *cw;
        size_t extra = 0;
        if (wr_open(dir, &o, &cw) != SE_OK)
            _exit(2);
        for (i = 0; i < NDOCS; i++) {
            struct wr_doc wd = as_wr(&docs[i]);
            if (wr_add(cw, &wd) != SE_OK)
                _exit(3);
            if (wr_stats(cw)->commits >= 2 && ++extra == 50)
                raise(SIGKILL);
        }
        _exit(4);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid");
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child did not die as planned (exit %d)",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    k = committed_prefix(dir);
    cr_assert(k > 0 && k < NDOCS - 50, "%u documents committed", k);
    check_index(dir, live, k, k, 1);

    /* Running the whole input again replaces what was there: no doubles. */
    w = wr_open_ok(dir, 0);
    for (i = 0; i < NDOCS; i++)
        add_ok(w, &docs[i]);
    commit_ok(w);
    cr_assert_eq(wr_stats(w)->replaced, k, "replaced %llu, committed %u",
                 (unsigned long long)wr_stats(w)->replaced, k);
    wr_close(w);
    check_index(dir, live, NDOCS, k + NDOCS, 0);
    free(live);
    corpus_free(docs, NDOCS);
}

Test(writer, bad_ids_and_foreign_dirs_are_refused)
{
    struct cdoc d;
    struct wr_doc wd;
    struct wr *w = (struct wr *)&w;
    char dir[128], id[PL_TERM_MAX + 2];
    FILE *f;
    int rc;

    sub_dir("ix", dir, sizeof dir);
    w = wr_open_ok(dir, 0);
    memset(id, 'x', sizeof id);
    id[sizeof id - 1] = '\0';
    cdoc_set(&d, id, "Title", "", "some body text");
    wd = as_wr(&d);
    wd.id_len = PL_TERM_MAX + 1;
    rc = wr_add(w, &wd);
    cr_assert_eq(rc, SE_EINVAL, "id of %d bytes: %s", PL_TERM_MAX + 1,
                 se_strerror(rc));
    wd.id_len = 0;
    rc = wr_add(w, &wd);
    cr_assert_eq(rc, SE_EINVAL, "empty id: %s", se_strerror(rc));
    wd.id_len = PL_TERM_MAX;
    rc = wr_add(w, &wd);
    cr_assert_eq(rc, SE_OK, "id of PL_TERM_MAX bytes: %s", se_strerror(rc));
    cr_assert_eq(wr_stats(w)->added, 1, "refused documents were counted");
    commit_ok(w);
    wr_close(w);
    d.id[PL_TERM_MAX] = '\0';
    d.id_len = PL_TERM_MAX;
    {
        const struct cdoc *one = &d;
        check_index(dir, &one, 1, 1, 1);
    }
    cdoc_release(&d);

    /* A folder with other files in it is not made an index. */
    sub_dir("foreign", dir, sizeof dir);
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir");
    strcat(dir, "/file.txt");
    f = fopen(dir, "w");
    cr_assert_not_null(f, "fopen");
    fputs("hello\n", f);
    fclose(f);
    sub_dir("foreign", dir, sizeof dir);
    w = (struct wr *)&w;
    {
        struct wr_options o = {
            .language = NULL, .memory = 0, .title_weight = 0, .threads = 1};
        rc = wr_open(dir, &o, &w);
    }
    cr_assert_eq(rc, SE_ENOINDEX, "foreign dir: %s", se_strerror(rc));
    cr_assert_null(w, "*out must be NULL on failure");
    wr_close(NULL);
}

Test(writer, the_language_is_fixed_at_creation)
{
    struct wr_options o = {
        .language = "french", .memory = 0, .title_weight = 0, .threads = 1};
    struct cdoc d;
    struct idx_txn *txn;
    struct idx *ix;
    struct wr *w;
    char dir[128];
    int rc;

    sub_dir("ix", dir, sizeof dir);
    o.language = "klingon";
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_ELANG, "unknown language: %s", se_strerror(rc));
    o.language = "French";
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open french: %s", se_strerror(rc));
    cr_assert_str_eq(wr_language(w), "french");
    cdoc_set(&d, "fr-1", "Les chanteuses", "", "continuellement");
    add_ok(w, &d);
    commit_ok(w);
    wr_close(w);
    /* Reopened: the index's language wins; another one is refused. */
    o.language = NULL;
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "reopen: %s", se_strerror(rc));
    cr_assert_str_eq(wr_language(w), "french");
    wr_close(w);
    o.language = "fr";
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "reopen with fr: %s", se_strerror(rc));
    wr_close(w);
    o.language = "english";
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_ELANG, "reopen with english: %s", se_strerror(rc));
    /* Stems are French ones. */
    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    {
        struct stem *s;
        const char *stem;
        size_t slen;
        rc = stem_new("french", &s);
        cr_assert_eq(rc, SE_OK, "stem_new: %s", se_strerror(rc));
        rc = stem_word(s, "chanteuses", 10, &stem, &slen);
        cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
        struct exp_stem_list l;
        rc = exp_stem_list(txn, s, stem, slen, &l);
        cr_assert_eq(rc, SE_OK, "french stem: %s", se_strerror(rc));
        cr_assert(l.entry.st.df == 1 && l.entry.st.cf == 1, "df %u cf %llu",
                  l.entry.st.df, (unsigned long long)l.entry.st.cf);
        stem_free(s);
    }
    idx_txn_abort(txn);
    idx_close(ix);
    cdoc_release(&d);
}

/* ---------------------------------------------------------------- */
/* Title weight                                                      */
/* ---------------------------------------------------------------- */

static const char *const tw_docs[][3] = {
    {"a", "Cotton harvest in Xinjiang", "The cotton harvest began early."},
    {"b", "Oil prices", "Cotton and oil prices fell; the harvest was poor."},
    {"c", "", "Xinjiang exports cotton, cotton and more cotton."},
    {"d", "Harvesting machines", "Machines harvest wheat and cotton."},
};

/* Index tw_docs into `dir`, each title written `copies` times. */
static void
tw_index(const char *dir, unsigned weight, int copies)
{
    struct wr_options o = {
        .language = NULL, .memory = 0, .title_weight = weight, .threads = 1};
    struct wr *w;
    size_t i;
    int rc, k;

    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    for (i = 0; i < sizeof tw_docs / sizeof tw_docs[0]; i++) {
        char title[256] = "";
        for (k = 0; k < copies && tw_docs[i][1][0]; k++) {
            strcat(title, k ? " " : "");
            strcat(title, tw_docs[i][1]);
        }
        struct wr_doc d = {
            tw_docs[i][0],        1, title, strlen(title), "", 0, tw_docs[i][2],
            strlen(tw_docs[i][2])};
        rc = wr_add(w, &d);
        cr_assert_eq(rc, SE_OK, "wr_add %s: %s", tw_docs[i][0],
                     se_strerror(rc));
    }
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
}

/* Every stem's df, cf and postings (doc, tf), every length, the meta. */
static void
tw_dump(const char *dir, struct buf *out)
{
    struct idx *ix;
    struct idx_txn *txn;
    struct doc_meta m;
    struct doc_lens dl;
    uint32_t doc, len;
    int rc;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    idx_txn_begin(ix, 0, &txn);
    rc = doc_meta_load(txn, &m);
    cr_assert_eq(rc, SE_OK, "meta: %s", se_strerror(rc));
    buf_printf(out, "docs %llu total %llu\n", (unsigned long long)m.docs,
               (unsigned long long)m.total_len);
    doc_lens_init(&dl, txn);
    for (doc = 0; doc < m.next_doc; doc++) {
        doc_lens_get(&dl, doc, &len);
        buf_printf(out, "len %u %u\n", doc, len);
    }
    dump_lists(txn, PL_STEMS, out);
    idx_txn_abort(txn);
    idx_close(ix);
}

/*
 * The list that serves `stem` in the index at `dir` is of `kind`, with df,
 * cf and the (doc, tf) pairs `want` ("0/1 2/3").
 */
static void
assert_served(const char *dir, const char *stem, enum pl_kind kind,
              const char *want)
{
    struct exp_stem_list l;
    struct buf got = BUF_INIT;
    struct idx_txn *txn;
    struct stem *sm;
    struct idx *ix;
    struct pl *p;

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK, "idx_open");
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK, "txn");
    cr_assert_eq(stem_new("english", &sm), SE_OK, "stemmer");
    cr_assert_eq(exp_stem_list(txn, sm, stem, strlen(stem), &l), SE_OK,
                 "stem %s", stem);
    cr_assert_eq(l.kind, kind, "stem %s: served by %s %s", stem,
                 l.kind == PL_STEMS ? "its own list" : "the form", l.term);
    cr_assert_eq(pl_open(txn, l.kind, l.term, l.len, &p), SE_OK, "pl_open");
    while (pl_next(p) == 1) {
        uint32_t tf;
        cr_assert_eq(pl_tf(p, &tf), SE_OK, "pl_tf");
        buf_printf(&got, "%s%u/%u", got.len ? " " : "", pl_doc(p), tf);
    }
    cr_assert_str_eq(buf_cstr(&got), want, "stem %s", stem);
    pl_close(p);
    buf_release(&got);
    stem_free(sm);
    idx_txn_abort(txn);
    idx_close(ix);
}

/*
 * A stem has a list of its own only once its one form cannot serve it: a
 * second form, or (title weight 2) a title occurrence counted twice. The
 * list then starts with the documents the form served. Deleting the second
 * form's documents leaves the list in place.
 */
Test(writer, a_stem_gets_its_own_list_when_its_one_form_cannot_serve_it)
{
    static const char *const docs[][3] = {
        {"a", "", "cotton harvest"},
        {"b", "", "harvests were late"},
        {"c", "Cotton", "cotton prices"},
    };
    struct wr_options o = {
        .language = NULL, .memory = 0, .title_weight = 2, .threads = 1};
    char dir[128];
    struct wr *w;
    size_t i;

    sub_dir("own", dir, sizeof dir);
    for (i = 0; i < 3; i++) {
        struct wr_doc d = {docs[i][0], 1, docs[i][1], strlen(docs[i][1]),
                           "", 0, docs[i][2], strlen(docs[i][2])};
        cr_assert_eq(wr_open(dir, &o, &w), SE_OK, "wr_open");
        cr_assert_eq(wr_add(w, &d), SE_OK, "wr_add %s", docs[i][0]);
        commit_ok(w);
        wr_close(w);
        assert_sound(dir, docs[i][0]);
        if (i == 0) {
            assert_served(dir, "harvest", PL_FORMS, "0/1");
            assert_served(dir, "cotton", PL_FORMS, "0/1");
        }
    }
    assert_served(dir, "harvest", PL_STEMS, "0/1 1/1");
    assert_served(dir, "cotton", PL_STEMS, "0/1 2/3");
    assert_served(dir, "price", PL_FORMS, "2/1");
    cr_assert_eq(wr_open(dir, &o, &w), SE_OK, "wr_open");
    cr_assert_eq(wr_delete(w, "b", 1), SE_OK, "wr_delete");
    commit_ok(w);
    wr_close(w);
    assert_sound(dir, "after the delete");
    assert_served(dir, "harvest", PL_STEMS, "0/1");
}

Test(writer, title_weight_counts_the_title_as_if_written_that_many_times)
{
    char a[128], b[128], c[128];
    struct buf da = BUF_INIT, db = BUF_INIT, dc = BUF_INIT;
    struct wr_options o = {
        .language = NULL, .memory = 0, .title_weight = 3, .threads = 1};
    struct wr *w;
    int rc;

    /* Weight 2 gives the stem frequencies and lengths of titles written
     * twice (positions differ, so forms are not compared). */
    tw_index(sub_dir("w2", a, sizeof a), 2, 1);
    tw_index(sub_dir("copies", b, sizeof b), 1, 2);
    tw_dump(a, &da);
    tw_dump(b, &db);
    cr_assert_str_eq(buf_cstr(&da), buf_cstr(&db),
                     "weight 2:\n%s\ntitle twice:\n%s", buf_cstr(&da),
                     buf_cstr(&db));
    /* Replacing every document by itself removes exactly what was added:
     * the same as a second run into a fresh weight-2 index, and the same
     * totals as the single run. */
    tw_index(a, 0, 1);
    buf_clear(&da);
    tw_dump(a, &da);
    tw_index(sub_dir("w2again", c, sizeof c), 2, 1);
    tw_index(c, 2, 1);
    tw_dump(c, &dc);
    cr_assert_str_eq(buf_cstr(&da), buf_cstr(&dc),
                     "replaced:\n%s\ntwo runs:\n%s", buf_cstr(&da),
                     buf_cstr(&dc));
    cr_assert(strncmp(buf_cstr(&da), buf_cstr(&db),
                      strcspn(buf_cstr(&db), "\n")) == 0,
              "totals after replacing: %.40s, first run: %.40s", buf_cstr(&da),
              buf_cstr(&db));
    /* The weight is fixed at creation: another one is refused. */
    rc = wr_open(a, &o, &w);
    cr_assert_eq(rc, SE_EINVAL, "weight 3 on a weight-2 index: %s",
                 se_strerror(rc));
    buf_release(&da);
    buf_release(&db);
    buf_release(&dc);
}
