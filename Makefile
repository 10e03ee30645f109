# allocbench: the two quick-start commands, and a few helpers.
#   make bench   build (release) and run the benchmark matrix (quick)
#   make test    build the 64-bit, 32-bit and ASan+UBSan builds and run every test
JOBS ?= 2
TEST_PRESETS ?= default m32 asan
BENCH_ARGS ?= --quick

.PHONY: all deps build test bench clean

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

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	./build/release/bench/allocbench matrix $(BENCH_ARGS)

clean:
	rm -rf build
