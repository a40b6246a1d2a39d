/*
 * check.c - verifies an index's invariants (see check.h for the list).
 *
 * The idea: read every table once, in key order, in one read transaction,
 * and compare what each table says with what the others add up to. The
 * documents come first, into a sorted array (the docs table is keyed by
 * big-endian id, so a cursor gives them in order); the posting lists are
 * then scanned block by block, merged with their dictionary (both sorted by
 * term: a block key is the term, 0x00, then the last doc id, so a term's
 * blocks come before those of any longer term it prefixes), and each
 * posting adds its frequency to its document, which must end up with the
 * length its record and `lens` give. Nothing is trusted before it is
 * checked; the decoders of posting.h and docstore.h say SE_ECORRUPT rather
 * than read outside a value, and a failure of theirs is reported here with
 * its place.
 *
 * Cost: one pass over every table, plus decompressing and tokenizing each
 * stored text (about half the time on Reuters-21578) and stemming each form
 * once. Memory: 28 bytes a document and 32 a term, plus one block's
 * positions.
 *
 * A stem whose list would be its one form's (format 7) has no list of its
 * own; that form's postings are then read again, as the stem's, for the
 * documents' sums.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "plist.h"
#include "posting.h"
#include "stemmer.h"
#include "tokenizer.h"

struct chk_doc {
    uint32_t id;
    uint32_t len;      /* record: title and body tokens */
    uint32_t title;    /* record: title tokens */
    uint32_t slen;     /* scoring length, as `lens` must hold it */
    uint32_t form_sum; /* sum of its tfs in the forms lists */
    uint64_t stem_sum; /* sum of its tfs in the stems lists */
};

/* A term seen in a posting table; `s` points into the map (read txn). */
struct chk_term {
    const unsigned char *s;
    uint32_t len;
    uint32_t seen; /* found in stemforms */
    uint64_t cf;
    uint64_t wcf; /* forms: cf with title occurrences weighted */
};

struct chk_terms {
    struct chk_term *v;
    size_t n, cap;
};

struct chk {
    struct idx_txn *txn;
    struct chk_report *rep;
    struct doc_meta meta;
    struct stem *stem;
    struct tok *tok;
    struct doc_text *text;
    struct buf body;
    struct chk_doc *docs;
    size_t ndocs, docs_cap;
    struct chk_terms forms, stems;
    uint64_t served; /* stems without a list, served by their one form */
    uint32_t bdocs[POST_BLOCK_DOCS], btfs[POST_BLOCK_DOCS];
    uint32_t *pos;
    size_t pos_cap;
};

/* ---------------------------------------------------------------- report */

/* Write `s` (`n` bytes) quoted, bytes outside printable ASCII as \xNN. */
static void
quote(char *out, size_t size, const unsigned char *s, size_t n)
{
    size_t o = 0, i;

    if (size < 8)
        return;
    out[o++] = '"';
    for (i = 0; i < n && o + 6 < size; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
            out[o++] = (char)s[i];
        else
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", s[i]);
    }
    if (i < n)
        o += (size_t)snprintf(out + o, size - o, "...");
    out[o++] = '"';
    out[o] = '\0';
}

/* The key of a table whose keys are terms (with the block's last doc). */
static void
key_term(struct chk *c, const void *term, size_t len, int has_last,
         uint32_t last)
{
    quote(c->rep->key, sizeof c->rep->key - 16, term, len);
    if (has_last)
        snprintf(c->rep->key + strlen(c->rep->key), 16, " @%u", (unsigned)last);
}

static void
key_doc(struct chk *c, uint32_t doc)
{
    snprintf(c->rep->key, sizeof c->rep->key, "doc %u", (unsigned)doc);
}

static void
key_raw(struct chk *c, const void *key, size_t klen)
{
    quote(c->rep->key, sizeof c->rep->key, key, klen);
}

/* Record the violation (the key was set just before) and say so. */
__attribute__((format(printf, 4, 5))) static int
fail(struct chk *c, enum idx_table t, uint32_t doc, const char *fmt, ...)
{
    va_list ap;

    c->rep->table = t;
    c->rep->doc = doc;
    va_start(ap, fmt);
    vsnprintf(c->rep->what, sizeof c->rep->what, fmt, ap);
    va_end(ap);
    return SE_ECORRUPT;
}

int
chk_format(const struct chk_report *rep, char *out, size_t size)
{
    if (rep->doc != CHK_NO_DOC)
        return snprintf(out, size, "%s, key %s, doc %u: %s",
                        idx_table_name(rep->table), rep->key,
                        (unsigned)rep->doc, rep->what);
    return snprintf(out, size, "%s, key %s: %s", idx_table_name(rep->table),
                    rep->key, rep->what);
}

/* ---------------------------------------------------------------- helpers */

static uint32_t
get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int
cmp_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);

    if (r != 0)
        return r;
    return (alen > blen) - (alen < blen);
}

/*
 * The document `id`, searching from *hint on (a term's documents come in
 * increasing order, so each search starts where the last one ended).
 * NULL when it is not a live document.
 */
static struct chk_doc *
find_doc(struct chk *c, uint32_t id, size_t *hint)
{
    size_t lo = *hint, hi = c->ndocs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->docs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *hint = lo;
    return lo < c->ndocs && c->docs[lo].id == id ? &c->docs[lo] : NULL;
}

static struct chk_term *
find_term(struct chk_terms *t, const void *s, size_t len)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_bytes(t->v[mid].s, t->v[mid].len, s, len);
        if (r == 0)
            return &t->v[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int
push_term(struct chk_terms *t, const unsigned char *s, size_t len, uint64_t cf,
          uint64_t wcf)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        struct chk_term *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return SE_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n].s = s;
    t->v[t->n].len = (uint32_t)len;
    t->v[t->n].seen = 0;
    t->v[t->n].cf = cf;
    t->v[t->n].wcf = wcf;
    t->n++;
    return SE_OK;
}

/* Tokens in `text`. */
static int
count_tokens(struct chk *c, const char *text, size_t len, uint32_t *n)
{
    struct tok_token t;
    int rc;

    *n = 0;
    tok_reset(c->tok, len ? text : NULL, len, 0);
    while ((rc = tok_next(c->tok, &t)) == 1)
        (*n)++;
    return rc;
}

/*
 * An error from LMDB while reading table `t`: a damaged page is a
 * violation there; anything else stops the check.
 */
static int
lmdb_error(struct chk *c, enum idx_table t, int rc)
{
    if (rc != SE_ECORRUPT)
        return rc;
    snprintf(c->rep->key, sizeof c->rep->key, "?");
    return fail(c, t, CHK_NO_DOC, "LMDB cannot read the table");
}

/* ---------------------------------------------------------------- docs */

/* One document record: decode, ids, text, tokens, lens. */
static int
check_record(struct chk *c, uint32_t id, struct doc_lens *dl)
{
    struct doc_record r;
    struct chk_doc *d;
    uint32_t other, nt, nb, len;
    int rc;

    key_doc(c, id);
    if (id >= c->meta.next_doc)
        return fail(c, IDX_DOCS, id, "id is not below the next id %u",
                    (unsigned)c->meta.next_doc);
    rc = doc_get(c->txn, id, &r);
    if (rc == SE_ECORRUPT)
        return fail(c, IDX_DOCS, id, "record does not decode");
    if (rc != SE_OK)
        return lmdb_error(c, IDX_DOCS, rc);
    if (r.id_len == 0 || r.id_len > PL_TERM_MAX)
        return fail(c, IDX_DOCS, id, "external id of %zu bytes", r.id_len);
    rc = doc_lookup(c->txn, r.id, r.id_len, &other);
    if (rc == SE_OK && other != id) {
        key_raw(c, r.id, r.id_len);
        return fail(c, IDX_IDS, id, "maps to doc %u, not to its record's doc",
                    (unsigned)other);
    }
    if (rc != SE_OK) {
        key_raw(c, r.id, r.id_len);
        if (rc == SE_ENOTFOUND)
            return fail(c, IDX_IDS, id, "the record's external id is missing");
        if (rc == SE_ECORRUPT)
            return fail(c, IDX_IDS, id, "value is not a 4-byte doc id");
        return lmdb_error(c, IDX_IDS, rc);
    }
    rc = doc_text_get(c->text, c->txn, id, &c->body);
    if (rc == SE_ENOTFOUND || rc == SE_ECORRUPT)
        return fail(c, IDX_TEXT, id,
                    rc == SE_ENOTFOUND ? "no stored text"
                                       : "stored text does not decompress");
    if (rc != SE_OK)
        return lmdb_error(c, IDX_TEXT, rc);
    rc = count_tokens(c, r.title, r.title_len, &nt);
    if (rc == SE_OK)
        rc = count_tokens(c, (const char *)c->body.data, c->body.len, &nb);
    if (rc != SE_OK)
        return rc;
    if (nt != r.title_tokens || (uint64_t)nt + nb != r.len)
        return fail(c, IDX_DOCS, id,
                    "record says %u tokens (%u in the title), its text has "
                    "%u (%u)",
                    (unsigned)r.len, (unsigned)r.title_tokens,
                    (unsigned)(nt + nb), (unsigned)nt);
    rc = doc_lens_get(dl, id, &len);
    if (rc != SE_OK) {
        snprintf(c->rep->key, sizeof c->rep->key, "chunk %u",
                 (unsigned)(id / DOC_LENS_CHUNK));
        if (rc == SE_ECORRUPT)
            return fail(c, IDX_LENS, id, "chunk is not %d lengths",
                        DOC_LENS_CHUNK);
        return lmdb_error(c, IDX_LENS, rc);
    }
    if (len != doc_scoring_length(&c->meta, nt, nb)) {
        snprintf(c->rep->key, sizeof c->rep->key, "chunk %u",
                 (unsigned)(id / DOC_LENS_CHUNK));
        return fail(c, IDX_LENS, id, "length %u, the record gives %u",
                    (unsigned)len,
                    (unsigned)doc_scoring_length(&c->meta, nt, nb));
    }
    if (c->ndocs == c->docs_cap) {
        size_t cap = c->docs_cap ? c->docs_cap * 2 : 4096;
        d = realloc(c->docs, cap * sizeof *d);
        if (d == NULL)
            return SE_ENOMEM;
        c->docs = d;
        c->docs_cap = cap;
    }
    d = &c->docs[c->ndocs++];
    memset(d, 0, sizeof *d);
    d->id = id;
    d->len = r.len;
    d->title = r.title_tokens;
    d->slen = len;
    return SE_OK;
}

static int
check_docs(struct chk *c)
{
    struct idx_cursor *cur = NULL;
    struct doc_lens dl;
    const void *k;
    size_t klen;
    uint64_t total = 0;
    int r, rc;

    doc_lens_init(&dl, c->txn);
    rc = idx_cursor_open(c->txn, IDX_DOCS, &cur);
    for (r = rc == SE_OK ? idx_cursor_first(cur) : rc; r == 1;
         r = idx_cursor_next(cur)) {
        rc = idx_cursor_get(cur, &k, &klen, NULL, NULL);
        if (rc != SE_OK)
            break;
        if (klen != 4) {
            key_raw(c, k, klen);
            rc = fail(c, IDX_DOCS, CHK_NO_DOC, "key is not a 4-byte doc id");
            break;
        }
        rc = check_record(c, idx_get_be32(k), &dl);
        if (rc != SE_OK)
            break;
        total += c->docs[c->ndocs - 1].slen;
    }
    idx_cursor_close(cur);
    if (r < 0 && rc == SE_OK)
        rc = r;
    if (rc != SE_OK)
        return rc == SE_ECORRUPT && c->rep->what[0]
                   ? rc
                   : lmdb_error(c, IDX_DOCS, rc);
    snprintf(c->rep->key, sizeof c->rep->key, "\"stats\"");
    if (c->ndocs != c->meta.docs)
        return fail(c, IDX_META, CHK_NO_DOC,
                    "says %llu documents, the docs table has %zu",
                    (unsigned long long)c->meta.docs, c->ndocs);
    if (total != c->meta.total_len)
        return fail(c, IDX_META, CHK_NO_DOC,
                    "says %llu tokens in all, the documents have %llu",
                    (unsigned long long)c->meta.total_len,
                    (unsigned long long)total);
    c->rep->docs = c->ndocs;
    return SE_OK;
}

/* ---------------------------------------------------------------- tables */

/* ids, lens and text hold nothing but what the documents account for. */
static int
check_doc_tables(struct chk *c)
{
    static const enum idx_table tables[] = {IDX_IDS, IDX_LENS, IDX_TEXT};
    struct idx_cursor *cur = NULL;
    const void *k, *v;
    size_t klen, vlen, hint, i, j;
    int r = 0, rc = SE_OK;

    for (i = 0; rc == SE_OK && i < sizeof tables / sizeof *tables; i++) {
        enum idx_table t = tables[i];
        rc = idx_cursor_open(c->txn, t, &cur);
        for (r = rc == SE_OK ? idx_cursor_first(cur) : rc; r == 1;
             r = idx_cursor_next(cur)) {
            const unsigned char *key, *val;
            uint32_t id;
            rc = idx_cursor_get(cur, &k, &klen, &v, &vlen);
            if (rc != SE_OK)
                break;
            key = k;
            val = v;
            hint = 0;
            if (t == IDX_IDS) {
                /* The record's id maps to it (check_record); any other
                 * entry maps an id no record has. */
                struct doc_record rec;
                id = vlen == 4 ? get_le32(val) : CHK_NO_DOC;
                key_raw(c, key, klen);
                if (vlen != 4 || find_doc(c, id, &hint) == NULL) {
                    rc = fail(c, t, vlen == 4 ? id : CHK_NO_DOC,
                              "maps to no document");
                    break;
                }
                rc = doc_get(c->txn, id, &rec);
                if (rc == SE_OK &&
                    cmp_bytes(rec.id, rec.id_len, key, klen) != 0)
                    rc = fail(c, t, id, "maps to a document of another id");
                if (rc != SE_OK)
                    break;
            } else if (klen != 4) {
                key_raw(c, key, klen);
                rc = fail(c, t, CHK_NO_DOC, "key is not 4 bytes");
                break;
            } else if (t == IDX_TEXT) {
                id = idx_get_be32(key);
                key_doc(c, id);
                if (find_doc(c, id, &hint) == NULL) {
                    rc = fail(c, t, id, "text of no document");
                    break;
                }
            } else {
                uint32_t chunk = idx_get_be32(key);
                snprintf(c->rep->key, sizeof c->rep->key, "chunk %u",
                         (unsigned)chunk);
                if (vlen != DOC_LENS_CHUNK * 4) {
                    rc = fail(c, t, CHK_NO_DOC, "value is not %d lengths",
                              DOC_LENS_CHUNK);
                    break;
                }
                for (j = 0; j < DOC_LENS_CHUNK; j++) {
                    uint64_t doc = (uint64_t)chunk * DOC_LENS_CHUNK + j;
                    if (get_le32(val + 4 * j) != 0 &&
                        (doc >= UINT32_MAX ||
                         find_doc(c, (uint32_t)doc, &hint) == NULL)) {
                        rc = fail(c, t, (uint32_t)doc,
                                  "length %u of no document",
                                  (unsigned)get_le32(val + 4 * j));
                        break;
                    }
                }
                if (rc != SE_OK)
                    break;
            }
        }
        idx_cursor_close(cur);
        cur = NULL;
        if (rc == SE_OK && r < 0)
            rc = lmdb_error(c, t, r);
        else if (rc != SE_OK && rc != SE_ECORRUPT)
            rc = lmdb_error(c, t, rc);
    }
    return rc;
}

/* ---------------------------------------------------------------- postings */

/* A posting table merged with its dictionary. */
struct chk_scan {
    enum pl_kind kind;
    enum idx_table dict, post;
    enum idx_table at;     /* where the block being read is: dict or post */
    struct idx_cursor *dc; /* dictionary cursor */
    int dr;                /* its state: 1 on an entry, 0 at the end */
    /* the term being read, from the map */
    const unsigned char *term;
    size_t len;
    uint32_t last; /* last doc of its previous block */
    uint64_t df, cf, wcf;
    size_t hint;
};

/* The dictionary's counts must be what the term's postings add up to; then
 * the term is recorded and the dictionary cursor moves on. */
static int
same_counts(struct chk *c, struct chk_scan *s, const struct pl_stats *st)
{
    uint32_t df = st->df;
    uint64_t cf = st->cf;
    int rc;

    if (df != s->df || cf != s->cf)
        return fail(c, s->dict, CHK_NO_DOC,
                    "says df %u cf %llu, the postings add up to df %llu "
                    "cf %llu",
                    (unsigned)df, (unsigned long long)cf,
                    (unsigned long long)s->df, (unsigned long long)s->cf);
    if (s->kind == PL_FORMS)
        rc = push_term(&c->forms, s->term, s->len, s->cf, s->wcf);
    else
        rc = push_term(&c->stems, s->term, s->len, s->cf, s->cf);
    if (rc != SE_OK)
        return rc;
    s->dr = idx_cursor_next(s->dc);
    return SE_OK;
}

/* The dictionary's entry for the term just read must say df and cf. */
static int
end_term(struct chk *c, struct chk_scan *s)
{
    const void *k, *v;
    size_t klen, vlen;
    struct pl_entry e;
    int rc, cmp;

    if (s->dr < 0)
        return lmdb_error(c, s->dict, s->dr);
    rc = s->dr == 1 ? idx_cursor_get(s->dc, &k, &klen, &v, &vlen) : SE_OK;
    if (rc != SE_OK)
        return lmdb_error(c, s->dict, rc);
    /* Both sorted: an entry before the term has no postings; after it (or
     * none), the term has no entry. */
    cmp = s->dr == 1 ? cmp_bytes(k, klen, s->term, s->len) : 1;
    if (cmp > 0) {
        key_term(c, s->term, s->len, 0, 0);
        return fail(c, s->post, CHK_NO_DOC,
                    "postings of a term the dictionary lacks");
    }
    key_term(c, k, klen, 0, 0);
    if (cmp < 0)
        return fail(c, s->dict, CHK_NO_DOC, "a term without postings");
    if (pl_entry_decode(v, vlen, &e) != SE_OK)
        return fail(c, s->dict, CHK_NO_DOC, "entry does not decode");
    if (e.block)
        return fail(c, s->dict, CHK_NO_DOC,
                    "list both in the dictionary and in the postings table");
    return same_counts(c, s, &e.st);
}

/* The positions of a forms block: inside each document, title apart. */
static int
check_positions(struct chk *c, struct chk_scan *s, const struct post_view *v,
                struct chk_doc **docs)
{
    uint32_t i, k, at = 0;
    int rc;

    if (v->pos_count > c->pos_cap) {
        uint32_t *p = realloc(c->pos, (size_t)v->pos_count * sizeof *p);
        if (p == NULL)
            return SE_ENOMEM;
        c->pos = p;
        c->pos_cap = v->pos_count;
    }
    rc = post_decode_positions(v, c->btfs, c->pos);
    if (rc != SE_OK)
        return fail(c, s->at, CHK_NO_DOC, "positions do not decode");
    for (i = 0; i < v->n; i++) {
        const struct chk_doc *d = docs[i];
        uint32_t tf = c->btfs[i], last = c->pos[at + tf - 1], title = 0;
        /* Title at 0..t-1, body from t+1 (t > 0) or 0: none at t. */
        uint32_t max = d->title ? d->len : d->len - 1;
        if (d->len == 0 || last > max)
            return fail(c, s->at, d->id,
                        "position %u past the document's end", last);
        for (k = at; k < at + tf; k++) {
            if (d->title && c->pos[k] == d->title)
                return fail(c, s->at, d->id,
                            "position %u between title and body", c->pos[k]);
            title += c->pos[k] < d->title;
        }
        s->wcf += tf + (uint64_t)(c->meta.title_weight - 1) * title;
        at += tf;
    }
    return SE_OK;
}

/* One posting block; `last` is the last document its key names, or
 * UINT32_MAX for a block kept in a dictionary entry, whose statistics are
 * `entry` (NULL for a block of the postings table). */
static int
check_block(struct chk *c, struct chk_scan *s, uint32_t last,
            const struct pl_stats *entry, const void *val, size_t vlen)
{
    struct chk_doc *docs[POST_BLOCK_DOCS];
    struct post_view v;
    uint32_t i, min_len = UINT32_MAX;
    int rc;

    rc = entry ? post_parse_lean(val, vlen, entry->df, entry->cf, &v)
               : post_parse(val, vlen, &v);
    if (rc != SE_OK)
        return fail(c, s->at, CHK_NO_DOC, "block header does not decode");
    if ((s->kind == PL_FORMS) != ((v.flags & POST_F_POSITIONS) != 0))
        return fail(c, s->at, CHK_NO_DOC, "block %s positions",
                    s->kind == PL_FORMS ? "lacks" : "has");
    if (post_decode_docs(&v, c->bdocs) != SE_OK)
        return fail(c, s->at, CHK_NO_DOC, "doc ids do not decode");
    if (last == UINT32_MAX)
        last = c->bdocs[v.n - 1]; /* a dictionary block: no key names it */
    if (c->bdocs[v.n - 1] != last)
        return fail(c, s->at, c->bdocs[v.n - 1],
                    "block ends at doc %u, its key says %u",
                    (unsigned)c->bdocs[v.n - 1], (unsigned)last);
    if (s->df > 0 && c->bdocs[0] <= s->last)
        return fail(c, s->at, c->bdocs[0],
                    "doc ids do not increase from the block before (%u)",
                    (unsigned)s->last);
    if (post_decode_tfs(&v, c->btfs) != SE_OK)
        return fail(c, s->at, CHK_NO_DOC, "frequencies do not decode");
    for (i = 0; i < v.n; i++) {
        docs[i] = find_doc(c, c->bdocs[i], &s->hint);
        if (docs[i] == NULL)
            return fail(c, s->at, c->bdocs[i], "posting of no document");
        if (docs[i]->slen < min_len)
            min_len = docs[i]->slen;
    }
    if (v.min_len > min_len)
        return fail(c, s->at, CHK_NO_DOC,
                    "block says no document is shorter than %u, one has %u",
                    (unsigned)v.min_len, (unsigned)min_len);
    /* Pruning trusts the impacts to bound every document of the block. */
    for (i = 0; i < v.n; i++) {
        uint32_t j;
        for (j = 0; j < v.nimpacts; j++)
            if (c->btfs[i] <= v.impact_tf[j] &&
                docs[i]->slen >= v.impact_len[j])
                break;
        if (j == v.nimpacts)
            return fail(c, s->at, c->bdocs[i],
                        "tf %u and length %u are above the block's impacts",
                        (unsigned)c->btfs[i], (unsigned)docs[i]->slen);
    }
    if (s->kind == PL_FORMS) {
        rc = check_positions(c, s, &v, docs);
        if (rc != SE_OK)
            return rc;
    }
    for (i = 0; i < v.n; i++) {
        if (s->kind == PL_FORMS)
            docs[i]->form_sum += c->btfs[i];
        else
            docs[i]->stem_sum += c->btfs[i];
        s->cf += c->btfs[i];
    }
    s->df += v.n;
    s->last = last;
    c->rep->blocks++;
    c->rep->postings += v.n;
    return SE_OK;
}

/*
 * Check the dictionary entries before the term (upto, ulen), or all that
 * are left when upto is NULL: each must keep its list in itself, since the
 * postings table has none of theirs.
 */
static int
drain_dict(struct chk *c, struct chk_scan *s, const unsigned char *upto,
           size_t ulen)
{
    const void *k, *v;
    size_t klen, vlen;
    struct pl_entry e;
    int rc;

    while (s->dr == 1) {
        rc = idx_cursor_get(s->dc, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            return lmdb_error(c, s->dict, rc);
        if (upto && cmp_bytes(k, klen, upto, ulen) >= 0)
            return SE_OK;
        key_term(c, k, klen, 0, 0);
        if (pl_entry_decode(v, vlen, &e) != SE_OK)
            return fail(c, s->dict, CHK_NO_DOC, "entry does not decode");
        if (e.block == NULL)
            return fail(c, s->dict, CHK_NO_DOC, "a term without postings");
        s->term = k;
        s->len = klen;
        s->df = s->cf = s->wcf = 0;
        s->hint = 0;
        s->at = s->dict;
        rc = check_block(c, s, UINT32_MAX, &e.st, e.block, e.block_len);
        if (rc == SE_OK)
            rc = same_counts(c, s, &e.st);
        if (rc != SE_OK)
            return rc;
    }
    return s->dr < 0 ? lmdb_error(c, s->dict, s->dr) : SE_OK;
}

static int
scan_postings(struct chk *c, enum pl_kind kind)
{
    struct chk_scan s;
    struct idx_cursor *cur = NULL;
    const void *k, *v;
    size_t klen, vlen;
    int r, rc;

    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.dict = pl_dict_table(kind);
    s.post = pl_post_table(kind);
    rc = idx_cursor_open(c->txn, s.dict, &s.dc);
    if (rc == SE_OK)
        rc = idx_cursor_open(c->txn, s.post, &cur);
    if (rc != SE_OK)
        goto out;
    s.dr = idx_cursor_first(s.dc);
    for (r = idx_cursor_first(cur); r == 1; r = idx_cursor_next(cur)) {
        const unsigned char *key;
        size_t tlen;
        uint32_t last;
        rc = idx_cursor_get(cur, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            break;
        key = k;
        tlen = klen >= 5 ? klen - 5 : 0;
        if (klen < 6 || tlen > PL_TERM_MAX || key[tlen] != 0 ||
            memchr(key, 0, tlen) != NULL) {
            key_raw(c, key, klen);
            rc = fail(c, s.post, CHK_NO_DOC,
                      "key is not a term, 0x00 and a doc id");
            break;
        }
        last = idx_get_be32(key + tlen + 1);
        if (s.term == NULL || cmp_bytes(s.term, s.len, key, tlen) != 0) {
            rc = s.term ? end_term(c, &s) : SE_OK;
            if (rc == SE_OK)
                rc = drain_dict(c, &s, key, tlen);
            if (rc != SE_OK)
                break;
            s.df = s.cf = s.wcf = 0;
            s.hint = 0;
        }
        s.term = key;
        s.len = tlen;
        s.at = s.post;
        key_term(c, key, tlen, 1, last);
        rc = check_block(c, &s, last, NULL, v, vlen);
        if (rc != SE_OK)
            break;
    }
    if (rc == SE_OK && r < 0)
        rc = lmdb_error(c, s.post, r);
    else if (rc != SE_OK && rc != SE_ECORRUPT)
        rc = lmdb_error(c, s.post, rc);
    if (rc == SE_OK && s.term && s.at == s.post)
        rc = end_term(c, &s);
    if (rc == SE_OK)
        rc = drain_dict(c, &s, NULL, 0);
out:
    idx_cursor_close(cur);
    idx_cursor_close(s.dc);
    return rc;
}

/* ---------------------------------------------------------------- stemforms */

/*
 * The stem (stem, len) has no list of its own: its one form `f` serves it,
 * which is right only if no title occurrence of `f` counts extra. The
 * form's tfs are then the stem's in each document.
 */
static int
serve(struct chk *c, const unsigned char *stem, size_t len, struct chk_term *f)
{
    struct pl *p = NULL;
    size_t hint = 0;
    uint32_t tf;
    int rc;

    key_term(c, stem, len, 0, 0);
    if (f->wcf != f->cf) {
        char form[CHK_KEY_MAX];
        quote(form, sizeof form, f->s, f->len);
        return fail(c, IDX_SDICT, CHK_NO_DOC,
                    "stem served by form %s, whose title occurrences count "
                    "%u times",
                    form, (unsigned)c->meta.title_weight);
    }
    rc = pl_open(c->txn, PL_FORMS, (const char *)f->s, f->len, &p);
    while (rc == SE_OK && (rc = pl_next(p)) == 1) {
        struct chk_doc *d = find_doc(c, pl_doc(p), &hint);
        rc = pl_tf(p, &tf);
        if (rc == SE_OK && d == NULL)
            rc = SE_ECORRUPT; /* scan_postings() read this list already */
        if (rc == SE_OK)
            d->stem_sum += tf;
    }
    pl_close(p);
    if (rc != SE_OK)
        return lmdb_error(c, IDX_FORMS, rc);
    c->served++;
    return SE_OK;
}

/* A stem's cf must be what its `nforms` forms add up to (titles weighted);
 * without a list of its own, it must have one form, `form`, to serve it. */
static int
end_stem(struct chk *c, const unsigned char *stem, size_t len, uint64_t wcf,
         size_t nforms, struct chk_term *form)
{
    struct chk_term *t = find_term(&c->stems, stem, len);

    key_term(c, stem, len, 0, 0);
    if (t == NULL && nforms > 1)
        return fail(c, IDX_STEMFORMS, CHK_NO_DOC,
                    "stem without its own list has %zu forms", nforms);
    if (t == NULL)
        return serve(c, stem, len, form);
    t->seen = 1;
    if (t->wcf != wcf)
        return fail(c, IDX_SDICT, CHK_NO_DOC,
                    "cf %llu, its forms add up to %llu",
                    (unsigned long long)t->wcf, (unsigned long long)wcf);
    return SE_OK;
}

/*
 * Whether form `f`, in no stemforms entry, is a stem of its own that
 * nothing else claims: one with a list no entry named, or one without a
 * list and without an entry (whose forms would serve it). 1, 0, or <0.
 */
static int
own_stem(struct chk *c, const struct chk_term *f)
{
    const struct chk_term *st;
    const void *v;
    const char *s;
    size_t n, vlen;
    int rc;

    rc = stem_word(c->stem, (const char *)f->s, f->len, &s, &n);
    if (rc != SE_OK)
        return rc;
    if (cmp_bytes(s, n, f->s, f->len) != 0)
        return 0;
    st = find_term(&c->stems, f->s, f->len);
    if (st)
        return !st->seen;
    rc = idx_get(c->txn, IDX_STEMFORMS, f->s, f->len, &v, &vlen);
    if (rc == SE_ENOTFOUND)
        return 1;
    return rc == SE_OK ? 0 : lmdb_error(c, IDX_STEMFORMS, rc);
}

static int
check_stemforms(struct chk *c)
{
    struct idx_cursor *cur = NULL;
    const unsigned char *stem = NULL;
    struct chk_term *first = NULL; /* the stem's first form */
    const void *k, *v;
    size_t klen, vlen, slen = 0, nforms = 0, i;
    uint64_t wcf = 0;
    int r, rc;

    rc = idx_cursor_open(c->txn, IDX_STEMFORMS, &cur);
    for (r = rc == SE_OK ? idx_cursor_first(cur) : rc; r == 1;
         r = idx_cursor_next(cur)) {
        struct chk_term *f;
        const char *s;
        size_t n;
        rc = idx_cursor_get(cur, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            break;
        if (stem && cmp_bytes(stem, slen, k, klen) != 0) {
            rc = end_stem(c, stem, slen, wcf, nforms, first);
            if (rc != SE_OK)
                break;
            wcf = 0;
            nforms = 0;
        }
        stem = k;
        slen = klen;
        key_term(c, k, klen, 0, 0);
        f = find_term(&c->forms, v, vlen);
        if (f == NULL || f->seen) {
            char form[CHK_KEY_MAX];
            quote(form, sizeof form, v, vlen);
            rc = fail(c, IDX_STEMFORMS, CHK_NO_DOC,
                      f ? "form %s listed twice" : "form %s has no postings",
                      form);
            break;
        }
        f->seen = 1;
        rc = stem_word(c->stem, v, vlen, &s, &n);
        if (rc != SE_OK)
            break;
        if (cmp_bytes(s, n, k, klen) != 0) {
            char form[CHK_KEY_MAX];
            quote(form, sizeof form, v, vlen);
            rc = fail(c, IDX_STEMFORMS, CHK_NO_DOC,
                      "form %s does not stem to it", form);
            break;
        }
        wcf += f->wcf;
        if (nforms++ == 0)
            first = f;
    }
    idx_cursor_close(cur);
    if (rc == SE_OK && r < 0)
        rc = r;
    if (rc != SE_OK)
        return rc == SE_ECORRUPT && c->rep->what[0]
                   ? rc
                   : lmdb_error(c, IDX_STEMFORMS, rc);
    if (stem) {
        rc = end_stem(c, stem, slen, wcf, nforms, first);
        if (rc != SE_OK)
            return rc;
    }
    /* A stem whose one form is itself is not listed: such a form is its
     * own stem, one that no listed form has claimed (and that, without a
     * list, it serves). */
    for (i = 0; i < c->forms.n; i++) {
        struct chk_term *f = &c->forms.v[i];
        if (f->seen)
            continue;
        rc = own_stem(c, f);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            key_term(c, f->s, f->len, 0, 0);
            return fail(c, IDX_FDICT, CHK_NO_DOC, "form missing in stemforms");
        }
        f->seen = 1;
        rc = end_stem(c, f->s, f->len, f->wcf, 1, f);
        if (rc != SE_OK)
            return rc;
    }
    for (i = 0; i < c->stems.n; i++)
        if (!c->stems.v[i].seen) {
            key_term(c, c->stems.v[i].s, c->stems.v[i].len, 0, 0);
            return fail(c, IDX_SDICT, CHK_NO_DOC, "stem without forms");
        }
    return SE_OK;
}

/* Each document's frequencies add up to its lengths. */
static int
check_sums(struct chk *c)
{
    size_t i;

    for (i = 0; i < c->ndocs; i++) {
        const struct chk_doc *d = &c->docs[i];
        key_doc(c, d->id);
        if (d->form_sum != d->len)
            return fail(c, IDX_FORMS, d->id,
                        "its tfs add up to %u, its record says %u tokens",
                        (unsigned)d->form_sum, (unsigned)d->len);
        if (d->stem_sum != d->slen)
            return fail(c, IDX_STEMS, d->id,
                        "its tfs add up to %llu, its scoring length is %u",
                        (unsigned long long)d->stem_sum, (unsigned)d->slen);
    }
    return SE_OK;
}

/* ---------------------------------------------------------------- main */

static int
check_meta(struct chk *c)
{
    uint64_t entries = 0;
    int rc = doc_meta_load(c->txn, &c->meta);

    snprintf(c->rep->key, sizeof c->rep->key, "?");
    if (rc == SE_ENOTFOUND)
        return SE_ENOINDEX; /* created, never committed to */
    if (rc == SE_ENOINDEX && idx_count(c->txn, IDX_META, &entries) == SE_OK &&
        entries > 0) {
        snprintf(c->rep->key, sizeof c->rep->key, "\"magic\"");
        return fail(c, IDX_META, CHK_NO_DOC, "not this engine's magic");
    }
    if (rc == SE_ECORRUPT)
        return fail(c, IDX_META, CHK_NO_DOC,
                    "format, language, stats or title_weight is malformed");
    if (rc != SE_OK)
        return rc;
    rc = stem_new(c->meta.language, &c->stem);
    if (rc == SE_ELANG) {
        snprintf(c->rep->key, sizeof c->rep->key, "\"language\"");
        return fail(c, IDX_META, CHK_NO_DOC, "no stemmer for this language");
    }
    return rc;
}

int
chk_index(struct idx *ix, struct chk_report *rep)
{
    struct chk c;
    int rc;

    memset(rep, 0, sizeof *rep);
    rep->doc = CHK_NO_DOC;
    memset(&c, 0, sizeof c);
    c.rep = rep;
    rc = idx_txn_begin(ix, 0, &c.txn);
    if (rc == SE_OK)
        rc = check_meta(&c);
    if (rc == SE_OK)
        rc = tok_new(&c.tok);
    if (rc == SE_OK)
        rc = doc_text_new(&c.text);
    if (rc == SE_OK)
        rc = check_docs(&c);
    if (rc == SE_OK)
        rc = check_doc_tables(&c);
    if (rc == SE_OK)
        rc = scan_postings(&c, PL_FORMS);
    if (rc == SE_OK)
        rc = scan_postings(&c, PL_STEMS);
    if (rc == SE_OK)
        rc = check_stemforms(&c);
    if (rc == SE_OK)
        rc = check_sums(&c);
    if (rc == SE_OK) {
        rep->forms = c.forms.n;
        rep->stems = c.stems.n + c.served;
    }
    stem_free(c.stem);
    tok_free(c.tok);
    doc_text_free(c.text);
    buf_release(&c.body);
    free(c.docs);
    free(c.forms.v);
    free(c.stems.v);
    free(c.pos);
    idx_txn_abort(c.txn);
    return rc;
}
