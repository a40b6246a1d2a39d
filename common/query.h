/*
 * query.h - query text to a tree, keeping column positions for errors.
 *
 * Syntax (see README.md, "Query syntax"):
 *   word        stemmed, ranked with BM25; any word may match
 *   "a phrase"  the words as written (folded, not stemmed), consecutive
 *   +x  -x      x (a word or a phrase) is required / excluded
 * A bare word that folds into several tokens ("China-Russia") gives one
 * clause per token. The words of the tree are already folded by the
 * tokenizer, exactly as documents are.
 */
#ifndef SE_QUERY_H
#define SE_QUERY_H

#include <stddef.h>

#include "tokenizer.h"

#define QRY_MAX_BYTES 65536 /* longer queries are refused */
#define QRY_MAX_CLAUSES 1024
#define QRY_MAX_PHRASE 64 /* words in one phrase */

/* Flags of qry_parse(). */
#define QRY_PLAIN 0x1 /* no operators: quotes, + and - are plain text */
#define QRY_ALL 0x2   /* every word and phrase without - is required */

enum qry_kind {
    QRY_BOOL,  /* kids combined by their occur */
    QRY_TERM,  /* one word, stemmed */
    QRY_PHRASE /* words as written, consecutive (one word: exact form) */
};

enum qry_occur { QRY_SHOULD, QRY_MUST, QRY_MUST_NOT };

struct qry_node {
    enum qry_kind kind;
    enum qry_occur occur; /* within the parent */
    size_t column;        /* 1-based character column in the query */
    char **words;         /* TERM: one word; PHRASE: nwords, folded */
    size_t nwords;
    struct qry_node **kids; /* BOOL */
    size_t nkids;
};

struct qry_error {
    size_t column; /* 1-based character column, 0 when none applies */
    char msg[160];
};

/*
 * Parse `text` (`len` bytes). On SE_OK *out is the root, a QRY_BOOL node
 * (caller frees with qry_free). On SE_EINVAL (syntax) or SE_ELIMIT (too
 * long) `err` says what and where; *out is NULL. `tok` is used for folding.
 */
int qry_parse(const char *text, size_t len, int flags, struct tok *tok,
              struct qry_node **out, struct qry_error *err);
void qry_free(struct qry_node *q);

#endif
