# adc - build, test, demo. Everything generated goes under $(B)/.
#   make            build ./adc
#   make check      all tests (unit, golden, diagnostics, end to end)
#   make check-asan the same under AddressSanitizer and UBSan
#   make demo       generate the samples' gradients and run samples/demo.c
#   make bench      gradient/forward timing ratios (never part of check)
#   make soak       the differential test on SEEDS=A-B (default 1-500)
#   make same-output  this tree's outputs against those of revision BASE
#   make memcheck   valgrind over the compiler on every sample and test input
#   make fuzz       libFuzzer over the whole compiler for FUZZ_SECONDS (clang)
#   make golden     regenerate tests/golden expectations (review the diff)
#   make graphs     the samples' graphs as SVG and PNG (with Graphviz)

CC      ?= cc
B       ?= build
PREFIX  ?= /usr/local
SAN     ?=
CFLAGS  ?= -O2 -g
WARN    := -std=c99 -Wall -Wextra -Wpedantic -Wshadow
CPPFLAGS_ALL := -D_POSIX_C_SOURCE=200809L -Isupport -Iparser -Iir -Icodegen -Iruntime -Icli -Itests/unit -I$(B)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) $(CPPFLAGS_ALL) -MMD -MP
LIBS    := -lm
BISON   ?= bison
FLEX    ?= flex
CHECK_FLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null)

.DELETE_ON_ERROR:
.SUFFIXES:

LIB_SRC := support/arena.c support/heap.c support/strbuf.c support/diag.c support/strmap.c \
           parser/ast.c parser/sema.c \
           ir/ops.c ir/graph.c ir/sig.c ir/build.c ir/copy.c ir/active.c ir/scope.c ir/recompute.c ir/reverse.c ir/tangent.c \
           ir/opt.c ir/verify.c \
           codegen/sig.c codegen/policy.c codegen/names.c codegen/plan.c \
           codegen/text.c codegen/layout.c codegen/uses.c codegen/expr.c codegen/stride.c codegen/loops.c \
           codegen/frame.c codegen/parts.c codegen/walk.c codegen/derived.c codegen/body.c \
           codegen/emit_c.c codegen/emit_dot.c codegen/emit_check.c \
           runtime/eval.c cli/driver.c cli/eval_cli.c
GEN_SRC := $(B)/parser.tab.c $(B)/lexer.c
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/parser.tab.o $(B)/lexer.o
MAIN_OBJ := $(B)/cli/main.o

TEST_SRC := $(wildcard tests/unit/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)

ADC := ./adc
ifneq ($(B),build)
ADC := $(B)/adc
endif

all: $(ADC)

$(ADC): $(MAIN_OBJ) $(B)/libadc.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

$(B)/libadc.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/parser.tab.c $(B)/parser.tab.h &: parser/parser.y | $(B)/.dir
	$(BISON) -Wall -Werror -Wcounterexamples -d -o $(B)/parser.tab.c $<

$(B)/lexer.c: lexer/lexer.l $(B)/parser.tab.h | $(B)/.dir
	$(FLEX) -o $@ $<

# Generated sources get the same flags minus the warnings their skeletons trip.
$(B)/parser.tab.o $(B)/lexer.o: $(B)/%.o: $(B)/%.c
	$(CC) $(ALL_CFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-unused-function -Wno-shadow -c -o $@ $<

$(B)/%.o: %.c $(B)/parser.tab.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(findstring tests/,$<),$(CHECK_FLAGS)) -c -o $@ $<

$(B)/.dir:
	mkdir -p $(B)
	touch $@

# ---- tests ----
$(B)/check_adc: $(TEST_OBJ) $(B)/libadc.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CHECK_LIBS) $(LIBS)

check: $(ADC) $(B)/check_adc
	sh tests/layers.sh $(B)
	ADC_VERIFY=each ADC=$(abspath $(ADC)) ADC_TMP=$(abspath $(B))/tmp $(B)/check_adc

# the outputs of the compiler built from revision BASE (default HEAD) and of
# this tree's, compared on every input and option set (tests/same_output.sh)
BASE ?= HEAD
same-output: $(ADC)
	rm -rf build-base && mkdir -p build-base/src
	git archive $(BASE) | tar -x -C build-base/src
	$(MAKE) -C build-base/src adc >/dev/null
	sh tests/same_output.sh build-base/src/adc $(ADC) $(wildcard $(B)/tmp)

# the differential test on other seeds: make soak SEEDS=501-5000
SEEDS ?= 1-500
soak: $(ADC) $(B)/check_adc
	ADC=$(abspath $(ADC)) ADC_TMP=$(abspath $(B))/tmp ADC_SEEDS=$(SEEDS) CK_RUN_SUITE=diff $(B)/check_adc

# valgrind over the compiler on every sample and test input (after make check,
# the inputs its tests wrote to $(B)/tmp too)
memcheck: $(ADC)
	sh tests/memcheck.sh $(ADC) $(wildcard $(B)/tmp)

check-asan:
	$(MAKE) B=build-asan SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' CFLAGS='-O1 -g' check

# ---- demo ----
SAMPLES := seed rosenbrock pendulum normal_nll ba logistic lotka laplace
# second order where the demo uses it (--modes; the others the default)
MODES_samples/rosenbrock := --modes=grad,vjp,hess
MODES_samples/laplace := --modes=hess

%_grad.c %_grad.h &: %.ad $(ADC)
	$(ADC) --header $(MODES_$*) -o $*_grad.c $<

DEMO_GEN := $(foreach s,$(SAMPLES),samples/$(s)_grad.c)
samples/demo: samples/demo.c $(DEMO_GEN)
	$(CC) -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -Isamples -o $@ samples/demo.c $(DEMO_GEN) -lm

demo: samples/demo
	./samples/demo

# ---- pictures: every sample's forward and adjoint graph, as SVG and PNG
# when Graphviz is installed (the .dot files always)
GRAPH_SAMPLES := seed rosenbrock pendulum normal_nll rosenbrock_n logistic oscillator ba gmm
graphs: $(ADC)
	@mkdir -p $(B)/graphs
	@for s in $(GRAPH_SAMPLES); do $(ADC) --emit=dot -o $(B)/graphs/$$s.dot samples/$$s.ad || exit 1; done
	@if command -v dot >/dev/null 2>&1; then \
	  for s in $(GRAPH_SAMPLES); do \
	    dot -Tsvg -o $(B)/graphs/$$s.svg $(B)/graphs/$$s.dot && dot -Tpng -o $(B)/graphs/$$s.png $(B)/graphs/$$s.dot || exit 1; \
	  done; echo "SVG and PNG pictures in $(B)/graphs/"; \
	else echo "Graphviz (dot) is not installed: wrote only the .dot files, in $(B)/graphs/"; fi

golden: $(ADC)
	sh tests/golden/regen.sh $(ADC)

bench: $(ADC)
	sh bench/run.sh $(ADC)

# ---- fuzzing: the library built by clang with libFuzzer's coverage and the
# sanitizers under build-fuzz/, the target linked with libFuzzer; corpus in
# build-fuzz/corpus (kept between runs), seeded from the samples and tests;
# findings (crash-*, leak-*, timeout-*, oom-*) land in build-fuzz/findings/.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?= -max_len=4096 -timeout=10 -rss_limit_mb=2048
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	$(MAKE) B=build-fuzz CC=clang SAN='$(FUZZ_SAN)' CFLAGS='-O1 -g' build-fuzz/fuzz_adc
	@mkdir -p build-fuzz/corpus build-fuzz/findings
	build-fuzz/fuzz_adc -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/ad.dict $(FUZZ_FLAGS) \
	  -artifact_prefix=build-fuzz/findings/ -print_final_stats=1 \
	  build-fuzz/corpus samples tests/errors tests/golden tests/fuzz tests/rules

build-fuzz/fuzz_adc: fuzz/fuzz_adc.c build-fuzz/libadc.a
	clang -std=c99 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  $(CPPFLAGS_ALL) -o $@ $^ $(LIBS)

# the binary, the man page, and adc.mk where GNU make finds 'include adc.mk'
install: $(ADC)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/include
	install -m 755 $(ADC) $(DESTDIR)$(PREFIX)/bin/adc
	install -m 644 doc/adc.1 $(DESTDIR)$(PREFIX)/share/man/man1/adc.1
	install -m 644 adc.mk $(DESTDIR)$(PREFIX)/include/adc.mk

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/adc $(DESTDIR)$(PREFIX)/share/man/man1/adc.1 \
	  $(DESTDIR)$(PREFIX)/include/adc.mk

clean:
	rm -rf build build-asan build-base adc samples/demo samples/*_grad.c samples/*_grad.h


.PHONY: same-output fuzz soak memcheck all check check-asan demo golden bench graphs install uninstall clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
