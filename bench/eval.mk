# bench/eval.mk - relevance: the TREC evaluator and `make eval`, included by
# the top Makefile (after bench/bench.mk, whose peer rules it uses).
#
#   make eval          installs what is missing, builds our engine, build/eval
#                      and the two peer runners, then bench/relevance.py: the
#                      nine judged collections of ../shared/corpora/relevance
#                      through ours, Xapian and FTS5; writes bench/RELEVANCE.md
#                      (indexes, runs, logs, results.json: bench/out/relevance)
#   EVAL_ARGS=...      more options for bench/relevance.py, e.g.
#                      --no-experiments (no (k1, b) grid, leave-one-out,
#                      ablations, model variants: 1.5 minutes less) or
#                      --only cisi,adi (see --help)
#   $(BUILD)/eval [-q] [-c] [-M depth] QRELS RUN    the evaluator alone
#
# The evaluator needs nothing from common/ but error.o (se_strerror), so it
# links that one object rather than libcommon.a: it builds while other
# modules are half-written, and it needs none of their libraries.

EVAL_OBJ := $(BUILD)/obj/bench/eval.o $(BUILD)/obj/common/error.o
EVAL_OUT ?= bench/out/relevance
EVAL_PY  ?= /usr/bin/python3

# Our engine must build here (no figure of ours is made up); the peers are
# bench.mk's runners, built into $(BENCH_BIN).
eval:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory bench-deps
	@$(MAKE) --no-print-directory all $(BUILD)/eval
	@$(MAKE) --no-print-directory bench-peers
	$(EVAL_PY) bench/relevance.py --build $(BUILD) --peers $(BENCH_BIN) \
	    --out $(EVAL_OUT) \
	    --command "make eval$(if $(EVAL_ARGS), EVAL_ARGS='$(EVAL_ARGS)')" \
	    $(EVAL_ARGS)

$(BUILD)/eval: $(BUILD)/obj/bench/eval_main.o $(EVAL_OBJ)
	$(CC) $(CFLAGS) $^ -lm -o $@

# tests/test_eval.c tests the evaluator's API, so its binary links eval.o,
# which the generic $(BUILD)/tests/% rule does not: this explicit rule takes
# precedence over that pattern for this one file. It links only what the test
# uses (eval.o, error.o), for the reason above.
$(BUILD)/tests/test_eval: tests/test_eval.c $(EVAL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(EVAL_OBJ) -lm -lcriterion -o $@

# The test also runs the real binary (it finds it through SE_BUILD).
unit: $(BUILD)/eval
