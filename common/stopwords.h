/*
 * stopwords.h - the common words a ranked query leaves out.
 *
 * Stop words stay in the index (phrases such as "Town of Cotton" need
 * them); only bare ranked words of a query are dropped (see
 * qry_drop_stopwords()). The list for English is the Snowball project's
 * English stop list (snowballstem.org/algorithms/english/stop.txt, 174
 * words, contractions included); the other languages have none yet.
 * Words are in the tokenizer's folded form.
 */
#ifndef SE_STOPWORDS_H
#define SE_STOPWORDS_H

#include <stddef.h>

struct stop_list; /* opaque, static storage */

/*
 * The list for `language`, a stem_language() name ("english", "porter"),
 * or NULL when the language has none.
 */
const struct stop_list *stop_list_for(const char *language);
/* 1 if `word` (`len` bytes, folded) is on `sl`; 0 if not or sl is NULL. */
int stop_contains(const struct stop_list *sl, const char *word, size_t len);
/* Words on the list, for tests and --help. */
size_t stop_count(const struct stop_list *sl);

#endif
