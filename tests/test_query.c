/*
 * test_query.c - the query parser: a table of queries and the trees they
 * give (written out as text: "+w:word@column", "-p:two words@column"), the
 * errors with their messages and character columns, the size limits, and
 * random bytes that must never crash it.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "query.h"
#include "tokenizer.h"

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void render_kids(const struct qry_node *q, struct buf *out);

/*
 * One node as text: a mark (+, -), then "w:" a word (word* a prefix),
 * "p:" a phrase, "s:" a stemmed phrase, "n/N:" a NEAR chain, "(...)" a
 * group; "title:" or "body:" before a scoped leaf, "~N" after a slop, and
 * "@column" last. Exact words (=word) are one-word phrases.
 */
static void
render_node(const struct qry_node *k, struct buf *out)
{
    size_t j;

    buf_puts(out, k->occur == QRY_MUST       ? "+"
                  : k->occur == QRY_MUST_NOT ? "-"
                                             : "");
    if (k->kind == QRY_BOOL) {
        buf_putc(out, '(');
        render_kids(k, out);
        buf_printf(out, ")@%zu", k->column);
        return;
    }
    buf_puts(out, k->field == QRY_TITLE  ? "title:"
                  : k->field == QRY_BODY ? "body:"
                                         : "");
    if (k->kind == QRY_NEAR)
        buf_printf(out, "n/%u:", k->slop);
    else
        buf_puts(out, k->kind == QRY_TERM ? "w:"
                      : k->kind == QRY_PHRASE && k->modes[0] == QRY_W_STEM
                          ? "s:"
                      : k->kind == QRY_PHRASE ? "p:"
                                              : "?:");
    for (j = 0; j < k->nwords; j++) {
        if (j)
            buf_putc(out, ' ');
        if (k->kind == QRY_NEAR && k->modes[j] == QRY_W_FORM)
            buf_putc(out, '=');
        buf_puts(out, k->words[j]);
        if (k->modes[j] == QRY_W_PREFIX)
            buf_putc(out, '*');
    }
    if (k->kind == QRY_PHRASE && k->slop)
        buf_printf(out, "~%u", k->slop);
    buf_printf(out, "@%zu", k->column);
}

/* The kids of q joined by " | ". */
static void
render_kids(const struct qry_node *q, struct buf *out)
{
    size_t i;

    for (i = 0; i < q->nkids; i++) {
        if (i)
            buf_puts(out, " | ");
        render_node(q->kids[i], out);
    }
}

/* The tree as one line: the root's kids joined by " | ". */
static void
render(const struct qry_node *q, struct buf *out)
{
    buf_clear(out);
    render_kids(q, out);
}

/* Characters (UTF-8 lead bytes) in s[0, n). */
static size_t
chars(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

static struct tok *
new_tok(void)
{
    struct tok *t;
    int rc = tok_new(&t);

    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    return t;
}

struct pcase {
    const char *text;
    int flags;
    const char *tree; /* NULL: an error */
    int rc;           /* the error */
    size_t column;    /* its column */
    const char *msg;  /* part of its message */
};

static void
check_cases(const struct pcase *c, size_t n)
{
    struct tok *tok = new_tok();
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++) {
        struct qry_node *q = (struct qry_node *)&b; /* must become NULL */
        struct qry_error err;
        int rc =
            qry_parse(c[i].text, strlen(c[i].text), c[i].flags, tok, &q, &err);
        if (c[i].tree) {
            cr_expect_eq(rc, SE_OK, "'%s' (flags %d): %s: %s at column %zu",
                         c[i].text, c[i].flags, se_strerror(rc), err.msg,
                         err.column);
            if (rc != SE_OK)
                continue;
            cr_assert_eq(q->kind, QRY_BOOL, "'%s': root is not QRY_BOOL",
                         c[i].text);
            render(q, &b);
            cr_expect_str_eq(buf_cstr(&b), c[i].tree,
                             "'%s' (flags %d) gives\n  %s\nwant\n  %s",
                             c[i].text, c[i].flags, buf_cstr(&b), c[i].tree);
            qry_free(q);
            continue;
        }
        cr_expect_eq(rc, c[i].rc, "'%s' (flags %d): %s, want %s", c[i].text,
                     c[i].flags, se_strerror(rc), se_strerror(c[i].rc));
        cr_expect_null(q, "'%s': *out is not NULL after an error", c[i].text);
        if (rc == SE_OK) {
            qry_free(q);
            continue;
        }
        cr_expect_eq(err.column, c[i].column,
                     "'%s': error at column %zu, want %zu (%s)", c[i].text,
                     err.column, c[i].column, err.msg);
        cr_expect(strstr(err.msg, c[i].msg) != NULL,
                  "'%s': message \"%s\" does not say \"%s\"", c[i].text,
                  err.msg, c[i].msg);
    }
    buf_release(&b);
    tok_free(tok);
}

#define CHECK_CASES(c) check_cases(c, sizeof c / sizeof c[0])

Test(query, words_phrases_and_operators)
{
    static const struct pcase c[] = {
        {"cotton harvesting", 0, "w:cotton@1 | w:harvesting@8", 0, 0, 0},
        {"  cotton   harvesting  ", 0, "w:cotton@3 | w:harvesting@12", 0, 0, 0},
        {"a\tb\nc\r\fd\ve", 0, "w:a@1 | w:b@3 | w:c@5 | w:d@8 | w:e@10", 0, 0,
         0},
        {"\"Telliani Valley\"", 0, "p:telliani valley@1", 0, 0, 0},
        {"+cotton -\"Town of Cotton\"", 0, "+w:cotton@2 | -p:town of cotton@9",
         0, 0, 0},
        {"+\"a b\"c", 0, "+p:a b@1 | w:c@7", 0, 0, 0},
        {"\"a b\" \"c d\"", 0, "p:a b@1 | p:c d@7", 0, 0, 0},
        {"abc\"def\"", 0, "w:abc@1 | p:def@4", 0, 0, 0},
        {"\"Khorgos\"", 0, "p:khorgos@1", 0, 0, 0},
        /* + or - alone is no operator (and no word) */
        {"+ cotton", 0, "w:cotton@3", 0, 0, 0},
        {"cotton -", 0, "w:cotton@1", 0, 0, 0},
        {"cotton - wheat", 0, "w:cotton@1 | w:wheat@10", 0, 0, 0},
        {"--cotton wheat", 0, "-w:cotton@3 | w:wheat@10", 0, 0, 0},
        {"+-cotton", 0, "+w:cotton@3", 0, 0, 0},
        {"a+b", 0, "w:a@1 | w:b@3", 0, 0, 0},
        {"a-b", 0, "w:a@1 | w:b@3", 0, 0, 0},
        /* a word that folds into several tokens: one clause each */
        {"China-Russia", 0, "w:china@1 | w:russia@7", 0, 0, 0},
        {"+China-Russia", 0, "+w:china@2 | +w:russia@8", 0, 0, 0},
        {"-China-Russia cotton", 0, "-w:china@2 | -w:russia@8 | w:cotton@15", 0,
         0, 0},
        {"\"New-York\" city", 0, "p:new york@1 | w:city@12", 0, 0, 0},
        {"China's 912.7 428,600", 0, "w:china's@1 | w:912.7@9 | w:428,600@15",
         0, 0, 0},
        {"U.S.", 0, "w:u@1 | w:s@3", 0, 0, 0},
        /* folded as documents are */
        {"CAFÉ naïve", 0, "w:cafe@1 | w:naive@6", 0, 0, 0},
        {"Cafe\xcc\x81 \"Stra\xc3\x9f"
         "e\"",
         0, "w:cafe@1 | p:strasse@7", 0, 0, 0},
        /* columns count characters, not bytes */
        {"日本 \"東京\" +ß", 0, "w:日@1 | w:本@2 | p:東 京@4 | +w:ss@10", 0, 0,
         0},
        {"ÅÅÅ -x", 0, "w:aaa@1 | -w:x@6", 0, 0, 0},
        /* control characters separate words */
        {"a\x01"
         "b\x1b[1m",
         0, "w:a@1 | w:b@3 | w:1m@6", 0, 0, 0},
    };

    CHECK_CASES(c);
}

Test(query, errors_say_what_and_where)
{
    static const struct pcase c[] = {
        {"\"cotton", 0, NULL, SE_EINVAL, 1, "unbalanced quote"},
        {"cotton \"", 0, NULL, SE_EINVAL, 8, "unbalanced quote"},
        {"\"a\" \"b", 0, NULL, SE_EINVAL, 5, "unbalanced quote"},
        {"+\"a b", 0, NULL, SE_EINVAL, 2, "unbalanced quote"},
        /* é and 日本語 are one column each, two and three bytes */
        {"café \"x", 0, NULL, SE_EINVAL, 6, "unbalanced quote"},
        {"日本語 +\"abc", 0, NULL, SE_EINVAL, 6, "unbalanced quote"},
        {"\xf0\x9f\x98\x80\xf0\x9f\x98\x80 \"", 0, NULL, SE_EINVAL, 4,
         "unbalanced quote"},
        {"\"\"", 0, NULL, SE_EINVAL, 1, "phrase has no words"},
        {"cotton \"\" wheat", 0, NULL, SE_EINVAL, 8, "phrase has no words"},
        {"cotton \" ,;- \"", 0, NULL, SE_EINVAL, 8, "phrase has no words"},
        {"ü +\"\"", 0, NULL, SE_EINVAL, 3, "phrase has no words"},
        {"", 0, NULL, SE_EINVAL, 0, "empty query"},
        {"   \t\n ", 0, NULL, SE_EINVAL, 0, "empty query"},
        {"..., ;; --", 0, NULL, SE_EINVAL, 0, "empty query"},
        {"+ -", 0, NULL, SE_EINVAL, 0, "empty query"},
        {"-cotton", 0, NULL, SE_EINVAL, 0, "excluded"},
        {"-cotton -\"x y\"", 0, NULL, SE_EINVAL, 0, "excluded"},
        {"-China-Russia", 0, NULL, SE_EINVAL, 0, "excluded"},
        {"-cotton", QRY_ALL, NULL, SE_EINVAL, 0, "excluded"},
    };

    CHECK_CASES(c);
}

Test(query, plain_reads_operators_as_text)
{
    static const struct pcase c[] = {
        {"\"Telliani Valley\" +cotton -x", QRY_PLAIN,
         "w:telliani@2 | w:valley@11 | w:cotton@20 | w:x@28", 0, 0, 0},
        {"\"cotton", QRY_PLAIN, "w:cotton@2", 0, 0, 0},
        {"-cotton", QRY_PLAIN, "w:cotton@2", 0, 0, 0},
        {"a\"b\"c", QRY_PLAIN, "w:a@1 | w:b@3 | w:c@5", 0, 0, 0},
        {"\"\"", QRY_PLAIN, NULL, SE_EINVAL, 0, "empty query"},
        {"\" - + \"", QRY_PLAIN, NULL, SE_EINVAL, 0, "empty query"},
    };

    CHECK_CASES(c);
}

Test(query, all_makes_every_clause_required)
{
    static const struct pcase c[] = {
        {"cotton harvesting -x \"a b\"", QRY_ALL,
         "+w:cotton@1 | +w:harvesting@8 | -w:x@20 | +p:a b@22", 0, 0, 0},
        {"+cotton wheat", QRY_ALL, "+w:cotton@2 | +w:wheat@9", 0, 0, 0},
        {"China-Russia", QRY_ALL, "+w:china@1 | +w:russia@7", 0, 0, 0},
        {"-cotton \"x", QRY_ALL | QRY_PLAIN, "+w:cotton@2 | +w:x@10", 0, 0, 0},
    };

    CHECK_CASES(c);
}

/* Parse `text` (len bytes); the return code, *out freed. */
static int
parse_len(struct tok *tok, const char *text, size_t len, int flags,
          struct qry_node **out, struct qry_error *err)
{
    return qry_parse(text, len, flags, tok, out, err);
}

Test(query, limits_give_elimit)
{
    struct tok *tok = new_tok();
    struct qry_node *q;
    struct qry_error err;
    struct buf b = BUF_INIT;
    size_t i;
    int rc;

    /* QRY_MAX_BYTES: one long word is fine up to the limit. */
    for (i = 0; i < QRY_MAX_BYTES; i++)
        buf_putc(&b, 'a');
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_OK, "%d bytes: %s: %s", QRY_MAX_BYTES, se_strerror(rc),
                 err.msg);
    cr_assert(q->nkids == 1 && strlen(q->kids[0]->words[0]) <= TOK_MAX_BYTES,
              "a %d-byte word gives %zu clauses", QRY_MAX_BYTES, q->nkids);
    qry_free(q);
    buf_putc(&b, 'a');
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_ELIMIT, "%d bytes: %s, want SE_ELIMIT",
                 QRY_MAX_BYTES + 1, se_strerror(rc));
    cr_assert_null(q, "*out not NULL after SE_ELIMIT");
    cr_assert(strstr(err.msg, "too long") && err.column == 0,
              "too many bytes: \"%s\" at column %zu", err.msg, err.column);

    /* QRY_MAX_CLAUSES words; one more is refused at its column. */
    buf_clear(&b);
    for (i = 0; i < QRY_MAX_CLAUSES; i++)
        buf_puts(&b, i ? " x" : "x");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_OK, "%d words: %s: %s", QRY_MAX_CLAUSES,
                 se_strerror(rc), err.msg);
    cr_assert_eq(q->nkids, QRY_MAX_CLAUSES, "%d words give %zu clauses",
                 QRY_MAX_CLAUSES, q->nkids);
    qry_free(q);
    buf_puts(&b, " x");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_ELIMIT, "%d words: %s, want SE_ELIMIT",
                 QRY_MAX_CLAUSES + 1, se_strerror(rc));
    cr_assert_null(q, "*out not NULL after SE_ELIMIT");
    cr_assert_eq(err.column, 2 * QRY_MAX_CLAUSES + 1,
                 "too many words: column %zu, want %d (%s)", err.column,
                 2 * QRY_MAX_CLAUSES + 1, err.msg);
    cr_assert(strstr(err.msg, "too many words"), "message: %s", err.msg);

    /* The same with one hyphenated word, and with phrases. */
    buf_clear(&b);
    for (i = 0; i <= QRY_MAX_CLAUSES; i++)
        buf_puts(&b, i ? "-x" : "x");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_ELIMIT, "a word of %d tokens: %s, want SE_ELIMIT",
                 QRY_MAX_CLAUSES + 1, se_strerror(rc));
    buf_clear(&b);
    for (i = 0; i < QRY_MAX_CLAUSES; i++)
        buf_puts(&b, "\"x\" ");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_OK, "%d phrases: %s: %s", QRY_MAX_CLAUSES,
                 se_strerror(rc), err.msg);
    qry_free(q);
    buf_puts(&b, "\"x\"");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_ELIMIT, "%d phrases: %s, want SE_ELIMIT",
                 QRY_MAX_CLAUSES + 1, se_strerror(rc));
    cr_assert_eq(err.column, 4 * QRY_MAX_CLAUSES + 1,
                 "too many phrases: column %zu, want %d", err.column,
                 4 * QRY_MAX_CLAUSES + 1);

    /* QRY_MAX_PHRASE words in a phrase; the error is at its quote. */
    buf_clear(&b);
    buf_puts(&b, "é \"");
    for (i = 0; i < QRY_MAX_PHRASE; i++)
        buf_puts(&b, i ? " w" : "w");
    buf_putc(&b, '"');
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_OK, "a phrase of %d words: %s: %s", QRY_MAX_PHRASE,
                 se_strerror(rc), err.msg);
    cr_assert_eq(q->kids[1]->nwords, QRY_MAX_PHRASE, "phrase of %zu words",
                 q->kids[1]->nwords);
    qry_free(q);
    b.len--; /* drop the closing quote */
    buf_puts(&b, "-w\"");
    rc = parse_len(tok, (const char *)b.data, b.len, 0, &q, &err);
    cr_assert_eq(rc, SE_ELIMIT, "a phrase of %d words: %s, want SE_ELIMIT",
                 QRY_MAX_PHRASE + 1, se_strerror(rc));
    cr_assert_null(q, "*out not NULL after SE_ELIMIT");
    cr_assert_eq(err.column, 3, "long phrase: column %zu, want 3 (%s)",
                 err.column, err.msg);
    cr_assert(strstr(err.msg, "phrase too long"), "message: %s", err.msg);
    buf_release(&b);
    tok_free(tok);
}

/* Is s[0, n) valid UTF-8 without C0 controls? */
static int
clean_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0, need, k;

    while (i < n) {
        unsigned c = s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c < 0x80)
            need = 0;
        else if (c >= 0xc2 && c <= 0xdf)
            need = 1;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3;
        else
            return 0;
        if (i + need >= n)
            return 0;
        for (k = 1; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

/*
 * The invariants of any tree: leaves have words (a TERM one), clean UTF-8
 * without spaces or quotes, columns inside the text, labels; groups have
 * kids and one that is not excluded; no operator with QRY_PLAIN; depth
 * within QRY_MAX_DEPTH.
 */
static void
check_tree(const struct qry_node *q, size_t i, int flags, size_t nch,
           size_t depth)
{
    size_t j, w, positive = 0;

    cr_assert_leq(depth, QRY_MAX_DEPTH + 1, "input %zu: depth %zu", i, depth);
    for (j = 0; j < q->nkids; j++) {
        const struct qry_node *k = q->kids[j];
        positive += k->occur != QRY_MUST_NOT;
        cr_assert(k->column >= 1 && k->column <= nch,
                  "input %zu: clause %zu at column %zu of %zu", i, j, k->column,
                  nch);
        cr_assert(!(flags & QRY_PLAIN) ||
                      (k->kind == QRY_TERM && k->modes[0] == QRY_W_STEM &&
                       k->field == QRY_ANY),
                  "input %zu: an operator with QRY_PLAIN", i);
        if (k->kind == QRY_BOOL) {
            cr_assert_gt(k->nkids, 1, "input %zu: a group of %zu", i, k->nkids);
            check_tree(k, i, flags, nch, depth + 1);
            continue;
        }
        cr_assert(k->kind == QRY_TERM
                      ? k->nwords == 1
                      : k->nwords >= 1 && k->nwords <= QRY_MAX_PHRASE,
                  "input %zu: clause %zu has kind %d and %zu words", i, j,
                  (int)k->kind, k->nwords);
        cr_assert(k->label && k->label[0], "input %zu: clause %zu unlabelled",
                  i, j);
        for (w = 0; w < k->nwords; w++) {
            size_t n = strlen(k->words[w]);
            cr_assert(n > 0 && n <= TOK_MAX_BYTES &&
                          clean_utf8((const unsigned char *)k->words[w], n) &&
                          !strchr(k->words[w], ' ') &&
                          !strchr(k->words[w], '"'),
                      "input %zu: clause %zu word %zu is \"%s\"", i, j, w,
                      k->words[w]);
        }
    }
    cr_assert_gt(positive, 0, "input %zu: a group with every kid excluded", i);
}

/* Random bytes: a valid tree or an error, never a crash or a leak. */
Test(query, random_bytes_never_crash)
{
    static const char alphabet[] = "ab \"+-\t\n\x01\x7f\xc3\xa9\xe6\x97\xa5"
                                   "\x80\xff\xf0\x9f\x98\x80'.,0()*~=:";
    static const char *const pieces[] = {"AND ",    "OR ",    "NOT ", "NEAR ",
                                         "NEAR/3 ", "title:", "body:"};
    struct tok *tok = new_tok();
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char text[200];
    size_t i, j, ok = 0, bad = 0;

    for (i = 0; i < 30000; i++) {
        struct qry_node *q;
        struct qry_error err;
        size_t len = rnd(&seed) % sizeof text, nch;
        int flags = (int)(rnd(&seed) % 8), rc;
        for (j = 0; j < len; j++) {
            uint64_t r = rnd(&seed);
            const char *piece = pieces[(r >> 24) % 7];
            if (r % 7 == 0 && j + strlen(piece) <= len) {
                memcpy(text + j, piece, strlen(piece));
                j += strlen(piece) - 1;
                continue;
            }
            text[j] = r % 3 ? alphabet[(r >> 8) % (sizeof alphabet - 1)]
                            : (char)(r >> 16);
        }
        nch = chars(text, len);
        rc = qry_parse(text, len, flags, tok, &q, &err);
        cr_assert(rc == SE_OK || rc == SE_EINVAL || rc == SE_ELIMIT,
                  "input %zu: %s (only SE_OK, SE_EINVAL or SE_ELIMIT)", i,
                  se_strerror(rc));
        if (rc != SE_OK) {
            bad++;
            cr_assert_null(q, "input %zu: *out set after an error", i);
            cr_assert(err.msg[0] != '\0', "input %zu: no message", i);
            cr_assert_leq(err.column, nch + 1,
                          "input %zu: column %zu past the end (%zu chars)", i,
                          err.column, nch);
            continue;
        }
        ok++;
        cr_assert(q->kind == QRY_BOOL && q->nkids > 0, "input %zu: empty tree",
                  i);
        check_tree(q, i, flags, nch, 0);
        qry_free(q);
    }
    cr_assert(ok > 1000 && bad > 1000,
              "%zu parsed, %zu refused: too few of one", ok, bad);
    tok_free(tok);
}

Test(query, free_accepts_null)
{
    qry_free(NULL);
}

Test(query, boolean_operators_and_precedence)
{
    static const struct pcase c[] = {
        {"cotton AND harvest", 0, "+w:cotton@1 | +w:harvest@12", 0, 0, 0},
        {"cotton OR wheat", 0, "w:cotton@1 | w:wheat@11", 0, 0, 0},
        /* NOT > AND > OR; juxtaposition is OR */
        {"a OR b AND c", 0, "w:a@1 | (+w:b@6 | +w:c@12)@6", 0, 0, 0},
        {"a AND b OR c", 0, "(+w:a@1 | +w:b@7)@1 | w:c@12", 0, 0, 0},
        {"a b AND c", 0, "w:a@1 | (+w:b@3 | +w:c@9)@3", 0, 0, 0},
        {"(a OR b) AND c", 0, "+(w:a@2 | w:b@7)@1 | +w:c@14", 0, 0, 0},
        {"a AND NOT b", 0, "+w:a@1 | -w:b@11", 0, 0, 0},
        {"NOT b AND a", 0, "-w:b@5 | +w:a@11", 0, 0, 0},
        {"a NOT b", 0, "w:a@1 | -w:b@7", 0, 0, 0},
        {"a OR NOT b", 0, "w:a@1 | -w:b@10", 0, 0, 0},
        /* lower case is no operator */
        {"and or not near", 0, "w:and@1 | w:or@5 | w:not@8 | w:near@12", 0, 0,
         0},
        {"ANDY ORE NOTE", 0, "w:andy@1 | w:ore@6 | w:note@10", 0, 0, 0},
        /* nested groups of one kind are flattened, (x) is x */
        {"a AND (b AND c)", 0, "+w:a@1 | +w:b@8 | +w:c@14", 0, 0, 0},
        {"(a OR b) OR c", 0, "w:a@2 | w:b@7 | w:c@13", 0, 0, 0},
        {"((a))", 0, "w:a@3", 0, 0, 0},
        {"(+a) b", 0, "+w:a@3 | w:b@6", 0, 0, 0},
        {"-(a OR b) c", 0, "-(w:a@3 | w:b@8)@1 | w:c@11", 0, 0, 0},
        {"x (a AND NOT b)", 0, "w:x@1 | (+w:a@4 | -w:b@14)@3", 0, 0, 0},
        {"a AND -b", 0, "+w:a@1 | -w:b@8", 0, 0, 0},
        {"a AND +b", 0, "+w:a@1 | +w:b@8", 0, 0, 0},
        {"+a OR b", 0, "+w:a@2 | w:b@7", 0, 0, 0},
        {"a AND China-Russia", 0, "+w:a@1 | +w:china@7 | +w:russia@13", 0, 0,
         0},
        {"(a)(b)", 0, "w:a@2 | w:b@5", 0, 0, 0},
        /* QRY_ALL: juxtaposition is AND, OR stays OR */
        {"a b OR c", QRY_ALL, "(+w:a@1 | +w:b@3)@1 | w:c@8", 0, 0, 0},
        {"a OR b", QRY_ALL, "w:a@1 | w:b@6", 0, 0, 0},
        {"(a OR b) c", QRY_ALL, "+(w:a@2 | w:b@7)@1 | +w:c@10", 0, 0, 0},
        {"a NOT b", QRY_ALL, "+w:a@1 | -w:b@7", 0, 0, 0},
    };

    CHECK_CASES(c);
}

Test(query, phrases_fields_prefixes_and_near)
{
    static const struct pcase c[] = {
        {"\"cotton harvest\"~2", 0, "p:cotton harvest~2@1", 0, 0, 0},
        {"\"cotton harvest\"~0 x", 0, "p:cotton harvest@1 | w:x@20", 0, 0, 0},
        {"~\"cotton harvesting\"", 0, "s:cotton harvesting@1", 0, 0, 0},
        {"\"cotton harvesting\"", QRY_STEM_PHRASES, "s:cotton harvesting@1", 0,
         0, 0},
        {"=Organization", 0, "p:organization@1", 0, 0, 0},
        {"=Organization", QRY_STEM_PHRASES, "p:organization@1", 0, 0, 0},
        {"+=a -=b", 0, "+p:a@1 | -p:b@5", 0, 0, 0},
        {"Khorg* jinyi", 0, "w:khorg*@1 | w:jinyi@8", 0, 0, 0},
        {"a*b", 0, "w:a@1 | w:b@3", 0, 0, 0},
        {"title:cotton", 0, "title:w:cotton@1", 0, 0, 0},
        {"x -title:cotton", 0, "w:x@1 | -title:w:cotton@3", 0, 0, 0},
        {"title:China-Russia", 0, "title:w:china@1 | title:w:russia@1", 0, 0,
         0},
        {"title:\"Xinjiang business\"", 0, "title:p:xinjiang business@1", 0, 0,
         0},
        {"body:khorg*", 0, "body:w:khorg*@1", 0, 0, 0},
        {"title:=Cotton", 0, "title:p:cotton@1", 0, 0, 0},
        {"title:~\"cotton crops\"~1", 0, "title:s:cotton crops~1@1", 0, 0, 0},
        {"Title:cotton", 0, "w:title@1 | w:cotton@7", 0, 0, 0},
        {"cotton NEAR/5 Xinjiang", 0, "n/5:cotton xinjiang@1", 0, 0, 0},
        {"cotton NEAR xinjiang", 0, "n/10:cotton xinjiang@1", 0, 0, 0},
        {"a NEAR b NEAR =c", 0, "n/10:a b =c@1", 0, 0, 0},
        {"a NEAR/2 khorg*", 0, "n/2:a khorg*@1", 0, 0, 0},
        {"x OR a NEAR b", 0, "w:x@1 | n/10:a b@6", 0, 0, 0},
        {"-a NEAR b c", 0, "-n/10:a b@2 | w:c@11", 0, 0, 0},
        {"title:a NEAR title:b", 0, "title:n/10:a b@1", 0, 0, 0},
        {"a NEAR (b)", 0, "n/10:a b@1", 0, 0, 0},
    };

    CHECK_CASES(c);
}

struct ecase {
    const char *text;
    int flags, rc;
    size_t column;
    const char *msg, *hint; /* parts of them */
};

Test(query, errors_have_columns_and_hints)
{
    static const struct ecase c[] = {
        {"\"cotton", 0, SE_EINVAL, 1, "unbalanced quote",
         "close the phrase with another \""},
        {"(cotton", 0, SE_EINVAL, 1, "unbalanced parenthesis", "close it"},
        {"a (b (c)", 0, SE_EINVAL, 3, "unbalanced parenthesis", "close it"},
        {"cotton)", 0, SE_EINVAL, 7, "unbalanced parenthesis", "add ("},
        {"()", 0, SE_EINVAL, 1, "empty parentheses", "put words"},
        {"a ( ,, )", 0, SE_EINVAL, 3, "empty parentheses", "put words"},
        {"AND cotton", 0, SE_EINVAL, 1, "AND needs a clause before it",
         "lower case"},
        {"cotton AND", 0, SE_EINVAL, 8, "AND needs a clause after it",
         "lower case"},
        {"cotton AND OR x", 0, SE_EINVAL, 8, "AND needs a clause after it",
         "lower case"},
        {"OR cotton", 0, SE_EINVAL, 1, "OR needs a clause before it",
         "lower case"},
        {"cotton OR", 0, SE_EINVAL, 8, "OR needs a clause after it",
         "lower case"},
        {"cotton OR OR wheat", 0, SE_EINVAL, 8, "OR needs a clause after it",
         "lower case"},
        {"(a OR) b", 0, SE_EINVAL, 4, "OR needs a clause after it",
         "lower case"},
        {"cotton NOT", 0, SE_EINVAL, 8, "NOT needs a clause after it",
         "cotton AND NOT wheat"},
        {"NOT cotton", 0, SE_EINVAL, 0, "every word is excluded", "add a word"},
        {"a AND (NOT b OR NOT c)", 0, SE_EINVAL, 7,
         "every clause of this group is excluded", "NOT and -"},
        {"NOT NOT a", 0, SE_EINVAL, 1, "of an excluded clause", "remove one"},
        {"x -(-a)", 0, SE_EINVAL, 3, "of an excluded clause", "remove one"},
        {"NEAR a", 0, SE_EINVAL, 1, "NEAR needs a clause before it",
         "lower case"},
        {"a NEAR", 0, SE_EINVAL, 3, "NEAR needs a word after it",
         "cotton NEAR/5 xinjiang"},
        {"\"a b\" NEAR c", 0, SE_EINVAL, 7, "NEAR joins single words",
         "\"cotton xinjiang\"~5"},
        {"a NEAR China-Russia", 0, SE_EINVAL, 3, "NEAR joins single words",
         "NEAR/5"},
        {"a NEAR/x b", 0, SE_EINVAL, 3, "NEAR/ needs a number", "NEAR/5"},
        {"a NEAR/0 b", 0, SE_EINVAL, 3, "NEAR/ needs a number", "NEAR/5"},
        {"a NEAR/2 b NEAR/3 c", 0, SE_EINVAL, 12, "one distance", "AND"},
        {"a NEAR/5000 b", 0, SE_ELIMIT, 3, "too large", "smaller"},
        {"title:a NEAR body:b", 0, SE_EINVAL, 9, "one field", "same field"},
        {"\"a b\"~x", 0, SE_EINVAL, 6, "~ after a phrase needs a number", "~2"},
        {"\"a b\"~99999", 0, SE_ELIMIT, 6, "slop too large", "smaller"},
        {"title:", 0, SE_EINVAL, 1, "title: needs a word or a phrase",
         "title:cotton"},
        {"x body: cotton", 0, SE_EINVAL, 3, "body: needs a word or a phrase",
         "title:cotton"},
        {"title:,,,", 0, SE_EINVAL, 1, "title: needs a word", "title:cotton"},
        {"title:(a b)", 0, SE_EINVAL, 1, "one word or one phrase",
         "title:\"cotton harvest\""},
        {"a-b*", 0, SE_EINVAL, 1, "a prefix* must be one word", "khorg*"},
        {"*", 0, SE_EINVAL, 1, "a prefix* must be one word", "khorg*"},
        {"x ab**", 0, SE_EINVAL, 3, "a prefix* must be one word", "khorg*"},
        {"=,,,", 0, SE_EINVAL, 1, "=word has no words", "letters or digits"},
        {"\"\"", 0, SE_EINVAL, 1, "phrase has no words", "letters or digits"},
    };
    struct tok *tok = new_tok();
    size_t i;

    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct qry_node *q = NULL;
        struct qry_error err;
        int rc =
            qry_parse(c[i].text, strlen(c[i].text), c[i].flags, tok, &q, &err);
        cr_expect_eq(rc, c[i].rc, "'%s': %s, want %s (%s)", c[i].text,
                     se_strerror(rc), se_strerror(c[i].rc), err.msg);
        cr_expect_null(q, "'%s': *out is not NULL after an error", c[i].text);
        if (rc == SE_OK) {
            qry_free(q);
            continue;
        }
        cr_expect_eq(err.column, c[i].column,
                     "'%s': error at column %zu, want %zu (%s)", c[i].text,
                     err.column, c[i].column, err.msg);
        cr_expect(strstr(err.msg, c[i].msg) != NULL,
                  "'%s': message \"%s\" does not say \"%s\"", c[i].text,
                  err.msg, c[i].msg);
        cr_expect(strstr(err.hint, c[i].hint) != NULL,
                  "'%s': hint \"%s\" does not say \"%s\"", c[i].text, err.hint,
                  c[i].hint);
    }
    tok_free(tok);
}

/* Parse b's bytes; the code, the tree freed, the error in *err. */
static int
parse_buf(struct tok *tok, const struct buf *b, int flags,
          struct qry_error *err)
{
    struct qry_node *q = NULL;
    int rc = qry_parse((const char *)b->data, b->len, flags, tok, &q, err);

    if (rc != SE_OK)
        cr_assert_null(q, "*out not NULL after %s", se_strerror(rc));
    qry_free(q);
    return rc;
}

Test(query, nesting_terms_and_bytes_are_bounded)
{
    struct tok *tok = new_tok();
    struct qry_error err;
    struct buf b = BUF_INIT;
    size_t i;
    int rc;

    /* QRY_MAX_DEPTH parentheses nest; one more is refused at its column. */
    for (i = 0; i < QRY_MAX_DEPTH; i++)
        buf_putc(&b, '(');
    buf_puts(&b, "a b");
    for (i = 0; i < QRY_MAX_DEPTH; i++)
        buf_putc(&b, ')');
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_OK, "%d levels: %s: %s", QRY_MAX_DEPTH, se_strerror(rc),
                 err.msg);
    buf_clear(&b);
    for (i = 0; i < 10000; i++)
        buf_putc(&b, '(');
    buf_putc(&b, 'a');
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "10000 parentheses: %s", se_strerror(rc));
    cr_assert_eq(err.column, QRY_MAX_DEPTH + 1, "depth error at column %zu",
                 err.column);
    cr_assert(strstr(err.msg, "too deeply nested") && err.hint[0],
              "message \"%s\", hint \"%s\"", err.msg, err.hint);
    /* NOT nests too: 10000 of them are refused, not recursed into. */
    buf_clear(&b);
    for (i = 0; i < 10000; i++)
        buf_puts(&b, "NOT ");
    buf_putc(&b, 'a');
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "10000 NOTs: %s (%s)", se_strerror(rc),
                 err.msg);

    /* 10,000 terms, with and without operators: refused at the 1025th. */
    buf_clear(&b);
    for (i = 0; i < 10000; i++)
        buf_puts(&b, i ? " AND x" : "x");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "10000 ANDed terms: %s", se_strerror(rc));
    cr_assert(strstr(err.msg, "too many words"), "message: %s", err.msg);
    cr_assert_eq(err.column, 6 * QRY_MAX_CLAUSES + 1,
                 "too many words: column %zu, want %d", err.column,
                 6 * QRY_MAX_CLAUSES + 1);
    buf_clear(&b);
    for (i = 0; i < 10000; i++)
        buf_puts(&b, "(a OR b) ");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "10000 groups: %s", se_strerror(rc));

    /* 100 KB: refused before parsing. */
    buf_clear(&b);
    for (i = 0; i < 100 * 1024; i++)
        buf_putc(&b, i % 2 ? ' ' : 'x');
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "100 KB: %s", se_strerror(rc));
    cr_assert(strstr(err.msg, "too long") && err.hint[0], "message: %s",
              err.msg);

    /* QRY_MAX_PREFIXES prefixes; one more is refused at its column. */
    buf_clear(&b);
    for (i = 0; i < QRY_MAX_PREFIXES; i++)
        buf_puts(&b, "ab* ");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_OK, "%d prefixes: %s", QRY_MAX_PREFIXES,
                 se_strerror(rc));
    buf_puts(&b, "ab*");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "%d prefixes: %s", QRY_MAX_PREFIXES + 1,
                 se_strerror(rc));
    cr_assert_eq(err.column, 4 * QRY_MAX_PREFIXES + 1,
                 "too many prefixes: column %zu", err.column);

    /* A NEAR chain is as long as a phrase may be. */
    buf_clear(&b);
    for (i = 0; i < QRY_MAX_PHRASE; i++)
        buf_puts(&b, i ? " NEAR w" : "w");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_OK, "a chain of %d: %s", QRY_MAX_PHRASE,
                 se_strerror(rc));
    buf_puts(&b, " NEAR w");
    rc = parse_buf(tok, &b, 0, &err);
    cr_assert_eq(rc, SE_ELIMIT, "a chain of %d: %s", QRY_MAX_PHRASE + 1,
                 se_strerror(rc));
    buf_release(&b);
    tok_free(tok);
}

Test(query, plain_ignores_every_operator)
{
    static const struct pcase c[] = {
        {"(a AND b) OR NOT c", QRY_PLAIN,
         "w:a@2 | w:and@4 | w:b@8 | w:or@11 | w:not@14 | w:c@18", 0, 0, 0},
        {"title:cotton khorg* =x ~\"y\"~2 a NEAR/3 b", QRY_PLAIN,
         "w:title@1 | w:cotton@7 | w:khorg@14 | w:x@22 | w:y@26 | w:2@29 | "
         "w:a@31 | w:near@33 | w:3@38 | w:b@40",
         0, 0, 0},
        {"(a OR b", QRY_PLAIN | QRY_ALL, "+w:a@2 | +w:or@4 | +w:b@7", 0, 0, 0},
        {"\"a b\"", QRY_PLAIN | QRY_STEM_PHRASES, "w:a@2 | w:b@4", 0, 0, 0},
        {"NOT", QRY_PLAIN, "w:not@1", 0, 0, 0},
        {"( )", QRY_PLAIN, NULL, SE_EINVAL, 0, "empty query"},
    };

    CHECK_CASES(c);
}

Test(query, labels_are_the_clauses_as_written)
{
    static const char text[] = "Cotton title:\"Xinjiang Business\"~1 khorg* "
                               "-=Organization a NEAR/3 b body:Tea";
    static const char *const want[] = {
        "Cotton",     "title:\"Xinjiang Business\"~1",
        "khorg*",     "=Organization",
        "a NEAR/3 b", "body:Tea"};
    struct tok *tok = new_tok();
    struct qry_node *q;
    struct qry_error err;
    size_t i;
    int rc = qry_parse(text, strlen(text), 0, tok, &q, &err);

    cr_assert_eq(rc, SE_OK, "%s: %s", se_strerror(rc), err.msg);
    cr_assert_eq(q->nkids, 6, "%zu clauses", q->nkids);
    for (i = 0; i < 6; i++)
        cr_expect_str_eq(q->kids[i]->label, want[i], "clause %zu: \"%s\"", i,
                         q->kids[i]->label);
    qry_free(q);
    tok_free(tok);
}

/* qry_drop_stopwords(): the tree left and the words dropped ("|"-joined). */
Test(query, stop_words_leave_only_bare_ranked_words)
{
    static const struct {
        const char *text;
        int flags;
        const char *tree, *dropped;
    } c[] = {
        {"the price of oil", 0, "w:price@5 | w:oil@14", "the|of"},
        {"The price OF oil", QRY_PLAIN, "w:price@5 | w:oil@14", "the|of"},
        /* a query of stop words only stays whole */
        {"the who", 0, "w:the@1 | w:who@5", ""},
        {"to be or not to be", QRY_PLAIN,
         "w:to@1 | w:be@4 | w:or@7 | w:not@10 | w:to@14 | w:be@17", ""},
        /* what the user marked keeps them */
        {"+the cotton", 0, "+w:the@2 | w:cotton@6", ""},
        {"\"town of cotton\" the", 0, "p:town of cotton@1", "the"},
        {"=the cotton", 0, "p:the@1 | w:cotton@6", ""},
        {"title:the cotton", 0, "title:w:the@1 | w:cotton@11", ""},
        {"the* cotton", 0, "w:the*@1 | w:cotton@6", ""},
        {"the NEAR/3 cotton", 0, "n/3:the cotton@1", ""},
        {"the AND cotton", 0, "+w:the@1 | +w:cotton@9", ""},
        {"the cotton", QRY_ALL, "+w:the@1 | +w:cotton@5", ""},
        /* an excluded clause does not count as a reason to drop */
        {"the -cotton", 0, "w:the@1 | -w:cotton@6", ""},
        {"the -cotton wheat", 0, "-w:cotton@6 | w:wheat@13", "the"},
        /* each group on its own */
        {"(the OR of) cotton", 0, "w:cotton@13", "the|of"}, /* one group */
        {"(the OR of) AND cotton", 0, "+(w:the@2 | w:of@9)@1 | +w:cotton@17",
         ""},
        {"(the OR oil) AND (of OR wheat)", 0, "+(w:oil@9)@1 | +(w:wheat@25)@18",
         "the|of"},
        {"China's don't isn't", 0, "w:china's@1", "don't|isn't"},
    };
    struct tok *tok = new_tok();
    const struct stop_list *en = stop_list_for("english");
    struct buf tree = BUF_INIT, dropped = BUF_INIT;
    size_t i, k;

    for (i = 0; i < sizeof c / sizeof *c; i++) {
        struct qry_node *q;
        struct qry_error err;
        int rc =
            qry_parse(c[i].text, strlen(c[i].text), c[i].flags, tok, &q, &err);
        cr_assert_eq(rc, SE_OK, "'%s': %s", c[i].text, err.msg);
        buf_clear(&dropped);
        rc = qry_drop_stopwords(q, en, &dropped);
        cr_assert_eq(rc, SE_OK);
        render(q, &tree);
        cr_expect_str_eq(buf_cstr(&tree), c[i].tree, "'%s' gives\n  %s",
                         c[i].text, buf_cstr(&tree));
        for (k = 0; k + 1 < dropped.len; k++)
            if (dropped.data[k] == '\0')
                dropped.data[k] = '|';
        if (dropped.len)
            dropped.len--; /* the last NUL */
        cr_expect_str_eq(buf_cstr(&dropped), c[i].dropped, "'%s' dropped %s",
                         c[i].text, buf_cstr(&dropped));
        /* No list, no change. */
        qry_free(q);
        rc = qry_parse(c[i].text, strlen(c[i].text), c[i].flags, tok, &q, &err);
        cr_assert_eq(rc, SE_OK);
        cr_assert_eq(qry_drop_stopwords(q, NULL, NULL), SE_OK);
        cr_expect(q->nkids >= 1);
        qry_free(q);
    }
    buf_release(&tree);
    buf_release(&dropped);
    tok_free(tok);
}
