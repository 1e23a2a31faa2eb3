// The playground: a small network trained in the page on a 2-D data set, with the engine
// (engine.js: nanoprop's MLP, softmax cross-entropy, sgd_momentum, minibatches; rng.py's data sets,
// initial weights and L2 penalty). "Show the nanoprop code" prints Python that repeats the run
// step for step and gets the same numbers. (Joined after engine.js and ui.js by widgets.py.)
//
// A run: the training set is make_dataset(name, n_train, seed), the validation set the same with
// seed + 1, the weights init_params(sizes, seed + 2) and the mini-batch order Rng(seed + 3).
// One step is one mini-batch: loss and gradients, plus the L2 penalty's gradient, then
// sgd_momentum on every parameter. Changing any setting starts a new run.

const CLASS_COLORS = [PALETTE.blue, PALETTE.orange, PALETTE.green];
const FAST_STEPS_PER_FRAME = 2; // about 120 steps a second at 60 frames a second
const CALM_STEPS = 10; // with reduced motion, Play updates once a second, this many steps at a time
const GRID = 48; // the decision boundary is computed on GRID x GRID points

function add_arrays(a, b) {
  return typeof a === "number" ? a + b : a.map((v, i) => add_arrays(v, b[i]));
}

function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

// ---- one run: data, network, optimiser state, history ----

function new_run(s) {
  const [X, y] = make_dataset(s.dataset, s.n_train, s.seed, s.noise);
  const [X_val, y_val] = make_dataset(s.dataset, s.n_val, s.seed + 1, s.noise);
  const n_classes = s.dataset === "spiral" ? 3 : 2;
  const sizes = [2, ...s.hidden, n_classes];
  const net = new MLP(sizes, s.activation);
  net.params = init_params(sizes, s.seed + 2, s.activation);
  const velocity = Object.fromEntries(Object.entries(net.params).map(([k, p]) => [k, zeros_like(p)]));
  const run = { s, X, y, X_val, y_val, n_classes, net, velocity, batch_rng: new Rng(s.seed + 3), batches: null,
    step: 0, epoch: 0, history: [] };
  record(run);
  return run;
}

function zeros_like(p) {
  return typeof p[0] === "number" ? p.map(() => 0) : p.map((row) => row.map(() => 0));
}

function record(run) {
  const [train] = run.net.loss(run.X, run.y);
  const [val] = run.net.loss(run.X_val, run.y_val);
  run.history.push([train, val]);
}

function train_step(run) {
  let next = run.batches ? run.batches.next() : { done: true };
  if (next.done) {
    if (run.batches) run.epoch += 1;
    run.batches = minibatches(run.X, run.y, run.s.batch_size, run.batch_rng); // a new epoch: reshuffled
    next = run.batches.next();
  }
  const [X_batch, y_batch] = next.value;
  const [, grads] = run.net.loss(X_batch, y_batch);
  const [, dpenalty] = l2_penalty(run.net.params, run.s.l2);
  for (const k of Object.keys(run.net.params)) {
    [run.net.params[k], run.velocity[k]] = sgd_momentum(
      run.net.params[k], add_arrays(grads[k], dpenalty[k]), run.velocity[k], run.s.learning_rate, run.s.momentum);
  }
  run.step += 1;
  record(run);
}

function accuracy(run, X, y) {
  const predicted = run.net.predict(X);
  return predicted.filter((c, i) => c === y[i]).length / y.length;
}

// The Python that repeats this run with nanoprop and prints the same numbers.
function python_code(run) {
  const s = run.s;
  return `import numpy as np

import nanoprop as npp
from bookkit.live.rng import Rng, init_params, l2_penalty, make_dataset

X, y = make_dataset("${s.dataset}", n=${s.n_train}, seed=${s.seed}, noise=${s.noise})
X_val, y_val = make_dataset("${s.dataset}", n=${s.n_val}, seed=${s.seed + 1}, noise=${s.noise})
model = npp.MLP([${run.net.sizes.join(", ")}], activation="${s.activation}")
model.params = init_params(model.sizes, seed=${s.seed + 2}, activation="${s.activation}")
velocity = {k: np.zeros_like(p) for k, p in model.params.items()}
batch_rng = Rng(${s.seed + 3})
learning_rate, momentum, batch_size, lam = ${s.learning_rate}, ${s.momentum}, ${s.batch_size}, ${s.l2}

steps, step = ${run.step}, 0
while step < steps:
    for X_batch, y_batch in npp.minibatches(X, y, batch_size, batch_rng):
        if step == steps:
            break
        loss, grads = model.loss(X_batch, y_batch)
        _, dpenalty = l2_penalty(model.params, lam)
        for k in model.params:
            model.params[k], velocity[k] = npp.sgd_momentum(
                model.params[k], grads[k] + dpenalty[k], velocity[k], learning_rate, momentum)
        step += 1

train_loss, val_loss = model.loss(X, y)[0], model.loss(X_val, y_val)[0]
print(f"after {step} steps: training loss {train_loss:.6f}, validation loss {val_loss:.6f}")
`;
}

// ---- the widget ----

function render({ model, el }) {
  const settings = () => ({
    dataset: model.get("dataset"), seed: model.get("seed"), n_train: model.get("n_train"),
    n_val: model.get("n_val"), noise: model.get("noise"), hidden: [...model.get("hidden")],
    activation: model.get("activation"), learning_rate: model.get("learning_rate"),
    momentum: model.get("momentum"), batch_size: model.get("batch_size"), l2: model.get("l2"),
  });
  const root = ui.root(el, "Playground: train a small network in the page");
  const controls = ui.make("div", { class: "course-live-controls" });
  root.append(controls);
  const s0 = settings();
  const inputs = {};
  inputs.dataset = ui.select(controls, {
    label: "data set", options: [["xor", "XOR"], ["moons", "two moons"], ["circles", "circles"], ["spiral", "spiral (3 classes)"]],
    value: s0.dataset, on_change: (v) => ui.save(model, { dataset: v }),
  });
  inputs.seed = ui.slider(controls, {
    label: "data seed", min: 0, max: 20, step: 1, value: s0.seed, format: (v) => String(v),
    on_input: (v) => ui.save(model, { seed: v }),
  });
  inputs.layers = ui.select(controls, {
    label: "hidden layers", options: ["1", "2", "3"], value: s0.hidden.length,
    on_change: (v) => {
      const hidden = [...model.get("hidden")];
      while (hidden.length < Number(v)) hidden.push(hidden[hidden.length - 1]);
      ui.save(model, { hidden: hidden.slice(0, Number(v)) });
    },
  });
  const unit_sliders = [0, 1, 2].map((i) =>
    ui.slider(controls, {
      label: `units in layer ${i + 1}`, min: 1, max: 8, step: 1, value: s0.hidden[i] ?? 4,
      format: (v) => String(v),
      on_input: (v) => {
        const hidden = [...model.get("hidden")];
        hidden[i] = v;
        ui.save(model, { hidden });
      },
    }));
  inputs.activation = ui.select(controls, {
    label: "activation", options: ["relu", "tanh", "sigmoid"], value: s0.activation,
    on_change: (v) => ui.save(model, { activation: v }),
  });
  inputs.learning_rate = ui.slider(controls, {
    label: "learning rate", min: 0.001, max: 1, step: 0.001, value: s0.learning_rate, format: (v) => v.toFixed(3),
    on_input: (v) => ui.save(model, { learning_rate: v }),
  });
  inputs.momentum = ui.slider(controls, {
    label: "momentum", min: 0, max: 0.99, step: 0.01, value: s0.momentum,
    on_input: (v) => ui.save(model, { momentum: v }),
  });
  inputs.batch_size = ui.select(controls, {
    label: "batch size", options: [1, 5, 10, 20, 50, 100, 200].filter((n) => n <= s0.n_train).map(String),
    value: s0.batch_size, on_change: (v) => ui.save(model, { batch_size: Number(v) }),
  });
  inputs.l2 = ui.slider(controls, {
    label: "L2 regularisation", min: 0, max: 0.05, step: 0.0005, value: s0.l2, format: (v) => v.toFixed(4),
    on_input: (v) => ui.save(model, { l2: v }),
  });

  const buttons = ui.make("div", { class: "course-live-controls" });
  root.append(buttons);
  const play = ui.button(buttons, "Play", () => (playing ? pause() : start()));
  play.setAttribute("aria-pressed", "false");
  const step_button = ui.button(buttons, "Step", () => { pause(); advance(1); });
  ui.button(buttons, "Reset", () => { pause(); run = new_run(settings()); draw(true); });
  const show_code = ui.button(buttons, "Show the nanoprop code", () => {
    code_box.hidden = !code_box.hidden;
    show_code.setAttribute("aria-expanded", String(!code_box.hidden));
    show_code.textContent = code_box.hidden ? "Show the nanoprop code" : "Hide the nanoprop code";
    draw(true);
  });
  show_code.setAttribute("aria-expanded", "false");

  const figures = ui.make("div", { class: "course-live-figures" });
  root.append(figures);
  const B = 300;
  const board = ui.canvas(figures, B, B, "The data and the network's decision regions");
  const curves = ui.canvas(figures, 320, B, "Training and validation loss at each step");
  const graph = ui.canvas(figures, 320, B, "The network: line thickness shows the size of each weight");
  const status = ui.status(root);
  const code_box = ui.make("pre", { class: "course-live-code", tabindex: "0", "aria-label": "nanoprop code for this run" });
  code_box.hidden = true;
  const code = ui.make("code");
  code_box.append(code);
  root.append(code_box);
  const offscreen = document.createElement("canvas");
  offscreen.width = offscreen.height = GRID;

  let run = new_run(settings());
  let playing = false, frame = null, last_spoken = 0;

  function view_box(run) {
    // a square around the data, with a margin
    const xs = run.X.map((p) => p[0]), ys = run.X.map((p) => p[1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    const half = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / 2 + 0.25;
    return [cx - half, cx + half, cy - half, cy + half];
  }

  function draw_board() {
    const [x0, x1, y0, y1] = view_box(run);
    const grid = [];
    for (let j = 0; j < GRID; j++) {
      for (let i = 0; i < GRID; i++) grid.push([x0 + ((i + 0.5) * (x1 - x0)) / GRID, y1 - ((j + 0.5) * (y1 - y0)) / GRID]);
    }
    const [scores] = run.net.forward(grid);
    const probs = softmax(scores);
    const image = new ImageData(GRID, GRID);
    const colors = CLASS_COLORS.slice(0, run.n_classes).map(rgb);
    probs.forEach((p, n) => {
      for (let c = 0; c < 3; c++) {
        const mixed = p.reduce((sum, pk, k) => sum + pk * colors[k][c], 0);
        image.data[4 * n + c] = Math.round(255 - 0.45 * (255 - mixed)); // a light tint of the mix
      }
      image.data[4 * n + 3] = 255;
    });
    offscreen.getContext("2d").putImageData(image, 0, 0);
    board.imageSmoothingEnabled = true;
    board.drawImage(offscreen, 0, 0, B, B);
    const sx = ui.scale(x0, x1, 0, B), sy = ui.scale(y0, y1, B, 0);
    const dot = (p, label, hollow) => {
      board.beginPath();
      board.arc(sx(p[0]), sy(p[1]), 3.2, 0, 2 * Math.PI);
      board.fillStyle = hollow ? "#ffffff" : CLASS_COLORS[label];
      board.strokeStyle = hollow ? CLASS_COLORS[label] : "#222222";
      board.lineWidth = hollow ? 1.8 : 0.8;
      board.fill();
      board.stroke();
    };
    run.X_val.forEach((p, i) => dot(p, run.y_val[i], true));
    run.X.forEach((p, i) => dot(p, run.y[i], false));
  }

  function draw_curves() {
    ui.clear(curves);
    const top = Math.max(0.1, ...run.history.map(([t, v]) => Math.max(t, v)).filter(Number.isFinite));
    const last = Math.max(run.step, 50);
    const cx = ui.scale(0, last, 48, 312), cy = ui.scale(0, top, B - 32, 26);
    ui.axes(curves, cx, cy, { xlabel: "step", ylabel: "loss", xticks: [0, Math.round(last / 2), last],
      yticks: [0, +(top / 2).toPrecision(2), +top.toPrecision(2)] });
    const thin = Math.max(1, Math.floor(run.history.length / 400));
    const pts = (k) => run.history.filter((_, i) => i % thin === 0 || i === run.history.length - 1)
      .map((h, i, arr) => [cx(i === arr.length - 1 ? run.history.length - 1 : i * thin), cy(Math.min(top, h[k]))]);
    ui.line(curves, pts(0), PALETTE.blue, 2);
    ui.line(curves, pts(1), PALETTE.vermillion, 2, [6, 4]);
    curves.font = "12px sans-serif";
    curves.textBaseline = "middle";
    curves.textAlign = "left";
    ui.line(curves, [[150, 12], [175, 12]], PALETTE.blue, 2);
    curves.fillStyle = "#222222";
    curves.fillText("training", 180, 12);
    ui.line(curves, [[235, 12], [260, 12]], PALETTE.vermillion, 2, [6, 4]);
    curves.fillText("validation", 264, 12);
  }

  function draw_graph() {
    ui.clear(graph);
    const sizes = run.net.sizes;
    const col = (l) => 24 + (l * (320 - 48)) / (sizes.length - 1);
    const row = (l, i) => B / 2 + (i - (sizes[l] - 1) / 2) * Math.min(34, (B - 40) / sizes[l]);
    const all = Object.entries(run.net.params).filter(([k]) => k.startsWith("W")).flatMap(([, W]) => W.flat());
    const biggest = Math.max(1e-9, ...all.map(Math.abs));
    for (let l = 1; l < sizes.length; l++) {
      const W = run.net.params[`W${l}`];
      for (let i = 0; i < sizes[l - 1]; i++) {
        for (let j = 0; j < sizes[l]; j++) {
          const w = W[i][j];
          ui.line(graph, [[col(l - 1), row(l - 1, i)], [col(l), row(l, j)]], w >= 0 ? PALETTE.blue : PALETTE.vermillion,
            0.4 + (4 * Math.abs(w)) / biggest, w >= 0 ? [] : [4, 3]);
        }
      }
    }
    for (let l = 0; l < sizes.length; l++) {
      for (let i = 0; i < sizes[l]; i++) {
        graph.beginPath();
        graph.arc(col(l), row(l, i), 7, 0, 2 * Math.PI);
        graph.fillStyle = l === sizes.length - 1 ? CLASS_COLORS[i] : "#ffffff";
        graph.strokeStyle = "#222222";
        graph.lineWidth = 1.2;
        graph.fill();
        graph.stroke();
      }
    }
    graph.fillStyle = "#222222";
    graph.font = "11px sans-serif";
    graph.textAlign = "left";
    graph.textBaseline = "bottom";
    graph.fillText("solid: positive weight; dashed: negative", 6, B - 4);
  }

  // Everything the picture shows, in words (spoken at most every 2 s while it plays).
  function describe(force) {
    const [train, val] = run.history[run.history.length - 1];
    Object.assign(root.dataset, {
      step: run.step, epoch: run.epoch, trainLoss: train, valLoss: val, sizes: run.net.sizes.join("-"),
      dataset: run.s.dataset, playing,
    });
    const now = performance.now();
    if (!force && now - last_spoken < 2000) return;
    last_spoken = now;
    const names = { xor: "XOR", moons: "two moons", circles: "circles", spiral: "spiral" };
    status.textContent =
      `${names[run.s.dataset]} data, ${run.s.n_train} training and ${run.s.n_val} validation points; ` +
      `network ${run.net.sizes.join("-")} with ${run.s.activation}. Step ${run.step} (epoch ${run.epoch}): ` +
      `training loss ${train.toFixed(4)}, validation loss ${val.toFixed(4)}; ` +
      `${Math.round(100 * accuracy(run, run.X, run.y))}% of the training points and ` +
      `${Math.round(100 * accuracy(run, run.X_val, run.y_val))}% of the validation points classified correctly.` +
      (playing ? " Training." : "");
  }

  function draw(force) {
    draw_board();
    draw_curves();
    draw_graph();
    describe(force);
    if (!code_box.hidden) code.textContent = python_code(run);
    for (let i = 0; i < 3; i++) unit_sliders[i].parentElement.hidden = i >= run.net.sizes.length - 2;
  }

  function advance(n) {
    for (let i = 0; i < n; i++) train_step(run);
    draw(!playing);
  }

  function start() {
    playing = true;
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    if (ui.reduced_motion()) {
      advance(CALM_STEPS);
      frame = setInterval(() => advance(CALM_STEPS), 1000);
      return;
    }
    const tick = () => {
      advance(FAST_STEPS_PER_FRAME);
      if (playing) frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
  }

  function pause() {
    if (!playing) return;
    playing = false;
    clearInterval(frame);
    cancelAnimationFrame(frame);
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
    draw(true);
  }

  // A new setting: a new run from step 0.
  const restart = () => {
    const s = settings();
    inputs.dataset.value = s.dataset;
    inputs.layers.value = String(s.hidden.length);
    s.hidden.forEach((n, i) => unit_sliders[i].set(n));
    run = new_run(s);
    draw(true);
  };
  for (const name of ["dataset", "seed", "hidden", "activation", "learning_rate", "momentum", "batch_size", "l2"]) {
    model.on(`change:${name}`, restart);
  }
  step_button.setAttribute("title", "Train on one mini-batch");
  draw(true);
  return () => pause(); // when the view goes away, stop training
}

export default { render };
