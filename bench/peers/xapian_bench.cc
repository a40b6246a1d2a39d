/*
 * xapian_bench.cc - the Xapian peer of the benchmark (bench/README.md).
 *
 *   xapian_bench index DBDIR FILE.jsonl [--store] [--no-compact]
 *   xapian_bench query DBDIR QUERIES.tsv RUN.trec TIMINGS.tsv [-n N] [--count]
 *
 * index: one Xapian document per JSONL line. TermGenerator with the English
 * Snowball stemmer, STEM_SOME (Xapian's default): every word is indexed
 * unstemmed with positions and as a 'Z'-prefixed stem without positions.
 * Title, then body, in one field (the body starts 100 positions after the
 * title, so no phrase spans the two). The document data is the external id
 * only, or with --store the title and body too (to measure stored text).
 * The database is built in DBDIR.build, then compacted into DBDIR (full
 * blocks, one pass per table: Xapian's own merge step, as FTS5's optimize
 * is FTS5's); --no-compact leaves the database as built in DBDIR.
 *
 * query: the engine's query syntax read by Xapian's QueryParser with
 * FLAG_PHRASE | FLAG_LOVEHATE, default operator OR, STEM_SOME: bare words
 * search stems, `+a +b` requires both, `"a b"` is a phrase of unstemmed
 * words. BM25Weight(k1 = 1.2, k2 = 0, k3 = 1, b = 0.75, min_normlen = 0)
 * is plain BM25 (k2 = 0 drops the extra length term, k3 = 1 weighs a query
 * term once, min_normlen = 0 leaves lengths unclamped); Xapian still remaps
 * idf for terms in more than a third of the documents.
 * Timed per query (CLOCK_MONOTONIC): parsing, matching, and reading the
 * external ids of the top N. Printing is not timed. With --count an
 * untimed second pass asks for the exact number of matches (third column
 * of TIMINGS); without it the third column is Xapian's estimate.
 * Exit status: 0 some query matched, 1 none, 2 error.
 */
#include <xapian.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "jsonl.h"

static int
usage(void)
{
    std::fprintf(
        stderr,
        "usage: xapian_bench index DBDIR FILE.jsonl [--store] [--no-compact]\n"
        "       xapian_bench query DBDIR QUERIES.tsv RUN.trec "
        "TIMINGS.tsv [-n N] [--count]\n"
        "       xapian_bench --version\n");
    return 2;
}

static unsigned long long
dir_bytes(const std::string &dir)
{
    unsigned long long sum = 0;
    for (const auto &e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file())
            sum += e.file_size();
    return sum;
}

static int
cmd_index(const char *dbdir, const char *path, bool store, bool compact)
{
    const std::string built = compact ? std::string(dbdir) + ".build" : dbdir;
    struct jl_reader rd;
    struct jl_doc d;
    double t0 = jl_now_us();
    long ndocs = 0;
    size_t bytes = 0;
    int rc;

    if (jl_open(&rd, path) != 0) {
        std::fprintf(stderr, "xapian_bench: %s: %s\n", path,
                     std::strerror(errno));
        return 2;
    }
    Xapian::WritableDatabase db(built, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    while ((rc = jl_next(&rd, &d)) == 1) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(std::string(d.title, d.title_len));
        tg.increase_termpos(); /* 100: no phrase across title and body */
        tg.index_text(std::string(d.body, d.body_len));
        if (store) {
            std::string data(d.id);
            data += '\n';
            data.append(d.title, d.title_len);
            data += '\n';
            data.append(d.body, d.body_len);
            doc.set_data(data);
        } else {
            doc.set_data(d.id);
        }
        db.add_document(doc);
        ndocs++;
        bytes += d.title_len + d.body_len;
    }
    if (rc < 0) {
        std::fprintf(stderr, "xapian_bench: %s:%ld: bad JSON line\n", path,
                     rd.lineno);
        jl_close(&rd);
        return 2;
    }
    jl_close(&rd);
    db.commit();
    db.close();
    double t1 = jl_now_us();
    unsigned long long built_bytes = dir_bytes(built);
    if (compact) {
        std::filesystem::remove_all(dbdir);
        Xapian::Database(built).compact(dbdir, Xapian::DBCOMPACT_MULTIPASS);
        std::filesystem::remove_all(built);
    }
    double secs = (jl_now_us() - t0) / 1e6;
    std::fprintf(stderr,
                 "xapian_bench: indexed %ld docs, %zu bytes of text in %.2f s "
                 "(%.2f MB/s; compact %.2f s of it); %llu bytes as built, "
                 "%llu after compaction\n",
                 ndocs, bytes, secs, bytes / 1e6 / secs,
                 (jl_now_us() - t1) / 1e6, built_bytes, dir_bytes(dbdir));
    return 0;
}

struct query {
    std::string qid, text;
};

static bool
read_queries(const char *path, std::vector<query> &out)
{
    FILE *fp = std::fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (fp == NULL)
        return false;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *tab = std::strchr(line, '\t');
        if (n == 0 || tab == NULL)
            continue;
        out.push_back({std::string(line, tab - line), std::string(tab + 1)});
    }
    std::free(line);
    std::fclose(fp);
    return true;
}

static int
cmd_query(const char *dbdir, const char *qpath, const char *runpath,
          const char *timpath, unsigned n, bool count)
{
    std::vector<query> qs;
    if (!read_queries(qpath, qs)) {
        std::fprintf(stderr, "xapian_bench: %s: %s\n", qpath,
                     std::strerror(errno));
        return 2;
    }
    FILE *run = std::fopen(runpath, "w");
    FILE *tim = std::fopen(timpath, "w");
    if (run == NULL || tim == NULL) {
        std::fprintf(stderr, "xapian_bench: cannot write %s or %s\n", runpath,
                     timpath);
        return 2;
    }
    Xapian::Database db(dbdir);
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    const unsigned flags =
        Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE;
    const Xapian::doccount ndocs = db.get_doccount();
    bool matched = false;
    std::vector<std::string> ids;
    std::vector<double> scores;

    for (const query &q : qs) {
        ids.clear();
        scores.clear();
        double t0 = jl_now_us();
        Xapian::Enquire enq(db);
        enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0));
        enq.set_query(qp.parse_query(q.text, flags));
        Xapian::MSet ms = enq.get_mset(0, n);
        for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
            ids.push_back(it.get_document().get_data());
            scores.push_back(it.get_weight());
        }
        double us = jl_now_us() - t0;
        Xapian::doccount hits = ms.get_matches_estimated();
        if (count) {
            Xapian::MSet all = enq.get_mset(0, 0, ndocs);
            hits = all.get_matches_estimated();
        }
        for (size_t i = 0; i < ids.size(); i++) {
            std::string id = ids[i];
            size_t nl = id.find('\n'); /* --store: id first, then text */
            if (nl != std::string::npos)
                id.resize(nl);
            std::fprintf(run, "%s Q0 %s %zu %.6f xapian\n", q.qid.c_str(),
                         id.c_str(), i + 1, scores[i]);
        }
        std::fprintf(tim, "%s\t%.1f\t%u\n", q.qid.c_str(), us, hits);
        if (!ids.empty())
            matched = true;
    }
    if (std::fclose(run) != 0 || std::fclose(tim) != 0) {
        std::fprintf(stderr, "xapian_bench: write error\n");
        return 2;
    }
    return matched ? 0 : 1;
}

int
main(int argc, char **argv)
{
    try {
        if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
            std::printf("xapian_bench (Xapian %s)\n", Xapian::version_string());
            return 0;
        }
        if (argc >= 4 && std::strcmp(argv[1], "index") == 0) {
            bool store = false, compact = true;
            for (int i = 4; i < argc; i++) {
                if (std::strcmp(argv[i], "--store") == 0)
                    store = true;
                else if (std::strcmp(argv[i], "--no-compact") == 0)
                    compact = false;
                else
                    return usage();
            }
            return cmd_index(argv[2], argv[3], store, compact);
        }
        if (argc >= 6 && std::strcmp(argv[1], "query") == 0) {
            unsigned n = 10;
            bool count = false;
            for (int i = 6; i < argc; i++) {
                if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc)
                    n = (unsigned)std::atoi(argv[++i]);
                else if (std::strcmp(argv[i], "--count") == 0)
                    count = true;
                else
                    return usage();
            }
            return cmd_query(argv[2], argv[3], argv[4], argv[5], n, count);
        }
        return usage();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_bench: %s\n", e.get_description().c_str());
        return 2;
    }
}
