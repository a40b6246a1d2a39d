/*
 * test_expand.c - prefix and stem expansion (expand.c) against full scans
 * of IDX_FDICT and IDX_STEMFORMS, on an index of the first 2,000 Reuters
 * documents: every prefix of 1-3 bytes of every 50th form, with several
 * limits, must give exactly the forms the scan finds, in byte order, and
 * say when it stopped early. A stem's forms are those listed, or the stem
 * alone when it lists none.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "expand.h"
#include "index.h"
#include "plist.h"
#include "stemmer.h"
#include "testutil.h"
#include "writer.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define DOCS 2000

static char dir[] = "/tmp/test_expand.XXXXXX";

static void
cleanup(void)
{
    if (strchr(dir, 'X') == NULL)
        tu_rm_tree(dir);
}

TestSuite(expand, .fini = cleanup);

static const char *
str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* Index the first DOCS Reuters documents; open a read transaction. */
static void
build(struct idx **ix, struct idx_txn **txn)
{
    struct wr_options o = {.language = "english"};
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL;
    size_t cap = 0, n = 0;
    struct wr *w;
    int rc;

    cr_assert_not_null(f, "cannot open %s (run from /work/main)", REUTERS);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    while (n < DOCS && getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line);
        const char *id, *title, *body;
        cr_assert_not_null(j, "line %zu: bad JSON", n + 1);
        id = str(j, "id");
        title = str(j, "title");
        body = str(j, "body");
        struct wr_doc d = {id, strlen(id), title, strlen(title),
                           "", 0,          body,  strlen(body)};
        rc = wr_add(w, &d);
        cr_assert_eq(rc, SE_OK, "wr_add: %s", se_strerror(rc));
        cJSON_Delete(j);
        n++;
    }
    free(line);
    fclose(f);
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
    rc = idx_open(dir, IDX_RDONLY, ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(*ix, 0, txn);
    cr_assert_eq(rc, SE_OK, "idx_txn_begin: %s", se_strerror(rc));
}

/* Every key (and value) of a table, in order, as "key\tvalue" strings. */
static char **
scan(struct idx_txn *txn, enum idx_table t, size_t *n)
{
    struct idx_cursor *c;
    char **out = NULL;
    size_t cap = 0;
    int rc;

    *n = 0;
    rc = idx_cursor_open(txn, t, &c);
    cr_assert_eq(rc, SE_OK, "cursor: %s", se_strerror(rc));
    for (rc = idx_cursor_first(c); rc == 1; rc = idx_cursor_next(c)) {
        const void *k, *v;
        size_t kl, vl;
        cr_assert_eq(idx_cursor_get(c, &k, &kl, &v, &vl), SE_OK, "get");
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            out = realloc(out, cap * sizeof *out);
            cr_assert_not_null(out, "out of memory");
        }
        out[*n] = malloc(kl + vl + 2);
        cr_assert_not_null(out[*n], "out of memory");
        memcpy(out[*n], k, kl);
        out[*n][kl] = '\0';
        if (t == IDX_STEMFORMS) {
            out[*n][kl] = '\t';
            memcpy(out[*n] + kl + 1, v, vl);
            out[*n][kl + 1 + vl] = '\0';
        }
        (*n)++;
    }
    cr_assert_geq(rc, 0, "cursor: %s", se_strerror(rc));
    idx_cursor_close(c);
    return out;
}

Test(expand, prefixes_match_a_scan_of_the_form_dictionary, .timeout = 60)
{
    static const size_t limits[] = {1, 5, 128, (size_t)-1};
    struct idx *ix;
    struct idx_txn *txn;
    size_t nforms, i, plen, l, j, checked = 0, truncated = 0;
    char **forms;

    build(&ix, &txn);
    forms = scan(txn, IDX_FDICT, &nforms);
    cr_assert_gt(nforms, 5000, "only %zu forms", nforms);
    for (i = 0; i < nforms; i += 50) {
        for (plen = 1; plen <= 3 && plen <= strlen(forms[i]); plen++) {
            const char *pre = forms[i];
            size_t want = 0, first = nforms;
            for (j = 0; j < nforms; j++)
                if (strncmp(forms[j], pre, plen) == 0) {
                    if (first == nforms)
                        first = j;
                    want++;
                }
            for (l = 0; l < sizeof limits / sizeof limits[0]; l++) {
                struct exp_forms f;
                size_t n = want < limits[l] ? want : limits[l];
                int rc = exp_prefix(txn, pre, plen, limits[l], &f);
                cr_assert_eq(rc, SE_OK, "%.*s*: %s", (int)plen, pre,
                             se_strerror(rc));
                cr_assert_eq(f.n, n, "%.*s* (limit %zu): %zu forms, want %zu",
                             (int)plen, pre, limits[l], f.n, n);
                cr_assert_eq(f.truncated, want > limits[l],
                             "%.*s* (limit %zu): truncated %d with %zu forms",
                             (int)plen, pre, limits[l], f.truncated, want);
                for (j = 0; j < n; j++)
                    cr_assert_str_eq(f.forms[j], forms[first + j],
                                     "%.*s* form %zu", (int)plen, pre, j);
                truncated += (size_t)f.truncated;
                exp_forms_release(&f);
                checked++;
            }
        }
    }
    cr_assert(checked > 300 && truncated > 50, "%zu checks, %zu truncated",
              checked, truncated);
    /* no form starts with these */
    {
        struct exp_forms f;
        cr_assert_eq(exp_prefix(txn, "\xff\xff", 2, 10, &f), SE_OK, "0xff");
        cr_assert(f.n == 0 && !f.truncated, "0xff prefix: %zu forms", f.n);
        exp_forms_release(&f);
    }
    for (i = 0; i < nforms; i++)
        free(forms[i]);
    free(forms);
    idx_txn_abort(txn);
    idx_close(ix);
}

Test(expand, stem_forms_match_a_scan_of_stemforms, .timeout = 60)
{
    struct idx *ix;
    struct idx_txn *txn;
    size_t n, i, j, stems = 0, multi = 0;
    char **pairs;
    struct stem *sm;

    cr_assert_eq(stem_new("english", &sm), SE_OK, "stemmer");
    build(&ix, &txn);
    pairs = scan(txn, IDX_STEMFORMS, &n);
    cr_assert_gt(n, 5000, "only %zu stem-form pairs", n);
    for (i = 0; i < n; i = j) {
        struct exp_forms f;
        size_t slen = (size_t)(strchr(pairs[i], '\t') - pairs[i]);
        int rc;
        for (j = i; j < n && strncmp(pairs[j], pairs[i], slen + 1) == 0; j++)
            ;
        rc = exp_stem_forms(txn, sm, pairs[i], slen, &f);
        cr_assert_eq(rc, SE_OK, "%.*s: %s", (int)slen, pairs[i],
                     se_strerror(rc));
        cr_assert_eq(f.n, j - i, "%.*s: %zu forms, the table has %zu",
                     (int)slen, pairs[i], f.n, j - i);
        for (size_t k = 0; k < f.n; k++)
            cr_assert_str_eq(f.forms[k], pairs[i + k] + slen + 1,
                             "%.*s: form %zu", (int)slen, pairs[i], k);
        stems++;
        multi += f.n > 1;
        exp_forms_release(&f);
    }
    cr_assert(stems > 1000 && multi > 100, "%zu stems, %zu with several forms",
              stems, multi);
    {
        struct exp_forms f;
        cr_assert_eq(exp_stem_forms(txn, sm, "zzzqqq", 6, &f), SE_OK, "absent");
        cr_assert_eq(f.n, 0, "an absent stem has %zu forms", f.n);
        exp_forms_release(&f);
    }
    for (i = 0; i < n; i++)
        free(pairs[i]);
    free(pairs);
    stem_free(sm);
    idx_txn_abort(txn);
    idx_close(ix);
}

/* The Reuters index's forms and stems (tu_index_stems()), and a stemmer. */
struct stems_fx {
    struct idx *ix;
    struct idx_txn *txn;
    struct stem *sm;
    char **stems, **forms;
    size_t nstems, nforms;
};

static void
stems_open(struct stems_fx *x)
{
    cr_assert_eq(stem_new("english", &x->sm), SE_OK, "stemmer");
    build(&x->ix, &x->txn);
    x->forms = scan(x->txn, IDX_FDICT, &x->nforms);
    x->stems = tu_index_stems(x->txn, x->sm, &x->nstems);
}

static void
stems_close(struct stems_fx *x)
{
    tu_strs_free(x->stems, x->nstems);
    tu_strs_free(x->forms, x->nforms);
    stem_free(x->sm);
    idx_txn_abort(x->txn);
    idx_close(x->ix);
}

/*
 * A stem whose one form is itself has no entry in IDX_STEMFORMS: expanding
 * it gives the stem, which is a form of the index; every other stem is
 * listed.
 */
Test(expand, an_unlisted_stem_is_its_own_form, .timeout = 60)
{
    struct stems_fx x;
    size_t i, f = 0, unlisted = 0;

    stems_open(&x);
    for (i = 0; i < x.nstems; i++) {
        size_t slen = strlen(x.stems[i]);
        struct exp_forms e;
        int rc, listed;
        const void *v;
        size_t vlen;
        rc = idx_get(x.txn, IDX_STEMFORMS, x.stems[i], slen, &v, &vlen);
        cr_assert(rc == SE_OK || rc == SE_ENOTFOUND, "%s: %s", x.stems[i],
                  se_strerror(rc));
        listed = rc == SE_OK;
        if (listed)
            continue;
        rc = exp_stem_forms(x.txn, x.sm, x.stems[i], slen, &e);
        cr_assert_eq(rc, SE_OK, "%s: %s", x.stems[i], se_strerror(rc));
        cr_assert(e.n == 1 && strcmp(e.forms[0], x.stems[i]) == 0,
                  "unlisted stem %s expands to %zu forms (%s)", x.stems[i], e.n,
                  e.n ? e.forms[0] : "");
        exp_forms_release(&e);
        while (f < x.nforms && strcmp(x.forms[f], x.stems[i]) < 0)
            f++;
        cr_assert(f < x.nforms && strcmp(x.forms[f], x.stems[i]) == 0,
                  "unlisted stem %s is no form", x.stems[i]);
        unlisted++;
    }
    cr_assert_gt(unlisted, 1000, "only %zu stems are their one form", unlisted);
    cr_assert_lt(unlisted, x.nstems, "no stem is listed");
    stems_close(&x);
}

/*
 * The list that serves a stem: its own when it has one, else that of its
 * one form, with the form's statistics. A form that stems to another word,
 * which no form stems to, is no stem.
 */
Test(expand, a_stem_without_a_list_is_served_by_its_one_form, .timeout = 60)
{
    struct stems_fx x;
    size_t i, own = 0, served = 0, not_stems = 0, s = 0;

    stems_open(&x);
    for (i = 0; i < x.nstems; i++) {
        size_t slen = strlen(x.stems[i]);
        struct exp_stem_list l;
        struct exp_forms e;
        struct pl_stats st;
        int rc = exp_stem_list(x.txn, x.sm, x.stems[i], slen, &l), has;
        cr_assert_eq(rc, SE_OK, "%s: %s", x.stems[i], se_strerror(rc));
        has = pl_stats_get(x.txn, PL_STEMS, x.stems[i], slen, &st) == SE_OK;
        cr_assert_eq(l.kind, has ? PL_STEMS : PL_FORMS, "%s: kind", x.stems[i]);
        cr_assert_eq(exp_stem_forms(x.txn, x.sm, x.stems[i], slen, &e), SE_OK);
        if (has) {
            cr_assert_str_eq(l.term, x.stems[i]);
            own++;
        } else {
            cr_assert(e.n == 1 && strcmp(e.forms[0], l.term) == 0,
                      "%s, with no list, has %zu forms (%s), served by %s",
                      x.stems[i], e.n, e.n ? e.forms[0] : "", l.term);
            cr_assert_eq(
                pl_stats_get(x.txn, PL_FORMS, l.term, strlen(l.term), &st),
                SE_OK, "%s: its form %s", x.stems[i], l.term);
            served++;
        }
        cr_assert(st.df == l.entry.st.df && st.cf == l.entry.st.cf,
                  "%s: df %u cf %llu", x.stems[i], l.entry.st.df,
                  (unsigned long long)l.entry.st.cf);
        exp_forms_release(&e);
    }
    /* Most words are rare, of one form; frequent ones have several. */
    cr_assert(served > x.nstems / 2 && own > 500,
              "%zu stems served by their form, %zu with a list", served, own);
    for (i = 0; i < x.nforms; i++) {
        struct exp_stem_list l;
        const char *st;
        size_t sl;
        cr_assert_eq(stem_word(x.sm, x.forms[i], strlen(x.forms[i]), &st, &sl),
                     SE_OK);
        if (sl == strlen(x.forms[i]) && memcmp(st, x.forms[i], sl) == 0)
            continue;
        while (s < x.nstems && strcmp(x.stems[s], x.forms[i]) < 0)
            s++;
        if (s < x.nstems && strcmp(x.stems[s], x.forms[i]) == 0)
            continue; /* also some form's stem */
        cr_assert_eq(
            exp_stem_list(x.txn, x.sm, x.forms[i], strlen(x.forms[i]), &l),
            SE_ENOTFOUND, "form %s is taken for a stem", x.forms[i]);
        not_stems++;
    }
    cr_assert_gt(not_stems, 1000, "only %zu forms are no stem", not_stems);
    {
        struct exp_stem_list l;
        cr_assert_eq(exp_stem_list(x.txn, x.sm, "zzzqqq", 6, &l), SE_ENOTFOUND);
    }
    stems_close(&x);
}

/*
 * exp_word_list() finds, from any form of the index and from words the
 * index lacks, the list exp_stem_list() finds from their stem: the same
 * kind, term and statistics.
 */
Test(expand, a_word_finds_the_list_of_its_stem, .timeout = 60)
{
    static const char *const absent[] = {"harvestings", "oils", "zzzqqq",
                                         "companied", "marketeers"};
    struct stems_fx x;
    size_t i, by_word = 0, served = 0;

    stems_open(&x);
    for (i = 0; i < x.nforms + sizeof absent / sizeof *absent; i++) {
        const char *w =
            i < x.nforms ? x.forms[i] : absent[i - x.nforms], *st;
        size_t wlen = strlen(w), sl;
        struct exp_stem_list a, b;
        char stem[PL_TERM_MAX];
        int ra, rb;
        cr_assert_eq(stem_word(x.sm, w, wlen, &st, &sl), SE_OK);
        cr_assert_leq(sl, PL_TERM_MAX);
        memcpy(stem, st, sl);
        ra = exp_word_list(x.txn, x.sm, w, wlen, stem, sl, &a);
        rb = exp_stem_list(x.txn, x.sm, stem, sl, &b);
        cr_assert_eq(ra, rb, "%s: %s by the word, %s by the stem", w,
                     se_strerror(ra), se_strerror(rb));
        if (i < x.nforms)
            cr_assert_eq(ra, SE_OK, "form %s: %s", w, se_strerror(ra));
        if (ra != SE_OK)
            continue;
        cr_assert(a.kind == b.kind && a.len == b.len &&
                      strcmp(a.term, b.term) == 0 &&
                      a.entry.st.df == b.entry.st.df &&
                      a.entry.st.cf == b.entry.st.cf,
                  "%s: %s (%d, df %u) by the word, %s (%d, df %u) by the "
                  "stem",
                  w, a.term, (int)a.kind, a.entry.st.df, b.term, (int)b.kind,
                  b.entry.st.df);
        by_word += i >= x.nforms;
        served += a.kind == PL_FORMS && strcmp(a.term, w) == 0;
    }
    /* Most forms are the one form of their stem, which they serve. */
    cr_assert_gt(served, x.nforms / 2, "only %zu of %zu forms serve a stem",
                 served, x.nforms);
    cr_assert_geq(by_word, 2, "only %zu absent words have a stem in the index",
                  by_word);
    stems_close(&x);
}
