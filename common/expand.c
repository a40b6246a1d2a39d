/*
 * expand.c - walks IDX_STEMFORMS (sorted duplicates under the stem; a stem
 * whose one form is itself has none, and IDX_SDICT tells it is there) and
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

int
exp_stem_forms(struct idx_txn *txn, const char *stem, size_t len,
               struct exp_forms *out)
{
    struct idx_cursor *c;
    const void *k, *v;
    size_t klen, vlen;
    int rc;

    memset(out, 0, sizeof *out);
    if (len == 0 || len > PL_TERM_MAX)
        return SE_OK; /* no such key can be stored */
    rc = idx_cursor_open(txn, IDX_STEMFORMS, &c);
    if (rc != SE_OK)
        return rc;
    for (rc = idx_cursor_seek(c, stem, len); rc == 1; rc = idx_cursor_next(c)) {
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        if (rc != SE_OK)
            break;
        if (klen != len || memcmp(k, stem, len) != 0)
            break; /* past the stem's duplicates */
        if (vlen == 0) {
            rc = SE_ECORRUPT;
            break;
        }
        rc = add_form(out, v, vlen);
        if (rc != SE_OK)
            break;
    }
    idx_cursor_close(c);
    if (rc >= 0 && out->n == 0) {
        /* A stem whose one form is itself is not listed (writer.c). */
        struct pl_stats st;
        rc = pl_stats_get(txn, PL_STEMS, stem, len, &st);
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
