// allocbench-micro: Google Benchmark single-operation benchmarks over the
// host registry (the core strategies and the baselines).
//
//   BM_AllocFree_<mem>/<strategy>/f<fill>  alloc + free of one page, timed
//                                          together
//   BM_Alloc_<mem>/<strategy>/f<fill>      alloc of one page; every batch
//                                          (<= 256 pages) is freed with the
//                                          timer paused
//   BM_Free_<mem>/<strategy>/f<fill>       free of one page; batches are
//                                          allocated with the timer paused
//
// <mem> is the managed memory (the PMM layout of `allocbench run`), <fill>
// the percentage of its pages held, by single-page allocations made in
// order, before every timed operation. Core strategies run at 64M, 1G and
// 16G (simulated memory: metadata only); the baselines hand out real memory
// and run at 64M and 1G only. One instance per (strategy, memory) is kept
// across its fill levels and families, in registration order, so a 16 GiB
// fill is paid once. Real time per iteration is one operation, in ns. The
// memory size is part of the family name so that `allocbench plot`, which
// draws one figure per family, compares the strategies at one size.
//
// `allocbench matrix` runs this with --benchmark_out=RUN_DIR/gbench.json.
extern "C" {
#include "allocbench/strategy.h"
#include "core/layout.h"
#include "baselines.h"
}

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;
constexpr size_t kBatch = 256;

// The instance the benchmarks share, rebuilt when (strategy, mem) changes.
struct Instance {
    const ab_strategy *st = nullptr;
    uint64_t mem_bytes = 0;
    void *meta = nullptr;
    uint64_t total_pages = 0;
    std::vector<uint64_t> fill; // addresses of the fill's pages, in order

    ~Instance() { release(); }

    void release()
    {
        if (st != nullptr)
            while (!fill.empty()) {
                st->free(meta, fill.back(), 1);
                fill.pop_back();
            }
        std::free(meta);
        meta = nullptr;
        st = nullptr;
    }

    // Brings the instance to (s, mem, fill_pct). Returns nullptr or why not.
    const char *prepare(const ab_strategy *s, uint64_t mem, unsigned fill_pct)
    {
        if (s != st || mem != mem_bytes) {
            release();
            ab_span spans[4];
            size_t n = ab_layout_pmm(mem, spans);
            size_t len = s->meta_bytes(spans, n);
            if (len == 0)
                return "meta_bytes() = 0";
            len = (len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
            meta = std::aligned_alloc(AB_META_ALIGN, len);
            if (meta == nullptr)
                return "cannot allocate the metadata";
            if (s->init(meta, len, spans, n) != AB_OK) {
                std::free(meta);
                meta = nullptr;
                return "init() failed";
            }
            st = s;
            mem_bytes = mem;
            total_pages = 0;
            for (size_t i = 0; i < n; i++)
                total_pages += spans[i].npages;
        }
        uint64_t target = total_pages * fill_pct / 100;
        while (fill.size() > target) {
            st->free(meta, fill.back(), 1);
            fill.pop_back();
        }
        fill.reserve(target);
        while (fill.size() < target) {
            uint64_t a;
            if (st->alloc(meta, 1, 1, &a) != AB_OK)
                return "alloc() failed while filling";
            fill.push_back(a);
        }
        return nullptr;
    }

    // Pages that may be held on top of the fill by one batch.
    size_t batch() const
    {
        uint64_t spare = (total_pages - fill.size()) / 2;
        return spare < kBatch ? (spare ? (size_t)spare : 1) : kBatch;
    }
};

Instance g_inst;

struct Cell {
    const ab_strategy *st;
    uint64_t mem_bytes;
    unsigned fill_pct;
};

bool cell_prepare(benchmark::State &state, const Cell &c)
{
    const char *why = g_inst.prepare(c.st, c.mem_bytes, c.fill_pct);
    if (why != nullptr) {
        state.SkipWithError(why);
        return false;
    }
    return true;
}

void BM_AllocFree(benchmark::State &state, Cell c)
{
    if (!cell_prepare(state, c))
        return;
    const ab_strategy *st = c.st;
    void *self = g_inst.meta;
    for (auto _ : state) {
        uint64_t a;
        if (st->alloc(self, 1, 1, &a) != AB_OK || st->free(self, a, 1) != AB_OK) {
            state.SkipWithError("alloc or free failed");
            break;
        }
        benchmark::DoNotOptimize(a);
    }
}

void BM_Alloc(benchmark::State &state, Cell c)
{
    if (!cell_prepare(state, c))
        return;
    const ab_strategy *st = c.st;
    void *self = g_inst.meta;
    size_t k = g_inst.batch();
    std::vector<uint64_t> held;
    held.reserve(k);
    for (auto _ : state) {
        uint64_t a;
        if (st->alloc(self, 1, 1, &a) != AB_OK) {
            state.SkipWithError("alloc failed");
            break;
        }
        held.push_back(a);
        if (held.size() == k) {
            state.PauseTiming();
            for (uint64_t h : held)
                st->free(self, h, 1);
            held.clear();
            state.ResumeTiming();
        }
    }
    for (uint64_t h : held)
        st->free(self, h, 1);
}

void BM_Free(benchmark::State &state, Cell c)
{
    if (!cell_prepare(state, c))
        return;
    const ab_strategy *st = c.st;
    void *self = g_inst.meta;
    size_t k = g_inst.batch();
    std::vector<uint64_t> held;
    held.reserve(k);
    for (auto _ : state) {
        if (held.empty()) {
            state.PauseTiming();
            for (size_t i = 0; i < k; i++) {
                uint64_t a;
                if (st->alloc(self, 1, 1, &a) != AB_OK)
                    break;
                held.push_back(a);
            }
            state.ResumeTiming();
            if (held.empty()) {
                state.SkipWithError("alloc failed");
                break;
            }
        }
        if (st->free(self, held.back(), 1) != AB_OK) {
            state.SkipWithError("free failed");
            break;
        }
        held.pop_back();
    }
    for (uint64_t h : held)
        st->free(self, h, 1);
}

std::string size_name(uint64_t bytes)
{
    return bytes >= kGiB ? std::to_string(bytes / kGiB) + "G" : std::to_string(bytes / kMiB) + "M";
}

void register_all()
{
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    const uint64_t core_mems[] = {64 * kMiB, 1 * kGiB, 16 * kGiB};
    const unsigned fills[] = {50, 90, 99};
    using Fn = void (*)(benchmark::State &, Cell);
    const struct {
        const char *name;
        Fn fn;
    } families[] = {{"BM_AllocFree", BM_AllocFree}, {"BM_Alloc", BM_Alloc}, {"BM_Free", BM_Free}};
    for (size_t s = 0; s < n; s++) {
        const ab_strategy *st = all[s];
        bool baseline = (st->caps & AB_CAP_HOSTONLY) != 0;
        for (uint64_t mem : core_mems) {
            if (baseline && mem > HOST_BASELINE_MATRIX_MAX_BYTES)
                continue;
            const char *why = host_baseline_skip(st, mem >> AB_PAGE_SHIFT);
            if (why != nullptr) {
                std::fprintf(stderr, "allocbench-micro: %s %s skipped: %s\n", st->name,
                             size_name(mem).c_str(), why);
                benchmark::AddCustomContext(std::string("skipped_") + st->name, why);
                break;
            }
            for (unsigned f : fills)
                for (const auto &fam : families) {
                    std::string name = std::string(fam.name) + "_" + size_name(mem) + "/" +
                                       st->name + "/f" + std::to_string(f);
                    Cell c{st, mem, f};
                    Fn fn = fam.fn;
                    benchmark::RegisterBenchmark(name.c_str(),
                                                 [fn, c](benchmark::State &state) { fn(state, c); })
                        ->Unit(benchmark::kNanosecond);
                }
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    host_baseline_reexec(argv); // room for jemalloc's static TLS; see baselines.h
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    register_all();
    // The malloc this process runs on, after the jemalloc baseline was
    // loaded (dlopen, RTLD_LOCAL): still glibc's.
    benchmark::AddCustomContext("tool_malloc", host_malloc_origin());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_inst.release();
    return 0;
}
