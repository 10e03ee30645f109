#!/usr/bin/env python3
"""report.hist_cdf: with a hist.csv (bucket bounds in cycles and counts) the
latency CDF is drawn from the buckets, not through five percentiles.
  hist_case.py DRIVER FIXTURE WORKDIR"""
import os, shutil, subprocess, sys

driver, fixture, work = sys.argv[1:4]
run = os.path.join(work, "hist")
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)
rows = ["env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,"
        "bucket_lo_cycles,bucket_hi_cycles,count"]
for s, base in (("buddy", 150), ("bitmap", 112), ("hier2m", 87), ("stack", 52)):
    lo = 16
    while lo < 1 << 16:
        f = lambda x: 1 / (1 + (x / base) ** 2.2)
        rows.append(f"host,{s},pmm,bulk,1073741824,0.500,1,1,0,alloc,{lo},{lo * 2},"
                    f"{int(20000 * (f(lo) - f(lo * 2))) + 1}")
        lo *= 2
open(os.path.join(run, "hist.csv"), "w").write("\n".join(rows) + "\n")
r = subprocess.run([driver, run, "--size", "320x200"], capture_output=True, text=True)
bad = [] if r.returncode == 0 else [f"exit {r.returncode}: {r.stderr}"]
data = os.path.join(run, "plots", "data", "cdf-host-bulk-alloc.buddy.csv")
n = len(open(data).read().splitlines()) - 1 if os.path.exists(data) else 0
if n != 12:
    bad.append(f"buddy's CDF has {n} points, hist.csv has 12 buckets")
cyc = open(data).read().splitlines()[1].split(",")[0] if n else "0"
if abs(float(cyc) - 32 / 2.5) > 1e-6:  # first upper bound: 32 cycles at 2.5 GHz
    bad.append(f"first bucket bound {cyc} ns, expected 12.8 (cycles not converted)")
md = open(os.path.join(run, "report.md")).read() if r.returncode == 0 else ""
if "from the run's histograms" not in md:
    bad.append("the CDF caption does not say it comes from hist.csv")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
