/*
 * query.h - query text to a tree, keeping column positions for errors.
 *
 * Syntax (README.md, "Query syntax", copies this):
 *   cotton harvest      bare words: stemmed, ranked with BM25; any may match
 *                       (juxtaposition is a ranked OR: the score is the sum
 *                       of the clauses a document matches)
 *   "a phrase"          the words as written (folded, not stemmed), in order
 *                       and consecutive; "Khorgos" alone: that exact form
 *   =organization       that word exactly as written (folded, not stemmed)
 *   ~"cotton harvests"  a stemmed phrase: any forms sharing the words' stems
 *                       (every quoted phrase is, with QRY_STEM_PHRASES)
 *   "a b"~N             sloppy phrase: the words in this order with at most
 *                       N extra positions between the first and the last
 *                       (last - first <= words - 1 + N); ~0 is the phrase
 *   a NEAR/N b          a and b (single words: bare, =exact or prefix*) in
 *                       any order at most N positions apart (|pa - pb| <= N;
 *                       NEAR/1 is adjacent); NEAR alone is NEAR/10; a chain
 *                       a NEAR/N b NEAR/N c puts all in one window of N
 *   khorg*              every word form starting with "khorg" (folded, not
 *                       stemmed), at most match_options.max_expansions forms
 *   title:x body:x      x (a word, =word, prefix*, "phrase" or ~"phrase")
 *                       only in the document's title / body
 *   +x  -x              x is required / excluded
 *   a AND b, a OR b, NOT a, ( ... )
 *                       boolean operators, upper case only (and, or, not
 *                       are ordinary words); precedence NEAR > NOT > AND >
 *                       OR (juxtaposition is OR); "a NOT b" is a -b; every
 *                       group needs a clause that is not excluded
 * Phrase and NEAR matches never span the title and the body. A bare word
 * that folds into several tokens ("China-Russia") gives one clause per
 * token. The words of the tree are already folded by the tokenizer, exactly
 * as documents are. With QRY_PLAIN all of the above is plain text.
 */
#ifndef SE_QUERY_H
#define SE_QUERY_H

#include <stddef.h>

#include "buf.h"
#include "stopwords.h"
#include "tokenizer.h"

#define QRY_MAX_BYTES 65536  /* longer queries are refused */
#define QRY_MAX_CLAUSES 1024 /* leaves (words, phrases) in a whole query */
#define QRY_MAX_PHRASE 64    /* words in one phrase or NEAR chain */
#define QRY_MAX_DEPTH 32     /* nested parentheses and NOTs */
#define QRY_MAX_SLOP 1000    /* largest ~N and NEAR/N */
#define QRY_MAX_PREFIXES 32  /* prefix* words in a query (each expands) */
#define QRY_NEAR_DEFAULT 10  /* NEAR without /N */

/* Flags of qry_parse(). */
#define QRY_PLAIN 0x1        /* no operators: quotes, + and - are plain text */
#define QRY_ALL 0x2          /* juxtaposed clauses are required (as AND) */
#define QRY_STEM_PHRASES 0x4 /* "a phrase" matches by stems, as ~"a phrase" */

enum qry_kind {
    QRY_BOOL,   /* kids combined by their occur */
    QRY_TERM,   /* one word: by stem, or a prefix (modes[0]) */
    QRY_PHRASE, /* words in order, `slop` extra positions allowed */
    QRY_NEAR    /* words in any order within `slop` positions */
};

enum qry_occur { QRY_SHOULD, QRY_MUST, QRY_MUST_NOT };

/* How one word of a leaf finds its word forms. */
enum qry_wmode {
    QRY_W_FORM,  /* the word itself, folded, unstemmed */
    QRY_W_STEM,  /* every form sharing its stem */
    QRY_W_PREFIX /* every form starting with it */
};

enum qry_field { QRY_ANY, QRY_TITLE, QRY_BODY };

struct qry_node {
    enum qry_kind kind;
    enum qry_occur occur; /* within the parent */
    size_t column;        /* 1-based character column in the query */
    char **words;         /* leaves: nwords words, folded */
    size_t nwords;
    enum qry_wmode *modes;  /* leaves: one per word. TERM: STEM or PREFIX;
                               PHRASE: FORM or STEM; NEAR: any */
    enum qry_field field;   /* leaves: where positions may be */
    unsigned slop;          /* PHRASE: extra positions; NEAR: distance */
    char *label;            /* leaves: the clause as written ("title:x") */
    struct qry_node **kids; /* BOOL */
    size_t nkids;
};

struct qry_error {
    size_t column; /* 1-based character column, 0 when none applies */
    char msg[160];
    char hint[160]; /* how to fix it, "" when none */
};

/*
 * Parse `text` (`len` bytes). On SE_OK *out is the root, a QRY_BOOL node
 * (caller frees with qry_free). On SE_EINVAL (syntax) or SE_ELIMIT (too
 * long, too many clauses, too deep) `err` says what, where and how to fix
 * it; *out is NULL. `tok` is used for folding.
 */
int qry_parse(const char *text, size_t len, int flags, struct tok *tok,
              struct qry_node **out, struct qry_error *err);
void qry_free(struct qry_node *q);
/*
 * Leave out the stop words of `sl` among the bare ranked words of `q`:
 * QRY_TERM leaves by stem, anywhere in the document, occurring SHOULD,
 * in a group that keeps some clause neither dropped nor excluded. So a
 * query of stop words only ("the who") stays whole, and phrases, =exact
 * words, prefixes, fielded words, +word, AND and NEAR operands keep
 * theirs. Each dropped word is appended to `dropped` (if not NULL)
 * followed by a NUL. Returns SE_OK or SE_ENOMEM (give the query up).
 */
int qry_drop_stopwords(struct qry_node *q, const struct stop_list *sl,
                       struct buf *dropped);

#endif
