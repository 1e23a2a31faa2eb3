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
from booksite import ROOT, launch_chromium, offline_route, serve

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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


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

    page = probe(Neuron(activation="sigmoid", w=1.5, b=0.0)).page
    before = live_data(page)
    assert float(before["outputAtOne"]) == pytest.approx(npp.neuron(np.array([1.0]), np.array([1.5]), 0.0))
    weight = page.get_by_label("weight w")
    weight.focus()
    for _ in range(50):
        page.keyboard.press("ArrowRight")  # 0.01 a press: w = 2.0
    after = live_data(page)
    assert float(after["w"]) == pytest.approx(2.0)
    assert float(after["outputAtOne"]) == pytest.approx(npp.neuron(np.array([1.0]), np.array([2.0]), 0.0))
    assert "weight 2 " in status_text(page)
    for act in ("step", "tanh", "relu"):
        page.get_by_label("activation f").select_option(act)
        shown = float(live_data(page)["outputAtOne"])
        assert shown == pytest.approx(npp.neuron(np.array([1.0]), np.array([2.0]), 0.0, act)), act


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
