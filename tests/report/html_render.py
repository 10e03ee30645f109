#!/usr/bin/env python3
"""report.html_render: draws the fixture's report, checks every <img> of
report.html is a file on disk, renders the page in headless Chromium and
checks the screenshot is not blank (many colours, not one).

  html_render.py DRIVER FIXTURE WORKDIR
Exit 0 pass, 1 fail, 77 when chromium is absent (ctest SKIP_RETURN_CODE)."""
import os, re, shutil, struct, subprocess, sys, tempfile, zlib

driver, fixture, work = sys.argv[1:4]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    print("SKIP: chromium is not installed (Debian: apt-get install chromium)")
    sys.exit(77)
run = os.path.join(work, "html-render")
shutil.rmtree(run, ignore_errors=True)
shutil.copytree(fixture, run)
r = subprocess.run([driver, run, "--size", "640x400"], capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(f"FAIL: report exit {r.returncode}: {r.stderr}")
html = open(os.path.join(run, "report.html")).read()
imgs = re.findall(r'<img src="([^"]+)"', html)
missing = [i for i in imgs if not os.path.isfile(os.path.join(run, i))]
bad = []
if len(imgs) < 5:
    bad.append(f"only {len(imgs)} <img> in report.html")
if missing:
    bad.append(f"<img> without a file: {missing[:5]}")
if "Contents" not in html[:4000]:
    bad.append("report.html does not open with its contents")

shot = os.path.join(work, "report-screenshot.png")
if os.path.exists(shot):
    os.remove(shot)
profile = tempfile.mkdtemp(prefix="ab-chromium-")
cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={shot}",
       "--window-size=1200,3000", "file://" + os.path.abspath(os.path.join(run, "report.html"))]
subprocess.run(cmd, capture_output=True, timeout=120)
shutil.rmtree(profile, ignore_errors=True)

def png_pixels(path):
    """Rows of 8-bit RGB(A) pixels of a non-interlaced PNG."""
    data = open(path, "rb").read()
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, None, []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        prev = prev or bytearray(stride)
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

if not os.path.isfile(shot):
    bad.append("chromium wrote no screenshot")
else:
    w, h, bpp, rows = png_pixels(shot)
    colours = {row[i:i + 3] for row in rows[::7] for i in range(0, len(row), bpp * 5)}
    inked = sum(1 for row in rows[::7] if len({row[i:i + 3] for i in range(0, len(row), bpp * 5)}) > 1)
    print(f"screenshot {shot}: {w}x{h}, {os.path.getsize(shot)} bytes, {len(colours)} colours, "
          f"{inked} of {len(rows[::7])} sampled rows not blank")
    if (w, h) != (1200, 3000):
        bad.append(f"screenshot is {w}x{h}, asked 1200x3000")
    if len(colours) < 20 or inked < len(rows[::7]) // 4:
        bad.append("the screenshot is (nearly) blank")
print(f"{len(imgs)} <img> in report.html, all on disk" if not missing else "")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
