/*
 * decompress.h - a file descriptor read as a stream of bytes, through
 * gzip, xz or zstd when its first bytes say it is compressed.
 *
 * The kind is told by magic bytes only, never by a name:
 *   gzip  1f 8b 08            every member of a multi-member file, in turn
 *   xz    fd 37 7a 58 5a 00   concatenated streams and stream padding
 *   zstd  28 b5 2f fd, or a skippable frame (5x 2a 4d 18)
 *                             concatenated frames, skippable ones skipped
 * Anything else is passed through as it is. Nothing is written to disk and
 * memory stays bounded: an input buffer of DZ_CHUNK bytes plus the
 * decoder's state (for zstd, the window a frame asks for, at most 2 GiB;
 * for xz, the dictionary of the stream).
 *
 * Bad compressed data is SE_ECORRUPT with dz_error() saying what, e.g.
 * "truncated gzip data" or "corrupt xz data (compressed data is corrupt)".
 * Data after the end of a gzip member that is not another member is
 * corrupt too (gzip itself warns about it).
 *
 * Relies on zlib >= 1.2 (inflate with gzip headers), liblzma >= 5 and
 * libzstd >= 1.4 (ZSTD_DCtx_setParameter, ZSTD_DCtx_reset).
 */
#ifndef SE_DECOMPRESS_H
#define SE_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

/* Compressed bytes read from the descriptor at a time: 256 KiB. */
#define DZ_CHUNK ((size_t)256 << 10)

enum dz_kind {
    DZ_UNKNOWN, /* nothing read yet */
    DZ_PLAIN,   /* not compressed: passed through */
    DZ_GZIP,
    DZ_XZ,
    DZ_ZSTD,
};

struct dz; /* opaque: defined in decompress.c */

/* A decompressor with no descriptor yet. SE_OK or SE_ENOMEM. */
int dz_new(struct dz **out);
/* Free it (the descriptor is not closed). NULL does nothing. */
void dz_free(struct dz *z);

/*
 * Read `fd` from its current offset from now on, forgetting the previous
 * descriptor and any state of its stream. The kind is settled by the first
 * dz_read(). The descriptor stays the caller's to close.
 */
void dz_start(struct dz *z, int fd);

/*
 * Up to `cap` (> 0) bytes of decompressed data into `dst`: SE_OK with
 * *got > 0, or with *got == 0 at the end of the stream; SE_EIO (errno
 * kept) when read(2) fails; SE_ECORRUPT when the compressed data is bad or
 * ends early (see dz_error()); SE_ENOMEM. After a failure the stream is
 * dead: call dz_start() before reading again.
 */
int dz_read(struct dz *z, void *dst, size_t cap, size_t *got);

/* What the stream is, once dz_read() has been called. */
enum dz_kind dz_kind(const struct dz *z);
/* "gzip", "xz", "zstd", "plain" or "unknown": static strings. */
const char *dz_kind_name(enum dz_kind kind);
/* Bytes read from the descriptor since dz_start(): compressed bytes. */
uint64_t dz_raw_bytes(const struct dz *z);
/* What the last SE_ECORRUPT was about, one line; "" if none. Valid until
 * the next call on `z`. */
const char *dz_error(const struct dz *z);

#endif
