// Chapter 2: a neuron, free. a = f(w x + b) for one input x, with a continuous weight and bias
// and every activation; the curve and its threshold x = -b / w are redrawn as a slider moves.
// (Joined after engine.js and ui.js by bookkit/live/widgets.py.)

// nanoprop.activations.step: 1 where z > 0, else 0. engine.js has layers only for the activations
// a network can be trained with (as nanoprop.network.ACTIVATION_LAYERS), so the step is here.
function step_forward(z) {
  return [z.map((row) => row.map((v) => (v > 0 ? 1 : 0))), z];
}

const NEURON_ACTIVATIONS = {
  step: step_forward,
  sigmoid: ACTIVATION_LAYERS.sigmoid[0],
  tanh: ACTIVATION_LAYERS.tanh[0],
  relu: ACTIVATION_LAYERS.relu[0],
};

// a = f(x w + b) for a column of inputs, with the engine's affine layer (as nanoprop.neuron).
function neuron_outputs(xs, w, b, activation) {
  const [z] = affine_forward(xs.map((x) => [x]), [[w]], [b]);
  const [a] = NEURON_ACTIVATIONS[activation](z);
  return a.map((row) => row[0]);
}

const X_RANGE = [-4, 4];
const A_RANGE = [-1.2, 3];

function render({ model, el }) {
  const root = ui.root(el, "A neuron, free: a = f(w x + b) with one input x");
  const controls = ui.make("div", { class: "course-live-controls" });
  root.append(controls);
  const activation = ui.select(controls, {
    label: "activation f",
    options: Object.keys(NEURON_ACTIVATIONS),
    value: model.get("activation"),
    on_change: (v) => changed({ activation: v }),
  });
  const w = ui.slider(controls, {
    label: "weight w", min: -4, max: 4, step: 0.01, value: model.get("w"),
    on_input: (v) => changed({ w: v }),
  });
  const b = ui.slider(controls, {
    label: "bias b", min: -4, max: 4, step: 0.01, value: model.get("b"),
    on_input: (v) => changed({ b: v }),
  });
  const W = 560, H = 280;
  const ctx = ui.canvas(root, W, H, "The neuron's output a plotted against its input x");
  const status = ui.status(root);
  const sx = ui.scale(X_RANGE[0], X_RANGE[1], 48, W - 12);
  const sy = ui.scale(A_RANGE[0], A_RANGE[1], H - 34, 10);
  const xs = Array.from({ length: 321 }, (_, i) => X_RANGE[0] + (i * (X_RANGE[1] - X_RANGE[0])) / 320);

  // A control saves its setting in the model; the model's change events redraw.
  const changed = (settings) => ui.save(model, settings);

  function draw() {
    const act = model.get("activation"), wv = model.get("w"), bv = model.get("b");
    const a = neuron_outputs(xs, wv, bv, act);
    ui.clear(ctx);
    ui.axes(ctx, sx, sy, { xlabel: "input x", ylabel: "output a", xticks: [-4, -2, 0, 2, 4], yticks: [-1, 0, 1, 2, 3] });
    ui.line(ctx, [[sx(-4), sy(0)], [sx(4), sy(0)]], "#bbbbbb", 1);
    const threshold = wv === 0 ? null : -bv / wv + 0; // + 0 turns -0 into 0
    if (threshold !== null && threshold >= X_RANGE[0] && threshold <= X_RANGE[1]) {
      ui.line(ctx, [[sx(threshold), sy(A_RANGE[0])], [sx(threshold), sy(A_RANGE[1])]], PALETTE.vermillion, 1.5, [6, 4]);
      ctx.fillStyle = PALETTE.vermillion;
      ctx.font = "12px sans-serif";
      ctx.textAlign = threshold > 1.5 ? "right" : "left";
      ctx.fillText(`threshold x = ${threshold.toFixed(2)}`, sx(threshold) + (threshold > 1.5 ? -6 : 6), sy(2.7));
    }
    // the curve; a step is drawn as its two flat pieces (no vertical line at the jump)
    const points = xs.map((x, i) => [sx(x), sy(Math.max(A_RANGE[0], Math.min(A_RANGE[1], a[i])))]);
    if (act === "step") {
      let piece = [points[0]];
      for (let i = 1; i < points.length; i++) {
        if (a[i] !== a[i - 1]) {
          ui.line(ctx, piece, PALETTE.blue, 2.5);
          piece = [];
        }
        piece.push(points[i]);
      }
      ui.line(ctx, piece, PALETTE.blue, 2.5);
    } else {
      ui.line(ctx, points, PALETTE.blue, 2.5);
    }
    ctx.fillStyle = "#222222";
    ctx.font = "bold 13px sans-serif";
    ctx.textAlign = "left";
    ctx.fillText(`a = ${act}(${wv.toFixed(2)} x + ${bv.toFixed(2)})`, sx(-3.9), sy(2.75));

    const [left, at_one, right] = neuron_outputs([-4, 1, 4], wv, bv, act);
    const where = threshold === null
      ? "With w = 0 the input is ignored: the output is the same for every x"
      : `The threshold, where w x + b = 0, is at x = ${ui.num(threshold)}`;
    status.textContent =
      `${act} neuron with weight ${ui.num(wv)} and bias ${ui.num(bv)}. ${where}. ` +
      `Output ${ui.num(left)} at x = -4, ${ui.num(at_one)} at x = 1, ${ui.num(right)} at x = 4.`;
    Object.assign(root.dataset, {
      w: wv, b: bv, activation: act, outputAtOne: at_one, outputs: [left, at_one, right].join(","),
      threshold: threshold ?? "",
    });
    activation.value = act;
  }

  model.on("change:activation", draw);
  model.on("change:w", () => { w.set(model.get("w")); draw(); });
  model.on("change:b", () => { b.set(model.get("b")); draw(); });
  draw();
}

export default { render };
