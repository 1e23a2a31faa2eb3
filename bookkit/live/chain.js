// Chapter 5: the chain rule, live. o = tanh(x1*w1 + x2*w2 + b): move a leaf and every forward
// value, every local derivative and the product of local derivatives along the path from o to the
// chosen leaf are recomputed. (Joined after engine.js and ui.js by bookkit/live/widgets.py.)
//
// The maths is the engine's: the weighted sum is affine_forward, the tanh is tanh_forward, and
// affine_backward / tanh_backward give every leaf's gradient, which the path product must equal.

const LEAVES = ["x1", "w1", "x2", "w2", "b"];

// Every node: its value, and for each input the local derivative d(node)/d(input).
function chain_graph(v) {
  const [sum] = affine_forward([[v.x1, v.x2]], [[v.w1], [v.w2]], [0]); // s = x1 w1 + x2 w2
  const [z_out] = affine_forward([[v.x1, v.x2]], [[v.w1], [v.w2]], [v.b]); // z = s + b
  const [o_out, tanh_cache] = tanh_forward(z_out);
  const do_dz = tanh_backward([[1]], tanh_cache)[0][0]; // 1 - o^2
  const nodes = {
    x1: { value: v.x1, inputs: {} }, w1: { value: v.w1, inputs: {} },
    x2: { value: v.x2, inputs: {} }, w2: { value: v.w2, inputs: {} },
    b: { value: v.b, inputs: {} },
    "x1*w1": { value: v.x1 * v.w1, inputs: { x1: v.w1, w1: v.x1 } }, // a product: the other factor
    "x2*w2": { value: v.x2 * v.w2, inputs: { x2: v.w2, w2: v.x2 } },
    s: { value: sum[0][0], inputs: { "x1*w1": 1, "x2*w2": 1 } }, // a sum passes gradient on as it is
    z: { value: z_out[0][0], inputs: { s: 1, b: 1 } },
    o: { value: o_out[0][0], inputs: { z: do_dz } },
  };
  // The gradients by backpropagation through the engine's layers, for the check.
  const [dx, dW, db] = affine_backward([[do_dz]], [[[v.x1, v.x2]], [[v.w1], [v.w2]]]);
  const grads = { x1: dx[0][0], x2: dx[0][1], w1: dW[0][0], w2: dW[1][0], b: db[0] };
  return { nodes, grads };
}

// The path from o down to a leaf, as [[node, input], ...] edges.
function chain_path(nodes, leaf) {
  const walk = (name) => {
    if (name === leaf) return [];
    for (const input of Object.keys(nodes[name].inputs)) {
      const rest = walk(input);
      if (rest !== null) return [[name, input], ...rest];
    }
    return null;
  };
  return walk("o");
}

// Where each node is drawn (x, y in canvas units).
const CHAIN_LAYOUT = {
  x1: [50, 40], w1: [50, 100], x2: [50, 170], w2: [50, 230], b: [50, 290],
  "x1*w1": [200, 70], "x2*w2": [200, 200], s: [340, 135], z: [460, 200], o: [575, 200],
};

function render({ model, el }) {
  const root = ui.root(el, "The chain rule, live: o = tanh(x1*w1 + x2*w2 + b)");
  const controls = ui.make("div", { class: "course-live-controls" });
  root.append(controls);
  const sliders = {};
  for (const leaf of LEAVES) {
    sliders[leaf] = ui.slider(controls, {
      label: leaf, min: -8, max: 8, step: 0.01, value: model.get(leaf),
      on_input: (v) => ui.save(model, { [leaf]: v }),
    });
  }
  let leaf = "w1";
  const which = ui.select(controls, {
    label: "path from o to",
    options: LEAVES,
    value: leaf,
    on_change: (v) => { leaf = v; draw(); },
  });
  const W = 640, H = 330;
  const ctx = ui.canvas(root, W, H, "The graph of o = tanh(x1*w1 + x2*w2 + b) with every value and local derivative");
  const product = ui.make("p", { class: "course-live-formula" });
  root.append(product);
  const status = ui.status(root);

  function box(name, value, on_path) {
    const [x, y] = CHAIN_LAYOUT[name];
    ctx.fillStyle = on_path ? "#fdf1d8" : "#ffffff";
    ctx.strokeStyle = on_path ? PALETTE.orange : "#555555";
    ctx.lineWidth = on_path ? 3 : 1;
    ctx.fillRect(x - 45, y - 18, 90, 36);
    ctx.strokeRect(x - 45, y - 18, 90, 36);
    ctx.fillStyle = "#222222";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = "bold 12px sans-serif";
    ctx.fillText(name, x, y - 7);
    ctx.font = "12px sans-serif";
    ctx.fillText(ui.num(value, 4), x, y + 8);
  }

  function draw() {
    const values = Object.fromEntries(LEAVES.map((k) => [k, model.get(k)]));
    const { nodes, grads } = chain_graph(values);
    const path = chain_path(nodes, leaf);
    const on_path = new Set(path.flat());
    const path_edges = new Set(path.map(([a, b]) => `${a}<${b}`));
    ui.clear(ctx);
    for (const [name, node] of Object.entries(nodes)) {
      for (const [input, local] of Object.entries(node.inputs)) {
        const [x0, y0] = CHAIN_LAYOUT[input], [x1, y1] = CHAIN_LAYOUT[name];
        const hot = path_edges.has(`${name}<${input}`);
        ui.line(ctx, [[x0 + 45, y0], [x1 - 45, y1]], hot ? PALETTE.orange : "#999999", hot ? 3 : 1.2);
        ctx.fillStyle = hot ? "#8a5a00" : PALETTE.blue;
        ctx.font = hot ? "bold 12px sans-serif" : "12px sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "bottom";
        ctx.fillText(ui.num(local, 3), (x0 + 45 + x1 - 45) / 2, (y0 + y1) / 2 - 3);
      }
    }
    for (const [name, node] of Object.entries(nodes)) box(name, node.value, on_path.has(name));
    ctx.fillStyle = "#555555";
    ctx.font = "11px sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("boxes: forward values; numbers on the edges: local derivatives", 8, H - 6);

    const locals = path.map(([a, b]) => nodes[a].inputs[b]);
    const by_path = locals.reduce((p, v) => p * v, 1);
    const names = path.map(([a, b]) => `d${a}/d${b}`).join(" × ");
    product.textContent = `do/d${leaf} = ${names} = ${locals.map((v) => ui.num(v)).join(" × ")} = ${ui.num(by_path, 4)}`;
    status.textContent =
      `With x1 = ${ui.num(values.x1)}, w1 = ${ui.num(values.w1)}, x2 = ${ui.num(values.x2)}, ` +
      `w2 = ${ui.num(values.w2)}, b = ${ui.num(values.b)}: z = ${ui.num(nodes.z.value, 4)} and ` +
      `o = ${ui.num(nodes.o.value, 4)}; the local derivative of tanh is ${ui.num(nodes.o.inputs.z, 4)}. ` +
      `Along the path from o to ${leaf} the product of local derivatives is ${ui.num(by_path, 4)}. ` +
      `Gradients: ${LEAVES.map((k) => `${k} ${ui.num(grads[k], 4)}`).join(", ")}.`;
    Object.assign(root.dataset, { o: nodes.o.value, leaf, pathProduct: by_path, backprop: grads[leaf] });
    for (const k of LEAVES) root.dataset[`grad_${k}`] = grads[k];
    which.value = leaf;
  }

  for (const k of LEAVES) model.on(`change:${k}`, () => { sliders[k].set(model.get(k)); draw(); });
  draw();
}

export default { render };
