"""The live widgets (bookkit/live) in headless Chromium, with every request leaving the machine blocked.

Two kinds of page:
- a probe page written here, holding one widget's saved state and the book's own scripts
  (vendor/: require.js, course-widgets.js, the widget manager, anywidget's front end), as a built
  page holds them: it shows that an anywidget's module runs in a static page with no kernel;
- the built book (`make book` first): every `.course-live` widget there renders and responds, from
  the keyboard too, passes axe's WCAG 2.1 A/AA rules and fits a 390 px wide screen.
"""

import json
import math

import pytest
from booksite import (
    BOOK,
    ROOT,
    axe_violations_inside,
    built_pages,
    offline_route,
    require_book,
    serve,
    widget_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

RENDER_TIMEOUT_MS = 20_000

PROBE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>probe</title>
<script type="application/vnd.jupyter.widget-state+json">{state}</script>
<script src="_static/requirejs/require.js"></script>
<script src="_static/course-widgets.js"></script>
<script data-jupyter-widgets-cdn="./no-remote-modules/" src="_static/html-manager/embed-amd.js"></script>
</head><body><main><h1>probe</h1>
{views}
</main></body></html>
"""


def probe_page(folder, *widgets):
    """Write index.html holding ``widgets``' saved state into ``folder``, next to vendor/ as _static."""
    from ipywidgets.embed import dependency_state

    state = dependency_state(list(widgets), drop_defaults=False)  # as a notebook saves it
    views = "\n".join(
        '<div><script type="application/vnd.jupyter.widget-view+json">'
        + json.dumps({"model_id": w.model_id, "version_major": 2, "version_minor": 0})
        + "</script></div>"
        for w in widgets
    )
    text = json.dumps({"version_major": 2, "version_minor": 0, "state": state})
    (folder / "index.html").write_text(PROBE_PAGE.format(state=text.replace("</", "<\\/"), views=views))
    (folder / "_static").symlink_to(ROOT / "vendor", target_is_directory=True)
    return folder


class Watch:
    """One browser page with requests to other hosts aborted; records every problem."""

    def __init__(self, browser, base, width=1200, reduced_motion="no-preference"):
        self.base, self.problems = base, []
        viewport = {"width": width, "height": 900}
        self.context = browser.new_context(viewport=viewport, reduced_motion=reduced_motion)
        self.page = self.context.new_page()
        self.page.route("**/*", offline_route(base, self.problems))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} {r.failure}"))
        self.page.on("response", self._response)

    def _console(self, msg):
        if msg.type == "error":
            self.problems.append(f"console error: {msg.text}")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path, widgets):
        self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_function(
            "n => document.querySelectorAll('.course-live').length >= n",
            arg=widgets,
            timeout=RENDER_TIMEOUT_MS,
        )
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture
def probe(browser, tmp_path):
    """probe(*widgets) -> a Playwright page showing them, served from tmp_path; problems checked after."""
    watches = []

    def open_probe(*widgets, width=1200, reduced_motion="no-preference"):
        folder = tmp_path / f"site{len(watches)}"
        folder.mkdir()
        probe_page(folder, *widgets)
        server = serve(folder)
        base = server.__enter__()
        watch = Watch(browser, base, width, reduced_motion)
        watches.append((watch, server))
        watch.open("index.html", len(widgets))
        return watch

    yield open_probe
    for watch, server in watches:
        watch.context.close()
        server.__exit__(None, None, None)
    for watch, _ in watches:
        assert watch.problems == [], "\n".join(watch.problems)


# --- the plumbing: an anywidget's module runs in a static page, offline ------------------------


def test_an_anywidget_module_with_the_engine_runs_in_a_static_page_with_the_network_cut(probe):
    """A minimal widget whose module is engine.js plus five lines computes sigmoid(z) in the page."""
    import anywidget
    import traitlets

    from bookkit.live.widgets import HERE

    class Probe(anywidget.AnyWidget):
        z = traitlets.Float(0.75).tag(sync=True)
        _esm = (
            (HERE / "engine.js").read_text()
            + """
        export default { render({ model, el }) {
          const [out] = sigmoid_forward([[model.get("z")]]);
          const root = Object.assign(document.createElement("div"), { className: "course-live" });
          root.dataset.sigmoid = out[0][0];
          el.append(root);
        } };"""
        )

    page = probe(Probe(z=0.75)).page
    shown = float(page.get_attribute(".course-live", "data-sigmoid"))
    assert shown == pytest.approx(1 / (1 + math.exp(-0.75)), rel=1e-15)


# --- each widget in a probe page: it computes what nanoprop computes ----------------------------


def live_data(page, n=0):
    """The data-* attributes of the n-th live widget (the numbers its description speaks of)."""
    return page.locator(".course-live").nth(n).evaluate("w => ({...w.dataset})")


def status_text(page, n=0):
    return page.locator(".course-live").nth(n).locator("[aria-live=polite]").inner_text()


def test_the_neuron_follows_its_weight_slider_and_matches_nanoprop(probe):
    import numpy as np

    import nanoprop as npp
    from bookkit.live.widgets import Neuron

    def expected(w, b, activation):
        """nanoprop's neuron at the inputs the widget reports: x = -4, 1, 4."""
        return npp.neuron(np.array([[-4.0], [1.0], [4.0]]), np.array([w]), b, activation)

    def shown():
        return [float(v) for v in live_data(page)["outputs"].split(",")]

    page = probe(Neuron(activation="sigmoid", w=1.5, b=0.5)).page
    assert shown() == pytest.approx(expected(1.5, 0.5, "sigmoid"), rel=1e-12)
    weight = page.get_by_label("weight w")
    weight.focus()
    for _ in range(50):
        page.keyboard.press("ArrowRight")  # 0.01 a press: w = 2.0
    assert float(live_data(page)["w"]) == pytest.approx(2.0)
    assert shown() == pytest.approx(expected(2.0, 0.5, "sigmoid"), rel=1e-12)
    assert float(live_data(page)["threshold"]) == pytest.approx(-0.25)
    assert "weight 2 " in status_text(page)
    for act in ("step", "tanh", "relu"):
        page.get_by_label("activation f").select_option(act)
        assert shown() == pytest.approx(expected(2.0, 0.5, act), rel=1e-12, abs=1e-15), act


def test_the_chain_rule_view_recomputes_when_a_leaf_moves_and_agrees_with_value_backward(probe):
    from bookkit.live.widgets import ChainRule
    from nanoprop import Value

    def grads(x1, w1, x2, w2, b):
        leaves = {k: Value(v) for k, v in dict(x1=x1, w1=w1, x2=x2, w2=w2, b=b).items()}
        o = (leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]).tanh()
        o.backward()
        return o.data, {k: v.grad for k, v in leaves.items()}

    page = probe(ChainRule()).page
    leaf = page.get_by_label("x1", exact=True)
    leaf.focus()
    for _ in range(30):
        page.keyboard.press("ArrowLeft")  # x1: 2.0 -> 1.7
    page.get_by_label("path from o to").select_option("w1")
    data = live_data(page)
    o, expected = grads(1.7, -3.0, 0.0, 1.0, 6.8813735870195432)
    assert float(data["o"]) == pytest.approx(o, rel=1e-12)
    assert float(data["pathProduct"]) == pytest.approx(expected["w1"], rel=1e-12)
    assert float(data["backprop"]) == pytest.approx(expected["w1"], rel=1e-12)
    for k, g in expected.items():
        assert float(data[f"grad_{k}"]) == pytest.approx(g, rel=1e-12, abs=1e-15), k
    assert "x1 = 1.7" in status_text(page)


def test_descent_converges_at_a_small_rate_and_diverges_above_two_over_b_from_the_keyboard(probe):
    from bookkit.figures import bowl, loss_path
    from bookkit.live.widgets import Descent

    page = probe(Descent(learning_rate=0.1)).page
    data = live_data(page)
    loss, grad = bowl(1.0, 10.0)
    assert data["diverged"] == "false"
    assert float(data["lastLoss"]) == pytest.approx(loss(loss_path(grad, [-2.5, 2.0], 0.1, steps=40)[-1]))
    rate = page.get_by_label("learning rate")
    rate.focus()
    for _ in range(110):
        page.keyboard.press("ArrowRight")  # 0.001 a press: 0.1 -> 0.21 > 2 / b
    data = live_data(page)
    assert float(data["learningRate"]) == pytest.approx(0.21)
    assert data["diverged"] == "true" and float(data["lastLoss"]) > float(data["firstLoss"])
    assert "diverges" in status_text(page)
    # the start, from the keyboard: Tab to the picture, arrows move the start, Enter runs
    page.locator("[role=application]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert live_data(page)["start"] == "-2.4,1.9"
    assert "Start (-2.4, 1.9)" in status_text(page)
    # a click at w = (0, 0) (drawing units 174, 149 of the 320 x 320 picture) starts at the minimum
    box = page.locator("[role=application]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 174 / 320, box["y"] + box["height"] * 149 / 320)
    start = [float(v) for v in live_data(page)["start"].split(",")]
    assert start == pytest.approx([0.0, 0.0], abs=0.03) and float(live_data(page)["firstLoss"]) < 0.01


def train(page, steps):
    step = page.get_by_role("button", name="Step", exact=True)
    for _ in range(steps):
        step.click()
    return live_data(page)


def test_the_playground_learns_xor_reset_restores_it_and_its_code_gives_the_same_numbers(probe):
    from bookkit.live.widgets import Playground

    page = probe(Playground(dataset="xor", hidden=[8, 8], learning_rate=0.1, momentum=0.9)).page
    start = live_data(page)
    assert start["step"] == "0" and start["sizes"] == "2-8-8-2"
    trained = train(page, 60)
    assert trained["step"] == "60"
    assert float(trained["trainLoss"]) < 0.7 * float(start["trainLoss"])
    page.get_by_role("button", name="Show the nanoprop code").click()
    code = page.locator(".course-live pre code").inner_text()
    shown = {}
    exec(code, shown)  # the Python the page shows, run here with nanoprop
    assert shown["train_loss"] == pytest.approx(float(trained["trainLoss"]), rel=1e-9)
    assert shown["val_loss"] == pytest.approx(float(trained["valLoss"]), rel=1e-9)
    page.get_by_role("button", name="Reset").click()
    again = live_data(page)
    assert again["step"] == "0" and again["trainLoss"] == start["trainLoss"]


def test_the_playground_plays_and_pauses_and_a_setting_starts_a_new_run(probe):
    from bookkit.live.widgets import Playground

    page = probe(Playground()).page
    play = page.get_by_role("button", name="Play")
    play.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => Number(document.querySelector('.course-live').dataset.step) >= 20")
    page.get_by_role("button", name="Pause").click()
    paused = live_data(page)["step"]
    page.wait_for_timeout(300)
    assert live_data(page)["step"] == paused and int(paused) >= 20
    page.get_by_label("hidden layers").select_option("3")
    data = live_data(page)
    assert data["step"] == "0" and data["sizes"] == "2-8-8-8-2"
    page.get_by_label("data set").select_option("spiral")
    assert live_data(page)["sizes"] == "2-8-8-8-3"


def test_with_reduced_motion_play_updates_in_steps_not_every_frame(probe):
    from bookkit.live.widgets import Playground

    page = probe(Playground(), reduced_motion="reduce").page
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Pause").click()
    assert int(live_data(page)["step"]) % 10 == 0 and int(live_data(page)["step"]) <= 30


# --- in the built book (`make book` first) ---------------------------------------------------


def live_pages():
    """Built pages holding live widgets, with how many (one anywidget model per widget)."""
    pages = {}
    for page in built_pages():
        state = widget_state((BOOK / page).read_text(encoding="utf-8"))
        count = sum(m["model_module"] == "anywidget" for m in state.values())
        if count:
            pages[page] = count
    return pages


LIVE_PAGES = live_pages() or {"(the book is not built, or has no live widget)": 0}
EXPECTED = {  # the pages that must hold live widgets, and the widgets they hold
    "chapters/02_neuron.html": 1,
    "chapters/05_chain_rule.html": 1,
    "chapters/07_gradient_descent.html": 1,
    "chapters/playground.html": 1,
}


@pytest.fixture
def book(browser, site):
    """book(path, width=..., reduced_motion=...) -> a Watch on a built page; problems checked after."""
    watches = []

    def open_page(path, **kwargs):
        watch = Watch(browser, site, **kwargs)
        watches.append(watch)
        watch.open(path, LIVE_PAGES[path])
        watch.page.watch = watch
        return watch.page

    yield open_page
    for watch in watches:
        watch.context.close()
    for watch in watches:
        assert watch.problems == [], "\n".join(watch.problems)


@pytest.mark.book
def test_the_book_has_the_live_widgets_where_the_chapters_need_them():
    require_book()
    assert {p: LIVE_PAGES.get(p, 0) for p in EXPECTED} == EXPECTED
    html = (BOOK / "chapters/playground.html").read_text(encoding="utf-8")
    assert "_static/anywidget" not in html  # served through require.js, named in course-widgets.js
    assert (BOOK / "_static/anywidget/index.js").is_file()
    assert "anywidget/index" in (BOOK / "_static/course-widgets.js").read_text(encoding="utf-8")


@pytest.mark.book
@pytest.mark.parametrize("path", sorted(LIVE_PAGES))
def test_every_live_widget_renders_offline_with_no_error(book, path):
    page = book(path)
    widgets = page.locator(".course-live")
    assert widgets.count() == LIVE_PAGES[path]
    for n in range(widgets.count()):
        assert status_text(page, n).strip(), f"{path}: widget {n} describes nothing"
        assert widgets.nth(n).locator("canvas").count() >= 1


@pytest.mark.book
def test_the_neuron_in_chapter_2_redraws_as_its_weight_moves(book):
    page = book("chapters/02_neuron.html")
    before = live_data(page)
    slider = page.locator(".course-live").get_by_label("weight w")
    slider.focus()
    page.keyboard.press("PageUp")  # a tenth of the range: w = 1.5 -> 2.3
    after = live_data(page)
    assert float(after["w"]) > float(before["w"])
    assert after["outputAtOne"] != before["outputAtOne"]
    assert f"weight {float(after['w']):g}" in status_text(page)


@pytest.mark.book
def test_the_chain_rule_in_chapter_5_follows_a_leaf(book):
    page = book("chapters/05_chain_rule.html")
    before = live_data(page)
    page.locator(".course-live").get_by_label("x2", exact=True).fill("1")
    after = live_data(page)
    assert before["grad_w2"] == "0" and float(after["grad_w2"]) > 0.05  # x2 is w2's local derivative
    assert after["o"] != before["o"] and "x2 = 1," in status_text(page)


@pytest.mark.book
def test_the_descent_in_chapter_7_diverges_at_a_large_learning_rate(book):
    page = book("chapters/07_gradient_descent.html")
    assert live_data(page)["diverged"] == "false"
    page.locator(".course-live").get_by_label("learning rate").fill("0.3")
    data = live_data(page)
    assert data["diverged"] == "true" and float(data["lastLoss"]) > 1e3 * float(data["firstLoss"])
    assert "diverges" in status_text(page)


@pytest.mark.book
def test_the_playground_learns_xor_and_reset_restores_it(book):
    page = book("chapters/playground.html")
    start = live_data(page)
    assert start["dataset"] == "xor" and start["step"] == "0"
    trained = train(page, 40)
    assert trained["step"] == "40" and float(trained["trainLoss"]) < 0.8 * float(start["trainLoss"])
    page.get_by_role("button", name="Reset").click()
    assert live_data(page)["trainLoss"] == start["trainLoss"]


CONTROLS = "input, select, button, [tabindex='0']"


@pytest.mark.book
@pytest.mark.parametrize("path", sorted(LIVE_PAGES))
def test_live_widgets_work_from_the_keyboard_alone(book, path):
    """Tab reaches every control of each widget in order, each with a name; arrows move sliders."""
    page = book(path)
    for n in range(LIVE_PAGES[path]):
        widget = page.locator(".course-live").nth(n)
        controls = widget.locator(CONTROLS).evaluate_all(
            "cs => cs.filter(c => c.getClientRects().length).map(c => c.id || c.textContent.trim())"
        )
        first = widget.locator(CONTROLS).first
        first.focus()
        reached = [
            page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")
        ]
        for _ in controls[1:]:
            page.keyboard.press("Tab")
            reached.append(
                page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")
            )
        assert reached == controls, f"{path}: Tab does not walk widget {n}'s controls in order"
        names = widget.locator(CONTROLS).evaluate_all(
            "cs => cs.filter(c => c.getClientRects().length).map(c => c.labels?.[0]?.textContent "
            "|| c.getAttribute('aria-label') || c.textContent)"
        )
        assert all(name and name.strip() for name in names), f"{path}: a control without a name"
        for slider in widget.locator("input[type=range]").all():
            if not slider.is_visible():
                continue
            before = slider.input_value()
            slider.focus()
            page.keyboard.press(
                "ArrowLeft" if float(before) >= float(slider.get_attribute("max")) else "ArrowRight"
            )
            assert slider.input_value() != before, f"{path}: the arrow keys do not move a slider"


@pytest.mark.book
@pytest.mark.parametrize("path", sorted(LIVE_PAGES))
def test_live_widgets_pass_axe_wcag_2_1_a_and_aa(book, path):
    """axe-core on the whole page (as test_book_browser.py runs it); any violation inside a live
    widget fails, whatever its impact."""
    page = book(path)
    assert page.watch.problems == []
    found = axe_violations_inside(page, ".course-live")
    # axe re-reads the theme's stylesheet and resolves its @import "../basic.css" against the
    # site's root (a 404 of axe's own making, not the page's): what axe fetches is not checked.
    page.watch.problems.clear()
    assert not found, f"{path}: " + "\n".join(found)


@pytest.mark.book
@pytest.mark.parametrize("path", sorted(LIVE_PAGES))
def test_live_widgets_fit_a_390_px_screen(book, path):
    page = book(path, width=390)
    sizes = page.locator(".course-live").evaluate_all(
        "ws => ws.map(w => [w.scrollWidth, w.clientWidth, w.getBoundingClientRect().right, "
        "Math.max(...[...w.querySelectorAll('canvas')].map(c => c.getBoundingClientRect().right))])"
    )
    for n, (scroll, client, right, canvas_right) in enumerate(sizes):
        assert scroll <= client, f"{path}: widget {n} overflows sideways ({scroll} > {client} px)"
        assert right <= 390 and canvas_right <= right, f"{path}: widget {n} is wider than the screen"


# --- in JupyterLab: the same widget, live through anywidget's extension -------------------------


@pytest.mark.slow
def test_a_live_widget_runs_in_jupyterlab_with_the_authors_settings_and_the_arrow_keys(browser, tmp_path):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import nbformat

    code = "from bookkit.live.widgets import Neuron\nNeuron(activation='tanh', w=2.0, b=-1.0)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "live.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=live", f"--ServerApp.root_dir={tmp_path}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/lab/tree/live.ipynb?token=live"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token=live", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        page.wait_for_timeout(3000)
        if page.get_by_role("button", name="Select").is_visible():
            page.get_by_role("button", name="Select").click()
        page.wait_for_timeout(5000)
        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".course-live", timeout=90_000)
        widget = page.locator(".course-live")
        assert widget.evaluate("w => [w.dataset.activation, w.dataset.w, w.dataset.b]") == ["tanh", "2", "-1"]
        widget.get_by_label("weight w").focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")  # the notebook's shortcuts must not swallow them
        assert float(widget.evaluate("w => w.dataset.w")) == pytest.approx(2.05)
        context.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
