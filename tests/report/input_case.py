#!/usr/bin/env python3
"""Regression tests for damaged inputs, one per bug:

  input_case.py csv_nul_crash DRIVER FIXTURE WORKDIR
      a NUL byte just before a newline in summary.csv (plot used to write
      through NULL): exit 1, the message names summary.csv and the line.
  input_case.py csv_nul_drop DRIVER FIXTURE WORKDIR
      a NUL at the start of a line (every later row used to be dropped with
      exit 0): exit 1, the message names summary.csv and the line.
  input_case.py no_gbench DRIVER FIXTURE WORKDIR
      a run without gbench*.json (qsort(NULL, 0) under UBSan): exit 0.
  input_case.py meta_real DRIVER FIXTURE WORKDIR
      meta.json's wall_seconds_this_session 3684.1 is shown as 3684.1 in
      report.md's run table, not as jansson's 3684.0999999999999.
  input_case.py gz_same DRIVER FIXTURE WORKDIR
      summary.csv, frag.csv and threads.csv gzipped (a committed reference
      run keeps its large files so): verdict.csv and report.md are byte for
      byte those of the plain files.
  input_case.py gz_cut DRIVER FIXTURE WORKDIR
      frag.csv.gz cut short: exit 1, the message names frag.csv.gz, and no
      report.md is written."""
import gzip, json, os, shutil, subprocess, sys

case, driver, fixture, work = sys.argv[1:5]
run = os.path.join(work, "input-" + case)
if case.startswith("gz_"):  # the plain twin has the same name: report.md names the run
    run = os.path.join(work, "input-" + case, "run")
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)


def gz(run, names):
    for n in names:
        path = os.path.join(run, n)
        data = open(path, "rb").read()
        os.remove(path)
        with gzip.open(path + ".gz", "wb") as f:
            f.write(data)


if case == "meta_real":
    mp = os.path.join(run, "meta.json")
    meta = json.load(open(mp))
    meta["wall_seconds_this_session"] = 3684.1
    json.dump(meta, open(mp, "w"))
    r = subprocess.run([driver, run, "--no-figures"], capture_output=True, text=True)
    md = open(os.path.join(run, "report.md")).read() if r.returncode == 0 else ""
    row = [l for l in md.splitlines() if "wall\\_seconds\\_this\\_session" in l]
    print(f"exit {r.returncode}: {row}")
    ok = row == ["| wall\\_seconds\\_this\\_session | 3684.1 |"]
    if not ok:
        print("FAIL: expected the row '| wall\\_seconds\\_this\\_session | 3684.1 |'")
    sys.exit(0 if ok else 1)

if case.startswith("gz_"):
    plain = os.path.join(work, "input-" + case + "-plain", "run")
    shutil.rmtree(plain, ignore_errors=True)
    shutil.copytree(fixture, plain)
    gz(run, ["summary.csv", "frag.csv", "threads.csv"])
    if case == "gz_cut":
        data = open(os.path.join(run, "frag.csv.gz"), "rb").read()
        open(os.path.join(run, "frag.csv.gz"), "wb").write(data[:len(data) // 2])
    r0 = subprocess.run([driver, plain, "--no-figures"], capture_output=True, text=True)
    r = subprocess.run([driver, run, "--no-figures"], capture_output=True, text=True)
    print(f"plain: exit {r0.returncode}; gzipped: exit {r.returncode}: {r.stderr.strip()[-400:]}")
    bad = []
    if r0.returncode != 0:
        bad.append("the plain fixture does not report")
    if case == "gz_cut":
        if r.returncode != 1 or "frag.csv.gz" not in r.stderr:
            bad.append("expected exit 1 and a message naming frag.csv.gz")
        if os.path.exists(os.path.join(run, "report.md")):
            bad.append("report.md was written from a damaged run")
    else:
        for n in ("verdict.csv", "report.md"):
            a, b = (os.path.join(d, n) for d in (plain, run))
            if r.returncode != 0 or not os.path.exists(b) or \
                    open(a, "rb").read() != open(b, "rb").read().replace(run.encode(), plain.encode()):
                bad.append(f"{n} differs between the plain and the gzipped run")
    for m in bad:
        print("FAIL:", m)
    sys.exit(1 if bad else 0)
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
