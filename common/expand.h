/*
 * expand.h - the word forms one query word stands for: every form of a
 * stem (IDX_STEMFORMS, for stemmed phrases and field-scoped words, which
 * need positions, kept on forms only) and every form starting with a
 * prefix (IDX_FDICT, for prefix*). Forms come in byte order.
 */
#ifndef SE_EXPAND_H
#define SE_EXPAND_H

#include <stddef.h>

#include "index.h"

struct exp_forms {
    char **forms; /* n forms, NUL-terminated, owned */
    size_t n;
    int truncated; /* exp_prefix: more forms matched than `max` */
};

/*
 * Every form of `stem` (`len` bytes) into `out` (initialized by the call;
 * release with exp_forms_release): those IDX_STEMFORMS lists, or, when it
 * lists none, the stem itself if it is in the stem dictionary (a stem whose
 * one form is itself is not listed). An absent stem gives no forms.
 * SE_OK, SE_ENOMEM, SE_ECORRUPT.
 */
int exp_stem_forms(struct idx_txn *txn, const char *stem, size_t len,
                   struct exp_forms *out);
/*
 * The first `max` forms in byte order that start with `prefix` (`len`
 * bytes; the form itself included); out->truncated is 1 when there were
 * more. SE_OK, SE_ENOMEM, SE_ECORRUPT.
 */
int exp_prefix(struct idx_txn *txn, const char *prefix, size_t len, size_t max,
               struct exp_forms *out);
void exp_forms_release(struct exp_forms *f);

#endif
