"""The live widgets' speed: the engine against nanoprop, and the playground against a precomputed widget.

1. The engine alone. A 2-8-8-1 network (tanh, MSE on targets -1 / +1) on 200 points (two moons),
SGD with momentum: the same weights, the same batch order and the same numbers on both sides
(bookkit/live/rng.py; the final weights are compared). Training steps per second, each step one
mini-batch, with batches of 10 and with the full 200 points. The contenders run interleaved, round
by round (bench/rounds.py), after one unrecorded warm-up round; each times its own loop of steps
(performance.now() in the page, time.perf_counter() in Python), so a round trip to the browser is
not counted.

2. The widgets in a page (bookkit/live/widgets.py), served offline as the book serves them (the
saved widget state, require.js, the widget manager, anywidget's front end from vendor/), side by
side with the precomputed widget the live neuron replaced (chapter 2's explorer before it went
live: 4 activations x 13 biases rendered at build time, switched by the controls):
- the playground playing (2-8-8-2, tanh, 200 + 100 points, batch 20, its defaults): training steps
  per second while it draws, the frame time (requestAnimationFrame deltas) and the widget's work
  per frame (its own animation-frame callback: two training steps, the losses, the drawing),
  median and p95;
  beside it, an empty page's animation frames: what the browser manages with nothing to draw, and
  when the book is built (`make book`), the same on the playground's own page of the book;
- key-down to the new view: from the keydown event to the first animation frame after the widget
  changed what it shows (a MutationObserver on everything but the controls), p95 per round;
- where the main thread's time goes while the playground plays (Chromium's sampling profiler):
  the engine's functions, the widget's other JavaScript, the browser's own work;
- the page weight each widget adds: its saved state (for a live widget: its module, engine.js
  included, and its stylesheet) and the front-end files it needs, raw and gzipped.

    python bench/bench_live.py [--repeats 7] [--steps 1000] [--presses 20] [--order-seed 0]
"""

import argparse
import contextlib
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from booksite import BOOK, launch_chromium, offline_route, serve  # noqa: E402  (tests/, put on the path above)
from livepage import ENGINE, PAGE, engine_page, run_js  # noqa: E402
from rounds import interleave, ratio_cells, spread, table  # noqa: E402  (bench/, this script's folder)

import nanoprop  # noqa: E402
from bookkit.live import rng as live_rng  # noqa: E402

BOOK_PLAYGROUND = BOOK / "chapters" / "playground.html"
CONFIG = {"dataset": "moons", "n": 200, "sizes": [2, 8, 8, 1], "activation": "tanh", "loss": "mse"}

ENGINE_JS = """(E, P) => {
  const trainer = new E.Trainer(P.config);
  const start = performance.now();
  for (let i = 0; i < P.steps; i++) trainer.step();
  return { seconds: (performance.now() - start) / 1000, params: trainer.model.params };
}"""


def train_nanoprop(config, steps):
    """Trainer(config)'s run in Python, with nanoprop: (seconds of the steps, final weights)."""
    c = {"data_seed": 1, "noise": 0.1, "seed": 0, "learning_rate": 0.03, "momentum": 0.9, **config}
    X, y = live_rng.make_dataset(c["dataset"], c["n"], c["data_seed"], c["noise"])
    target = 2.0 * y[:, None] - 1
    model = nanoprop.MLP(c["sizes"], activation=c["activation"])
    model.params = live_rng.init_params(c["sizes"], c["seed"], c["activation"])
    velocity = {k: np.zeros_like(p) for k, p in model.params.items()}
    rng = live_rng.Rng(c["seed"])
    done = 0
    start = time.perf_counter()
    while done < steps:
        for X_batch, t_batch in nanoprop.minibatches(X, target, c["batch_size"], rng):
            scores, caches = model.forward(X_batch)
            _, dscores = nanoprop.mse_loss(scores, t_batch)
            grads = model.backward(dscores, caches)
            for k in model.params:
                model.params[k], velocity[k] = nanoprop.sgd_momentum(
                    model.params[k], grads[k], velocity[k], c["learning_rate"], c["momentum"]
                )
            done += 1
            if done == steps:
                break
    return time.perf_counter() - start, model.params


def largest_difference(js_params, params):
    """The largest difference between two sets of weights, relative to each array's largest entry."""
    return max(
        float(np.max(np.abs(np.array(js_params[k]) - p)) / np.max(np.abs(p))) for k, p in params.items()
    )


def bench_engine(page, cfg):
    contenders, checks = {}, {}
    for batch in (10, 200):
        config = {**CONFIG, "batch_size": batch}

        def js(r, config=config, batch=batch):
            out = run_js(page, "engine", ENGINE_JS, {"config": config, "steps": cfg.steps})
            checks[batch] = out["params"]
            return out["seconds"]

        def py(r, config=config, batch=batch):
            seconds, params = train_nanoprop(config, cfg.steps)
            checks[f"py{batch}"] = params
            return seconds

        contenders[f"engine.js in Chromium, batch {batch}"] = js
        contenders[f"nanoprop in Python, batch {batch}"] = py
    rounds = interleave(contenders, cfg.repeats, seed=cfg.order_seed, warmup=1)
    print(f"{rounds.describe()}, after 1 warm-up round; {cfg.steps} steps per contender per round\n")
    rows = []
    for name in rounds.names:
        s = spread([cfg.steps / t for t in rounds.values[name]])
        rows.append([name, f"{s.median:.0f}", f"{s.q1:.0f}-{s.q3:.0f}", f"{s.lo:.0f}-{s.hi:.0f}"])
    print(table(["training steps per second", "median", "IQR", "min-max"], rows))
    print("\nspeed ratio engine.js / nanoprop: per round, nanoprop's seconds over the engine's")
    rows = []
    for batch in (10, 200):
        js_t = rounds.values[f"engine.js in Chromium, batch {batch}"]
        py_t = rounds.values[f"nanoprop in Python, batch {batch}"]
        rows.append([f"batch {batch}"] + ratio_cells(spread([p / j for p, j in zip(py_t, js_t)])))
        diff = largest_difference(checks[batch], checks[f"py{batch}"])
        print(f"  batch {batch}: final weights, engine.js vs nanoprop: at most {diff:.1e} apart (relative)")
    print(table(["ratio", "median", "IQR", "min-max"], rows))
    return rounds


# ---- 2. the widgets in a page ----


def old_widgets():
    """The precomputed widgets the live ones replaced, as the chapters had them (commit dadf90b):
    chapter 2's neuron explorer (4 activations x 13 biases, w fixed at 1.5) and chapter 7's
    descent (7 learning rates x 3 momenta, one start)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bookkit.bookwidgets import precomputed
    from bookkit.figures import bowl, draw_descent, loss_path
    from bookkit.style import PALETTE, use_course_style

    use_course_style()
    w_explorer, x_axis = 1.5, np.linspace(-4, 4, 401)

    def render_neuron(activation, b):
        fig, ax = plt.subplots(figsize=(6.2, 3.2))
        ax.plot(x_axis, nanoprop.neuron(x_axis[:, None], np.array([w_explorer]), b, activation))
        threshold = -b / w_explorer + 0.0
        ax.axvline(threshold, color=PALETTE["vermillion"], ls="--", lw=1.5)
        ax.text(threshold + 0.1, 2.6, f"threshold x = {threshold:.2f}", color=PALETTE["vermillion"])
        ax.set(
            xlabel="input x",
            ylabel="output a",
            ylim=(-1.2, 3.0),
            title=f"a = {activation}({w_explorer} x + {b:.2f})",
        )
        return fig

    neuron = precomputed(
        render_neuron,
        {"activation": ["step", "sigmoid", "tanh", "relu"], "b": np.linspace(-3, 3, 13)},
        labels={"b": "bias b"},
        start={"activation": "sigmoid", "b": 0.0},
        title=f"Neuron explorer: one input, weight w = {w_explorer}",
        alt=f"The output of a {{activation}} neuron a = {{activation}}({w_explorer} x + b), bias b = {{b}}",
    )
    loss, grad = bowl(a=1.0, b=10.0)
    w0 = np.array([-2.5, 2.0])

    def render_descent(learning_rate, momentum):
        path = loss_path(grad, w0, learning_rate, momentum, steps=40)
        fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.2), width_ratios=[1, 1.3])
        draw_descent(left, loss, path)
        right.semilogy(np.arange(len(path)), loss(path), "-o", ms=3)
        right.set(xlim=(0, 40), ylim=(1e-6, 1e6), xlabel="step", ylabel="loss")
        losses = loss(path)
        verdict = "diverges" if losses[-1] > losses[0] else f"loss {losses[-1]:.1e} after 40 steps"
        right.set_title(verdict, fontsize=10)
        return fig

    descent = precomputed(
        render_descent,
        {"learning_rate": [0.01, 0.06, 0.1, 0.19, 0.21, 0.25, 0.35], "momentum": [0.0, 0.5, 0.9]},
        labels={"learning_rate": "learning rate", "momentum": "momentum"},
        start={"learning_rate": 0.1, "momentum": 0.0},
        alt="Gradient descent on a narrow bowl, learning rate {learning_rate}, momentum {momentum}",
        dpi=66,
        title="Gradient descent on L = (w0² + 10 w1²) / 2",
    )
    return neuron, descent


# In the page: the time from each keydown to the first animation frame after the widget changed
# what it shows (any change outside its controls), in window.__latency (milliseconds).
WATCH_KEYS_JS = """() => {
  window.__latency = [];
  let t0 = null;
  const in_control = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return el !== null && el.closest(".course-control, .course-live-control") !== null;
  };
  document.addEventListener("keydown", (e) => { t0 = e.timeStamp; }, true);
  new MutationObserver((records) => {
    if (t0 === null || records.every((r) => in_control(r.target))) return;
    const start = t0;
    t0 = null;
    requestAnimationFrame(() => window.__latency.push(performance.now() - start));
  }).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
}"""

# In the page: play the playground for P.ms milliseconds; animation-frame deltas and steps done.
PLAY_JS = """([root, P]) => new Promise((resolve) => {
  const button = (name) => [...root.querySelectorAll("button")].find((b) => b.textContent === name);
  button("Reset").click();
  const step0 = Number(root.dataset.step);
  // the widget's own animation-frame callbacks, timed: its work per frame
  const original = window.requestAnimationFrame, raf = original.bind(window), work = [];
  window.requestAnimationFrame = (callback) => raf((t) => {
    const start = performance.now();
    callback(t);
    work.push(performance.now() - start);
  });
  const deltas = [];
  let last = null, t0 = null;
  button("Play").click();
  const tick = (t) => {
    if (last !== null) deltas.push(t - last);
    else t0 = t;
    last = t;
    if (t - t0 < P.ms) return raf(tick);
    const steps = Number(root.dataset.step) - step0;
    button("Pause").click();
    window.requestAnimationFrame = original;
    resolve({ deltas, work, steps, seconds: (t - t0) / 1000 });
  };
  raf(tick);
})"""


def engine_functions():
    """The names of the functions and methods engine.js defines (to find them in a profile)."""
    import re

    text = ENGINE.read_text(encoding="utf-8")
    names = set(re.findall(r"^(?:export )?function\*? ?(\w+)", text, re.M))
    names |= set(re.findall(r"^  (\w+)\([^)]*\) \{", text, re.M))  # class methods
    return names - {"constructor"}


def profile_play(page, root, ms):
    """Where the main thread's time goes while the playground plays (Chromium's sampling profiler):
    {share: fraction of the samples} for the engine's functions (anywhere on the stack), the
    widget's other JavaScript, the browser's own work outside JavaScript ("(program)": rendering,
    and on a busy machine time the page waits for a core), garbage collection and idle time."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    page.evaluate(PLAY_JS, [root, {"ms": ms}])
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    engine, shares = engine_functions(), {}
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        stack, node = [], sample
        while node is not None:
            stack.append(nodes[node]["callFrame"]["functionName"])
            node = parent.get(node)
        top = stack[0]
        if any(name in engine for name in stack):
            kind = "engine.js"
        elif top in ("(program)", "(garbage collector)", "(idle)"):
            kind = {"(program)": "the browser's own work outside JavaScript"}.get(top, top.strip("()"))
        else:
            kind = "the widget's other JavaScript"
        shares[kind] = shares.get(kind, 0) + dt
    total = sum(shares.values())
    return {k: v / total for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}


# In the page: P.ms milliseconds of animation frames with nothing to draw (the machine's ceiling).
FRAMES_JS = """(P) => new Promise((resolve) => {
  const deltas = [];
  let last = null, t0 = null;
  const tick = (t) => {
    if (last !== null) deltas.push(t - last);
    else t0 = t;
    last = t;
    if (t - t0 < P.ms) return requestAnimationFrame(tick);
    resolve({ deltas, work: [], steps: 0, seconds: (t - t0) / 1000 });
  };
  requestAnimationFrame(tick);
})"""


def press_keys(page, control, presses):
    """Focus ``control`` and press ArrowRight / ArrowLeft in turn ``presses`` times (Enter on a
    button); -> the key-down-to-new-view times, milliseconds."""
    control.focus()
    done = page.evaluate("() => window.__latency.length")
    is_button = control.evaluate("c => c.tagName === 'BUTTON'")
    for i in range(presses):
        page.keyboard.press("Enter" if is_button else ("ArrowRight", "ArrowLeft")[i % 2])
        page.wait_for_function("n => window.__latency.length >= n", arg=done + i + 1, timeout=10_000)
    return page.evaluate(f"() => window.__latency.slice({done})")


def p95(values):
    return float(np.percentile(values, 95))


ANYWIDGET = "anywidget's front end (vendor/anywidget/index.js)"


def page_weights(widgets):
    """{name: (raw bytes, gzipped bytes)} of each widget's saved state and of the front-end files."""

    from ipywidgets.embed import dependency_state

    sizes = {}
    for name, widget in widgets.items():
        text = json.dumps(dependency_state([widget], drop_defaults=False)).encode()
        sizes[f"{name}: saved state"] = (len(text), len(gzip.compress(text)))
    for name, path in {
        ANYWIDGET: ROOT / "vendor" / "anywidget" / "index.js",
        "engine.js (inside each live widget's state)": ENGINE,
    }.items():
        data = path.read_bytes()
        sizes[name] = (len(data), len(gzip.compress(data)))
    return sizes


def open_probe(browser, base, path, count, problems):
    """A page of the probe site with ``count`` widgets rendered, key presses watched, offline."""
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.route("**/*", offline_route(base, problems))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(base + path, wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('.course-live, .course-widget').length >= n",
        arg=count,
        timeout=60_000,
    )
    page.wait_for_load_state("networkidle")
    page.evaluate(WATCH_KEYS_JS)
    return page


def bench_widgets(browser, cfg):
    import tempfile

    from test_live_widgets import probe_page  # the live widgets' tests write the same probe pages

    from bookkit.live.widgets import Descent, Neuron, Playground

    old_neuron, old_descent = old_widgets()
    live_widgets = {"live playground": Playground(), "live neuron": Neuron(), "live descent": Descent()}
    weights = page_weights(
        {**live_widgets, "precomputed neuron": old_neuron, "precomputed descent": old_descent}
    )
    if BOOK_PLAYGROUND.is_file():
        data = BOOK_PLAYGROUND.read_bytes()
        weights["the built book's chapters/playground.html (the page, its widget state included)"] = (
            len(data),
            len(gzip.compress(data)),
        )
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, widgets in (("live", live_widgets.values()), ("precomputed", [old_neuron, old_descent])):
            (Path(tmp) / name).mkdir()
            probe_page(Path(tmp) / name, *widgets)
        (Path(tmp) / "empty.html").write_text(PAGE, encoding="utf-8")
        with serve(tmp) as base, contextlib.ExitStack() as stack:
            live = open_probe(browser, base, "live/index.html", 3, problems)
            old = open_probe(browser, base, "precomputed/index.html", 2, problems)
            empty = open_probe(browser, base, "empty.html", 0, problems)
            playground, neuron, descent = (live.locator(".course-live").nth(i) for i in range(3))
            old_sliders = old.locator('.course-widget [role="slider"]')
            controls = {
                "live playground: learning rate (a new run)": (
                    live,
                    playground.get_by_label("learning rate"),
                ),
                "live playground: Step (one more step)": (
                    live,
                    playground.get_by_role("button", name="Step", exact=True),
                ),
                "live neuron: bias b": (live, neuron.get_by_label("bias b")),
                "precomputed neuron: bias b": (old, old_sliders.nth(0)),
                "live descent: learning rate": (live, descent.get_by_label("learning rate")),
                "precomputed descent: learning rate": (old, old_sliders.nth(1)),
            }
            contenders = {
                name: (lambda r, pc=pc: press_keys(*pc, cfg.presses)) for name, pc in controls.items()
            }
            root = playground.element_handle()
            contenders["live playground: Play"] = lambda r: live.evaluate(
                PLAY_JS, [root, {"ms": cfg.play_ms}]
            )
            contenders["an empty page"] = lambda r: empty.evaluate(FRAMES_JS, {"ms": cfg.play_ms})
            if BOOK_PLAYGROUND.is_file():  # the playground's page in the built book, when there is one
                book_base = stack.enter_context(serve(BOOK))
                book = open_probe(browser, book_base, "chapters/playground.html", 1, problems)
                has_play = book.get_by_role("button", name="Play", exact=True)
                book_root = book.locator(".course-live", has=has_play).first.element_handle()
                contenders["the book's playground page"] = lambda r: book.evaluate(
                    PLAY_JS, [book_root, {"ms": cfg.play_ms}]
                )
            rounds = interleave(contenders, cfg.repeats, seed=cfg.order_seed, warmup=1)
            shares = profile_play(live, root, cfg.play_ms)
    if problems:
        raise AssertionError("the probe pages went wrong:\n" + "\n".join(problems))
    print(f"\n{rounds.describe()}, after 1 warm-up round; {cfg.presses} key presses per control per round\n")
    rows = []
    for name in controls:
        s = spread([p95(v) for v in rounds.values[name]])
        rows.append([name, f"{s.median:.1f}", f"{s.q1:.1f}-{s.q3:.1f}", f"{s.lo:.1f}-{s.hi:.1f}"])
    print(table(["key-down to new view, p95 of a round (ms)", "median", "IQR", "min-max"], rows))
    rows = []
    for name, label in (
        ("live playground: Play", "playground"),
        ("the book's playground page", "in the built book"),
        ("an empty page", "empty page"),
    ):
        if name not in rounds.values:
            continue
        plays = rounds.values[name]
        for what, values in (
            ("steps per second while drawing", [p["steps"] / p["seconds"] for p in plays]),
            ("frames per second", [len(p["deltas"]) / p["seconds"] for p in plays]),
            ("frame time, median (ms)", [float(np.median(p["deltas"])) for p in plays]),
            ("frame time, p95 (ms)", [p95(p["deltas"]) for p in plays]),
            ("its work per frame, median (ms)", [float(np.median(p["work"] or [0])) for p in plays]),
            ("its work per frame, p95 (ms)", [p95(p["work"] or [0]) for p in plays]),
        ):
            if name == "an empty page" and what.startswith(("steps", "its work")):
                continue
            s = spread(values)
            rows.append(
                [f"{label}: {what}", f"{s.median:.1f}", f"{s.q1:.1f}-{s.q3:.1f}", f"{s.lo:.1f}-{s.hi:.1f}"]
            )
    print(
        f"\nthe playground (2-8-8-2, 200 + 100 points, batch 20) playing, {cfg.play_ms / 1000:g} s a round,"
    )
    print("and an empty page's animation frames for as long (what the machine allows)")
    print(table(["animation frames", "median", "IQR", "min-max"], rows))
    print(
        f"where the main thread's time went in one more play of {cfg.play_ms / 1000:g} s (sampling profiler):"
    )
    for kind, share in shares.items():
        print(f"  {share:6.1%}  {kind}")
    print("\npage weight")
    rows = [[name, f"{raw / 1000:.1f} KB", f"{gz / 1000:.1f} KB"] for name, (raw, gz) in weights.items()]
    print(table(["what the page carries", "raw", "gzipped"], rows))
    raw, gz = (sum(weights[k][i] for k in ("live playground: saved state", ANYWIDGET)) for i in (0, 1))
    print(
        f"the live playground adds {raw / 1000:.1f} KB ({gz / 1000:.1f} KB gzipped) to its page: "
        f"its saved state and {ANYWIDGET}"
    )
    return rounds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (each runs every contender once)")
    parser.add_argument("--steps", type=int, default=1000, help="training steps per contender per round")
    parser.add_argument("--presses", type=int, default=20, help="key presses per control per round")
    parser.add_argument("--play-ms", type=int, default=3000, help="how long the playground plays per round")
    parser.add_argument("--order-seed", type=int, default=0, help="seed of the order within rounds")
    cfg = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}; network {CONFIG}")
    print("load average (1, 5, 15 min) at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with sync_playwright() as p:
        browser = launch_chromium(p)
        print(f"Chromium {browser.version} (headless)", flush=True)
        with engine_page(browser, {"engine": ENGINE.read_text(encoding="utf-8")}) as page:
            bench_engine(page, cfg)
        bench_widgets(browser, cfg)
        browser.close()
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
