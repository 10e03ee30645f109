#!/usr/bin/env python3
"""report.threads_scaling: threads.csv (one row per thread and phase) gives
the 2-thread over 1-thread ratio of total ops/s: report --check prints it with
its interval (fixture: hier2m 1.9, pcp+buddy 1.15), the scaling verdict picks
from it, and reps whose threads did not run together are named. Without
threads.csv the report is drawn as before (no threads figure).
  threads_case.py DRIVER FIXTURE WORKDIR"""
import os, re, shutil, subprocess, sys

driver, fixture, work = sys.argv[1:4]
bad = []
run = os.path.join(work, "threads")
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)
t = os.path.join(work, "targets-threads.csv")
open(t, "w").write(
    "figure,numerator,denominator,metric,cmp,limit,source,fill,order,what\n"
    "h2,hier2m/pmm/bulk/alloc/64M/2,hier2m/pmm/bulk/alloc/64M/1,total_ops_per_s,>=,1.6,threads,-,0,x\n"
    "p2,pcp+buddy/pmm/repeat/pair/64M/2,pcp+buddy/pmm/repeat/pair/64M/1,total_ops_per_s,>=,1.6,threads,-,0,x\n"
    "o9,hier2m/pmm/bulk/alloc/64M/2,hier2m/pmm/bulk/alloc/64M/1,total_ops_per_s,>=,1.6,threads,-,9,x\n"
    "sm,hier2m/pmm/bulk/alloc/64M/1,stack/pmm/bulk/alloc/64M/1,batch_median_ns,<=,8,summary,-,-,x\n")
r = subprocess.run([driver, run, "--check", "--targets", t], capture_output=True, text=True)
print(r.stdout, r.stderr)
rows = {l.split()[0]: l for l in r.stdout.splitlines() if l.strip()}
def ratio(fig):
    m = re.match(r"\S+\s+([0-9.e+-]+)\s+\[([0-9.e+-]+), ([0-9.e+-]+)\]", rows.get(fig, ""))
    return tuple(float(x) for x in m.groups()) if m else None
h2, p2 = ratio("h2"), ratio("p2")
if r.returncode != 1:
    bad.append(f"exit {r.returncode}, expected 1 (p2 misses its limit)")
if h2 is None or abs(h2[0] - 1.9) > 0.01 or not h2[1] <= h2[0] <= h2[2] or h2[1] == h2[2]:
    bad.append(f"hier2m 2t/1t is {h2}, expected 1.9 inside a real interval")
if "PASS" not in rows.get("h2", ""):
    bad.append("hier2m 2t/1t >= 1.6 is not PASS")
if p2 is None or abs(p2[0] - 1.1) > 0.01 or "FAIL" not in rows.get("p2", ""):
    bad.append(f"pcp+buddy 2t/1t is {p2}, expected 1.1 and FAIL")
if "not a scaling figure" not in rows.get("p2", ""):
    bad.append("p2 does not say its threads did not run together")
if "NO DATA" not in rows.get("o9", ""):
    bad.append("order 9 (absent in the fixture) is not NO DATA")
if "PASS" not in rows.get("sm", ""):
    bad.append("batch_median_ns without the column does not fall back to mean_ns")

r = subprocess.run([driver, run, "--size", "320x200"], capture_output=True, text=True)
if r.returncode != 0:
    bad.append(f"report exit {r.returncode}: {r.stderr}")
else:
    md = open(os.path.join(run, "report.md")).read()
    if "threads did not run together in 1 of 3 reps: the 2-thread figure is not a scaling figure" not in md:
        bad.append("report.md does not name the reps whose threads ran apart")
    if "1.9 \\[1.86, 1.94\\]x" not in md:
        bad.append("report.md has no hier2m speedup 1.9 [1.86, 1.94]x")
    v = open(os.path.join(run, "verdict.csv")).read()
    if '"scaling","scaling","bulk alloc, order 0 (4 KiB frames), 64 MiB, 2 threads","hier2m"' not in v:
        bad.append("the scaling verdict does not pick hier2m for bulk alloc")
    data = os.path.join(run, "plots", "data", "threads-host-bulk-o0-64M-alloc.hier2m.csv")
    got = open(data).read().splitlines()[1:] if os.path.exists(data) else []
    if [l.split(",")[0] for l in got] != ["1", "2"]:
        bad.append(f"throughput-against-threads data for hier2m is {got}")

plain = os.path.join(work, "threads-absent")
shutil.rmtree(plain, ignore_errors=True)
shutil.copytree(fixture, plain)
os.remove(os.path.join(plain, "threads.csv"))
r = subprocess.run([driver, plain, "--size", "320x200"], capture_output=True, text=True)
if r.returncode != 0:
    bad.append(f"without threads.csv: exit {r.returncode}: {r.stderr}")
elif any(f.startswith("threads-") for f in os.listdir(os.path.join(plain, "plots"))):
    bad.append("without threads.csv a threads figure was drawn")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
