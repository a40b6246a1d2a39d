/*
 * decompress.c - gzip, xz and zstd streams read through one interface (the
 * contract is in decompress.h).
 *
 * The idea: compressed bytes go into one input buffer of DZ_CHUNK bytes,
 * and each dz_read() runs the decoder until it has produced something, the
 * stream has ended, or the input has run out. The first read(2) also
 * decides the kind: the bytes it brought are the start of the input buffer
 * either way, so a plain file passes them on first and is then read
 * straight into the caller's buffer, with no copy.
 *
 * An end of input in the middle of a gzip member, an xz stream or a zstd
 * frame is "truncated"; everything the decoder could recover before that
 * point has been handed out already, so the caller knows how far it got.
 *
 * Relies on zlib, liblzma and libzstd; no other file includes their
 * headers.
 */
#include "decompress.h"

#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "error.h"

/* zstd frames may ask for windows up to 2^31 bytes (zstd --long=31); the
 * library's default limit, 2^27, would refuse files made that way. */
#define DZ_ZSTD_WINDOW_LOG_MAX 31

struct dz {
    int fd;
    enum dz_kind kind;
    int in_eof;   /* read(2) has returned 0 */
    int finished; /* the compressed stream ended properly */
    int dead;     /* a failure was returned: nothing more to read */
    unsigned char *in;
    size_t in_pos, in_end; /* unread compressed bytes: in[in_pos, in_end) */
    uint64_t raw;
    char msg[160];

    z_stream gz;
    int gz_ready;      /* inflateInit2() done */
    int gz_member_end; /* a member ended: another one may follow */
    lzma_stream xz;
    int xz_ready;
    ZSTD_DCtx *zd;
    int zd_between; /* the last call that moved ended a frame */
    int pending;    /* a failure to return once the bytes before it are out */
    int pending_errno;
};

int
dz_new(struct dz **out)
{
    struct dz *z;

    *out = NULL;
    z = calloc(1, sizeof *z);
    if (z == NULL)
        return SE_ENOMEM;
    z->in = malloc(DZ_CHUNK);
    if (z->in == NULL) {
        free(z);
        return SE_ENOMEM;
    }
    z->xz = (lzma_stream)LZMA_STREAM_INIT;
    z->fd = -1;
    *out = z;
    return SE_OK;
}

void
dz_free(struct dz *z)
{
    if (z == NULL)
        return;
    if (z->gz_ready)
        inflateEnd(&z->gz);
    lzma_end(&z->xz);
    ZSTD_freeDCtx(z->zd);
    free(z->in);
    free(z);
}

void
dz_start(struct dz *z, int fd)
{
    z->fd = fd;
    z->kind = DZ_UNKNOWN;
    z->in_eof = z->finished = z->dead = 0;
    z->in_pos = z->in_end = 0;
    z->raw = 0;
    z->msg[0] = '\0';
    z->gz_member_end = 0;
    z->zd_between = 1;
    z->pending = SE_OK;
}

enum dz_kind
dz_kind(const struct dz *z)
{
    return z->kind;
}

const char *
dz_kind_name(enum dz_kind kind)
{
    switch (kind) {
    case DZ_PLAIN:
        return "plain";
    case DZ_GZIP:
        return "gzip";
    case DZ_XZ:
        return "xz";
    case DZ_ZSTD:
        return "zstd";
    default:
        return "unknown";
    }
}

uint64_t
dz_raw_bytes(const struct dz *z)
{
    return z->raw;
}

const char *
dz_error(const struct dz *z)
{
    return z->msg;
}

/* read(2) into `dst`, retrying on EINTR: bytes read, 0 at the end, -1. */
static ssize_t
read_fd(struct dz *z, void *dst, size_t cap)
{
    ssize_t n;

    do
        n = read(z->fd, dst, cap);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        z->raw += (uint64_t)n;
    if (n == 0)
        z->in_eof = 1;
    return n;
}

/* Refill the input buffer once it is empty. SE_OK or SE_EIO. */
static int
refill(struct dz *z)
{
    ssize_t n;

    if (z->in_pos < z->in_end || z->in_eof)
        return SE_OK;
    z->in_pos = z->in_end = 0;
    n = read_fd(z, z->in, DZ_CHUNK);
    if (n < 0)
        return SE_EIO;
    z->in_end = (size_t)n;
    return SE_OK;
}

/* Fail with SE_ECORRUPT: "<what> <kind> data[ (<why>)]". */
static int
corrupt(struct dz *z, const char *what, const char *why)
{
    snprintf(z->msg, sizeof z->msg, "%s %s data%s%s%s", what,
             dz_kind_name(z->kind), why ? " (" : "", why ? why : "",
             why ? ")" : "");
    z->dead = 1;
    return SE_ECORRUPT;
}

static int
truncated(struct dz *z)
{
    return corrupt(z, "truncated", NULL);
}

/* ---------------------------------------------------------------------- */
/* Telling the kind.                                                       */

static enum dz_kind
kind_of(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return DZ_GZIP;
    if (n >= 6 && memcmp(p, "\xfd\x37\x7a\x58\x5a\x00", 6) == 0)
        return DZ_XZ;
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return DZ_ZSTD;
    /* a skippable frame: magic 0x184D2A50 to 0x184D2A5F, little-endian */
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d &&
        p[3] == 0x18)
        return DZ_ZSTD;
    return DZ_PLAIN;
}

/* Read until the magic bytes can be told (6 bytes or the end), then set
 * up the decoder. */
static int
detect(struct dz *z)
{
    ssize_t n;

    while (z->in_end < 6 && !z->in_eof) {
        n = read_fd(z, z->in + z->in_end, DZ_CHUNK - z->in_end);
        if (n < 0)
            return SE_EIO;
        z->in_end += (size_t)n;
    }
    z->kind = kind_of(z->in, z->in_end);
    switch (z->kind) {
    case DZ_GZIP:
        if (!z->gz_ready) {
            memset(&z->gz, 0, sizeof z->gz);
            /* 15 + 16: a 32 KiB window, gzip header and trailer only */
            if (inflateInit2(&z->gz, 15 + 16) != Z_OK)
                return SE_ENOMEM;
            z->gz_ready = 1;
        } else if (inflateReset(&z->gz) != Z_OK) {
            return SE_ENOMEM;
        }
        break;
    case DZ_XZ:
        /* lzma_stream_decoder() on a used stream reuses its memory */
        if (lzma_stream_decoder(&z->xz, UINT64_MAX, LZMA_CONCATENATED) !=
            LZMA_OK)
            return SE_ENOMEM;
        z->xz_ready = 1;
        break;
    case DZ_ZSTD:
        if (z->zd == NULL) {
            z->zd = ZSTD_createDCtx();
            if (z->zd == NULL)
                return SE_ENOMEM;
        }
        ZSTD_DCtx_reset(z->zd, ZSTD_reset_session_and_parameters);
        ZSTD_DCtx_setParameter(z->zd, ZSTD_d_windowLogMax,
                               DZ_ZSTD_WINDOW_LOG_MAX);
        break;
    default:
        break;
    }
    return SE_OK;
}

/* ---------------------------------------------------------------------- */
/* The decoders: each produces up to `cap` bytes, 0 only at the end.       */

static int
read_plain(struct dz *z, unsigned char *dst, size_t cap, size_t *got)
{
    size_t n = z->in_end - z->in_pos;
    ssize_t r;

    if (n > 0) { /* what detect() read comes first */
        if (n > cap)
            n = cap;
        memcpy(dst, z->in + z->in_pos, n);
        z->in_pos += n;
        *got = n;
        return SE_OK;
    }
    if (z->in_eof)
        return SE_OK;
    r = read_fd(z, dst, cap);
    if (r < 0)
        return SE_EIO;
    *got = (size_t)r;
    return SE_OK;
}

static int
read_gzip(struct dz *z, unsigned char *dst, size_t cap, size_t *got)
{
    int rc, ret;

    for (;;) {
        rc = refill(z);
        if (rc != SE_OK)
            return rc;
        if (z->gz_member_end) {
            /* another member, or the end; gzip(1) reads both the same */
            if (z->in_pos == z->in_end) {
                z->finished = 1;
                return SE_OK;
            }
            if (z->in[z->in_pos] != 0x1f)
                return corrupt(z, "trailing garbage after", NULL);
            if (inflateReset(&z->gz) != Z_OK)
                return SE_ENOMEM;
            z->gz_member_end = 0;
        }
        /* Called even with no input left: output held back while `dst`
         * was full still comes out. */
        z->gz.next_in = z->in + z->in_pos;
        z->gz.avail_in = (uInt)(z->in_end - z->in_pos);
        z->gz.next_out = dst;
        z->gz.avail_out = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
        ret = inflate(&z->gz, Z_NO_FLUSH);
        z->in_pos = z->in_end - z->gz.avail_in;
        *got = (size_t)(z->gz.next_out - dst);
        if (ret == Z_STREAM_END)
            z->gz_member_end = 1;
        else if (ret == Z_MEM_ERROR)
            return SE_ENOMEM;
        else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT ||
                 ret == Z_STREAM_ERROR)
            return corrupt(z, "corrupt", z->gz.msg);
        if (*got > 0)
            return SE_OK;
        if (ret != Z_STREAM_END && z->in_pos == z->in_end && z->in_eof)
            return truncated(z); /* the member is cut short */
    }
}

static int
read_xz(struct dz *z, unsigned char *dst, size_t cap, size_t *got)
{
    lzma_ret ret;
    int rc;

    for (;;) {
        rc = refill(z);
        if (rc != SE_OK)
            return rc;
        z->xz.next_in = z->in + z->in_pos;
        z->xz.avail_in = z->in_end - z->in_pos;
        z->xz.next_out = dst;
        z->xz.avail_out = cap;
        /* LZMA_FINISH once the input is over: with LZMA_CONCATENATED that
         * is how the decoder learns that no other stream follows. */
        ret = lzma_code(&z->xz, z->in_eof ? LZMA_FINISH : LZMA_RUN);
        z->in_pos = z->in_end - z->xz.avail_in;
        *got = (size_t)(z->xz.next_out - dst);
        switch (ret) {
        case LZMA_OK:
            break;
        case LZMA_STREAM_END:
            z->finished = 1;
            return SE_OK;
        case LZMA_MEM_ERROR:
            return SE_ENOMEM;
        case LZMA_BUF_ERROR: /* no progress with LZMA_FINISH: cut short */
            if (*got > 0)
                return SE_OK;
            return truncated(z);
        case LZMA_FORMAT_ERROR:
            return corrupt(z, "corrupt", "bad stream header");
        case LZMA_OPTIONS_ERROR:
            return corrupt(z, "unsupported", "options not supported");
        case LZMA_DATA_ERROR:
            return corrupt(z, "corrupt", "compressed data is corrupt");
        default: /* LZMA_DATA_ERROR covers failed checks too */
            return corrupt(z, "corrupt", "decoder error");
        }
        if (*got > 0)
            return SE_OK;
    }
}

static int
read_zstd(struct dz *z, unsigned char *dst, size_t cap, size_t *got)
{
    ZSTD_inBuffer in;
    ZSTD_outBuffer out;
    size_t ret;
    int rc;

    for (;;) {
        rc = refill(z);
        if (rc != SE_OK)
            return rc;
        in.src = z->in;
        in.size = z->in_end;
        in.pos = z->in_pos;
        out.dst = dst;
        out.size = cap;
        out.pos = 0;
        ret = ZSTD_decompressStream(z->zd, &out, &in);
        /* Called with no input after a frame, it returns the size of the
         * next frame's header: only a call that moved says where we are. */
        if (!ZSTD_isError(ret) && (in.pos > z->in_pos || out.pos > 0))
            z->zd_between = ret == 0;
        z->in_pos = in.pos;
        *got = out.pos;
        if (ZSTD_isError(ret)) {
            if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
                return SE_ENOMEM;
            return corrupt(z, "corrupt", ZSTD_getErrorName(ret));
        }
        if (*got > 0)
            return SE_OK;
        if (z->in_pos == z->in_end && z->in_eof) {
            if (!z->zd_between)
                return truncated(z);
            z->finished = 1;
            return SE_OK;
        }
    }
}

int
dz_read(struct dz *z, void *dst, size_t cap, size_t *got)
{
    int rc;

    *got = 0;
    if (z->pending != SE_OK) {
        rc = z->pending;
        z->pending = SE_OK;
        z->dead = 1;
        errno = z->pending_errno;
        return rc;
    }
    if (z->dead)
        return z->msg[0] ? SE_ECORRUPT : SE_EIO;
    if (z->finished)
        return SE_OK;
    if (z->kind == DZ_UNKNOWN) {
        rc = detect(z);
        if (rc != SE_OK) {
            z->dead = 1;
            return rc;
        }
    }
    switch (z->kind) {
    case DZ_GZIP:
        rc = read_gzip(z, dst, cap, got);
        break;
    case DZ_XZ:
        rc = read_xz(z, dst, cap, got);
        break;
    case DZ_ZSTD:
        rc = read_zstd(z, dst, cap, got);
        break;
    default:
        rc = read_plain(z, dst, cap, got);
        break;
    }
    if (rc != SE_OK && *got > 0) { /* what came before the failure first */
        z->pending = rc;
        z->pending_errno = errno;
        return SE_OK;
    }
    if (rc != SE_OK)
        z->dead = 1;
    return rc;
}
