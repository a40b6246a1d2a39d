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
 * A code is accepted only if the installed libstemmer has its algorithm.
 * "none" gives a stemmer that returns words unchanged.
 * SE_OK, SE_ELANG (unknown language) or SE_ENOMEM; *out is NULL on failure.
 */
int stem_new(const char *language, struct stem **out);
/* Free; NULL does nothing. */
void stem_free(struct stem *s);
/*
 * The canonical algorithm name ("english" for "en" or "English"; "none"),
 * static storage; recorded in the index, and accepted by stem_new().
 */
const char *stem_language(const struct stem *s);
/*
 * Stem `word` (`len` bytes, UTF-8, lower case: Snowball expects folded
 * input). *out points to the stem, NUL-terminated, valid until the next
 * call on `s` or stem_free(s). SE_OK, SE_ENOMEM, or SE_EINVAL when `len`
 * exceeds INT_MAX (libstemmer's limit); *out is NULL and *outlen 0 on
 * failure.
 */
int stem_word(struct stem *s, const char *word, size_t len, const char **out,
              size_t *outlen);
/*
 * NULL-terminated list of the algorithm names libstemmer has ("none" is
 * accepted too but not listed); static storage, do not modify.
 */
const char **stem_languages(void);

#endif
