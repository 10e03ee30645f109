#!/usr/bin/env python3
"""report.figures_def: figures come from report/figures.def. Without its
cdf line no cdf figure is drawn or listed; a filter draws only the matching
names; a malformed line fails with its file and line.
  figures_def_case.py DRIVER FIXTURE FIGURES_DEF WORKDIR"""
import os, shutil, subprocess, sys

driver, fixture, figdef, work = sys.argv[1:5]
run = os.path.join(work, "figdef")
lines = open(figdef).read().splitlines()
bad = []

def draw(deflines, name):
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(fixture, run)
    path = os.path.join(work, name)
    open(path, "w").write("\n".join(deflines) + "\n")
    r = subprocess.run([driver, run, "--size", "320x200", "--figures", path],
                       capture_output=True, text=True)
    pngs = sorted(f for f in os.listdir(os.path.join(run, "plots")) if f.endswith(".png")) \
        if os.path.isdir(os.path.join(run, "plots")) else []
    return r, pngs

keep = [l for l in lines if not l.startswith("cdf ") and not l.startswith("scaling")
        and not l.startswith("gbench") and not l.startswith("programs")
        and not l.startswith("heapscale") and not l.startswith("hostkernel")]
keep = [l.replace("bars        bars        *", "bars        bars        bars-host-bulk-*")
        for l in keep]
r, pngs = draw(keep, "some.def")
print(r.stdout.strip(), r.stderr.strip())
if r.returncode != 0:
    bad.append(f"exit {r.returncode}")
if any(p.startswith(("cdf-", "scaling-", "gbench-")) for p in pngs):
    bad.append(f"families not in figures.def were drawn: {pngs}")
bars = [p for p in pngs if p.startswith("bars-")]
if bars != ["bars-host-bulk-alloc.png", "bars-host-bulk-free.png"]:
    bad.append(f"the bars filter drew {bars}")
md = open(os.path.join(run, "report.md")).read() if r.returncode == 0 else ""
if "cdf-host" in md or "Latency CDFs" in md:
    bad.append("report.md lists cdf figures that figures.def left out")
r, _ = draw(lines + ["oops bars"], "bad.def")
if r.returncode != 1 or f"bad.def:{len(lines) + 1}:" not in r.stderr:
    bad.append(f"a malformed line: exit {r.returncode}, {r.stderr.strip()}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
