/*
 * tokenizer.h - UTF-8 text to folded tokens with positions and byte offsets.
 *
 * A token is a run of letters, digits and combining marks (Unicode general
 * categories L*, M*, Nd, Nl, No), with these joins and splits:
 *   - an apostrophe (U+0027 or U+2019) between two letters stays inside the
 *     token, written as U+0027: "China's" -> "china's", "don't" -> "don't";
 *   - '.' or ',' between two digits stays inside: "912.7", "428,600";
 *   - everything else (spaces, punctuation, hyphens, symbols) separates:
 *     "China-Russia" -> "china", "russia" at consecutive positions;
 *   - each ideograph (Han, Hiragana, Katakana, Hangul syllable) is a token
 *     of its own, so phrases of CJK text work as runs of single characters.
 * Folding: Unicode case folding, then compatibility decomposition with the
 * combining marks removed (accent folding), then a table for the letters
 * that have no decomposition (ł->l, ø->o, đ->d, æ->ae, œ->oe, þ->th, ß->ss,
 * ı->i ...), so "Café", "CAFE" and "cafe" all give "cafe".
 * Invalid UTF-8 (bad bytes, overlong forms, surrogates, truncated sequences)
 * counts as a separator: it is skipped, never copied into a token.
 * Tokens longer than TOK_MAX_BYTES after folding are cut at the last whole
 * character under the limit (keys in the index have a size limit).
 * The same function folds documents and queries, so both always agree.
 */
#ifndef SE_TOKENIZER_H
#define SE_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#define TOK_MAX_BYTES 120

struct tok_token {
    const char *text; /* folded, NUL-terminated; valid until the next call */
    size_t len;       /* bytes in text, at most TOK_MAX_BYTES */
    uint32_t pos;     /* 0 for the first token after tok_reset(first_pos=0) */
    size_t start;     /* byte offset of the raw token in the input */
    size_t end;       /* one past its last byte */
};

struct tok; /* opaque; one per thread */

/* Create a tokenizer. SE_OK or SE_ENOMEM; *out is NULL on failure. */
int tok_new(struct tok **out);
/* Free; NULL does nothing. */
void tok_free(struct tok *t);
/*
 * Start tokenizing `text` (`len` bytes, need not be NUL-terminated). The
 * tokenizer keeps a pointer to `text`, which must live until the last
 * tok_next(). The first token gets position `first_pos`.
 */
void tok_reset(struct tok *t, const char *text, size_t len, uint32_t first_pos);
/*
 * Next token into *out. Returns 1 on a token, 0 at the end, SE_ENOMEM on
 * allocation failure. out->text is borrowed until the next call.
 */
int tok_next(struct tok *t, struct tok_token *out);
/* Position the next token would get (= number of tokens so far + first). */
uint32_t tok_position(const struct tok *t);

#endif
