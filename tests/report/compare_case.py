#!/usr/bin/env python3
"""allocbench compare tests.

  compare_case.py aa DRIVER WORKDIR          two runs of one distribution,
      different noise: no significant regression, exit 0.
  compare_case.py regression DRIVER WORKDIR  B has bitmap 20 % slower:
      exactly bitmap is regressed, exit 1.
  compare_case.py drift DRIVER WORKDIR       B ran on a machine 4 % slower,
      buddy 6 % (two quick runs here once drifted so, buddy by 8.5 %):
      judged against the run's drift, nothing regressed, exit 0 (raw B/A
      flags buddy).
  compare_case.py drift_regression DRIVER WORKDIR  4 % slower machine,
      bitmap 20 % on top: exactly bitmap, exit 1.
  compare_case.py machine DRIVER WORKDIR     every strategy 10 % slower:
      no strategy regressed, the whole run is: exit 3.
  compare_case.py resolution DRIVER WORKDIR  a 10 ns timer quantum
      (meta.json); filler00 sits below 2 quanta and is 10 % slower in B:
      all its comparisons are "below resolution", none regressed; filler01
      is 12 % slower, which moves its mean by less than one quantum
      ("within one timer quantum") and its tails by more (REGRESSION):
      exactly filler01 regressed, exit 1.
  compare_case.py grid DRIVER WORKDIR        a 10 ns quantum, B's machine
      2.6 % faster; filler00's bulk alloc p99.9 reads 10 ns in all of A's
      reps and 140, 10, 30, 120, 20 ns in B's (two real quick runs did
      this), its churn free p99.9 30 ns in all. Scaled by the drift, A's
      10 ns would sit below B's 10 ns and Mann-Whitney would see no tie
      (p 0.0079, significant in a family of 2); on the timer's grid the tie
      stays (p 0.048) and nothing regresses, exit 0.
  compare_case.py batches DRIVER WORKDIR     filler00's per-op values sit
      below 2 quanta, but its batch medians (bulk, repeat, rand) read 3 ns
      and are 20 % slower in B: batch_median_ns regresses in its 6 cells,
      exactly filler00 regressed, exit 1.
  compare_case.py tcg DRIVER WORKDIR         every cell also runs as
      kernel-tcg; B's TCG cells are all 10 % slower (two quick runs here
      drifted so under TCG, 1.100) and its host cells are not: the whole
      TCG run is named SLOWER, relative-only, and nothing regressed: exit 0
      (TCG's speed follows the host's load); its 1920 comparisons are
      drawn on two pages of ratios.

Both runs have the size of a quick matrix run with --reps 5: 20 strategies
x 8 workloads x 2 ops x 3 metrics = 960 comparisons, 5 reps a side (the
smallest Mann-Whitney p is then 0.0079: the test must still see bitmap)."""
import csv, os, random, shutil, subprocess, sys

case, driver, work = sys.argv[1:4]
MiB = 1 << 20
S_HEAD = ("env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,count,mean_ns,"
          "p50_ns,p90_ns,p99_ns,p999_ns,max_ns,failures,status,batch_median_ns")
BATCHED = ("bulk", "repeat", "rand")
F_HEAD = "env,strategy,workload,mem_bytes,threads,seed,rep,step,free_pages,largest_free_run,free_runs,ext_frag,free_2m_blocks"

def make(run, seed, slow, drift=1.0, extra=None, bases=None, p999=None, batch=None,
         envs=(("host", 1.0),)):
    rng = random.Random(seed)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    rows, frows = [], []
    strats = [("buddy", 100), ("bitmap", 150), ("hier2m", 80)] + \
             [(f"filler{i:02}", (bases or {}).get(f"filler{i:02}", 60 + 7 * i)) for i in range(17)]
    for s, base in strats:
        for (env, env_k), wl in ((e, w) for e in envs for w in (
                "bulk", "churn", "rand", "repeat", "sizes", "huge", "fix_size", "random_size")):
            for op in ("alloc", "free"):
                for rep in range(5):
                    k = base * (1.2 if s == slow else 1.0) * drift * (extra or {}).get(s, 1.0)
                    k *= env_k
                    v = sorted(k * f * (1 + rng.gauss(0, 0.01)) for f in (1, .8, 1.5, 3, 6, 20))
                    v[4] = (p999 or {}).get((s, wl, op), v[4:5] * 5)[rep]
                    v[5] = max(v[4], v[5])
                    bm = ""
                    if batch and wl in BATCHED:  # batch medians resolve what reads cannot
                        bm = f"{batch.get(s, base) * k / base * (1 + rng.gauss(0, 0.01)):.4f}"
                    rows.append(f"{env},{s},pmm,{wl},{64*MiB},0.5,1,{seed*100+rep},{rep},{op},1000,"
                                f"{v[1]:.3f},{v[0]:.3f},{v[2]:.3f},{v[3]:.3f},{v[4]:.3f},{v[5]:.3f},0,ok,{bm}")
        frows.append(f"host,{s},churn,{64*MiB},1,1,0,0,8192,8000,3,0.02,15")
    open(os.path.join(run, "summary.csv"), "w").write(S_HEAD + "\n" + "\n".join(rows) + "\n")
    open(os.path.join(run, "frag.csv"), "w").write(F_HEAD + "\n" + "\n".join(frows) + "\n")
    if bases:  # a 10 ns timer quantum: 20 cycles at 2 GHz
        open(os.path.join(run, "meta.json"), "w").write(
            '{"tsc_hz": 2000000000, "timer_quantum_cycles": 20}\n')

a, b = os.path.join(work, "cmp-a-" + case), os.path.join(work, "cmp-b-" + case)
# resolution: filler00's mean, p99, p99.9 are 2.5, 7.5, 15 ns (2 quanta: 20);
# filler01's mean 67 ns moves 8 ns, its p99 201 ns moves 24.
bases = {"resolution": {"filler00": 2.5, "filler01": 67}, "grid": {"filler00": 2.5},
         "batches": {"filler00": 2.5}}.get(case)
grid_a = {("filler00", "bulk", "alloc"): [10] * 5, ("filler00", "churn", "free"): [30] * 5}
grid_b = {("filler00", "bulk", "alloc"): [140, 10, 30, 120, 20],
          ("filler00", "churn", "free"): [30] * 5}
batch = {"filler00": 3.0} if case == "batches" else None
tcg = case == "tcg"
make(a, 1, None, bases=bases, p999=grid_a if case == "grid" else None, batch=batch,
     envs=(("host", 1.0), ("kernel-tcg", 1.0)) if tcg else (("host", 1.0),))
slow = {"regression": "bitmap", "drift_regression": "bitmap", "batches": "filler00"}.get(case)
drift = {"drift": 1.04, "drift_regression": 1.04, "machine": 1.10, "grid": 0.974}.get(case, 1.0)
extra = {"drift": {"buddy": 1.02}, "resolution": {"filler00": 1.10, "filler01": 1.12}}.get(case)
make(b, 2, slow, drift, extra, bases, p999=grid_b if case == "grid" else None, batch=batch,
     envs=(("host", 1.0), ("kernel-tcg", 1.10)) if tcg else (("host", 1.0),))
out = os.path.join(work, "cmp-out-" + case)
r = subprocess.run([driver, a, b, "--threshold", "5", "-o", out], capture_output=True, text=True)
print(r.stdout, r.stderr)
rows = list(csv.DictReader(open(os.path.join(out, "compare.csv"))))
reg = sorted({x["strategy"] for x in rows if x["verdict"] == "REGRESSION"})
wide = sorted(l.split(":")[1].strip() for l in r.stdout.splitlines()
              if "REGRESSION over its cells" in l)
whole = [l for l in r.stdout.splitlines() if "the whole run," in l]
bad = []
if len(whole) != (2 if tcg else 1):
    bad.append(f"expected one line on the whole run per environment, got {whole}")
if case in ("aa", "drift"):
    if r.returncode != 0 or reg or wide:
        bad.append(f"{case} shows regressions {reg}, strategy-wide {wide} (exit {r.returncode})")
    if case == "drift" and not (whole and "host: B/A 1.04" in whole[0] and "within threshold" in whole[0]):
        bad.append(f"the whole run should be 1.04, within threshold: {whole}")
elif case == "resolution":
    f0 = [x["verdict"] for x in rows if x["strategy"] == "filler00"]
    f1 = {(x["metric"], x["verdict"]) for x in rows if x["strategy"] == "filler01"}
    if r.returncode != 1 or reg != ["filler01"] or wide != ["filler01"]:
        bad.append(f"expected exactly filler01 regressed and exit 1, got {reg} {wide} exit {r.returncode}")
    if len(f0) != 48 or set(f0) != {"below resolution"}:
        bad.append(f"filler00 should be below resolution in 48 of 48, got {sorted(set(f0))} in {len(f0)}")
    if f1 != {("mean_ns", "within one timer quantum"), ("p99_ns", "REGRESSION"), ("p999_ns", "REGRESSION")}:
        bad.append(f"filler01's verdicts per metric: {sorted(f1)}")
    if "48 below resolution" not in r.stdout:
        bad.append("stdout does not count the 48 comparisons below resolution")
elif case == "grid":
    f0 = {(x["cell"], x["metric"]): x["verdict"] for x in rows if x["strategy"] == "filler00"}
    tail = f0.get(("host bulk alloc, fill 50 %, 64 MiB", "p999_ns"))
    if r.returncode != 0 or reg or wide:
        bad.append(f"grid: expected nothing regressed and exit 0, got {reg} {wide} exit {r.returncode}")
    if tail != "no significant change":
        bad.append(f"filler00's bulk alloc p99.9 (A 10 ns x5, B 140/10/30/120/20) is {tail!r}")
elif case == "batches":
    f0 = [x for x in rows if x["strategy"] == "filler00"]
    bm = [x["verdict"] for x in f0 if x["metric"] == "batch_median_ns"]
    # 6 cells up of 6 is sign-test p 0.031, over 20 strategies' BH bound:
    # the strategy-wide test may not name it, and must name nothing else.
    if r.returncode != 1 or reg != ["filler00"] or wide not in ([], ["filler00"]):
        bad.append(f"expected exactly filler00 regressed and exit 1, got {reg} {wide} exit {r.returncode}")
    if bm != ["REGRESSION"] * 6:
        bad.append(f"filler00's batch medians: {bm} (6 REGRESSION expected)")
    if any(x["verdict"] != "below resolution" for x in f0 if x["metric"] != "batch_median_ns"):
        bad.append("filler00's per-op values should stay below resolution")
    if any(x["metric"] == "batch_median_ns" for x in rows if x["strategy"] != "filler00" and
           x["cell"].split()[1] not in BATCHED):
        bad.append("batch_median_ns compared in a cell without batches")
elif case == "tcg":
    if r.returncode != 0 or reg or wide:
        bad.append(f"tcg: expected nothing regressed and exit 0, got {reg} {wide} exit {r.returncode}")
    host = [l for l in whole if "run, host:" in l]
    kern = [l for l in whole if "run, kernel-tcg:" in l]
    if not (host and "no significant change" in host[0]):
        bad.append(f"the host run should show no significant change: {host}")
    if not (kern and "B/A 1.10" in kern[0] and "SLOWER beyond the threshold" in kern[0] and
            "relative-only" in kern[0]):
        bad.append(f"the TCG run should be named 1.10 slower, relative-only: {kern}")
elif case == "machine":
    if r.returncode != 3 or reg or wide:
        bad.append(f"machine: expected no strategy regressed and exit 3, got {reg} {wide} exit {r.returncode}")
    if not (whole and "SLOWER beyond the threshold" in whole[0]):
        bad.append(f"the whole run should be slower beyond the threshold: {whole}")
else:
    if r.returncode != 1 or reg != ["bitmap"]:
        bad.append(f"expected exactly bitmap regressed and exit 1, got {reg} exit {r.returncode}")
    if wide != ["bitmap"]:
        bad.append(f"the per-strategy test should flag exactly bitmap, got {wide}")
    n = sum(1 for x in rows if x["strategy"] == "bitmap" and x["verdict"] == "REGRESSION")
    if n != 48:
        bad.append(f"bitmap regressed in {n} of 48 cell-metrics")
    for x in rows:
        if x["strategy"] == "bitmap" and not (1.1 < float(x["vs_run"]) < 1.3):
            bad.append(f"bitmap ratio over the run {x['vs_run']} is not near 1.2")
# a page of at most 1000 rows each (one tall PNG failed in Cairo at 1920)
pages = ["compare-ratios.png"] + [f"compare-ratios-{k}.png" for k in range(2, (len(rows) + 999) // 1000 + 1)]
for png in pages:
    f = os.path.join(out, png)
    if not (os.path.exists(f) and os.path.getsize(f) > 1000):
        bad.append(f"no figure of ratios ({png}, {len(rows)} rows)")
    if f"]({png})" not in open(os.path.join(out, "compare.md")).read():
        bad.append(f"compare.md does not show {png}")
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
