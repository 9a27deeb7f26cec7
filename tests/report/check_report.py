#!/usr/bin/python3
"""Opens the report page in headless Chromium and checks that its charts rendered.

    check_report.py --sample PROGRAM --workdir DIR [--broken=paths|markup]
    check_report.py --nninit NNINIT --workdir DIR [--model mlp|transformer]

1. PROGRAM writes the page (with --broken, a deliberately broken one); or, with --nninit, the real
   command writes it: `nninit diagnose mlp --probe --depth-sweep --report PAGE` (every section present), or
   with --model transformer `nninit diagnose transformer --depth-sweep --report PAGE` (the sweep of the
   model's own encoder layer, no probe).
2. The page must be well-formed XML (it is written to be; a browser forgives what a parser does not).
3. Chromium loads it twice, the way the issue prescribes: --screenshot (a PNG of a 1280x7000 window) and
   --dump-dom (the DOM after the page's script recorded each chart's box in data-plot-box).
4. For every <svg class="chart">, the part of the screenshot inside its plot area must hold at least
   MIN_PIXELS pixels of each colour it claims to draw (data-colors): lines, markers and bars, not the legend
   or the axes, which lie outside the plot area.
5. What the terminal says is on the page and renders: the per-layer table (and, from nninit, the probe's
   table and its verdicts) and the lint's findings each have a box in the screenshot with text drawn in it
   (MIN_INK dark pixels); every finding lies below every chart; diagnose's histograms (successive layers)
   share one x range (data-x-domain); a cell whose name was shortened shows both ends of its title with "…" between.

Exit status: 0 when every check passes; 1 when one fails; 77 (CTest's skip) when Chromium is absent.
With --broken the expectation is reversed: the pixel check must fail (0 when it does, 1 when the broken
page passes), which shows that the test notices a page whose SVG does not draw.
Needs Debian's /usr/bin/python3 with python3-pil, and chromium (scripts/install-deps installs both).
"""
import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

WINDOW_HEIGHT = 7000  # tall enough for the diagnose page with every section
MIN_PIXELS = 40  # a line 2.5 px wide across a few hundred px gives thousands; a legend swatch is outside
TOLERANCE = 30  # per channel: anti-aliased edges drift from the exact colour, the core of a stroke does not
SKIP = 77
MIN_INK = 200  # dark pixels in a table or finding: a few characters of text already give more


class Charts(html.parser.HTMLParser):
    """The charts, the measured sections (tables, findings, verdict lists) and the shortened name cells."""

    def __init__(self):
        super().__init__()
        self.charts = []
        self.measured = False
        self.sections = {}  # "table.layers", "table.probe", "ul.verdicts", "div.finding": [attributes, ...]
        self.shortened = []  # [title, shown text] of each name cell with a title
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "body" and attributes.get("data-charts-measured") == "yes":
            self.measured = True
        if tag == "svg" and "chart" in classes:
            self.charts.append(attributes)
        for kind in classes:
            if (tag, kind) in (("table", "layers"), ("table", "probe"), ("ul", "verdicts"), ("div", "finding")):
                self.sections.setdefault(f"{tag}.{kind}", []).append(attributes)
        if tag == "td" and "name" in classes and "title" in attributes:
            self.cell = [attributes["title"], ""]
            self.shortened.append(self.cell)

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(binary, url, extra, timeout=120):
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
                   f"--window-size=1280,{WINDOW_HEIGHT}"] + extra + [url]
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)


def hex_color(text):
    text = text.strip().lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def count_color(pixels, box, color):
    left, top, right, bottom = box
    n = 0
    for y in range(top, bottom):
        for x in range(left, right):
            p = pixels[x, y]
            if abs(p[0] - color[0]) <= TOLERANCE and abs(p[1] - color[1]) <= TOLERANCE and \
                    abs(p[2] - color[2]) <= TOLERANCE:
                n += 1
    return n


def check_pixels(screenshot, charts):
    from PIL import Image  # python3-pil

    image = Image.open(screenshot).convert("RGB")
    pixels = image.load()
    failures = []
    for index, chart in enumerate(charts):
        name = chart.get("aria-label", f"chart {index}")
        box_text = chart.get("data-plot-box")
        if not box_text:
            failures.append(f"{name}: no data-plot-box (the page's script did not run)")
            continue
        x, y, w, h = (int(v) for v in box_text.split(","))
        # Inside the plot area's border.
        box = (max(x + 2, 0), max(y + 2, 0), min(x + w - 2, image.width), min(y + h - 2, image.height))
        if w < 50 or h < 50:
            failures.append(f"{name}: plot area {w}x{h} px is too small to be a chart")
            continue
        if y + h > image.height or x + w > image.width:
            failures.append(f"{name}: plot area at y={y}..{y + h} lies outside the {image.width}x{image.height} "
                            "screenshot")
            continue
        colors = [c for c in (chart.get("data-colors") or "").split(",") if c]
        if not colors:
            failures.append(f"{name}: draws no series")
        for color in colors:
            n = count_color(pixels, box, hex_color(color))
            status = "ok" if n >= MIN_PIXELS else "MISSING"
            print(f"  {name[:60]:60s} {color} {n:6d} px  {status}")
            if n < MIN_PIXELS:
                failures.append(f"{name}: only {n} px of {color} in its plot area (at least {MIN_PIXELS} expected)")
    return failures


def count_ink(pixels, box):
    left, top, right, bottom = box
    return sum(1 for y in range(top, bottom) for x in range(left, right) if max(pixels[x, y]) < 140)


def check_sections(screenshot, page, required, shared_histogram_scale):
    """The terminal's tables and the findings: present, drawn, the findings after the charts."""
    from PIL import Image  # python3-pil

    image = Image.open(screenshot).convert("RGB")
    pixels = image.load()
    failures = []
    for kind in required:
        if kind not in page.sections:
            failures.append(f"no {kind} on the page")
    for kind, elements in page.sections.items():
        for index, attributes in enumerate(elements):
            name = f"{kind} #{index}"
            if not attributes.get("data-box"):
                failures.append(f"{name}: no data-box (the page's script did not run)")
                continue
            x, y, w, h = (int(v) for v in attributes["data-box"].split(","))
            if w < 50 or h < 10:
                failures.append(f"{name}: {w}x{h} px is too small to show anything")
                continue
            if y + h > image.height or x + w > image.width:
                failures.append(f"{name}: at y={y}..{y + h}, outside the {image.width}x{image.height} screenshot")
                continue
            ink = count_ink(pixels, (max(x, 0), max(y, 0), x + w, y + h))
            print(f"  {name:60s} {w}x{h} px, {ink:6d} px of text  {'ok' if ink >= MIN_INK else 'MISSING'}")
            if ink < MIN_INK:
                failures.append(f"{name}: only {ink} dark px (text) in its box (at least {MIN_INK} expected)")
    chart_bottom = max((sum(int(v) for v in c["data-box"].split(",")[1::2]) for c in page.charts
                        if c.get("data-box")), default=0)
    for attributes in page.sections.get("div.finding", []):
        if attributes.get("data-box") and int(attributes["data-box"].split(",")[1]) < chart_bottom:
            failures.append(f"a finding at y={attributes['data-box'].split(',')[1]} lies above a chart (the "
                            f"charts end at y={chart_bottom})")
    domains = {c["data-x-domain"] for c in page.charts if c.get("data-x-domain")}
    if shared_histogram_scale and len(domains) > 1:
        failures.append(f"the histograms do not share one x range: {sorted(domains)}")
    for title, shown in page.shortened:
        head, _, tail = shown.strip().partition("\u2026")
        if not tail or not title.startswith(head) or not title.endswith(tail) or len(shown) >= len(title):
            failures.append(f"the name cell {shown!r} is not {title!r} cut in the middle")
    return failures


def main():
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--sample")
    source.add_argument("--nninit")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--broken", choices=["paths", "markup"])
    # With --nninit: `mlp` runs the probe and the demo sweep; `transformer` sweeps its own encoder layer.
    parser.add_argument("--model", choices=["mlp", "transformer"], default="mlp")
    args = parser.parse_args()

    binary = chromium_binary()
    if binary is None:
        print("SKIP: chromium is not installed (Debian: apt-get install chromium; scripts/install-deps does it)")
        return SKIP
    try:
        import PIL  # noqa: F401
    except ImportError:
        print(f"FAIL: {sys.executable} has no PIL (Debian: apt-get install python3-pil)")
        return 1

    os.makedirs(args.workdir, exist_ok=True)
    page = os.path.join(args.workdir, "report.html")
    screenshot = os.path.join(args.workdir, "screenshot.png")
    for stale in (page, screenshot):
        if os.path.exists(stale):
            os.remove(stale)
    if args.nninit:
        probe = ["--probe", "--steps", "60"] if args.model == "mlp" else []
        command = [args.nninit, "diagnose", args.model, "--seed", "0", *probe, "--depth-sweep", "--report", page]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    else:
        command = [args.sample, page] + ([f"--broken={args.broken}"] if args.broken else [])
        subprocess.run(command, check=True)

    failures = []
    with open(page, encoding="utf-8") as f:
        source = f.read()
    try:
        ElementTree.fromstring(source.replace("<!DOCTYPE html>", "", 1))
    except ElementTree.ParseError as e:
        failures.append(f"the page is not well-formed XML: {e}")
    expected_charts = source.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"')

    url = "file://" + os.path.abspath(page)
    shot = run_chromium(binary, url, [f"--screenshot={screenshot}"])
    if not os.path.exists(screenshot):
        print(shot.stderr.decode(errors="replace")[-3000:])
        print("FAIL: chromium wrote no screenshot")
        return 1
    dom = run_chromium(binary, url, ["--dump-dom"])
    charts = Charts()
    charts.feed(dom.stdout.decode("utf-8", errors="replace"))
    if not charts.measured:
        failures.append("the page's script did not run (no data-charts-measured on <body>)")
    if len(charts.charts) != expected_charts:
        failures.append(f"the DOM holds {len(charts.charts)} charts, the page {expected_charts}")
    print(f"{len(charts.charts)} charts, screenshot {screenshot}")
    pixel_failures = check_pixels(screenshot, charts.charts)
    failures += pixel_failures
    probed = args.nninit and args.model == "mlp"
    required = ["table.layers", "div.finding"] + (["table.probe", "ul.verdicts"] if probed else [])
    # The sample's histograms are of parameters, each on its own scale; diagnose's are successive layers.
    failures += check_sections(screenshot, charts, required, shared_histogram_scale=bool(args.nninit))
    if args.sample and not charts.shortened:
        failures.append("the sample's long layer name was not shortened (no name cell with a title)")

    if args.broken:
        if pixel_failures:
            print(f"PASS: the broken page ({args.broken}) is caught: {len(pixel_failures)} chart check(s) failed, "
                  f"e.g. {pixel_failures[0]}")
            return 0
        print(f"FAIL: the broken page ({args.broken}) passed the pixel check")
        return 1
    if failures:
        for failure in failures:
            print("FAIL: " + failure)
        return 1
    print(f"PASS: {len(charts.charts)} charts rendered with their series colours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
