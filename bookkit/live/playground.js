// The playground: a small network trained in the page on a 2-D data set, with the engine's
// Trainer (engine.js: nanoprop's MLP, softmax cross-entropy, sgd_momentum and minibatches, with
// rng.py's data sets, initial weights and L2 penalty). "Show the nanoprop code" prints the Python
// (engine.js's nanoprop_code) that repeats the run step for step and gets the same numbers.
// (Joined after engine.js and ui.js by bookkit/live/widgets.py.)
//
// A run: Trainer's training set make_dataset(name, n_train, seed), a validation set of n_val points
// with seed + 1, the weights and the batch order from Rng(seed). Changing any setting starts a new run.

const CLASS_COLORS = [PALETTE.blue, PALETTE.orange, PALETTE.green];
const FAST_STEPS_PER_FRAME = 2; // about 120 steps a second at 60 frames a second
const CALM_STEPS = 10; // with reduced motion, Play updates once a second, this many steps at a time
const GRID = 32; // the decision boundary is computed on GRID x GRID points (then smoothed)
const BOARD_EVERY = 3; // while playing, the decision regions are recomputed every third frame

function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

// ---- one run: the engine's Trainer, a validation set, the loss history ----

function trainer_config(s) {
  const n_classes = s.dataset === "spiral" ? 3 : 2;
  return {
    dataset: s.dataset, n: s.n_train, data_seed: s.seed, noise: s.noise,
    sizes: [2, ...s.hidden, n_classes], activation: s.activation, seed: s.seed, loss: "softmax",
    learning_rate: s.learning_rate, momentum: s.momentum, batch_size: s.batch_size, lam: s.l2,
  };
}

function new_run(s) {
  const trainer = new Trainer(trainer_config(s));
  const [X_val, y_val] = make_dataset(s.dataset, s.n_val, s.seed + 1, s.noise);
  const run = { s, trainer, net: trainer.model, X: trainer.X, y: trainer.y, X_val, y_val,
    n_classes: trainer.config.sizes[trainer.config.sizes.length - 1], history: [] };
  record(run);
  return run;
}

// The losses on the whole training and validation sets, once per drawn frame: [step, train, val]
function record(run) {
  run.history.push([run.trainer.steps, run.trainer.evaluate(), run.trainer.evaluate(run.X_val, run.y_val)]);
}

function accuracy(run, X, y) {
  const predicted = run.net.predict(X);
  return predicted.filter((c, i) => c === y[i]).length / y.length;
}

// The Python that repeats this run with nanoprop (the engine's nanoprop_code) and prints the
// losses this widget shows.
function python_code(run) {
  const s = run.s;
  return nanoprop_code(run.trainer.config, run.trainer.steps) + `
X_val, y_val = make_dataset("${s.dataset}", n=${s.n_val}, seed=${s.seed + 1}, noise=${s.noise})
train_loss = nanoprop.softmax_cross_entropy(model.forward(X)[0], y)[0]
val_loss = nanoprop.softmax_cross_entropy(model.forward(X_val)[0], y_val)[0]
print(f"after ${run.trainer.steps} steps: training loss {train_loss:.4f}, validation loss {val_loss:.4f}")
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
    const top = Math.max(0.1, ...run.history.map(([, t, v]) => Math.max(t, v)).filter(Number.isFinite));
    const last = Math.max(run.trainer.steps, 50);
    const cx = ui.scale(0, last, 48, 312), cy = ui.scale(0, top, B - 32, 26);
    ui.axes(curves, cx, cy, { xlabel: "step", ylabel: "loss", xticks: [0, Math.round(last / 2), last],
      yticks: [0, +(top / 2).toPrecision(2), +top.toPrecision(2)] });
    const thin = Math.max(1, Math.floor(run.history.length / 400));
    const shown = run.history.filter((_, i) => i % thin === 0 || i === run.history.length - 1);
    const pts = (k) => shown.map((h) => [cx(h[0]), cy(Math.min(top, h[k]))]);
    ui.line(curves, pts(1), PALETTE.blue, 2);
    ui.line(curves, pts(2), PALETTE.vermillion, 2, [6, 4]);
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
    const [, train, val] = run.history[run.history.length - 1];
    Object.assign(root.dataset, {
      step: run.trainer.steps, epoch: run.trainer.epochs, trainLoss: train, valLoss: val, sizes: run.net.sizes.join("-"),
      dataset: run.s.dataset, playing,
    });
    const now = performance.now();
    if (!force && now - last_spoken < 2000) return;
    last_spoken = now;
    const names = { xor: "XOR", moons: "two moons", circles: "circles", spiral: "spiral" };
    status.textContent =
      `${names[run.s.dataset]} data, ${run.s.n_train} training and ${run.s.n_val} validation points; ` +
      `network ${run.net.sizes.join("-")} with ${run.s.activation}. Step ${run.trainer.steps} (epoch ${run.trainer.epochs}): ` +
      `training loss ${train.toFixed(4)}, validation loss ${val.toFixed(4)}; ` +
      `${Math.round(100 * accuracy(run, run.X, run.y))}% of the training points and ` +
      `${Math.round(100 * accuracy(run, run.X_val, run.y_val))}% of the validation points classified correctly.` +
      (playing ? " Training." : "");
  }

  let frames = 0;
  function draw(force) {
    frames += 1;
    if (!playing || frames % BOARD_EVERY === 0) draw_board();
    draw_curves();
    draw_graph();
    describe(force);
    if (!code_box.hidden) code.textContent = python_code(run);
    for (let i = 0; i < 3; i++) unit_sliders[i].parentElement.hidden = i >= run.net.sizes.length - 2;
  }

  function advance(n) {
    for (let i = 0; i < n; i++) run.trainer.step();
    record(run);
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
