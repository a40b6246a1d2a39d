/*
 * stemmer.h - Snowball stemmers through libstemmer. The only module that
 * includes libstemmer.h. Input words are already folded by the tokenizer.
 */
#ifndef SE_STEMMER_H
#define SE_STEMMER_H

#include <stddef.h>

struct stem; /* opaque; not thread-safe, one per thread */

/*
 * Create a stemmer for `language`: a libstemmer algorithm name ("english",
 * "french", "porter", ...) or an ISO 639-1 code ("en", "fr"), any case.
 * "none" gives a stemmer that returns words unchanged.
 * SE_OK, SE_ELANG (unknown language) or SE_ENOMEM.
 */
int stem_new(const char *language, struct stem **out);
void stem_free(struct stem *s);
/* The canonical algorithm name ("english"); recorded in the index. */
const char *stem_language(const struct stem *s);
/*
 * Stem `word` (`len` bytes, UTF-8). *out points to the stem, NUL-terminated,
 * valid until the next call on `s`. SE_OK or SE_ENOMEM.
 */
int stem_word(struct stem *s, const char *word, size_t len, const char **out,
              size_t *outlen);
/* NULL-terminated list of accepted algorithm names; static storage. */
const char **stem_languages(void);

#endif
