/*
 * stemmer.c - Snowball stemmers through libstemmer.
 *
 * A name is resolved to one of sb_stemmer_list()'s canonical algorithm
 * names, so that the index records "english" whether the user said "en",
 * "EN" or "English". ISO 639-1 codes come from a table, but a code counts
 * only if its algorithm is in the list of the libstemmer we run with:
 * libstemmer versions differ in what they carry.
 *
 * libstemmer quirks handled here:
 *   - sb_stemmer_new() wants lower case and returns NULL both for an
 *     unknown name and when out of memory; we only call it with a listed
 *     name, so NULL means out of memory.
 *   - sb_stemmer_stem() takes an int length and returns NULL when out of
 *     memory; its result is NUL-terminated and lives in the stemmer until
 *     the next call.
 */
#include "stemmer.h"

#include <libstemmer.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

/* Longest name we look at; every Snowball name is shorter. */
#define STEM_NAME_MAX 32

struct stem {
    struct sb_stemmer *sb; /* NULL for "none" */
    const char *name;      /* static: from sb_stemmer_list() or "none" */
    struct buf copy;       /* "none": the word, NUL-terminated */
};

/* ISO 639-1 code -> Snowball algorithm name. */
static const struct {
    char code[3];
    const char *name;
} iso_codes[] = {
    {"ar", "arabic"},     {"ca", "catalan"},    {"da", "danish"},
    {"de", "german"},     {"el", "greek"},      {"en", "english"},
    {"es", "spanish"},    {"eu", "basque"},     {"fi", "finnish"},
    {"fr", "french"},     {"ga", "irish"},      {"hi", "hindi"},
    {"hu", "hungarian"},  {"hy", "armenian"},   {"id", "indonesian"},
    {"it", "italian"},    {"lt", "lithuanian"}, {"nb", "norwegian"},
    {"ne", "nepali"},     {"nl", "dutch"},      {"no", "norwegian"},
    {"pt", "portuguese"}, {"ro", "romanian"},   {"ru", "russian"},
    {"sr", "serbian"},    {"sv", "swedish"},    {"ta", "tamil"},
    {"tr", "turkish"},    {"yi", "yiddish"},
};

/* The entry of sb_stemmer_list() equal to `name`, or NULL. */
static const char *
listed(const char *name)
{
    const char **l;

    for (l = sb_stemmer_list(); *l != NULL; l++)
        if (strcmp(*l, name) == 0)
            return *l;
    return NULL;
}

/* Canonical algorithm name for `language` (any case), or NULL. */
static const char *
resolve(const char *language)
{
    char low[STEM_NAME_MAX];
    size_t i, n = strlen(language);

    if (n == 0 || n >= sizeof low)
        return NULL;
    for (i = 0; i <= n; i++) {
        char c = language[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    if (strcmp(low, "none") == 0)
        return "none";
    if (n == 2) {
        for (i = 0; i < sizeof iso_codes / sizeof iso_codes[0]; i++)
            if (strcmp(iso_codes[i].code, low) == 0)
                return listed(iso_codes[i].name);
        return NULL;
    }
    return listed(low);
}

int
stem_new(const char *language, struct stem **out)
{
    struct stem *s;
    const char *name;

    *out = NULL;
    name = resolve(language);
    if (name == NULL)
        return SE_ELANG;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return SE_ENOMEM;
    s->name = name;
    if (strcmp(name, "none") != 0) {
        s->sb = sb_stemmer_new(name, "UTF_8");
        if (s->sb == NULL) { /* the name is listed: out of memory */
            stem_free(s);
            return SE_ENOMEM;
        }
    }
    *out = s;
    return SE_OK;
}

void
stem_free(struct stem *s)
{
    if (s == NULL)
        return;
    sb_stemmer_delete(s->sb);
    buf_release(&s->copy);
    free(s);
}

const char *
stem_language(const struct stem *s)
{
    return s->name;
}

int
stem_word(struct stem *s, const char *word, size_t len, const char **out,
          size_t *outlen)
{
    const sb_symbol *r;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (s->sb == NULL) {
        buf_clear(&s->copy);
        rc = buf_append(&s->copy, word, len);
        if (rc != SE_OK)
            return rc;
        *out = buf_cstr(&s->copy);
        *outlen = len;
        return SE_OK;
    }
    if (len > INT_MAX)
        return SE_EINVAL; /* libstemmer counts in int */
    r = sb_stemmer_stem(s->sb, (const sb_symbol *)word, (int)len);
    if (r == NULL)
        return SE_ENOMEM;
    *out = (const char *)r;
    *outlen = (size_t)sb_stemmer_length(s->sb);
    return SE_OK;
}

const char **
stem_languages(void)
{
    return sb_stemmer_list();
}
