#!/usr/bin/env python3
"""allocbench report --check: a target met passes, one missed fails with
exit 1, one without data prints NO DATA and fails nothing.
  check_case.py DRIVER FIXTURE WORKDIR"""
import os, subprocess, sys

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
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
