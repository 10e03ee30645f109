#!/usr/bin/env python3
"""Writes tests/plots/fixture/: a small, made-up run folder in the exact
format allocbench writes (core/csv.c), for the plot tests. The
numbers are invented but shaped like real ones; re-running gives the same
files. Usage: python3 tests/plots/make_fixture.py [OUT_DIR]"""
import json, math, os, random, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "fixture")
os.makedirs(out, exist_ok=True)
rng = random.Random(5)
MiB, GiB = 1 << 20, 1 << 30
strats = {"stack": 20, "bitmap": 45, "buddy": 60, "hier2m": 35}  # base ns
meta_per_gib = {"stack": 2097152, "bitmap": 32768, "buddy": 40960, "hier2m": 36864}
TSC_GHZ = 2.5

REPS = 3  # each cell three times, seeds 1..3: the verdict gets intervals
S_HEAD = ("env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,count,"
          "mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,"
          "mean_cycles,p50_cycles,p99_cycles,p999_cycles,max_cycles,"
          "p90_cycles,batch_count,batch_mean_cycles,batch_mean_ns,"
          "failures,skipped,contig_success,meta_bytes,meta_bytes_per_gib,"
          "total_pages,status")

def srow(env, s, wl, mem, fill, op, base, count=20000, failures=0, status="ok", rep=0):
    pages = mem // 4096
    meta = meta_per_gib[s] * mem // GiB
    key = f"{env},{s},pmm,{wl},{mem},{fill:.3f},1,{rep + 1},{rep}"
    if status != "ok":
        return (f"{key},-,0," + "," * 12 +
                f"0,,,0,0,,{meta},{meta_per_gib[s]:.1f},{pages},{status}")
    p50 = base * (1 + 0.05 * math.log2(mem / (64 * MiB) + 1)) * (1 + rng.uniform(-.03, .03))
    p = [p50, p50 * 1.6, p50 * 3.2, p50 * 9, p50 * 60]
    mean = p50 * 1.3
    cyc = [round(x * TSC_GHZ) for x in p]
    return (f"{key},{op},{count},"
            f"{mean:.1f},{p[0]:.1f},{p[1]:.1f},{p[2]:.1f},{p[3]:.1f},{p[4]:.1f},"
            f"{mean * TSC_GHZ:.3f},{cyc[0]},{cyc[2]},{cyc[3]},{cyc[4]},"
            f"{cyc[1]},{count},{mean * TSC_GHZ * 0.8:.3f},{mean * 0.8:.1f},"
            f"{failures},0,,{meta},{meta_per_gib[s]:.1f},{pages},ok")

rows = []
_srow = srow
def srow(*a, **k):  # every cell REPS times
    return "\n".join(_srow(*a, **k, rep=r) for r in range(REPS))
for s, b in strats.items():
    for mem in (64 * MiB, 1 * GiB):
        rows.append(srow("host", s, "bulk", mem, 0.5, "alloc", b))
        rows.append(srow("host", s, "bulk", mem, 0.5, "free", b * 0.8))
    for fill in (0.5, 0.9):
        rows.append(srow("host", s, "churn", 64 * MiB, fill, "alloc", b * (1 + fill)))
        rows.append(srow("host", s, "churn", 64 * MiB, fill, "free", b * 0.9))
    if s == "stack":
        rows.append(srow("host", s, "huge", 64 * MiB, 0.5, "-", 0, status="skipped"))
    else:
        rows.append(srow("host", s, "huge", 64 * MiB, 0.5, "alloc", b * 1.2))
        rows.append(srow("host", s, "huge", 64 * MiB, 0.5, "free", b))
        rows.append(srow("host", s, "huge", 64 * MiB, 0.5, "alloc_2m", b * 3, 2000,
                         failures={"bitmap": 40, "buddy": 5, "hier2m": 2}[s]))
        rows.append(srow("host", s, "huge", 64 * MiB, 0.5, "free_2m", b * 2, 2000))
for s in ("stack", "bitmap", "buddy"):
    k = 2.5
    rows.append(srow("kernel-tcg", s, "bulk", 64 * MiB, 0.5, "alloc", strats[s] * k))
    rows.append(srow("kernel-tcg", s, "bulk", 64 * MiB, 0.5, "free", strats[s] * k * 0.8))
with open(os.path.join(out, "summary.csv"), "w") as f:
    f.write(S_HEAD + "\n" + "\n".join(rows) + "\n")

F_HEAD = ("env,strategy,workload,mem_bytes,threads,seed,rep,step,free_pages,largest_free_run,free_runs,"
          "ext_frag,free_2m_blocks" + "".join(f",unusable_o{k}" for k in range(11)) +
          "".join(f",extfrag_o{k}" for k in range(11)) +
          "".join(f",blocks_o{k}" for k in range(11)) + ",contig_tried,contig_success,fill")
quality = {"stack": 0.2, "bitmap": 0.6, "buddy": 0.85, "hier2m": 0.9}
frows = []
def frow(env, s, wl, mem, step, fill, q, t, rep=0):
    pages = mem // 4096
    free = int(pages * (1 - fill))
    frag = min(0.999, (1 - q) * (0.3 + 0.7 * t) * (0.5 + fill) * (1 + rng.uniform(-.02, .02)))
    largest = max(1, int(free * (1 - frag)))
    frag = 1 - largest / free
    runs = max(1, int(free * frag / 20) + 1)
    f2m = int(largest // 512 * (0.5 + 0.5 * q))
    idx = ",".join(f"{min(1000, frag * 1000 * k / 10):.3f}" for k in range(11))
    idx2 = ",".join("-1.000" for k in range(11))
    blocks = ",".join(str(max(0, free >> (k + 3))) for k in range(11))
    return (f"{env},{s},{wl},{mem},1,{rep + 1},{rep},{step},{free},{largest},{runs},{frag:.6f},{f2m},"
            f"{idx},{idx2},{blocks},0,,{fill:.3f}")
_frow = frow
def frow(*a):  # every series REPS times
    return "\n".join(_frow(*a, rep=r) for r in range(REPS))
for s, q in quality.items():
    for fill in (0.5, 0.9):
        for i in range(9):
            frows.append(frow("host", s, "churn", 64 * MiB, i * 5000, fill, q, i / 8))
    if s != "stack":
        for i in range(9):
            frows.append(frow("host", s, "huge", 64 * MiB, i * 5000, 0.5, q, i / 8))
with open(os.path.join(out, "frag.csv"), "w") as f:
    f.write(F_HEAD + "\n" + "\n".join(frows) + "\n")

meta = {"cpu_model": "Fixture CPU @ 2.50GHz", "cores": 2, "compiler": "gcc 12.2.0",
        "flags": "-O2", "git_commit": "0000000", "tsc_hz": 2500000000,
        "timer_overhead_cycles": 24, "date": "2025-01-01T00:00:00Z",
        "note": "made-up numbers for the plot tests (tests/plots/make_fixture.py)"}
with open(os.path.join(out, "meta.json"), "w") as f:
    json.dump(meta, f, indent=2)
    f.write("\n")

bm = []
for s, b in strats.items():
    for mem in ("64M", "1G"):
        run = f"BM_alloc_free/{s}/{mem}"
        for agg, v in (("mean", b * 2.1), ("median", b * 2.0), ("stddev", b * 0.15)):
            bm.append({"name": f"{run}_{agg}", "run_name": run, "run_type": "aggregate",
                       "repetitions": 3, "aggregate_name": agg, "iterations": 3,
                       "real_time": v, "cpu_time": v, "time_unit": "ns"})
with open(os.path.join(out, "gbench.json"), "w") as f:
    json.dump({"context": {"date": "2025-01-01", "num_cpus": 2}, "benchmarks": bm}, f, indent=1)
    f.write("\n")

# Heaps under real programs (allocbench programs, host/programs/programs.c) and
# malloc time against live chunks (heapscale.csv).
P_HEAD = ("program,allocator,runs,wall_median_s,wall_stddev_s,wall_min_s,wall_max_s,"
          "max_rss_kib,peak_live_bytes,peak_footprint_bytes,footprint_over_live,"
          "footprint_kind,status")
progs = {"python": (0.25, 40_000_000, 120_000), "gcc": (0.35, 7_200_000, 47_000),
         "perl": (0.08, 3_400_000, 9_000)}
allocs = {"freelist": (1.9, 1.05), "slab": (1.15, 1.3), "jemalloc": (1.05, None),
          "glibc": (1.0, None)}
prow = []
for prog, (t, live, rss) in progs.items():
    for a, (slow, ratio) in allocs.items():
        med = t * slow
        r = rss * (ratio if ratio else 1.1)
        fp = live * ratio if ratio else r * 1024
        kind = "heap" if ratio else "rss"
        status = "ok"
        if prog == "perl" and a == "freelist":
            prow.append(f"{prog},{a},0,,,,,,,,,{kind},failed: wrong output '1' (want '2')")
            continue
        prow.append(f"{prog},{a},5,{med:.6f},{med * 0.02:.6f},{med * 0.97:.6f},"
                    f"{med * 1.04:.6f},{r:.0f},{live},{fp:.0f},{fp / live:.4f},{kind},{status}")
with open(os.path.join(out, "programs.csv"), "w") as f:
    f.write(P_HEAD + "\n" + "\n".join(prow) + "\n")

H_HEAD = ("heap,strategy,live_chunks,ops,malloc_mean_ns,malloc_p50_ns,malloc_p99_ns,"
          "free_mean_ns,peak_footprint_bytes,peak_live_bytes")
hrow = []
for heap, grow in (("freelist", 0.8), ("slab", 0.03)):
    for n in (10, 100, 1000, 10000):
        m = 15 * n ** grow
        hrow.append(f"{heap},buddy,{n},5000,{m:.1f},{m * 0.8:.1f},{m * 4:.1f},12.0,"
                    f"{n * 300 + 16384},{n * 264}")
with open(os.path.join(out, "heapscale.csv"), "w") as f:
    f.write(H_HEAD + "\n" + "\n".join(hrow) + "\n")
