/*
 * test_stopwords.c - the stop lists: which languages have one, that the
 * English list is Snowball's 174 words in the order the binary search
 * needs, that each word is a single token in the tokenizer's folded form
 * (otherwise it could never match a query word), and lookups that differ
 * from a listed word by a prefix, a suffix or case.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "error.h"
#include "stopwords.h"
#include "tokenizer.h"

static int
has(const struct stop_list *sl, const char *w)
{
    return stop_contains(sl, w, strlen(w));
}

Test(stopwords, english_and_porter_have_the_snowball_list)
{
    const struct stop_list *en = stop_list_for("english");

    cr_assert_not_null(en);
    cr_assert_eq(stop_list_for("porter"), en);
    cr_assert_eq(stop_count(en), 174);
    cr_assert_null(stop_list_for("french"));
    cr_assert_null(stop_list_for("none"));
    cr_assert_null(stop_list_for("English"), "names are stem_language()'s");
    cr_assert_null(stop_list_for(NULL));
    cr_assert_eq(stop_count(NULL), 0);
    cr_assert_eq(has(NULL, "the"), 0);
}

Test(stopwords, lookups_match_whole_folded_words_only)
{
    const struct stop_list *en = stop_list_for("english");
    static const char *const in[] = {
        "a",     "the",  "of",  "and",   "i",     "i'm",   "don't",
        "yours", "very", "too", "about", "would", "ought", "cannot",
        "while", "whom", "am",  "how's", "until", "own",   "nor"};
    static const char *const out[] = {
        "",        "th",  "thee",      "then's", "cotton", "The", "THE",
        "aa",      "abo", "abouts",    "dont",   "i’m",    "zzz", "á",
        "harvest", "ve",  "yourselve", "b",      "whos"};
    size_t i;

    for (i = 0; i < sizeof in / sizeof *in; i++)
        cr_expect(has(en, in[i]), "\"%s\" should be a stop word", in[i]);
    for (i = 0; i < sizeof out / sizeof *out; i++)
        cr_expect(!has(en, out[i]), "\"%s\" is no stop word", out[i]);
    /* The length decides, not a NUL: "the" inside "then" is not "then". */
    cr_expect(has(en, "then"));
    cr_expect(stop_contains(en, "thenx", 4));
    cr_expect(!stop_contains(en, "the", 2));
}

/* Every listed word, tokenized, is one token equal to itself. */
Test(stopwords, every_english_word_is_one_folded_token)
{
    const struct stop_list *en = stop_list_for("english");
    static const char *const all[] = {
        "i",       "me",       "my",         "myself",     "we",
        "our",     "ours",     "ourselves",  "you",        "your",
        "yours",   "yourself", "yourselves", "he",         "him",
        "his",     "himself",  "she",        "her",        "hers",
        "herself", "it",       "its",        "itself",     "they",
        "them",    "their",    "theirs",     "themselves", "what",
        "which",   "who",      "whom",       "this",       "that",
        "these",   "those",    "am",         "is",         "are",
        "was",     "were",     "be",         "been",       "being",
        "have",    "has",      "had",        "having",     "do",
        "does",    "did",      "doing",      "would",      "should",
        "could",   "ought",    "i'm",        "you're",     "he's",
        "she's",   "it's",     "we're",      "they're",    "i've",
        "you've",  "we've",    "they've",    "i'd",        "you'd",
        "he'd",    "she'd",    "we'd",       "they'd",     "i'll",
        "you'll",  "he'll",    "she'll",     "we'll",      "they'll",
        "isn't",   "aren't",   "wasn't",     "weren't",    "hasn't",
        "haven't", "hadn't",   "doesn't",    "don't",      "didn't",
        "won't",   "wouldn't", "shan't",     "shouldn't",  "can't",
        "cannot",  "couldn't", "mustn't",    "let's",      "that's",
        "who's",   "what's",   "here's",     "there's",    "when's",
        "where's", "why's",    "how's",      "a",          "an",
        "the",     "and",      "but",        "if",         "or",
        "because", "as",       "until",      "while",      "of",
        "at",      "by",       "for",        "with",       "about",
        "against", "between",  "into",       "through",    "during",
        "before",  "after",    "above",      "below",      "to",
        "from",    "up",       "down",       "in",         "out",
        "on",      "off",      "over",       "under",      "again",
        "further", "then",     "once",       "here",       "there",
        "when",    "where",    "why",        "how",        "all",
        "any",     "both",     "each",       "few",        "more",
        "most",    "other",    "some",       "such",       "no",
        "nor",     "not",      "only",       "own",        "same",
        "so",      "than",     "too",        "very"};
    struct tok *t;
    struct tok_token tk;
    size_t i;
    int rc;

    cr_assert_eq(sizeof all / sizeof *all, stop_count(en));
    rc = tok_new(&t);
    cr_assert_eq(rc, SE_OK);
    for (i = 0; i < sizeof all / sizeof *all; i++) {
        tok_reset(t, all[i], strlen(all[i]), 0);
        cr_assert_eq(tok_next(t, &tk), 1, "\"%s\": no token", all[i]);
        cr_expect(tk.len == strlen(all[i]) &&
                      memcmp(tk.text, all[i], tk.len) == 0,
                  "\"%s\" folds to \"%s\"", all[i], tk.text);
        cr_expect_eq(tok_next(t, &tk), 0, "\"%s\": more than one token",
                     all[i]);
        cr_expect(has(en, all[i]), "\"%s\" is not found", all[i]);
    }
    /* A curly apostrophe folds to the listed straight one. */
    tok_reset(t, "Don\xe2\x80\x99t", 7, 0);
    cr_assert_eq(tok_next(t, &tk), 1);
    cr_expect(stop_contains(en, tk.text, tk.len), "\"%s\"", tk.text);
    tok_free(t);
}
