"""The live engine's speed: engine.js in headless Chromium against nanoprop in Python, the same training.

A 2-8-8-1 network (tanh, MSE on targets -1 / +1) on 200 points (two moons), SGD with momentum:
the same weights, the same batch order and the same numbers on both sides (bookkit/live/rng.py; the
final weights are compared). Training steps per second, each step one mini-batch, with batches of
10 and with the full 200 points. The contenders run interleaved, round by round (bench/rounds.py),
after one unrecorded warm-up round; each times its own loop of steps (performance.now() in the
page, time.perf_counter() in Python), so a round trip to the browser is not counted.

    python bench/bench_live.py [--repeats 7] [--steps 1000] [--order-seed 0]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from booksite import launch_chromium  # noqa: E402  (tests/, put on the path above)
from livepage import ENGINE, engine_page, run_js  # noqa: E402
from rounds import interleave, ratio_cells, spread, table  # noqa: E402  (bench/, this script's folder)

import nanoprop  # noqa: E402
from bookkit.live import rng as live_rng  # noqa: E402

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (each runs every contender once)")
    parser.add_argument("--steps", type=int, default=1000, help="training steps per contender per round")
    parser.add_argument("--order-seed", type=int, default=0, help="seed of the order within rounds")
    cfg = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}; network {CONFIG}")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        print(f"Chromium {browser.version} (headless)", flush=True)
        with engine_page(browser, {"engine": ENGINE.read_text(encoding="utf-8")}) as page:
            bench_engine(page, cfg)
        browser.close()


if __name__ == "__main__":
    main()
