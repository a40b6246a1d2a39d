# bench.mk - `make bench` and `make bench-quick` (included by the top
# Makefile). Our engine against Xapian and SQLite FTS5 on the news dumps in
# ../shared/corpora/news; see bench/README.md. Everything generated (peer
# runners, corpora, indexes, runs) goes to bench/out/, which git ignores.
#
#   make bench         Reuters-21578 1x/4x/16x, the combined dump; writes
#                      bench/RESULTS.md, bench/results.json, bench/*.png
#   make bench-quick   Reuters-21578 alone; writes bench/out/quick/
#   BENCH_ARGS=...     more options for bench/run.py (see --help)

BENCH_OUT   ?= bench/out
BENCH_BIN   := $(BENCH_OUT)/bin
BENCH_PY    ?= /usr/bin/python3 -B
BENCH_CC    ?= cc
BENCH_CXX   ?= g++
BENCH_WARN   = -Wall -Wextra -Wshadow
BENCH_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(BENCH_WARN) \
               -Wstrict-prototypes -Wmissing-prototypes
BENCH_CXXFLAGS = -std=c++17 -O2 -g $(BENCH_WARN)

.PHONY: bench bench-quick bench-deps bench-peers bench-engine

# Beyond the engine's own: the peers' libraries, a C++ compiler, python3 for
# the driver, gnuplot for the plots, xz for the combined dump, GNU time.
BENCH_PKGS = build-essential g++ pkg-config libxapian-dev libsqlite3-dev \
             libcjson-dev python3 gnuplot-nox xz-utils time

bench-deps:
	@sh tools/deps.sh $(BENCH_PKGS)

$(BENCH_BIN)/jsonl.o: bench/peers/jsonl.c bench/peers/jsonl.h
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) -c $< -o $@
$(BENCH_BIN)/fts5_bench: bench/peers/fts5_bench.c bench/peers/jsonl.h \
                         $(BENCH_BIN)/jsonl.o
	$(BENCH_CC) $(BENCH_CFLAGS) $< $(BENCH_BIN)/jsonl.o -lsqlite3 -lcjson -o $@
$(BENCH_BIN)/xapian_bench: bench/peers/xapian_bench.cc bench/peers/jsonl.h \
                           $(BENCH_BIN)/jsonl.o
	$(BENCH_CXX) $(BENCH_CXXFLAGS) $< $(BENCH_BIN)/jsonl.o -lxapian -lcjson \
	    -o $@

bench-peers: $(BENCH_BIN)/fts5_bench $(BENCH_BIN)/xapian_bench
	@$(BENCH_PY) bench/peers/selftest.py $(BENCH_BIN)

# Our engine: built when it builds; when it does not, the run goes on with
# the peers and RESULTS.md says our figures are missing.
bench-engine: bench-deps
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all || \
	    echo "bench: our engine did not build; measuring the peers only" >&2

bench: bench-deps bench-engine
	@$(MAKE) --no-print-directory bench-peers
	$(BENCH_PY) bench/run.py --build $(BUILD) --out $(BENCH_OUT) \
	    --command "make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	    $(BENCH_ARGS)

bench-quick: bench-deps bench-engine
	@$(MAKE) --no-print-directory bench-peers
	$(BENCH_PY) bench/run.py --quick --build $(BUILD) --out $(BENCH_OUT) \
	    --command "make bench-quick$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	    $(BENCH_ARGS)

# post_encode() alone on an index's blocks (bench/encode_blocks.c).
$(BUILD)/encode_blocks: bench/encode_blocks.c $(LIBCOMMON)
	$(CC) $(CFLAGS) $< $(LIBCOMMON) $(LDLIBS) -o $@
