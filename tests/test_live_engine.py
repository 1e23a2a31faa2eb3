"""bookkit/live/engine.js computes what nanoprop computes: in headless Chromium, compared with numpy.

Fixed inputs and weights made in Python (nanoprop's own init_params) go to the engine as JSON. The
engine's forward outputs, losses (MSE, softmax cross-entropy), every gradient (each layer, each
activation, through whole MLPs) and the weights after 50 steps of SGD with momentum on mini-batches
(same initial weights, same batch order) must agree with nanoprop's to 1e-9 relative in float64.
Its random numbers, data sets and initial weights must equal bookkit/live/rng.py's bit for bit, and
the Python that nanoprop_code writes must repeat a Trainer's run. Seeded bugs in copies of the
engine (text substitutions made here) must each make a comparison fail.

Needs Debian's chromium (`make browser`), not the built book.
"""

import math

import numpy as np
import pytest
from booksite import launch_chromium
from livepage import ENGINE, engine_page, run_js

import nanoprop
from bookkit.live import rng as live_rng

RTOL = 1e-9


def browser_test(test):
    """A test that drives Chromium: marked `browser`, and run on the xdist worker of the other
    browser tests (one Chromium at a time on a 2-core machine)."""
    return pytest.mark.xdist_group("browser")(pytest.mark.browser(test))


# Each result is computed inside try/catch so that one broken function (a seeded bug that makes
# shapes disagree) is reported as a mismatch of its own instead of stopping the rest.
JS_HELPERS = """
const attempt = (f) => { try { return f(); } catch (e) { return { error: String(e) }; } };
const zeros_like = (p) => p.map((r) => (typeof r === "number" ? 0 : r.map(() => 0)));
function train(E, model, X, y, T) {
  const rng = new E.Rng(T.seed);
  const velocity = {};
  for (const k of Object.keys(model.params)) velocity[k] = zeros_like(model.params[k]);
  const losses = [];
  while (losses.length < T.steps) {
    for (const [X_batch, y_batch] of E.minibatches(X, y, T.batch_size, rng)) {
      const [scores, caches] = model.forward(X_batch);
      let [loss, dscores] = T.loss === "mse"
        ? E.mse_loss(scores, y_batch) : E.softmax_cross_entropy(scores, y_batch);
      let grads = model.backward(dscores, caches);
      if (T.lam > 0) {
        const [penalty, dpen] = E.l2_penalty(model.params, T.lam);
        loss += penalty;
        for (const k of Object.keys(grads)) {
          grads[k] = grads[k].map((r, i) =>
            (typeof r === "number" ? r + dpen[k][i] : r.map((g, j) => g + dpen[k][i][j])));
        }
      }
      for (const k of Object.keys(model.params)) {
        [model.params[k], velocity[k]] = E.sgd_momentum(
          model.params[k], grads[k], velocity[k], T.learning_rate, T.momentum);
      }
      losses.push(loss);
      if (losses.length === T.steps) break;
    }
  }
  return { losses, params: model.params };
}
"""

MATHS_JS = (
    "(E, P) => {"
    + JS_HELPERS
    + """
  const out = {};
  const affine = attempt(() => E.affine_forward(P.x, P.W, P.b));
  out.affine_out = attempt(() => affine[0]);
  out.affine_backward = attempt(() => E.affine_backward(P.dout, affine[1]));
  for (const act of ["relu", "sigmoid", "tanh"]) {
    out[`${act}_forward`] = attempt(() => E[`${act}_forward`](P.z)[0]);
    out[`${act}_backward`] = attempt(() => E[`${act}_backward`](P.dz, E[`${act}_forward`](P.z)[1]));
  }
  out.mse = attempt(() => E.mse_loss(P.pred, P.target));
  out.mse_1d = attempt(() => E.mse_loss(P.pred_1d, P.target_1d));
  out.softmax = attempt(() => E.softmax(P.logits));
  out.softmax_cross_entropy = attempt(() => E.softmax_cross_entropy(P.logits, P.labels));
  out.l2_penalty = attempt(() => E.l2_penalty(P.nets[0].params, 0.05));
  out.sgd = attempt(() => E.sgd(P.W, P.dW, 0.1));
  out.sgd_momentum_vector = attempt(() => E.sgd_momentum(P.b, P.db, P.vb, 0.1, 0.9));
  for (const net of P.nets) {
    const model = new E.MLP(net.sizes, net.activation);
    model.params = net.params;
    out[`${net.name}_forward`] = attempt(() => model.forward(net.X)[0]);
    out[`${net.name}_backward`] = attempt(() => model.backward(net.dscores, model.forward(net.X)[1]));
    out[`${net.name}_loss`] = attempt(() => model.loss(net.X, net.y));
    out[`${net.name}_predict`] = attempt(() => model.predict(net.X));
    out[`${net.name}_train`] = attempt(() => train(E, model, net.X, net.train_y, net.train));
  }
  return out;
}"""
)


def reference_maths():
    """The inputs (JSON-ready) and what nanoprop computes on them (the same keys as MATHS_JS's)."""
    g = np.random.default_rng(20261202)
    x, W, b = g.standard_normal((6, 4)), g.standard_normal((4, 5)), g.standard_normal(5)
    dout = g.standard_normal((6, 5))
    z, dz = g.standard_normal((6, 5)) * 3, g.standard_normal((6, 5))
    z[0, :2] = 0.0  # exactly 0: relu passes no gradient there
    z[1, :2] = 40.0, -40.0  # far out: the sigmoid's two branches
    pred, target = g.standard_normal((7, 3)), g.standard_normal((7, 3))
    pred_1d, target_1d = g.standard_normal(9), g.standard_normal(9)
    logits, labels = g.standard_normal((8, 4)) * 4, g.integers(0, 4, 8)
    inputs = dict(
        x=x,
        W=W,
        b=b,
        dout=dout,
        z=z,
        dz=dz,
        pred=pred,
        target=target,
        pred_1d=pred_1d,
        target_1d=target_1d,
        logits=logits,
        labels=labels,
        nets=[],
    )
    expected = {}
    out, cache = nanoprop.affine_forward(x, W, b)
    expected["affine_out"] = out
    expected["affine_backward"] = list(nanoprop.affine_backward(dout, cache))
    for act in ("relu", "sigmoid", "tanh"):
        fwd, bwd = getattr(nanoprop, f"{act}_forward"), getattr(nanoprop, f"{act}_backward")
        expected[f"{act}_forward"] = fwd(z)[0]
        expected[f"{act}_backward"] = bwd(dz, fwd(z)[1])
    expected["mse"] = list(nanoprop.mse_loss(pred, target))
    expected["mse_1d"] = list(nanoprop.mse_loss(pred_1d, target_1d))
    expected["softmax"] = nanoprop.softmax(logits)
    expected["softmax_cross_entropy"] = list(nanoprop.softmax_cross_entropy(logits, labels))
    dW, db, vb = g.standard_normal(W.shape), g.standard_normal(b.shape), g.standard_normal(b.shape)
    inputs.update(dW=dW, db=db, vb=vb)
    expected["sgd"] = nanoprop.sgd(W, dW, 0.1)
    expected["sgd_momentum_vector"] = list(nanoprop.sgd_momentum(b, db, vb, 0.1, 0.9))

    # (name, sizes, activation, loss, L2, batch size, examples): the last batch of an epoch is smaller
    nets = [
        ("relu_ce", [3, 6, 4, 3], "relu", "softmax", 0.0, 8, 43),
        ("tanh_mse", [2, 8, 8, 1], "tanh", "mse", 0.01, 10, 45),
        ("sigmoid_ce", [2, 5, 5, 2], "sigmoid", "softmax", 0.003, 7, 30),
    ]
    for k, (name, sizes, activation, loss, lam, batch_size, n) in enumerate(nets):
        model = nanoprop.MLP(sizes, activation=activation, seed=k)
        params = {key: p.copy() for key, p in model.params.items()}
        X = g.standard_normal((n, sizes[0]))
        y = g.integers(0, sizes[-1], n)  # all 0 for one output: its softmax is 1, its loss 0
        train_y = y if loss == "softmax" else 2.0 * g.integers(0, 2, (n, 1)) - 1  # targets -1 / +1
        scores, caches = model.forward(X)
        dscores = g.standard_normal(scores.shape)
        T = dict(
            steps=50, batch_size=batch_size, learning_rate=0.1, momentum=0.9, seed=100 + k, loss=loss, lam=lam
        )
        inputs["nets"].append(
            dict(
                name=name,
                sizes=sizes,
                activation=activation,
                params=params,
                X=X,
                y=y,
                dscores=dscores,
                train_y=train_y,
                train=T,
            )
        )
        expected[f"{name}_forward"] = scores
        expected[f"{name}_backward"] = model.backward(dscores, caches)
        expected[f"{name}_loss"] = list(model.loss(X, y))
        expected[f"{name}_predict"] = model.predict(X)
        expected[f"{name}_train"] = train_nanoprop(model, X, train_y, T)
    expected["l2_penalty"] = list(live_rng.l2_penalty(inputs["nets"][0]["params"], 0.05))
    return jsonable(inputs), expected


def train_nanoprop(model, X, y, T):
    """T["steps"] steps of nanoprop's SGD with momentum on nanoprop.minibatches with Rng(T["seed"])."""
    rng = live_rng.Rng(T["seed"])
    velocity = {k: np.zeros_like(p) for k, p in model.params.items()}
    losses = []
    while len(losses) < T["steps"]:
        for X_batch, y_batch in nanoprop.minibatches(X, y, T["batch_size"], rng):
            scores, caches = model.forward(X_batch)
            if T["loss"] == "mse":
                loss, dscores = nanoprop.mse_loss(scores, y_batch)
            else:
                loss, dscores = nanoprop.softmax_cross_entropy(scores, y_batch)
            grads = model.backward(dscores, caches)
            if T["lam"] > 0:
                penalty, dpen = live_rng.l2_penalty(model.params, T["lam"])
                loss += penalty
                grads = {k: grads[k] + dpen[k] for k in grads}
            for k in model.params:
                model.params[k], velocity[k] = nanoprop.sgd_momentum(
                    model.params[k], grads[k], velocity[k], T["learning_rate"], T["momentum"]
                )
            losses.append(loss)
            if len(losses) == T["steps"]:
                break
    return {"losses": np.array(losses), "params": dict(model.params)}


def jsonable(value):
    """numpy arrays and numbers inside dicts and lists as plain lists and numbers."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def mismatches(got, want, where="", rtol=RTOL):
    """What in ``got`` (the engine's, through JSON) differs from ``want`` (nanoprop's: dicts and
    lists of numpy arrays and numbers) beyond rtol.

    Numbers are compared element by element, relative to the element, or to a millionth of the
    largest element of its array when that is larger (float64 rounding is relative to the size
    of what was summed, not of a result that cancels to nearly 0). -> (problems, largest error)
    """
    if isinstance(got, dict) and "error" in got and not isinstance(want, dict):
        return [f"{where}: the engine raised {got['error']}"], math.inf
    if isinstance(want, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(want):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            return [f"{where}: keys {keys}, expected {sorted(want)}"], math.inf
        found, worst = [], 0.0
        for k in want:
            f, w = mismatches(got[k], want[k], f"{where}.{k}", rtol)
            found, worst = found + f, max(worst, w)
        return found, worst
    if isinstance(want, list | tuple):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: {got!r:.80} is not a list of {len(want)}"], math.inf
        found, worst = [], 0.0
        for i, (a, b) in enumerate(zip(got, want)):
            f, w = mismatches(a, b, f"{where}[{i}]", rtol)
            found, worst = found + f, max(worst, w)
        return found, worst
    want = np.asarray(want, dtype=np.float64)
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return [f"{where}: not an array of numbers: {got!r:.80}"], math.inf
    if got.shape != want.shape:
        return [f"{where}: shape {got.shape}, expected {want.shape}"], math.inf
    if not np.all(np.isfinite(got)):
        return [f"{where}: not finite: {got!r:.80}"], math.inf
    scale = np.maximum(np.abs(want), 1e-6 * np.max(np.abs(want), initial=0.0))
    err = np.abs(got - want) / np.where(scale > 0, scale, 1.0)
    worst = float(np.max(err, initial=0.0))
    return ([f"{where}: relative error {worst:.3g} > {rtol:g}"] if worst > rtol else []), worst


RNG_SEEDS = [0, 1, 42, 123456789, 2**32 - 1]
RNG_JS = """(E, P) => {
  const draws = (method, n) => P.seeds.map((s) => {
    const r = new E.Rng(s);
    return Array.from({ length: n }, () => r[method]());
  });
  return {
  next_uint32: draws("next_uint32", 2000),
  uniform: draws("uniform", 500),
  normal: draws("normal", 500),
  permutation: P.seeds.map((s) => {
    const r = new E.Rng(s);
    return [r.permutation(37), r.permutation(200)];
  }),
  datasets: P.datasets.map(([name, n, seed, noise]) => E.make_dataset(name, n, seed, noise)),
  init: P.inits.map(([sizes, seed, act]) => E.init_params(sizes, seed, act)),
  cos_sin: P.angles.map((a) => E.cos_sin(a)),
  log: P.logs.map((x) => E.log(x)),
  };
}"""
RNG_INPUTS = {
    "seeds": RNG_SEEDS,
    "datasets": [
        [name, n, seed, noise]
        for name in live_rng.DATASETS
        for n, seed, noise in [(200, 1, 0.1), (57, 9, 0.0)]
    ],
    "inits": [[[2, 8, 8, 1], 0, "relu"], [[2, 8, 8, 1], 3, "tanh"], [[2, 3, 3, 3, 2], 5, "sigmoid"]],
    "angles": np.linspace(-20, 20, 401).tolist() + [0.0, 1e-300, math.pi, 2 * math.pi],
    "logs": np.geomspace(1e-300, 1e300, 301).tolist() + [1.0, 0.5, 2.0, 2.0**-32, 1 - 2.0**-32],
}


def reference_rng():
    """What bookkit/live/rng.py makes from RNG_INPUTS (the same keys as RNG_JS's)."""

    def draws(method, n):
        return [[getattr(r, method)() for _ in range(n)] for r in map(live_rng.Rng, RNG_SEEDS)]

    perms = []
    for s in RNG_SEEDS:
        r = live_rng.Rng(s)
        perms.append([r.permutation(37).tolist(), r.permutation(200).tolist()])
    datasets = []
    for name, n, seed, noise in RNG_INPUTS["datasets"]:
        X, y = live_rng.make_dataset(name, n, seed, noise)
        datasets.append([X.tolist(), y.tolist()])
    inits = [jsonable(live_rng.init_params(*args)) for args in RNG_INPUTS["inits"]]
    return {
        "next_uint32": draws("next_uint32", 2000),
        "uniform": draws("uniform", 500),
        "normal": draws("normal", 500),
        "permutation": perms,
        "datasets": datasets,
        "init": inits,
        "cos_sin": [list(live_rng.cos_sin(a)) for a in RNG_INPUTS["angles"]],
        "log": [live_rng.log(x) for x in RNG_INPUTS["logs"]],
    }


def bit_differences(got, want, where=""):
    """Where ``got`` and ``want`` (plain JSON values) differ at all: numbers compared with ==."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(want):
            return [f"{where}: {str(got)[:60]} does not have the keys {sorted(want)}"]
        return [d for k in want for d in bit_differences(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: {str(got)[:60]} is not a list of {len(want)}"]
        return [d for i, (a, b) in enumerate(zip(got, want)) for d in bit_differences(a, b, f"{where}[{i}]")]
    if isinstance(got, bool) or got != want:
        return [f"{where}: {got!r} != {want!r}"]
    return []


TRAINER_CONFIGS = [
    {},
    {
        "dataset": "xor",
        "sizes": [2, 8, 8, 1],
        "loss": "mse",
        "activation": "relu",
        "lam": 0.01,
        "batch_size": 7,
    },
    {
        "dataset": "spiral",
        "sizes": [2, 8, 8, 8, 3],
        "activation": "relu",
        "learning_rate": 0.05,
        "momentum": 0.5,
    },
    {
        "dataset": "circles",
        "sizes": [2, 4, 2],
        "activation": "sigmoid",
        "batch_size": 200,
        "seed": 7,
        "data_seed": 3,
    },
]
TRAINER_STEPS = 50
TRAINER_JS = """(E, P) => P.configs.map((config) => {
  const trainer = new E.Trainer(config);
  const losses = [];
  for (let i = 0; i < P.steps; i++) losses.push(trainer.step());
  return { code: E.nanoprop_code(trainer.config, P.steps), losses, params: trainer.model.params };
})"""


def trainer_mismatches(got):
    """Run the Python each Trainer run's nanoprop_code wrote; compare its losses and weights."""
    found, worst = [], 0.0
    for config, run in zip(TRAINER_CONFIGS, got):
        namespace = {}
        exec(compile(run["code"], f"nanoprop_code({config})", "exec"), namespace)
        want = {"losses": namespace["losses"], "params": namespace["model"].params}
        f, w = mismatches({"losses": run["losses"], "params": run["params"]}, want, f"Trainer({config})")
        found, worst = found + f, max(worst, w)
    return found, worst


# Seeded bugs: (what, the engine's text, what it becomes). Each must make a comparison fail.
MUTANTS = [
    ("dW transposed", "const dW = matmul(transpose(x), dout);", "const dW = matmul(transpose(dout), x);"),
    ("softmax gradient without 1/N", "return grad.map((g) => g / n);", "return grad;"),
    ("MSE gradient without 1/N", "const dpred = elementwise((d) => d / n, diff);", "const dpred = diff;"),
    (
        "momentum sign (v = mu v + lr g)",
        "momentum * vi - learning_rate * gi",
        "momentum * vi + learning_rate * gi",
    ),
    ("relu passes the gradient at 0", "(x[i][j] > 0 ? d : 0)", "(x[i][j] >= 0 ? d : 0)"),
    ("tanh' = 1 - tanh", "d * (1 - out[i][j] ** 2)", "d * (1 - out[i][j])"),
    ("sigmoid's branch for z < 0", "e / (1 + e)", "1 / (1 + e)"),
    ("biases penalised by L2", 'const is_weight = key.startsWith("W");', "const is_weight = true;"),
    (
        "a mini-batch one example short",
        "order.slice(start, start + batch_size)",
        "order.slice(start + 1, start + batch_size)",
    ),
    ("the generator's first shift", "t ^ (t >>> 15)", "t ^ (t >>> 16)"),
    ("a cosine term dropped", "(1 - t2 / 132)", "1"),
]


def mutant_source(old, new):
    text = ENGINE.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the seeded bug's text {old!r} is not in engine.js exactly once"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    sources = {"engine": ENGINE.read_text(encoding="utf-8")}
    sources.update({f"mutant{i}": mutant_source(old, new) for i, (_, old, new) in enumerate(MUTANTS)})
    with sync_playwright() as p:
        browser = launch_chromium(p)
        with engine_page(browser, sources) as page:
            yield page
        browser.close()


@pytest.fixture(scope="module")
def maths():
    return reference_maths()


def all_mismatches(page, name, maths):
    """Every comparison (maths, random numbers, Trainer) of ``<name>.js``: (problems, largest error)."""
    inputs, expected = maths
    found, worst = mismatches(run_js(page, name, MATHS_JS, inputs), expected)
    found += bit_differences(run_js(page, name, RNG_JS, RNG_INPUTS), reference_rng())
    try:
        f, w = trainer_mismatches(
            run_js(page, name, TRAINER_JS, {"configs": TRAINER_CONFIGS, "steps": TRAINER_STEPS})
        )
    except Exception as err:  # a broken engine may write Python that does not run
        f, w = [f"Trainer: {type(err).__name__}: {err}"], math.inf
    return found + f, max(worst, w)


@browser_test
def test_engine_computes_what_nanoprop_computes(page, maths):
    inputs, expected = maths
    found, worst = mismatches(run_js(page, "engine", MATHS_JS, inputs), expected)
    assert not found, "\n".join(found)
    print(f"largest relative error, engine vs nanoprop: {worst:.2e}")
    # the comparison reached every result, the trained weights included
    assert {f"{n}_train" for n in ("relu_ce", "tanh_mse", "sigmoid_ce")} <= set(expected)


@browser_test
def test_random_numbers_data_sets_and_weights_are_rng_py_bit_for_bit(page):
    differences = bit_differences(run_js(page, "engine", RNG_JS, RNG_INPUTS), reference_rng())
    assert not differences, "\n".join(differences[:20])


@browser_test
def test_nanoprop_code_repeats_the_trainer_run(page):
    found, worst = trainer_mismatches(
        run_js(page, "engine", TRAINER_JS, {"configs": TRAINER_CONFIGS, "steps": TRAINER_STEPS})
    )
    assert not found, "\n".join(found)
    print(f"largest relative error, Trainer vs nanoprop_code: {worst:.2e}")


@browser_test
@pytest.mark.parametrize("what, old, new", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_seeded_bug_fails_the_comparison(page, maths, what, old, new):
    name = f"mutant{[m[0] for m in MUTANTS].index(what)}"
    found, _ = all_mismatches(page, name, maths)
    assert found, f"the seeded bug '{what}' went unnoticed"


@browser_test
def test_engine_works_inlined_as_text(page):
    """No top-level import, so the text runs as a module of its own (an anywidget _esm, a blob URL)."""
    text = ENGINE.read_text(encoding="utf-8")
    assert not [line for line in text.splitlines() if line.startswith("import ")]
    got = page.evaluate(
        """async (text) => {
          const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
          const E = await import(url);
          return E.mse_loss([[1, 2]], [[0, 0]])[0];
        }""",
        text,
    )
    assert got == nanoprop.mse_loss(np.array([[1.0, 2.0]]), np.zeros((1, 2)))[0] == 2.5


# ---- rng.py on its own (no browser) ----


def test_cos_sin_and_log_are_accurate():
    for a in np.linspace(-30, 30, 2001):
        c, s = live_rng.cos_sin(float(a))
        assert abs(c - math.cos(a)) < 1e-13 and abs(s - math.sin(a)) < 1e-13, a
    for x in np.geomspace(1e-300, 1e300, 2001):
        assert abs(live_rng.log(float(x)) - math.log(x)) <= 1e-15 * max(1.0, abs(math.log(x))), x


def test_rng_draws_look_like_their_distributions():
    r = live_rng.Rng(3)
    u = np.array([r.uniform() for _ in range(20000)])
    z = np.array([r.normal() for _ in range(20000)])
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.02 and abs(np.mean(z**4) - 3) < 0.2
    assert sorted(r.permutation(50).tolist()) == list(range(50))
    assert live_rng.Rng(0).next_uint32() != live_rng.Rng(1).next_uint32()


def test_rng_is_mulberry32():
    # the first outputs of mulberry32 for seed 0, from its published JavaScript (a | 0; a + 0x6D2B79F5 ...)
    r = live_rng.Rng(0)
    assert [r.next_uint32() for _ in range(3)] == MULBERRY32_SEED0


MULBERRY32_SEED0 = [1144304738, 1416247, 958946056]


def test_rng_feeds_nanoprop_minibatches():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(nanoprop.minibatches(X, y, 4, live_rng.Rng(5)))
    assert [len(b) for _, b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b for _, b in batches]).tolist()) == list(range(10))
    assert np.concatenate([b for _, b in batches]).tolist() == live_rng.Rng(5).permutation(10).tolist()


@pytest.mark.parametrize("name", live_rng.DATASETS)
def test_datasets(name):
    X, y = live_rng.make_dataset(name, 300, seed=2, noise=0.05)
    assert X.shape == (300, 2) and y.shape == (300,) and np.all(np.isfinite(X))
    classes = 3 if name == "spiral" else 2
    counts = np.bincount(y, minlength=classes)
    assert len(counts) == classes and counts.min() >= 300 / classes * 0.7
    assert np.all(np.abs(X) < 2.5)
    X2, _ = live_rng.make_dataset(name, 300, seed=3, noise=0.05)
    assert not np.array_equal(X, X2)


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown data set 'moon'.*xor, moons, circles, spiral"):
        live_rng.make_dataset("moon")


def test_init_params_scaled_as_nanoprop():
    for activation, gain in (("relu", 2.0), ("tanh", 1.0), ("sigmoid", 1.0)):
        params = live_rng.init_params([50, 400, 3], seed=1, activation=activation)
        ref = nanoprop.init_params([50, 400, 3], seed=1, activation=activation)
        assert {k: p.shape for k, p in params.items()} == {k: p.shape for k, p in ref.items()}
        assert abs(params["W1"].std() - math.sqrt(gain / 50)) < 0.01 * math.sqrt(gain / 50) * 3
        assert abs(params["W2"].std() - math.sqrt(gain / 400)) < 0.1 * math.sqrt(gain / 400)
        assert not params["b1"].any() and not params["b2"].any()


def test_l2_penalty():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([3.0])}
    penalty, d = live_rng.l2_penalty(params, 0.5)
    assert penalty == 0.5 / 2 * 5
    assert d["W1"].tolist() == [[0.5, -1.0]] and d["b1"].tolist() == [0.0]
    # its gradient is the penalty's derivative
    num = nanoprop.numerical_gradient(lambda w: live_rng.l2_penalty({"W1": w}, 0.5)[0], params["W1"].copy())
    assert np.allclose(num, d["W1"])
