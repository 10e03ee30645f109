# allocbench: the two quick-start commands, and a few helpers.
#   make bench   build (release), run the benchmark matrix and the real programs
#                (both quick), then draw the plots and report
#   make test    build and run every test: 64-bit with coverage (and its gate),
#                32-bit, ASan+UBSan, ThreadSanitizer, and the fuzzers' corpora
#                plus a short fuzz of each
JOBS ?= 2
TEST_PRESETS ?= coverage m32 asan tsan fuzz
BENCH_ARGS ?= --quick
PROGRAMS_ARGS ?= --quick
# A run folder per call, results/<UTC %Y%m%d-%H%M%S> (the format allocbench
# itself uses); pass BENCH_OUT=DIR to resume a stopped run there.
ifndef BENCH_OUT
BENCH_OUT := results/$(shell date -u +%Y%m%d-%H%M%S)
endif

.PHONY: all deps build test coverage bench fuzz clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	cmake --preset default
	cmake --build --preset default -j $(JOBS)

# -Werror everywhere but the fuzz preset, which clang builds (its warning
# set differs from gcc's; the same code is -Werror-clean under gcc). The
# coverage preset's run is followed by the coverage gate.
test: deps
	@mkdir -p build; start=$$(date +%s); \
	for p in $(TEST_PRESETS); do \
	    echo "== make test: preset $$p ($$(( $$(date +%s) - start )) s so far)"; \
	    werror=ON; [ $$p = fuzz ] && werror=OFF; \
	    cmake --preset $$p -DAB_WERROR=$$werror >/dev/null || exit 1; \
	    cmake --build --preset $$p -j $(JOBS) >build/$$p.log 2>&1 || \
	        { cat build/$$p.log; echo "make test: the $$p build failed"; exit 1; }; \
	    [ $$p = coverage ] && find build/coverage -name '*.gcda' -delete; \
	    ctest --preset $$p || exit 1; \
	    if [ $$p = coverage ]; then sh scripts/coverage.sh build/coverage || exit 1; fi; \
	done; \
	echo "make test: presets $(TEST_PRESETS) passed in $$(( $$(date +%s) - start )) s"

# Line and branch coverage per file (gcovr) of the coverage preset's tests,
# and the gate (scripts/coverage.sh).
coverage: deps
	@mkdir -p build
	cmake --preset coverage >/dev/null
	cmake --build --preset coverage -j $(JOBS) >build/coverage.log 2>&1 || { cat build/coverage.log; exit 1; }
	find build/coverage -name '*.gcda' -delete
	ctest --preset coverage
	sh scripts/coverage.sh build/coverage

# The matrix's exit status is kept, but the plots and report are drawn from
# whatever it recorded (failed cells are rows too). The speed targets'
# table (report --check) is printed; a target that falls short on this
# machine does not fail make bench (report --check's own exit status does). The build's output goes
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
	./build/release/host/allocbench report $(BENCH_OUT) || exit 1; \
	./build/release/host/allocbench report --check $(BENCH_OUT); \
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
