/*
 * docstore.c - document records, lengths and stored text (see docstore.h
 * for the bytes). Bodies are compressed one by one with zstd at a low level:
 * snippets need random access to a few documents, and indexing speed
 * matters more than the last percent of size.
 */
#include "docstore.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>
/* ZDICT_trainFromBuffer_fastCover(), in zstd's advanced API: faster to
 * train than ZDICT_trainFromBuffer() for as good a dictionary on news. */
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

#include "error.h"

#define DOC_MAGIC "searchengine-index"
/* Level 1: twice as fast as 3 here, for 4% more text bytes (Reuters). */
#define DOC_ZSTD_LEVEL 1
/* With a dictionary, level 3 compresses as fast as 1 and 10% smaller. */
#define DOC_ZSTD_DICT_LEVEL 3
/* Bodies shorter than this are stored raw: zstd's frame costs more. */
#define DOC_ZSTD_MIN 64
/*
 * No zstd block turns fewer than 4 bytes into more than 128 KiB (an RLE
 * block: 3-byte header and 1 byte), so a frame of n bytes holds at most
 * n * 32 KiB. A larger content size in a frame header is corrupt, and
 * refusing it keeps a few bad bytes from allocating up to 4 GiB.
 */
#define DOC_ZSTD_MAX_RATIO 32768

static void
put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void
put_le64(unsigned char *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get_le64(const unsigned char *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static int
meta_get(struct idx_txn *txn, const char *name, const void **v, size_t *n)
{
    return idx_get(txn, IDX_META, name, strlen(name), v, n);
}

int
doc_meta_load(struct idx_txn *txn, struct doc_meta *m)
{
    const void *v;
    size_t n;
    int rc;

    memset(m, 0, sizeof *m);
    rc = meta_get(txn, "magic", &v, &n);
    if (rc == SE_ENOTFOUND) {
        uint64_t entries = 0;
        rc = idx_count(txn, IDX_META, &entries);
        if (rc != SE_OK)
            return rc;
        return entries ? SE_ENOINDEX : SE_ENOTFOUND;
    }
    if (rc != SE_OK)
        return rc;
    if (n != strlen(DOC_MAGIC) || memcmp(v, DOC_MAGIC, n) != 0)
        return SE_ENOINDEX;
    rc = meta_get(txn, "format", &v, &n);
    if (rc != SE_OK || n != 4)
        return rc == SE_OK || rc == SE_ENOTFOUND ? SE_ECORRUPT : rc;
    m->format = get_le32(v);
    if (m->format < DOC_FORMAT_OLDEST || m->format > DOC_FORMAT_VERSION)
        return SE_EVERSION;
    rc = meta_get(txn, "language", &v, &n);
    if (rc != SE_OK || n == 0 || n >= DOC_LANG_MAX)
        return rc == SE_OK || rc == SE_ENOTFOUND ? SE_ECORRUPT : rc;
    memcpy(m->language, v, n);
    m->language[n] = '\0';
    rc = meta_get(txn, "stats", &v, &n);
    if (rc != SE_OK || n != 20)
        return rc == SE_OK || rc == SE_ENOTFOUND ? SE_ECORRUPT : rc;
    m->docs = get_le64(v);
    m->total_len = get_le64((const unsigned char *)v + 8);
    m->next_doc = get_le32((const unsigned char *)v + 16);
    if (m->docs > m->next_doc)
        return SE_ECORRUPT;
    rc = meta_get(txn, "title_weight", &v, &n);
    if (rc == SE_ENOTFOUND) {
        m->title_weight = 1;
        return SE_OK;
    }
    if (rc != SE_OK)
        return rc;
    if (n != 4)
        return SE_ECORRUPT;
    m->title_weight = get_le32(v);
    if (m->title_weight < 1 || m->title_weight > DOC_TITLE_WEIGHT_MAX)
        return SE_ECORRUPT;
    return SE_OK;
}

int
doc_meta_save(struct idx_txn *txn, const struct doc_meta *m)
{
    unsigned char fmt[4], stats[20];
    int rc;

    rc = idx_put(txn, IDX_META, "magic", 5, DOC_MAGIC, strlen(DOC_MAGIC), 0);
    if (rc != SE_OK)
        return rc;
    put_le32(fmt, DOC_FORMAT_VERSION);
    rc = idx_put(txn, IDX_META, "format", 6, fmt, 4, 0);
    if (rc != SE_OK)
        return rc;
    rc = idx_put(txn, IDX_META, "language", 8, m->language, strlen(m->language),
                 0);
    if (rc != SE_OK)
        return rc;
    put_le32(fmt, m->title_weight ? m->title_weight : 1);
    rc = idx_put(txn, IDX_META, "title_weight", 12, fmt, 4, 0);
    if (rc != SE_OK)
        return rc;
    put_le64(stats, m->docs);
    put_le64(stats + 8, m->total_len);
    put_le32(stats + 16, m->next_doc);
    return idx_put(txn, IDX_META, "stats", 5, stats, sizeof stats, 0);
}

/* ---------------------------------------------------------------- records */

static int
put_str(struct buf *b, const char *s, size_t n)
{
    int rc = buf_put_varint64(b, n);

    return rc != SE_OK ? rc : buf_append(b, s, n);
}

static int
get_str(const unsigned char **p, const unsigned char *end, const char **s,
        size_t *n)
{
    uint64_t len;
    int rc = buf_get_varint64(p, end, &len);

    if (rc != SE_OK)
        return rc;
    if (len > (uint64_t)(end - *p))
        return SE_ECORRUPT;
    *s = (const char *)*p;
    *n = (size_t)len;
    *p += len;
    return SE_OK;
}

int
doc_record_encode(const struct doc_record *r, struct buf *out)
{
    int rc = buf_put_varint(out, r->len);

    if (rc == SE_OK)
        rc = buf_put_varint(out, r->title_tokens);
    if (rc == SE_OK)
        rc = put_str(out, r->id, r->id_len);
    if (rc == SE_OK)
        rc = put_str(out, r->title, r->title_len);
    if (rc == SE_OK)
        rc = put_str(out, r->date, r->date_len);
    return rc;
}

int
doc_record_put_encoded(struct idx_txn *txn, uint32_t doc, const void *val,
                       size_t len, int flags)
{
    unsigned char key[4];

    idx_put_be32(key, doc);
    return idx_put(txn, IDX_DOCS, key, 4, val, len, flags);
}

int
doc_id_put(struct idx_txn *txn, const char *id, size_t len, uint32_t doc,
           int flags)
{
    unsigned char le[4];

    put_le32(le, doc);
    return idx_put(txn, IDX_IDS, id, len, le, 4, flags);
}

int
doc_put(struct idx_txn *txn, uint32_t doc, const struct doc_record *r,
        struct buf *scratch)
{
    int rc;

    buf_clear(scratch);
    rc = doc_record_encode(r, scratch);
    if (rc == SE_OK)
        rc = doc_record_put_encoded(txn, doc, scratch->data, scratch->len, 0);
    if (rc == SE_OK)
        rc = doc_id_put(txn, r->id, r->id_len, doc, 0);
    return rc;
}

int
doc_get(struct idx_txn *txn, uint32_t doc, struct doc_record *r)
{
    unsigned char key[4];
    const unsigned char *p, *end;
    const void *v;
    size_t n;
    int rc;

    memset(r, 0, sizeof *r);
    idx_put_be32(key, doc);
    rc = idx_get(txn, IDX_DOCS, key, 4, &v, &n);
    if (rc != SE_OK)
        return rc;
    p = v;
    end = p + n;
    rc = buf_get_varint(&p, end, &r->len);
    if (rc == SE_OK)
        rc = buf_get_varint(&p, end, &r->title_tokens);
    if (rc == SE_OK)
        rc = get_str(&p, end, &r->id, &r->id_len);
    if (rc == SE_OK)
        rc = get_str(&p, end, &r->title, &r->title_len);
    if (rc == SE_OK)
        rc = get_str(&p, end, &r->date, &r->date_len);
    if (rc == SE_OK && (p != end || r->title_tokens > r->len))
        rc = SE_ECORRUPT;
    return rc;
}

int
doc_lookup(struct idx_txn *txn, const char *id, size_t len, uint32_t *doc)
{
    const void *v;
    size_t n;
    int rc;

    *doc = 0;
    if (len == 0)
        return SE_ENOTFOUND;
    rc = idx_get(txn, IDX_IDS, id, len, &v, &n);
    if (rc != SE_OK)
        return rc;
    if (n != 4)
        return SE_ECORRUPT;
    *doc = get_le32(v);
    return SE_OK;
}

int
doc_remove(struct idx_txn *txn, uint32_t doc)
{
    struct doc_record r;
    unsigned char key[4];
    uint32_t zero = 0;
    int rc;

    rc = doc_get(txn, doc, &r);
    if (rc != SE_OK)
        return rc;
    rc = idx_del(txn, IDX_IDS, r.id, r.id_len, NULL, 0);
    if (rc != SE_OK && rc != SE_ENOTFOUND)
        return rc;
    idx_put_be32(key, doc);
    rc = idx_del(txn, IDX_DOCS, key, 4, NULL, 0);
    if (rc != SE_OK)
        return rc;
    rc = idx_del(txn, IDX_TEXT, key, 4, NULL, 0);
    if (rc != SE_OK && rc != SE_ENOTFOUND)
        return rc;
    return doc_lens_put(txn, doc, &zero, 1);
}

/* ---------------------------------------------------------------- lengths */

void
doc_lens_init(struct doc_lens *dl, struct idx_txn *txn)
{
    dl->txn = txn;
    dl->snapshot = idx_txn_snapshot(txn);
    dl->mapping = idx_txn_mapping(txn);
    memset(dl->filled, 0, sizeof dl->filled);
}

void
doc_lens_renew(struct doc_lens *dl, struct idx_txn *txn)
{
    if (idx_txn_snapshot(txn) != dl->snapshot ||
        idx_txn_mapping(txn) != dl->mapping) {
        doc_lens_init(dl, txn);
        return;
    }
    dl->txn = txn;
}

int
doc_lens_load(struct doc_lens *dl, uint32_t doc, uint32_t *len)
{
    uint32_t chunk = doc / DOC_LENS_CHUNK, i = doc % DOC_LENS_CHUNK;
    unsigned slot = chunk % DOC_LENS_SLOTS;
    uint64_t bit = (uint64_t)1 << slot % 64;

    *len = 0;
    if (!(dl->filled[slot / 64] & bit) || dl->slot[slot].chunk != chunk) {
        unsigned char key[4];
        const void *v;
        size_t n;
        int rc;

        idx_put_be32(key, chunk);
        rc = idx_get(dl->txn, IDX_LENS, key, 4, &v, &n);
        if (rc == SE_ENOTFOUND) {
            v = NULL;
        } else if (rc != SE_OK) {
            return rc;
        } else if (n != DOC_LENS_CHUNK * 4) {
            return SE_ECORRUPT;
        }
        dl->slot[slot].chunk = chunk;
        dl->slot[slot].vals = v;
        dl->filled[slot / 64] |= bit;
    }
    if (dl->slot[slot].vals)
        *len = get_le32(dl->slot[slot].vals + 4 * (size_t)i);
    return SE_OK;
}

int
doc_lens_put(struct idx_txn *txn, uint32_t first, const uint32_t *lens,
             size_t n)
{
    unsigned char chunkbuf[DOC_LENS_CHUNK * 4];
    size_t done = 0;

    while (done < n) {
        uint64_t doc = (uint64_t)first + done;
        uint32_t chunk = (uint32_t)(doc / DOC_LENS_CHUNK);
        size_t i = doc % DOC_LENS_CHUNK, k;
        unsigned char key[4];
        const void *v;
        size_t vn;
        int rc;

        idx_put_be32(key, chunk);
        rc = idx_get(txn, IDX_LENS, key, 4, &v, &vn);
        if (rc == SE_OK && vn == sizeof chunkbuf)
            memcpy(chunkbuf, v, sizeof chunkbuf);
        else if (rc == SE_OK)
            return SE_ECORRUPT;
        else if (rc == SE_ENOTFOUND)
            memset(chunkbuf, 0, sizeof chunkbuf);
        else
            return rc;
        for (k = i; k < DOC_LENS_CHUNK && done < n; k++, done++)
            put_le32(chunkbuf + 4 * k, lens[done]);
        rc = idx_put(txn, IDX_LENS, key, 4, chunkbuf, sizeof chunkbuf, 0);
        if (rc != SE_OK)
            return rc;
    }
    return SE_OK;
}

int
doc_lens_read(struct idx_txn *txn, uint32_t first, size_t n, uint32_t *out)
{
    size_t done = 0;

    while (done < n) {
        uint64_t doc = (uint64_t)first + done;
        uint32_t chunk = (uint32_t)(doc / DOC_LENS_CHUNK);
        size_t i = doc % DOC_LENS_CHUNK, k;
        const unsigned char *v;
        unsigned char key[4];
        size_t vn;
        int rc;

        idx_put_be32(key, chunk);
        rc = idx_get(txn, IDX_LENS, key, 4, (const void **)&v, &vn);
        if (rc == SE_OK && vn != DOC_LENS_CHUNK * 4)
            return SE_ECORRUPT;
        if (rc != SE_OK && rc != SE_ENOTFOUND)
            return rc;
        for (k = i; k < DOC_LENS_CHUNK && done < n; k++, done++)
            out[done] = rc == SE_OK ? get_le32(v + 4 * k) : 0;
    }
    return SE_OK;
}

/* ---------------------------------------------------------------- text */

/* A stored body's first byte. */
enum { TEXT_RAW = 0, TEXT_ZSTD = 1, TEXT_ZSTD_DICT = 2 };

struct doc_dict {
    ZSTD_CDict *cdict;
    unsigned char *bytes;
    size_t len;
};

struct doc_text {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    int with_dict; /* cctx holds a dictionary (doc_text_use_dict) */
    /* The dictionary of the index last read, known by its id and size. */
    ZSTD_DDict *ddict;
    unsigned ddict_id;
    size_t ddict_len;
    struct buf scratch;
};

/* A dictionary made of a copy of `bytes`. */
static int
dict_new(const void *bytes, size_t len, struct doc_dict **out)
{
    struct doc_dict *d = calloc(1, sizeof *d);

    *out = NULL;
    if (d == NULL)
        return SE_ENOMEM;
    d->bytes = malloc(len);
    if (d->bytes == NULL) {
        free(d);
        return SE_ENOMEM;
    }
    memcpy(d->bytes, bytes, len);
    d->len = len;
    d->cdict = ZSTD_createCDict(d->bytes, len, DOC_ZSTD_DICT_LEVEL);
    if (d->cdict == NULL) {
        doc_dict_free(d);
        return SE_ECORRUPT; /* zstd refuses the bytes as a dictionary */
    }
    *out = d;
    return SE_OK;
}

int
doc_dict_train(const void *samples, const size_t *sizes, size_t n,
               struct doc_dict **out)
{
    ZDICT_fastCover_params_t p;
    unsigned char *bytes;
    size_t len;
    int rc;

    *out = NULL;
    if (n == 0 || n > UINT32_MAX)
        return SE_EINVAL;
    bytes = malloc(DOC_DICT_MAX);
    if (bytes == NULL)
        return SE_ENOMEM;
    /* d, f and accel as zstd's --train-fastcover defaults, and a fixed
     * segment size instead of its search. On Reuters-21578 (512 KB of
     * bodies, level 3): 6.62 MB of text against 6.64 MB with
     * ZDICT_trainFromBuffer(), trained in 18 ms against 63 ms. */
    memset(&p, 0, sizeof p);
    p.k = 200;
    p.d = 8;
    p.f = 20;
    p.accel = 1;
    p.zParams.compressionLevel = DOC_ZSTD_DICT_LEVEL;
    len = ZDICT_trainFromBuffer_fastCover(bytes, DOC_DICT_MAX, samples, sizes,
                                          (unsigned)n, p);
    rc = ZDICT_isError(len) ? SE_EINVAL : dict_new(bytes, len, out);
    free(bytes);
    return rc;
}

int
doc_dict_load(struct idx_txn *txn, struct doc_dict **out)
{
    const void *v;
    size_t n;
    int rc = meta_get(txn, "text_dict", &v, &n);

    *out = NULL;
    if (rc != SE_OK)
        return rc;
    return dict_new(v, n, out);
}

int
doc_dict_save(struct idx_txn *txn, const struct doc_dict *d)
{
    return idx_put(txn, IDX_META, "text_dict", 9, d->bytes, d->len, 0);
}

void
doc_dict_free(struct doc_dict *d)
{
    if (d == NULL)
        return;
    ZSTD_freeCDict(d->cdict);
    free(d->bytes);
    free(d);
}

int
doc_text_new(struct doc_text **out)
{
    struct doc_text *dt = calloc(1, sizeof *dt);

    *out = NULL;
    if (dt == NULL)
        return SE_ENOMEM;
    dt->cctx = ZSTD_createCCtx();
    dt->dctx = ZSTD_createDCtx();
    if (dt->cctx == NULL || dt->dctx == NULL) {
        doc_text_free(dt);
        return SE_ENOMEM;
    }
    *out = dt;
    return SE_OK;
}

void
doc_text_free(struct doc_text *dt)
{
    if (dt == NULL)
        return;
    ZSTD_freeCCtx(dt->cctx);
    ZSTD_freeDCtx(dt->dctx);
    ZSTD_freeDDict(dt->ddict);
    buf_release(&dt->scratch);
    free(dt);
}

int
doc_text_encode(struct doc_text *dt, const char *body, size_t len,
                struct buf *out)
{
    int rc;

    buf_clear(out);
    if (len < DOC_ZSTD_MIN) {
        rc = buf_putc(out, TEXT_RAW);
        if (rc == SE_OK)
            rc = buf_append(out, body, len);
    } else {
        size_t bound = ZSTD_compressBound(len), z;
        rc = buf_reserve(out, bound + 1);
        if (rc != SE_OK)
            return rc;
        out->data[0] = dt->with_dict ? TEXT_ZSTD_DICT : TEXT_ZSTD;
        z = dt->with_dict
                ? ZSTD_compress2(dt->cctx, out->data + 1, bound, body, len)
                : ZSTD_compressCCtx(dt->cctx, out->data + 1, bound, body, len,
                                    DOC_ZSTD_LEVEL);
        if (ZSTD_isError(z))
            return SE_ENOMEM;
        out->len = z + 1;
    }
    return rc;
}

int
doc_text_use_dict(struct doc_text *dt, const struct doc_dict *d)
{
    size_t z = ZSTD_CCtx_reset(dt->cctx, ZSTD_reset_session_and_parameters);

    /* The index holds one dictionary: a frame need not name it (4 bytes
     * a body). */
    if (!ZSTD_isError(z) && d)
        z = ZSTD_CCtx_refCDict(dt->cctx, d->cdict);
    if (!ZSTD_isError(z) && d)
        z = ZSTD_CCtx_setParameter(dt->cctx, ZSTD_c_dictIDFlag, 0);
    dt->with_dict = d != NULL && !ZSTD_isError(z);
    return ZSTD_isError(z) ? SE_ENOMEM : SE_OK;
}

int
doc_text_lacks_dict(const void *val, size_t len)
{
    return len > 0 && *(const unsigned char *)val == TEXT_ZSTD;
}

/* The decompression dictionary of the index `txn` reads, made once. */
static int
text_ddict(struct doc_text *dt, struct idx_txn *txn, ZSTD_DDict **out)
{
    const void *v;
    size_t n;
    unsigned id;
    int rc = meta_get(txn, "text_dict", &v, &n);

    if (rc != SE_OK)
        return rc == SE_ENOTFOUND ? SE_ECORRUPT : rc;
    id = ZDICT_getDictID(v, n);
    if (dt->ddict == NULL || id != dt->ddict_id || n != dt->ddict_len) {
        ZSTD_freeDDict(dt->ddict);
        dt->ddict = ZSTD_createDDict(v, n);
        dt->ddict_id = id;
        dt->ddict_len = n;
        if (dt->ddict == NULL)
            return SE_ECORRUPT;
    }
    *out = dt->ddict;
    return SE_OK;
}

int
doc_text_put_encoded(struct idx_txn *txn, uint32_t doc, const void *val,
                     size_t len, int flags)
{
    unsigned char key[4];

    idx_put_be32(key, doc);
    return idx_put(txn, IDX_TEXT, key, 4, val, len, flags);
}

int
doc_text_put(struct doc_text *dt, struct idx_txn *txn, uint32_t doc,
             const char *body, size_t len)
{
    int rc = doc_text_encode(dt, body, len, &dt->scratch);

    if (rc != SE_OK)
        return rc;
    return doc_text_put_encoded(txn, doc, dt->scratch.data, dt->scratch.len,
                                0);
}

int
doc_text_get(struct doc_text *dt, struct idx_txn *txn, uint32_t doc,
             struct buf *out)
{
    unsigned char key[4];
    const unsigned char *p;
    const void *v;
    size_t n;
    unsigned long long size;
    int rc;

    buf_clear(out);
    idx_put_be32(key, doc);
    rc = idx_get(txn, IDX_TEXT, key, 4, &v, &n);
    if (rc != SE_OK)
        return rc;
    p = v;
    if (n < 1)
        return SE_ECORRUPT;
    if (p[0] == TEXT_RAW)
        return buf_append(out, p + 1, n - 1);
    if (p[0] != TEXT_ZSTD && p[0] != TEXT_ZSTD_DICT)
        return SE_ECORRUPT;
    size = ZSTD_getFrameContentSize(p + 1, n - 1);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > ((size_t)1 << 32) ||
        size > (unsigned long long)(n - 1) * DOC_ZSTD_MAX_RATIO)
        return SE_ECORRUPT;
    rc = buf_reserve(out, (size_t)size);
    if (rc != SE_OK)
        return rc;
    size_t got;
    if (p[0] == TEXT_ZSTD_DICT) {
        ZSTD_DDict *dd;
        rc = text_ddict(dt, txn, &dd);
        if (rc != SE_OK)
            return rc;
        got = ZSTD_decompress_usingDDict(dt->dctx, out->data, (size_t)size,
                                         p + 1, n - 1, dd);
    } else {
        got = ZSTD_decompressDCtx(dt->dctx, out->data, (size_t)size, p + 1,
                                  n - 1);
    }
    if (ZSTD_isError(got) || got != size)
        return SE_ECORRUPT;
    out->len = got;
    return SE_OK;
}
