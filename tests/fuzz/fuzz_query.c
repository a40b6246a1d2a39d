/*
 * fuzz_query.c - libFuzzer harness for common/query.h.
 *
 * The input is the query text, as is; it is parsed with each set of
 * flags (none, QRY_ALL, QRY_STEM_PHRASES, QRY_PLAIN, QRY_PLAIN|QRY_ALL).
 * Besides memory errors, leaks and undefined behaviour, it checks what
 * query.h promises:
 *   - SE_OK gives a QRY_BOOL root; SE_EINVAL or SE_ELIMIT give no tree, a
 *     message, and a column inside the query (or 0);
 *   - a BOOL has kids and no words, and one kid at least that is not
 *     excluded ("every group needs a clause that is not excluded"); a leaf
 *     has no kids, a label, a field, and a mode per word: a TERM one word
 *     (STEM or PREFIX), a PHRASE 1..QRY_MAX_PHRASE (FORM or STEM), a NEAR
 *     2..QRY_MAX_PHRASE; slops at most QRY_MAX_SLOP; each word non-empty,
 *     at most TOK_MAX_BYTES, folded (no ASCII capital); a clause's column
 *     inside the query; at most QRY_MAX_CLAUSES leaves, QRY_MAX_PREFIXES
 *     prefix words;
 *   - with QRY_PLAIN the leaves are exactly the tokens of the text, in
 *     order, each a stemmed TERM in any field (SHOULD; MUST with QRY_ALL):
 *     every operator is text;
 *   - qry_drop_stopwords() (English list) keeps every rule above, drops
 *     one leaf per word it reports, each on the list, and leaves no group
 *     holding a bare ranked stop word beside a clause it would keep.
 */
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "buf.h"
#include "query.h"
#include "stopwords.h"
#include "tokenizer.h"

static struct tok *fqry_tok, *fqry_plain_tok;

/* What fqry_walk() found. */
struct fqry_walk {
    size_t columns; /* largest column a clause may have: chars + 1 */
    size_t leaves;
    size_t prefixes;
    int plain; /* checking against the tokens of the text */
    int plain_occur;
    int plain_ok; /* every leaf so far matched the next token */
};

/* Characters in the query, as the parser counts columns (lead bytes). */
static size_t
fqry_chars(const uint8_t *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        n += (s[i] & 0xc0) != 0x80;
    return n;
}

static void
fqry_check_word(const char *w)
{
    size_t i, len;

    FUZZ_CHECK(w != NULL, "a word is NULL");
    len = strlen(w);
    FUZZ_CHECK(len >= 1 && len <= TOK_MAX_BYTES,
               "a word is empty or longer than TOK_MAX_BYTES");
    for (i = 0; i < len; i++)
        FUZZ_CHECK(!(w[i] >= 'A' && w[i] <= 'Z'), "a word is not folded");
}

/* A leaf under QRY_PLAIN: the next token of the text, as a TERM. */
static void
fqry_check_plain(struct fqry_walk *w, const struct qry_node *q)
{
    struct tok_token t;

    FUZZ_CHECK(q->kind == QRY_TERM && q->modes[0] == QRY_W_STEM &&
                   q->field == QRY_ANY,
               "QRY_PLAIN gave another clause than a stemmed word");
    FUZZ_CHECK((int)q->occur == w->plain_occur,
               "QRY_PLAIN gave a clause with another occur");
    FUZZ_CHECK(tok_next(fqry_plain_tok, &t) == 1,
               "QRY_PLAIN gave more clauses than the text has tokens");
    FUZZ_CHECK(strcmp(q->words[0], t.text) == 0,
               "QRY_PLAIN gave a word that is not the text's next token");
}

static void
fqry_walk(struct fqry_walk *w, const struct qry_node *q, int root)
{
    size_t i;

    FUZZ_CHECK(q != NULL, "a NULL node in the tree");
    FUZZ_CHECK(q->occur == QRY_SHOULD || q->occur == QRY_MUST ||
                   q->occur == QRY_MUST_NOT,
               "a node with an unknown occur");
    if (!root)
        FUZZ_CHECK(q->column >= 1 && q->column <= w->columns,
                   "a clause's column lies outside the query");
    if (q->kind == QRY_BOOL) {
        int kept = 0;

        FUZZ_CHECK(q->nwords == 0, "a BOOL node with words");
        FUZZ_CHECK(q->nkids == 0 || q->kids != NULL, "kids missing");
        FUZZ_CHECK(root || q->nkids > 0, "an empty group");
        for (i = 0; i < q->nkids; i++) {
            fqry_walk(w, q->kids[i], 0);
            kept |= q->kids[i]->occur != QRY_MUST_NOT;
        }
        FUZZ_CHECK(q->nkids == 0 || kept, "a group where all is excluded");
        return;
    }
    FUZZ_CHECK(!root, "the root is not a BOOL");
    FUZZ_CHECK(q->nkids == 0, "a leaf with kids");
    FUZZ_CHECK(q->words != NULL && q->modes != NULL && q->label != NULL,
               "a leaf without words, modes or label");
    FUZZ_CHECK(q->field == QRY_ANY || q->field == QRY_TITLE ||
                   q->field == QRY_BODY,
               "a leaf with an unknown field");
    switch (q->kind) {
    case QRY_TERM:
        FUZZ_CHECK(q->nwords == 1 && (q->modes[0] == QRY_W_STEM ||
                                      q->modes[0] == QRY_W_PREFIX),
                   "a TERM without one word by stem or prefix");
        break;
    case QRY_PHRASE:
        FUZZ_CHECK(q->nwords >= 1 && q->nwords <= QRY_MAX_PHRASE &&
                       q->slop <= QRY_MAX_SLOP,
                   "a PHRASE without 1..QRY_MAX_PHRASE words, or slop");
        for (i = 0; i < q->nwords; i++)
            FUZZ_CHECK(q->modes[i] == QRY_W_FORM || q->modes[i] == QRY_W_STEM,
                       "a PHRASE word neither by form nor by stem");
        break;
    case QRY_NEAR:
        FUZZ_CHECK(q->nwords >= 2 && q->nwords <= QRY_MAX_PHRASE &&
                       q->slop <= QRY_MAX_SLOP,
                   "a NEAR without 2..QRY_MAX_PHRASE words, or slop");
        break;
    default:
        FUZZ_CHECK(0, "a node of an unknown kind");
    }
    for (i = 0; i < q->nwords; i++) {
        fqry_check_word(q->words[i]);
        FUZZ_CHECK(q->modes[i] == QRY_W_FORM || q->modes[i] == QRY_W_STEM ||
                       q->modes[i] == QRY_W_PREFIX,
                   "a word with an unknown mode");
        w->prefixes += q->modes[i] == QRY_W_PREFIX;
    }
    FUZZ_CHECK(w->prefixes <= QRY_MAX_PREFIXES, "more than QRY_MAX_PREFIXES");
    w->leaves++;
    FUZZ_CHECK(w->leaves <= QRY_MAX_CLAUSES, "more than QRY_MAX_CLAUSES");
    if (w->plain)
        fqry_check_plain(w, q);
}

/* A bare ranked word (SHOULD, any field, by stem) on the list. */
static int
fqry_droppable(const struct qry_node *k, const struct stop_list *sl)
{
    return k->kind == QRY_TERM && k->occur == QRY_SHOULD &&
           k->field == QRY_ANY && k->modes[0] == QRY_W_STEM &&
           stop_contains(sl, k->words[0], strlen(k->words[0]));
}

/* After the drop: a group keeps stop words only when all it keeps is. */
static void
fqry_check_dropped(const struct qry_node *q, const struct stop_list *sl)
{
    size_t i;
    int stop = 0, other = 0;

    if (q->kind != QRY_BOOL)
        return;
    for (i = 0; i < q->nkids; i++) {
        fqry_check_dropped(q->kids[i], sl);
        if (fqry_droppable(q->kids[i], sl))
            stop = 1;
        else if (q->kids[i]->occur != QRY_MUST_NOT)
            other = 1;
    }
    FUZZ_CHECK(!(stop && other), "a stop word kept beside another clause");
}

static void
fqry_drop(struct qry_node *q, size_t leaves, size_t columns)
{
    const struct stop_list *sl = stop_list_for("english");
    struct buf dropped = BUF_INIT;
    struct fqry_walk w = {0};
    size_t at, n = 0;
    int rc = qry_drop_stopwords(q, sl, &dropped);

    FUZZ_CHECK(rc == SE_OK || rc == SE_ENOMEM,
               "qry_drop_stopwords() returned an unexpected code");
    if (rc != SE_OK) {
        buf_release(&dropped);
        return;
    }
    w.columns = columns;
    fqry_walk(&w, q, 1);
    for (at = 0; at < dropped.len; n++) {
        const char *word = (const char *)dropped.data + at;
        size_t len = strnlen(word, dropped.len - at);
        FUZZ_CHECK(at + len < dropped.len, "a dropped word without its NUL");
        FUZZ_CHECK(stop_contains(sl, word, len), "dropped a word off the list");
        at += len + 1;
    }
    FUZZ_CHECK(w.leaves + n == leaves,
               "the drop lost or kept leaves it did not report");
    fqry_check_dropped(q, sl);
    buf_release(&dropped);
}

/* Tokens of the text, as QRY_PLAIN must see them. */
static size_t
fqry_count_tokens(const char *text, size_t len)
{
    struct tok_token t;
    size_t n = 0;

    tok_reset(fqry_plain_tok, len > 0 ? text : NULL, len, 0);
    while (tok_next(fqry_plain_tok, &t) == 1)
        n++;
    return n;
}

static void
fqry_parse(const char *text, size_t len, int flags)
{
    static struct qry_node unset; /* *out must become NULL on error */
    struct qry_node *q = &unset;
    struct qry_error err;
    struct fqry_walk w = {0};
    size_t tokens = 0;
    int rc;

    memset(&err, 0x55, sizeof err);
    rc = qry_parse(text, len, flags, fqry_tok, &q, &err);
    FUZZ_CHECK(rc == SE_OK || rc == SE_EINVAL || rc == SE_ELIMIT,
               "qry_parse() returned an unexpected code");
    w.columns = fqry_chars((const uint8_t *)text, len) + 1;
    if (flags & QRY_PLAIN)
        tokens = fqry_count_tokens(text, len);
    if (rc != SE_OK) {
        FUZZ_CHECK(q == NULL, "a failed parse left *out set");
        FUZZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL &&
                       err.msg[0] != '\0',
                   "a failed parse without a message");
        FUZZ_CHECK(err.column <= w.columns,
                   "an error's column lies outside the query");
        FUZZ_CHECK(!(flags & QRY_PLAIN) || tokens == 0 ||
                       tokens > QRY_MAX_CLAUSES || len > QRY_MAX_BYTES,
                   "QRY_PLAIN refused a query of plain words");
        return;
    }
    FUZZ_CHECK(q != NULL, "SE_OK without a tree");
    if (flags & QRY_PLAIN) {
        w.plain = 1;
        w.plain_occur = flags & QRY_ALL ? QRY_MUST : QRY_SHOULD;
        tok_reset(fqry_plain_tok, len > 0 ? text : NULL, len, 0);
    }
    fqry_walk(&w, q, 1);
    if (flags & QRY_PLAIN)
        FUZZ_CHECK(w.leaves == tokens,
                   "QRY_PLAIN gave fewer clauses than the text has tokens");
    fqry_drop(q, w.leaves, w.columns);
    qry_free(q);
}

static int
fuzz_query_one(const uint8_t *data, size_t size)
{
    static const int flags[] = {0, QRY_ALL, QRY_STEM_PHRASES, QRY_PLAIN,
                                QRY_PLAIN | QRY_ALL};
    size_t i;

    if (fqry_tok == NULL) {
        FUZZ_NEED(tok_new(&fqry_tok) == SE_OK ? fqry_tok : NULL);
        FUZZ_NEED(tok_new(&fqry_plain_tok) == SE_OK ? fqry_plain_tok : NULL);
    }
    for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
        fqry_parse((const char *)data, size, flags[i]);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_query_one(data, size);
}
#endif
