#!/usr/bin/env python3
"""allocbench compare tests.

  compare_case.py aa DRIVER WORKDIR          two runs of one distribution,
      different noise: no significant regression, exit 0.
  compare_case.py regression DRIVER WORKDIR  B has bitmap 20 % slower:
      exactly bitmap is regressed, exit 1."""
import csv, os, random, shutil, subprocess, sys

case, driver, work = sys.argv[1:4]
MiB = 1 << 20
S_HEAD = ("env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,count,mean_ns,"
          "p50_ns,p90_ns,p99_ns,p999_ns,max_ns,failures,status")
F_HEAD = "env,strategy,workload,mem_bytes,threads,seed,rep,step,free_pages,largest_free_run,free_runs,ext_frag,free_2m_blocks"

def make(run, seed, slow):
    rng = random.Random(seed)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    rows, frows = [], []
    for s, base in (("buddy", 100), ("bitmap", 150), ("hier2m", 80)):
        for wl in ("bulk", "churn"):
            for op in ("alloc", "free"):
                for rep in range(6):
                    k = base * (1.2 if s == slow else 1.0)
                    v = sorted(k * f * (1 + rng.gauss(0, 0.01)) for f in (1, .8, 1.5, 3, 6, 20))
                    rows.append(f"host,{s},pmm,{wl},{64*MiB},0.5,1,{seed*100+rep},{rep},{op},1000,"
                                f"{v[1]:.3f},{v[0]:.3f},{v[2]:.3f},{v[3]:.3f},{v[4]:.3f},{v[5]:.3f},0,ok")
        frows.append(f"host,{s},churn,{64*MiB},1,1,0,0,8192,8000,3,0.02,15")
    open(os.path.join(run, "summary.csv"), "w").write(S_HEAD + "\n" + "\n".join(rows) + "\n")
    open(os.path.join(run, "frag.csv"), "w").write(F_HEAD + "\n" + "\n".join(frows) + "\n")

a, b = os.path.join(work, "cmp-a"), os.path.join(work, "cmp-b-" + case)
make(a, 1, None)
make(b, 2, "bitmap" if case == "regression" else None)
out = os.path.join(work, "cmp-out-" + case)
r = subprocess.run([driver, a, b, "--threshold", "5", "-o", out], capture_output=True, text=True)
print(r.stdout, r.stderr)
rows = list(csv.DictReader(open(os.path.join(out, "compare.csv"))))
reg = sorted({x["strategy"] for x in rows if x["verdict"] == "REGRESSION"})
bad = []
if case == "aa":
    if r.returncode != 0 or reg:
        bad.append(f"A/A shows regressions {reg} (exit {r.returncode})")
else:
    if r.returncode != 1 or reg != ["bitmap"]:
        bad.append(f"expected exactly bitmap regressed and exit 1, got {reg} exit {r.returncode}")
    n = sum(1 for x in rows if x["strategy"] == "bitmap" and x["verdict"] == "REGRESSION")
    if n != 12:
        bad.append(f"bitmap regressed in {n} of 12 cell-metrics")
    for x in rows:
        if x["strategy"] == "bitmap" and not (1.1 < float(x["ratio"]) < 1.3):
            bad.append(f"bitmap ratio {x['ratio']} is not near 1.2")
if not os.path.getsize(os.path.join(out, "compare-ratios.png")) > 1000:
    bad.append("no figure of ratios (compare-ratios.png)")
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
