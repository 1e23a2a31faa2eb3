"""bookkit/live/engine.js in headless Chromium, offline (tests/test_live_engine.py, bench/bench_live.py).

    with engine_page(browser, {"engine": text, "mutant": other_text}) as page:
        result = run_js(page, "engine", "(E, P) => E.mse_loss(P.pred, P.target)", payload)

Each source is served as ``<name>.js`` from a temporary folder on 127.0.0.1 next to an empty page;
``run_js`` imports it as an ES module in that page (``E``: its exports) and calls the function with
``payload`` (``P``, anything JSON can carry). Every request that leaves the machine is blocked, and
any blocked request, page error or console error fails the run.
"""

import contextlib
import json
import tempfile
from pathlib import Path

from booksite import ROOT, offline_route, serve

ENGINE = ROOT / "bookkit" / "live" / "engine.js"

PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>engine</title></head></html>'


@contextlib.contextmanager
def engine_page(browser, sources):
    """A page served next to ``sources`` ({name: JavaScript text}); yields the Playwright page."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "index.html").write_text(PAGE, encoding="utf-8")
        for name, text in sources.items():
            (folder / f"{name}.js").write_text(text, encoding="utf-8")
        with serve(folder) as base:
            problems = []
            context = browser.new_context()
            page = context.new_page()
            page.route("**/*", offline_route(base, problems))
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on(
                "console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}")
            )
            page.goto(base + "index.html", wait_until="load")
            page.problems = problems
            try:
                yield page
            finally:
                context.close()
        if problems:
            raise AssertionError("the engine's page went wrong:\n" + "\n".join(problems))


def run_js(page, name, function, payload=None):
    """``function`` (JavaScript text of ``(E, P) => ...``) called with the exports of ``<name>.js``
    and ``payload``; returns what it returns (through JSON: NaN and undefined become None)."""
    script = (
        "async ([url, P]) => { const E = await import(url); "
        f"const r = await ({function})(E, P); return JSON.stringify(r); }}"
    )
    return json.loads(page.evaluate(script, [f"./{name}.js", payload]))
