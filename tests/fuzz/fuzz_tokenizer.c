/*
 * fuzz_tokenizer.c - libFuzzer harness for common/tokenizer.h.
 *
 * The input is the text, as is. Besides memory errors (ASan) and undefined
 * behaviour (UBSan), it checks what tokenizer.h promises of every token:
 * never empty, at most TOK_MAX_BYTES, NUL-terminated with no NUL inside,
 * valid UTF-8, case-folded (no ASCII capital), positions counted from
 * first_pos one by one, raw spans in order, inside the input and not
 * overlapping. Two more rules tie the output to the input:
 *   - the same text gives the same tokens a second time (nothing depends
 *     on what the tokenizer saw before tok_reset());
 *   - a token's raw span [start, end), tokenized alone, gives that one
 *     token again: the span holds everything the token was made of.
 */
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "error.h"
#include "fuzz.h"
#include "tokenizer.h"

/* One tokenizer for the whole process: tok_new() allocates its tables. */
static struct tok *ftok_main, *ftok_span;

/* FNV-1a over `len` bytes, continuing from `h`. */
static uint64_t
ftok_hash(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int
ftok_valid_utf8(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t cp;
    size_t at = 0;

    while (at < len) {
        utf8proc_ssize_t n =
            utf8proc_iterate(p + at, (utf8proc_ssize_t)(len - at), &cp);

        if (n <= 0)
            return 0;
        at += (size_t)n;
    }
    return 1;
}

static int
ftok_has_ascii_upper(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return 1;
    return 0;
}

/* The token of the span [start, end) of `text`, alone: must be `want`. */
static void
ftok_check_span(const char *text, const struct tok_token *want)
{
    struct tok_token again;
    int rc;

    tok_reset(ftok_span, text + want->start, want->end - want->start, 0);
    rc = tok_next(ftok_span, &again);
    FUZZ_CHECK(rc == 1, "a token's raw span alone gives no token");
    FUZZ_CHECK(again.len == want->len &&
                   memcmp(again.text, want->text, want->len) == 0,
               "a token's raw span alone gives another token");
    FUZZ_CHECK(again.start == 0 && again.end == want->end - want->start,
               "a token's raw span alone gives another span");
    rc = tok_next(ftok_span, &again);
    FUZZ_CHECK(rc == 0, "a token's raw span alone gives two tokens");
}

/*
 * Tokenize `text` from position `first`, check every token, and return a
 * hash of them all (so a second pass can be compared).
 */
static uint64_t
ftok_pass(const char *text, size_t len, uint32_t first, int check_spans)
{
    struct tok_token t;
    uint64_t h = 14695981039346656037ULL;
    uint32_t count = 0;
    size_t prev_end = 0;
    int rc;

    tok_reset(ftok_main, len > 0 ? text : NULL, len, first);
    while ((rc = tok_next(ftok_main, &t)) == 1) {
        FUZZ_CHECK(t.len >= 1 && t.len <= TOK_MAX_BYTES,
                   "token length out of 1..TOK_MAX_BYTES");
        FUZZ_CHECK(t.text != NULL && t.text[t.len] == '\0' &&
                       strlen(t.text) == t.len,
                   "token text not NUL-terminated at len, or NUL inside");
        FUZZ_CHECK(ftok_valid_utf8(t.text, t.len), "token is not UTF-8");
        FUZZ_CHECK(!ftok_has_ascii_upper(t.text, t.len),
                   "token is not case-folded");
        FUZZ_CHECK(t.pos == first + count, "positions not consecutive");
        FUZZ_CHECK(t.start >= prev_end && t.start < t.end && t.end <= len,
                   "raw span out of order or outside the input");
        prev_end = t.end;
        count++;
        FUZZ_CHECK(tok_position(ftok_main) == first + count,
                   "tok_position() does not count the tokens");
        h = ftok_hash(h, t.text, t.len + 1);
        h = ftok_hash(h, &t.start, sizeof t.start);
        h = ftok_hash(h, &t.end, sizeof t.end);
        if (check_spans)
            ftok_check_span(text, &t);
    }
    FUZZ_CHECK(rc == 0, "tok_next() failed");
    FUZZ_CHECK(tok_next(ftok_main, &t) == 0, "tokens after the end");
    return h;
}

static int
fuzz_tokenizer_one(const uint8_t *data, size_t size)
{
    static const char other[] = "Zwischenspiel: co\xC2\xAD-op 912.7";
    const char *text = (const char *)data;
    uint64_t h1, h2;

    if (ftok_main == NULL) {
        FUZZ_NEED(tok_new(&ftok_main) == SE_OK ? ftok_main : NULL);
        FUZZ_NEED(tok_new(&ftok_span) == SE_OK ? ftok_span : NULL);
    }
    h1 = ftok_pass(text, size, 0, 1);
    /* Tokenize something else in between, then the same text again from
     * another first position: same tokens, positions shifted. */
    ftok_pass(other, sizeof other - 1, 0, 0);
    h2 = ftok_pass(text, size, 1000, 0);
    FUZZ_CHECK(h1 == h2, "the same text gives other tokens the second time");
    return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_tokenizer_one(data, size);
}
#endif
