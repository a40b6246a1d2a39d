# tests/fuzz/fuzz.mk - libFuzzer harnesses, included by the top Makefile.
#
#   make fuzz                  every harness for FUZZ_TIME seconds (default 60)
#   make fuzz-ci               what CI runs: every harness for FUZZ_CI_TIME
#                              seconds (at least 60), failing on any crash,
#                              leak or timeout
#   make fuzz-tokenizer        one harness (tokenizer, query, posting, jsonl, ...)
#   make fuzz-seeds            rewrite the posting seeds from the encoder
#
# Everything is built with clang under ASan and UBSan in $(FUZZ_DIR), apart
# from the gcc build in $(BUILD): the library sources are compiled again
# with coverage instrumentation (-fsanitize=fuzzer-no-link), the harnesses
# linked with libFuzzer. A harness reads the committed seeds (tests/fuzz/
# corpus/T) and crash inputs (tests/fuzz/regress/T) but writes the inputs
# it finds to $(FUZZ_DIR)/corpus/T, and crashes to $(FUZZ_DIR)/artifacts/T.
# tests/fuzz/README.md says how to turn a crash into a regression input.

FUZZ_DIR     ?= build/fuzz
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_CI_TIME ?= 60
FUZZ_JOBS    ?= 2
FUZZ_MAX_LEN ?= 16384
# Seconds one input may take (under ASan) before it counts as a hang.
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB  ?= 2048

FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_LIB_SRC := $(sort $(wildcard common/*.c) \
                  $(filter-out indexer/main.c,$(wildcard indexer/*.c)))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_DIR)/clang-obj/%.o)
FUZZ_LIB     := $(FUZZ_DIR)/libfuzzlib.a
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/bin/fuzz_%)

FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g \
                -Icommon -Iindexer -Itests/fuzz -MMD -MP \
                -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
FUZZ_LDLIBS  := -llmdb -lstemmer -lutf8proc -lstreamvbyte -lzstd -lcjson -lz \
                -llzma -ledit -lpthread -lm

FUZZ_ENV     := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: fuzz fuzz-ci fuzz-build fuzz-seeds $(FUZZ_TARGETS:%=fuzz-%) \
        $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/clang-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The harnesses themselves must build without a warning in CI.
$(FUZZ_DIR)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(CI),-Werror) $(FUZZ_SAN) \
	    -fsanitize=fuzzer $< $(FUZZ_LIB) $(FUZZ_LDLIBS) -o $@

# One harness for FUZZ_RUN_TIME seconds; its output goes to a log, shown
# (the end of it) only when it fails.
$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: $(FUZZ_DIR)/bin/fuzz_%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts/$* $(FUZZ_DIR)/log
	@echo "fuzz: $* for $(FUZZ_RUN_TIME) s"
	@log=$(FUZZ_DIR)/log/$*.log; \
	if $(FUZZ_ENV) $< -max_total_time=$(FUZZ_RUN_TIME) -timeout=$(FUZZ_TIMEOUT) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) -max_len=$(FUZZ_MAX_LEN) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$*/ \
	    $(addprefix -dict=,$(wildcard tests/fuzz/dict/$*.dict)) \
	    $(FUZZ_DIR)/corpus/$* tests/fuzz/corpus/$* \
	    $(wildcard tests/fuzz/regress/$*) >$$log 2>&1; then \
	    echo "fuzz: $* ok: $$(grep -o 'Done [0-9]* runs in [0-9]* second' $$log)"; \
	else \
	    tail -n 60 $$log; \
	    echo "fuzz: $* FAILED (log $$log, inputs in $(FUZZ_DIR)/artifacts/$*/)"; \
	    exit 1; \
	fi

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/bin/fuzz_%
	@$(MAKE) --no-print-directory FUZZ_RUN_TIME=$(FUZZ_TIME) fuzz-run-$*

fuzz:
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) fuzz-build
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) FUZZ_RUN_TIME=$(FUZZ_TIME) \
	    $(FUZZ_TARGETS:%=fuzz-run-%)

# CI never runs a harness for less than a minute.
fuzz-ci:
	@sh tools/deps.sh
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) CI=1 fuzz-build
	@t=$(FUZZ_CI_TIME); [ "$$t" -ge 60 ] || t=60; \
	$(MAKE) --no-print-directory -j$(FUZZ_JOBS) FUZZ_RUN_TIME=$$t \
	    $(FUZZ_TARGETS:%=fuzz-run-%)

# Posting seeds are blocks the encoder writes from real text.
$(FUZZ_DIR)/bin/gen_posting_seeds: tests/fuzz/gen_posting_seeds.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $< $(FUZZ_LIB) $(FUZZ_LDLIBS) -o $@

fuzz-seeds: $(FUZZ_DIR)/bin/gen_posting_seeds
	@mkdir -p tests/fuzz/corpus/posting
	$< tests/fuzz/corpus/posting

-include $(wildcard $(FUZZ_DIR)/clang-obj/*/*.d $(FUZZ_DIR)/bin/*.d)
