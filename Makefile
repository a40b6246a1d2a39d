# One flat Makefile. `make` builds build/indexer and build/searcher;
# `make test` runs every Criterion test and the end-to-end tests;
# `make demo` indexes seeds/ and runs example queries.

BUILD  ?= build
OPT    ?= -O3 -g
CC     ?= cc
CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(SAN) \
          -Icommon -Iindexer -Isearcher -MMD -MP \
          -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          $(if $(CI),-Werror)
LDLIBS  = -llmdb -lstemmer -lutf8proc -lstreamvbyte -lzstd -lcjson -lz -llzma \
          -ledit -lpthread -lm
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
PREFIX ?= /usr/local
DESTDIR ?=

COMMON_SRC   := $(sort $(wildcard common/*.c))
INDEXER_SRC  := $(sort $(filter-out indexer/main.c,$(wildcard indexer/*.c)))
SEARCHER_SRC := $(sort $(filter-out searcher/main.c,$(wildcard searcher/*.c)))
TEST_SRC     := $(sort $(wildcard tests/test_*.c))

COMMON_OBJ   := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
INDEXER_OBJ  := $(INDEXER_SRC:%.c=$(BUILD)/obj/%.o)
SEARCHER_OBJ := $(SEARCHER_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIBCOMMON    := $(BUILD)/libcommon.a
LIBINDEXER   := $(BUILD)/libindexer.a
LIBSEARCHER  := $(BUILD)/libsearcher.a

.PHONY: all test unit asan demo deps install clean format bench bench-quick eval
all: $(BUILD)/indexer $(BUILD)/searcher

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBINDEXER): $(INDEXER_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBSEARCHER): $(SEARCHER_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The indexer allocates with jemalloc (why: indexer/main.c, malloc_conf);
# sanitizer builds keep their runtime's malloc.
JEMALLOC := $(if $(SAN),,-ljemalloc)
$(BUILD)/obj/indexer/main.o: CFLAGS += $(if $(JEMALLOC),-DSE_JEMALLOC)
$(BUILD)/indexer: $(BUILD)/obj/indexer/main.o $(LIBINDEXER) $(LIBCOMMON)
	$(CC) $(CFLAGS) $^ $(LDLIBS) $(JEMALLOC) -o $@
$(BUILD)/searcher: $(BUILD)/obj/searcher/main.o $(LIBSEARCHER) $(LIBCOMMON)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

TESTUTIL_OBJ := $(BUILD)/obj/tests/testutil.o

$(BUILD)/tests/%: tests/%.c $(TESTUTIL_OBJ) $(LIBINDEXER) $(LIBSEARCHER) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $< $(TESTUTIL_OBJ) $(LIBINDEXER) $(LIBSEARCHER) $(LIBCOMMON) $(LDLIBS) -lcriterion -o $@

# Debian packages the build, the tests and the demo need; installed when missing.
deps:
	@sh tools/deps.sh

# Tests run from the top so they find seeds/ and ../shared/; the
# end-to-end tests (tests/test_cli.c) run the binaries in $(BUILD).
# The last line sums up every binary's Criterion synthesis.
unit: all $(TEST_BIN)
	@log=$$(mktemp); out=$$(mktemp); status=0; \
	for t in $(TEST_BIN); do echo "== $$t"; \
	    SE_BUILD=$(BUILD) $$t --jobs=2 >$$out 2>&1 || status=1; \
	    cat $$out; cat $$out >>$$log; \
	done; \
	sed 's/\x1b\[[0-9;]*m//g' $$log | awk -F'[:|]' '/Synthesis:/ { \
	    for (i = 1; i <= NF; i++) { gsub(/ /, "", $$i); \
	        if ($$i == "Passing") p += $$(i+1); \
	        if ($$i == "Failing" || $$i == "Crashing") f += $$(i+1); } } \
	    END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' || status=1; \
	rm -f $$log $$out; exit $$status

# In CI (CI is set) the suite runs a second time under ASan and UBSan, and
# every fuzz target runs for FUZZ_TIME seconds (tests/fuzz/fuzz.mk).
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@if [ -n "$(CI)" ]; then $(MAKE) --no-print-directory asan && \
	    $(MAKE) --no-print-directory fuzz-ci; fi

asan: export ASAN_OPTIONS = abort_on_error=1:detect_leaks=1
asan: export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g' SAN='$(SANITIZE)' all unit

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/indexer $(DESTDIR)$(PREFIX)/bin/indexer
	install -m 755 $(BUILD)/searcher $(DESTDIR)$(PREFIX)/bin/searcher

format:
	clang-format -i common/*.[ch] indexer/*.[ch] searcher/*.[ch] tests/*.c

clean:
	rm -rf build index

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Benchmarks and relevance evaluation keep their rules beside their code.
-include bench/bench.mk
-include bench/eval.mk
-include tests/fuzz/fuzz.mk
