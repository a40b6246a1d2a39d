/*
 * expand.c - walks IDX_STEMFORMS (sorted duplicates under the stem; a stem
 * whose one form is itself has none: IDX_FDICT tells it is there) and
 * IDX_FDICT (keys in byte order, so the forms of a prefix are adjacent,
 * starting at the first key >= the prefix) with an LMDB cursor.
 */
#include "expand.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plist.h"

static int
add_form(struct exp_forms *f, const void *s, size_t len)
{
    char **forms = realloc(f->forms, (f->n + 1) * sizeof *forms);
    char *copy;

    if (forms == NULL)
        return SE_ENOMEM;
    f->forms = forms;
    copy = malloc(len + 1);
    if (copy == NULL)
        return SE_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    f->forms[f->n++] = copy;
    return SE_OK;
}

void
exp_forms_release(struct exp_forms *f)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        free(f->forms[i]);
    free(f->forms);
    memset(f, 0, sizeof *f);
}

/*
 * Whether `stem` is a form of the index that stems to itself: a stem whose
 * one form is itself, which IDX_STEMFORMS does not list. *e gets the
 * form's dictionary entry. SE_OK, SE_ENOTFOUND.
 */
static int
own_form(struct idx_txn *txn, struct stem *sm, const char *stem, size_t len,
         struct pl_entry *e)
{
    const char *s;
    size_t n;
    int rc = pl_entry_get(txn, PL_FORMS, stem, len, e);

    if (rc == SE_OK)
        rc = stem_word(sm, stem, len, &s, &n);
    if (rc == SE_OK && (n != len || memcmp(s, stem, len) != 0))
        rc = SE_ENOTFOUND; /* a form of another stem */
    return rc;
}

/*
 * Call `fn` on each form IDX_STEMFORMS lists under `stem`, in byte order.
 * SE_OK, SE_ECORRUPT, or what `fn` returns.
 */
static int
each_listed_form(struct idx_txn *txn, const char *stem, size_t len,
                 int (*fn)(void *arg, const void *form, size_t flen),
                 void *arg)
{
    struct idx_cursor *c;
    const void *k, *v;
    size_t klen, vlen;
    int rc = idx_cursor_open(txn, IDX_STEMFORMS, &c);

    if (rc != SE_OK)
        return rc;
    for (rc = idx_cursor_seek(c, stem, len); rc == 1; rc = idx_cursor_next(c)) {
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            break;
        if (klen != len || memcmp(k, stem, len) != 0)
            break; /* past the stem's duplicates */
        if (vlen == 0 || vlen > PL_TERM_MAX) {
            rc = SE_ECORRUPT;
            break;
        }
        rc = fn(arg, v, vlen);
        if (rc != SE_OK)
            break;
    }
    idx_cursor_close(c);
    return rc < 0 ? rc : SE_OK;
}

static int
add_listed(void *arg, const void *form, size_t flen)
{
    return add_form(arg, form, flen);
}

int
exp_stem_forms(struct idx_txn *txn, struct stem *sm, const char *stem,
               size_t len, struct exp_forms *out)
{
    struct pl_entry e;
    char key[PL_TERM_MAX];
    int rc;

    memset(out, 0, sizeof *out);
    if (len == 0 || len > PL_TERM_MAX)
        return SE_OK; /* no such key can be stored */
    memcpy(key, stem, len); /* as in exp_stem_list() */
    stem = key;
    rc = each_listed_form(txn, stem, len, add_listed, out);
    if (rc == SE_OK && out->n == 0) {
        rc = own_form(txn, sm, stem, len, &e);
        if (rc == SE_OK)
            rc = add_form(out, stem, len);
        else if (rc == SE_ENOTFOUND)
            rc = SE_OK;
    }
    if (rc < 0) {
        exp_forms_release(out);
        return rc;
    }
    return SE_OK;
}

/* Note the one form listed under a stem that has no list of its own. */
static int
note_form(void *arg, const void *form, size_t flen)
{
    struct exp_stem_list *out = arg;

    if (out->len > 0)
        return SE_ECORRUPT; /* several forms need the stem's own list */
    memcpy(out->term, form, flen);
    out->term[flen] = '\0';
    out->len = flen;
    return SE_OK;
}

/* A stem with no list whose forms IDX_STEMFORMS lists: its one form's
 * list serves it. SE_ENOTFOUND when none is listed: no such stem. */
static int
served_by_listed(struct idx_txn *txn, const char *stem, size_t len,
                 struct exp_stem_list *out)
{
    int rc = each_listed_form(txn, stem, len, note_form, out);

    if (rc != SE_OK || out->len == 0)
        return rc == SE_OK ? SE_ENOTFOUND : rc;
    rc = pl_entry_get(txn, PL_FORMS, out->term, out->len, &out->entry);
    return rc == SE_ENOTFOUND ? SE_ECORRUPT : rc; /* listed: it is there */
}

int
exp_word_list(struct idx_txn *txn, struct stem *sm, const char *word,
              size_t wlen, const char *stem, size_t len,
              struct exp_stem_list *out)
{
    char key[PL_TERM_MAX];
    int rc;

    memset(out, 0, sizeof *out);
    if (len == 0 || len > PL_TERM_MAX)
        return SE_ENOTFOUND;
    /* `stem` may be the stemmer's output, which own_form() overwrites. */
    memcpy(key, stem, len);
    stem = key;
    out->kind = PL_STEMS;
    rc = pl_entry_get(txn, PL_STEMS, stem, len, &out->entry);
    if (rc == SE_ENOTFOUND && word != NULL && wlen > 0 &&
        wlen <= PL_TERM_MAX) {
        /* A stem without a list has one form: a word of the stem that the
         * index has is that form. */
        rc = pl_entry_get(txn, PL_FORMS, word, wlen, &out->entry);
        if (rc == SE_OK) {
            out->kind = PL_FORMS;
            stem = word;
            len = wlen;
        }
    }
    if (rc == SE_ENOTFOUND) {
        /* Served by its one form: mostly the stem itself, which is then
         * that form (a stem without a list has one); else the one form
         * IDX_STEMFORMS lists. */
        out->kind = PL_FORMS;
        rc = own_form(txn, sm, stem, len, &out->entry);
        if (rc == SE_ENOTFOUND)
            return served_by_listed(txn, stem, len, out);
    }
    if (rc == SE_OK) {
        memcpy(out->term, stem, len);
        out->term[len] = '\0';
        out->len = len;
    }
    return rc;
}

int
exp_stem_list(struct idx_txn *txn, struct stem *sm, const char *stem,
              size_t len, struct exp_stem_list *out)
{
    return exp_word_list(txn, sm, NULL, 0, stem, len, out);
}

int
exp_prefix(struct idx_txn *txn, const char *prefix, size_t len, size_t max,
           struct exp_forms *out)
{
    struct idx_cursor *c;
    const void *k, *v;
    size_t klen, vlen;
    int rc;

    memset(out, 0, sizeof *out);
    if (len == 0 || len > PL_TERM_MAX)
        return SE_OK;
    rc = idx_cursor_open(txn, IDX_FDICT, &c);
    if (rc != SE_OK)
        return rc;
    for (rc = idx_cursor_seek(c, prefix, len); rc == 1;
         rc = idx_cursor_next(c)) {
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            break;
        if (klen < len || memcmp(k, prefix, len) != 0)
            break; /* past the forms starting with the prefix */
        if (out->n == max) {
            out->truncated = 1;
            break;
        }
        rc = add_form(out, k, klen);
        if (rc != SE_OK)
            break;
    }
    idx_cursor_close(c);
    if (rc < 0) {
        exp_forms_release(out);
        return rc;
    }
    return SE_OK;
}
