/*
 * stopwords.c - stop lists, sorted by bytes for a binary search.
 */
#include "stopwords.h"

#include <string.h>

struct stop_list {
    const char *const *words; /* sorted by strcmp */
    size_t n;
};

/* Snowball's English list (see stopwords.h), in strcmp order. */
static const char *const english_words[] = {
    "a",          "about",     "above",     "after",   "again",    "against",
    "all",        "am",        "an",        "and",     "any",      "are",
    "aren't",     "as",        "at",        "be",      "because",  "been",
    "before",     "being",     "below",     "between", "both",     "but",
    "by",         "can't",     "cannot",    "could",   "couldn't", "did",
    "didn't",     "do",        "does",      "doesn't", "doing",    "don't",
    "down",       "during",    "each",      "few",     "for",      "from",
    "further",    "had",       "hadn't",    "has",     "hasn't",   "have",
    "haven't",    "having",    "he",        "he'd",    "he'll",    "he's",
    "her",        "here",      "here's",    "hers",    "herself",  "him",
    "himself",    "his",       "how",       "how's",   "i",        "i'd",
    "i'll",       "i'm",       "i've",      "if",      "in",       "into",
    "is",         "isn't",     "it",        "it's",    "its",      "itself",
    "let's",      "me",        "more",      "most",    "mustn't",  "my",
    "myself",     "no",        "nor",       "not",     "of",       "off",
    "on",         "once",      "only",      "or",      "other",    "ought",
    "our",        "ours",      "ourselves", "out",     "over",     "own",
    "same",       "shan't",    "she",       "she'd",   "she'll",   "she's",
    "should",     "shouldn't", "so",        "some",    "such",     "than",
    "that",       "that's",    "the",       "their",   "theirs",   "them",
    "themselves", "then",      "there",     "there's", "these",    "they",
    "they'd",     "they'll",   "they're",   "they've", "this",     "those",
    "through",    "to",        "too",       "under",   "until",    "up",
    "very",       "was",       "wasn't",    "we",      "we'd",     "we'll",
    "we're",      "we've",     "were",      "weren't", "what",     "what's",
    "when",       "when's",    "where",     "where's", "which",    "while",
    "who",        "who's",     "whom",      "why",     "why's",    "with",
    "won't",      "would",     "wouldn't",  "you",     "you'd",    "you'll",
    "you're",     "you've",    "your",      "yours",   "yourself", "yourselves",
};

static const struct stop_list english = {
    english_words, sizeof english_words / sizeof *english_words};

const struct stop_list *
stop_list_for(const char *language)
{
    if (language == NULL)
        return NULL;
    /* "porter" is libstemmer's original English algorithm. */
    if (strcmp(language, "english") == 0 || strcmp(language, "porter") == 0)
        return &english;
    return NULL;
}

/* strcmp of a NUL-terminated list word with (word, len). */
static int
compare(const char *listed, const char *word, size_t len)
{
    size_t n = strlen(listed);
    int c = memcmp(listed, word, n < len ? n : len);

    if (c != 0)
        return c;
    return n < len ? -1 : n > len;
}

int
stop_contains(const struct stop_list *sl, const char *word, size_t len)
{
    size_t lo = 0, hi;

    if (sl == NULL)
        return 0;
    hi = sl->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare(sl->words[mid], word, len);

        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t
stop_count(const struct stop_list *sl)
{
    return sl ? sl->n : 0;
}
