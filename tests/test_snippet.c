/*
 * test_snippet.c - snippets: which tokens are marked (stems of the bare
 * words, whole occurrences of the phrases, never excluded words), where
 * the window sits, the ellipses, and output that is safe to print (one
 * line, valid UTF-8, no control characters) whatever the text holds.
 *
 * Hand-written cases pin the exact output; on Reuters documents the output
 * is checked against the text itself: tokenized again, it must be a run of
 * the document's tokens, marked exactly where the test's own scan says.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "error.h"
#include "query.h"
#include "snippet.h"
#include "stemmer.h"
#include "tokenizer.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define ELLIPSIS "…"

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

struct env {
    struct tok *tok;
    struct stem *stem;
};

static void
env_init(struct env *e)
{
    int rc = tok_new(&e->tok);

    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    rc = stem_new("english", &e->stem);
    cr_assert_eq(rc, SE_OK, "stem_new: %s", se_strerror(rc));
}

static void
env_release(struct env *e)
{
    tok_free(e->tok);
    stem_free(e->stem);
}

static struct qry_node *
parse(struct env *e, const char *query)
{
    struct qry_node *q;
    struct qry_error err;
    int rc = qry_parse(query, strlen(query), 0, e->tok, &q, &err);

    cr_assert_eq(rc, SE_OK, "qry_parse(%s): %s", query, err.msg);
    return q;
}

/* The snippet of `text` for `query` into `out`; returns snip_make's. */
static int
snippet(struct env *e, const char *query, const char *text, size_t len,
        size_t words, const char *on, const char *off, struct buf *out)
{
    struct qry_node *q = parse(e, query);
    struct snip *s;
    int rc = snip_new(e->stem, q, &s);

    cr_assert_eq(rc, SE_OK, "snip_new(%s): %s", query, se_strerror(rc));
    buf_clear(out);
    rc = snip_make(s, text, len, words, on, off, out);
    cr_assert_geq(rc, 0, "snip_make(%s): %s", query, se_strerror(rc));
    snip_free(s);
    qry_free(q);
    return rc;
}

/*
 * Is out[0, n) one clean line: valid UTF-8 (no overlong forms or
 * surrogates), no C0 or C1 control characters but the bytes in `allow`,
 * no line or paragraph separators, no two spaces in a row, no space at
 * either end? Returns NULL or what is wrong.
 */
static const char *
unclean(const unsigned char *s, size_t n, const char *allow)
{
    size_t i = 0, k, need;

    if (n && (s[0] == ' ' || s[n - 1] == ' '))
        return "space at an end";
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 || c == 0x7f) && !(c && strchr(allow, (int)c)))
                return "C0 control character";
            if (c == ' ' && i + 1 < n && s[i + 1] == ' ')
                return "two spaces";
            i++;
            continue;
        }
        need = c >= 0xc2 && c <= 0xdf   ? 1
               : c >= 0xe0 && c <= 0xef ? 2
               : c >= 0xf0 && c <= 0xf4 ? 3
                                        : 0;
        if (need == 0 || i + need >= n)
            return "invalid UTF-8 lead byte or truncated sequence";
        for (k = 1; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return "invalid UTF-8 continuation";
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xf0 && s[i + 1] < 0x90))
            return "overlong UTF-8";
        if ((c == 0xed && s[i + 1] >= 0xa0) || (c == 0xf4 && s[i + 1] >= 0x90))
            return "surrogate or code point past U+10FFFF";
        if (c == 0xc2 && s[i + 1] < 0xa0)
            return "C1 control character";
        if (c == 0xe2 && s[i + 1] == 0x80 &&
            (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
            return "line or paragraph separator";
        i += need + 1;
    }
    return NULL;
}

/* ---------------------------------------------------------------- */
/* Hand-written cases                                                */
/* ---------------------------------------------------------------- */

struct scase {
    const char *query, *text;
    size_t words;
    const char *want;
    int marks;
};

static void
check_cases(const struct scase *c, size_t n)
{
    struct env e;
    struct buf out = BUF_INIT;
    size_t i;

    env_init(&e);
    for (i = 0; i < n; i++) {
        int marks = snippet(&e, c[i].query, c[i].text, strlen(c[i].text),
                            c[i].words, "[", "]", &out);
        const char *why = unclean(out.data, out.len, "");
        cr_expect_str_eq(buf_cstr(&out), c[i].want,
                         "query %s, %zu words:\n  got  \"%s\"\n  want \"%s\"",
                         c[i].query, c[i].words, buf_cstr(&out), c[i].want);
        cr_expect_eq(marks, c[i].marks, "query %s: %d marks, want %d",
                     c[i].query, marks, c[i].marks);
        cr_expect_null(why, "query %s: output \"%s\": %s", c[i].query,
                       buf_cstr(&out), why);
    }
    buf_release(&out);
    env_release(&e);
}

#define CHECK_CASES(c) check_cases(c, sizeof c / sizeof c[0])

Test(snippet, marks_stems_and_whole_phrases_only)
{
    static const struct scase c[] = {
        /* a bare word marks every token with its stem */
        {"harvesting", "Cotton harvested in 2020; the harvest was good.", 30,
         "Cotton [harvested] in 2020; the [harvest] was good", 2},
        {"organization", "organization organize organizations organ", 30,
         "[organization] [organize] [organizations] [organ]", 4},
        {"China", "China's exports to China, chinese", 30,
         "[China's] exports to [China], chinese", 2},
        /* a quoted word marks its exact form */
        {"\"organization\"", "organization organize organizations", 30,
         "[organization] organize organizations", 1},
        /* a phrase marks its occurrences, not its words elsewhere */
        {"\"new york\"", "New York is new and York is old; new york again.", 30,
         "[New] [York] is new and York is old; [new] [york] again", 4},
        {"\"a a\"", "a a a b a", 30, "[a] [a] [a] b a", 3},
        {"\"new york stock\"", "New York stock, new york times", 30,
         "[New] [York] [stock], new york times", 3},
        {"\"york new\"", "New York. New", 30, "New [York]. [New]", 2},
        /* excluded words and phrases are never marked */
        {"cotton -harvest", "cotton harvest cotton", 30,
         "[cotton] harvest [cotton]", 2},
        {"harvest -\"cotton harvest\"", "cotton harvest", 30,
         "cotton [harvest]", 1},
        {"+cotton -\"cotton harvest\"", "cotton harvest", 30,
         "[cotton] harvest", 1},
        /* words and phrases together */
        {"prices \"new york\"", "Prices in New York rose; york prices fell", 30,
         "[Prices] in [New] [York] rose; york [prices] fell", 4},
        {"China-Russia", "Russia and China trade", 30,
         "[Russia] and [China] trade", 2},
        /* nothing matches: the start of the text, no marks */
        {"zzz", "cotton harvest", 30, "cotton harvest", 0},
        {"cotton", "", 30, "", 0},
        {"cotton", " ,;. ", 30, "", 0},
    };

    CHECK_CASES(c);
}

Test(snippet, multibyte_text_stays_intact)
{
    static const struct scase c[] = {
        {"strasse", "Über die Straße — 東京タワー", 30,
         "Über die [Straße] — 東京タワー", 1},
        {"東京", "Über die Straße — 東京タワー", 30,
         "Über die Straße — [東][京]タワー", 2},
        {"\"京タ\"", "東京タワー", 30, "東[京][タ]ワー", 2},
        {"cafe", "Un café (Cafe\xcc\x81) CAFÉ", 30,
         "Un [café] ([Cafe\xcc\x81]) [CAFÉ]", 3},
        {"дом", "Это новый дом, новые дома", 30, "Это новый [дом], новые дома",
         1},
        {"emoji", "a \xf0\x9f\x98\x80 emoji", 30, "a \xf0\x9f\x98\x80 [emoji]",
         1},
    };

    CHECK_CASES(c);
}

Test(snippet, white_space_and_control_characters_are_cleaned)
{
    static const struct scase c[] = {
        {"cotton", "  lots   of\n\n\tcotton \r\n here  ", 30,
         "lots of [cotton] here", 1},
        {"cotton", "a \x1b cotton \x07\x7f b", 30, "a [cotton] b", 1},
        {"cotton", "a \x1b[31mred\x1b[0m cotton", 30, "a [31mred[0m [cotton]",
         1},
        /* invalid UTF-8 is dropped */
        {"cotton", "caf\xc3 cotton \xff\xfe end \xed\xa0\x80 x \xc0\xaf y", 30,
         "caf [cotton] end x y", 1},
        /* C1 controls too (U+009B is CSI, a terminal escape); NEL and
         * the line and paragraph separators break lines: a space */
        {"cotton",
         "a \xc2\x9b"
         "31m cotton\xc2\x85"
         "b",
         30, "a 31m [cotton] b", 1},
        {"cotton",
         "cotton\xe2\x80\xa8"
         "b\xe2\x80\xa9"
         "c",
         30, "[cotton] b c", 1},
        /* words the tokenizer splits on a dropped byte stay apart */
        {"cotton",
         "dlr\x7f"
         "cotton\x01"
         "b",
         30, "dlr [cotton] b", 1},
        {"cotton",
         "caf\xe9"
         "cotton",
         30, "caf [cotton]", 1},
    };

    CHECK_CASES(c);
}

/* "w0 w1 ... w<n-1>" */
static char *
numbered(size_t n)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++)
        buf_printf(&b, i ? " w%zu" : "w%zu", i);
    return (char *)buf_detach(&b, &n);
}

Test(snippet, window_shows_the_most_terms_with_some_context_before)
{
    char *text = numbered(100);
    const struct scase c[] = {
        /* a quarter of the window before the match, when there is room */
        {"w50", text, 10,
         ELLIPSIS " w48 w49 [w50] w51 w52 w53 w54 w55 w56 w57 " ELLIPSIS, 1},
        /* the same score: the earliest window */
        {"w90 w50", text, 10,
         ELLIPSIS " w48 w49 [w50] w51 w52 w53 w54 w55 w56 w57 " ELLIPSIS, 1},
        /* two distinct terms beat one, wherever it is */
        {"w10 w80 w82", text, 10,
         ELLIPSIS " w78 w79 [w80] w81 [w82] w83 w84 w85 w86 w87 " ELLIPSIS, 2},
        {"w0", text, 10, "[w0] w1 w2 w3 w4 w5 w6 w7 w8 w9 " ELLIPSIS, 1},
        {"w1", text, 10, "w0 [w1] w2 w3 w4 w5 w6 w7 w8 w9 " ELLIPSIS, 1},
        /* near the end the window is still full */
        {"w98", text, 10, ELLIPSIS " w90 w91 w92 w93 w94 w95 w96 w97 [w98] w99",
         1},
        {"w99 w97", text, 4, ELLIPSIS " w96 [w97] w98 [w99]", 2},
        {"zzz", text, 5, "w0 w1 w2 w3 w4 " ELLIPSIS, 0},
        {"w50", text, 0, ELLIPSIS " [w50] " ELLIPSIS, 1},
        {"w50", text, 1, ELLIPSIS " [w50] " ELLIPSIS, 1},
        /* a phrase longer than the window: what of it fits */
        {"\"w50 w51 w52\"", text, 2, ELLIPSIS " [w50] [w51] " ELLIPSIS, 2},
        {"w5", text, 1000, NULL, 1}, /* the whole text: below */
    };
    struct env e;
    struct buf out = BUF_INIT;
    size_t i;

    check_cases(c, sizeof c / sizeof c[0] - 1);
    env_init(&e);
    i = (size_t)snippet(&e, "w5", text, strlen(text), 1000, "[", "]", &out);
    cr_assert_eq(i, 1, "w5: %zu marks", i);
    text[strlen("w0 w1 w2 w3 w4 ")] = '\0';
    cr_assert(strncmp(buf_cstr(&out), text, strlen(text)) == 0 &&
                  strstr(buf_cstr(&out), "[w5] w6") &&
                  strstr(buf_cstr(&out), ELLIPSIS) == NULL &&
                  strcmp(buf_cstr(&out) + out.len - 4, " w99") == 0,
              "a window larger than the text: \"%s\"", buf_cstr(&out));
    buf_release(&out);
    env_release(&e);
    free(text);
}

Test(snippet, best_window_counts_distinct_terms_then_occurrences)
{
    static const struct scase c[] = {
        /* more occurrences of the one term: the later window */
        {"cotton", "cotton z z z z z z z z z z cotton z cotton z z z z z z z",
         4, ELLIPSIS " [cotton] z [cotton] z " ELLIPSIS, 2},
        /* two distinct terms beat three occurrences of one */
        {"cotton harvest price",
         "cotton cotton cotton z z z z z z z z harvest z price", 3,
         ELLIPSIS " [harvest] z [price]", 2},
        /* a phrase counts whole or not at all: here the earliest window
         * holds "stock" and only half the phrase, which stays unmarked */
        {"\"new york\" stock", "stock new york", 2, "[stock] new " ELLIPSIS, 1},
        {"\"new york\" stock", "z z z z new york z z", 3,
         ELLIPSIS " [new] [york] z " ELLIPSIS, 2},
        /* the phrase and the word in one window beat either alone */
        {"\"new york\" stock",
         "new york z z z z z z stock z z z new york stock z", 4,
         ELLIPSIS " [new] [york] [stock] z", 3},
    };

    CHECK_CASES(c);
}

/* Each kind of clause of the query language marks what it matches. */
Test(snippet, every_kind_of_clause_marks_its_matches)
{
    static const struct scase c[] = {
        {"harv*", "Harvest, harvesting, harbour", 30,
         "[Harvest], [harvesting], harbour", 2},
        {"=organization", "organization organize organizations", 30,
         "[organization] organize organizations", 1},
        {"~\"cotton harvests\"", "Cotton harvested; cotton harvests; cotton",
         30, "[Cotton] [harvested]; [cotton] [harvests]; cotton", 4},
        {"\"cotton harvest\"~2", "cotton the big harvest, cotton z z z harvest",
         30, "[cotton] the big [harvest], cotton z z z harvest", 2},
        {"cotton NEAR/2 harvest",
         "harvest of cotton, cotton is far from the harvest", 30,
         "[harvest] of [cotton], cotton is far from the harvest", 2},
        {"title:cotton harvest", "cotton harvest", 30, "cotton [harvest]", 1},
        {"body:cotton", "cotton harvest", 30, "[cotton] harvest", 1},
        {"cotton NOT harvest", "cotton harvest", 30, "[cotton] harvest", 1},
        {"cotton AND NOT (harvest OR field)", "cotton harvest field", 30,
         "[cotton] harvest field", 1},
        {"(cotton OR wool) AND price", "wool price cotton", 30,
         "[wool] [price] [cotton]", 3},
    };

    CHECK_CASES(c);
}

/* Only the first SNIP_MAX_TOKENS (200,000) tokens are examined, but a
 * window that ends there still says the text goes on. */
Test(snippet, long_text_cut_at_the_token_limit_ends_with_an_ellipsis)
{
    char *text = numbered(200010);
    struct env e;
    struct buf out = BUF_INIT;
    int marks;

    env_init(&e);
    marks = snippet(&e, "w199995", text, strlen(text), 10, "[", "]", &out);
    cr_assert_eq(marks, 1, "w199995: %d marks: %s", marks, buf_cstr(&out));
    cr_assert(strstr(buf_cstr(&out), "[w199995]") &&
                  strncmp(buf_cstr(&out), ELLIPSIS " ", 4) == 0,
              "w199995: \"%s\"", buf_cstr(&out));
    cr_assert(out.len > 4 &&
                  strcmp(buf_cstr(&out) + out.len - 4, " " ELLIPSIS) == 0,
              "the text goes on after the window, but \"%s\" has no "
              "ellipsis at the end",
              buf_cstr(&out));
    /* A match past the limit is not seen: the start of the text. */
    marks = snippet(&e, "w200005", text, strlen(text), 3, "[", "]", &out);
    cr_assert(marks == 0 && strcmp(buf_cstr(&out), "w0 w1 w2 " ELLIPSIS) == 0,
              "w200005: %d marks, \"%s\"", marks, buf_cstr(&out));
    buf_release(&out);
    env_release(&e);
    free(text);
}

/* The markers are any strings, appended as given; output is appended. */
Test(snippet, markers_and_output_are_appended)
{
    struct env e;
    struct buf out = BUF_INIT;
    struct qry_node *q;
    struct snip *s;
    int rc;

    env_init(&e);
    q = parse(&e, "cotton");
    rc = snip_new(e.stem, q, &s);
    cr_assert_eq(rc, SE_OK, "snip_new: %s", se_strerror(rc));
    buf_puts(&out, "> ");
    rc = snip_make(s, "cotton and cotton", 17, 30, "\033[1;31m", "\033[0m",
                   &out);
    cr_assert_eq(rc, 2, "%d marks", rc);
    cr_assert_str_eq(buf_cstr(&out),
                     "> \033[1;31mcotton\033[0m and \033[1;31mcotton\033[0m",
                     "ANSI markers: \"%s\"", buf_cstr(&out));
    /* The same object again, with empty markers. */
    buf_clear(&out);
    rc = snip_make(s, "no match here, cotton", 21, 30, "", "", &out);
    cr_assert(rc == 1 && strcmp(buf_cstr(&out), "no match here, cotton") == 0,
              "empty markers: %d \"%s\"", rc, buf_cstr(&out));
    snip_free(s);
    snip_free(NULL);
    qry_free(q);
    buf_release(&out);
    env_release(&e);
}

/* Random bytes: clean output, marks as counted, never a crash. */
Test(snippet, random_bytes_give_clean_output)
{
    static const char *const pieces[] = {"cotton",
                                         "Cotton",
                                         "harvest",
                                         "new",
                                         "york",
                                         " ",
                                         "  ",
                                         "\n",
                                         "\t",
                                         "\r\n",
                                         "\x01",
                                         "\x1b[0m",
                                         "\x7f",
                                         "\xc2\x85",
                                         "\xc2\x9b",
                                         "\xc2\xa0",
                                         "\xe2\x80\xa8",
                                         "\xe2\x80\xa9",
                                         "\xff",
                                         "\xc3",
                                         "\xed\xa0\x80",
                                         "\xe0\x80\x80",
                                         "é",
                                         "東",
                                         "\xf0\x9f\x98\x80",
                                         "…",
                                         ",",
                                         ".",
                                         "'",
                                         "\"",
                                         "-",
                                         "\xc2\xad",
                                         "\xcc\x81"};
    static const char *const queries[] = {"cotton", "harvest \"new york\"",
                                          "\"york new\" -cotton",
                                          "+cotton york", "東 é"};
    struct env e;
    struct buf text = BUF_INIT, out = BUF_INIT;
    uint64_t seed = 42;
    size_t i, j, n, marked = 0;

    env_init(&e);
    for (i = 0; i < 3000; i++) {
        const char *query = queries[i % 5];
        size_t words = rnd(&seed) % 12, nmarks = 0;
        const char *why, *p;
        int marks;
        buf_clear(&text);
        n = rnd(&seed) % 60;
        for (j = 0; j < n; j++) {
            uint64_t r = rnd(&seed);
            if (r % 5 == 0) {
                unsigned char byte = (unsigned char)(r >> 8);
                buf_append(&text, &byte, 1);
            } else {
                buf_puts(&text,
                         pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])]);
            }
        }
        marks = snippet(&e, query, (const char *)text.data, text.len, words,
                        "\x01", "\x02", &out);
        why = unclean(out.data, out.len, "\x01\x02");
        cr_assert_null(why, "input %zu: output \"%s\": %s", i, buf_cstr(&out),
                       why);
        for (p = buf_cstr(&out); (p = strchr(p, '\x01')) != NULL; p++)
            nmarks++;
        cr_assert_eq((size_t)marks, nmarks, "input %zu: %d marks, %zu shown", i,
                     marks, nmarks);
        marked += nmarks;
    }
    cr_assert_gt(marked, 500, "only %zu marks in all", marked);
    buf_release(&text);
    buf_release(&out);
    env_release(&e);
}

/* ---------------------------------------------------------------- */
/* Reuters: the output against the text                              */
/* ---------------------------------------------------------------- */

struct stok {
    char form[TOK_MAX_BYTES + 1];
    char stem[TOK_MAX_BYTES * 2 + 1];
    size_t start; /* in the text */
};

struct stoks {
    struct stok *v;
    size_t n, cap;
};

static void
tokenize(struct env *e, const char *text, size_t len, struct stoks *ts)
{
    struct tok_token t;
    int rc;

    ts->n = 0;
    tok_reset(e->tok, text, len, 0);
    while ((rc = tok_next(e->tok, &t)) == 1) {
        const char *st;
        size_t sl;
        if (ts->n == ts->cap) {
            ts->cap = ts->cap ? 2 * ts->cap : 256;
            ts->v = realloc(ts->v, ts->cap * sizeof *ts->v);
            cr_assert_not_null(ts->v, "out of memory");
        }
        memcpy(ts->v[ts->n].form, t.text, t.len + 1);
        rc = stem_word(e->stem, t.text, t.len, &st, &sl);
        cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
        cr_assert_lt(sl, sizeof ts->v[ts->n].stem, "stem too long");
        memcpy(ts->v[ts->n].stem, st, sl + 1);
        ts->v[ts->n].start = t.start;
        ts->n++;
    }
    cr_assert_geq(rc, 0, "tok_next: %s", se_strerror(rc));
}

/*
 * The test's own clauses: a word (matched by stem) or a phrase of `n`
 * consecutive forms. Their occurrences are spans of tokens.
 */
struct clause {
    const char *form[2];
    size_t n;
};

struct span {
    size_t first, last, clause;
};

/* Every occurrence of every clause in the document, by a plain scan. */
static size_t
brute_spans(struct env *e, const struct clause *c, size_t nc,
            const struct stoks *d, struct span *out, size_t cap)
{
    size_t k, i, j, n = 0;

    for (k = 0; k < nc; k++) {
        const char *st = NULL;
        if (c[k].n == 1) {
            size_t sl;
            int rc = stem_word(e->stem, c[k].form[0], strlen(c[k].form[0]), &st,
                               &sl);
            cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
        }
        for (i = 0; i + c[k].n <= d->n; i++) {
            if (st) {
                if (strcmp(d->v[i].stem, st) != 0)
                    continue;
            } else {
                for (j = 0;
                     j < c[k].n && strcmp(d->v[i + j].form, c[k].form[j]) == 0;
                     j++)
                    ;
                if (j < c[k].n)
                    continue;
            }
            cr_assert_lt(n, cap, "too many spans");
            out[n++] = (struct span){i, i + c[k].n - 1, k};
        }
    }
    return n;
}

/* Distinct clauses and occurrences wholly inside tokens [s, s + w). */
static void
window_score(const struct span *sp, size_t n, size_t s, size_t w,
             size_t *distinct, size_t *count)
{
    unsigned seen = 0;
    size_t i;

    *distinct = *count = 0;
    for (i = 0; i < n; i++)
        if (sp[i].first >= s && sp[i].last < s + w) {
            (*count)++;
            if (!(seen >> sp[i].clause & 1))
                (*distinct)++;
            seen |= 1u << sp[i].clause;
        }
}

/* Check the snippet of one document for one query. */
static void
check_doc(struct env *e, const char *id, const char *body, const char *query,
          const struct clause *c, size_t nc, size_t words, struct stoks *doc,
          struct stoks *shown, unsigned char *marked, struct span *spans,
          struct buf *out)
{
    size_t s, k, i, nmarked = 0, nspans, best_d = 0, best_c = 0, d, cnt;
    size_t first_in = SIZE_MAX;
    int marks, lead, trail;
    const char *why, *o;

    nspans = brute_spans(e, c, nc, doc, spans, doc->n * 3 + 3);
    for (s = 0; s == 0 || s + words <= doc->n; s++) {
        window_score(spans, nspans, s, words, &d, &cnt);
        if (d > best_d || (d == best_d && cnt > best_c)) {
            best_d = d;
            best_c = cnt;
        }
    }
    marks = snippet(e, query, body, strlen(body), words, "\x01", "\x02", out);
    o = buf_cstr(out);
    why = unclean(out->data, out->len, "\x01\x02");
    cr_assert_null(why, "doc %s, %s: \"%s\": %s", id, query, o, why);
    /* Markers and the ellipsis separate tokens: the same tokens again. */
    tokenize(e, o, out->len, shown);
    k = shown->n;
    lead = strncmp(o, ELLIPSIS " ", 4) == 0;
    trail = out->len >= 4 && strcmp(o + out->len - 4, " " ELLIPSIS) == 0;
    cr_assert(k > 0 || doc->n == 0, "doc %s, %s: empty snippet", id, query);
    cr_assert_eq(k, words < doc->n ? words : doc->n,
                 "doc %s, %s: %zu tokens for %zu words of %zu", id, query, k,
                 words, doc->n);
    /* Where in the document is that run of tokens? The best window. */
    for (s = 0; s + k <= doc->n; s++) {
        for (i = 0; i < k && strcmp(doc->v[s + i].form, shown->v[i].form) == 0;
             i++)
            ;
        if (i < k)
            continue;
        window_score(spans, nspans, s, k, &d, &cnt);
        if (d == best_d && cnt == best_c)
            break;
    }
    cr_assert_leq(s + k, doc->n,
                  "doc %s, %s: \"%s\" is not a window of the document's "
                  "tokens with the most clauses (%zu) and occurrences (%zu)",
                  id, query, o, best_d, best_c);
    cr_assert_eq(lead, s > 0, "doc %s, %s: leading ellipsis %d, from %zu: %s",
                 id, query, lead, s, o);
    cr_assert_eq(trail, s + k < doc->n,
                 "doc %s, %s: trailing ellipsis %d, %zu of %zu tokens: %s", id,
                 query, trail, s + k, doc->n, o);
    /* Marked: the tokens of the occurrences wholly inside the window. */
    memset(marked, 0, doc->n);
    for (i = 0; i < nspans; i++)
        if (spans[i].first >= s && spans[i].last < s + k) {
            memset(marked + spans[i].first, 1,
                   spans[i].last - spans[i].first + 1);
            first_in = spans[i].first < first_in ? spans[i].first : first_in;
        }
    /* Some context before the first occurrence, but not much. */
    if (first_in != SIZE_MAX && s + k < doc->n)
        cr_assert_leq(first_in - s, words / 4,
                      "doc %s, %s: first occurrence %zu tokens into the "
                      "window: %s",
                      id, query, first_in - s, o);
    for (i = 0; i < k; i++) {
        size_t at = shown->v[i].start;
        int in = at > 0 && o[at - 1] == '\x01';
        cr_assert_eq(in, marked[s + i],
                     "doc %s, %s: token %zu \"%s\" marked %d, want %d: %s", id,
                     query, s + i, doc->v[s + i].form, in, marked[s + i], o);
        nmarked += in;
    }
    cr_assert_eq((size_t)marks, nmarked, "doc %s, %s: returns %d, shows %zu",
                 id, query, marks, nmarked);
}

Test(snippet, reuters_snippets_show_the_marked_tokens, .timeout = 60)
{
    FILE *f = fopen(REUTERS, "r");
    struct env e;
    struct stoks doc = {0}, shown = {0};
    struct buf out = BUF_INIT, query = BUF_INIT;
    unsigned char *marked = NULL;
    struct span *spans = NULL;
    uint64_t seed = 7;
    char *line = NULL;
    size_t cap = 0, lineno = 0, checked = 0;
    ssize_t len;

    cr_assert_not_null(f, "cannot open %s (run from /work/main)", REUTERS);
    env_init(&e);
    while ((len = getline(&line, &cap, f)) > 0) {
        cJSON *o;
        const cJSON *id, *body;
        size_t n;
        if (lineno++ % 41 != 0)
            continue;
        o = cJSON_ParseWithLength(line, (size_t)len);
        cr_assert_not_null(o, "%s:%zu: bad JSON", REUTERS, lineno);
        id = cJSON_GetObjectItemCaseSensitive(o, "id");
        body = cJSON_GetObjectItemCaseSensitive(o, "body");
        cr_assert(cJSON_IsString(id) && cJSON_IsString(body),
                  "%s:%zu: no id or body", REUTERS, lineno);
        tokenize(&e, body->valuestring, strlen(body->valuestring), &doc);
        if (doc.n < 4) {
            cJSON_Delete(o);
            continue;
        }
        marked = realloc(marked, doc.n);
        cr_assert_not_null(marked, "out of memory");
        spans = realloc(spans, (doc.n * 3 + 3) * sizeof *spans);
        cr_assert_not_null(spans, "out of memory");
        for (n = 0; n < 3; n++) {
            /* Words and a phrase of the document, sometimes excluded. */
            size_t a = rnd(&seed) % doc.n, b = rnd(&seed) % (doc.n - 1);
            struct clause c[3] = {{{doc.v[a].form}, 1}};
            size_t nc = 1;
            buf_clear(&query);
            buf_printf(&query, "%s", doc.v[a].form);
            if (n > 0) {
                buf_printf(&query, " \"%s %s\"", doc.v[b].form,
                           doc.v[b + 1].form);
                c[nc++] =
                    (struct clause){{doc.v[b].form, doc.v[b + 1].form}, 2};
            }
            if (n == 2)
                buf_printf(&query, " -%s", doc.v[rnd(&seed) % doc.n].form);
            if (n == 2 && strcmp(doc.v[a].form, "reuter") != 0) {
                buf_puts(&query, " reuter");
                c[nc++] = (struct clause){{"reuter"}, 1};
            }
            check_doc(&e, id->valuestring, body->valuestring, buf_cstr(&query),
                      c, nc, 4 + rnd(&seed) % 40, &doc, &shown, marked, spans,
                      &out);
            checked++;
        }
        cJSON_Delete(o);
    }
    cr_assert_gt(checked, 1000, "only %zu snippets checked", checked);
    free(line);
    fclose(f);
    free(marked);
    free(spans);
    free(doc.v);
    free(shown.v);
    buf_release(&out);
    buf_release(&query);
    env_release(&e);
}
