#!/usr/bin/env python3
"""allocbench report --check: a target met passes, one missed fails with
exit 1, one without data prints NO DATA and fails nothing. With the run's
memprobe.csv, a target over one strategy at two sizes also prints one random
load's cost in the numerator's metadata, and a count of the misses that
load alone explains; a malformed memprobe.csv is an error naming it.
  check_case.py DRIVER FIXTURE WORKDIR"""
import os, shutil, subprocess, sys

driver, fixture, work = sys.argv[1:4]
t = os.path.join(work, "targets-test.csv")
head = "figure,numerator,denominator,metric,cmp,limit,what\n"
ok = "met,hier2m/pmm/bulk/alloc/64M/1,stack/pmm/bulk/alloc/64M/1,mean_ns,<=,8,x\n"
nodata = "absent,vmem/vmm/churn/alloc/64G/1,vmem/vmm/churn/alloc/64M/1,p999_ns,<=,2,x\n"
missed = "missed,hier2m/pmm/bulk/alloc/64M/1,stack/pmm/bulk/alloc/64M/1,mean_ns,<=,1.5,x\n"
bad = []
for rows, want in ((ok + nodata, 0), (ok + nodata + missed, 1)):
    open(t, "w").write(head + rows)
    r = subprocess.run([driver, fixture, "--check", "--targets", t], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    if r.returncode != want:
        bad.append(f"exit {r.returncode}, expected {want}")
    if "NO DATA" not in r.stdout or "PASS" not in r.stdout:
        bad.append("PASS and NO DATA rows missing")
    if want and "FAIL" not in r.stdout:
        bad.append("the missed target is not printed as FAIL")

# memprobe.csv: the fixture's buddy keeps 40 KiB of metadata per GiB, so
# at 1G the largest probed buffer not above it is 32 KiB (100 ns here, over
# a denominator of about 83 ns: 1.2x, above the limit of 0.5).
run = os.path.join(work, "check-probe")
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)
grow = "grow,buddy/pmm/bulk/alloc/1G/1,buddy/pmm/bulk/alloc/64M/1,mean_ns,<=,0.5,x\n"
open(t, "w").write(head + ok + grow)
r = subprocess.run([driver, run, "--check", "--targets", t], capture_output=True, text=True)
if "for scale" in r.stdout:
    bad.append("a note for scale without memprobe.csv")
probe = os.path.join(run, "memprobe.csv")
open(probe, "w").write("bytes,ns_per_load,ns_min,ns_max,trials,loads_per_trial\n"
                       "16384,1.5,1.4,1.6,5,100\n32768,100,90,110,5,100\n"
                       "65536,500,400,600,5,100\n")
r = subprocess.run([driver, run, "--check", "--targets", t], capture_output=True, text=True)
print(r.stdout, r.stderr)
row = [l for l in r.stdout.splitlines() if l.startswith("grow ")]
if r.returncode != 1 or not row or "FAIL" not in row[0]:
    bad.append(f"grow: exit {r.returncode}, row {row}")
elif "one random load in 32 KiB" not in row[0] or "100 ns" not in row[0]:
    bad.append(f"grow: no note for scale from the 32 KiB probe: {row[0]}")
if "1 of the 1 figures that fall short" not in r.stdout:
    bad.append("the count of misses one load explains is missing")
if "for scale" in "".join(l for l in r.stdout.splitlines() if l.startswith("met ")):
    bad.append("a note for scale on a target over two strategies")
# The report's run section says it in one line.
r = subprocess.run([driver, run, "--no-figures"], capture_output=True, text=True)
md = open(os.path.join(run, "report.md")).read() if r.returncode == 0 else ""
if "One random load by buffer size" not in md or "32 KiB 100 ns" not in md:
    bad.append(f"report.md lacks the memprobe line (exit {r.returncode})")
open(probe, "w").write("bytes,ns_per_load\n16384,fast\n")
r = subprocess.run([driver, run, "--check", "--targets", t], capture_output=True, text=True)
if r.returncode != 1 or "memprobe.csv:2" not in r.stderr:
    bad.append(f"a malformed memprobe.csv: exit {r.returncode}, stderr {r.stderr!r}")
shutil.rmtree(run, ignore_errors=True)

for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
