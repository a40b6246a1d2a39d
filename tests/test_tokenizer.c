/*
 * test_tokenizer.c - the tokenizer: folding (case, accents, letters without
 * decomposition, NFC = NFD), joins and splits (digits, apostrophes, hyphens,
 * joiners), scripts, invalid UTF-8, offsets, positions, long tokens, a 10 MB
 * line, and input that ends on an unreadable page.
 *
 * The fast paths (ASCII tables, SSE2, the fold cache, per-code-point
 * folding) are checked against a slow reference written here: it decodes
 * with utf8proc_iterate, applies the rules of tokenizer.h to an array of
 * code points, and folds each token's raw bytes as a whole, composing with
 * utf8proc's own NFC.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <utf8proc.h>

#include "buf.h"
#include "error.h"
#include "tokenizer.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

struct tokv {
    char text[TOK_MAX_BYTES + 1];
    size_t len, start, end;
    uint32_t pos;
};

struct toks {
    struct tokv *v;
    size_t n, cap;
};

static void
toks_push(struct toks *ts, const char *text, size_t len, size_t start,
          size_t end, uint32_t pos)
{
    struct tokv *tv;

    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? 2 * ts->cap : 16;
        ts->v = realloc(ts->v, ts->cap * sizeof *ts->v);
        cr_assert_not_null(ts->v, "out of memory in the test");
    }
    cr_assert_leq(len, TOK_MAX_BYTES, "token of %zu bytes", len);
    tv = &ts->v[ts->n++];
    memcpy(tv->text, text, len);
    tv->text[len] = '\0';
    tv->len = len;
    tv->start = start;
    tv->end = end;
    tv->pos = pos;
}

/* Every token of text[0, len) through the tokenizer. */
static struct toks
run(struct tok *t, const char *text, size_t len, uint32_t first)
{
    struct toks ts = {0};
    struct tok_token tk;
    int rc;

    tok_reset(t, text, len, first);
    while ((rc = tok_next(t, &tk)) == 1)
        toks_push(&ts, tk.text, tk.len, tk.start, tk.end, tk.pos);
    cr_assert_eq(rc, 0, "tok_next: %s", se_strerror(rc));
    return ts;
}

/* The tokens of a NUL-terminated text joined by '|'; caller frees. */
static char *
joined(const char *text)
{
    struct tok *t;
    struct toks ts;
    struct buf b = BUF_INIT;
    size_t i;
    int rc;

    rc = tok_new(&t);
    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    ts = run(t, text, strlen(text), 0);
    for (i = 0; i < ts.n; i++) {
        if (i > 0)
            buf_putc(&b, '|');
        buf_append(&b, ts.v[i].text, ts.v[i].len);
    }
    buf_putc(&b, '\0');
    tok_free(t);
    free(ts.v);
    return (char *)buf_detach(&b, NULL);
}

struct case_ {
    const char *in, *want;
};

static void
check_table(const struct case_ *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *got = joined(c[i].in);

        cr_expect_str_eq(got, c[i].want, "\"%s\" gave \"%s\", want \"%s\"",
                         c[i].in, got, c[i].want);
        free(got);
    }
}

#define CHECK_TABLE(c) check_table(c, sizeof c / sizeof c[0])

static int
valid_utf8(const char *s, size_t len)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t r;
    size_t i;

    for (i = 0; i < len; i += (size_t)r) {
        r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                             (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- */
/* Reference tokenizer: slow and obvious                             */
/* ---------------------------------------------------------------- */

enum {
    R_SEP,
    R_LETTER,
    R_DIGIT,
    R_NUM,
    R_MARK,
    R_IDEO,
    R_APOS,
    R_NUMSEP,
    R_JOIN
};

static int
in(utf8proc_int32_t c, utf8proc_int32_t lo, utf8proc_int32_t hi)
{
    return c >= lo && c <= hi;
}

/* The character classes of tokenizer.h, one test after the other. */
static int
ref_kind(utf8proc_int32_t c)
{
    int cat;

    if (c < 0)
        return R_SEP; /* invalid byte */
    if (c == '\'' || c == 0x2019)
        return R_APOS;
    if (c == '.' || c == ',')
        return R_NUMSEP;
    if (c == 0x00AD || c == 0x200D || c == 0x2060)
        return R_JOIN;
    if (in(c, 0x1160, 0x11FF) || in(c, 0xD7B0, 0xD7FF) || c == 0xFF9E ||
        c == 0xFF9F)
        return R_MARK; /* jamo V and T, halfwidth voicing marks */
    if (in(c, 0x4E00, 0x9FFF) || in(c, 0x3400, 0x4DBF) ||
        in(c, 0xAC00, 0xD7A3) || in(c, 0x20000, 0x2F7FF) ||
        in(c, 0x30000, 0x3FFFF))
        return R_IDEO; /* Han and Hangul blocks, assigned or not */
    cat = utf8proc_category(c);
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
        /* kana, compatibility ideographs, leading jamo */
        if (in(c, 0x3040, 0x30FF) || in(c, 0x31F0, 0x31FF) ||
            in(c, 0x3005, 0x3007) || in(c, 0xF900, 0xFAFF) ||
            in(c, 0xFF66, 0xFF9D) || in(c, 0x1100, 0x115F) ||
            in(c, 0xA960, 0xA97F) || in(c, 0x1B000, 0x1B16F) ||
            in(c, 0x2F800, 0x2FA1F))
            return R_IDEO;
        return R_LETTER;
    }
    if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
        return R_MARK;
    if (cat == UTF8PROC_CATEGORY_ND)
        return R_DIGIT;
    if (cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO)
        return in(c, 0x3005, 0x3007) ? R_IDEO : R_NUM;
    return R_SEP;
}

static int
ref_wordy(int k)
{
    return k == R_LETTER || k == R_DIGIT || k == R_NUM || k == R_MARK;
}

static int
ref_accent(utf8proc_int32_t c)
{
    return in(c, 0x0300, 0x036F) || in(c, 0x0483, 0x0489) ||
           in(c, 0x0591, 0x05C7) || in(c, 0x0610, 0x061A) ||
           in(c, 0x064B, 0x065F) || c == 0x0670 || in(c, 0x06D6, 0x06ED) ||
           in(c, 0x1AB0, 0x1AFF) || in(c, 0x1DC0, 0x1DFF) ||
           in(c, 0x20D0, 0x20FF) || in(c, 0xFE00, 0xFE0F) ||
           in(c, 0xFE20, 0xFE2F) || in(c, 0xE0100, 0xE01EF);
}

/* The letter table of tokenizer.h, or NULL. */
static const char *
ref_letter(utf8proc_int32_t c)
{
    static const struct {
        utf8proc_int32_t cp;
        const char *to;
    } table[] = {
        {0x00E6, "ae"}, {0x00F0, "d"}, {0x00F8, "o"}, {0x00FE, "th"},
        {0x0111, "d"},  {0x0127, "h"}, {0x0131, "i"}, {0x0142, "l"},
        {0x0153, "oe"}, {0x0167, "t"},
    };
    size_t i;

    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cp == c)
            return table[i].to;
    return NULL;
}

/*
 * Fold raw bytes s[0, len) as a whole: case fold and decompose each code
 * point, drop accents (but the breve of й) and non-word characters, map
 * the letter table, then NFC the lot and cut after TOK_MAX_BYTES.
 */
static size_t
ref_fold(const char *s, size_t len, char *out)
{
    static utf8proc_int32_t cps[1 << 16];
    utf8proc_int32_t cp, d[64];
    utf8proc_ssize_t r, nd, k;
    utf8proc_uint8_t *nfc;
    struct buf b = BUF_INIT;
    size_t i, n = 0, o = 0, j, cl;
    const char *l;
    int bc = 0;

    for (i = 0; i < len; i += (size_t)r) {
        r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                             (utf8proc_ssize_t)(len - i), &cp);
        cr_assert_gt(r, 0, "reference: bad byte inside a token");
        if (cp == '\'' || cp == 0x2019 || cp == '.' || cp == ',') {
            cps[n++] = cp == 0x2019 ? '\'' : cp;
            continue;
        }
        nd = utf8proc_decompose_char(
            cp, d, 64, UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE,
            &bc);
        cr_assert(nd >= 0 && nd <= 64, "decompose U+%04X", (unsigned)cp);
        for (k = 0; k < nd; k++) {
            utf8proc_int32_t c = d[k];

            if (c == 0x0306 && n > 0) {
                for (j = n - 1;
                     j > 0 &&
                     utf8proc_get_property(cps[j])->combining_class != 0;
                     j--)
                    ;
                if (cps[j] == 0x0438) {
                    cps[n++] = c;
                    continue;
                }
            }
            if (ref_accent(c) ||
                !(utf8proc_category(c) >= UTF8PROC_CATEGORY_LU &&
                  utf8proc_category(c) <= UTF8PROC_CATEGORY_NO))
                continue;
            if ((l = ref_letter(c)) != NULL) {
                while (*l)
                    cps[n++] = (unsigned char)*l++;
            } else {
                cps[n++] = c;
            }
        }
    }
    for (i = 0; i < n; i++) {
        utf8proc_uint8_t e[4];

        buf_append(&b, e, (size_t)utf8proc_encode_char(cps[i], e));
    }
    r = utf8proc_map(b.data ? b.data : (const utf8proc_uint8_t *)"",
                     (utf8proc_ssize_t)b.len, &nfc, UTF8PROC_COMPOSE);
    cr_assert_geq(r, 0, "utf8proc_map: %s", utf8proc_errmsg(r));
    for (i = 0; i < (size_t)r; i += cl) {
        cl = (size_t)utf8proc_utf8class[nfc[i]];
        if (o + cl > TOK_MAX_BYTES)
            break;
        memcpy(out + o, nfc + i, cl);
        o += cl;
    }
    free(nfc);
    buf_release(&b);
    return o;
}

/* The rules of tokenizer.h over an array of decoded code points. */
static struct toks
ref_tokens(const char *text, size_t len, uint32_t first)
{
    struct toks ts = {0};
    utf8proc_int32_t *cp = malloc((len + 1) * sizeof *cp);
    size_t *off = malloc((len + 1) * sizeof *off);
    size_t *cl = malloc((len + 1) * sizeof *cl);
    size_t m = 0, i, j, q, start, end, n;
    utf8proc_ssize_t r;
    char out[TOK_MAX_BYTES + 1];
    int k, last;

    cr_assert(cp && off && cl, "out of memory in the test");
    for (i = 0; i < len; i += cl[m++]) {
        r = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                             (utf8proc_ssize_t)(len - i), &cp[m]);
        off[m] = i;
        cl[m] = r > 0 ? (size_t)r : 1;
        if (r <= 0)
            cp[m] = -1;
    }
    for (i = 0; i < m; i = j) {
        k = ref_kind(cp[i]);
        j = i + 1;
        if (k == R_IDEO) {
            while (j < m && ref_kind(cp[j]) == R_MARK)
                j++;
        } else if (k == R_LETTER || k == R_DIGIT || k == R_NUM) {
            for (last = k; j < m; j++) {
                k = ref_kind(cp[j]);
                if (k == R_MARK)
                    continue;
                if (ref_wordy(k)) {
                    last = k;
                    continue;
                }
                if ((k == R_APOS && last == R_LETTER && j + 1 < m &&
                     ref_kind(cp[j + 1]) == R_LETTER) ||
                    (k == R_NUMSEP && last == R_DIGIT && j + 1 < m &&
                     ref_kind(cp[j + 1]) == R_DIGIT))
                    continue;
                if (k == R_JOIN) {
                    for (q = j; q < m && ref_kind(cp[q]) == R_JOIN; q++)
                        ;
                    if (q < m && ref_wordy(ref_kind(cp[q]))) {
                        j = q - 1;
                        continue;
                    }
                }
                break;
            }
        } else {
            continue;
        }
        start = off[i];
        end = off[j - 1] + cl[j - 1];
        n = ref_fold(text + start, end - start, out);
        if (n > 0)
            toks_push(&ts, out, n, start, end, first++);
    }
    free(cp);
    free(off);
    free(cl);
    return ts;
}

/* Hex dump of a short input, for failure messages. */
static const char *
hex(const char *s, size_t len)
{
    static char h[3 * 64 + 4];
    size_t i, o = 0;

    for (i = 0; i < len && i < 64; i++)
        o +=
            (size_t)snprintf(h + o, sizeof h - o, "%02x ", (unsigned char)s[i]);
    snprintf(h + o, sizeof h - o, "%s", i < len ? "..." : "");
    return h;
}

static void
expect_same(const struct toks *got, const struct toks *want, const char *text,
            size_t len)
{
    size_t i;

    cr_assert_eq(got->n, want->n, "%zu tokens, reference %zu, input: %s",
                 got->n, want->n, hex(text, len));
    for (i = 0; i < got->n; i++) {
        const struct tokv *g = &got->v[i], *w = &want->v[i];

        cr_assert_str_eq(g->text, w->text,
                         "token %zu is \"%s\", reference \"%s\", input: %s", i,
                         g->text, w->text, hex(text, len));
        cr_assert(g->start == w->start && g->end == w->end && g->pos == w->pos,
                  "token %zu \"%s\" at [%zu,%zu) pos %u, reference "
                  "[%zu,%zu) pos %u, input: %s",
                  i, g->text, g->start, g->end, g->pos, w->start, w->end,
                  w->pos, hex(text, len));
    }
}

/* ---------------------------------------------------------------- */
/* Folding                                                           */
/* ---------------------------------------------------------------- */

Test(tokenizer, folds_case_and_accents)
{
    static const struct case_ c[] = {
        {"Café", "cafe"},
        {"CAFE", "cafe"},
        {"cafe", "cafe"},
        {"CAFÉ", "cafe"},
        {"Cafe\xCC\x81", "cafe"}, /* e + U+0301, NFD */
        {"CAFE\xCC\x81", "cafe"},
        {"naïve Noël", "naive|noel"},
        {"Việt Nam", "viet|nam"},       /* two stacked marks */
        {"Αθήνα ΟΔΟΣ", "αθηνα|οδοσ"},   /* final sigma folds to σ */
        {"Москва ЁЛКА", "москва|елка"}, /* ё is an accent */
        {"ﬁne ＡＢＣ ℌ", "fine|abc|h"}, /* compatibility forms */
        {"①  x²", "1|x2"},
    };

    CHECK_TABLE(c);
}

Test(tokenizer, folds_letters_without_decomposition)
{
    static const struct case_ c[] = {
        {"Łódź łódź", "lodz|lodz"},
        {"Øresund ørsted", "oresund|orsted"},
        {"Straße STRASSE ẞ", "strasse|strasse|ss"},
        {"Æther æther", "aether|aether"},
        {"Œuvre œuvre", "oeuvre|oeuvre"},
        {"Đakovo đakovo", "dakovo|dakovo"},
        {"Ðe ðe", "de|de"},
        {"Þór þór", "thor|thor"},
        {"ıi İstanbul", "ii|istanbul"},
        {"Ħal ħal", "hal|hal"},
        {"Ŧ ŧ", "t|t"},
        {"Ŀl ŀl", "ll|ll"},
    };

    CHECK_TABLE(c);
}

Test(tokenizer, keeps_marks_that_are_not_accents)
{
    static const struct case_ c[] = {
        /* й keeps its breve, precomposed or not: "новый" must stem */
        {"Новый ЙОД", "новый|йод"},
        {"\xD0\xB8\xCC\x86", "й"},
        {"ѝ", "и"}, /* a grave is an accent */
        /* Devanagari vowel signs and virama spell the word */
        {"हिन्दी", "हिन्दी"},
        {"किताब कताब", "किताब|कताब"},
        /* nukta: precomposed U+0929 and न + U+093C agree */
        {"\xE0\xA4\xA9 \xE0\xA4\xA8\xE0\xA4\xBC", "\xE0\xA4\xA9|\xE0\xA4\xA9"},
        /* kana voicing: が precomposed and か + U+3099 agree; ｶﾞ too */
        {"が か\xE3\x82\x99 ｶﾞ", "が|が|ガ"},
        /* Hebrew points and Arabic harakat are accents */
        {"שָׁלוֹם", "שלום"},
        {"كَتَبَ", "كتب"},
    };

    CHECK_TABLE(c);
}

Test(tokenizer, nfc_and_nfd_give_the_same_tokens)
{
    static const char *texts[] = {
        "Café crème brûlée, Ångström; Ñandú",
        "Việt Nam Hà Nội",
        "Ελληνικά: Αθήνα, Ἀθῆναι, ΐ",
        "Новый йогурт, ёлка, Їжак",
        "한국어 텍스트",
        "がぎぐげご パピプペポ",
        "ऩ क़ ख़ हिन्दी",
        "ক\xE0\xA7\x8B", /* Bengali two-part vowel */
    };
    struct tok *t;
    size_t i, j;

    cr_assert_eq(tok_new(&t), SE_OK);
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        utf8proc_uint8_t *nfc =
            utf8proc_NFC((const utf8proc_uint8_t *)texts[i]);
        utf8proc_uint8_t *nfd =
            utf8proc_NFD((const utf8proc_uint8_t *)texts[i]);
        struct toks a, b;

        cr_assert(nfc && nfd, "utf8proc_NFC/NFD failed on \"%s\"", texts[i]);
        a = run(t, (char *)nfc, strlen((char *)nfc), 0);
        b = run(t, (char *)nfd, strlen((char *)nfd), 0);
        cr_assert_eq(a.n, b.n, "\"%s\": %zu tokens in NFC, %zu in NFD",
                     texts[i], a.n, b.n);
        for (j = 0; j < a.n; j++)
            cr_expect_str_eq(a.v[j].text, b.v[j].text,
                             "\"%s\" token %zu: NFC \"%s\", NFD \"%s\"",
                             texts[i], j, a.v[j].text, b.v[j].text);
        free(a.v);
        free(b.v);
        free(nfc);
        free(nfd);
    }
    tok_free(t);
}

/* ---------------------------------------------------------------- */
/* Joins and splits                                                  */
/* ---------------------------------------------------------------- */

Test(tokenizer, digits_keep_inner_dots_and_commas)
{
    static const struct case_ c[] = {
        {"912.7", "912.7"},
        {"in 2019", "in|2019"},
        {"428,600 tonnes", "428,600|tonnes"},
        {"It rose 3.", "it|rose|3"},
        {"up 3.5%, to 1,2,3", "up|3.5|to|1,2,3"},
        {".5 and 5. and 5,", "5|and|5|and|5"},
        {"1..2 3,,4", "1|2|3|4"},
        {"U.S. a.b", "u|s|a|b"}, /* letters do not join on '.' */
        {"a1.5b", "a1.5b"},
        {"٣.٥", "٣.٥"}, /* any Nd, not only ASCII */
    };

    CHECK_TABLE(c);
}

Test(tokenizer, apostrophes_join_letters_only)
{
    static const struct case_ c[] = {
        {"China's", "china's"},
        {"don't", "don't"},
        {"don’t CHINA’S", "don't|china's"}, /* U+2019 becomes ' */
        {"'quoted' ‘curly’", "quoted|curly"},
        {"dogs' bowls", "dogs|bowls"},
        {"80's", "80|s"},
        {"rock'n'roll", "rock'n'roll"},
        {"a''b", "a|b"},
        {"l'été", "l'ete"},
        {"Café's", "cafe's"},
        {"Cafe\xCC\x81's", "cafe's"}, /* a mark before the apostrophe */
        {"x'新", "x|新"},
    };

    CHECK_TABLE(c);
}

Test(tokenizer, hyphens_and_punctuation_separate)
{
    static const struct case_ c[] = {
        {"China-Russia", "china|russia"},
        {"well—known e-mail", "well|known|e|mail"},
        {"a/b(c)[d]{e}<f>\"g\"h;i:j!k?l", "a|b|c|d|e|f|g|h|i|j|k|l"},
        {"co\xC2\xADoperate", "cooperate"}, /* soft hyphen */
        {"a\xE2\x80\x8D\xE2\x81\xA0"
         "b",
         "ab"}, /* ZWJ, word joiner */
        {"\xC2\xAD"
         "ab\xC2\xAD",
         "ab"},
        {"a\xE2\x80\x8C"
         "b",
         "a|b"}, /* ZWNJ separates */
    };
    struct tok *t;
    struct toks ts;

    CHECK_TABLE(c);
    cr_assert_eq(tok_new(&t), SE_OK);
    ts = run(t, "China-Russia", 12, 0);
    cr_assert_eq(ts.n, 2, "\"China-Russia\": %zu tokens, want 2", ts.n);
    cr_expect(ts.v[0].pos == 0 && ts.v[1].pos == 1,
              "positions %u, %u; want 0, 1", ts.v[0].pos, ts.v[1].pos);
    free(ts.v);
    tok_free(t);
}

Test(tokenizer, mixed_scripts)
{
    static const struct case_ c[] = {
        {"Москва Αθήνα 新疆 cotton", "москва|αθηνα|新|疆|cotton"},
        {"cotton新疆x", "cotton|新|疆|x"},
        {"東京タワーへ", "東|京|タ|ワ|ー|へ"},
        {"한국어", "한|국|어"},
        {"𠀀𪜀", "𠀀|𪜀"}, /* outside the BMP */
        {"Hello, Мир! 你好。", "hello|мир|你|好"},
    };

    CHECK_TABLE(c);
}

/* ---------------------------------------------------------------- */
/* Offsets, positions, limits                                        */
/* ---------------------------------------------------------------- */

Test(tokenizer, offsets_map_back_to_the_raw_text)
{
    static const char text[] =
        "  «Café» CHINA’S 912.7%, Straße—Москва 新疆 co\xC2\xADop "
        "Cafe\xCC\x81 \xFF"
        "end.";
    static const struct {
        const char *raw, *folded;
    } want[] = {
        {"Café", "cafe"},
        {"CHINA’S", "china's"},
        {"912.7", "912.7"},
        {"Straße", "strasse"},
        {"Москва", "москва"},
        {"新", "新"},
        {"疆", "疆"},
        {"co\xC2\xADop", "coop"},
        {"Cafe\xCC\x81", "cafe"},
        {"end", "end"},
    };
    struct tok *t;
    struct toks ts, one;
    size_t i, n = sizeof want / sizeof want[0];

    cr_assert_eq(tok_new(&t), SE_OK);
    ts = run(t, text, sizeof text - 1, 0);
    cr_assert_eq(ts.n, n, "%zu tokens, want %zu", ts.n, n);
    for (i = 0; i < n; i++) {
        const struct tokv *v = &ts.v[i];
        size_t rl = strlen(want[i].raw);

        cr_expect(v->end - v->start == rl &&
                      memcmp(text + v->start, want[i].raw, rl) == 0,
                  "token %zu: raw bytes [%zu,%zu) are \"%.*s\", want \"%s\"", i,
                  v->start, v->end, (int)(v->end - v->start), text + v->start,
                  want[i].raw);
        cr_expect_str_eq(v->text, want[i].folded,
                         "token %zu: \"%s\", want "
                         "\"%s\"",
                         i, v->text, want[i].folded);
        /* the raw bytes alone are that one token again */
        one = run(t, text + v->start, v->end - v->start, 0);
        cr_expect(one.n == 1 && strcmp(one.v[0].text, v->text) == 0,
                  "raw bytes of token %zu re-tokenize to %zu tokens", i, one.n);
        free(one.v);
    }
    free(ts.v);
    tok_free(t);
}

Test(tokenizer, positions_count_from_first_pos)
{
    struct tok *t;
    struct tok_token tk;
    uint32_t want = 1000;

    cr_assert_eq(tok_new(&t), SE_OK);
    tok_reset(t, "a b-c ,, d", 10, 1000);
    cr_expect_eq(tok_position(t), 1000, "before any token: %u",
                 tok_position(t));
    while (tok_next(t, &tk) == 1) {
        cr_expect_eq(tk.pos, want, "\"%s\" at %u, want %u", tk.text, tk.pos,
                     want);
        want++;
        cr_expect_eq(tok_position(t), want, "tok_position %u after \"%s\"",
                     tok_position(t), tk.text);
    }
    cr_expect_eq(want, 1004, "4 tokens expected, got %u", want - 1000);
    /* a reset starts over */
    tok_reset(t, "x", 1, 0);
    cr_assert_eq(tok_next(t, &tk), 1);
    cr_expect_eq(tk.pos, 0, "after reset: pos %u", tk.pos);
    cr_expect_eq(tok_next(t, &tk), 0, "one token only");
    cr_expect_eq(tok_next(t, &tk), 0, "the end stays the end");
    tok_free(t);
}

Test(tokenizer, empty_and_separator_only_input)
{
    static const char *texts[] = {
        "",
        "   ",
        " ,.;-- '' ’ \n\t",
        "\xCC\x81\xCC\x82", /* lone marks */
        "\xC2\xAD\xE2\x80\x8D",
        "\xFF\xFE\x80",
    };
    struct tok *t;
    struct tok_token tk;
    size_t i;

    cr_assert_eq(tok_new(&t), SE_OK);
    tok_reset(t, NULL, 0, 5);
    cr_expect_eq(tok_next(t, &tk), 0, "NULL text with len 0: a token");
    cr_expect_eq(tok_position(t), 5, "position moved on empty input");
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        tok_reset(t, texts[i], strlen(texts[i]), 0);
        cr_expect_eq(tok_next(t, &tk), 0, "input %s gave token \"%s\"",
                     hex(texts[i], strlen(texts[i])), tk.text);
    }
    tok_free(t);
    tok_free(NULL);
}

Test(tokenizer, long_tokens_are_cut_at_a_character_boundary)
{
    struct tok *t;
    struct toks ts;
    struct buf b = BUF_INIT;
    size_t i;

    cr_assert_eq(tok_new(&t), SE_OK);

    /* 200 ASCII letters: 120 of them, offsets still span all 200 */
    for (i = 0; i < 200; i++)
        buf_putc(&b, 'A');
    buf_puts(&b, " next");
    ts = run(t, (char *)b.data, b.len, 0);
    cr_assert_eq(ts.n, 2, "%zu tokens, want 2", ts.n);
    cr_expect_eq(ts.v[0].len, TOK_MAX_BYTES, "cut to %zu bytes", ts.v[0].len);
    cr_expect(ts.v[0].text[0] == 'a' && ts.v[0].text[119] == 'a',
              "folded text lost");
    cr_expect(ts.v[0].start == 0 && ts.v[0].end == 200,
              "raw span [%zu,%zu), want [0,200)", ts.v[0].start, ts.v[0].end);
    cr_expect_str_eq(ts.v[1].text, "next", "token after a cut one");
    cr_expect_eq(ts.v[1].pos, 1, "position after a cut token");
    free(ts.v);

    /* 61 two-byte letters: 60 fit (120 bytes), the 61st is dropped whole */
    buf_clear(&b);
    for (i = 0; i < 61; i++)
        buf_puts(&b, "Ж");
    ts = run(t, (char *)b.data, b.len, 0);
    cr_assert_eq(ts.n, 1, "%zu tokens", ts.n);
    cr_expect_eq(ts.v[0].len, 120, "cut to %zu bytes, want 120", ts.v[0].len);
    free(ts.v);

    /* 119 ASCII + Ж: Ж does not fit, and nothing after it may get in */
    buf_clear(&b);
    for (i = 0; i < 119; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "Жbc");
    ts = run(t, (char *)b.data, b.len, 0);
    cr_assert_eq(ts.n, 1, "%zu tokens", ts.n);
    cr_expect_eq(ts.v[0].len, 119, "cut to %zu bytes, want 119", ts.v[0].len);
    cr_expect(valid_utf8(ts.v[0].text, ts.v[0].len), "cut mid-character");
    free(ts.v);

    /* ß folds to two letters: at 119 bytes only the first s fits */
    buf_clear(&b);
    for (i = 0; i < 119; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "ßx");
    ts = run(t, (char *)b.data, b.len, 0);
    cr_assert_eq(ts.n, 1, "%zu tokens", ts.n);
    cr_expect(ts.v[0].len == 120 && ts.v[0].text[119] == 's',
              "ß at the limit: %zu bytes ending '%c'", ts.v[0].len,
              ts.v[0].text[ts.v[0].len - 1]);
    free(ts.v);

    /* 100 é: 200 raw bytes fold to 100 */
    buf_clear(&b);
    for (i = 0; i < 100; i++)
        buf_puts(&b, "é");
    ts = run(t, (char *)b.data, b.len, 0);
    cr_assert_eq(ts.n, 1, "%zu tokens", ts.n);
    cr_expect_eq(ts.v[0].len, 100, "%zu bytes, want 100", ts.v[0].len);
    free(ts.v);

    buf_release(&b);
    tok_free(t);
}

Test(tokenizer, ten_megabyte_single_line)
{
    /* 9 tokens a round: alpha beta gamma 12.5 cafe 新 疆 don't 3 */
    static const char round[] = "Alpha beta-gamma 12.5 Café, 新疆 don't 3. ";
    static const char *want[] = {"alpha", "beta", "gamma", "12.5", "cafe",
                                 "新",    "疆",   "don't", "3"};
    size_t rl = sizeof round - 1, rounds = (10u << 20) / rl + 1, i, n = 0;
    char *text = malloc(rounds * rl);
    struct tok *t;
    struct tok_token tk;
    int rc;

    cr_assert_not_null(text);
    for (i = 0; i < rounds; i++)
        memcpy(text + i * rl, round, rl);
    cr_assert_eq(tok_new(&t), SE_OK);
    tok_reset(t, text, rounds * rl, 0);
    while ((rc = tok_next(t, &tk)) == 1) {
        if (tk.pos != n || strcmp(tk.text, want[n % 9]) != 0 ||
            tk.start < (n / 9) * rl || tk.end > (n / 9 + 1) * rl)
            cr_assert_fail("token %zu: \"%s\" pos %u at [%zu,%zu); want "
                           "\"%s\" pos %zu in round %zu",
                           n, tk.text, tk.pos, tk.start, tk.end, want[n % 9], n,
                           n / 9);
        n++;
    }
    cr_assert_eq(rc, 0, "tok_next: %s", se_strerror(rc));
    cr_expect_eq(n, 9 * rounds, "%zu tokens in %zu bytes, want %zu", n,
                 rounds * rl, 9 * rounds);
    tok_free(t);
    free(text);
}

/* ---------------------------------------------------------------- */
/* Invalid input                                                     */
/* ---------------------------------------------------------------- */

Test(tokenizer, invalid_utf8_separates)
{
    static const struct case_ c[] = {
        {"a\x80"
         "b",
         "a|b"}, /* stray continuation */
        {"\xC0\xAF"
         "ab",
         "ab"}, /* overlong '/' */
        {"\xE0\x80\xAF"
         "ab",
         "ab"}, /* overlong, 3 bytes */
        {"\xF0\x80\x80\xAF"
         "ab",
         "ab"}, /* overlong, 4 bytes */
        {"ab\xED\xA0\x80"
         "cd",
         "ab|cd"}, /* surrogate U+D800 */
        {"ab\xF4\x90\x80\x80"
         "cd",
         "ab|cd"}, /* U+110000 */
        {"ab\xF8\x88\x80\x80\x80"
         "cd",
         "ab|cd"},            /* 5-byte form */
        {"ab\xE2\x82", "ab"}, /* truncated at the end */
        {"ab\xE2\x82"
         "cd",
         "ab|cd"}, /* truncated inside */
        {"caf\xC3", "caf"},
        {"\xFF"
         "Café\xFE",
         "cafe"},
        {"新\x80疆", "新|疆"},
    };

    CHECK_TABLE(c);
}

Test(tokenizer, random_bytes_never_break_it)
{
    uint64_t seed = 0x5eed0001;
    unsigned char buf[256];
    struct tok *t;
    struct tok_token tk;
    size_t len, i, prev_end;
    uint32_t pos;
    int iter, rc;

    cr_assert_eq(tok_new(&t), SE_OK);
    for (iter = 0; iter < 100000; iter++) {
        uint64_t r = rnd(&seed);

        len = r % sizeof buf;
        for (i = 0; i < len; i++) {
            r = rnd(&seed);
            /* half the time bias toward ASCII letters and UTF-8 leads */
            buf[i] = (r & 1) ? (unsigned char)(r >> 8)
                             : (unsigned char)"aZ9 .,'\xC3\xA9\xE2\x80\x99\xF0"
                                   [(r >> 8) % 13];
        }
        tok_reset(t, (char *)buf, len, 0);
        prev_end = 0;
        pos = 0;
        while ((rc = tok_next(t, &tk)) == 1) {
            if (tk.len == 0 || tk.len > TOK_MAX_BYTES ||
                strlen(tk.text) != tk.len || !valid_utf8(tk.text, tk.len) ||
                tk.pos != pos || tk.start < prev_end || tk.end <= tk.start ||
                tk.end > len)
                cr_assert_fail("iteration %d: bad token \"%s\" (%zu bytes) "
                               "pos %u at [%zu,%zu), input %s",
                               iter, tk.text, tk.len, tk.pos, tk.start, tk.end,
                               hex((char *)buf, len));
            prev_end = tk.end;
            pos++;
        }
        cr_assert_eq(rc, 0, "tok_next: %s", se_strerror(rc));
    }
    tok_free(t);
}

Test(tokenizer, input_ending_at_an_unreadable_page)
{
    static const char *texts[] = {
        "abc",
        "caf\xC3",
        "ab\xE2\x82",
        "x\xF0\x9F",
        "don'",
        "3.",
        "a\xC2\xAD",
        "新",
        "Cafe\xCC",
        "sixteen_letters_",
        "0123456789abcdefXYZ",
        "seventeen bytes a",
        "\xE3\x82\xAB",
    };
    long page = sysconf(_SC_PAGESIZE);
    char *map;
    struct tok *t;
    struct tok_token tk;
    size_t i, len;
    int rc;

    map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(map, MAP_FAILED, "mmap");
    cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0, "mprotect");
    cr_assert_eq(tok_new(&t), SE_OK);
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        len = strlen(texts[i]);
        memcpy(map + page - len, texts[i], len);
        tok_reset(t, map + page - len, len, 0);
        while ((rc = tok_next(t, &tk)) == 1)
            ;
        cr_expect_eq(rc, 0, "tok_next: %s", se_strerror(rc));
    }
    tok_free(t);
    munmap(map, 2 * (size_t)page);
}

/* ---------------------------------------------------------------- */
/* Against the reference                                             */
/* ---------------------------------------------------------------- */

/* Random text is built from pieces chosen to meet every path. */
/* clang-format off */
static const char *const pieces[] = {
    /* ASCII and the joins */
    "a", "Z", "q", "7", "0", " ", " ", "\n", ".", ",", "'", "-", "’", "\"",
    /* accents, precomposed and not; the letter table */
    "é", "É", "e\xCC\x81", "\xCC\x81", "\xCC\xA3", "\xCC\x82", "\xCC\x86",
    "ł", "Ø", "ß", "ẞ", "æ", "Œ", "þ", "ı", "İ", "ŀ", "Đ",
    /* Cyrillic (й and its breve), Greek */
    "Ж", "й", "Й", "и", "ё", "Ω", "ά", "ς", "ΐ",
    /* one cache slot: U+04E9, U+08E9, U+00E9 */
    "ө", "\xE0\xA3\xA9", "\xC3\xA9",
    /* ideographs, Hangul syllable and jamo L V T, kana and voicing */
    "新", "疆", "𠀀", "한", "\xE1\x84\x80", "\xE1\x85\xA1", "\xE1\x86\xA8",
    "が", "か", "\xE3\x82\x99", "ｶ", "ﾞ", "ー",
    /* kept marks: nukta, virama, matra; Bengali two-part vowel */
    "न", "\xE0\xA4\xBC", "ऩ", "\xE0\xA5\x8D", "ि", "क",
    "ক", "\xE0\xA7\x87", "\xE0\xA6\xBE", "ো",
    /* Hebrew and Arabic points, Thai */
    "ש", "\xD6\xB8", "ك", "\xD9\x8E", "ก", "\xE0\xB8\xB4",
    /* soft hyphen, ZWJ, ZWNJ, variation selector */
    "\xC2\xAD", "\xE2\x80\x8D", "\xE2\x80\x8C", "\xEF\xB8\x8F",
    /* compatibility forms, U+FDFA */
    "ﬁ", "½", "①", "٣", "ＡＢ", "\xEF\xB7\xBA",
    /* invalid UTF-8 */
    "\x80", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF",
    /* long runs: SSE2 blocks, TOK_MAX_BYTES */
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
/* clang-format on */

Test(tokenizer, agrees_with_the_reference_on_random_text)
{
    uint64_t seed = 0x5eed0002;
    size_t np = sizeof pieces / sizeof pieces[0], k, n;
    struct buf b = BUF_INIT;
    struct tok *t;
    struct toks got, want;
    int iter;

    cr_assert_eq(tok_new(&t), SE_OK);
    for (iter = 0; iter < 20000; iter++) {
        buf_clear(&b);
        n = rnd(&seed) % 40;
        /* runs of long pieces, to reach TOK_MAX_BYTES now and then */
        for (k = 0; k < n; k++)
            buf_puts(&b, pieces[rnd(&seed) % np]);
        got = run(t, b.data ? (char *)b.data : "", b.len, 3);
        want = ref_tokens(b.data ? (char *)b.data : "", b.len, 3);
        expect_same(&got, &want, (char *)b.data, b.len);
        free(got.v);
        free(want.v);
    }
    buf_release(&b);
    tok_free(t);
}

Test(tokenizer, agrees_with_the_reference_in_nfd)
{
    uint64_t seed = 0x5eed0003;
    size_t np = sizeof pieces / sizeof pieces[0], k, n;
    struct buf b = BUF_INIT;
    struct tok *t;
    struct toks got, want, nfc;
    utf8proc_uint8_t *d, *c;
    int iter;

    cr_assert_eq(tok_new(&t), SE_OK);
    for (iter = 0; iter < 5000; iter++) {
        buf_clear(&b);
        n = 1 + rnd(&seed) % 30;
        for (k = 0; k < n; k++) {
            const char *p = pieces[rnd(&seed) % np];
            if (valid_utf8(p, strlen(p)))
                buf_puts(&b, p);
        }
        d = utf8proc_NFD((const utf8proc_uint8_t *)buf_cstr(&b));
        c = utf8proc_NFC((const utf8proc_uint8_t *)buf_cstr(&b));
        cr_assert(d && c, "utf8proc_NFD/NFC failed");
        got = run(t, (char *)d, strlen((char *)d), 0);
        want = ref_tokens((char *)d, strlen((char *)d), 0);
        expect_same(&got, &want, (char *)d, strlen((char *)d));
        /* and NFC text folds to the same token texts */
        nfc = run(t, (char *)c, strlen((char *)c), 0);
        cr_assert_eq(nfc.n, got.n, "NFC %zu tokens, NFD %zu, input %s", nfc.n,
                     got.n, hex((char *)c, strlen((char *)c)));
        for (k = 0; k < got.n; k++)
            cr_assert_str_eq(nfc.v[k].text, got.v[k].text,
                             "token %zu: NFC \"%s\", NFD \"%s\"", k,
                             nfc.v[k].text, got.v[k].text);
        free(got.v);
        free(want.v);
        free(nfc.v);
        free(d);
        free(c);
    }
    buf_release(&b);
    tok_free(t);
}
