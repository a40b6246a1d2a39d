/*
 * index.c - the index's tables in LMDB.
 *
 * One LMDB environment per index directory (data.mdb + lock.mdb), with a
 * named database per table of index.h. The map is address space only
 * (without MDB_WRITEMAP the file grows with its data, not with the map), and
 * it grows by itself: before each write transaction it is enlarged to hold
 * twice the pages in use plus the writer's reserve, so a writer meets
 * MDB_MAP_FULL only when one transaction writes more than that. Readers
 * adopt a map grown by a writer (MDB_MAP_RESIZED). LMDB's own error codes
 * are turned into SE_* here and nowhere else.
 */
/* renameat2() and RENAME_EXCHANGE (Linux) for idx_compact(). */
#define _GNU_SOURCE
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/*
 * The map starts at 1 GiB of address space (or twice the data file), and
 * the environment variable SE_MAP_MIN (bytes) sets a smaller start so that
 * tests can watch it grow.
 */
#define IDX_MAP_MIN ((size_t)1 << 30)
#define IDX_MAP_FLOOR ((size_t)1 << 20)

/* Openings of environments in this process, to tell mappings apart. */
static _Atomic uint64_t mappings;

static const char *const table_names[IDX_NTABLES] = {
    "meta",  "docs",  "ids",   "lens",  "text",
    "sdict", "stems", "fdict", "forms", "stemforms",
};

struct idx {
    MDB_env *env;
    uint64_t mapping; /* which opening of an environment (idx_txn_mapping) */
    MDB_dbi dbi[IDX_NTABLES];
    int rdonly;
    size_t reserve; /* bytes a write transaction may add (idx_reserve) */
    unsigned grows; /* times the map was enlarged */
};

/* The map size to start with: SE_MAP_MIN or IDX_MAP_MIN. */
static size_t
map_min(void)
{
    const char *s = getenv("SE_MAP_MIN");
    char *end;
    unsigned long long v;

    if (s == NULL || *s == '\0')
        return IDX_MAP_MIN;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || v < IDX_MAP_FLOOR)
        return IDX_MAP_FLOOR;
    return (size_t)v;
}

/* Pages in use and the page size, from the environment's last commit. */
static int
map_used(MDB_env *env, size_t *used, size_t *mapsize)
{
    MDB_envinfo info;
    MDB_stat st;
    int rc = mdb_env_info(env, &info);

    if (rc == 0)
        rc = mdb_env_stat(env, &st);
    if (rc != 0)
        return rc;
    *used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
    *mapsize = info.me_mapsize;
    return 0;
}

/*
 * Enlarge the map, with no transaction of ours active, so that it holds
 * twice what is in use (copy-on-write may rewrite every page once) plus the
 * writer's reserve. Doubling keeps the number of resizes logarithmic.
 */
static int
map_grow(struct idx *ix)
{
    size_t used, size, want;
    int rc = map_used(ix->env, &used, &size);

    if (rc != 0)
        return rc;
    want = 2 * used + ix->reserve;
    if (want <= size)
        return 0;
    while (size < want)
        size *= 2;
    rc = mdb_env_set_mapsize(ix->env, size);
    if (rc == 0)
        ix->grows++;
    return rc;
}

struct idx_txn {
    struct idx *ix;
    MDB_txn *txn;
};

struct idx_cursor {
    MDB_cursor *cur;
    enum idx_table t;
};

static int
idx_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return SE_OK;
    case MDB_NOTFOUND:
        return SE_ENOTFOUND;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return SE_EFULL;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_BAD_VALSIZE:
    case MDB_INCOMPATIBLE:
        return SE_ECORRUPT;
    case MDB_VERSION_MISMATCH:
        return SE_EVERSION;
    case ENOMEM:
        return SE_ENOMEM;
    case MDB_READERS_FULL:
    case EAGAIN:
        return SE_EBUSY;
    case EINVAL:
        return SE_EINVAL;
    }
    if (rc > 0) {
        errno = rc;
        return SE_EIO;
    }
    return SE_EIO;
}

/*
 * The order of the tables keyed by big-endian u32 document ids (docs, lens,
 * text): LMDB's own, memcmp() then the shorter first, which for two 4-byte
 * keys is their order as numbers, compared here without a call. A results
 * page reads ten records and a rare word's lengths a chunk each, and each
 * B-tree descent compares about ten keys. The same order, so files written
 * with either read with the other.
 */
static int
cmp_be32(const MDB_val *a, const MDB_val *b)
{
    size_t n;
    int d;

    if (a->mv_size == 4 && b->mv_size == 4) {
        uint32_t x = idx_get_be32(a->mv_data), y = idx_get_be32(b->mv_data);
        return (x > y) - (x < y);
    }
    n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    d = n ? memcmp(a->mv_data, b->mv_data, n) : 0;
    if (d)
        return d;
    return (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

/* 1 when `dir` holds entries other than "." and "..", 0 if empty, <0 err. */
static int
dir_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;

    if (d == NULL)
        return SE_EIO;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            found = 1;
            break;
        }
    }
    closedir(d);
    return found;
}

/*
 * SE_OK when `path` starts with an LMDB meta page, or is empty (a creation
 * that was interrupted). Checked before mdb_env_open(), which would leave a
 * lock.mdb beside any other file. The meta page's magic, 0xBEEFC0DE, is a
 * u32 in host order after the 16-byte page header (lmdb's MDB_meta).
 */
static int
check_lmdb_file(const char *path)
{
    unsigned char head[20];
    uint32_t magic;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return SE_EIO;
    n = read(fd, head, sizeof head);
    close(fd);
    if (n == 0)
        return SE_OK;
    if (n != (ssize_t)sizeof head)
        return n < 0 ? SE_EIO : SE_ENOINDEX;
    memcpy(&magic, head + 16, 4);
    return magic == 0xBEEFC0DEu ? SE_OK : SE_ENOINDEX;
}

/* Check the directory before LMDB creates files in it. */
static int
check_dir(const char *dir, int flags)
{
    char path[PATH_MAX];
    struct stat st;
    int n, rc;

    /* A read-only open creates nothing: with no index there is nothing to
     * read (not SE_EIO after making an empty directory). */
    if (flags & IDX_RDONLY)
        flags &= ~IDX_CREATE;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return SE_EIO;
        if (!(flags & IDX_CREATE))
            return SE_ENOINDEX;
        if (mkdir(dir, 0777) != 0)
            return errno == ENOSPC ? SE_EFULL : SE_EIO;
        return SE_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return SE_ENOINDEX;
    n = snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return SE_EINVAL;
    if (stat(path, &st) == 0)
        return S_ISREG(st.st_mode) ? check_lmdb_file(path) : SE_ENOINDEX;
    if (errno != ENOENT)
        return SE_EIO;
    if (!(flags & IDX_CREATE))
        return SE_ENOINDEX;
    rc = dir_has_entries(dir);
    if (rc < 0)
        return rc;
    return rc ? SE_ENOINDEX : SE_OK; /* never write into a foreign folder */
}

int
idx_open(const char *dir, int flags, struct idx **out)
{
    struct idx *ix;
    MDB_txn *txn = NULL;
    MDB_dbi main_dbi;
    MDB_stat main_st;
    unsigned int envflags = MDB_NOTLS;
    int rc, i;

    *out = NULL;
    rc = check_dir(dir, flags);
    if (rc != SE_OK)
        return rc;
    ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return SE_ENOMEM;
    ix->rdonly = (flags & IDX_RDONLY) != 0;
    if (ix->rdonly)
        envflags |= MDB_RDONLY;
    rc = mdb_env_create(&ix->env);
    if (rc != 0)
        goto fail;
    rc = mdb_env_set_maxdbs(ix->env, IDX_NTABLES + 2);
    if (rc != 0)
        goto fail;
    rc = mdb_env_set_mapsize(ix->env, map_min());
    if (rc != 0)
        goto fail;
    rc = mdb_env_open(ix->env, dir, envflags, 0666);
    if (rc != 0)
        goto fail;
    /* LMDB adopts a larger size recorded in the file; grow from there. */
    if (!ix->rdonly) {
        rc = map_grow(ix);
        if (rc != 0)
            goto fail;
    }
    rc = mdb_txn_begin(ix->env, NULL, ix->rdonly ? MDB_RDONLY : 0, &txn);
    if (rc != 0)
        goto fail;
    /*
     * Tables are created only in a new data file, whose main database is
     * empty. A data file holding other keys and not our tables is someone
     * else's LMDB database: opening our tables fails (MDB_NOTFOUND, so
     * SE_ENOINDEX below) instead of adding them to it, which would turn it
     * into an "empty index" that doc_meta_load() cannot tell from ours.
     */
    rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (rc == 0)
        rc = mdb_stat(txn, main_dbi, &main_st);
    if (rc != 0)
        goto fail;
    for (i = 0; i < IDX_NTABLES; i++) {
        unsigned int dflags =
            ix->rdonly || main_st.ms_entries != 0 ? 0 : MDB_CREATE;
        if (i == IDX_STEMFORMS)
            dflags |= MDB_DUPSORT;
        rc = mdb_dbi_open(txn, table_names[i], dflags, &ix->dbi[i]);
        if (rc == 0 && (i == IDX_DOCS || i == IDX_LENS || i == IDX_TEXT))
            rc = mdb_set_compare(txn, ix->dbi[i], cmp_be32);
        if (rc != 0)
            goto fail;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0)
        goto fail;
    ix->mapping = ++mappings;
    *out = ix;
    return SE_OK;
fail:
    if (txn)
        mdb_txn_abort(txn);
    idx_close(ix);
    /* A data file without our tables is someone else's LMDB database. */
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE || rc == MDB_INVALID)
        return SE_ENOINDEX;
    return idx_err(rc);
}

int
idx_trim(struct idx *ix)
{
    const char *path;
    struct idx *fresh;
    char dir[PATH_MAX];
    int rc;

    if (mdb_env_get_path(ix->env, &path) != 0 || strlen(path) >= sizeof dir)
        return SE_EINVAL;
    strcpy(dir, path); /* the environment owns `path` */
    /* Close before opening again: POSIX locks belong to the process, and
     * closing any descriptor of lock.mdb would drop the new handle's. */
    mdb_env_close(ix->env);
    ix->env = NULL;
#ifdef __GLIBC__
    /* glibc keeps freed heap pages mapped; hand them back to the system. */
    malloc_trim(0);
#endif
    rc = idx_open(dir, ix->rdonly ? IDX_RDONLY : 0, &fresh);
    if (rc != SE_OK)
        return rc;
    ix->env = fresh->env;
    ix->mapping = fresh->mapping;
    memcpy(ix->dbi, fresh->dbi, sizeof ix->dbi);
    free(fresh);
    return SE_OK;
}

void
idx_remove(const char *dir)
{
    char path[PATH_MAX];
    int n;

    n = snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return;
    unlink(path);
    memcpy(path + n - 8, "lock", 4); /* same length: data -> lock */
    unlink(path);
    rmdir(dir); /* fails, harmlessly, if anything else is in it */
}

/* Bytes a table's copy may write before it commits: LMDB holds a write
 * transaction's pages in memory until then. */
#define IDX_COPY_TXN_BYTES ((size_t)32 << 20)

/* Append every entry of table t of `from` (read transaction) to the empty
 * table of `to`, committing every IDX_COPY_TXN_BYTES. */
static int
copy_table(MDB_txn *from, struct idx *src, struct idx *dst, int t)
{
    MDB_cursor *in = NULL, *out;
    MDB_val k, v;
    unsigned append = t == IDX_STEMFORMS ? MDB_APPENDDUP : MDB_APPEND;
    int rc;

    rc = mdb_cursor_open(from, src->dbi[t], &in);
    if (rc == 0)
        rc = mdb_cursor_get(in, &k, &v, MDB_FIRST);
    while (rc == 0) {
        /* One write transaction per IDX_COPY_TXN_BYTES. */
        MDB_txn *txn = NULL;
        size_t written = 0;
        rc = mdb_txn_begin(dst->env, NULL, 0, &txn);
        if (rc == 0)
            rc = mdb_cursor_open(txn, dst->dbi[t], &out);
        while (rc == 0 && written < IDX_COPY_TXN_BYTES) {
            rc = mdb_cursor_put(out, &k, &v, append);
            written += k.mv_size + v.mv_size + 16;
            if (rc == 0)
                rc = mdb_cursor_get(in, &k, &v, MDB_NEXT);
        }
        if (txn && (rc == 0 || rc == MDB_NOTFOUND)) {
            int c = mdb_txn_commit(txn); /* frees `out` */
            if (c != 0)
                rc = c;
        } else if (txn) {
            mdb_txn_abort(txn);
        }
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (in)
        mdb_cursor_close(in);
    return rc;
}

/* Write a compact copy of the index `src` into the empty directory `to`,
 * synced to disk. */
static int
write_compact_copy(struct idx *src, const char *to)
{
    struct idx *dst = NULL;
    MDB_txn *from = NULL;
    size_t used, mapsize;
    int rc, t;

    rc = idx_open(to, IDX_CREATE, &dst);
    if (rc != SE_OK)
        return rc;
    /* The copy is no larger than the file: the source's map holds it.
     * Synced once at the end; until the swap nobody reads it. */
    rc = map_used(src->env, &used, &mapsize);
    if (rc == 0)
        rc = mdb_env_set_mapsize(dst->env, mapsize);
    if (rc == 0)
        rc = mdb_env_set_flags(dst->env, MDB_NOSYNC, 1);
    if (rc == 0)
        rc = mdb_txn_begin(src->env, NULL, MDB_RDONLY, &from);
    for (t = 0; rc == 0 && t < IDX_NTABLES; t++)
        rc = copy_table(from, src, dst, t);
    if (from)
        mdb_txn_abort(from);
    if (rc == 0)
        rc = mdb_env_sync(dst->env, 1);
    idx_close(dst);
    return idx_err(rc);
}

int
idx_compact(const char *dir_given, uint64_t *before, uint64_t *after)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 16], parent[PATH_MAX], *slash;
    struct idx *src = NULL;
    struct stat st;
    size_t len;
    int rc, fd;

    *before = *after = 0;
    /* The directory itself, not a symbolic link to it: the exchange would
     * move the link, and the copy belongs beside the data. */
    if (realpath(dir_given, dir) == NULL)
        return errno == ENOENT ? SE_ENOINDEX : SE_EIO;
    len = strlen(dir);
    snprintf(tmp, sizeof tmp, "%s.compacting", dir);
    rc = idx_open(dir, IDX_RDONLY, &src);
    if (rc == SE_OK)
        rc = idx_size(src, before);
    if (rc == SE_OK && stat(dir, &st) != 0)
        rc = SE_EIO;
    if (rc != SE_OK) {
        idx_close(src);
        return rc;
    }
    /* A copy an interrupted run left behind; the caller's lock says no
     * other run is making one. */
    idx_remove(tmp);
    if (mkdir(tmp, st.st_mode & 07777) != 0)
        rc = errno == ENOSPC ? SE_EFULL : SE_EIO;
    if (rc == SE_OK)
        rc = write_compact_copy(src, tmp);
    idx_close(src);
    if (rc != SE_OK) {
        idx_remove(tmp);
        return rc;
    }
#ifdef RENAME_EXCHANGE
    /* One atomic step: a reader opening `dir` finds the old index or the
     * copy, and a crash leaves one of them there, whole. */
    rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0
             ? SE_OK
             : SE_EIO;
#else
    errno = ENOTSUP;
    rc = SE_EIO;
#endif
    if (rc != SE_OK) {
        int saved = errno;
        idx_remove(tmp);
        errno = saved;
        return rc;
    }
    /* `tmp` now names the old index. */
    idx_remove(tmp);
    memcpy(parent, dir, len + 1);
    slash = strrchr(parent, '/'); /* an absolute path has one */
    slash[slash == parent] = '\0';
    fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* make the exchange itself durable */
        close(fd);
    }
    {
        struct idx *ix;
        if (idx_open(dir, IDX_RDONLY, &ix) == SE_OK) {
            idx_size(ix, after);
            idx_close(ix);
        }
    }
    return SE_OK;
}

int
idx_refresh(struct idx *ix, int *reopened)
{
    const char *path;
    char file[PATH_MAX];
    struct stat now, open_file;
    mdb_filehandle_t fd;
    int n;

    *reopened = 0;
    if (mdb_env_get_path(ix->env, &path) != 0 ||
        mdb_env_get_fd(ix->env, &fd) != 0 || fstat(fd, &open_file) != 0)
        return SE_EIO;
    n = snprintf(file, sizeof file, "%s/data.mdb", path);
    if (n < 0 || (size_t)n >= sizeof file)
        return SE_EINVAL;
    /* Gone or replaced by a compaction: the directory holds another file. */
    if (stat(file, &now) == 0 && now.st_dev == open_file.st_dev &&
        now.st_ino == open_file.st_ino)
        return SE_OK;
    *reopened = 1;
    return idx_trim(ix);
}

void
idx_close(struct idx *ix)
{
    if (ix == NULL)
        return;
    if (ix->env)
        mdb_env_close(ix->env);
    free(ix);
}

int
idx_size(struct idx *ix, uint64_t *bytes)
{
    size_t used, mapsize;
    int rc = map_used(ix->env, &used, &mapsize);

    *bytes = rc == 0 ? used : 0;
    return idx_err(rc);
}

int
idx_txn_begin(struct idx *ix, int write, struct idx_txn **out)
{
    struct idx_txn *t;
    int rc;

    *out = NULL;
    if (write && ix->rdonly)
        return SE_EINVAL;
    t = malloc(sizeof *t);
    if (t == NULL)
        return SE_ENOMEM;
    t->ix = ix;
    rc = write ? map_grow(ix) : 0;
    if (write)
        ix->mapping = ++mappings; /* map_grow() may have moved the map */
    if (rc == 0)
        rc = mdb_txn_begin(ix->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and try again.
         * The map may move: values read before are elsewhere now. */
        rc = mdb_env_set_mapsize(ix->env, 0);
        ix->mapping = ++mappings;
        if (rc == 0)
            rc = mdb_txn_begin(ix->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    }
    if (rc != 0) {
        free(t);
        return idx_err(rc);
    }
    *out = t;
    return SE_OK;
}

uint64_t
idx_txn_snapshot(const struct idx_txn *txn)
{
    return (uint64_t)mdb_txn_id(txn->txn);
}

uint64_t
idx_txn_mapping(const struct idx_txn *txn)
{
    return txn->ix->mapping;
}

void
idx_reserve(struct idx *ix, size_t bytes)
{
    ix->reserve = bytes;
}

int
idx_map_info(struct idx *ix, uint64_t *mapsize, unsigned *grows)
{
    MDB_envinfo info;
    int rc = mdb_env_info(ix->env, &info);

    if (rc != 0)
        return idx_err(rc);
    *mapsize = info.me_mapsize;
    *grows = ix->grows;
    return SE_OK;
}

int
idx_txn_commit(struct idx_txn *txn)
{
    int rc = mdb_txn_commit(txn->txn);

    free(txn);
    return idx_err(rc);
}

void
idx_txn_abort(struct idx_txn *txn)
{
    if (txn == NULL)
        return;
    mdb_txn_abort(txn->txn);
    free(txn);
}

int
idx_get(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
        const void **val, size_t *vlen)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc;

    *val = NULL;
    *vlen = 0;
    if (klen == 0 || klen > 511)
        return klen == 0 ? SE_EINVAL : SE_ENOTFOUND;
    rc = mdb_get(txn->txn, txn->ix->dbi[t], &k, &v);
    if (rc != 0)
        return idx_err(rc);
    *val = v.mv_data;
    *vlen = v.mv_size;
    return SE_OK;
}

static unsigned int
put_flags(enum idx_table t, int flags)
{
    unsigned int f = 0;

    if (flags & IDX_APPEND)
        f |= (t == IDX_STEMFORMS) ? MDB_APPENDDUP : MDB_APPEND;
    if (flags & IDX_NODUPDATA)
        f |= MDB_NODUPDATA;
    return f;
}

int
idx_put(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
        const void *val, size_t vlen, int flags)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

    if (klen == 0 || klen > 511)
        return SE_EINVAL;
    int rc = mdb_put(txn->txn, txn->ix->dbi[t], &k, &v, put_flags(t, flags));
    if (rc == MDB_KEYEXIST && (flags & IDX_NODUPDATA))
        return SE_OK;
    return idx_err(rc);
}

int
idx_cursor_put(struct idx_cursor *c, const void *key, size_t klen,
               const void *val, size_t vlen, int flags)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

    if (klen == 0 || klen > 511)
        return SE_EINVAL;
    int rc = mdb_cursor_put(c->cur, &k, &v, put_flags(c->t, flags));
    if (rc == MDB_KEYEXIST && (flags & IDX_NODUPDATA))
        return SE_OK;
    return idx_err(rc);
}

int
idx_del(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
        const void *val, size_t vlen)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

    if (klen == 0 || klen > 511)
        return SE_ENOTFOUND;
    return idx_err(mdb_del(txn->txn, txn->ix->dbi[t], &k, val ? &v : NULL));
}

const char *
idx_table_name(enum idx_table t)
{
    return t < IDX_NTABLES ? table_names[t] : "?";
}

int
idx_table_usage(struct idx_txn *txn, enum idx_table t, uint64_t *entries,
                uint64_t *bytes)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->ix->dbi[t], &st);

    *entries = rc == 0 ? st.ms_entries : 0;
    *bytes = rc == 0 ? (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages +
                                  st.ms_overflow_pages) *
                           st.ms_psize
                     : 0;
    return idx_err(rc);
}

int
idx_count(struct idx_txn *txn, enum idx_table t, uint64_t *n)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->ix->dbi[t], &st);

    *n = rc == 0 ? st.ms_entries : 0;
    return idx_err(rc);
}

int
idx_cursor_open(struct idx_txn *txn, enum idx_table t, struct idx_cursor **out)
{
    struct idx_cursor *c;
    int rc;

    *out = NULL;
    c = malloc(sizeof *c);
    if (c == NULL)
        return SE_ENOMEM;
    rc = mdb_cursor_open(txn->txn, txn->ix->dbi[t], &c->cur);
    if (rc != 0) {
        free(c);
        return idx_err(rc);
    }
    c->t = t;
    *out = c;
    return SE_OK;
}

void
idx_cursor_close(struct idx_cursor *c)
{
    if (c == NULL)
        return;
    mdb_cursor_close(c->cur);
    free(c);
}

/* 1 positioned, 0 nothing there, <0 error. */
static int
cursor_op(struct idx_cursor *c, MDB_val *k, MDB_cursor_op op)
{
    MDB_val v;
    int rc = mdb_cursor_get(c->cur, k, &v, op);

    if (rc == MDB_NOTFOUND)
        return 0;
    return rc == 0 ? 1 : idx_err(rc);
}

int
idx_cursor_seek(struct idx_cursor *c, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *)key};

    if (klen == 0 || klen > 511)
        return SE_EINVAL;
    return cursor_op(c, &k, MDB_SET_RANGE);
}

int
idx_cursor_next(struct idx_cursor *c)
{
    MDB_val k;

    return cursor_op(c, &k, MDB_NEXT);
}

int
idx_cursor_prev(struct idx_cursor *c)
{
    MDB_val k;

    return cursor_op(c, &k, MDB_PREV);
}

int
idx_cursor_first(struct idx_cursor *c)
{
    MDB_val k;

    return cursor_op(c, &k, MDB_FIRST);
}

int
idx_cursor_last(struct idx_cursor *c)
{
    MDB_val k;

    return cursor_op(c, &k, MDB_LAST);
}

int
idx_cursor_get(struct idx_cursor *c, const void **key, size_t *klen,
               const void **val, size_t *vlen)
{
    MDB_val k, v;
    int rc = mdb_cursor_get(c->cur, &k, &v, MDB_GET_CURRENT);

    if (rc != 0)
        return idx_err(rc);
    if (key) {
        *key = k.mv_data;
        *klen = k.mv_size;
    }
    if (val) {
        *val = v.mv_data;
        *vlen = v.mv_size;
    }
    return SE_OK;
}
