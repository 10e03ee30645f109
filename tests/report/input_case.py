#!/usr/bin/env python3
"""Regression tests for damaged inputs, one per bug:

  input_case.py csv_nul_crash DRIVER FIXTURE WORKDIR
      a NUL byte just before a newline in summary.csv (plot used to write
      through NULL): exit 1, the message names summary.csv and the line.
  input_case.py csv_nul_drop DRIVER FIXTURE WORKDIR
      a NUL at the start of a line (every later row used to be dropped with
      exit 0): exit 1, the message names summary.csv and the line.
  input_case.py no_gbench DRIVER FIXTURE WORKDIR
      a run without gbench*.json (qsort(NULL, 0) under UBSan): exit 0."""
import os, shutil, subprocess, sys

case, driver, fixture, work = sys.argv[1:5]
run = os.path.join(work, "input-" + case)
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)
path = os.path.join(run, "summary.csv")
lines = open(path, "rb").read().split(b"\n")
if case == "csv_nul_crash":
    lines[4] = lines[4] + b"\0"
elif case == "csv_nul_drop":
    lines[6] = b"\0" + lines[6]
else:
    for f in os.listdir(run):
        if f.startswith("gbench"):
            os.remove(os.path.join(run, f))
open(path, "wb").write(b"\n".join(lines))
args = [driver, run] + (["--no-figures"] if case == "no_gbench" else [])
r = subprocess.run(args, capture_output=True, text=True)
print(f"exit {r.returncode}: {r.stderr.strip()}")
if case == "no_gbench":
    ok = r.returncode == 0 and "runtime error" not in r.stderr
else:
    want = "summary.csv:%d: NUL byte" % (5 if case == "csv_nul_crash" else 7)
    ok = r.returncode == 1 and want in r.stderr and not os.path.exists(
        os.path.join(run, "report.md"))
    if not ok:
        print(f"FAIL: expected exit 1 and '{want}'")
sys.exit(0 if ok else 1)
