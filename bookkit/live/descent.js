// Chapter 7: gradient descent, free. The narrow bowl L(w) = (a w0^2 + b w1^2) / 2; the learner
// picks the start (a click, or the arrow keys on the picture and Enter), any learning rate and
// momentum, and watches the path. Each step is the engine's sgd_momentum (nanoprop.optim),
// as bookkit.figures.loss_path runs it in Python. (Joined after engine.js and ui.js.)

const EXTENT = 3; // the picture shows [-3, 3]^2
const LIMIT = 1e6; // a run is cut short once a coordinate passes this: it has diverged

function bowl_loss(w, a, b) {
  return 0.5 * (a * w[0] ** 2 + b * w[1] ** 2);
}

function descent_path(start, a, b, learning_rate, momentum, steps) {
  let w = [...start], v = [0, 0];
  const path = [w];
  for (let i = 0; i < steps; i++) {
    const grad = [a * w[0], b * w[1]]; // the bowl's gradient
    [w, v] = sgd_momentum(w, grad, v, learning_rate, momentum);
    path.push(w);
    if (!w.every((x) => Math.abs(x) < LIMIT)) break;
  }
  return path;
}

function render({ model, el }) {
  const a = model.get("a"), b = model.get("b");
  const root = ui.root(el, `Gradient descent, free: L = (${a} w0² + ${b} w1²) / 2`);
  const controls = ui.make("div", { class: "course-live-controls" });
  root.append(controls);
  const lr = ui.slider(controls, {
    label: "learning rate", min: 0, max: 0.4, step: 0.001, value: model.get("learning_rate"),
    format: (v) => v.toFixed(3), on_input: (v) => ui.save(model, { learning_rate: v }),
  });
  const mu = ui.slider(controls, {
    label: "momentum", min: 0, max: 0.99, step: 0.01, value: model.get("momentum"),
    on_input: (v) => ui.save(model, { momentum: v }),
  });
  const run = ui.button(controls, "Run from the start", () => animate());
  const figures = ui.make("div", { class: "course-live-figures" });
  root.append(figures);
  const S = 320;
  const surface = ui.canvas(figures, S, S, "");
  const chooser = surface.canvas;
  chooser.setAttribute("role", "application");
  chooser.setAttribute("tabindex", "0");
  chooser.setAttribute("aria-label",
    "The loss surface. Click to choose the start, or use the arrow keys to move it and Enter to run.");
  const curve = ui.canvas(figures, 360, S, "The loss at each step, on a logarithmic scale");
  const status = ui.status(root);
  const sx = ui.scale(-EXTENT, EXTENT, 36, S - 8), sy = ui.scale(-EXTENT, EXTENT, S - 30, 8);
  let shown_steps = null; // while animating: how many steps are drawn so far

  function contours() {
    // level sets L = c are ellipses: w0 = sqrt(2c/a) cos t, w1 = sqrt(2c/b) sin t
    const top = bowl_loss([EXTENT, EXTENT], a, b);
    for (let k = 0; k < 12; k++) {
      const c = 0.01 * (top / 0.01) ** (k / 11);
      const pts = Array.from({ length: 97 }, (_, i) => {
        const t = (2 * Math.PI * i) / 96;
        return [sx(Math.sqrt((2 * c) / a) * Math.cos(t)), sy(Math.sqrt((2 * c) / b) * Math.sin(t))];
      });
      ui.line(surface, pts, "#aaaaaa", 0.8);
    }
  }

  function draw() {
    const start = model.get("start"), lrv = model.get("learning_rate"), muv = model.get("momentum");
    const steps = model.get("steps");
    const path = descent_path(start, a, b, lrv, muv, steps);
    const losses = path.map((w) => bowl_loss(w, a, b));
    const diverged = losses[losses.length - 1] > losses[0] || path.length < steps + 1;
    const n = shown_steps === null ? path.length : Math.min(path.length, shown_steps + 1);

    // the surface, the path, the start (square) and the minimum (star)
    ui.clear(surface);
    surface.save();
    surface.beginPath();
    surface.rect(sx(-EXTENT), sy(EXTENT), sx(EXTENT) - sx(-EXTENT), sy(-EXTENT) - sy(EXTENT));
    surface.clip();
    contours();
    const drawn = path.slice(0, n).map(([w0, w1]) => [sx(w0), sy(w1)]);
    ui.line(surface, drawn, PALETTE.vermillion, 1.6);
    surface.fillStyle = PALETTE.vermillion;
    for (const [x, y] of drawn) surface.fillRect(x - 2, y - 2, 4, 4);
    surface.restore();
    ui.axes(surface, sx, sy, { xlabel: "w0", ylabel: "w1", xticks: [-3, 0, 3], yticks: [-3, 0, 3] });
    surface.fillStyle = PALETTE.blue;
    surface.fillRect(sx(start[0]) - 6, sy(start[1]) - 6, 12, 12);
    surface.fillStyle = PALETTE.green;
    surface.font = "18px sans-serif";
    surface.textAlign = "center";
    surface.textBaseline = "middle";
    surface.fillText("★", sx(0), sy(0));

    // the loss per step (log scale)
    const cx = ui.scale(0, steps, 52, 352), cy = ui.scale(-6, 6, S - 30, 24);
    ui.clear(curve);
    ui.axes(curve, cx, cy, { xlabel: "step", ylabel: "loss (log scale)",
      xticks: [0, steps / 2, steps], yticks: [-6, -3, 0, 3, 6], yformat: (t) => `1e${t}` });
    const clamp = (v) => Math.max(-6, Math.min(6, Math.log10(Math.max(v, 1e-300))));
    ui.line(curve, losses.slice(0, n).map((L, i) => [cx(i), cy(clamp(L))]), PALETTE.blue, 2);
    curve.font = "bold 14px sans-serif";
    curve.textAlign = "center";
    curve.textBaseline = "top";
    curve.fillStyle = diverged ? PALETTE.vermillion : "#222222";
    const last = losses[losses.length - 1];
    curve.fillText(diverged ? "diverges" : `loss ${last.toExponential(1)} after ${path.length - 1} steps`, 200, 2);
    const outcome = diverged
      ? `The path diverges: each step overshoots further and the loss grows from ${ui.num(losses[0])} ` +
        `to ${ui.num(last)} after ${path.length - 1} steps.`
      : `The path heads for the minimum at (0, 0): the loss falls from ${ui.num(losses[0])} to ` +
        `${ui.num(last)} after ${path.length - 1} steps.`;
    status.textContent =
      `Start (${ui.num(start[0])}, ${ui.num(start[1])}), learning rate ${ui.num(lrv)}, momentum ${ui.num(muv)}. ` +
      `${outcome} Without momentum w1 is multiplied by 1 - learning rate × ${b} = ` +
      `${ui.num(1 - lrv * b)} each step.`;
    Object.assign(root.dataset, {
      diverged, start: start.join(","), learningRate: lrv, momentum: muv,
      firstLoss: losses[0], lastLoss: last, steps: path.length - 1,
    });
  }

  function move_start(w0, w1) {
    const clip = (v) => Math.max(-EXTENT, Math.min(EXTENT, Math.round(v * 100) / 100));
    ui.save(model, { start: [clip(w0), clip(w1)] });
  }

  // Enter (or the button): draw the path step by step; with reduced motion, all of it at once.
  let timer = null;
  function animate() {
    clearInterval(timer);
    if (ui.reduced_motion()) {
      shown_steps = null;
      draw();
      return;
    }
    shown_steps = 0;
    draw();
    timer = setInterval(() => {
      shown_steps += 1;
      if (shown_steps >= model.get("steps")) {
        clearInterval(timer);
        shown_steps = null;
      }
      draw();
    }, 40);
  }

  chooser.addEventListener("click", (event) => {
    const [x, y] = ui.canvas_point(surface, event);
    move_start(sx.invert(x), sy.invert(y));
    animate();
  });
  chooser.addEventListener("keydown", (event) => {
    const [w0, w1] = model.get("start");
    const d = event.shiftKey ? 0.5 : 0.1;
    const moves = { ArrowLeft: [-d, 0], ArrowRight: [d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
    if (moves[event.key]) {
      event.preventDefault();
      move_start(w0 + moves[event.key][0], w1 + moves[event.key][1]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      animate();
    }
  });

  model.on("change:learning_rate", () => { lr.set(model.get("learning_rate")); draw(); });
  model.on("change:momentum", () => { mu.set(model.get("momentum")); draw(); });
  model.on("change:start", draw);
  draw();
}

export default { render };
