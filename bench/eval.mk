# bench/eval.mk - the relevance evaluator, included by the top Makefile.
#
#   make eval                 builds $(BUILD)/eval
#   $(BUILD)/eval [-q] [-c] [-M depth] QRELS RUN
#
# The evaluator needs nothing from common/ but error.o (se_strerror), so it
# links that one object rather than libcommon.a: it builds while other
# modules are half-written, and it needs none of their libraries.

EVAL_OBJ := $(BUILD)/obj/bench/eval.o $(BUILD)/obj/common/error.o

eval: $(BUILD)/eval

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
