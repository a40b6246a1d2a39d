/*
 * tokenizer.c - UTF-8 text to folded tokens with positions and byte offsets.
 *
 * The idea: almost all bytes of English news are ASCII, so ASCII never
 * reaches utf8proc. Two 256-entry tables give each byte its kind and its
 * lower-case form, and the inner loop copies a run of ASCII letters and
 * digits with one table load per byte. A byte >= 0x80 leaves the fast loop:
 * the code point is decoded (strictly; invalid bytes separate tokens) and
 * looked up in a small direct-mapped cache held in struct tok, filled from
 * utf8proc the first time a code point is seen. A cache entry holds the
 * code point's kind and its fold, already encoded as UTF-8, so a repeated
 * "é" costs a decode, a compare and a memcpy.
 *
 * The fold of one code point: Unicode full case folding and compatibility
 * decomposition (utf8proc), then
 *   - diacritics dropped: combining marks of the generic blocks (U+0300...),
 *     Cyrillic, Hebrew and Arabic points, variation selectors. Marks that
 *     spell vowels and consonants (Devanagari matras, viramas, kana voicing)
 *     are kept: dropping them would merge different words;
 *   - й kept as й (a breve that is not an accent in Russian: the Snowball
 *     stemmer needs it for the endings -ый, -ий, -ой);
 *   - a table for letters that have no decomposition (ł, ø, đ, æ, þ ...);
 *   - whatever is not a letter, mark or number dropped (the space inside the
 *     compatibility decomposition of U+FDFA, the fraction slash of "½");
 *   - canonical composition, so a Hangul syllable stays one syllable.
 * Folding code point by code point is exact unless a code point composes
 * with or reorders against the one before it (text not in NFC: "न" + nukta,
 * conjoining jamo, a kana voicing mark). The fast path notices that case and
 * folds the whole token again through a code point buffer: decompose, order
 * the marks canonically, compose. So NFC and NFD input give the same tokens.
 *
 * Relies on utf8proc (Unicode data), nothing else. Never allocates after
 * tok_new(): every buffer is a fixed array in struct tok.
 */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "error.h"

/* Kinds of characters; K_HIGH only in the byte table (decode first). */
enum {
    K_SEP,    /* separates tokens; also every invalid byte */
    K_LETTER, /* L* */
    K_DIGIT,  /* Nd */
    K_NUM,    /* Nl, No: part of a token, never joins '.' or ',' */
    K_MARK,   /* M*: extends the token before it, never starts one */
    K_IDEO,   /* Han, kana, Hangul syllable: a token of its own */
    K_APOS,   /* ' or U+2019: kept between two letters */
    K_NUMSEP, /* '.' or ',': kept between two digits */
    K_JOIN,   /* soft hyphen, ZWJ, word joiner: dropped inside a token */
    K_HIGH    /* byte >= 0x80 */
};

/*
 * 1024 entries of 40 bytes: the letters of one or two alphabets fit
 * without collisions (code point & 1023 spreads each block over distinct
 * slots). Han and Hangul syllables bypass the cache entirely.
 */
#define TOK_CACHE 1024
/* The longest fold of one code point is 30 bytes (U+FDFA, Unicode 15). */
#define TOK_FOLD_BYTES 32
/*
 * Code points gathered for the slow path. After composition 512 of them
 * are at least 171 characters (3 jamo make one syllable), so the first
 * TOK_MAX_BYTES bytes come out as if the whole token had been normalised.
 */
#define TOK_NORM_CPS 512
/* utf8proc_decompose_char output for one code point, with room to spare. */
#define TOK_DECOMP_CPS 64

enum {
    F_MAYCOMPOSE = 1, /* fold starts with a kept mark or a jamo V/T */
    F_BREVE = 2       /* U+0306: makes й out of a preceding и */
};

struct tok_fold {
    uint32_t cp;   /* key; 0 = empty slot (ASCII never gets here) */
    uint8_t kind;  /* K_* */
    uint8_t flags; /* F_* */
    uint8_t len;   /* bytes in fold */
    uint8_t ccc;   /* canonical combining class of the fold's first cp */
    char fold[TOK_FOLD_BYTES];
};

struct tok {
    const unsigned char *text;
    size_t len;
    size_t off; /* next byte to look at */
    uint32_t pos;
    /*
     * The token being built. The slack past TOK_MAX_BYTES lets the fast path
     * write one whole cache fold (or one ASCII byte) before checking room.
     */
    char out[TOK_MAX_BYTES + TOK_FOLD_BYTES + 8];
    utf8proc_int32_t cps[TOK_NORM_CPS];
    struct tok_fold cache[TOK_CACHE];
};

/* ---------------------------------------------------------------- tables */

/* Both tables list ranges by hand: one row per range, not formatter-packed. */
/* clang-format off */
#define L_(c) [c] = K_LETTER
#define D_(c) [c] = K_DIGIT
static const uint8_t ascii_kind[256] = {
    L_('A'), L_('B'), L_('C'), L_('D'), L_('E'), L_('F'), L_('G'), L_('H'),
    L_('I'), L_('J'), L_('K'), L_('L'), L_('M'), L_('N'), L_('O'), L_('P'),
    L_('Q'), L_('R'), L_('S'), L_('T'), L_('U'), L_('V'), L_('W'), L_('X'),
    L_('Y'), L_('Z'),
    L_('a'), L_('b'), L_('c'), L_('d'), L_('e'), L_('f'), L_('g'), L_('h'),
    L_('i'), L_('j'), L_('k'), L_('l'), L_('m'), L_('n'), L_('o'), L_('p'),
    L_('q'), L_('r'), L_('s'), L_('t'), L_('u'), L_('v'), L_('w'), L_('x'),
    L_('y'), L_('z'),
    D_('0'), D_('1'), D_('2'), D_('3'), D_('4'), D_('5'), D_('6'), D_('7'),
    D_('8'), D_('9'),
    ['\''] = K_APOS, ['.'] = K_NUMSEP, [','] = K_NUMSEP,
#define H4_(c) [c] = K_HIGH, [c + 1] = K_HIGH, [c + 2] = K_HIGH, [c + 3] = K_HIGH
#define H16_(c) H4_(c), H4_(c + 4), H4_(c + 8), H4_(c + 12)
    H16_(0x80), H16_(0x90), H16_(0xA0), H16_(0xB0),
    H16_(0xC0), H16_(0xD0), H16_(0xE0), H16_(0xF0),
};

/* Folded form of an ASCII letter or digit; 0 for every other byte. */
#define LC_(c) [c] = c + 32
#define ID_(c) [c] = c
static const unsigned char ascii_fold[256] = {
    LC_('A'), LC_('B'), LC_('C'), LC_('D'), LC_('E'), LC_('F'), LC_('G'),
    LC_('H'), LC_('I'), LC_('J'), LC_('K'), LC_('L'), LC_('M'), LC_('N'),
    LC_('O'), LC_('P'), LC_('Q'), LC_('R'), LC_('S'), LC_('T'), LC_('U'),
    LC_('V'), LC_('W'), LC_('X'), LC_('Y'), LC_('Z'),
    ID_('a'), ID_('b'), ID_('c'), ID_('d'), ID_('e'), ID_('f'), ID_('g'),
    ID_('h'), ID_('i'), ID_('j'), ID_('k'), ID_('l'), ID_('m'), ID_('n'),
    ID_('o'), ID_('p'), ID_('q'), ID_('r'), ID_('s'), ID_('t'), ID_('u'),
    ID_('v'), ID_('w'), ID_('x'), ID_('y'), ID_('z'),
    ID_('0'), ID_('1'), ID_('2'), ID_('3'), ID_('4'), ID_('5'), ID_('6'),
    ID_('7'), ID_('8'), ID_('9'),
};
/* clang-format on */

/*
 * Letters without a decomposition, as case folding leaves them (so Ł is
 * already ł here). Not listed because utf8proc already handles them: ß and
 * ẞ case-fold to "ss"; ŀ decomposes to l + U+00B7, a dot that is dropped.
 */
static const struct {
    uint16_t cp;
    char to[3];
} letter_table[] = {
    {0x00E6, "ae"}, /* æ */
    {0x00F0, "d"},  /* ð */
    {0x00F8, "o"},  /* ø */
    {0x00FE, "th"}, /* þ */
    {0x0111, "d"},  /* đ */
    {0x0127, "h"},  /* ħ */
    {0x0131, "i"},  /* ı */
    {0x0142, "l"},  /* ł */
    {0x0153, "oe"}, /* œ */
    {0x0167, "t"},  /* ŧ */
};

/* --------------------------------------------------------- classification */

static int
in_range(utf8proc_int32_t c, utf8proc_int32_t lo, utf8proc_int32_t hi)
{
    return c >= lo && c <= hi;
}

/*
 * Han ideographs and Hangul syllables: a token each, folded to themselves
 * (no case, no decomposition under NFKC), so they skip the cache. The whole
 * blocks count, assigned or not, so that a newer Unicode changes nothing.
 */
static inline int
is_plain_ideograph(utf8proc_int32_t c)
{
    return c >= 0x3400 &&
           (in_range(c, 0x4E00, 0x9FFF) || in_range(c, 0x3400, 0x4DBF) ||
            in_range(c, 0xAC00, 0xD7A3) || in_range(c, 0x20000, 0x2F7FF) ||
            in_range(c, 0x30000, 0x3FFFF));
}

/* Letters that are a token each but need folding (kana, compatibility
 * ideographs, leading jamo, which start a syllable in NFD). */
static int
is_other_ideograph(utf8proc_int32_t c)
{
    return in_range(c, 0x3040, 0x30FF) || in_range(c, 0x31F0, 0x31FF) ||
           in_range(c, 0x3005, 0x3007) || in_range(c, 0xF900, 0xFAFF) ||
           in_range(c, 0xFF66, 0xFF9D) || in_range(c, 0x1100, 0x115F) ||
           in_range(c, 0xA960, 0xA97F) || in_range(c, 0x1B000, 0x1B16F) ||
           in_range(c, 0x2F800, 0x2FA1F);
}

/* Vowel and trailing jamo: they belong to the syllable before them. */
static int
is_jamo_vt(utf8proc_int32_t c)
{
    return in_range(c, 0x1160, 0x11FF) || in_range(c, 0xD7B0, 0xD7FF);
}

/*
 * Marks that are accents rather than parts of letters: the generic
 * combining blocks, Cyrillic titlo and friends, Hebrew points, Arabic
 * harakat and Quranic marks, variation selectors.
 */
static int
is_diacritic(utf8proc_int32_t c)
{
    return in_range(c, 0x0300, 0x036F) || in_range(c, 0x0483, 0x0489) ||
           in_range(c, 0x0591, 0x05C7) || in_range(c, 0x0610, 0x061A) ||
           in_range(c, 0x064B, 0x065F) || c == 0x0670 ||
           in_range(c, 0x06D6, 0x06ED) || in_range(c, 0x1AB0, 0x1AFF) ||
           in_range(c, 0x1DC0, 0x1DFF) || in_range(c, 0x20D0, 0x20FF) ||
           in_range(c, 0xFE00, 0xFE0F) || in_range(c, 0xFE20, 0xFE2F) ||
           in_range(c, 0xE0100, 0xE01EF);
}

static int
is_mark_category(int cat)
{
    return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
           cat == UTF8PROC_CATEGORY_ME;
}

/* Letters, marks, numbers: what a fold may contain. */
static int
is_word_category(int cat)
{
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

static int
kind_of(utf8proc_int32_t c)
{
    int cat;

    if (c == 0x2019)
        return K_APOS;
    if (c == 0x00AD || c == 0x200D || c == 0x2060)
        return K_JOIN;
    if (is_jamo_vt(c) || c == 0xFF9E || c == 0xFF9F)
        return K_MARK; /* FF9E/F: halfwidth voicing marks, spacing forms */
    cat = utf8proc_category(c);
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
        return is_other_ideograph(c) ? K_IDEO : K_LETTER;
    if (is_mark_category(cat))
        return K_MARK;
    if (cat == UTF8PROC_CATEGORY_ND)
        return K_DIGIT;
    if (cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO)
        return in_range(c, 0x3005, 0x3007) ? K_IDEO : K_NUM;
    return K_SEP;
}

/* ----------------------------------------------------------------- UTF-8 */

/*
 * Decode one code point at s[i] (i < len). Returns its length; *cp is -1
 * for an invalid sequence (overlong, surrogate, > U+10FFFF, truncated or
 * stray byte), whose length is then 1 so that scanning resynchronises on
 * the next byte.
 */
static size_t
utf8_decode(const unsigned char *s, size_t i, size_t len, utf8proc_int32_t *cp)
{
    unsigned c = s[i], lo = 0x80, hi = 0xBF;
    size_t n, k;
    utf8proc_int32_t v;

    if (c < 0x80) {
        *cp = (utf8proc_int32_t)c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4)
        goto bad;
    if (c < 0xE0) {
        n = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    }
    if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
        goto bad;
    v = (v << 6) | (s[i + 1] & 0x3F);
    for (k = 2; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    *cp = v;
    return n;
bad:
    *cp = -1;
    return 1;
}

/* utf8_decode(), with the two-byte case (Latin, Greek, Cyrillic, Hebrew,
 * Arabic) inline. */
static inline size_t
decode(const unsigned char *s, size_t i, size_t len, utf8proc_int32_t *cp)
{
    if (s[i] >= 0xC2 && s[i] < 0xE0 && len - i >= 2 &&
        (s[i + 1] & 0xC0) == 0x80) {
        *cp = (utf8proc_int32_t)((s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F));
        return 2;
    }
    return utf8_decode(s, i, len, cp);
}

/* Length of the UTF-8 sequence led by byte c (which we wrote: valid). */
static size_t
utf8_seqlen(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* ---------------------------------------------------------------- folding */

static int
ccc_of(utf8proc_int32_t c)
{
    return utf8proc_get_property(c)->combining_class;
}

/*
 * Fold one code point (not ASCII, not K_SEP/K_JOIN) into dst, decomposed:
 * case folding and compatibility decomposition, diacritics and non-word
 * characters dropped, the letter table applied. Returns the number of code
 * points written, at most TOK_DECOMP_CPS.
 */
static size_t
fold_decomposed(utf8proc_int32_t cp, utf8proc_int32_t *dst)
{
    utf8proc_int32_t tmp[TOK_DECOMP_CPS];
    utf8proc_ssize_t r;
    size_t i, j, k, n = 0;
    int boundclass = 0;

    if (cp == 0x2019) {
        dst[0] = '\'';
        return 1;
    }
    if (cp == 0x0419 || cp == 0x0439) { /* Й, й */
        dst[0] = 0x0438;
        dst[1] = 0x0306;
        return 2;
    }
    r = utf8proc_decompose_char(
        cp, tmp, TOK_DECOMP_CPS,
        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE, &boundclass);
    /* r < 0 cannot happen for a valid code point; the 18 code points of
     * U+FDFA are the most one decomposes to, far below TOK_DECOMP_CPS */
    if (r < 0 || r > TOK_DECOMP_CPS)
        return 0;
    for (i = 0; i < (size_t)r; i++) {
        utf8proc_int32_t c = tmp[i];

        if (is_diacritic(c) || !is_word_category(utf8proc_category(c)))
            continue;
        if (n + 2 > TOK_DECOMP_CPS)
            break; /* unreachable with Unicode 15 data; keeps dst safe */
        for (j = 0; j < sizeof letter_table / sizeof letter_table[0]; j++)
            if (letter_table[j].cp == c)
                break;
        if (j == sizeof letter_table / sizeof letter_table[0]) {
            dst[n++] = c;
            continue;
        }
        for (k = 0; letter_table[j].to[k] != '\0'; k++)
            dst[n++] = (unsigned char)letter_table[j].to[k];
    }
    return n;
}

/* Fill cache entry e for code point cp (>= 0x80, valid). */
static void
fold_fill(utf8proc_int32_t cp, struct tok_fold *e)
{
    utf8proc_int32_t cps[TOK_DECOMP_CPS];
    utf8proc_uint8_t enc[4];
    size_t n, i, len = 0, cl;

    e->cp = (uint32_t)cp;
    e->kind = (uint8_t)kind_of(cp);
    e->flags = cp == 0x0306 ? F_BREVE : 0;
    e->len = 0;
    e->ccc = 0;
    if (e->kind == K_SEP || e->kind == K_JOIN)
        return;
    n = fold_decomposed(cp, cps);
    if (n > 0)
        n = (size_t)utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)n,
                                             UTF8PROC_COMPOSE);
    for (i = 0; i < n; i++) {
        cl = (size_t)utf8proc_encode_char(cps[i], enc);
        if (len + cl > TOK_FOLD_BYTES)
            break; /* never in Unicode 15; see TOK_FOLD_BYTES */
        memcpy(e->fold + len, enc, cl);
        len += cl;
    }
    e->len = (uint8_t)len;
    if (n > 0) {
        e->ccc = (uint8_t)ccc_of(cps[0]);
        if (is_jamo_vt(cps[0]) || is_mark_category(utf8proc_category(cps[0])))
            e->flags |= F_MAYCOMPOSE;
    }
}

static const struct tok_fold *
fold_lookup(struct tok *t, utf8proc_int32_t cp)
{
    struct tok_fold *e = &t->cache[(uint32_t)cp & (TOK_CACHE - 1)];

    if (e->cp != (uint32_t)cp)
        fold_fill(cp, e);
    return e;
}

/* Kind of the character at s[i]; K_SEP past the end or on a bad byte. */
static int
kind_at(struct tok *t, size_t i, size_t *clen)
{
    utf8proc_int32_t cp;
    int k;

    *clen = 1;
    if (i >= t->len)
        return K_SEP;
    k = ascii_kind[t->text[i]];
    if (k != K_HIGH)
        return k;
    *clen = utf8_decode(t->text, i, t->len, &cp);
    if (cp < 0)
        return K_SEP;
    if (is_plain_ideograph(cp))
        return K_IDEO;
    return fold_lookup(t, cp)->kind;
}

/*
 * Does appending fold f (flagged F_MAYCOMPOSE or F_BREVE) after out[0..n)
 * need the slow path? Yes when its first code point sorts before the mark
 * ending out, or composes with the last starter of out, or when the token
 * was already cut at `cap` (out then no longer ends with the character
 * before f). The tests over-approximate, which only costs time.
 */
static int
needs_norm(const char *out, size_t n, size_t cap, const struct tok_fold *f)
{
    utf8proc_int32_t first, c, pair[2];
    size_t i;
    int ccc;

    if (n >= cap)
        return 1;
    if (n == 0)
        return 0;
    for (i = n; i > 0;) {
        do
            i--;
        while (i > 0 && ((unsigned char)out[i] & 0xC0) == 0x80);
        utf8_decode((const unsigned char *)out, i, n, &c);
        ccc = ccc_of(c);
        if (i + utf8_seqlen((unsigned char)out[i]) == n && f->ccc != 0 &&
            ccc > f->ccc)
            return 1;
        if (ccc == 0)
            break;
    }
    if (f->flags & F_BREVE) /* a breve on и is kept: й (й is и + breve) */
        return c == 0x0438 || c == 0x0439;
    utf8_decode((const unsigned char *)f->fold, 0, f->len, &first);
    pair[0] = c;
    pair[1] = first;
    return utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE) < 2;
}

/*
 * The slow path: fold text[start, end) as a whole. Every code point goes
 * to t->cps decomposed; the marks are put in canonical order; the sequence
 * is composed, encoded and cut after the last whole character that fits.
 * Returns the length written to t->out.
 */
static size_t
fold_token_slow(struct tok *t, size_t start, size_t end)
{
    const unsigned char *s = t->text;
    utf8proc_int32_t *cps = t->cps, cp, c;
    utf8proc_ssize_t m;
    size_t i, j, k, n = 0, out = 0, cl;
    int ccc;

    for (i = start; i < end && n + TOK_DECOMP_CPS <= TOK_NORM_CPS; i += cl) {
        cl = utf8_decode(s, i, end, &cp);
        if (cp < 0x80) { /* a token holds no bad bytes: cp >= 0 */
            cps[n++] = ascii_fold[cp] ? ascii_fold[cp] : cp; /* ' . , */
            continue;
        }
        if (is_plain_ideograph(cp)) {
            cps[n++] = cp;
            continue;
        }
        if (cp == 0x0306 && n > 0) {
            /* the breve composes with the last starter: keep it on и */
            for (j = n - 1; j > 0 && ccc_of(cps[j]) != 0; j--)
                ;
            if (cps[j] == 0x0438) {
                cps[n++] = cp;
                continue;
            }
        }
        if (fold_lookup(t, cp)->kind != K_JOIN)
            n += fold_decomposed(cp, cps + n);
    }
    /* canonical ordering: stable insertion sort of each run of marks */
    for (i = 1; i < n; i++) {
        c = cps[i];
        ccc = ccc_of(c);
        if (ccc == 0)
            continue;
        for (j = i; j > 0 && ccc_of(cps[j - 1]) > ccc; j--)
            cps[j] = cps[j - 1];
        cps[j] = c;
    }
    m = utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)n, UTF8PROC_COMPOSE);
    for (k = 0; k < (size_t)m; k++) {
        utf8proc_uint8_t enc[4];

        cl = (size_t)utf8proc_encode_char(cps[k], enc);
        if (out + cl > TOK_MAX_BYTES)
            break;
        memcpy(t->out + out, enc, cl);
        out += cl;
    }
    return out;
}

/* ----------------------------------------------------------------- public */

int
tok_new(struct tok **out)
{
    struct tok *t;

    /* calloc: every cache slot starts with cp 0, which is never looked up */
    t = calloc(1, sizeof *t);
    *out = t;
    return t != NULL ? SE_OK : SE_ENOMEM;
}

void
tok_free(struct tok *t)
{
    free(t);
}

void
tok_reset(struct tok *t, const char *text, size_t len, uint32_t first_pos)
{
    t->text = (const unsigned char *)text;
    t->len = len;
    t->off = 0;
    t->pos = first_pos;
}

uint32_t
tok_position(const struct tok *t)
{
    return t->pos;
}

/*
 * Append the whole characters of fold f that fit to out[0..n) under cap;
 * returns the new length. The caller then lowers cap to it, so that
 * nothing later gets in: a token is cut, never sampled.
 */
static size_t
append_cut(char *out, size_t n, size_t cap, const struct tok_fold *f)
{
    size_t k, cl;

    for (k = 0; k < f->len; k += cl) {
        cl = utf8_seqlen((unsigned char)f->fold[k]);
        if (n + cl > cap)
            break;
        memcpy(out + n, f->fold + k, cl);
        n += cl;
    }
    return n;
}

/* Append fold f to out[0..*n), keeping at most *cap bytes. */
static inline void
append_fold(char *out, size_t *n, size_t *cap, const struct tok_fold *f)
{
    if (f->len <= *cap - *n) {
        memcpy(out + *n, f->fold, TOK_FOLD_BYTES); /* slack in t->out */
        *n += f->len;
    } else {
        *n = *cap = append_cut(out, *n, *cap, f);
    }
}

#if defined(__SSE2__)
/*
 * SSE2 (every x86-64 has it): classify 16 bytes at once. Signed compares
 * put bytes >= 0x80 (negative) outside both ranges.
 */
static unsigned
alnum_mask16(__m128i v)
{
    __m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(lc, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));

    return (unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit));
}
#endif

/* Index of the first byte at or after i that may start a token. */
static size_t
skip_separators(const unsigned char *s, size_t i, size_t len)
{
#if defined(__SSE2__)
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = alnum_mask16(v) | (unsigned)_mm_movemask_epi8(v);

        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < len && ascii_fold[s[i]] == 0 && s[i] < 0x80)
        i++;
    return i;
}

/*
 * Copy the run of ASCII letters and digits at s[i], folded, to out[*n...],
 * keeping at most cap bytes. Returns the index after the run. For those
 * bytes folding is `c | 0x20`: it lower-cases letters and leaves digits.
 */
static size_t
copy_ascii_run(const unsigned char *s, size_t i, size_t len, char *out,
               size_t *n, size_t cap)
{
    size_t m = *n;
    unsigned char c;

#if defined(__SSE2__)
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        size_t run = (size_t)__builtin_ctz(~alnum_mask16(v) | 0x10000u);

        if (m < cap) {
            /* 16 bytes at out + m < out + cap: inside the slack */
            _mm_storeu_si128((__m128i *)(void *)(out + m),
                             _mm_or_si128(v, _mm_set1_epi8(0x20)));
            m = m + run < cap ? m + run : cap;
        }
        i += run;
        if (run < 16) {
            *n = m;
            return i;
        }
    }
#endif
    while (i < len && (c = ascii_fold[s[i]]) != 0) {
        out[m] = (char)c;
        m += m < cap;
        i++;
    }
    *n = m;
    return i;
}

static int
is_word_kind(int k)
{
    return k == K_LETTER || k == K_DIGIT || k == K_NUM || k == K_MARK;
}

int
tok_next(struct tok *t, struct tok_token *tk)
{
    const unsigned char *s = t->text;
    const size_t len = t->len;
    size_t i = t->off, start, n, cap, cl, next, j;
    utf8proc_int32_t cp;
    const struct tok_fold *f;
    char *out = t->out;
    int k, last, norm, prev, want;

    for (;;) {
        i = skip_separators(s, i, len);
        if (i >= len) {
            t->off = i;
            return 0;
        }
        start = i;
        n = 0;
        cap = TOK_MAX_BYTES;
        norm = 0;
        last = K_SEP;
        if (s[i] >= 0x80) {
            cl = decode(s, i, len, &cp);
            if (cp < 0) {
                i++;
                continue;
            }
            if (is_plain_ideograph(cp)) {
                /* folds to itself: the raw bytes are the token */
                memcpy(out, s + i, cl);
                n = cl;
                goto ideograph;
            }
            f = fold_lookup(t, cp);
            if (f->kind == K_IDEO) {
                append_fold(out, &n, &cap, f);
                goto ideograph;
            }
            if (f->kind != K_LETTER && f->kind != K_DIGIT && f->kind != K_NUM) {
                i += cl; /* marks, joiners, quotes start nothing */
                continue;
            }
        }
        /* a run of letters, digits, marks, and the joins between them */
        while (i < len) {
            k = ascii_kind[s[i]];
            if (k == K_LETTER || k == K_DIGIT) {
                i = copy_ascii_run(s, i, len, out, &n, cap);
                continue;
            }
            if (k == K_SEP)
                break; /* the usual end: space or punctuation */
            cl = 1;
            if (k == K_HIGH) {
                if (i > start && s[i - 1] < 0x80)
                    last = ascii_kind[s[i - 1]];
                cl = decode(s, i, len, &cp);
                if (cp < 0 || is_plain_ideograph(cp))
                    break;
                f = fold_lookup(t, cp);
                k = f->kind;
                if (is_word_kind(k)) {
                    if (k != K_MARK)
                        last = k;
                    if (f->flags && needs_norm(out, n, cap, f))
                        norm = 1;
                    append_fold(out, &n, &cap, f);
                    i += cl;
                    continue;
                }
            }
            if (k == K_APOS || k == K_NUMSEP) {
                /* joins only X'X letters or 9.9 digits; the character
                 * before is the last one consumed */
                prev = s[i - 1] < 0x80 ? ascii_kind[s[i - 1]] : last;
                want = k == K_APOS ? K_LETTER : K_DIGIT;
                if (prev != want || kind_at(t, i + cl, &next) != want)
                    break;
                out[n] = k == K_APOS ? '\'' : (char)s[i];
                n += n < cap;
                i += cl;
                continue;
            }
            if (k == K_JOIN) {
                /* skip a run of joiners if a word character follows */
                for (j = i + cl; (k = kind_at(t, j, &next)) == K_JOIN;)
                    j += next;
                if (!is_word_kind(k))
                    break;
                i = j;
                continue;
            }
            break;
        }
        goto emit;
    ideograph:
        /* one ideograph (in out already) and the marks that follow it */
        for (i += cl; i < len && s[i] >= 0x80; i += cl) {
            cl = decode(s, i, len, &cp);
            if (cp < 0 || is_plain_ideograph(cp))
                break;
            f = fold_lookup(t, cp);
            if (f->kind != K_MARK)
                break;
            if (f->flags && needs_norm(out, n, cap, f))
                norm = 1;
            append_fold(out, &n, &cap, f);
        }
    emit:
        if (norm)
            n = fold_token_slow(t, start, i);
        if (n == 0)
            continue; /* only marks that fold to nothing */
        out[n] = '\0';
        t->off = i;
        tk->text = out;
        tk->len = n;
        tk->pos = t->pos++;
        tk->start = start;
        tk->end = i;
        return 1;
    }
}
