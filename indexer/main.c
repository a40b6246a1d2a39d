/*
 * indexer - reads documents (text files, folders, JSON Lines, standard
 * input) and adds them to an index. Options, usage, progress and exit
 * status; the work is in common/ and reader.c.
 * Exit status: 0 success, 2 error (the index keeps its last commit),
 * 3 when --check finds the index corrupt, 1 when --delete names an id
 * that is not in the index.
 */
/* sched_getaffinity() and CPU_COUNT (Linux) for the default threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef SE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define JE_STR_(x) #x
#define JE_STR(x) JE_STR_(x)
#endif

#include "check.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "plist.h"
#include "reader.h"
#include "stemmer.h"
#include "writer.h"

#define SE_VERSION "0.1.0"

/*
 * The indexer is linked with jemalloc (Makefile; not in sanitizer builds,
 * whose runtimes bring their own malloc), which reads its options here. A
 * flush's workers free postings the inverter allocated: glibc takes the
 * inverter's arena lock for each, and with --threads 2 most context
 * switches were a worker waiting on it (combined: 3,300 context switches,
 * 250 with jemalloc, which hands such frees back in batches). Against
 * glibc, 9 of 10 interleaved A/B runs (bench/ab_index.sh; Reuters, x4, x16,
 * combined; 1 and 2 threads) were faster, by about 5% in the median; the
 * cost is memory held a little longer: x16's peak private memory under
 * --memory 256 went from 248 / 260 MB to 257 / 267 MB (1 / 2 threads,
 * make bench). Freed pages go back to the system within a second
 * (dirty_decay_ms, 10 s by default, which held 269 MB).
 */
const char *malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";

/*
 * Threads without --threads: two where the process may run on two cores
 * (its CPU affinity: taskset and container cpusets narrow it). The index
 * is the same whatever the count, and two threads index 1.4 to 1.8 times
 * as fast as one here (bench/RESULTS.md). Not more by default: the
 * inverter is one thread whatever the count, and on x16 under --memory
 * 256 each thread past two added about 20 MB of private memory (262 MB
 * with 2, 298 with 4, 345 with 8; bench/peak_anon.sh on this 2-core
 * machine).
 */
static unsigned
default_threads(void)
{
    cpu_set_t cpus;
    long n = sched_getaffinity(0, sizeof cpus, &cpus) == 0
                 ? CPU_COUNT(&cpus)
                 : sysconf(_SC_NPROCESSORS_ONLN);

    return n >= 2 ? 2 : 1;
}

/* Give the pages the writer freed back to the system now, not over the
 * next second: compaction maps the whole index meanwhile (x16's peak RSS,
 * private and mapped together: 569 MB without this, 491 MB with it, 496 MB
 * with glibc; make bench). */
static void
release_freed_memory(void)
{
#ifdef SE_JEMALLOC
    /* "arena.<MALLCTL_ARENAS_ALL>.purge": every arena */
    mallctl("arena." JE_STR(MALLCTL_ARENAS_ALL) ".purge", NULL, NULL, NULL, 0);
#endif
}

static const char usage[] =
    "usage: indexer [-i DIR] [options] PATH...\n"
    "Add documents to the index in DIR (created when missing). PATH is a\n"
    "file, a folder (read recursively) or - for standard input. A document\n"
    "whose id is already in the index replaces the old one.\n"
    "\n"
    "Formats (from the file name; --format overrides):\n"
    "  text   one document per file: id = path, title = first line\n"
    "  jsonl  one JSON object per line: {\"id\",\"title\",\"date\",\"body\"}\n"
    "         (.jsonl, .ndjson, .json)\n"
    "  trec   TREC SGML: <DOC><DOCNO>..</DOCNO>..<TEXT>..</TEXT></DOC>\n"
    "  reuters  Reuters-21578 .sgm: <REUTERS NEWID=\"n\">..</REUTERS>\n"
    "  (trec and reuters are told from the content)\n"
    "Any input may be compressed with gzip, xz or zstd (told from its\n"
    "first bytes); it is decompressed as it is read.\n"
    "\n"
    "Options:\n"
    "  -i, --index DIR      index directory (default ./index)\n"
    "      --format FMT     auto (default), text, jsonl, trec or reuters\n"
    "      --language NAME  stemming language of a new index (default\n"
    "                       english; 'none' for no stemming)\n"
    "      --memory MB      memory for a batch: postings, text and the\n"
    "                       pages its commit changes (default 256)\n"
    "      --title-weight N count title words N times (1 to 16, default 2;\n"
    "                       fixed when the index is created)\n"
    "      --threads N      threads in all (default 2 where the process\n"
    "                       may use two cores or more, else 1); N - 1\n"
    "                       workers tokenize and compress ahead of the\n"
    "                       inverter, and encode the word lists at each\n"
    "                       commit\n"
    "      --skip-bad       warn about bad input (a JSON line, an SGML\n"
    "                       document, compressed data) and go on\n"
    "      --delete ID...   remove the documents with these ids\n"
    "      --compact        rewrite the index compactly when done (alone:\n"
    "                       compact it now); done by default after a run\n"
    "                       of several commits that wrote most of it\n"
    "      --no-compact     never compact\n"
    "  -q, --quiet          no progress and no summary\n"
    "      --stats          print the index's counts and sizes per table\n"
    "      --check          verify the index (exit 0 sound, 3 corrupt)\n"
    "  -h, --help           this help\n"
    "  -V, --version        version\n"
    "\n"
    "Examples:\n"
    "  indexer -i index seeds/\n"
    "  indexer -i news --format jsonl ../shared/corpora/news/reuters21578/"
    "reuters21578.jsonl\n"
    "  xzcat news.jsonl.xz | indexer -i news --format jsonl -\n"
    "\n"
    "Exit status: 0 on success, 2 on error, 3 when --check finds the index\n"
    "corrupt. A run that fails leaves the\n"
    "index as it was at its last commit (the buffer is committed whenever\n"
    "it fills).\n";

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The message for `rc`: for SE_EIO, what errno says (ENOENT, EACCES...). */
static const char *
errstr(int rc)
{
    return rc == SE_EIO && errno != 0 ? strerror(errno) : se_strerror(rc);
}

/*
 * getopt_long() returned `opt` ('?' or ':', as opterr is 0) for `arg`
 * (argv[optind - 1]): say what was wrong, on one line, as every error is.
 */
static void
option_error(int opt, const char *arg)
{
    const char *eq = strchr(arg, '=');
    int n = eq && arg[1] == '-' ? (int)(eq - arg) : (int)strlen(arg);

    if (opt == ':')
        fprintf(stderr, "indexer: option '%s' needs a value", arg);
    else if (arg[0] == '-' && arg[1] == '-' && optopt != 0)
        fprintf(stderr, "indexer: option '%.*s' takes no value", n, arg);
    else if (arg[0] == '-' && arg[1] == '-')
        fprintf(stderr, "indexer: unknown option '%.*s'", n, arg);
    else
        fprintf(stderr, "indexer: unknown option '-%c'", optopt);
    fprintf(stderr, "; try 'indexer --help'\n");
}

static void
unknown_language(const char *name)
{
    const char **l = stem_languages();

    fprintf(stderr, "indexer: unknown language '%s' (languages:", name);
    for (; *l; l++)
        fprintf(stderr, " %s", *l);
    fprintf(stderr, ")\n");
}

/*
 * One indexer at a time on an index. LMDB admits one write transaction at a
 * time, not one run: a second run could slip in between two commits of the
 * first, and each would go on from counts and ids the other had changed (or
 * remove the directory the other had just made). So a run holds flock() on
 * the index directory from before it opens the index to its exit (the
 * kernel drops it when the process dies, SIGKILL included), and a second
 * run waits for it. Makes the directory when missing (*created = 1).
 * Returns the locked descriptor, or -1 when the directory cannot be opened
 * or locked (wr_open() then says why, or runs unlocked where flock() is
 * not supported).
 */
static int
lock_index(const char *dir, int quiet, int *created)
{
    struct stat a, b;
    int fd;

    for (;;) {
        *created = mkdir(dir, 0777) == 0;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK && !quiet)
                fprintf(stderr,
                        "indexer: %s: waiting for another indexer to finish\n",
                        dir);
            quiet = 1;
            if (errno != EWOULDBLOCK || flock(fd, LOCK_EX) != 0) {
                close(fd);
                return -1;
            }
        }
        /* The run we waited for may have removed the directory it made. */
        if (fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            return fd;
        close(fd);
    }
}

/* When the indexer rewrites the index compactly at the end of a run. */
enum compact_when {
    COMPACT_AFTER_BULK, /* when the run wrote most of it, in several commits */
    COMPACT_ALWAYS,     /* --compact */
    COMPACT_NEVER       /* --no-compact */
};

/*
 * Every commit of a run after its first inserts keys among those already
 * in the tables, which leaves pages part full, and frees the pages it
 * rewrites, which stay in the file (Reuters x16 at the default --memory,
 * 3 commits: 550 MB in use, 375 MB compacted; Reuters with --memory 24,
 * 5 commits: 62 MB, 28 MB). A run that wrote at least half of the index
 * pays for its copy; a small update to a large index does not.
 */
static int
should_compact(enum compact_when when, const struct wr_stats *st)
{
    if (when == COMPACT_AFTER_BULK)
        return st->commits >= 2 && 2 * (st->added - st->replaced) >= st->docs;
    return when == COMPACT_ALWAYS && st->commits > 0;
}

/*
 * Compact the index in `dir` (the caller holds its lock) and say how it
 * went. A failure leaves the index as it was, so it is a warning after a
 * run that committed; `alone` (--compact without PATH) makes it the error.
 * Returns the exit status.
 */
static int
report_compaction(const char *dir, int quiet, int alone)
{
    uint64_t before, after;
    double t0 = now_s();
    int rc = idx_compact(dir, &before, &after);

    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s%s: not compacted: %s\n",
                alone ? "" : "warning: ", dir,
                rc == SE_ENOINDEX ? "not an index" : errstr(rc));
        return alone ? 2 : 0;
    }
    if (!quiet)
        fprintf(stderr, "indexer: compacted %s: %.1f MB -> %.1f MB in %.2f s\n",
                dir, before / 1e6, after / 1e6, now_s() - t0);
    return 0;
}

/* --stats, the lists' part: how many entries (lists), lists kept in
 * their entries, blocks and postings; then the bytes their keys and
 * values spend on each part (the tables' pages add LMDB's node headers
 * and free space). */
static int
print_lists_usage(struct idx_txn *txn)
{
    static const char *const name[] = {"stem lists", "form lists"};
    int k, rc = SE_OK;

    printf("%-10s %8s %8s %8s %10s %9s %8s %9s %10s %9s %10s\n", "lists",
           "entries", "inline", "blocks", "postings", "keys", "df+cf",
           "headers", "doc ids", "tfs", "positions");
    for (k = PL_STEMS; k <= PL_FORMS && rc == SE_OK; k++) {
        struct pl_usage u;
        rc = pl_usage(txn, (enum pl_kind)k, &u);
        if (rc == SE_OK)
            printf("%-10s %8llu %8llu %8llu %10llu %9llu %8llu %9llu %10llu "
                   "%9llu %10llu\n",
                   name[k], (unsigned long long)u.lists,
                   (unsigned long long)u.inline_lists,
                   (unsigned long long)u.blocks,
                   (unsigned long long)u.postings, (unsigned long long)u.keys,
                   (unsigned long long)u.stats, (unsigned long long)u.headers,
                   (unsigned long long)u.docs, (unsigned long long)u.tfs,
                   (unsigned long long)u.positions);
    }
    return rc;
}

/* --stats: counts and the bytes each table takes. Returns the exit status. */
static int
print_stats(const char *dir)
{
    struct idx *ix = NULL;
    struct idx_txn *txn = NULL;
    struct doc_meta meta;
    uint64_t total = 0, text = 0, file = 0;
    int rc, t;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    if (rc == SE_OK)
        rc = idx_txn_begin(ix, 0, &txn);
    if (rc == SE_OK)
        rc = doc_meta_load(txn, &meta);
    if (rc == SE_ENOTFOUND)
        rc = SE_ENOINDEX;
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir,
                rc == SE_ENOINDEX ? "not an index" : se_strerror(rc));
        idx_txn_abort(txn);
        idx_close(ix);
        return 2;
    }
    printf("index        %s (format %u, language %s, title weight %u)\n", dir,
           (unsigned)meta.format, meta.language, (unsigned)meta.title_weight);
    printf("documents    %llu\n", (unsigned long long)meta.docs);
    printf("tokens       %llu (%.1f a document)\n",
           (unsigned long long)meta.total_len,
           meta.docs ? (double)meta.total_len / (double)meta.docs : 0.0);
    printf("%-12s %12s %14s\n", "table", "entries", "bytes");
    for (t = 0; t < IDX_NTABLES; t++) {
        uint64_t entries, bytes;
        rc = idx_table_usage(txn, (enum idx_table)t, &entries, &bytes);
        if (rc != SE_OK)
            break;
        printf("%-12s %12llu %14llu\n", idx_table_name((enum idx_table)t),
               (unsigned long long)entries, (unsigned long long)bytes);
        total += bytes;
        if (t == IDX_TEXT)
            text = bytes;
    }
    if (rc == SE_OK)
        rc = print_lists_usage(txn);
    if (rc == SE_OK)
        rc = idx_size(ix, &file);
    idx_txn_abort(txn);
    idx_close(ix);
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir, se_strerror(rc));
        return 2;
    }
    printf("total tables %14llu bytes\n", (unsigned long long)total);
    printf("stored text  %14llu bytes\n", (unsigned long long)text);
    printf("without text %14llu bytes\n", (unsigned long long)(total - text));
    printf("file in use  %14llu bytes (tables and free pages)\n",
           (unsigned long long)file);
    return 0;
}

/* SE_OK if `dir` holds an index, without creating anything. */
static int
index_exists(const char *dir)
{
    struct idx *ix = NULL;
    struct idx_txn *txn = NULL;
    struct doc_meta meta;
    int rc;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    if (rc == SE_OK)
        rc = idx_txn_begin(ix, 0, &txn);
    if (rc == SE_OK)
        rc = doc_meta_load(txn, &meta);
    idx_txn_abort(txn);
    idx_close(ix);
    return rc == SE_ENOTFOUND ? SE_ENOINDEX : rc;
}

/* --compact without PATH. Returns the exit status. */
static int
compact_only(const char *dir, int quiet)
{
    int created = 0, lock, status, rc = index_exists(dir);

    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir,
                rc == SE_ENOINDEX ? "not an index" : errstr(rc));
        return 2;
    }
    lock = lock_index(dir, quiet, &created);
    status = report_compaction(dir, quiet, 1);
    if (lock >= 0)
        close(lock);
    return status;
}

/*
 * --delete: remove the documents with the external ids ids[0..n). Returns
 * the exit status: 0 when all were removed, 1 when some id was not in the
 * index (a warning each; the others are removed), 2 on error (nothing is
 * removed). Never creates an index.
 */
static int
delete_docs(const char *dir, char *const *ids, int n, int quiet)
{
    struct wr_options wo = {.memory = WR_MEMORY_DEFAULT};
    struct wr *w = NULL;
    int rc, i, missing = 0, created = 0, lock = -1, status = 2;

    rc = index_exists(dir);
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir,
                rc == SE_ENOINDEX ? "not an index" : errstr(rc));
        return 2;
    }
    lock = lock_index(dir, quiet, &created);
    rc = wr_open(dir, &wo, &w);
    for (i = 0; rc == SE_OK && i < n; i++) {
        size_t len = strlen(ids[i]);
        rc = len > 0 && len <= PL_TERM_MAX ? wr_delete(w, ids[i], len)
                                           : SE_ENOTFOUND;
        if (rc == SE_ENOTFOUND) {
            fprintf(stderr, "indexer: warning: %s: no document with id '%s'\n",
                    dir, ids[i]);
            missing++;
            rc = SE_OK;
        }
    }
    if (rc == SE_OK)
        rc = wr_commit(w);
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir, errstr(rc));
    } else {
        status = missing ? 1 : 0;
        if (!quiet)
            fprintf(stderr, "indexer: %llu documents deleted, %d not found\n",
                    (unsigned long long)wr_stats(w)->deleted, missing);
    }
    wr_close(w);
    if (lock >= 0)
        close(lock);
    return status;
}

/*
 * --check: verify the index in one read snapshot (a writer may go on).
 * Returns the exit status: 0 sound, 3 corrupt (one line saying where),
 * 2 when it cannot be checked.
 */
static int
run_check(const char *dir, int quiet)
{
    struct chk_report rep;
    struct idx *ix = NULL;
    char where[512];
    int rc;

    rc = idx_open(dir, IDX_RDONLY, &ix);
    if (rc == SE_OK)
        rc = chk_index(ix, &rep);
    idx_close(ix);
    if (rc == SE_ECORRUPT) {
        if (rep.what[0] == '\0') /* LMDB refused before any table was read */
            snprintf(where, sizeof where, "%s", se_strerror(rc));
        else
            chk_format(&rep, where, sizeof where);
        fprintf(stderr, "indexer: %s: corrupt: %s\n", dir, where);
        return 3;
    }
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir,
                rc == SE_ENOINDEX ? "not an index" : errstr(rc));
        return 2;
    }
    if (!quiet)
        printf("%s: sound: %llu documents, %llu stems, %llu forms, %llu "
               "postings in %llu blocks\n",
               dir, (unsigned long long)rep.docs, (unsigned long long)rep.stems,
               (unsigned long long)rep.forms, (unsigned long long)rep.postings,
               (unsigned long long)rep.blocks);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'F'},
        {"language", required_argument, NULL, 'L'},
        {"memory", required_argument, NULL, 'M'},
        {"skip-bad", no_argument, NULL, 'S'},
        {"title-weight", required_argument, NULL, 'W'},
        {"threads", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"stats", no_argument, NULL, 'T'},
        {"check", no_argument, NULL, 'C'},
        {"delete", no_argument, NULL, 'D'},
        {"compact", no_argument, NULL, 'K'},
        {"no-compact", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *dir = "index";
    struct wr_options wo = {.memory = WR_MEMORY_DEFAULT,
                            .new_title_weight = WR_TITLE_WEIGHT_DEFAULT,
                            .threads = default_threads()};
    struct rd_options ro = {0, 0};
    enum rd_format fmt = RD_AUTO;
    struct rd_reader *rd = NULL;
    struct wr *w = NULL;
    struct rd_doc d;
    int opt, rc, quiet = 0, stats = 0, check = 0, del = 0, progress;
    enum compact_when compact = COMPACT_AFTER_BULK;
    int status = 2, i;
    int created = 0, committed = 0, lock = -1;
    double t0 = now_s(), last = t0;
    uint64_t total;

    /* Past a file-size limit (ulimit -f) a write fails with EFBIG and the
     * run ends with a message, instead of dying of SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    opterr = 0; /* option_error() prints one line instead */
    while ((opt = getopt_long(argc, argv, ":i:qhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            dir = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "auto") == 0)
                fmt = RD_AUTO;
            else if (strcmp(optarg, "text") == 0)
                fmt = RD_TEXT;
            else if (strcmp(optarg, "jsonl") == 0)
                fmt = RD_JSONL;
            else if (strcmp(optarg, "trec") == 0)
                fmt = RD_TREC;
            else if (strcmp(optarg, "reuters") == 0)
                fmt = RD_REUTERS;
            else {
                fprintf(stderr,
                        "indexer: unknown format '%s' (auto, text, jsonl, "
                        "trec or reuters)\n",
                        optarg);
                return 2;
            }
            break;
        case 'L':
            wo.language = optarg;
            break;
        case 'M': {
            char *end;
            unsigned long mb;
            errno = 0;
            mb = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || mb < 1 ||
                mb > 1048576) {
                fprintf(
                    stderr,
                    "indexer: --memory needs megabytes from 1 to 1048576\n");
                return 2;
            }
            wo.memory = (size_t)mb << 20;
            break;
        }
        case 'W': {
            char *end;
            unsigned long tw;
            errno = 0;
            tw = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || tw < 1 ||
                tw > DOC_TITLE_WEIGHT_MAX) {
                fprintf(stderr,
                        "indexer: --title-weight needs a whole number from 1 "
                        "to %d\n",
                        DOC_TITLE_WEIGHT_MAX);
                return 2;
            }
            wo.title_weight = (unsigned)tw;
            break;
        }
        case 'j': {
            char *end;
            unsigned long nt;
            errno = 0;
            nt = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || nt < 1 ||
                nt > 64) {
                fprintf(stderr,
                        "indexer: --threads needs a whole number from 1 to "
                        "64\n");
                return 2;
            }
            wo.threads = (unsigned)nt;
            break;
        }
        case 'S':
            ro.skip_bad = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'T':
            stats = 1;
            break;
        case 'C':
            check = 1;
            break;
        case 'D':
            del = 1;
            break;
        case 'K':
            compact = COMPACT_ALWAYS;
            break;
        case 'N':
            compact = COMPACT_NEVER;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("indexer %s\n", SE_VERSION);
            return 0;
        default:
            option_error(opt, argv[optind - 1]);
            return 2;
        }
    }
    if (check) {
        if (optind < argc || stats) {
            fprintf(stderr, "indexer: --check takes no PATH and no --stats; "
                            "try 'indexer --help'\n");
            return 2;
        }
        return run_check(dir, quiet);
    }
    if (del) {
        if (optind >= argc || stats) {
            fprintf(stderr, "indexer: --delete needs at least one ID and no "
                            "--stats; try 'indexer --help'\n");
            return 2;
        }
        return delete_docs(dir, argv + optind, argc - optind, quiet);
    }
    if (stats) {
        if (optind < argc) {
            fprintf(stderr, "indexer: --stats takes no PATH; try 'indexer "
                            "--help'\n");
            return 2;
        }
        return print_stats(dir);
    }
    if (optind >= argc && compact == COMPACT_ALWAYS)
        return compact_only(dir, quiet);
    if (optind >= argc) {
        fprintf(stderr, "indexer: no PATH given; try 'indexer --help'\n");
        return 2;
    }
    if (wo.language) {
        struct stem *s;
        if (stem_new(wo.language, &s) != SE_OK) {
            unknown_language(wo.language);
            return 2;
        }
        stem_free(s);
    }
    rc = rd_new(&ro, &rd);
    for (i = optind; rc == SE_OK && i < argc; i++) {
        rc = rd_add_path(rd, argv[i], fmt);
        if (rc != SE_OK && rc != SE_ENOMEM) {
            fprintf(stderr, "indexer: %s\n", rd_error(rd));
            goto out;
        }
    }
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s\n", errstr(rc));
        goto out;
    }
    lock = lock_index(dir, quiet, &created);
    rc = wr_open(dir, &wo, &w);
    if (rc == SE_ENOINDEX) {
        fprintf(stderr,
                "indexer: %s: not an index, and not empty: refusing to write "
                "there\n",
                dir);
        goto out;
    } else if (rc == SE_EINVAL && wo.title_weight) {
        fprintf(stderr,
                "indexer: %s: --title-weight %u does not match the weight the "
                "index was built with\n",
                dir, wo.title_weight);
        goto out;
    } else if (rc == SE_ELANG) {
        fprintf(stderr,
                "indexer: %s: --language %s does not match the language the "
                "index was built with\n",
                dir, wo.language);
        goto out;
    } else if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir, errstr(rc));
        goto out;
    }
    progress = !quiet && isatty(STDERR_FILENO);
    total = progress ? rd_total_bytes(rd) : 0;
    for (;;) {
        rc = rd_next(rd, &d);
        if (rc == 0)
            break;
        if (rc < 0) {
            if (rd_warning(rd)) {
                fprintf(stderr, "indexer: warning: %s\n", rd_error(rd));
                continue;
            }
            fprintf(stderr, "indexer: %s\n", rd_error(rd));
            goto out;
        }
        struct wr_doc wd = {d.id,   d.id_len,   d.title, d.title_len,
                            d.date, d.date_len, d.body,  d.body_len};
        rc = wr_add(w, &wd);
        if (rc == SE_EINVAL) {
            if (d.line)
                fprintf(stderr,
                        "indexer: %s:%llu: id is empty or longer than "
                        "500 bytes\n",
                        d.source, (unsigned long long)d.line);
            else
                fprintf(stderr, "indexer: %s: id is longer than 500 bytes\n",
                        d.source);
            if (ro.skip_bad)
                continue;
            goto out;
        }
        if (rc != SE_OK) {
            fprintf(stderr, "indexer: %s: %s\n", dir, errstr(rc));
            goto out;
        }
        if (progress && (wr_stats(w)->added & 255) == 0) {
            double t = now_s();
            if (t - last >= 0.5) {
                double mb = rd_bytes_read(rd) / 1e6;
                last = t;
                fprintf(stderr, "\r%llu documents, %.1f",
                        (unsigned long long)wr_stats(w)->added, mb);
                if (total)
                    fprintf(stderr, " of %.1f", total / 1e6);
                fprintf(stderr, " MB, %.1f MB/s ", mb / (t - t0));
            }
        }
    }
    rc = wr_commit(w);
    if (rc != SE_OK) {
        fprintf(stderr, "indexer: %s: %s\n", dir, errstr(rc));
        goto out;
    }
    status = 0;
    if (!quiet) {
        const struct wr_stats *st = wr_stats(w);
        double secs = now_s() - t0, mb = st->bytes / 1e6;
        if (progress)
            fprintf(stderr, "\r\033[K");
        fprintf(stderr,
                "indexer: %llu documents (%llu replaced), %llu tokens, "
                "%.1f MB of text in %.2f s (%.1f MB/s, %u thread%s), "
                "%llu commit%s\n",
                (unsigned long long)st->added, (unsigned long long)st->replaced,
                (unsigned long long)st->tokens, mb, secs,
                secs > 0 ? mb / secs : 0.0, wo.threads,
                wo.threads == 1 ? "" : "s", (unsigned long long)st->commits,
                st->commits == 1 ? "" : "s");
    }
    if (should_compact(compact, wr_stats(w))) {
        wr_close(w);
        w = NULL;
        release_freed_memory();
        report_compaction(dir, quiet, 0);
    }
out:
    committed = w && wr_stats(w)->commits > 0;
    wr_close(w);
    rd_free(rd);
    /* A run that made the index and failed before its first commit leaves
     * no empty index behind: only the two files LMDB made, then the folder. */
    if (status != 0 && created && !committed)
        idx_remove(dir);
    if (lock >= 0)
        close(lock);
    return status;
}
