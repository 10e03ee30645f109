# allocbench: the two quick-start commands, and a few helpers.
#   make bench   build (release), run the benchmark matrix and the real programs
#                (both quick), then draw the plots and report
#   make test    build the 64-bit, 32-bit and ASan+UBSan builds and run every test
JOBS ?= 2
TEST_PRESETS ?= default m32 asan
BENCH_ARGS ?= --quick
PROGRAMS_ARGS ?= --quick
# A run folder per call, results/<UTC %Y%m%d-%H%M%S> (the format allocbench
# itself uses); pass BENCH_OUT=DIR to resume a stopped run there.
ifndef BENCH_OUT
BENCH_OUT := results/$(shell date -u +%Y%m%d-%H%M%S)
endif

.PHONY: all deps build test bench fuzz clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	cmake --preset default
	cmake --build --preset default -j $(JOBS)

test: deps
	@start=$$(date +%s); \
	for p in $(TEST_PRESETS); do \
	    echo "== make test: preset $$p"; \
	    cmake --preset $$p -DAB_WERROR=ON >/dev/null || exit 1; \
	    cmake --build --preset $$p -j $(JOBS) || exit 1; \
	    ctest --preset $$p || exit 1; \
	done; \
	echo "make test: presets $(TEST_PRESETS) passed in $$(( $$(date +%s) - start )) s"

# The matrix's exit status is kept, but the plots and report are drawn from
# whatever it recorded (failed cells are rows too). The build's output goes
# to build/release.log, shown only if the build fails. results/latest points
# at the run folder from the start.
BENCH_LATEST := $(if $(filter results/,$(dir $(BENCH_OUT))),$(notdir $(BENCH_OUT)),$(abspath $(BENCH_OUT)))
bench: deps
	@mkdir -p build
	@echo "make bench: building the release preset (log: build/release.log)"
	@{ cmake --preset release && cmake --build --preset release -j $(JOBS); } >build/release.log 2>&1 || \
	    { cat build/release.log; echo "make bench: the build failed (build/release.log)"; exit 1; }
	@./build/release/host/allocbench list
	@mkdir -p $(BENCH_OUT) && ln -sfn $(BENCH_LATEST) results/.latest.tmp && mv -Tf results/.latest.tmp results/latest
	@set +e; ./build/release/host/allocbench matrix --out $(BENCH_OUT) $(BENCH_ARGS); rc=$$?; \
	./build/release/host/allocbench programs --out $(BENCH_OUT) $(PROGRAMS_ARGS) || rc=1; \
	./build/release/host/allocbench plot $(BENCH_OUT) || exit 1; \
	echo "report: $(BENCH_OUT)/report.md (and report.html, plots/); results/latest -> $(BENCH_LATEST)"; exit $$rc

# Every libFuzzer harness for FUZZ_SECONDS each (default 60), from the
# repository's corpus into build/fuzz/tests/fuzz/work/<harness>/corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS) >/dev/null
	@fail=0; for h in $$(ls tests/fuzz/corpus); do \
	    sh tests/fuzz/run.sh long build/fuzz/tests/fuzz/$$h tests/fuzz/corpus/$$h \
	        tests/fuzz/regress/$$h build/fuzz/tests/fuzz/work/$$h $(FUZZ_SECONDS) || fail=1; \
	done; exit $$fail

clean:
	rm -rf build
