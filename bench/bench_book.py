"""Benchmark of the book: build times, site size, and how fast widgets answer in Chromium.

    .venv/bin/python bench/bench_book.py          (or `make bench`, which runs every benchmark)

Measured in one run, on a copy of the working tree in a temporary folder (the real _build/ is not
touched):

1. clean build: `make book` in the copy, with an empty build folder and an empty execution cache;
2. no-change rebuild: `make book` again, with nothing changed;
3. the size of the whole built site, and the largest page (HTML file), plus that page's weight with
   every file it loads in Chromium;
4. widget response: in headless Chromium, every slider and drop-down of every chapter is moved
   with the keyboard several times; the time is from the key press to the first animation frame
   after the widget shows its new view (when the browser paints it).

Each figure is printed next to its target, with the ratio figure / target. The book is built once
per run, so the build times are single figures; the widget response times and the notebooks'
execution times are many figures each, printed as median with their spread (interquartile range
and min-max, bench/rounds.py). This benchmark has no contenders to interleave.
"""

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from booksite import launch_chromium, serve, widget_state  # noqa: E402  (tests/, put on the path above)
from rounds import spread  # noqa: E402  (bench/, this script's folder)

TARGETS = {  # name: (target, unit)
    "clean build": (120.0, "s"),
    "no-change rebuild": (15.0, "s"),
    "site size": (40.0, "MB"),
    "largest page": (3.0, "MB"),
    "widget response (median)": (50.0, "ms"),
    "widget response (95th percentile)": (50.0, "ms"),
}
PRESSES_PER_CONTROL = 4
SKIP = {
    ".git",
    ".venv",
    "_build",
    ".hypothesis",
    ".pytest_cache",
    "node_modules",
    "__pycache__",
    ".lock-venv",
    "source",
    "release",
    "submitted",
    "autograded",
    "feedback",
}


def copy_tree(dest):
    """The working tree without builds, caches, the virtual environment or graded work."""
    shutil.copytree(ROOT, dest, ignore=lambda d, names: [n for n in names if n in SKIP], symlinks=True)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_book(tree):
    """`make book` in ``tree`` with this project's virtual environment.

    Returns (wall seconds, CPU seconds of every process it ran). The CPU time does not depend on
    what else the machine is doing: divided by the 2 cores it is what the wall time would be on an
    idle machine if both cores were busy all the time.
    """
    bin_dir = ROOT / ".venv" / "bin"
    stamp = ROOT / ".venv" / ".installed"
    cmd = ["make", "-C", str(tree), "book", f"BIN={bin_dir}", f"STAMP={stamp}", "-o", str(stamp)]
    cpu, start = children_cpu_seconds(), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, children_cpu_seconds() - cpu
    if done.returncode != 0:
        sys.exit(f"`make book` failed in the copy:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, cpu


def execution_seconds(tree):
    """{notebook: seconds its execution took} from the build's execution cache."""
    from jupyter_cache import get_cache

    cache = get_cache(str(tree / "_build" / ".jupyter_cache"))
    return {
        Path(r.uri).name: r.data.get("execution_seconds", float("nan")) for r in cache.list_cache_records()
    }


def site_sizes(html_root):
    files = [p for p in html_root.rglob("*") if p.is_file()]
    pages = [p for p in files if p.suffix == ".html"]
    largest = max(pages, key=lambda p: p.stat().st_size)
    return (
        sum(p.stat().st_size for p in files) / 1e6,
        largest.stat().st_size / 1e6,
        str(largest.relative_to(html_root)),
    )


# In-page measurement: the time from a key press on a control to the first animation frame after
# the widget shows a different view.
ARM = """([w, shownSrc]) => {
  const shown = eval(shownSrc);
  const before = shown(w);
  window.__response = new Promise(resolve => {
    let t0 = null;
    document.addEventListener('keydown', () => { t0 = performance.now(); },
                              {once: true, capture: true});
    const obs = new MutationObserver(() => {
      if (t0 !== null && shown(w) !== before) {
        obs.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }
    });
    obs.observe(w, {subtree: true, childList: true, attributes: true, characterData: true});
  });
}"""
SHOWN = """w => [...w.querySelectorAll('.course-view')]
    .filter(v => v.getClientRects().length > 0).map(v => v.innerHTML).join('|')"""


def widget_response_times(html_root):
    """Milliseconds from key press to the repainted view, for every slider and drop-down."""
    from playwright.sync_api import sync_playwright

    pages = sorted(
        str(p.relative_to(html_root))
        for p in (html_root / "chapters").glob("*.html")
        if widget_state(p.read_text(encoding="utf-8"))
    )
    times, heaviest = [], {}
    with serve(html_root) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        for path in pages:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            loaded = []
            page.on("response", lambda response, seen=loaded: seen.append(response))  # a Python function
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(base) or route.request.url.startswith("data:")
                    else route.abort()
                ),
            )
            page.goto(base + path, wait_until="networkidle")
            heaviest[path] = sum(len(r.body()) for r in loaded if r.status == 200) / 1e6
            for widget in page.query_selector_all(".course-widget"):
                widget.scroll_into_view_if_needed()
                for control in widget.query_selector_all(".course-control"):
                    target = control.query_selector('[role="slider"]') or control.query_selector("select")
                    if target is None:
                        continue  # Play buttons run on a timer; sliders show speed
                    for _ in range(PRESSES_PER_CONTROL):
                        at_end = target.evaluate(
                            "t => t.tagName === 'SELECT' ? t.selectedIndex === t.options.length - 1"
                            " : Number(t.getAttribute('aria-valuenow')) >= "
                            "Number(t.getAttribute('aria-valuemax'))"
                        )
                        key = (
                            ("ArrowUp" if target.evaluate("t => t.tagName") == "SELECT" else "ArrowLeft")
                            if at_end
                            else (
                                "ArrowDown" if target.evaluate("t => t.tagName") == "SELECT" else "ArrowRight"
                            )
                        )
                        page.evaluate(ARM, [widget, SHOWN])
                        target.focus()
                        page.keyboard.press(key)
                        times.append(page.evaluate("() => window.__response"))
            context.close()
        browser.close()
    return times, heaviest


def report(results):
    print(f"{'measure':36} {'measured':>10} {'target':>10} {'ratio':>7}")
    for name, (target, unit) in TARGETS.items():
        value = results[name]
        flag = "ok" if value <= target else "OVER TARGET"
        print(f"{name:36} {value:>8.2f} {unit:<2}{target:>7.1f} {unit:<2} {value / target:>6.2f}  {flag}")


def main():
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        tree = Path(tmp) / "course"
        copy_tree(tree)
        load_before = os.getloadavg()[0]
        print(
            f"copy of the working tree in {tree}; {os.cpu_count()} cores; load average "
            f"{load_before:.1f} (other work on the machine slows every figure)",
            flush=True,
        )
        clean, clean_cpu = make_book(tree)
        print(f"clean build: {clean:.1f} s ({clean_cpu:.0f} CPU seconds)", flush=True)
        per_notebook = execution_seconds(tree)
        print(
            "  executing each notebook (two at a time): "
            + ", ".join(
                f"{name} {sec:.1f} s" for name, sec in sorted(per_notebook.items(), key=lambda kv: -kv[1])
            ),
            flush=True,
        )
        print(f"  per notebook: median {spread(per_notebook.values()).format('.1f', ' s')}", flush=True)
        rebuild, rebuild_cpu = make_book(tree)
        print(f"no-change rebuild: {rebuild:.1f} s ({rebuild_cpu:.1f} CPU seconds)", flush=True)
        html_root = tree / "_build" / "html"
        site_mb, page_mb, page_name = site_sizes(html_root)
        times, weights = widget_response_times(html_root)
    results = {
        "clean build": clean,
        "no-change rebuild": rebuild,
        "site size": site_mb,
        "largest page": page_mb,
        "widget response (median)": spread(times).median,
        "widget response (95th percentile)": statistics.quantiles(times, n=20)[-1],
    }
    load_after = os.getloadavg()[0]
    heaviest = max(weights, key=weights.get)
    print(
        f"\nlargest page: {page_name}; {len(times)} widget responses measured "
        f"(max {max(times):.1f} ms); heaviest page in the browser with everything it loads: "
        f"{heaviest} at {weights[heaviest]:.2f} MB (scripts are shared and cached)\n"
    )
    report(results)
    response = spread(times)
    print(
        f"\nwidget response: median {response.format('.1f', ' ms')}; 95th percentile "
        f"{results['widget response (95th percentile)']:.1f} ms"
    )
    out = ROOT / "_build" / "bench_book.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                **results,
                "largest page name": page_name,
                "widget responses": len(times),
                "widget response max": max(times),
                "widget response median, IQR, min-max ms": [
                    response.median,
                    [response.q1, response.q3],
                    [response.lo, response.hi],
                ],
                "heaviest page load MB": weights[heaviest],
                "load average before, after": [load_before, load_after],
                "notebook execution seconds": per_notebook,
                "CPU seconds (clean build, rebuild)": [clean_cpu, rebuild_cpu],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"load average before {load_before:.1f}, after {load_after:.1f}")
    print(f"\nfigures written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
