#!/usr/bin/env python3
"""Verdict tests: builds a run folder made to tempt one mistake, runs the
report on it (without figures) and checks verdict.csv does not make it.

  verdict_case.py CASE DRIVER WORKDIR
  CASE: no_failed_winner | no_resolution_winner | batch_resolves | equal_state | scaling |
        request_mix
        frag_clearest

Exit 0 when the report resists, 1 with the reason otherwise."""
import csv, json, os, random, shutil, subprocess, sys

case, driver, work = sys.argv[1], sys.argv[2], sys.argv[3]
run = os.path.join(work, "verdict-" + case)
shutil.rmtree(run, ignore_errors=True)
os.makedirs(run)
rng = random.Random(11)
REPS, HZ, MiB = 5, 2_500_000_000, 1 << 20
S_HEAD = ("env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,count,mean_ns,"
          "p50_ns,p90_ns,p99_ns,p999_ns,max_ns,p50_cycles,p999_cycles,failures,skipped,"
          "meta_bytes,meta_bytes_per_gib,batch_median_ns,contig_success,status")
F_HEAD = ("env,strategy,workload,mem_bytes,threads,seed,rep,step,free_pages,largest_free_run,"
          "free_runs,ext_frag,free_2m_blocks,fill,role,contig_tried")

def srow(s, wl, op, p999, rep, failures=0, count=1000, noise=0.005, status="ok", threads=1,
         role="pmm", batch=None, contig=None):
    j = lambda v: v * (1 + rng.uniform(-noise, noise))
    if status != "ok":
        return f"host,{s},pmm,{wl},{64*MiB},0.500,1,{rep+1},{rep},-,0,,,,,,,,,0,1,4096,65536,,,{status}"
    p = [j(p999 * f) for f in (0.2, 0.3, 0.5, 0.8, 1.0, 2.0)]
    p.sort()
    mean, p50, p90, p99, p999v, mx = p
    return (f"host,{s},{role},{wl},{64*MiB},0.500,{threads},{rep+1},{rep},{op},{count},{mean:.2f},"
            f"{p50:.2f},{p90:.2f},{p99:.2f},{p999v:.2f},{mx:.2f},{round(p50*2.5)},"
            f"{round(p999v*2.5)},{failures},0,4096,65536,"
            f"{'' if batch is None else f'{j(batch):.3f}'},"
            f"{'' if contig is None else f'{contig:.6f}'},ok")

def frow(s, step, ext, rep, wl="churn", role="pmm", tried=0, fill=0.5):
    free = 8192
    largest = int(free * (1 - ext))
    return (f"host,{s},{wl},{64*MiB},1,{rep+1},{rep},{step},{free},{largest},10,"
            f"{1 - largest / free:.6f},{largest // 512},{fill:.3f},{role},{tried}")

rows, frows = [], []
meta = {"tsc_hz": HZ, "timer_quantum_cycles": 25}   # one quantum = 10 ns
for rep in range(REPS):
    if case == "no_failed_winner":
        # buddy is fastest, but served none of its 511 requests... or some.
        rows.append(srow("buddy", "churn", "alloc", 40, rep, failures=511, count=489))
        rows.append(srow("bitmap", "churn", "alloc", 300, rep))
        rows.append(srow("hier2m", "churn", "alloc", 600, rep))
    elif case == "no_resolution_winner":
        # 100 ns against 110 ns: 10 % apart, tight intervals, but one quantum.
        rows.append(srow("buddy", "churn", "alloc", 100, rep, noise=0.001))
        rows.append(srow("bitmap", "churn", "alloc", 110, rep, noise=0.001))
        # Below resolution: 12 ns against 18 ns (two quanta = 20 ns).
        rows.append(srow("buddy", "bulk", "alloc", 12, rep, noise=0.001))
        rows.append(srow("bitmap", "bulk", "alloc", 18, rep, noise=0.001))
    elif case == "batch_resolves":
        # Per-op values below resolution (p99.9 12 and 18 ns, means 2.4 and
        # 3.6), but bulk has batch medians of 3 and 11 ns per op: a batch of
        # 10 ms resolves them, so stack is the faster one. rand has none:
        # its speed stays below resolution.
        rows.append(srow("stack", "bulk", "alloc", 12, rep, noise=0.001, batch=3.0))
        rows.append(srow("hier2m", "bulk", "alloc", 18, rep, noise=0.001, batch=11.0))
        rows.append(srow("stack", "rand", "alloc", 12, rep, noise=0.001))
        rows.append(srow("hier2m", "rand", "alloc", 18, rep, noise=0.001))
    elif case == "request_mix":
        # stack has no runs of pages, so its churn is single frames (core/
        # workload.c): 20x more requests, each cheap, and a state that says
        # nothing of runs. bitmap and buddy were asked for runs
        # (contig_success, contig_tried): only they are compared.
        rows.append(srow("stack", "churn", "alloc", 40, rep, count=20000))
        rows.append(srow("bitmap", "churn", "alloc", 300, rep, contig=0.9))
        rows.append(srow("buddy", "churn", "alloc", 360, rep, contig=0.8))
        for s, e in (("stack", 0.0), ("bitmap", 0.05), ("buddy", 0.3)):
            for step in range(0, 40001, 2500):
                frows.append(frow(s, step, e + rng.uniform(0, .002), rep,
                                  tried=0 if s == "stack" else step // 10))
        # Rows of cells that measured nothing (op "-"): not a cell to judge.
        rows.append(srow("stack", "adversary", "-", 0, rep, status="skipped"))
        rows.append(srow("freelist", "adversary", "-", 0, rep, status="skipped-timeout"))
    elif case == "frag_clearest":
        # bitmap wins both cells; at fill 90 % (second in the file) by 50x,
        # at 50 % by 2x. The section's "clearest" evidence is the 50x one.
        rows += [srow("bitmap", "churn", "alloc", 300, rep), srow("buddy", "churn", "alloc", 300, rep)]
        for fill, (eb, ed) in ((0.5, (0.10, 0.20)), (0.9, (0.01, 0.50))):
            for s, e in (("bitmap", eb), ("buddy", ed)):
                for step in range(0, 40001, 2500):
                    frows.append(frow(s, step, e + rng.uniform(0, .0005), rep, fill=fill))
    elif case == "scaling":
        # Per-op mean time at 2 threads: hier2m keeps it (2x throughput),
        # buddy doubles it (1x), bitmap is between (1.33x).
        for s, one, two in (("hier2m", 300, 310), ("buddy", 300, 600), ("bitmap", 300, 450)):
            rows.append(srow(s, "bulk", "alloc", one, rep))
            rows.append(srow(s, "bulk", "alloc", two, rep, threads=2))
    elif case == "equal_state":
        for s, p in (("buddy", 300), ("bitmap", 300)):
            rows.append(srow(s, "churn", "alloc", p, rep))
        rows.append(srow("stack", "churn", "-", 0, rep, status="skipped"))
        # bitmap stopped early (last sample at 20000, low because early);
        # buddy ran on to 40000. At equal steps buddy is less fragmented.
        for step in range(0, 20001, 2500):
            frows.append(frow("bitmap", step, 0.05 + 0.25 * step / 20000 + rng.uniform(0, .005), rep))
        for step in range(0, 40001, 2500):
            frows.append(frow("buddy", step, 0.02 + 0.10 * min(step, 20000) / 20000 +
                              0.4 * max(0, step - 20000) / 20000 + rng.uniform(0, .005), rep))
        # stack cannot serve churn here (skipped): its frag rows must be left out.
        for step in range(0, 40001, 2500):
            frows.append(frow("stack", step, 0.0, rep))
        # The same workload, size and fill in the VMM role: judged in the
        # VMM section only, never against the PMM strategies (and buddy's
        # own VMM series must not mix into its PMM one).
        for s, e in (("rbtree", 0.001), ("buddy", 0.9)):
            rows.append(srow(s, "churn", "alloc", 300, rep, role="vmm"))
            for step in range(0, 40001, 2500):
                frows.append(frow(s, step, e + rng.uniform(0, .0005), rep, role="vmm"))
if not frows:
    for s in ("buddy", "bitmap"):
        for rep in range(REPS):
            frows.append(frow(s, 0, 0.1, rep))
open(os.path.join(run, "summary.csv"), "w").write(S_HEAD + "\n" + "\n".join(rows) + "\n")
open(os.path.join(run, "frag.csv"), "w").write(F_HEAD + "\n" + "\n".join(frows) + "\n")
json.dump(meta, open(os.path.join(run, "meta.json"), "w"))

r = subprocess.run([driver, run, "--no-figures"], capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(f"report failed ({r.returncode}): {r.stderr}")
with open(os.path.join(run, "verdict.csv")) as f:
    v = list(csv.DictReader(f))
bad = []
for row in v:
    print(f"{row['need']:14} {row['cell'][:60]:60} -> {row['pick'] or '-':8} | {row['evidence'][:110]}")
if case == "no_failed_winner":
    lat = [x for x in v if x["need"] in ("tail_latency", "mean_speed")]
    if len(lat) != 2:
        bad.append(f"expected 2 latency decisions, got {len(lat)}")
    for x in lat:
        if x["pick"] == "buddy":
            bad.append(f"buddy failed 511 requests but wins {x['need']} in {x['cell']}")
        if x["pick"] != "bitmap":
            bad.append(f"{x['need']}: bitmap served every request fastest, pick is {x['pick']!r}")
elif case == "no_resolution_winner":
    lat = [x for x in v if x["need"] == "tail_latency"]
    if len(lat) != 2:
        bad.append(f"expected 2 tail-latency decisions, got {len(lat)}")
    for x in lat:
        if x["pick"]:
            bad.append(f"{x['cell']}: {x['pick']} crowned one quantum or less apart")
        if "bulk" in x["cell"] and "2 timer quanta" not in x["evidence"]:
            bad.append(f"{x['cell']}: not reported as below resolution")
        if "churn" in x["cell"] and "tie" not in x["evidence"] and "not apart" not in x["evidence"]:
            bad.append(f"{x['cell']}: not reported as a tie")
elif case == "batch_resolves":
    sp = {x["cell"].split()[1]: x for x in v if x["need"] == "mean_speed"}
    tl = [x for x in v if x["need"] == "tail_latency"]
    if sorted(sp) != ["bulk", "rand"]:
        bad.append(f"expected mean-speed decisions for bulk and rand, got {sorted(sp)}")
    else:
        if sp["bulk"]["pick"] != "stack" or not sp["bulk"]["evidence"].startswith("stack 3"):
            bad.append(f"bulk: batch medians 3 against 11 ns resolve; pick {sp['bulk']['pick']!r}, "
                       f"evidence {sp['bulk']['evidence']!r}")
        if sp["rand"]["pick"] or "2 timer quanta" not in sp["rand"]["evidence"]:
            bad.append(f"rand: per-op means below resolution decided {sp['rand']['pick']!r}")
    if len(tl) != 2 or any(x["pick"] for x in tl):
        bad.append(f"per-op tails below resolution must decide nothing: {[x['pick'] for x in tl]}")
elif case == "request_mix":
    dec = [x for x in v if x["section"] == "pmm"]
    needs = {x["need"] for x in dec}
    if not {"fragmentation", "free_2m", "mean_speed", "tail_latency"} <= needs:
        bad.append(f"expected latency, speed and fragmentation decisions, got {sorted(needs)}")
    for x in dec:
        if "stack" in x["pick"] + x["tied"] + x["evidence"]:
            bad.append(f"stack did single-frame churn but is compared: {x['need']} {x['cell']}")
    for x in (x for x in dec if x["need"] in ("tail_latency", "mean_speed", "fragmentation")):
        if x["pick"] != "bitmap":
            bad.append(f"{x['need']} {x['cell']}: bitmap beats buddy, pick {x['pick']!r}")
    if any(" - " in x["cell"] or x["cell"].endswith(" -") or "adversary -" in x["cell"]
           for x in v):
        bad.append("a verdict row for rows that measured nothing (op -)")
    # The fragmentation and latency figures of the cell leave stack out
    # too, and say why; the figures verdict.csv names are the ones drawn,
    # with or without --no-figures.
    if shutil.which("gnuplot"):
        r = subprocess.run([driver, run], capture_output=True, text=True)
        with open(os.path.join(run, "verdict.csv")) as f:
            drawn_v = list(csv.DictReader(f))
        if [x["figure"] for x in drawn_v] != [x["figure"] for x in v]:
            bad.append("verdict.csv names other figures with --no-figures: "
                       f"{sorted({x['figure'] for x in v} ^ {x['figure'] for x in drawn_v})}")
        for x in drawn_v:
            png = os.path.join(run, "plots", x["figure"] + ".png")
            if x["figure"] and not os.path.exists(png):
                bad.append(f"verdict.csv names a figure that was not drawn: {x['figure']}")
        if r.returncode != 0:
            bad.append(f"report with figures failed ({r.returncode}): {r.stderr[-300:]}")
        data = os.path.join(run, "plots", "data")
        drawn = sorted(os.listdir(data)) if os.path.isdir(data) else []
        frag = [d for d in drawn if d.startswith(("fragext-", "free2m-", "bars-", "cdf-"))]
        if len({d.split("-")[0] for d in frag}) != 4:
            bad.append(f"fragmentation and latency figure data missing: {drawn}")
        if any(".stack." in d for d in frag):
            bad.append(f"stack's single-frame churn is drawn beside the runs: {frag}")
        md = open(os.path.join(run, "report.md")).read()
        if md.count("other work): stack.") != 4:
            bad.append("the four captions do not say stack was left out")
elif case == "frag_clearest":
    picks = [l for l in open(os.path.join(run, "report.md"))
             if l.startswith("| pick this if you need the least external fragmentation")]
    if len(picks) != 1 or "bitmap" not in picks[0].split("|")[2]:
        bad.append(f"bitmap should be the fragmentation pick: {picks}")
    elif "beats buddy 0.5" not in picks[0]:
        bad.append(f"the clearest evidence is not the 50x win at fill 90 %: {picks[0]}")
elif case == "scaling":
    sc = [x for x in v if x["need"] == "scaling"]
    if len(sc) != 1 or sc[0]["pick"] != "hier2m":
        bad.append(f"hier2m doubles its throughput with 2 threads and should win: {sc}")
    elif "1.9" not in sc[0]["evidence"] and "2.0" not in sc[0]["evidence"]:
        bad.append(f"the speedup is not shown: {sc[0]['evidence']}")
    if any(x["section"] == "pmm" and "2 threads" in x["cell"] for x in v):
        bad.append("2-thread rows judged in the PMM section")
else:
    fr = [x for x in v if x["need"] in ("fragmentation", "free_2m")]
    if not fr:
        bad.append("no fragmentation decisions")
    for x in (x for x in fr if x["section"] == "pmm"):
        if "stack" in x["evidence"] or "stack" in x["pick"] or "stack" in x["tied"]:
            bad.append(f"stack cannot serve churn but is compared: {x['cell']}")
        if "step 2" not in x["cell"] and "step 1" not in x["cell"] and "step 5" not in x["cell"]:
            bad.append(f"no common step named: {x['cell']}")
        if any(f"step {s}" in x["cell"] for s in ("22500", "25000", "30000", "40000")):
            bad.append(f"compared past bitmap's last sample: {x['cell']}")
        if x["need"] == "fragmentation" and x["pick"] == "bitmap":
            bad.append(f"bitmap wins fragmentation only by stopping early: {x['cell']}")
    for x in fr:
        if x["section"] == "pmm" and "rbtree" in x["evidence"] + x["pick"] + x["tied"]:
            bad.append(f"a VMM series is judged in the PMM section: {x['cell']}")
    vm = [x for x in fr if x["section"] == "vmm" and x["need"] == "fragmentation"]
    if not vm or any(x["pick"] != "rbtree" or "bitmap" in x["evidence"] for x in vm):
        bad.append(f"the VMM section should judge rbtree against buddy's VMM series: {vm}")
    ends = [x for x in fr if x["need"] == "fragmentation" and "(end" in x["cell"] and
            x["section"] == "pmm"]
    if len(ends) != 1 or "step 20000" not in ends[0]["cell"] or ends[0]["pick"] != "buddy":
        bad.append(f"the end point should be step 20000 won by buddy: {ends}")
# A pick's evidence is its own clearest win, never another strategy's.
for line in open(os.path.join(run, "report.md")):
    f = [x.strip() for x in line.split("|")]
    if len(f) > 3 and f[1].startswith("pick this if you need") and "clearest: " in f[3]:
        who = f[3].split("clearest: ", 1)[1].replace("\\_", "_")
        if not who.startswith(f[2].replace("\\_", "_") + " "):
            bad.append(f"{f[1]}: pick {f[2]}, but the evidence is {who[:60]}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
