"""The built book in headless Chromium, with every request that leaves the machine blocked.

Every page must load with no console error and no failed request; on every page with widgets,
every control must work from the keyboard and change what the widget shows. Pages and widgets are
discovered from the built book, so new chapters are covered as soon as they are built.

Needs `make book` and Debian's chromium (`make browser`; `make test` does both first).
"""

import pytest
from booksite import AXE_OPTIONS, BOOK, built_pages, offline_route, require_book, widget_state

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDGETS_TIMEOUT_MS = 20_000
CHANGE_TIMEOUT_MS = 5_000


def widget_pages():
    """Built pages that hold at least one course widget, with how many."""
    pages = {}
    for page in built_pages():
        state = widget_state((BOOK / page).read_text(encoding="utf-8"))
        count = sum("course-widget" in m["state"].get("_dom_classes", []) for m in state.values())
        if count:
            pages[page] = count
    return pages


PAGES = built_pages() or ["(the book is not built)"]
WIDGET_PAGES = widget_pages() or {"(no page with widgets was built)": 0}


class PageWatch:
    """Opens one page with requests to other hosts aborted, and records what went wrong."""

    def __init__(self, browser, base):
        self.base = base
        self.problems = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", offline_route(self.base, self.problems))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _console(self, msg):
        if msg.type == "error":
            self.problems.append(f"console error: {msg.text}")

    def _failed(self, request):
        if request.url.startswith(self.base):
            self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path, widgets=0):
        self.page.goto(self.base + path, wait_until="load")
        if widgets:
            self.page.wait_for_function(
                "n => document.querySelectorAll('.course-widget').length >= n",
                arg=widgets,
                timeout=WIDGETS_TIMEOUT_MS,
            )
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def watch(browser, site):
    w = PageWatch(browser, site)
    yield w
    w.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_with_no_console_error_and_no_failed_request(watch, path):
    require_book()
    watch.open(path, widgets=WIDGET_PAGES.get(path, 0))
    assert watch.problems == [], f"{path}: " + "\n".join(watch.problems)


# JavaScript run in the page: what a widget shows now (its visible views' HTML).
SHOWN = """w => [...w.querySelectorAll('.course-view')]
    .filter(v => v.getClientRects().length > 0).map(v => v.innerHTML).join('|')"""


def wait_for_change(page, widget, before):
    page.wait_for_function(
        f"([w, before]) => ({SHOWN})(w) !== before", arg=[widget, before], timeout=CHANGE_TIMEOUT_MS
    )
    return widget.evaluate(SHOWN)


def press_slider(page, widget, handle, label):
    """Move a slider one step with the keyboard; return what the widget shows before and after."""
    assert handle.get_attribute("tabindex") == "0", f"slider {label!r} is not keyboard-focusable"
    page.wait_for_function("h => h.getAttribute('aria-label')", arg=handle, timeout=5_000)
    assert handle.get_attribute("aria-label") == label, "slider without its accessible name"
    now, top = float(handle.get_attribute("aria-valuenow")), float(handle.get_attribute("aria-valuemax"))
    before = widget.evaluate(SHOWN)
    handle.focus()
    page.keyboard.press("ArrowRight" if now < top else "ArrowLeft")
    return before, wait_for_change(page, widget, before)


def press_select(page, widget, select):
    """Choose the next option of a drop-down with the keyboard."""
    index, count = select.evaluate("s => [s.selectedIndex, s.options.length]")
    before = widget.evaluate(SHOWN)
    select.focus()
    page.keyboard.press("ArrowDown" if index < count - 1 else "ArrowUp")
    return before, wait_for_change(page, widget, before)


def press_play(page, widget, play):
    """Start a Play control with the keyboard, wait for the view to move, then stop it."""
    start, stop = play.query_selector("button:has(.fa-play)"), play.query_selector("button:has(.fa-stop)")
    page.wait_for_function("b => b.getAttribute('aria-label')", arg=start, timeout=5_000)
    assert (start.get_attribute("aria-label"), stop.get_attribute("aria-label")) == ("play", "stop"), (
        "Play buttons without an accessible name"
    )
    before = widget.evaluate(SHOWN)
    start.focus()
    page.keyboard.press("Enter")
    after = wait_for_change(page, widget, before)
    stop.focus()
    page.keyboard.press("Enter")
    return before, after


@pytest.mark.parametrize("path", sorted(WIDGET_PAGES))
def test_every_widget_control_changes_the_view_from_the_keyboard(watch, path):
    require_book()
    page = watch.open(path, widgets=WIDGET_PAGES[path])
    widgets = page.query_selector_all(".course-widget")
    assert len(widgets) == WIDGET_PAGES[path]
    moved = 0
    for n, widget in enumerate(widgets):
        widget.scroll_into_view_if_needed()
        assert widget.evaluate(SHOWN), f"widget {n} of {path} shows nothing"
        for control in widget.query_selector_all(".course-control"):
            classes = control.get_attribute("class")
            if "widget-play" in classes:
                before, after = press_play(page, widget, control)
            elif control.query_selector('[role="slider"]'):
                label = control.query_selector(".widget-label").inner_text().strip()
                before, after = press_slider(page, widget, control.query_selector('[role="slider"]'), label)
            elif control.query_selector("select"):
                before, after = press_select(page, widget, control.query_selector("select"))
            else:
                pytest.fail(f"{path}: widget {n} has a control the test cannot drive: {classes}")
            assert after != before, f"{path}: widget {n} did not change"
            moved += 1
    assert moved >= len(widgets)
    assert watch.problems == [], f"{path}: " + "\n".join(watch.problems)


# axe-core's WCAG 2.1 A and AA rules (booksite.AXE_OPTIONS): serious and critical violations fail.


@pytest.mark.parametrize("path", PAGES)
def test_page_passes_wcag_2_1_aa_in_axe_core(watch, path):
    from axe_playwright_python.sync_playwright import Axe

    require_book()
    page = watch.open(path, widgets=WIDGET_PAGES.get(path, 0))
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{path}: " + "\n".join(serious)
