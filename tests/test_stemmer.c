/*
 * test_stemmer.c - the libstemmer wrapper: language names and ISO codes,
 * "none", and stems that Snowball really gives (checked against
 * libstemmer 2.2; the words are lower case and accent-folded, as the
 * tokenizer hands them over).
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stemmer.h"

struct case_ {
    const char *word, *stem;
};

static void
check_stems(const char *language, const struct case_ *c, size_t n)
{
    struct stem *s;
    const char *out;
    size_t len, i;
    int rc;

    rc = stem_new(language, &s);
    cr_assert_eq(rc, SE_OK, "stem_new(\"%s\"): %s", language, se_strerror(rc));
    for (i = 0; i < n; i++) {
        rc = stem_word(s, c[i].word, strlen(c[i].word), &out, &len);
        cr_assert_eq(rc, SE_OK, "%s \"%s\": %s", language, c[i].word,
                     se_strerror(rc));
        cr_expect(len == strlen(c[i].stem) && strcmp(out, c[i].stem) == 0,
                  "%s: \"%s\" stems to \"%s\" (%zu bytes), want \"%s\"",
                  language, c[i].word, out, len, c[i].stem);
    }
    stem_free(s);
}

#define CHECK_STEMS(lang, c) check_stems(lang, c, sizeof c / sizeof c[0])

Test(stemmer, english_stems)
{
    static const struct case_ c[] = {
        {"harvesting", "harvest"},
        {"harvested", "harvest"},
        /* Snowball english merges these two: both "organ" */
        {"organization", "organ"},
        {"organize", "organ"},
        {"organizations", "organ"},
        /* the possessive goes; the tokenizer keeps the apostrophe for it */
        {"china's", "china"},
        {"chinas", "china"},
        {"don't", "don't"},
        {"running", "run"},
        {"generously", "generous"},
        {"912.7", "912.7"},
        {"", ""},
    };

    CHECK_STEMS("english", c);
}

Test(stemmer, french_and_german_stems)
{
    static const struct case_ fr[] = {
        {"continuation", "continu"},
        {"continuellement", "continuel"},
        {"chevaux", "cheval"},
        {"generalement", "general"}, /* folded: no é */
    };
    static const struct case_ de[] = {
        {"hauser", "haus"}, /* folded "häuser" */
        {"katzen", "katz"},
        {"aufeinanderfolgenden", "aufeinanderfolg"},
        {"strasse", "strass"},
    };

    CHECK_STEMS("french", fr);
    CHECK_STEMS("de", de);
}

Test(stemmer, russian_needs_the_short_i)
{
    /* why the tokenizer keeps й: "новыи" would stem to "новы" */
    static const struct case_ c[] = {
        {"новый", "нов"},
        {"новая", "нов"},
        {"новое", "нов"},
    };

    CHECK_STEMS("ru", c);
}

Test(stemmer, iso_codes_and_case_name_the_same_algorithm)
{
    static const struct {
        const char *asked, *canonical;
    } c[] = {
        {"en", "english"},      {"EN", "english"},      {"English", "english"},
        {"ENGLISH", "english"}, {"english", "english"}, {"fr", "french"},
        {"De", "german"},       {"no", "norwegian"},    {"nb", "norwegian"},
        {"el", "greek"},        {"porter", "porter"},   {"none", "none"},
        {"NONE", "none"},
    };
    struct stem *s;
    size_t i;
    int rc;

    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        rc = stem_new(c[i].asked, &s);
        cr_assert_eq(rc, SE_OK, "stem_new(\"%s\"): %s", c[i].asked,
                     se_strerror(rc));
        cr_expect_str_eq(stem_language(s), c[i].canonical,
                         "\"%s\" is \"%s\", want \"%s\"", c[i].asked,
                         stem_language(s), c[i].canonical);
        stem_free(s);
    }
}

Test(stemmer, en_stems_like_english)
{
    static const char *words[] = {"harvesting", "organization", "china's",
                                  "nationalities", "running"};
    struct stem *a, *b;
    const char *x, *y;
    size_t xl, yl, i;

    cr_assert_eq(stem_new("en", &a), SE_OK);
    cr_assert_eq(stem_new("english", &b), SE_OK);
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        cr_assert_eq(stem_word(a, words[i], strlen(words[i]), &x, &xl), SE_OK);
        cr_assert_eq(stem_word(b, words[i], strlen(words[i]), &y, &yl), SE_OK);
        cr_expect(xl == yl && strcmp(x, y) == 0,
                  "\"%s\": en gives \"%s\", english \"%s\"", words[i], x, y);
    }
    stem_free(a);
    stem_free(b);
}

Test(stemmer, unknown_languages_are_elang)
{
    static const char *bad[] = {"klingon",
                                "",
                                "e",
                                "xx",
                                "eng",
                                "en ",
                                "english2",
                                "ENGLISH\xC3\xA9",
                                "a-very-long-name-that-no-stemmer-has-at-all"};
    static char sentinel;
    struct stem *s;
    size_t i;
    int rc;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = (struct stem *)(void *)&sentinel; /* must be reset to NULL */
        rc = stem_new(bad[i], &s);
        cr_expect_eq(rc, SE_ELANG, "stem_new(\"%s\"): %s, want SE_ELANG",
                     bad[i], se_strerror(rc));
        cr_expect_null(s, "stem_new(\"%s\") left *out set", bad[i]);
    }
}

Test(stemmer, none_returns_words_unchanged)
{
    static const char word[] = "Running's-XYZ";
    struct stem *s;
    const char *out;
    size_t len;

    cr_assert_eq(stem_new("none", &s), SE_OK);
    cr_expect_str_eq(stem_language(s), "none");
    /* 9 bytes of a longer buffer: the copy is cut and NUL-terminated */
    cr_assert_eq(stem_word(s, word, 9, &out, &len), SE_OK);
    cr_expect(len == 9 && strcmp(out, "Running's") == 0,
              "\"%s\" (%zu bytes), want \"Running's\"", out, len);
    cr_assert_eq(stem_word(s, "", 0, &out, &len), SE_OK);
    cr_expect(len == 0 && out[0] == '\0', "empty word gave \"%s\"", out);
    stem_free(s);
}

Test(stemmer, stem_result_is_nul_terminated_and_length_bounded)
{
    static const char buf[] = "harvestingXXXX";
    struct stem *s;
    const char *out;
    size_t len;

    cr_assert_eq(stem_new("english", &s), SE_OK);
    cr_assert_eq(stem_word(s, buf, 10, &out, &len), SE_OK);
    cr_expect(len == 7 && strcmp(out, "harvest") == 0,
              "\"%s\" (%zu bytes), want \"harvest\"", out, len);
    stem_free(s);
}

Test(stemmer, every_listed_language_works)
{
    const char **l = stem_languages();
    struct stem *s;
    const char *out;
    size_t len, n = 0;
    int rc;

    cr_assert_not_null(l);
    for (; *l != NULL; l++, n++) {
        rc = stem_new(*l, &s);
        cr_assert_eq(rc, SE_OK, "listed \"%s\": %s", *l, se_strerror(rc));
        cr_expect_str_eq(stem_language(s), *l,
                         "\"%s\" is not its own canonical name", *l);
        rc = stem_word(s, "testing", 7, &out, &len);
        cr_expect_eq(rc, SE_OK, "%s: %s", *l, se_strerror(rc));
        cr_expect_eq(strlen(out), len, "%s: length %zu for \"%s\"", *l, len,
                     out);
        stem_free(s);
    }
    cr_expect_geq(n, 15, "only %zu algorithms listed", n);
    stem_free(NULL);
}

Test(stemmer, iso_codes_follow_the_library)
{
    /* each code works exactly when its algorithm is listed */
    static const struct {
        const char *code, *name;
    } c[] = {
        {"en", "english"},    {"fr", "french"},   {"de", "german"},
        {"es", "spanish"},    {"it", "italian"},  {"pt", "portuguese"},
        {"nl", "dutch"},      {"sv", "swedish"},  {"no", "norwegian"},
        {"da", "danish"},     {"fi", "finnish"},  {"ru", "russian"},
        {"hu", "hungarian"},  {"ro", "romanian"}, {"tr", "turkish"},
        {"ar", "arabic"},     {"el", "greek"},    {"hi", "hindi"},
        {"id", "indonesian"}, {"ga", "irish"},    {"lt", "lithuanian"},
        {"ne", "nepali"},     {"sr", "serbian"},  {"ta", "tamil"},
        {"ca", "catalan"},    {"eu", "basque"},   {"hy", "armenian"},
        {"yi", "yiddish"},
    };
    const char **l;
    struct stem *s;
    size_t i;
    int listed, rc;

    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        listed = 0;
        for (l = stem_languages(); *l != NULL; l++)
            listed |= strcmp(*l, c[i].name) == 0;
        rc = stem_new(c[i].code, &s);
        if (listed) {
            cr_expect_eq(rc, SE_OK, "%s (%s): %s", c[i].code, c[i].name,
                         se_strerror(rc));
            if (rc == SE_OK)
                cr_expect_str_eq(stem_language(s), c[i].name);
        } else {
            cr_expect_eq(rc, SE_ELANG, "%s: %s, but %s is not listed",
                         c[i].code, se_strerror(rc), c[i].name);
        }
        stem_free(s);
    }
}
