"""Helpers for the tests of the built book (`make book` -> _build/html).

BOOK                  the built site
require_book()        fail with an actionable message when the book has not been built
toc_docnames()        every page _toc.yml lists (intro, chapters/01_backprop, ...)
load_tool(name)       a module of tools/
built_pages()         every HTML page of the built site, as paths relative to BOOK
chapter_pages()       the built pages of the chapters (chapters/*.html)
widget_state(html)    the saved ipywidgets state of a page: {model_id: {model_name, state}}
serve(root)           a context manager serving a folder over http://127.0.0.1:<free port>/
launch_chromium(p)    Debian's headless Chromium through Playwright ``p``, with no background network
offline_route(b, ps)  a route handler that blocks (and notes in ps) every request not to b
"""

import contextlib
import functools
import http.server
import importlib.util
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "_build" / "html"

WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)


def require_book():
    if not (BOOK / "index.html").is_file():
        pytest.fail(
            f"The built book is missing ({BOOK / 'index.html'}): run `make book` first "
            "(`make test` builds it before testing)."
        )
    return BOOK


def load_tool(name):
    """A module of tools/, e.g. load_tool("execute_chapters")."""
    return importlib.import_module(f"tools.{name}")


def toc_docnames():
    """Every document _toc.yml names, globs expanded, in reading order (as the build reads it)."""
    return load_tool("execute_chapters").toc_files()


def built_pages():
    """Every HTML page of the built site (not the theme's or widgets' static files)."""
    if not BOOK.is_dir():
        return []
    return sorted(
        str(p.relative_to(BOOK))
        for p in BOOK.rglob("*.html")
        if not p.relative_to(BOOK).parts[0].startswith("_")
    )


def chapter_pages():
    return [p for p in built_pages() if p.startswith("chapters/")]


def widget_state(html_text):
    """{model_id: {"model_name": ..., "state": {...}}} of the widgets saved in a page."""
    match = WIDGET_STATE.search(html_text)
    if not match:
        return {}
    return json.loads(match.group(1))["state"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(root):
    """Serve ``root`` on 127.0.0.1 at a free port; yields the base URL (ending in '/')."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Headless Chromium with nothing of its own on the network (no background requests, no updates).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path():
    """Debian's chromium (`make test` installs it); Playwright's own browser download cannot work here."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Debian's chromium is not installed: run `make browser` (apt-get install "
            "chromium), which `make test` does first."
        )
    return path


def launch_chromium(playwright):
    """A headless Chromium browser from a Playwright ``sync_playwright()`` handle."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def offline_route(base, problems):
    """A Playwright route handler that lets requests to ``base`` (and data:, blob:, about:) through
    and blocks any other, noting it in ``problems``: nothing may leave the machine."""

    def route(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            problems.append(f"request leaving the machine (blocked): {url}")
            route.abort()

    return route


# axe-core (shipped inside the axe-playwright-python package, injected into the page: nothing
# is fetched) checks the WCAG 2.1 A and AA rules.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations_inside(page, selector):
    """axe-core's violations on the whole page, those inside an element matching ``selector`` (a
    CSS selector), each as 'rule (impact): help at target'."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    within = "([target, selector]) => !!document.querySelector(target)?.closest(selector)"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {n['target']}"
        for v in violations
        for n in v["nodes"]
        if len(n["target"]) == 1 and page.evaluate(within, [n["target"][0], selector])
    ]
