/*
 * tokenizer.h - UTF-8 text to folded tokens with positions and byte offsets.
 *
 * A token is a run of letters, digits and combining marks (Unicode general
 * categories L*, M*, Nd, Nl, No; a mark never starts one), with these joins
 * and splits:
 *   - an apostrophe (U+0027 or U+2019) between two letters stays inside the
 *     token, written as U+0027: "China's" -> "china's", "don't" -> "don't",
 *     and also "l'été" -> "l'ete" (no elision splitting);
 *   - '.' or ',' between two digits stays inside: "912.7", "428,600";
 *     "3." at the end of a sentence gives "3";
 *   - soft hyphen, zero width joiner and word joiner (U+00AD, U+200D,
 *     U+2060) between word characters are dropped: "co\u00ADop" -> "coop";
 *   - everything else (spaces, punctuation, hyphens, symbols) separates:
 *     "China-Russia" -> "china", "russia" at consecutive positions;
 *   - each ideograph (Han, Hiragana, Katakana, Hangul syllable) with the
 *     marks after it is a token of its own, so phrases of CJK text work as
 *     runs of single characters. Scripts written without spaces and not
 *     listed here (Thai, Lao, Khmer, Myanmar) give one token per run, cut
 *     at TOK_MAX_BYTES.
 * Folding: Unicode full case folding and compatibility decomposition, then
 * accents removed, then a table for the letters that have no decomposition
 * (ł->l, ø->o, đ->d, ð->d, æ->ae, œ->oe, þ->th, ı->i, ħ->h, ŧ->t; ß->ss and
 * ŀ->l come from Unicode itself), then canonical composition. So "Café"
 * (precomposed or e + U+0301), "CAFE" and "cafe" all give "cafe"; text in
 * NFC and in NFD gives the same tokens.
 * Accents are the marks of the generic combining blocks (U+0300...),
 * Hebrew and Arabic points and variation selectors. Marks that write vowels
 * or consonants (Devanagari matras and virama, kana voicing) are kept, and
 * so is the breve of Cyrillic й: "новый" stays "новый", as the Snowball
 * Russian stemmer needs; ё still becomes е.
 * Characters of a compatibility decomposition that are not letters, marks
 * or digits are dropped: "ﬁ" -> "fi", "①" -> "1", "½" -> "12".
 * Invalid UTF-8 (bad bytes, overlong forms, surrogates, truncated sequences)
 * counts as a separator: it is skipped, never copied into a token.
 * Tokens longer than TOK_MAX_BYTES after folding are cut at the last whole
 * character under the limit (keys in the index have a size limit); start
 * and end still span the whole raw token.
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
 * Start tokenizing `text` (`len` bytes, need not be NUL-terminated; NULL
 * when len is 0). The tokenizer keeps a pointer to `text`, which must live
 * until the last tok_next(). The first token gets position `first_pos`.
 */
void tok_reset(struct tok *t, const char *text, size_t len, uint32_t first_pos);
/*
 * Next token into *out. Returns 1 on a token, 0 at the end, or a negative
 * SE_* code (none today: tok_new() allocates every buffer, but callers
 * should still check). out->text is borrowed until the next tok_next(),
 * tok_reset() or tok_free() on t. A token is never empty.
 */
int tok_next(struct tok *t, struct tok_token *out);
/* Position the next token would get (= number of tokens so far + first). */
uint32_t tok_position(const struct tok *t);

#endif
