/*
 * reader.c - documents from text files, JSON Lines files, folders and
 * standard input (the contract is in reader.h).
 *
 * The idea: one input buffer per reader, filled by large read(2) calls
 * (RD_CHUNK, or a whole text file at once when its size is known). JSON
 * lines are found with memchr() and parsed in place by cJSON, so a line
 * costs no copy before parsing; a line longer than the buffer grows it
 * (doubling) up to max_doc. The cJSON tree of the current line lives until
 * the next rd_next(), and the document's strings point into it or into the
 * input buffer.
 *
 * Folders: a stack of frames, one per open folder level, each holding that
 * folder's entry names read at once and sorted (so the walk is
 * deterministic and holds no directory handle open while documents are
 * read). Every folder entered is recorded by (st_dev, st_ino) in a hash
 * set; one already there is passed over, which ends link loops.
 *
 * Every file is read through decompress.c (a plain file passes through
 * it); SGML documents are found and parsed by sgml.c, whole documents
 * held in the buffer as JSON lines are.
 *
 * Relies on POSIX (open/read/fstat/opendir) and cJSON >= 1.7.13
 * (cJSON_ParseWithLengthOpts).
 */
#include "reader.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "decompress.h"
#include "error.h"
#include "sgml.h"

/* Buffer size for streaming JSON lines: 1 MiB makes read(2) calls rare. */
#define RD_CHUNK ((size_t)1 << 20)
/* Never call read(2) with less free space than this. */
#define RD_MIN_READ ((size_t)64 << 10)
/* A buffer grown past this for one big input is freed after it. */
#define RD_KEEP_MAX (16 * RD_CHUNK)
/* Text files with a NUL byte in this many first bytes are binary (git and
 * grep look at about as much). */
#define RD_BINARY_PROBE 8192
/* RD_AUTO looks at most this far into a file for its first element. */
#define RD_SNIFF_MAX ((size_t)1 << 20)

/* ---------------------------------------------------------------------- */
/* Set of folders visited: open addressing on (st_dev, st_ino).            */

struct rd_dirid {
    dev_t dev;
    ino_t ino;
    int used;
};

struct rd_seen {
    struct rd_dirid *slot;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

static size_t
seen_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * UINT64_C(0x9e3779b97f4a7c15) ^
                 (uint64_t)dev * UINT64_C(0xc2b2ae3d27d4eb4f);

    return (size_t)(h ^ (h >> 31));
}

/* 1 if (dev, ino) was added, 0 if it was there already, or SE_ENOMEM. */
static int
seen_add(struct rd_seen *s, dev_t dev, ino_t ino)
{
    size_t i, j, mask, cap;
    struct rd_dirid *slot;

    if (s->n + 1 > s->cap / 2) { /* keep the load at most 1/2 */
        cap = s->cap ? s->cap * 2 : 64;
        slot = calloc(cap, sizeof *slot);
        if (slot == NULL)
            return SE_ENOMEM;
        for (i = 0; i < s->cap; i++) {
            if (!s->slot[i].used)
                continue;
            j = seen_hash(s->slot[i].dev, s->slot[i].ino) & (cap - 1);
            while (slot[j].used)
                j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    mask = s->cap - 1;
    for (i = seen_hash(dev, ino) & mask; s->slot[i].used; i = (i + 1) & mask)
        if (s->slot[i].dev == dev && s->slot[i].ino == ino)
            return 0;
    s->slot[i].dev = dev;
    s->slot[i].ino = ino;
    s->slot[i].used = 1;
    s->n++;
    return 1;
}

static void
seen_release(struct rd_seen *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}

/* ---------------------------------------------------------------------- */
/* Folder walk.                                                            */

struct rd_frame {
    char *names;    /* the entries' names, NUL-terminated, one after another */
    char **sorted;  /* pointers into names, in strcmp() order */
    size_t n;       /* entries */
    size_t next;    /* index of the next entry to look at */
    size_t pathlen; /* length of this folder's path in rd_walk.path */
};

struct rd_walk {
    struct rd_frame *fr;
    size_t depth, cap;
    struct buf path; /* folder or file looked at last, NUL-terminated */
    struct rd_seen *seen;
};

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Read the folder at w->path and push it. 1 if pushed, 0 if it was visited
 * before, SE_EIO (errno kept) or SE_ENOMEM.
 */
static int
walk_push(struct rd_walk *w)
{
    struct buf names = BUF_INIT;
    struct rd_frame *f;
    struct dirent *de;
    struct stat st;
    char **sorted = NULL;
    DIR *d;
    size_t n = 0, i, off;
    int rc, err;

    d = opendir(buf_cstr(&w->path));
    if (d == NULL)
        return SE_EIO;
    rc = SE_EIO;
    if (fstat(dirfd(d), &st) != 0)
        goto fail;
    rc = seen_add(w->seen, st.st_dev, st.st_ino);
    if (rc <= 0)
        goto fail; /* 0: visited before, nothing to push */
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            rc = SE_EIO;
            if (errno != 0)
                goto fail;
            break;
        }
        if (de->d_name[0] == '.') /* hidden, and "." and ".." */
            continue;
        rc = buf_append(&names, de->d_name, strlen(de->d_name) + 1);
        if (rc != SE_OK)
            goto fail;
        n++;
    }
    closedir(d);
    d = NULL;
    rc = SE_ENOMEM;
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        f = realloc(w->fr, cap * sizeof *f);
        if (f == NULL)
            goto fail;
        w->fr = f;
        w->cap = cap;
    }
    if (n > 0) {
        sorted = malloc(n * sizeof *sorted);
        if (sorted == NULL)
            goto fail;
        for (i = 0, off = 0; i < n; i++) {
            sorted[i] = (char *)names.data + off;
            off += strlen(sorted[i]) + 1;
        }
        qsort(sorted, n, sizeof *sorted, cmp_name);
    }
    f = &w->fr[w->depth++];
    f->names = (char *)buf_detach(&names, NULL);
    f->sorted = sorted;
    f->n = n;
    f->next = 0;
    f->pathlen = w->path.len;
    return 1;
fail:
    err = errno;
    if (d != NULL)
        closedir(d);
    buf_release(&names);
    errno = err;
    return rc;
}

static void
walk_release(struct rd_walk *w)
{
    while (w->depth > 0) {
        w->depth--;
        free(w->fr[w->depth].sorted);
        free(w->fr[w->depth].names);
    }
    free(w->fr);
    w->fr = NULL;
    w->cap = 0;
    buf_release(&w->path);
}

/*
 * Start walking the folder `root`, recording folders in `seen`. 1 if
 * started, 0 if `root` was visited before (the walk is empty), SE_EIO or
 * SE_ENOMEM (w->path names the folder).
 */
static int
walk_start(struct rd_walk *w, const char *root, struct rd_seen *seen)
{
    size_t len = strlen(root);
    int rc;

    while (len > 1 && root[len - 1] == '/') /* "dir/" -> "dir/a", not "//" */
        len--;
    w->seen = seen;
    buf_clear(&w->path);
    rc = buf_append(&w->path, root, len);
    if (rc != SE_OK)
        return rc;
    return walk_push(w);
}

/*
 * The next regular file of the walk: 1 with its path in w->path and its
 * stat(2) in *st; 0 at the end; SE_EIO (errno kept) for the entry named by
 * w->path, after which the walk can go on; SE_ENOMEM.
 */
static int
walk_next(struct rd_walk *w, struct stat *st)
{
    struct rd_frame *f;
    const char *name;
    int rc;

    while (w->depth > 0) {
        f = &w->fr[w->depth - 1];
        if (f->next == f->n) {
            free(f->sorted);
            free(f->names);
            w->depth--;
            continue;
        }
        name = f->sorted[f->next++];
        w->path.len = f->pathlen;
        if (w->path.data[w->path.len - 1] != '/') { /* root "/" has one */
            rc = buf_putc(&w->path, '/');
            if (rc != SE_OK)
                return rc;
        }
        rc = buf_puts(&w->path, name);
        if (rc != SE_OK)
            return rc;
        if (stat(buf_cstr(&w->path), st) != 0) /* follows links */
            return SE_EIO;
        if (S_ISDIR(st->st_mode)) {
            rc = walk_push(w); /* may move w->fr: f is stale now */
            if (rc < 0)
                return rc;
        } else if (S_ISREG(st->st_mode)) {
            return 1;
        }
        /* fifos, sockets, devices: not documents */
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The reader.                                                             */

struct rd_source {
    char *name; /* path as given, or the name of a descriptor */
    int fd;     /* -1 for a path */
    enum rd_format fmt;
};

struct rd_reader {
    struct rd_options opt;
    struct rd_source *src;
    size_t nsrc, capsrc, isrc; /* isrc: the next source to open */

    struct rd_seen seen; /* folders visited by this reader */
    struct rd_walk walk;
    int walking;            /* walk holds the folder being read */
    enum rd_format walkfmt; /* format asked for the folder being read */

    /* The file being read. */
    int fd;      /* -1: none */
    int own_fd;  /* opened here, so closed here */
    int in_walk; /* found by a walk: I/O problems are warnings */
    enum rd_format fmt;
    struct buf name; /* its path, NUL-terminated */
    uint64_t size;   /* its size when a regular file, else 0 */
    uint64_t done;   /* bytes read from it (compressed bytes) */
    uint64_t lineno; /* lines of it consumed */
    int eof;
    int discard;   /* dropping the rest of an over-long JSON line, or SGML
                      up to the next start tag */
    struct dz *dz; /* reads the file, decompressing when it is compressed */
    int plain;     /* the file is not compressed: its size is its text's */

    struct sgml_doc sg; /* fields of the last SGML document */

    /* Unread input is in[pos, end); no '\n' in in[pos, scan); end < cap
     * always, so in[end] can take a NUL. */
    unsigned char *in;
    size_t cap, pos, end, scan;

    cJSON *json;   /* tree of the last JSON line */
    struct buf id; /* generated or numeric id */
    struct buf msg;
    int err;  /* fatal error: returned by every rd_next() from now on */
    int warn; /* the last problem was a warning */
    int saved_errno;

    uint64_t bytes_read;
    uint64_t total;
    int total_known;
};

/* Set the message; errno is left as it was. */
static void set_msg(struct rd_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_msg(struct rd_reader *r, const char *fmt, ...)
{
    va_list ap;
    int n, err = errno;

    buf_clear(&r->msg);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && buf_reserve(&r->msg, (size_t)n) == SE_OK) {
        va_start(ap, fmt);
        vsnprintf((char *)r->msg.data, (size_t)n + 1, fmt, ap);
        va_end(ap);
        r->msg.len = (size_t)n;
    }
    r->saved_errno = err;
    errno = err;
}

/* Record the kind of the problem just described and return `code`. */
static int
problem(struct rd_reader *r, int code, int warn)
{
    r->warn = warn;
    if (!warn)
        r->err = code;
    errno = r->saved_errno;
    return code;
}

static int
no_memory(struct rd_reader *r)
{
    set_msg(r, "%s", se_strerror(SE_ENOMEM));
    return problem(r, SE_ENOMEM, 0);
}

/* A system call failed on `path`: errno says why. */
static int
sys_problem(struct rd_reader *r, const char *path, int warn)
{
    set_msg(r, "%s: %s", path, strerror(errno));
    return problem(r, SE_EIO, warn);
}

static void
close_file(struct rd_reader *r)
{
    if (r->fd >= 0 && r->own_fd)
        close(r->fd);
    r->fd = -1;
}

/* The current file is given up: it counts as read for progress. */
static void
skip_file(struct rd_reader *r)
{
    if (r->size > r->done)
        r->bytes_read += r->size - r->done;
    close_file(r);
}

/* Make the input buffer hold at least `need` bytes. */
static int
grow(struct rd_reader *r, size_t need)
{
    size_t cap = r->cap ? r->cap : RD_CHUNK;
    unsigned char *p;

    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return SE_ENOMEM;
        cap *= 2;
    }
    if (cap == r->cap)
        return SE_OK;
    p = realloc(r->in, cap);
    if (p == NULL)
        return SE_ENOMEM;
    r->in = p;
    r->cap = cap;
    return SE_OK;
}

/*
 * Read more of the current file after in[end], moving the unread bytes to
 * the front or growing the buffer when little room is left. SE_OK (r->eof
 * set at the end), SE_EIO (errno kept), SE_ECORRUPT (bad compressed data)
 * or SE_ENOMEM.
 */
static int
fill(struct rd_reader *r)
{
    uint64_t before;
    size_t n;
    int rc;

    if (r->cap - r->end < RD_MIN_READ + 1) {
        if (r->pos > 0) {
            memmove(r->in, r->in + r->pos, r->end - r->pos);
            r->end -= r->pos;
            r->scan -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->end < RD_MIN_READ + 1) {
            rc = grow(r, r->end + RD_MIN_READ + 1);
            if (rc != SE_OK)
                return rc;
        }
    }
    before = dz_raw_bytes(r->dz);
    rc = dz_read(r->dz, r->in + r->end, r->cap - r->end - 1, &n);
    r->done += dz_raw_bytes(r->dz) - before;
    r->bytes_read += dz_raw_bytes(r->dz) - before;
    if (rc != SE_OK)
        return rc;
    if (n == 0)
        r->eof = 1;
    r->end += n;
    return SE_OK;
}

/*
 * A read of the current file failed with `rc` while reading line `line`
 * (0: unknown). A read error is a warning in a walk; bad compressed data is
 * bad input, a warning with skip_bad; either way the rest of the file is
 * skipped.
 */
static int
read_problem(struct rd_reader *r, int rc, uint64_t line)
{
    const char *name = (const char *)r->name.data;
    int warn = r->in_walk;

    if (rc == SE_ENOMEM)
        return no_memory(r);
    if (rc == SE_ECORRUPT) {
        warn = r->opt.skip_bad;
        if (line > 0)
            set_msg(r, "%s:%" PRIu64 ": %s", name, line, dz_error(r->dz));
        else
            set_msg(r, "%s: %s", name, dz_error(r->dz));
    } else {
        rc = SE_EIO;
        set_msg(r, "%s: %s", name, strerror(errno));
    }
    if (warn)
        skip_file(r);
    return problem(r, rc, warn);
}

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* 1 if [s, s + n) ends with `suffix`, in any case. */
static int
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);

    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

/*
 * RD_JSONL for a name ending in .jsonl, .ndjson or .json, before a
 * compression suffix if there is one; RD_AUTO otherwise (the content
 * decides).
 */
static enum rd_format
format_of(const char *name)
{
    static const char *const packed[] = {".gz", ".xz", ".zst", ".zstd"};
    const char *base = strrchr(name, '/');
    size_t n, i;

    base = base ? base + 1 : name;
    n = strlen(base);
    for (i = 0; i < sizeof packed / sizeof packed[0]; i++)
        if (ends_with(base, n, packed[i])) {
            n -= strlen(packed[i]);
            break;
        }
    if (ends_with(base, n, ".jsonl") || ends_with(base, n, ".ndjson") ||
        ends_with(base, n, ".json"))
        return RD_JSONL;
    return RD_AUTO;
}

/*
 * Settle RD_AUTO from the first bytes of the current file (after a BOM):
 * trec or reuters when its first element is <DOC> or <REUTERS>, jsonl
 * when its first byte that is not white space is '{' and `json_ok`, text
 * otherwise. SE_OK or a problem.
 */
static int
sniff(struct rd_reader *r, int json_ok)
{
    enum sgml_kind found;
    enum sgml_scan k;
    size_t at, n;
    int rc;

    for (;;) {
        n = r->end - r->pos;
        k = sgml_between(SGML_ANY, (const char *)r->in + r->pos, n, r->eof, &at,
                         &found);
        if (k == SGML_START) {
            r->fmt = found == SGML_REUTERS ? RD_REUTERS : RD_TREC;
            return SE_OK;
        }
        if (k == SGML_EOF || k == SGML_OTHER || n > RD_SNIFF_MAX) {
            r->fmt = json_ok && at < n && r->in[r->pos + at] == '{' ? RD_JSONL
                                                                    : RD_TEXT;
            return SE_OK;
        }
        rc = fill(r);
        if (rc != SE_OK)
            return read_problem(r, rc, 0);
    }
}

/*
 * Make `fd` the current file: read its first bytes (which tell whether it
 * is compressed), drop a UTF-8 byte order mark, and settle RD_AUTO by
 * sniffing; '{' means jsonl only if `json_ok` or the file is compressed
 * (its name then says nothing). 1 on success, or a problem.
 */
static int
begin_file(struct rd_reader *r, const char *name, int fd, int own, int in_walk,
           enum rd_format fmt, uint64_t size, int json_ok)
{
    int rc;

    r->fd = fd;
    r->own_fd = own;
    r->in_walk = in_walk;
    r->fmt = fmt;
    r->size = size;
    r->done = r->lineno = 0;
    r->eof = r->discard = 0;
    r->pos = r->end = r->scan = 0;
    dz_start(r->dz, fd);
    buf_clear(&r->name);
    rc = buf_puts(&r->name, name);
    buf_cstr(&r->name); /* NUL-terminate; allocates even for "" */
    if (rc != SE_OK || r->name.data == NULL)
        return no_memory(r);
    if (r->cap > RD_KEEP_MAX) { /* do not keep the last giant's memory */
        free(r->in);
        r->in = NULL;
        r->cap = 0;
    }
    /* A text file known to fit is read at once: one read(2) and one more
     * to see its end. */
    rc = grow(r, (fmt == RD_TEXT || (fmt == RD_AUTO && size <= RD_KEEP_MAX)) &&
                         size > 0 && size <= r->opt.max_doc
                     ? (size_t)size + RD_MIN_READ + 1
                     : RD_CHUNK);
    if (rc != SE_OK)
        return no_memory(r);
#ifdef POSIX_FADV_SEQUENTIAL
    if (size > 0)
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    while (r->end < 3 && !r->eof) {
        rc = fill(r);
        if (rc != SE_OK)
            return read_problem(r, rc, 0);
    }
    r->plain = dz_kind(r->dz) == DZ_PLAIN;
    if (r->end >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
        r->pos = r->scan = 3;
    if (fmt == RD_AUTO) {
        rc = sniff(r, json_ok || !r->plain);
        if (rc != SE_OK)
            return rc;
    }
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Text files.                                                             */

/* End of the line starting at p: its '\n', or e. */
static unsigned char *
line_end(unsigned char *p, unsigned char *e)
{
    unsigned char *nl = memchr(p, '\n', (size_t)(e - p));

    return nl ? nl : e;
}

/* The first line at or after p holding more than white space, or e. */
static unsigned char *
skip_blank_lines(unsigned char *p, unsigned char *e)
{
    unsigned char *q, *le;

    while (p < e) {
        le = line_end(p, e);
        for (q = p; q < le && is_space(*q); q++)
            ;
        if (q < le)
            return p;
        p = le < e ? le + 1 : e;
    }
    return e;
}

/*
 * Split the whole file in[pos, end) into title and body (see reader.h).
 * 1 with *doc filled, 0 if the file holds only white space.
 */
static int
text_doc(struct rd_reader *r, struct rd_doc *doc)
{
    unsigned char *s = r->in + r->pos, *e = r->in + r->end;
    unsigned char *p, *le, *t0, *t1;

    *e = '\0'; /* end < cap */
    p = skip_blank_lines(s, e);
    if (p == e)
        return 0;
    le = line_end(p, e);
    for (t0 = p; is_space(*t0); t0++) /* stops: the line is not blank */
        ;
    for (t1 = le; is_space(t1[-1]); t1--)
        ;
    doc->title = "";
    doc->title_len = 0;
    if ((size_t)(t1 - t0) <= RD_TITLE_MAX) {
        p = skip_blank_lines(le < e ? le + 1 : e, e);
        *t1 = '\0'; /* in[t1] is white space, '\n' or in[end]: not body */
        doc->title = (const char *)t0;
        doc->title_len = (size_t)(t1 - t0);
    }
    doc->id = doc->source = (const char *)r->name.data;
    doc->id_len = r->name.len;
    doc->date = "";
    doc->date_len = 0;
    doc->body = (const char *)p;
    doc->body_len = (size_t)(e - p);
    doc->line = 0;
    return 1;
}

/*
 * Read the rest of the current text file and make it a document. 1, 0 for
 * a blank file, or a problem. The file is closed in every case.
 */
static int
read_text(struct rd_reader *r, struct rd_doc *doc)
{
    int probed = 0, rc;
    size_t n;

    for (;;) {
        n = r->end - r->pos;
        if (!probed && (n >= RD_BINARY_PROBE || r->eof)) {
            if (memchr(r->in + r->pos, '\0',
                       n < RD_BINARY_PROBE ? n : RD_BINARY_PROBE)) {
                set_msg(r, "%s: binary file skipped",
                        (const char *)r->name.data);
                skip_file(r);
                return problem(r, SE_EINVAL, 1);
            }
            probed = 1;
        }
        if (n > r->opt.max_doc || (r->plain && r->size > r->opt.max_doc)) {
            set_msg(r, "%s: file larger than %zu bytes skipped",
                    (const char *)r->name.data, r->opt.max_doc);
            skip_file(r);
            return problem(r, SE_ELIMIT, 1);
        }
        if (r->eof)
            break;
        rc = fill(r);
        if (rc != SE_OK)
            return read_problem(r, rc, 0);
    }
    close_file(r);
    return text_doc(r, doc);
}

/* ---------------------------------------------------------------------- */
/* JSON Lines.                                                             */

/* Bad input at `line`: an error, or a warning with skip_bad. */
static int bad_at(struct rd_reader *r, uint64_t line, int code, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

static int
bad_at(struct rd_reader *r, uint64_t line, int code, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    set_msg(r, "%s:%" PRIu64 ": %s", (const char *)r->name.data, line, what);
    return problem(r, code, r->opt.skip_bad);
}

/* A bad JSON line (the last one counted). */
#define bad_line(r, code, ...) bad_at((r), (r)->lineno, (code), __VA_ARGS__)

static int
hex4(const char *p, const char *e, unsigned *u)
{
    unsigned v = 0;
    int i, c;

    if (e - p < 4)
        return 0;
    for (i = 0; i < 4; i++) {
        c = (unsigned char)p[i];
        if (c >= '0' && c <= '9')
            v = v * 16 + (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v = v * 16 + (unsigned)((c | 0x20) - 'a' + 10);
        else
            return 0;
    }
    *u = v;
    return 1;
}

/*
 * cJSON rejects a \u escape of a lone UTF-16 surrogate, which some writers
 * emit for text they could not encode (Python's json.dumps of a string
 * holding surrogateescape bytes, for one). Rewrite each as \ufffd: the same
 * 6 bytes, so columns stay right. Outside strings a backslash is invalid
 * anyway, so escapes can be found without tracking strings. 1 if the line
 * changed.
 */
static int
fix_surrogates(char *s, size_t len)
{
    char *p = s, *e = s + len;
    unsigned u, v;
    int changed = 0;

    while ((p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
        if (e - p < 2)
            break;
        if (p[1] != 'u' || !hex4(p + 2, e, &u)) {
            p += 2; /* "\\" must not start a second escape */
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF && e - p >= 12 && p[6] == '\\' &&
            p[7] == 'u' && hex4(p + 8, e, &v) && v >= 0xDC00 && v <= 0xDFFF) {
            p += 12; /* a valid pair */
            continue;
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            memcpy(p + 2, "fffd", 4);
            changed = 1;
        }
        p += 6;
    }
    return changed;
}

static const char *
skip_ws(const char *p, const char *e)
{
    while (p < e && (is_space((unsigned char)*p) || *p == '\n'))
        p++;
    return p;
}

/* p at '"': the byte after the closing quote, or NULL. */
static const char *
skip_string(const char *p, const char *e)
{
    for (p++; p < e; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\' && ++p == e)
            return NULL;
    }
    return NULL;
}

static int
is_delim(char c)
{
    return c == ',' || c == ':' || c == ']' || c == '}' || c == '"' ||
           c == '[' || c == '{' ||
           (unsigned char)c <= ' '; /* cJSON skips all of these as space */
}

/* The end of the JSON value at p, or NULL. Always advances. */
static const char *
skip_value(const char *p, const char *e)
{
    const char *q;
    long depth = 0;

    do {
        p = skip_ws(p, e);
        if (p == e)
            return NULL;
        if (*p == '"') {
            p = skip_string(p, e);
            if (p == NULL)
                return NULL;
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            p++;
        } else if (*p == ',' || *p == ':') {
            p++;
        } else {
            for (q = p; q < e && !is_delim(*q); q++)
                ;
            p = q > p ? q : p + 1;
        }
    } while (depth > 0);
    return p;
}

/*
 * The raw text of the value of the first top-level key `key` in the object
 * [s, e), which cJSON has accepted. 1 if found. Keys are compared as
 * written, escapes and all.
 */
static int
raw_field(const char *s, const char *e, const char *key, const char **v,
          size_t *vlen)
{
    size_t klen = strlen(key);
    const char *p, *q, *k;
    int match;

    p = skip_ws(s, e);
    if (p == e || *p != '{')
        return 0;
    for (p++;;) {
        p = skip_ws(p, e);
        if (p == e || *p != '"')
            return 0;
        k = p + 1;
        q = skip_string(p, e);
        if (q == NULL)
            return 0;
        match = (size_t)(q - 1 - k) == klen && memcmp(k, key, klen) == 0;
        p = skip_ws(q, e);
        if (p == e || *p != ':')
            return 0;
        p = skip_ws(p + 1, e);
        q = skip_value(p, e);
        if (q == NULL)
            return 0;
        if (match) {
            *v = p;
            *vlen = (size_t)(q - p);
            return 1;
        }
        p = skip_ws(q, e);
        if (p == e || *p != ',')
            return 0;
        p++;
    }
}

static const char *
type_name(const cJSON *j)
{
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsObject(j))
        return "an object";
    if (cJSON_IsNull(j))
        return "null";
    return "an unknown value";
}

/* String field `key` of the line's object: absent or null = "". 0 or a
 * problem. */
static int
get_string(struct rd_reader *r, const char *key, const char **s, size_t *len)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r->json, key);

    *s = "";
    *len = 0;
    if (f == NULL || cJSON_IsNull(f))
        return 0;
    if (!cJSON_IsString(f) || f->valuestring == NULL)
        return bad_line(r, SE_EINVAL, "field \"%s\": expected a string, got %s",
                        key, type_name(f));
    *s = f->valuestring;
    *len = strlen(f->valuestring);
    return 0;
}

/* The id of the line [s, s + len). 0 or a problem. */
static int
get_id(struct rd_reader *r, const char *s, size_t len, struct rd_doc *doc)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r->json, "id");
    const char *v;
    size_t vlen;
    int rc;

    buf_clear(&r->id);
    if (cJSON_IsString(f) && f->valuestring != NULL &&
        f->valuestring[0] != '\0') {
        doc->id = f->valuestring;
        doc->id_len = strlen(f->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(f)) {
        /* the number as written: a double would round 64-bit ids */
        if (raw_field(s, s + len, "id", &v, &vlen) && vlen > 0 &&
            (*v == '-' || (*v >= '0' && *v <= '9')))
            rc = buf_append(&r->id, v, vlen);
        else
            rc = buf_printf(&r->id, "%.17g", f->valuedouble);
    } else if (f == NULL || cJSON_IsNull(f) || cJSON_IsString(f)) {
        rc = buf_printf(&r->id, "%s:%" PRIu64, (const char *)r->name.data,
                        r->lineno);
    } else {
        return bad_line(r, SE_EINVAL,
                        "field \"id\": expected a string or a number, got %s",
                        type_name(f));
    }
    buf_cstr(&r->id);
    if (rc != SE_OK || r->id.data == NULL)
        return no_memory(r);
    doc->id = (const char *)r->id.data;
    doc->id_len = r->id.len;
    return 0;
}

/* Parse the line [s, s + len), NUL-terminated, into *doc. 1 or a problem. */
static int
json_doc(struct rd_reader *r, char *s, size_t len, struct rd_doc *doc)
{
    const char *end = NULL, *p;
    int rc;

    /* The length-and-end variant: the failure position comes back here
     * rather than through cJSON_GetErrorPtr()'s global. */
    r->json = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (r->json == NULL && fix_surrogates(s, len))
        r->json = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (r->json == NULL) {
        p = skip_ws(s, s + len);
        if (end == NULL || end < s || end > s + len)
            end = s;
        if (s + len - p == 1 && (*p == '{' || *p == '['))
            return bad_line(r, SE_EINVAL,
                            "invalid JSON at column %zu (JSON Lines: one "
                            "object per line)",
                            (size_t)(end - s) + 1);
        return bad_line(r, SE_EINVAL, "invalid JSON at column %zu",
                        (size_t)(end - s) + 1);
    }
    p = skip_ws(end, s + len);
    if (p < s + len)
        return bad_line(r, SE_EINVAL,
                        "unexpected text after the object at column %zu",
                        (size_t)(p - s) + 1);
    if (!cJSON_IsObject(r->json))
        return bad_line(r, SE_EINVAL, "expected a JSON object, got %s",
                        type_name(r->json));
    rc = get_id(r, s, len, doc);
    if (rc == 0)
        rc = get_string(r, "title", &doc->title, &doc->title_len);
    if (rc == 0)
        rc = get_string(r, "date", &doc->date, &doc->date_len);
    if (rc == 0)
        rc = get_string(r, "body", &doc->body, &doc->body_len);
    if (rc < 0) {
        memset(doc, 0, sizeof *doc);
        return rc;
    }
    doc->source = (const char *)r->name.data;
    doc->line = r->lineno;
    return 1;
}

/* The next line's document of the current JSON Lines file: 1, 0 at its
 * end, or a problem. */
static int
next_json(struct rd_reader *r, struct rd_doc *doc)
{
    unsigned char *nl, *s, *e;
    int rc;

    for (;;) {
        nl = memchr(r->in + r->scan, '\n', r->end - r->scan);
        if (r->discard) { /* the rest of an over-long line */
            r->pos = r->scan = nl ? (size_t)(nl - r->in) + 1 : r->end;
            r->discard = nl == NULL && !r->eof;
            if (r->discard && (rc = fill(r)) != SE_OK)
                return read_problem(r, rc, r->lineno);
            continue;
        }
        if (nl == NULL && r->end - r->pos > r->opt.max_doc) {
            r->lineno++;
            rc = bad_line(r, SE_ELIMIT, "line longer than %zu bytes",
                          r->opt.max_doc);
            r->pos = r->scan = r->end;
            r->discard = 1;
            return rc;
        }
        if (nl == NULL && !r->eof) {
            r->scan = r->end;
            rc = fill(r);
            if (rc != SE_OK)
                return read_problem(r, rc, r->lineno + 1);
            continue;
        }
        if (nl == NULL && r->pos == r->end)
            return 0;
        s = r->in + r->pos;
        e = nl ? nl : r->in + r->end; /* a last line without '\n' */
        r->pos = r->scan = (size_t)(e - r->in) + (nl != NULL);
        r->lineno++;
        if ((size_t)(e - s) > r->opt.max_doc)
            return bad_line(r, SE_ELIMIT, "line longer than %zu bytes",
                            r->opt.max_doc);
        if (e > s && e[-1] == '\r')
            e--;
        *e = '\0'; /* over the '\n', or in[end] */
        if (skip_ws((char *)s, (char *)e) == (char *)e)
            continue; /* blank line */
        return json_doc(r, (char *)s, (size_t)(e - s), doc);
    }
}

/* ---------------------------------------------------------------------- */
/* SGML: TREC and Reuters-21578.                                           */

/* Consume in[pos, pos + n), counting its lines. */
static void
consume(struct rd_reader *r, size_t n)
{
    const unsigned char *p = r->in + r->pos, *e = p + n;

    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        r->lineno++;
        p++;
    }
    r->pos += n;
    r->scan = r->pos;
}

/* The start of the text at pos, for a message: up to its line's end, at
 * most 24 bytes, anything not printable ASCII as '?'. */
static const char *
excerpt(const struct rd_reader *r, char out[32])
{
    size_t i;

    for (i = 0; i < 24 && r->pos + i < r->end; i++) {
        unsigned char c = r->in[r->pos + i];
        if (c == '\n' || c == '\r')
            break;
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[i] = '\0';
    return out;
}

/*
 * Skip to the next start tag after a bad document (r->discard). 1 when
 * the next document's start tag (or the end of the file) is at pos, or a
 * problem.
 */
static int
resync(struct rd_reader *r, enum sgml_kind kind)
{
    enum sgml_scan k;
    size_t at;
    int rc;

    for (;;) {
        k = sgml_scan(kind, (const char *)r->in + r->pos, r->end - r->pos,
                      r->scan - r->pos, &at);
        if (k != SGML_MORE || r->eof) {
            consume(r, k == SGML_MORE ? r->end - r->pos : at);
            r->discard = 0;
            return 1;
        }
        consume(r, at); /* keeps a tag cut by the end of the bytes */
        rc = fill(r);
        if (rc != SE_OK)
            return read_problem(r, rc, r->lineno + 1);
    }
}

/* The next document of the current SGML file: 1, 0 at its end, or a
 * problem. Messages name the line where the document starts. */
static int
next_sgml(struct rd_reader *r, struct rd_doc *doc)
{
    enum sgml_kind kind = r->fmt == RD_REUTERS ? SGML_REUTERS : SGML_TREC;
    const char *tag = kind == SGML_REUTERS ? "REUTERS" : "DOC";
    enum sgml_kind found;
    enum sgml_scan k;
    size_t at;
    uint64_t line;
    char why[96], text[32];
    int rc;

    for (;;) {
        if (r->discard && (rc = resync(r, kind)) != 1)
            return rc;
        k = sgml_between(kind, (const char *)r->in + r->pos, r->end - r->pos,
                         r->eof, &at, &found);
        consume(r, at);
        if (k == SGML_EOF)
            return 0;
        if (k == SGML_MORE) {
            rc = fill(r);
            if (rc != SE_OK)
                return read_problem(r, rc, r->lineno + 1);
            continue;
        }
        line = r->lineno + 1;
        if (k == SGML_OTHER) {
            r->discard = 1;
            rc = bad_at(r, line, SE_EINVAL, "expected <%s>, found \"%s\"", tag,
                        excerpt(r, text));
            r->scan = r->pos + 1; /* what is at pos is no start tag */
            return rc;
        }
        /* a start tag at pos: find the end tag */
        if (r->scan <= r->pos)
            r->scan = r->pos + 1;
        k = sgml_scan(kind, (const char *)r->in + r->pos, r->end - r->pos,
                      r->scan - r->pos, &at);
        if (k == SGML_MORE) {
            r->scan = r->pos + at;
            if (r->end - r->pos > r->opt.max_doc || r->eof) {
                r->discard = 1;
                r->scan = r->pos + 1;
                if (r->eof)
                    return bad_at(r, line, SE_EINVAL,
                                  "<%s> without </%s> before the end of the "
                                  "file",
                                  tag, tag);
                return bad_at(r, line, SE_ELIMIT,
                              "document longer than %zu bytes", r->opt.max_doc);
            }
            rc = fill(r);
            if (rc != SE_OK)
                return read_problem(r, rc, line);
            continue;
        }
        if (k == SGML_START) { /* the next one starts before this ends */
            consume(r, at);
            return bad_at(r, line, SE_EINVAL, "<%s> without </%s>", tag, tag);
        }
        rc = sgml_parse(kind, (const char *)r->in + r->pos, at, &r->sg, why,
                        sizeof why);
        consume(r, at);
        if (rc == SE_ENOMEM)
            return no_memory(r);
        if (rc != SE_OK)
            return bad_at(r, line, rc, "%s", why);
        doc->id = (const char *)r->sg.id.data;
        doc->id_len = r->sg.id.len;
        doc->title = (const char *)r->sg.title.data;
        doc->title_len = r->sg.title.len;
        doc->date = (const char *)r->sg.date.data;
        doc->date_len = r->sg.date.len;
        doc->body = (const char *)r->sg.body.data;
        doc->body_len = r->sg.body.len;
        doc->source = (const char *)r->name.data;
        doc->line = line;
        return 1;
    }
}

/* ---------------------------------------------------------------------- */
/* Sources and the public functions.                                       */

/* Open the next file of the walk or of the sources: 1, 0 when there is
 * none left, or a problem. */
static int
open_next(struct rd_reader *r)
{
    struct rd_source *s;
    struct stat st;
    const char *path;
    enum rd_format fmt;
    int fd, rc;

    for (;;) {
        if (r->walking) {
            rc = walk_next(&r->walk, &st);
            if (rc == 0) {
                walk_release(&r->walk);
                r->walking = 0;
                continue;
            }
            if (rc == SE_ENOMEM)
                return no_memory(r);
            path = (const char *)r->walk.path.data;
            if (rc < 0)
                return sys_problem(r, path, 1);
            /* O_NONBLOCK: should the file have become a fifo since stat(),
             * open() must not wait for a writer. */
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) {
                r->bytes_read += (uint64_t)st.st_size;
                return sys_problem(r, path, 1);
            }
            if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                continue; /* changed under us: no longer a document */
            }
            fmt = r->walkfmt == RD_AUTO ? format_of(path) : r->walkfmt;
            return begin_file(r, path, fd, 1, 1, fmt, (uint64_t)st.st_size, 0);
        }
        if (r->isrc == r->nsrc)
            return 0;
        s = &r->src[r->isrc++];
        if (s->fd >= 0) {
            fmt = s->fmt == RD_AUTO ? format_of(s->name) : s->fmt;
            if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
                st.st_size = 0;
            return begin_file(r, s->name, s->fd, 0, 0, fmt,
                              (uint64_t)st.st_size, 1);
        }
        fd = open(s->name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return sys_problem(r, s->name, 0);
        if (fstat(fd, &st) != 0) {
            rc = sys_problem(r, s->name, 0);
            close(fd);
            return rc;
        }
        if (S_ISDIR(st.st_mode)) {
            close(fd);
            r->walkfmt = s->fmt;
            r->walking = 1;
            rc = walk_start(&r->walk, s->name, &r->seen);
            if (rc == SE_ENOMEM)
                return no_memory(r);
            if (rc < 0)
                return sys_problem(r, s->name, 0);
            continue;
        }
        fmt = s->fmt == RD_AUTO ? format_of(s->name) : s->fmt;
        return begin_file(r, s->name, fd, 1, 0, fmt,
                          S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, 0);
    }
}

int
rd_new(const struct rd_options *opt, struct rd_reader **out)
{
    struct rd_reader *r;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return SE_ENOMEM;
    if (opt != NULL)
        r->opt = *opt;
    if (r->opt.max_doc == 0)
        r->opt.max_doc = RD_MAX_DOC;
    r->fd = -1;
    if (dz_new(&r->dz) != SE_OK) {
        free(r);
        return SE_ENOMEM;
    }
    *out = r;
    return SE_OK;
}

void
rd_free(struct rd_reader *r)
{
    size_t i;

    if (r == NULL)
        return;
    close_file(r);
    walk_release(&r->walk);
    seen_release(&r->seen);
    for (i = 0; i < r->nsrc; i++)
        free(r->src[i].name);
    free(r->src);
    free(r->in);
    dz_free(r->dz);
    sgml_doc_release(&r->sg);
    cJSON_Delete(r->json);
    buf_release(&r->name);
    buf_release(&r->id);
    buf_release(&r->msg);
    free(r);
}

static int
add_source(struct rd_reader *r, const char *name, int fd, enum rd_format fmt)
{
    struct rd_source *s;
    size_t cap;

    if (fmt != RD_AUTO && fmt != RD_TEXT && fmt != RD_JSONL && fmt != RD_TREC &&
        fmt != RD_REUTERS) {
        set_msg(r, "%s: unknown input format", name);
        return SE_EINVAL;
    }
    if (r->nsrc == r->capsrc) {
        cap = r->capsrc ? r->capsrc * 2 : 8;
        s = realloc(r->src, cap * sizeof *s);
        if (s == NULL)
            return SE_ENOMEM;
        r->src = s;
        r->capsrc = cap;
    }
    s = &r->src[r->nsrc];
    s->name = strdup(name);
    if (s->name == NULL)
        return SE_ENOMEM;
    s->fd = fd;
    s->fmt = fmt;
    r->nsrc++;
    r->total_known = 0;
    return SE_OK;
}

int
rd_add_path(struct rd_reader *r, const char *path, enum rd_format fmt)
{
    struct stat st;

    if (strcmp(path, "-") == 0)
        return rd_add_fd(r, STDIN_FILENO, "-", fmt);
    if (stat(path, &st) != 0) {
        set_msg(r, "%s: %s", path, strerror(errno));
        return SE_EIO;
    }
    return add_source(r, path, -1, fmt);
}

int
rd_add_fd(struct rd_reader *r, int fd, const char *name, enum rd_format fmt)
{
    if (fd < 0) {
        set_msg(r, "%s: %s", name, strerror(EBADF));
        return SE_EINVAL;
    }
    return add_source(r, name, fd, fmt);
}

int
rd_next(struct rd_reader *r, struct rd_doc *doc)
{
    int rc;

    memset(doc, 0, sizeof *doc);
    if (r->err != 0) {
        r->warn = 0;
        errno = r->saved_errno;
        return r->err;
    }
    cJSON_Delete(r->json);
    r->json = NULL;
    for (;;) {
        if (r->fd < 0) {
            rc = open_next(r);
            if (rc <= 0)
                return rc;
        }
        if (r->fmt == RD_TEXT) {
            rc = read_text(r, doc); /* closes the file */
            if (rc == 0)
                continue; /* blank: no document */
            return rc;
        }
        if (r->fmt == RD_JSONL)
            rc = next_json(r, doc);
        else
            rc = next_sgml(r, doc);
        if (rc != 0)
            return rc;
        close_file(r);
    }
}

const char *
rd_error(const struct rd_reader *r)
{
    return r->msg.len > 0 ? (const char *)r->msg.data : "";
}

int
rd_warning(const struct rd_reader *r)
{
    return r->warn;
}

uint64_t
rd_bytes_read(const struct rd_reader *r)
{
    return r->bytes_read;
}

/* Sum of the regular files under the folder `root`, walked as rd_next()
 * would (sharing `seen` across roots); unreadable parts count 0. */
static uint64_t
folder_bytes(const char *root, struct rd_seen *seen)
{
    struct rd_walk w = {0};
    struct stat st;
    uint64_t sum = 0;
    int rc;

    rc = walk_start(&w, root, seen);
    while (rc >= 0 || rc == SE_EIO) {
        rc = walk_next(&w, &st);
        if (rc == 0)
            break;
        if (rc == 1)
            sum += (uint64_t)st.st_size;
    }
    walk_release(&w);
    return sum;
}

uint64_t
rd_total_bytes(struct rd_reader *r)
{
    struct rd_seen seen = {0};
    struct stat st;
    uint64_t sum = 0;
    size_t i;
    int rc;

    if (r->total_known)
        return r->total;
    for (i = 0; i < r->nsrc; i++) {
        if (r->src[i].fd >= 0)
            rc = fstat(r->src[i].fd, &st);
        else
            rc = stat(r->src[i].name, &st);
        if (rc != 0)
            continue; /* rd_next() will report it */
        if (S_ISREG(st.st_mode)) {
            sum += (uint64_t)st.st_size;
        } else if (S_ISDIR(st.st_mode) && r->src[i].fd < 0) {
            sum += folder_bytes(r->src[i].name, &seen);
        } else {
            sum = 0; /* a pipe or a device: size unknown */
            break;
        }
    }
    seen_release(&seen);
    r->total = sum;
    r->total_known = 1;
    return sum;
}
