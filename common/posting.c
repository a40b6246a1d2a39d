/*
 * posting.c - codec for one block of a posting list (see posting.h).
 *
 * Bytes of a block, in order (varints are LEB128, buf.h):
 *
 *   u8      flags       POST_F_POSITIONS, POST_F_IMPACTS, POST_F_PACKED_DOCS,
 *                       POST_F_PACKED_TFS; any other bit is corruption
 *   varint  n           documents, 1..POST_BLOCK_DOCS
 *   varint  first_doc   docs[0]; first_doc + n - 1 fits in 32 bits
 *   varint  max_tf      max(tfs), >= 1
 *   varint  min_len     min(lens), 0 when the encoder got no lengths
 *   [impacts]           only with POST_F_IMPACTS: varint
 * k, 2..POST_MAX_IMPACTS, then k pairs (tf, len) as varints: the first
 *                       absolute, the others as increases over the previous
 *                       pair, each >= 1 (tf) and >= 0 (len); the first len is
 *                       min_len, the last tf is max_tf
 *   varint  docs_bytes  0 when n = 1
 *   varint  tfs_bytes
 *   varint  pos_count   only with POST_F_POSITIONS: sum(tfs), < 2^32
 *   docs    a StreamVByte stream (codes 1,2,3,4 bytes) of the n-1 gaps
 *           docs[i] - docs[i-1], each >= 1 (streamvbyte_delta_encode with
 *           prev = first_doc writes exactly this); with POST_F_PACKED_DOCS
 *           a packed stream of the n-1 values gap - 1
 *   tfs     a StreamVByte 0124 stream (codes 0,1,2,4 bytes) of the n
 *           values tfs[i] - 1: a block where every tf is 1 costs its
 *           (n+3)/4 control bytes and nothing else; with POST_F_PACKED_TFS
 *           a packed stream of the same values
 *   pos     only with POST_F_POSITIONS: one StreamVByte stream (1,2,3,4)
 *           of pos_count gaps, document after document: a document's
 *           first position as is (the gap from 0), then the gap to the
 *           previous position of the same document, >= 1. With
 *           POST_F_PACKED_POS (only with POST_F_POSITIONS) a PFOR stream
 *           of the same pos_count values, but each gap less 1. It ends
 *           where the value ends.
 *
 * A packed stream of c values is a byte w, 0..32, then the values in w bits
 * each, lowest bits first, in ceil(c*w/8) bytes; the bits past the last
 * value are 0, and w is the fewest bits that hold the largest value. The
 * encoder packs a stream when that takes fewer
 * bytes than StreamVByte, which is most of the time: one width for the
 * block's 127 gaps beats two bits of code and whole bytes for each.
 *
 * A PFOR stream (patched frame of reference, Zukowski et al., ICDE 2006) of
 * c values is a packed stream of their lowest w bits, w in 1..32 (any
 * width: not the largest value's), then a varint x, and x bytes to the end
 * of the stream: the exceptions, the values of more than w bits, in
 * increasing index, each a varint, its index less the previous
 * exception's index plus 1 (the first: its index), and a varint, the
 * value's bits above the w lowest (>= 1). With x stored, post_parse()
 * finds a stream cut short, even between two exceptions. Most gaps between positions are small and a document's first
 * position is not, so one width for all would be the largest's; the
 * encoder takes the width that makes the stream shortest (by an estimate
 * from the values' widths). On combined's forms this is 17% fewer bytes
 * than StreamVByte, and packing each document's first position apart
 * from the gaps was 7% more than this.
 *
 * A StreamVByte stream of c values is (c+3)/4 control bytes, four 2-bit
 * codes a byte, lowest bits first (the codes past c in the last byte are 0),
 * then the values' bytes, little-endian, in order. Nothing in the stream
 * says how long it is: the decoder knows c from the header and requires the
 * control bytes plus the data bytes they announce to fill the stream's
 * section exactly.
 *
 * Neither encoding nor decoding goes through libstreamvbyte: Debian's build
 * of libstreamvbyte 0.4.1 is compiled without optimisation and without its
 * SIMD paths (a call per value, memcpy() through the PLT for each one); its
 * encoders took 7.7% of indexing time (perf, Reuters x4), against about 1%
 * for the loop below, and its decoders run at about 120 million integers a
 * second; the loops below, checks
 * included, decode doc ids and tfs at about 750 million a second with SSSE3
 * and 350 million without (throwaway benchmark, 128-doc blocks, Xeon VM,
 * gcc -O2). Upstream's SIMD decoder would not do either: it loads 16 bytes
 * for each four values, reading up to 16 bytes past the end of a stream,
 * which can be the end of an LMDB value. The decoder here is the same
 * format (the tests check it against libstreamvbyte's own decoders): with
 * SSSE3, one unaligned 16-byte load and a byte shuffle from a table per
 * control byte, but only while those 16 bytes lie inside the value; then a
 * scalar loop that checks each group or value against the end of its section.
 */
#include "posting.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "error.h"

#if (defined(__x86_64__) || defined(__i386__)) &&                              \
    (defined(__GNUC__) || defined(__clang__)) && !defined(POST_NO_SIMD)
#define POST_SSSE3 1
#include <tmmintrin.h>
#endif

/* ---------------------------------------------------------------- */
/* StreamVByte tables                                                */
/* ---------------------------------------------------------------- */

enum svb_codec {
    SVB_1234, /* codes 0..3 mean 1, 2, 3, 4 bytes */
    SVB_0124, /* codes 0..3 mean 0, 1, 2, 4 bytes */
};

/* The most bytes a stream of `c` values takes (libstreamvbyte's bound,
 * streamvbyte_max_compressedbytes(), as a constant expression). */
#define SVB_MAX_BYTES(c) (((c) + 3) / 4 + 4 * (c))

/*
 * The tables are built by the preprocessor, so that they are constant data
 * and the decoder needs no initialisation. For control byte k, value j
 * (0..3) has code SVB_C(k, j) and takes SVB_L(codec, code) bytes.
 */
#define SVB_C(k, j) (((k) >> (2 * (j))) & 3)
#define SVB_L(cd, c) ((cd) == SVB_1234 ? (c) + 1 : (c) == 3 ? 4 : (c))
#define SVB_LJ(cd, k, j) SVB_L(cd, SVB_C(k, j))
/* Offset of value j's first byte among the data bytes of control byte k. */
#define SVB_OFF0(cd, k) 0
#define SVB_OFF1(cd, k) SVB_LJ(cd, k, 0)
#define SVB_OFF2(cd, k) (SVB_OFF1(cd, k) + SVB_LJ(cd, k, 1))
#define SVB_OFF3(cd, k) (SVB_OFF2(cd, k) + SVB_LJ(cd, k, 2))
#define SVB_LEN(cd, k) (SVB_OFF3(cd, k) + SVB_LJ(cd, k, 3))
/* pshufb mask: byte b of output lane j takes data byte off + b, or is zeroed
 * (a mask byte with its high bit set) past the value's length. */
#define SVB_SB(cd, k, j, off, b) ((b) < SVB_LJ(cd, k, j) ? (off) + (b) : 0xff)
#define SVB_SLANE(cd, k, j, off)                                               \
    SVB_SB(cd, k, j, off, 0), SVB_SB(cd, k, j, off, 1),                        \
        SVB_SB(cd, k, j, off, 2), SVB_SB(cd, k, j, off, 3)
#define SVB_SROW(cd, k)                                                        \
    {                                                                          \
        SVB_SLANE(cd, k, 0, SVB_OFF0(cd, k)),                                  \
            SVB_SLANE(cd, k, 1, SVB_OFF1(cd, k)),                              \
            SVB_SLANE(cd, k, 2, SVB_OFF2(cd, k)),                              \
            SVB_SLANE(cd, k, 3, SVB_OFF3(cd, k))                               \
    }
#define SVB_R4(M, cd, k) M(cd, k), M(cd, k + 1), M(cd, k + 2), M(cd, k + 3)
#define SVB_R16(M, cd, k)                                                      \
    SVB_R4(M, cd, k), SVB_R4(M, cd, k + 4), SVB_R4(M, cd, k + 8),              \
        SVB_R4(M, cd, k + 12)
#define SVB_R64(M, cd, k)                                                      \
    SVB_R16(M, cd, k), SVB_R16(M, cd, k + 16), SVB_R16(M, cd, k + 32),         \
        SVB_R16(M, cd, k + 48)
#define SVB_R256(M, cd)                                                        \
    SVB_R64(M, cd, 0), SVB_R64(M, cd, 64), SVB_R64(M, cd, 128),                \
        SVB_R64(M, cd, 192)

/* Data bytes announced by one control byte, by codec. */
static const uint8_t svb_len[2][256] = {
    {SVB_R256(SVB_LEN, SVB_1234)},
    {SVB_R256(SVB_LEN, SVB_0124)},
};

/* Bytes of one value, by codec and code. */
static const uint8_t svb_vlen[2][4] = {{1, 2, 3, 4}, {0, 1, 2, 4}};

#ifdef POST_SSSE3
/* Shuffle masks turning 16 data bytes into four 32-bit values. */
static const _Alignas(16) uint8_t svb_shuf[2][256][16] = {
    {SVB_R256(SVB_SROW, SVB_1234)},
    {SVB_R256(SVB_SROW, SVB_0124)},
};
#endif

/* ---------------------------------------------------------------- */
/* StreamVByte decoding                                              */
/* ---------------------------------------------------------------- */

/* The `len` bytes at p, little-endian. */
static inline uint32_t
svb_get(const unsigned char *p, unsigned len)
{
    uint32_t v = 0;
    unsigned i;

    for (i = 0; i < len; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SVB_LE 1
/* Keeps the low `len` bytes of a 4-byte load, by len. */
static const uint32_t svb_mask[5] = {0, 0xff, 0xffff, 0xffffff, 0xffffffff};
#endif

#ifdef POST_SSSE3
static int
svb_have_ssse3(void)
{
#ifdef __SSSE3__
    return 1;
#else
    return __builtin_cpu_supports("ssse3");
#endif
}

/*
 * Decode whole groups of four values, control bytes keys[0..nquads), data
 * from *dpp, while the 16 bytes each group loads lie below `end`. Advances
 * *dpp; returns the groups decoded. Does not look at where the stream ends:
 * svb_decode() checks that afterwards.
 */
__attribute__((target("ssse3"))) static uint32_t
svb_quads_ssse3(enum svb_codec cd, const unsigned char *keys, uint32_t nquads,
                const unsigned char **dpp, const unsigned char *end,
                uint32_t *out)
{
    const unsigned char *dp = *dpp;
    const uint8_t(*shuf)[16] = svb_shuf[cd];
    const uint8_t *len = svb_len[cd];
    uint32_t q = 0, stop;

    /* A group takes at most 16 bytes: with 16m bytes left, m groups are
     * safe to load without looking again. */
    while (q < nquads && end - dp >= 16) {
        size_t m = (size_t)(end - dp) / 16;

        stop = m < nquads - q ? q + (uint32_t)m : nquads;
        for (; q < stop; q++) {
            unsigned k = keys[q];
            __m128i d = _mm_loadu_si128((const __m128i *)(const void *)dp);
            __m128i s = _mm_load_si128((const __m128i *)(const void *)shuf[k]);

            _mm_storeu_si128((__m128i *)(void *)(out + 4 * (size_t)q),
                             _mm_shuffle_epi8(d, s));
            dp += len[k];
        }
    }
    *dpp = dp;
    return q;
}
#endif

/*
 * Decode the `count` values of the stream [in, in+size) into out[0..count).
 * `end` (>= in+size) is the end of the value holding the stream: nothing at
 * or past it is read. SE_OK, or SE_ECORRUPT when the control bytes and the
 * data they announce do not fill [in, in+size) exactly, or a code past
 * `count` in the last control byte is not 0.
 */
static int
svb_decode(enum svb_codec cd, const unsigned char *in, size_t size,
           const unsigned char *end, uint32_t count, uint32_t *out)
{
    const unsigned char *keys = in, *dp, *stop = in + size;
    const uint8_t *vlen = svb_vlen[cd];
    size_t nkeys = count / 4 + (count % 4 != 0);
    uint32_t q = 0, nquads = count / 4, i;
    unsigned k, rest = count % 4;

    if (size < nkeys)
        return SE_ECORRUPT;
    dp = in + nkeys;
#ifdef POST_SSSE3
    if (svb_have_ssse3()) {
        q = svb_quads_ssse3(cd, keys, nquads, &dp, end, out);
        if (dp > stop)
            return SE_ECORRUPT;
    }
#else
    (void)end;
#endif
    for (; q < nquads; q++) {
        uint32_t *o = out + 4 * (size_t)q;

        k = keys[q];
        if (cd == SVB_0124 && k == 0) { /* four 0s, no data: tf = 1 */
            o[0] = o[1] = o[2] = o[3] = 0;
            continue;
        }
        if ((size_t)(stop - dp) < svb_len[cd][k])
            return SE_ECORRUPT;
#ifdef SVB_LE
        if (end - dp >= 16) { /* without SSSE3: one load and a mask each */
            for (i = 0; i < 4; i++) {
                unsigned len = vlen[SVB_C(k, i)];
                uint32_t w;

                memcpy(&w, dp, 4);
                o[i] = w & svb_mask[len];
                dp += len;
            }
            continue;
        }
#endif
        for (i = 0; i < 4; i++) {
            unsigned len = vlen[SVB_C(k, i)];

            o[i] = svb_get(dp, len);
            dp += len;
        }
    }
    if (rest != 0) {
        k = keys[nquads];
        if (k >> (2 * rest) != 0)
            return SE_ECORRUPT;
        for (i = 0; i < rest; i++) {
            unsigned len = vlen[SVB_C(k, i)];

            if ((size_t)(stop - dp) < len)
                return SE_ECORRUPT;
            out[4 * (size_t)nquads + i] = svb_get(dp, len);
            dp += len;
        }
    }
    return dp == stop ? SE_OK : SE_ECORRUPT;
}

/* ---------------------------------------------------------------- */
/* Packed streams                                                    */
/* ---------------------------------------------------------------- */

/* Bits that hold v: 0 for 0. */
static unsigned
bit_width(uint32_t v)
{
    return v ? 32 - (unsigned)__builtin_clz(v) : 0;
}

/* Bytes of a packed stream of c values of width w, the width byte too. */
static size_t
packed_bytes(uint32_t c, unsigned w)
{
    return 1 + ((size_t)c * w + 7) / 8;
}

/* Append the packed stream of v[0..c) to tmp (room: packed_bytes(c, 32)). */
static size_t
pack_stream(const uint32_t *v, uint32_t c, unsigned w, unsigned char *tmp)
{
    uint64_t acc = 0;
    unsigned have = 0;
    size_t at = 0;
    uint32_t i;

    tmp[at++] = (unsigned char)w;
    for (i = 0; i < c && w > 0; i++) {
        acc |= (uint64_t)v[i] << have;
        have += w;
        if (have >= 32) { /* four bytes at once: no loop to mispredict */
            tmp[at] = (unsigned char)acc;
            tmp[at + 1] = (unsigned char)(acc >> 8);
            tmp[at + 2] = (unsigned char)(acc >> 16);
            tmp[at + 3] = (unsigned char)(acc >> 24);
            at += 4;
            acc >>= 32;
            have -= 32;
        }
    }
    while (have > 0) {
        tmp[at++] = (unsigned char)acc;
        acc >>= 8;
        have = have > 8 ? have - 8 : 0;
    }
    return at;
}

#ifdef SVB_LE
/*
 * Unpack whole groups of 8 values of width w while the 8 bytes each load
 * reads lie below `nbytes` (the end of the value holding the stream: the
 * bits past a value's are masked off); returns how many were unpacked.
 * 8 values of w bits take w bytes, so each group starts on a byte, and
 * with w a constant (unpack_fast) every load's offset and shift is one.
 */
static inline __attribute__((always_inline)) uint32_t
unpack_groups(const unsigned char *p, size_t nbytes, uint32_t c, uint32_t *out,
              const unsigned w)
{
    const uint64_t mask = ((uint64_t)1 << w) - 1;
    uint32_t i = 0;
    size_t at = 0;

    for (; i + 8 <= c && at + w + 8 <= nbytes; i += 8, at += w) {
        const unsigned char *g = p + at;
        uint64_t x;
#define SE_UNPACK_ONE(j)                                                       \
    memcpy(&x, g + (j) * w / 8, 8);                                            \
    out[i + (j)] = (uint32_t)((x >> ((j) * w % 8)) & mask)
        SE_UNPACK_ONE(0);
        SE_UNPACK_ONE(1);
        SE_UNPACK_ONE(2);
        SE_UNPACK_ONE(3);
        SE_UNPACK_ONE(4);
        SE_UNPACK_ONE(5);
        SE_UNPACK_ONE(6);
        SE_UNPACK_ONE(7);
#undef SE_UNPACK_ONE
    }
    return i;
}

/* unpack_groups() with the width as a constant, for each width. */
static uint32_t
unpack_fast(const unsigned char *p, size_t nbytes, uint32_t c, uint32_t *out,
            unsigned w)
{
    switch (w) {
#define SE_W(n)                                                                \
    case n:                                                                    \
        return unpack_groups(p, nbytes, c, out, n);
        SE_W(1) SE_W(2) SE_W(3) SE_W(4) SE_W(5) SE_W(6) SE_W(7) SE_W(8)
        SE_W(9) SE_W(10) SE_W(11) SE_W(12) SE_W(13) SE_W(14) SE_W(15)
        SE_W(16) SE_W(17) SE_W(18) SE_W(19) SE_W(20) SE_W(21) SE_W(22)
        SE_W(23) SE_W(24) SE_W(25) SE_W(26) SE_W(27) SE_W(28) SE_W(29)
        SE_W(30) SE_W(31) SE_W(32)
#undef SE_W
    }
    return 0;
}
#endif

/*
 * Decode the packed stream [in, in+size) of c values into out; `end`
 * (>= in+size) is the end of the value holding the stream: nothing at or
 * past it is read. SE_OK, or SE_ECORRUPT when its width is over 32, its
 * size is not what c values of that width take, a bit past the last value
 * is set, or (with `exact`) the width is not the largest value's.
 */
static int
unpack_as(const unsigned char *in, size_t size, const unsigned char *end,
          uint32_t c, uint32_t *out, int exact)
{
    const unsigned char *p = in + 1;
    uint64_t mask;
    size_t nbytes, readable, bit = 0;
    unsigned w;
    uint32_t i = 0, any = 0;

    if (size == 0 || in[0] > 32)
        return SE_ECORRUPT;
    w = in[0];
    if (size != packed_bytes(c, w))
        return SE_ECORRUPT;
    nbytes = size - 1;
    if (w == 0) {
        memset(out, 0, (size_t)c * sizeof *out);
        return SE_OK;
    }
    if (((size_t)c * w) % 8 != 0 &&
        p[nbytes - 1] >> ((size_t)c * w % 8) != 0)
        return SE_ECORRUPT;
    mask = ((uint64_t)1 << w) - 1;
    readable = (size_t)(end - p);
#ifdef SVB_LE
    i = unpack_fast(p, readable, c, out, w);
    bit = (size_t)i * w;
    /* One 8-byte load a value while it lies inside the value: a value
     * starts at most 7 bits into its first byte and takes at most 32. */
    for (; i < c && (bit >> 3) + 8 <= readable; i++, bit += w) {
        uint64_t x;
        memcpy(&x, p + (bit >> 3), 8);
        out[i] = (uint32_t)((x >> (bit & 7)) & mask);
    }
    if (i < c) {
        /* The last few values, from a zero-padded copy of the stream's
         * last bytes (fewer than 8 are left). */
        unsigned char tail[16] = {0};
        size_t at = bit >> 3;
        memcpy(tail, p + at, nbytes - at);
        for (bit -= 8 * at; i < c; i++, bit += w) {
            uint64_t x;
            memcpy(&x, tail + (bit >> 3), 8);
            out[i] = (uint32_t)((x >> (bit & 7)) & mask);
        }
    }
#else
    (void)readable;
    for (; i < c; i++, bit += w) {
        size_t at = bit >> 3, k;
        uint64_t x = 0;
        for (k = 0; k < 5 && at + k < nbytes; k++)
            x |= (uint64_t)p[at + k] << (8 * k);
        out[i] = (uint32_t)((x >> (bit & 7)) & mask);
    }
#endif
    if (!exact)
        return SE_OK;
    /* The width is the largest value's: one encoding for the values. */
    for (i = 0; i < c; i++)
        any |= out[i];
    return bit_width(any) == w ? SE_OK : SE_ECORRUPT;
}

static int
unpack(const unsigned char *in, size_t size, const unsigned char *end,
       uint32_t c, uint32_t *out)
{
    return unpack_as(in, size, end, c, out, 1);
}

/*
 * Read the PFOR exception at *p, whose index is at least `next`, in a
 * stream of c values of width w ending at `end`. SE_OK, or SE_ECORRUPT
 * as pfor_decode() finds it.
 */
static int
pfor_exception(const unsigned char **p, const unsigned char *end, uint32_t c,
               unsigned w, uint32_t next, uint32_t *index, uint32_t *high)
{
    uint32_t d;

    if (buf_get_varint(p, end, &d) != SE_OK || d >= c - next ||
        buf_get_varint(p, end, high) != SE_OK || *high == 0 || w == 32 ||
        *high >> (32 - w) != 0)
        return SE_ECORRUPT;
    *index = next + d;
    return SE_OK;
}

/*
 * Decode the PFOR stream [in, in+size), the end of its value, of c >= 1
 * values into out. SE_OK, or SE_ECORRUPT when its width is not 1..32, its
 * packed part does not fit, or an exception's index is past c, its high
 * bits are 0 or do not fit in 32 bits with the low ones.
 */
static int
pfor_decode(const unsigned char *in, size_t size, uint32_t c, uint32_t *out)
{
    const unsigned char *p, *end = in + size;
    size_t low;
    uint32_t next = 0, x, index, high;
    unsigned w;

    if (size == 0 || in[0] == 0 || in[0] > 32)
        return SE_ECORRUPT;
    w = in[0];
    low = packed_bytes(c, w);
    p = in + low;
    if (low > size || unpack_as(in, low, end, c, out, 0) != SE_OK ||
        buf_get_varint(&p, end, &x) != SE_OK || x != (size_t)(end - p))
        return SE_ECORRUPT;
    while (p < end) {
        if (pfor_exception(&p, end, c, w, next, &index, &high) != SE_OK)
            return SE_ECORRUPT;
        out[index] |= high << w;
        next = index + 1;
    }
    return SE_OK;
}

/* ---------------------------------------------------------------- */
/* Encoding                                                          */
/* ---------------------------------------------------------------- */

/* The code of value v: its bytes less one (SVB_1234), or 0, 1, 2, 3 for
 * 0, 1, 2 and 4 bytes (SVB_0124). */
static inline unsigned
svb_code(enum svb_codec cd, uint32_t v)
{
    if (cd == SVB_0124)
        return v == 0 ? 0 : v < 1u << 8 ? 1 : v < 1u << 16 ? 2 : 3;
    return v < 1u << 8 ? 0 : v < 1u << 16 ? 1 : v < 1u << 24 ? 2 : 3;
}

/* Value number i of a stream, of code `code`: the code into the control
 * bytes `keys`, its len bytes at *data, little-endian. */
static inline void
svb_put(unsigned char *keys, unsigned char **data, size_t i, unsigned code,
        unsigned len, uint32_t v)
{
    unsigned k;

    keys[i / 4] |= (unsigned char)(code << (2 * (i % 4)));
    for (k = 0; k < len; k++)
        *(*data)++ = (unsigned char)(v >> (8 * k));
}

/* Bytes of the stream of v[0..c): control bytes and data. */
static size_t
svb_size(enum svb_codec cd, const uint32_t *v, uint32_t c)
{
    size_t n = ((size_t)c + 3) / 4;
    uint32_t i, data = 0;

    /* Sums of comparisons, which the compiler vectorizes: a sixth of
     * post_encode_as()'s time went to this loop with svb_code()'s branches. */
    if (cd == SVB_0124)
        for (i = 0; i < c; i++)
            data += (v[i] > 0) + (v[i] > 0xff) + 2 * (v[i] > 0xffff);
    else
        for (i = 0; i < c; i++)
            data += 1 + (v[i] > 0xff) + (v[i] > 0xffff) + (v[i] > 0xffffff);
    return n + data;
}

/*
 * Write the stream of v[0..c) at out (room: SVB_MAX_BYTES(c)): control
 * bytes first, then each value's bytes, little-endian. Returns its size.
 * The format is libstreamvbyte's; the tests decode it with the library.
 */
static size_t
svb_encode(enum svb_codec cd, const uint32_t *v, uint32_t c,
           unsigned char *out)
{
    size_t nkeys = ((size_t)c + 3) / 4;
    unsigned char *data = out + nkeys;
    uint32_t i;

    memset(out, 0, nkeys);
    for (i = 0; i < c; i++) {
        unsigned code = svb_code(cd, v[i]);
        svb_put(out, &data, i, code, svb_vlen[cd][code], v[i]);
    }
    return (size_t)(data - out);
}

/*
 * The positions as PFOR stores them, and what each encoding would take.
 * vals[k]: a document's first position as is, each later one as its gap
 * from the one before less 1; width[b]: how many values take b bits, and
 * maxw the most any takes. SE_EINVAL when a document's positions do not
 * increase.
 */
struct pos_plan {
    uint32_t *vals;
    uint32_t count;
    uint32_t width[33];
    unsigned maxw;
};

static int
pos_plan_make(const uint32_t *tfs, uint32_t n, const uint32_t *pos,
              uint32_t count, uint32_t *vals, struct pos_plan *pl)
{
    uint32_t i, j, k = 0, any = 0, bad = 0;

    memset(pl->width, 0, sizeof pl->width);
    /* A document at a time: no branch a value on where documents end. */
    for (i = 0; i < n; i++) {
        uint32_t prev = pos[k];

        vals[k] = prev;
        any |= prev;
        pl->width[bit_width(prev)]++;
        k++;
        for (j = 1; j < tfs[i]; j++, k++) {
            uint32_t v = pos[k] - prev - 1;
            bad |= pos[k] <= prev;
            prev = pos[k];
            vals[k] = v;
            any |= v;
            pl->width[bit_width(v)]++;
        }
    }
    if (bad || k != count)
        return SE_EINVAL;
    pl->vals = vals;
    pl->count = count;
    pl->maxw = bit_width(any);
    return SE_OK;
}

/*
 * StreamVByte's bytes for the plan's values, from their widths (a gap of
 * 2^8k - 1 stored as 2^8k may take a byte more: an estimate, for choosing).
 */
static size_t
svb_estimate(const struct pos_plan *pl)
{
    size_t bytes = (size_t)pl->count / 4 + (pl->count % 4 != 0);
    unsigned w;

    for (w = 0; w <= pl->maxw; w++)
        bytes += (size_t)pl->width[w] * (w <= 8 ? 1 : (w + 7) / 8);
    return bytes;
}

/*
 * The PFOR width for the plan's values: the one whose packed stream plus
 * exceptions is shortest, counting each exception's index as one byte and
 * its high bits as ceil((w - b) / 7) bytes; *bytes that estimate, *exc
 * the exceptions at that width. With above[b] the values wider than b,
 * the exceptions' bytes at width b are 2 above[b] + above[b + 7] +
 * above[b + 14] + ...
 */
static unsigned
pfor_width(const struct pos_plan *pl, size_t *bytes, uint32_t *exc)
{
    uint32_t above[33 + 28] = {0};
    size_t best = SIZE_MAX;
    unsigned b, top = pl->maxw ? pl->maxw : 1, pick = 1;

    for (b = top; b-- > 0;)
        above[b] = above[b + 1] + pl->width[b + 1];
    for (b = 1; b <= top; b++) {
        size_t est = packed_bytes(pl->count, b) + 1 + 2 * (size_t)above[b] +
                     above[b + 7] + above[b + 14] + above[b + 21] +
                     above[b + 28];
        if (est < best) {
            best = est;
            pick = b;
        }
    }
    *bytes = best;
    *exc = above[pick];
    return pick;
}

/* Bytes of a varint of v. */
static size_t
varint_bytes(uint32_t v)
{
    return v < 1u << 7 ? 1 : v < 1u << 14 ? 2 : v < 1u << 21 ? 3
           : v < 1u << 28 ? 4 : 5;
}

/*
 * Append the PFOR stream of the plan's values at width w; the values are
 * left cut to their w lowest bits. The exceptions are written first, 5
 * bytes (the most their size's varint takes) past the packed part, then
 * moved down behind their size.
 */
static int
pfor_put(struct buf *out, struct pos_plan *pl, unsigned w, uint32_t exc)
{
    const uint32_t mask = w == 32 ? UINT32_MAX : ((uint32_t)1 << w) - 1;
    const size_t low = packed_bytes(pl->count, w);
    unsigned char *p, *first, *q;
    uint32_t k, next = 0;
    size_t x, xlen;
    int rc;

    /* Each exception takes at most 10 bytes: two varints. */
    if (pl->count > (SIZE_MAX - low - 5) / 10)
        return SE_ENOMEM;
    rc = buf_reserve(out, low + 5 + (size_t)10 * pl->count);
    if (rc != SE_OK)
        return rc;
    p = out->data + out->len;
    q = first = p + low + 5;
    for (k = 0; exc > 0 && k < pl->count; k++) {
        if (pl->vals[k] > mask) {
            q = buf_write_varint(q, k - next);
            q = buf_write_varint(q, pl->vals[k] >> w);
            pl->vals[k] &= mask;
            next = k + 1;
            exc--;
        }
    }
    x = (size_t)(q - first);
    xlen = varint_bytes((uint32_t)x);
    buf_write_varint(p + low, (uint32_t)x);
    memmove(p + low + xlen, first, x);
    pack_stream(pl->vals, pl->count, w, p);
    out->len += low + xlen + x;
    return SE_OK;
}

/* Append the plan's positions as a StreamVByte stream of gaps, the control
 * bytes, then the data (the layout at the top); `tfs` as for the plan. */
static int
svb_put_positions(struct buf *out, const struct pos_plan *pl,
                  const uint32_t *tfs)
{
    size_t nkeys = pl->count / 4 + (pl->count % 4 != 0);
    unsigned char *keys, *data;
    uint32_t k, left = 0;
    const uint32_t *tf = tfs;
    int rc = buf_reserve(out, nkeys + (size_t)4 * pl->count);

    if (rc != SE_OK)
        return rc;
    keys = out->data + out->len;
    data = keys + nkeys;
    memset(keys, 0, nkeys);
    for (k = 0; k < pl->count; k++) {
        uint32_t gap = pl->vals[k];
        unsigned code;
        if (left == 0)
            left = *tf++; /* a document's first position, as is */
        else
            gap++;
        left--;
        code = svb_code(SVB_1234, gap);
        svb_put(keys, &data, k, code, code + 1, gap);
    }
    out->len = (size_t)(data - out->data);
    return SE_OK;
}

/*
 * The block's impacts: the (tf, len) pairs no other document beats with
 * both a tf as high and a length as short (BM25 grows with tf and falls
 * with length, so the best score of the block is at one of them; Lucene
 * keeps the same "competitive impacts"), in increasing tf (and so
 * increasing len); mostly one or two pairs. Returns k.
 *
 * By tf, for blocks whose tfs are all at most IMPACTS_BY_TF: the shortest
 * length of each tf, then, from the highest tf down, each tf whose
 * shortest is below those of all higher tfs. Without the frontier search
 * below, whose branches mispredict, encoding the blocks of combined's
 * index took about 15% less time (build/encode_blocks, three runs each).
 */
#define IMPACTS_BY_TF 32

static uint32_t
impacts_by_tf(const uint32_t *tfs, const uint32_t *lens, uint32_t n,
              uint32_t max_tf, uint32_t *tf, uint32_t *len)
{
    uint64_t shortest[IMPACTS_BY_TF + 1], best = UINT64_MAX;
    uint32_t i, t, k = 0;

    for (t = 1; t <= max_tf; t++)
        shortest[t] = UINT64_MAX; /* above any length: no such tf */
    for (i = 0; i < n; i++) { /* a conditional move, not a branch */
        uint64_t l = lens[i], was = shortest[tfs[i]];
        shortest[tfs[i]] = l < was ? l : was;
    }
    for (t = max_tf; t >= 1; t--)
        if (shortest[t] < best)
            best = shortest[t], k++;
    /* Written from the end, so that tf and len increase. */
    for (t = max_tf, i = k, best = UINT64_MAX; t >= 1; t--)
        if (shortest[t] < best) {
            best = shortest[t];
            i--;
            tf[i] = t;
            len[i] = (uint32_t)best;
        }
    return k;
}

/* Any tfs: built in one pass, the frontier kept in order. */
static uint32_t
impacts_frontier(const uint32_t *tfs, const uint32_t *lens, uint32_t n,
                 uint32_t *tf, uint32_t *len)
{
    uint32_t k = 0, i, j, lo;

    for (i = 0; i < n; i++) {
        uint32_t t = tfs[i], l = lens[i];
        /* The first pair with tf >= t: it dominates (t, l) if not longer. */
        for (lo = 0; lo < k && tf[lo] < t; lo++)
            ;
        if (lo < k && len[lo] <= l)
            continue;
        /* (t, l) enters at lo; the pairs it dominates (tf <= t, len >= l)
         * sit just before it. */
        for (j = lo; j > 0 && len[j - 1] >= l; j--)
            ;
        if (lo < k && tf[lo] == t)
            lo++; /* same tf, longer: dominated by (t, l) */
        memmove(tf + j + 1, tf + lo, (k - lo) * sizeof *tf);
        memmove(len + j + 1, len + lo, (k - lo) * sizeof *len);
        k = k - (lo - j) + 1;
        tf[j] = t;
        len[j] = l;
    }
    return k;
}

/* The impacts, at most POST_MAX_IMPACTS: more are merged in runs into
 * (highest tf, shortest len), which still bounds every document of the
 * run. */
static uint32_t
impacts(const uint32_t *tfs, const uint32_t *lens, uint32_t n, uint32_t max_tf,
        uint32_t *tf, uint32_t *len)
{
    uint32_t k, i, g, out;

    k = max_tf <= IMPACTS_BY_TF
            ? impacts_by_tf(tfs, lens, n, max_tf, tf, len)
            : impacts_frontier(tfs, lens, n, tf, len);
    if (k <= POST_MAX_IMPACTS)
        return k;
    /* Runs of ceil(k / max) pairs: each becomes its last tf, first len. */
    g = (k + POST_MAX_IMPACTS - 1) / POST_MAX_IMPACTS;
    for (i = 0, out = 0; i < k; i += g, out++) {
        uint32_t last = i + g < k ? i + g - 1 : k - 1;
        tf[out] = tf[last];
        len[out] = len[i];
    }
    return out;
}

int
post_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *lens,
            const uint32_t *pos, uint32_t n, struct buf *out)
{
    return post_encode_as(docs, tfs, lens, pos, n, POST_PACK_SMALLER, out);
}

int
post_encode_as(const uint32_t *docs, const uint32_t *tfs, const uint32_t *lens,
               const uint32_t *pos, uint32_t n, enum post_pack pack,
               struct buf *out)
{
    uint32_t tfm1[POST_BLOCK_DOCS], gm1[POST_BLOCK_DOCS], gaps[POST_BLOCK_DOCS];
    unsigned char dstream[SVB_MAX_BYTES(POST_BLOCK_DOCS - 1)];
    unsigned char tstream[SVB_MAX_BYTES(POST_BLOCK_DOCS)];
    unsigned char dpacked[1 + 4 * POST_BLOCK_DOCS];
    unsigned char tpacked[1 + 4 * POST_BLOCK_DOCS];
    uint32_t max_tf = 0, min_len = UINT32_MAX, max_gap = 0, i, nimp;
    unsigned flags = 0;
    uint32_t imp_tf[POST_BLOCK_DOCS], imp_len[POST_BLOCK_DOCS];
    uint64_t pos_count = 0;
    size_t dbytes, tbytes, base, pos_bytes = 0;
    uint32_t pos_stack[1024], *vals = pos_stack;
    struct pos_plan plan;
    unsigned pos_width = 0;
    uint32_t pos_exc = 0;
    int rc;

    if (docs == NULL || tfs == NULL || out == NULL || n == 0 ||
        n > POST_BLOCK_DOCS)
        return SE_EINVAL;
    for (i = 0; i < n; i++) {
        if (tfs[i] == 0 || (i > 0 && docs[i] <= docs[i - 1]))
            return SE_EINVAL;
        if (tfs[i] > max_tf)
            max_tf = tfs[i];
        if (lens != NULL && lens[i] < min_len)
            min_len = lens[i];
        tfm1[i] = tfs[i] - 1;
        pos_count += tfs[i];
        if (i > 0) {
            gm1[i - 1] = docs[i] - docs[i - 1] - 1;
            if (gm1[i - 1] > max_gap)
                max_gap = gm1[i - 1];
        }
    }
    if (lens == NULL)
        min_len = 0;
    if (pos != NULL && pos_count > UINT32_MAX)
        return SE_EINVAL;
    if (pos != NULL) {
        /* The positions' values and sizes, before the header names the
         * stream's encoding. */
        if (pos_count > sizeof pos_stack / sizeof *pos_stack) {
            vals = malloc((size_t)pos_count * sizeof *vals);
            if (vals == NULL)
                return SE_ENOMEM;
        }
        rc = pos_plan_make(tfs, n, pos, (uint32_t)pos_count, vals, &plan);
        /* Two positions or fewer never take less in PFOR: a width byte,
         * a byte of bits at least and the exceptions' size, against a
         * control byte and a byte a value. */
        if (rc == SE_OK && pack != POST_PACK_NEVER &&
            (pos_count > 2 || pack == POST_PACK_ALWAYS)) {
            pos_width = pfor_width(&plan, &pos_bytes, &pos_exc);
            if (pack == POST_PACK_ALWAYS || pos_bytes < svb_estimate(&plan))
                flags |= POST_F_PACKED_POS;
        }
        if (rc != SE_OK) {
            if (vals != pos_stack)
                free(vals);
            return rc;
        }
    }

    /* Every tf 1 (most blocks of rare words): one pair, (1, min_len). */
    nimp = lens != NULL && max_tf > 1
               ? impacts(tfs, lens, n, max_tf, imp_tf, imp_len)
               : 1;
    for (i = 0; i + 1 < n; i++)
        gaps[i] = gm1[i] + 1;
    /* Each stream packed when that is shorter (a lone document has no
     * gaps: no docs stream at all); sized before anything is written. */
    dbytes = svb_size(SVB_1234, gaps, n - 1);
    tbytes = svb_size(SVB_0124, tfm1, n);
    if (n > 1 && pack != POST_PACK_NEVER &&
        (pack == POST_PACK_ALWAYS ||
         packed_bytes(n - 1, bit_width(max_gap)) < dbytes)) {
        dbytes = pack_stream(gm1, n - 1, bit_width(max_gap), dpacked);
        flags |= POST_F_PACKED_DOCS;
    } else {
        dbytes = svb_encode(SVB_1234, gaps, n - 1, dstream);
    }
    if (pack != POST_PACK_NEVER &&
        (pack == POST_PACK_ALWAYS ||
         packed_bytes(n, bit_width(max_tf - 1)) < tbytes)) {
        tbytes = pack_stream(tfm1, n, bit_width(max_tf - 1), tpacked);
        flags |= POST_F_PACKED_TFS;
    } else {
        tbytes = svb_encode(SVB_0124, tfm1, n, tstream);
    }
    base = out->len;
    rc = buf_putc(out, flags | (pos != NULL ? POST_F_POSITIONS : 0) |
                           (nimp > 1 ? POST_F_IMPACTS : 0));
    if (rc == SE_OK)
        rc = buf_put_varint(out, n);
    if (rc == SE_OK)
        rc = buf_put_varint(out, docs[0]);
    if (rc == SE_OK)
        rc = buf_put_varint(out, max_tf);
    if (rc == SE_OK)
        rc = buf_put_varint(out, min_len);
    if (rc == SE_OK && nimp > 1) {
        rc = buf_put_varint(out, nimp);
        for (i = 0; rc == SE_OK && i < nimp; i++) {
            rc = buf_put_varint(out, imp_tf[i] - (i ? imp_tf[i - 1] : 0));
            if (rc == SE_OK)
                rc = buf_put_varint(out, imp_len[i] - (i ? imp_len[i - 1] : 0));
        }
    }
    if (rc == SE_OK)
        rc = buf_put_varint(out, (uint32_t)dbytes);
    if (rc == SE_OK)
        rc = buf_put_varint(out, (uint32_t)tbytes);
    if (rc == SE_OK && pos != NULL)
        rc = buf_put_varint(out, (uint32_t)pos_count);
    if (rc == SE_OK)
        rc = buf_append(out, flags & POST_F_PACKED_DOCS ? dpacked : dstream,
                        dbytes);
    if (rc == SE_OK)
        rc = buf_append(out, flags & POST_F_PACKED_TFS ? tpacked : tstream,
                        tbytes);
    if (rc == SE_OK && pos != NULL)
        rc = flags & POST_F_PACKED_POS
                 ? pfor_put(out, &plan, pos_width, pos_exc)
                 : svb_put_positions(out, &plan, tfs);
    if (rc != SE_OK)
        out->len = base; /* no half-written block */
    if (vals != pos_stack)
        free(vals);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Decoding                                                          */
/* ---------------------------------------------------------------- */

/* Control bytes plus the fewest and the most data bytes of `c` values. */
static uint64_t
svb_min_bytes(enum svb_codec cd, uint64_t c)
{
    return (c + 3) / 4 + (cd == SVB_1234 ? c : 0);
}

static uint64_t
svb_max_bytes(uint64_t c)
{
    return (c + 3) / 4 + 4 * c;
}

/*
 * Besides the rules in the comment at the top, the header must agree with
 * itself: each stream's size lies between the least and the most its count
 * of values can take; the docs and tfs streams fit in the value and, without
 * positions, end it. With positions, n - 1 + max_tf <= pos_count <=
 * n * max_tf, and as each position takes at least one data byte plus a
 * quarter of a control byte (StreamVByte) or one bit (PFOR, width >= 1),
 * pos_count <= 8 * pos_bytes <= 8 * len: an array of pos_count positions
 * costs at most 32 bytes per byte of the value.
 * Decoding then checks the streams themselves.
 */
/*
 * The impact pairs after min_len: increasing in tf and not decreasing in
 * len, from (., min_len) to (max_tf, .), or the block is corrupt.
 */
static int
parse_impacts(const unsigned char **p, const unsigned char *end,
              struct post_view *w)
{
    uint32_t k, i, tf = 0, len = 0, dtf, dlen;

    if (buf_get_varint(p, end, &k) != SE_OK || k < 2 || k > POST_MAX_IMPACTS ||
        k > w->n)
        return SE_ECORRUPT;
    for (i = 0; i < k; i++) {
        if (buf_get_varint(p, end, &dtf) != SE_OK ||
            buf_get_varint(p, end, &dlen) != SE_OK)
            return SE_ECORRUPT;
        if (dtf == 0 || dtf > w->max_tf - tf || dlen > UINT32_MAX - len)
            return SE_ECORRUPT;
        tf += dtf;
        len += dlen;
        w->impact_tf[i] = tf;
        w->impact_len[i] = len;
    }
    if (w->impact_len[0] != w->min_len || tf != w->max_tf)
        return SE_ECORRUPT;
    w->nimpacts = k;
    return SE_OK;
}

/* What a dictionary entry knows of the block it holds (post_parse_lean). */
struct lean_info {
    uint32_t n;
    uint64_t tf_sum;
};

/* A lean block of one document: its tf is the entry's cf, and it has no
 * doc or tf stream (and so nothing to pack). */
static int
lean_one(const struct post_view *v)
{
    return (v->flags & POST_F_LEAN) && v->n == 1;
}

static int
parse_block(const void *val, size_t len, const struct lean_info *ln,
            struct post_view *v)
{
    const unsigned char *p = val, *end;
    struct post_view w;
    uint32_t x, dbytes = 0, tbytes = 0;
    size_t rest;
    int lean, one;

    memset(v, 0, sizeof *v);
    memset(&w, 0, sizeof w);
    if (len == 0)
        return SE_ECORRUPT;
    end = p + len;
    w.flags = *p++;
    if (w.flags & ~(uint32_t)(POST_F_POSITIONS | POST_F_IMPACTS |
                              POST_F_PACKED_DOCS | POST_F_PACKED_TFS |
                              POST_F_PACKED_POS | POST_F_LEAN) ||
        (w.flags & (POST_F_POSITIONS | POST_F_PACKED_POS)) ==
            POST_F_PACKED_POS ||
        ((w.flags & POST_F_LEAN) && ln == NULL))
        return SE_ECORRUPT;
    lean = (w.flags & POST_F_LEAN) != 0;
    if (lean)
        w.n = ln->n;
    else if (buf_get_varint(&p, end, &w.n) != SE_OK)
        return SE_ECORRUPT;
    one = lean && w.n == 1;
    /* The entry's cf stands for a tf or the positions' count. */
    if ((one || (lean && (w.flags & POST_F_POSITIONS))) &&
        ln->tf_sum > UINT32_MAX)
        return SE_ECORRUPT;
    if (one)
        w.max_tf = (uint32_t)ln->tf_sum;
    if (buf_get_varint(&p, end, &w.first_doc) != SE_OK ||
        (!one && buf_get_varint(&p, end, &w.max_tf) != SE_OK) ||
        buf_get_varint(&p, end, &w.min_len) != SE_OK)
        return SE_ECORRUPT;
    w.nimpacts = 1;
    w.impact_tf[0] = w.max_tf;
    w.impact_len[0] = w.min_len;
    if (w.n == 0 || w.n > POST_BLOCK_DOCS) /* before parse_impacts reads n */
        return SE_ECORRUPT;
    if ((w.flags & POST_F_IMPACTS) && parse_impacts(&p, end, &w) != SE_OK)
        return SE_ECORRUPT;
    if (!one && (buf_get_varint(&p, end, &dbytes) != SE_OK ||
                 buf_get_varint(&p, end, &tbytes) != SE_OK))
        return SE_ECORRUPT;
    if (w.flags & POST_F_POSITIONS) {
        if (lean)
            w.pos_count = (uint32_t)ln->tf_sum;
        else if (buf_get_varint(&p, end, &w.pos_count) != SE_OK)
            return SE_ECORRUPT;
    }
    /* A full block in a dictionary entry holds the whole list. */
    if (ln && (w.n != ln->n || ((w.flags & POST_F_POSITIONS) &&
                                w.pos_count != ln->tf_sum)))
        return SE_ECORRUPT;
    if (w.max_tf == 0 || w.first_doc > UINT32_MAX - (w.n - 1))
        return SE_ECORRUPT;
    x = w.n - 1;
    if (one) {
        /* Nothing to pack; a tf stream would be the entry's cf again. */
        if (w.flags & (POST_F_PACKED_DOCS | POST_F_PACKED_TFS))
            return SE_ECORRUPT;
    } else if (w.flags & POST_F_PACKED_DOCS
                   ? x == 0 || dbytes < 1 || dbytes > packed_bytes(x, 32)
                   : dbytes < svb_min_bytes(SVB_1234, x) ||
                         dbytes > svb_max_bytes(x)) {
        /* A packed stream's size is checked against its width when
         * decoded. */
        return SE_ECORRUPT;
    } else if (w.flags & POST_F_PACKED_TFS
                   ? tbytes < 1 || tbytes > packed_bytes(w.n, 32)
                   : tbytes < svb_min_bytes(SVB_0124, w.n) ||
                         tbytes > svb_max_bytes(w.n)) {
        return SE_ECORRUPT;
    }
    rest = (size_t)(end - p);
    if (dbytes > rest || tbytes > rest - dbytes)
        return SE_ECORRUPT;
    w.docs = p;
    w.docs_bytes = dbytes;
    w.tfs = p + dbytes;
    w.tfs_bytes = tbytes;
    rest -= (size_t)dbytes + tbytes;
    if (w.flags & POST_F_POSITIONS) {
        if (w.pos_count < (uint64_t)w.n - 1 + w.max_tf ||
            w.pos_count > (uint64_t)w.n * w.max_tf)
            return SE_ECORRUPT;
        if (w.flags & POST_F_PACKED_POS) {
            /* A packed part (a bit a value at least), then the size of
             * the exceptions, which end the value. */
            const unsigned char *ps = w.tfs + tbytes, *px;
            uint32_t xbytes;
            if (rest < 1 || ps[0] == 0 || ps[0] > 32 ||
                rest <= packed_bytes(w.pos_count, ps[0]))
                return SE_ECORRUPT;
            px = ps + packed_bytes(w.pos_count, ps[0]);
            if (buf_get_varint(&px, end, &xbytes) != SE_OK ||
                xbytes != (size_t)(end - px))
                return SE_ECORRUPT;
        } else if (rest < svb_min_bytes(SVB_1234, w.pos_count) ||
                   rest > svb_max_bytes(w.pos_count)) {
            return SE_ECORRUPT;
        }
        w.pos = w.tfs + tbytes;
        w.pos_bytes = rest;
    } else if (rest != 0) {
        return SE_ECORRUPT;
    }
    *v = w;
    return SE_OK;
}

int
post_parse(const void *val, size_t len, struct post_view *v)
{
    return parse_block(val, len, NULL, v);
}

int
post_parse_lean(const void *val, size_t len, uint32_t n, uint64_t tf_sum,
                struct post_view *v)
{
    const struct lean_info ln = {n, tf_sum};

    return parse_block(val, len, &ln, v);
}

int
post_make_lean(const void *block, size_t len, struct buf *out)
{
    struct post_view v;
    size_t base = out->len;
    uint32_t i, flags;
    int rc = post_parse(block, len, &v);

    if (rc != SE_OK)
        return SE_EINVAL;
    flags = v.flags | POST_F_LEAN;
    if (v.n == 1)
        flags &= ~(uint32_t)(POST_F_PACKED_DOCS | POST_F_PACKED_TFS);
    rc = buf_putc(out, (int)flags);
    if (rc == SE_OK)
        rc = buf_put_varint(out, v.first_doc);
    if (rc == SE_OK && v.n > 1)
        rc = buf_put_varint(out, v.max_tf);
    if (rc == SE_OK)
        rc = buf_put_varint(out, v.min_len);
    if (rc == SE_OK && (v.flags & POST_F_IMPACTS)) {
        rc = buf_put_varint(out, v.nimpacts);
        for (i = 0; rc == SE_OK && i < v.nimpacts; i++) {
            rc = buf_put_varint(out, v.impact_tf[i] -
                                         (i ? v.impact_tf[i - 1] : 0));
            if (rc == SE_OK)
                rc = buf_put_varint(out, v.impact_len[i] -
                                             (i ? v.impact_len[i - 1] : 0));
        }
    }
    if (rc == SE_OK && v.n > 1) {
        rc = buf_put_varint(out, (uint32_t)v.docs_bytes);
        if (rc == SE_OK)
            rc = buf_put_varint(out, (uint32_t)v.tfs_bytes);
        if (rc == SE_OK)
            rc = buf_append(out, v.docs, v.docs_bytes);
        if (rc == SE_OK)
            rc = buf_append(out, v.tfs, v.tfs_bytes);
    }
    if (rc == SE_OK && v.pos)
        rc = buf_append(out, v.pos, v.pos_bytes);
    if (rc != SE_OK)
        out->len = base;
    return rc;
}

void
post_pos_cursor_init(struct post_pos_cursor *c)
{
    c->doc = 0;
    c->value = 0;
    c->data = 0;
    c->exc_min = 0;
}

/* Data bytes of the 32 values whose 2-bit length codes (length - 1) fill
 * the 8 control bytes at p: 32 plus the sum of the codes. */
static size_t
svb_len32(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
    w = (w & 0x3333333333333333u) + (w >> 2 & 0x3333333333333333u);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return 32 + (size_t)(w * 0x0101010101010101u >> 56);
}

/*
 * Where document i's positions start in the stream (the index of its first
 * value, from the cursor's document on) and how many it has; the cursor
 * starts again for an earlier document. SE_OK or SE_ECORRUPT.
 */
static int
doc_first_value(const struct post_view *v, const uint32_t *tfs,
                struct post_pos_cursor *c, uint32_t i, uint64_t *want,
                uint32_t *tf)
{
    uint32_t doc;

    if (i < c->doc)
        post_pos_cursor_init(c); /* asked again for an earlier document */
    *want = c->value;
    for (doc = c->doc; doc < i; doc++)
        *want += tfs[doc];
    *tf = tfs[i];
    return *tf == 0 || *want + *tf > v->pos_count ? SE_ECORRUPT : SE_OK;
}

/*
 * post_decode_doc_positions() for a PFOR stream: the document's values are
 * at known bits (one width), read in place; its exceptions are found from
 * where the cursor left off, which is where its document's first value's
 * exceptions begin (so asking for the same document again works).
 */
static int
pfor_doc_positions(const struct post_view *v, const uint32_t *tfs,
                   struct post_pos_cursor *c, uint32_t i, uint32_t *out)
{
    const unsigned char *in = v->pos, *end = v->pos + v->pos_bytes, *p;
    const unsigned w = in[0]; /* 1..32 and fitting: post_parse() checked */
    const uint64_t mask = ((uint64_t)1 << w) - 1;
    uint64_t want, sum;
    uint32_t k, tf, next, index, high;

    if (doc_first_value(v, tfs, c, i, &want, &tf) != SE_OK)
        return SE_ECORRUPT;
    for (k = 0; k < tf; k++) {
        /* At most 5 bytes, all in the packed part: the value ends at bit
         * (want + k + 1) * w <= pos_count * w. */
        size_t bit = (size_t)(want + k) * w, nb = ((bit & 7) + w + 7) >> 3, j;
        const unsigned char *q = in + 1 + (bit >> 3);
        uint64_t x = 0;

        for (j = 0; j < nb; j++)
            x |= (uint64_t)q[j] << (8 * j);
        out[k] = (uint32_t)((x >> (bit & 7)) & mask);
    }
    if (c->data == 0) { /* the first exception, after their size */
        p = in + packed_bytes(v->pos_count, w);
        if (buf_get_varint(&p, end, &index) != SE_OK)
            return SE_ECORRUPT;
        c->data = (size_t)(p - in);
        c->exc_min = 0;
    }
    p = in + c->data;
    next = c->exc_min;
    /* Skip the exceptions of earlier documents, keep where this one's
     * begin, then patch its values. */
    while (p < end) {
        const unsigned char *at = p;
        if (pfor_exception(&p, end, v->pos_count, w, next, &index, &high) !=
            SE_OK)
            return SE_ECORRUPT;
        if (index >= want) {
            p = at;
            break;
        }
        next = index + 1;
    }
    c->doc = i;
    c->value = (uint32_t)want;
    c->data = (size_t)(p - in);
    c->exc_min = next;
    while (p < end) {
        if (pfor_exception(&p, end, v->pos_count, w, next, &index, &high) !=
            SE_OK)
            return SE_ECORRUPT;
        if (index >= want + tf)
            break;
        out[index - want] |= high << w;
        next = index + 1;
    }
    /* Running sums that must increase and stay below 2^32. */
    sum = out[0];
    for (k = 1; k < tf; k++) {
        sum += (uint64_t)out[k] + 1;
        out[k] = (uint32_t)sum;
    }
    return sum > UINT32_MAX ? SE_ECORRUPT : SE_OK;
}

int
post_decode_doc_positions(const struct post_view *v, const uint32_t *tfs,
                          struct post_pos_cursor *c, uint32_t i, uint32_t *out)
{
    const unsigned char *keys = v->pos, *data;
    uint64_t want;
    size_t nkeys, size, at;
    uint32_t j, k, tf, prev = 0;

    if (!(v->flags & POST_F_POSITIONS) || v->pos == NULL || i >= v->n)
        return SE_ECORRUPT;
    if (v->flags & POST_F_PACKED_POS)
        return pfor_doc_positions(v, tfs, c, i, out);
    nkeys = ((size_t)v->pos_count + 3) / 4;
    if (nkeys > v->pos_bytes)
        return SE_ECORRUPT;
    data = keys + nkeys;
    size = v->pos_bytes - nkeys;
    /* The value index of document i's first position (in locals: a store
     * through `out` could alias the cursor, as far as the compiler knows). */
    if (doc_first_value(v, tfs, c, i, &want, &tf) != SE_OK)
        return SE_ECORRUPT;
    /* Skip the data of the values in between: their lengths are in the
     * control bytes, two bits a value; 32 values at a time, then 4. */
    at = c->data;
    j = c->value;
    while (j < want && (j & 3) != 0) {
        at += (keys[j >> 2] >> (2 * (j & 3)) & 3) + 1;
        j++;
    }
    while (want - j >= 32) {
        at += svb_len32(keys + (j >> 2));
        j += 32;
    }
    while (want - j >= 4) {
        at += svb_len[SVB_1234][keys[j >> 2]];
        j += 4;
    }
    while (j < want) {
        at += (keys[j >> 2] >> (2 * (j & 3)) & 3) + 1;
        j++;
    }
    c->doc = i;
    c->value = (uint32_t)want;
    c->data = at;
    /* Document i's gaps, as running sums that must increase: no gap after
     * the first is 0, and the sum stays below 2^32. */
#ifdef SVB_LE
    /* A value takes at most 4 bytes: when that much is left for each, every
     * value is one 4-byte load, masked, with no bound check. */
    if (at <= size && (size - at) / 4 >= tf) {
        uint64_t sum = 0;
        uint32_t zero = 0;

        for (k = 0; k < tf; k++, j++) {
            unsigned len = (keys[j >> 2] >> (2 * (j & 3)) & 3) + 1;
            uint32_t x;

            memcpy(&x, data + at, 4);
            x &= svb_mask[len];
            at += len;
            zero |= (k > 0) & (x == 0);
            sum += x;
            out[k] = (uint32_t)sum;
        }
        return zero || sum > UINT32_MAX ? SE_ECORRUPT : SE_OK;
    }
#endif
    for (k = 0; k < tf; k++, j++) {
        unsigned len = (keys[j >> 2] >> (2 * (j & 3)) & 3) + 1;
        uint32_t x;
        if (at > size || size - at < len)
            return SE_ECORRUPT;
        x = svb_get(data + at, len);
        at += len;
        if (k > 0) {
            if (x == 0 || x > UINT32_MAX - prev)
                return SE_ECORRUPT;
            x += prev;
        }
        out[k] = prev = x;
    }
    return SE_OK;
}

/* Positions post_decode_positions() marks at a time: its stack array. */
#define POS_CHUNK 1024

/* One past the last byte of the block `v` was parsed from. */
static const unsigned char *
post_end(const struct post_view *v)
{
    return v->pos != NULL ? v->pos + v->pos_bytes : v->tfs + v->tfs_bytes;
}

/*
 * The loops below copy what they need from `v` and `tfs` into locals first:
 * stores through `uint32_t *` might change them, as far as the compiler
 * knows, and it would reload them at every step.
 */
/* v[i] becomes start + (v[0] + add) + ... + (v[i] + add). */
static void
running_sum(uint32_t *v, uint32_t n, uint32_t start, uint32_t add)
{
    uint32_t i = 0;

#if defined(POST_SSSE3) && defined(__SSE2__)
    /* Four at a time: x + (x << 1 lane) + (x << 2 lanes) sums within the
     * vector; the last lane carries into the next four. */
    __m128i carry = _mm_set1_epi32((int)start);
    const __m128i plus = _mm_set1_epi32((int)add);

    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
        x = _mm_add_epi32(x, plus);
        x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi32(x, carry);
        _mm_storeu_si128((__m128i *)(void *)(v + i), x);
        carry = _mm_shuffle_epi32(x, 0xff);
    }
    if (i > 0)
        start = v[i - 1];
#endif
    for (; i < n; i++)
        v[i] = start += v[i] + add;
}

int
post_decode_docs(const struct post_view *v, uint32_t *docs)
{
    uint32_t i, n = v->n, prev = v->first_doc, min = UINT32_MAX;
    uint64_t sum = prev;
    int rc;

    if (n == 0 || n > POST_BLOCK_DOCS) /* not a view post_parse() filled */
        return SE_ECORRUPT;
    docs[0] = prev;
    if (n < 2)
        return v->docs_bytes == 0 ? SE_OK : SE_ECORRUPT;
    if (v->flags & POST_F_PACKED_DOCS) {
        /* Stored as gap - 1: every gap is at least 1. */
        rc = unpack(v->docs, v->docs_bytes, post_end(v), n - 1, docs + 1);
        if (rc != SE_OK)
            return rc;
        /* Past 2^32? Not when n - 1 gaps of the stream's width cannot get
         * there, which is every block but a few far apart; else summed. */
        if (v->docs[0] >= 32 ||
            (uint64_t)prev + ((uint64_t)(n - 1) << v->docs[0]) > UINT32_MAX) {
            for (i = 1; i < n; i++)
                sum += docs[i] + (uint64_t)1;
            if (sum > UINT32_MAX)
                return SE_ECORRUPT;
        }
        running_sum(docs + 1, n - 1, prev, 1);
        return SE_OK;
    }
    rc = svb_decode(SVB_1234, v->docs, v->docs_bytes, post_end(v), n - 1,
                    docs + 1);
    if (rc != SE_OK)
        return rc;
    /* Ids increase while no gap is 0 and the gaps do not carry the last id
     * past 2^32. Checked in a pass of its own, which the compiler can
     * vectorise, apart from the running sum, which it cannot. */
    for (i = 1; i < n; i++) {
        min = docs[i] < min ? docs[i] : min;
        sum += docs[i];
    }
    if (min == 0 || sum > UINT32_MAX)
        return SE_ECORRUPT;
    running_sum(docs + 1, n - 1, prev, 0);
    return SE_OK;
}

int
post_tf_at(const struct post_view *v, uint32_t i, uint32_t *tf)
{
    const unsigned char *p;
    uint64_t x = 0;
    size_t bit, nb, k;
    unsigned w;

    if (lean_one(v) && i == 0) {
        *tf = v->max_tf;
        return SE_OK;
    }
    if (!(v->flags & POST_F_PACKED_TFS))
        return SE_ENOTFOUND;
    if (i >= v->n || v->n > POST_BLOCK_DOCS || v->tfs_bytes == 0 ||
        v->tfs[0] > 32 || v->tfs_bytes != packed_bytes(v->n, v->tfs[0]))
        return SE_ECORRUPT;
    w = v->tfs[0];
    bit = (size_t)i * w;
    /* The value's bytes, at most 5, all inside the stream: it ends at bit
     * (i + 1) * w <= n * w. */
    p = v->tfs + 1 + (bit >> 3);
    nb = ((bit & 7) + w + 7) >> 3;
    for (k = 0; k < nb; k++)
        x |= (uint64_t)p[k] << (8 * k);
    x = (x >> (bit & 7)) & (((uint64_t)1 << w) - 1);
    /* max_tf bounds the block's scores for pruning (as in post_decode_tfs) */
    if (x >= v->max_tf)
        return SE_ECORRUPT;
    *tf = (uint32_t)x + 1;
    return SE_OK;
}

int
post_decode_tfs(const struct post_view *v, uint32_t *tfs)
{
    uint32_t i, n = v->n, max = 0;
    int rc;

    if (n == 0 || n > POST_BLOCK_DOCS)
        return SE_ECORRUPT;
    if (lean_one(v)) {
        tfs[0] = v->max_tf;
        return SE_OK;
    }
    rc = v->flags & POST_F_PACKED_TFS
             ? unpack(v->tfs, v->tfs_bytes, post_end(v), n, tfs)
             : svb_decode(SVB_0124, v->tfs, v->tfs_bytes, post_end(v), n, tfs);
    if (rc != SE_OK)
        return rc;
    for (i = 0; i < n; i++) {
        uint32_t t = tfs[i];

        max = t > max ? t : max;
        tfs[i] = t + 1;
    }
    /* A stored UINT32_MAX is a tf that does not fit; max_tf bounds scores
     * for pruning: a wrong one would lose results. */
    return max == UINT32_MAX || max + 1 != v->max_tf ? SE_ECORRUPT : SE_OK;
}

int
post_decode_positions(const struct post_view *v, const uint32_t *tfs,
                      uint32_t *pos)
{
    unsigned char mark[POS_CHUNK];
    uint64_t sum = 0;
    uint32_t i, k, d = 0, n = v->n, count = v->pos_count, at = 0, bad = 0;
    uint32_t base, lim, start = 0, packed;
    int rc;

    if (!(v->flags & POST_F_POSITIONS) || v->pos == NULL || n == 0 ||
        n > POST_BLOCK_DOCS)
        return SE_ECORRUPT;
    for (i = 0; i < n; i++) {
        bad |= tfs[i] == 0;
        sum += tfs[i];
    }
    if (bad || sum != v->pos_count)
        return SE_ECORRUPT;
    packed = (v->flags & POST_F_PACKED_POS) != 0; /* gaps stored less 1 */
    rc = packed ? pfor_decode(v->pos, v->pos_bytes, count, pos)
                : svb_decode(SVB_1234, v->pos, v->pos_bytes, post_end(v), count,
                             pos);
    if (rc != SE_OK)
        return rc;
    /*
     * Running sums that restart from 0 at each document's first position.
     * A loop per document would mispredict at each document's end, which
     * costs more than the sums when most tfs are small; instead mark[] flags
     * the documents' first positions, POS_CHUNK positions at a time, and
     * one loop without branches goes over them all. After a document's
     * first position, a gap of 0 or one that wraps past 2^32 leaves the
     * position <= the one before.
     */
    for (base = 0; base < count; base = lim) {
        lim = count - base < POS_CHUNK ? count : base + POS_CHUNK;
        memset(mark, 0, lim - base);
        for (; d < n && start < lim; start += tfs[d++])
            mark[start - base] = 1;
        for (k = base; k < lim; k++) {
            uint32_t first = mark[k - base];
            uint32_t nx = (first ? 0 : at + packed) + pos[k];

            bad |= (nx <= at) & (first ^ 1);
            pos[k] = at = nx;
        }
    }
    return bad ? SE_ECORRUPT : SE_OK;
}
