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
#include "plist.h"
#include "stemmer.h"

struct exp_forms {
    char **forms; /* n forms, NUL-terminated, owned */
    size_t n;
    int truncated; /* exp_prefix: more forms matched than `max` */
};

/*
 * Every form of `stem` (`len` bytes) into `out` (initialized by the call;
 * release with exp_forms_release): those IDX_STEMFORMS lists, or, when it
 * lists none, the stem itself if the index has it (a stem whose one form is
 * itself is not listed; `sm` stems words of the index's language). An
 * absent stem gives no forms. SE_OK, SE_ENOMEM, SE_ECORRUPT.
 */
int exp_stem_forms(struct idx_txn *txn, struct stem *sm, const char *stem,
                   size_t len, struct exp_forms *out);

/*
 * The list that serves a stem in ranking. From format 7 a stem whose one
 * form has the same postings (the same documents and tfs: no title
 * occurrence counted twice) has no list of its own, and that form's list
 * serves it (writer.c): most stems, as most words are rare.
 */
struct exp_stem_list {
    enum pl_kind kind;
    char term[PL_TERM_MAX + 1]; /* the stem, or its one form */
    size_t len;
    struct pl_entry entry; /* its dictionary entry: for pl_open_entry() */
};

/* SE_OK, SE_ENOTFOUND when the index does not have the stem, SE_ECORRUPT
 * for a stem with several forms and no list. */
int exp_stem_list(struct idx_txn *txn, struct stem *sm, const char *stem,
                  size_t len, struct exp_stem_list *out);
/* exp_stem_list() for the stem of `word` (folded, stemmed by `sm` to
 * `stem`; NULL when there is none): when the stem has no list and the word
 * is a form of the index, the word is its one form, found without a
 * stemmer call or a look at IDX_STEMFORMS. */
int exp_word_list(struct idx_txn *txn, struct stem *sm, const char *word,
                  size_t wlen, const char *stem, size_t len,
                  struct exp_stem_list *out);
/*
 * The first `max` forms in byte order that start with `prefix` (`len`
 * bytes; the form itself included); out->truncated is 1 when there were
 * more. SE_OK, SE_ENOMEM, SE_ECORRUPT.
 */
int exp_prefix(struct idx_txn *txn, const char *prefix, size_t len, size_t max,
               struct exp_forms *out);
void exp_forms_release(struct exp_forms *f);

#endif
