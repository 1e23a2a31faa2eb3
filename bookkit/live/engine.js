// The course's live engine: what the live widgets need of nanoprop, in plain JavaScript.
//
// The same names and conventions as the reference (reference/nanoprop), so that each function
// here reads like the Python one next to it. Float64 numbers throughout (JavaScript's own).
//
// Arrays: a matrix is a plain array of rows, each row a plain array of numbers (row-major):
//   x[i][j] is numpy's x[i, j]; a (N, D) batch is N rows of D numbers. A vector (a bias b, the
//   labels y) is a plain array of numbers. The layers take batches (matrices); mse_loss, sgd,
//   sgd_momentum and l2_penalty take vectors or matrices. Nothing is modified in place: every
//   function returns new arrays.
//
// API (every name is exported; the Python twin of each is named after the dash):
//
//   affine_forward(x, W, b) -> [out, cache]          - nanoprop.layers.affine_forward
//   affine_backward(dout, cache) -> [dx, dW, db]      - nanoprop.layers.affine_backward
//   relu_forward(x) -> [out, cache]                   - nanoprop.layers.relu_forward
//   relu_backward(dout, cache) -> dx                  - nanoprop.layers.relu_backward
//   sigmoid_forward / sigmoid_backward, tanh_forward / tanh_backward   (the same pattern)
//   mse_loss(pred, target) -> [loss, dpred]           - nanoprop.losses.mse_loss
//   softmax(logits) -> probs                          - nanoprop.losses.softmax
//   softmax_cross_entropy(logits, labels) -> [loss, dlogits]   - nanoprop.losses.softmax_cross_entropy
//   new MLP(sizes, activation = "relu", seed = 0)     - nanoprop.network.MLP
//     .params {W1, b1, W2, b2, ...}   .sizes   .activation   .n_layers
//     .forward(X) -> [scores, caches]   .backward(dscores, caches) -> grads {W1, b1, ...}
//     .loss(X, y) -> [loss, grads] (softmax cross-entropy)   .predict(X) -> classes
//   init_params(sizes, seed = 0, activation = "relu") -> params
//                                                     - bookkit.live.rng.init_params (the scaling of
//                                                       nanoprop.network.init_params, Rng below)
//   sgd(w, dw, learning_rate) -> next_w               - nanoprop.optim.sgd
//   sgd_momentum(w, dw, v, learning_rate, momentum) -> [next_w, next_v]
//                                                     - nanoprop.optim.sgd_momentum
//   minibatches(X, y, batch_size, rng) -> iterator of [X_batch, y_batch]
//                                                     - nanoprop.optim.minibatches
//   l2_penalty(params, lam) -> [penalty, dparams]     - bookkit.live.rng.l2_penalty
//     penalty = lam / 2 * (sum of every weight W squared); dparams: lam * W for the weights and
//     zeros for the biases (biases are not penalised). nanoprop has no regularisation of its own.
//   new Rng(seed)                                     - bookkit.live.rng.Rng
//     .next_uint32()  .uniform()  .normal()  .permutation(n)
//   make_dataset(name, n, seed, noise) -> [X, y]     - bookkit.live.rng.make_dataset
//     name: "xor", "moons", "circles" or "spiral"; X: n rows of 2 numbers; y: n labels (0, 1, 2)
//   new Trainer(config)                               - the loop nanoprop_code writes (nanoprop.train's)
//     .step() -> loss (one mini-batch: forward, loss, backward, L2, sgd_momentum)
//     .evaluate(X = its data, y) -> loss   .model (an MLP)   .X .y   .steps .epochs   .config
//     config: TRAINER_DEFAULTS overridden by any of dataset, n, data_seed, noise, sizes, activation,
//     seed (weights and batch order), loss ("softmax", or "mse": one output, mse_targets(y) = -1/+1),
//     learning_rate, momentum, batch_size, lam (L2)
//   nanoprop_code(config, steps) -> text              the Python that repeats `steps` Trainer steps
//   cos_sin(theta) -> [cos, sin], log(x)              + - * / only (the generator's, see below)
//   matmul(A, B), transpose(A), zeros(rows, cols)     small helpers the layers use
//
// Every name is a top-level declaration, so a widget whose module is this text followed by its own
// code (bookkit/live/widgets.py joins them) can call them directly.
//
// The random numbers are not numpy's: numpy's generator (PCG64) is not sensible to rebuild here.
// Rng is mulberry32 (a 32-bit generator, public domain), and bookkit/live/rng.py is the same
// generator in Python, operation for operation, so a seed gives the same data sets, initial
// weights and mini-batch order in both, to the bit. Its normal numbers (Box-Muller) and the data
// sets' angles use cos_sin and log written here with + - * / and sqrt only, which IEEE 754 rounds
// the same way everywhere (the built-in Math.cos or math.log may differ in the last bit between a
// browser and a Python).
//
// No imports, no dependencies: this file works as an ES module and with its text inlined in a page.

// ---- helpers: matrices as arrays of rows ----

export function zeros(rows, cols) {
  return Array.from({ length: rows }, () => new Array(cols).fill(0));
}

export function transpose(A) {
  // (N, D) -> (D, N)
  const out = [];
  for (let j = 0; j < A[0].length; j++) {
    const column = [];
    for (let i = 0; i < A.length; i++) column.push(A[i][j]);
    out.push(column);
  }
  return out;
}

export function matmul(A, B) {
  // (N, D) @ (D, M) -> (N, M): out[i][j] = sum over k of A[i][k] B[k][j]
  const d = B.length, m = B[0].length;
  return A.map((a) => {
    const row = new Array(m);
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += a[k] * B[k][j];
      row[j] = sum;
    }
    return row;
  });
}

// f(a) or f(a, b) element by element, for A (and B) of the same shape (vectors or matrices)
function elementwise(f, A, B) {
  if (A.length === 0 || typeof A[0] === "number") {
    return B === undefined ? A.map((a) => f(a)) : A.map((a, i) => f(a, B[i]));
  }
  return B === undefined ? A.map((row) => elementwise(f, row)) : A.map((row, i) => elementwise(f, row, B[i]));
}

function sum_all(A) {
  let s = 0;
  for (const v of A) s += typeof v === "number" ? v : sum_all(v);
  return s;
}

// ---- layers (nanoprop/layers.py) ----

export function affine_forward(x, W, b) {
  // out = x W + b.   x: (N, D), W: (D, M), b: (M,)  ->  out: (N, M)
  const out = matmul(x, W);
  for (const row of out) for (let j = 0; j < row.length; j++) row[j] += b[j];
  return [out, [x, W]];
}

export function affine_backward(dout, cache) {
  // dout: (N, M)  ->  dx: (N, D), dW: (D, M), db: (M,)
  const [x, W] = cache;
  const dx = matmul(dout, transpose(W)); // each input feeds every output through W
  const dW = matmul(transpose(x), dout); // sums over the batch: one outer product per example
  const db = transpose(dout).map((column) => column.reduce((s, v) => s + v, 0)); // b is added to every example
  return [dx, dW, db];
}

export function relu_forward(x) {
  return [x.map((row) => row.map((v) => Math.max(v, 0))), x];
}

export function relu_backward(dout, cache) {
  const x = cache;
  return dout.map((row, i) => row.map((d, j) => (x[i][j] > 0 ? d : 0))); // only where the unit was on
}

// 1 / (1 + e^-z), without overflow for large |z| (as nanoprop.activations.sigmoid)
function sigmoid(z) {
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

export function sigmoid_forward(x) {
  const out = x.map((row) => row.map(sigmoid));
  return [out, out];
}

export function sigmoid_backward(dout, cache) {
  const out = cache;
  return dout.map((row, i) => row.map((d, j) => d * out[i][j] * (1 - out[i][j]))); // sigma' = sigma (1 - sigma)
}

export function tanh_forward(x) {
  const out = x.map((row) => row.map((v) => Math.tanh(v)));
  return [out, out];
}

export function tanh_backward(dout, cache) {
  const out = cache;
  return dout.map((row, i) => row.map((d, j) => d * (1 - out[i][j] ** 2))); // tanh' = 1 - tanh^2
}

export const ACTIVATION_LAYERS = {
  relu: [relu_forward, relu_backward],
  sigmoid: [sigmoid_forward, sigmoid_backward],
  tanh: [tanh_forward, tanh_backward],
};

// ---- losses (nanoprop/losses.py) ----

export function mse_loss(pred, target) {
  // L = (1 / 2N) * sum_i ||pred_i - target_i||^2, so dL/dpred = (pred - target) / N.
  // pred, target: (N,) or (N, K)  ->  loss: a number, dpred: same shape as pred
  const n = pred.length;
  const diff = elementwise((p, t) => p - t, pred, target);
  const loss = (0.5 * sum_all(elementwise((d) => d ** 2, diff))) / n;
  const dpred = elementwise((d) => d / n, diff);
  return [loss, dpred];
}

export function softmax(logits) {
  // logits: (N, C) -> probs: (N, C), each row sums to 1
  return logits.map((row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const total = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / total);
  });
}

export function softmax_cross_entropy(logits, labels) {
  // logits: (N, C) scores; labels: (N,) integers in [0, C)  ->  loss, dlogits: (N, C)
  // The gradient is (probabilities - one_hot(labels)) / N.
  const n = logits.length;
  let loss = 0;
  const dlogits = logits.map((row, i) => {
    const max = Math.max(...row);
    const shifted = row.map((v) => v - max);
    const log_total = Math.log(shifted.reduce((s, v) => s + Math.exp(v), 0));
    const log_probs = shifted.map((v) => v - log_total);
    loss -= log_probs[labels[i]];
    const grad = log_probs.map(Math.exp);
    grad[labels[i]] -= 1;
    return grad.map((g) => g / n);
  });
  return [loss / n, dlogits];
}

// ---- the network (nanoprop/network.py) ----

export function init_params(sizes, seed = 0, activation = "relu") {
  // Normal weights scaled to the layer width (He: variance 2 / fan_in for ReLU; LeCun: 1 / fan_in
  // for tanh and sigmoid), zero biases: nanoprop's init_params, drawn from Rng(seed).
  const rng = new Rng(seed);
  const gain = activation === "relu" ? 2.0 : 1.0;
  const params = {};
  for (let i = 1; i < sizes.length; i++) {
    const fan_in = sizes[i - 1], fan_out = sizes[i];
    const scale = Math.sqrt(gain / fan_in);
    params[`W${i}`] = Array.from({ length: fan_in }, () =>
      Array.from({ length: fan_out }, () => rng.normal() * scale));
    params[`b${i}`] = new Array(fan_out).fill(0);
  }
  return params;
}

export class MLP {
  // A network: sizes [D, H1, ..., C] maps (N, D) inputs to (N, C) scores.
  //   scores = affine -> act -> affine -> act -> ... -> affine
  constructor(sizes, activation = "relu", seed = 0) {
    this.sizes = [...sizes];
    this.activation = activation;
    this.params = init_params(this.sizes, seed, activation);
  }

  get n_layers() {
    return this.sizes.length - 1;
  }

  forward(X) {
    // X: (N, D) -> [scores: (N, C), caches for the backward pass]
    const [act_forward] = ACTIVATION_LAYERS[this.activation];
    const caches = [];
    let out = X, affine_cache, act_cache;
    for (let i = 1; i <= this.n_layers; i++) {
      [out, affine_cache] = affine_forward(out, this.params[`W${i}`], this.params[`b${i}`]);
      act_cache = null;
      if (i < this.n_layers) [out, act_cache] = act_forward(out); // no activation after the last layer
      caches.push([affine_cache, act_cache]);
    }
    return [out, caches];
  }

  backward(dscores, caches) {
    // dscores: (N, C) -> grads: the same keys and shapes as params
    const [, act_backward] = ACTIVATION_LAYERS[this.activation];
    const grads = {};
    let dout = dscores;
    for (let i = this.n_layers; i >= 1; i--) {
      const [affine_cache, act_cache] = caches[i - 1];
      if (act_cache !== null) dout = act_backward(dout, act_cache);
      [dout, grads[`W${i}`], grads[`b${i}`]] = affine_backward(dout, affine_cache);
    }
    return grads;
  }

  loss(X, y) {
    // softmax cross-entropy on labels y: (N,) -> [loss, grads]
    const [scores, caches] = this.forward(X);
    const [loss, dscores] = softmax_cross_entropy(scores, y);
    return [loss, this.backward(dscores, caches)];
  }

  predict(X) {
    // X: (N, D) -> predicted classes: (N,)
    const [scores] = this.forward(X);
    return scores.map((row) => row.indexOf(Math.max(...row)));
  }
}

// ---- gradient descent (nanoprop/optim.py) ----

export function sgd(w, dw, learning_rate = 0.01) {
  return elementwise((wi, gi) => wi - learning_rate * gi, w, dw);
}

export function sgd_momentum(w, dw, v, learning_rate = 0.01, momentum = 0.9) {
  // v <- mu * v - lr * dw ;  w <- w + v.   w, dw, v: same shape -> [next_w, next_v]
  const next_v = elementwise((vi, gi) => momentum * vi - learning_rate * gi, v, dw);
  return [elementwise((wi, vi) => wi + vi, w, next_v), next_v];
}

export function* minibatches(X, y, batch_size, rng) {
  // Shuffle once, then yield [X_batch, y_batch] slices of batch_size rows; the last may be smaller.
  const order = rng.permutation(X.length);
  for (let start = 0; start < X.length; start += batch_size) {
    const idx = order.slice(start, start + batch_size);
    yield [idx.map((i) => X[i]), idx.map((i) => y[i])];
  }
}

export function l2_penalty(params, lam) {
  // lam / 2 * sum of W^2 over the weights (keys starting with W); its gradient lam * W.
  let penalty = 0;
  const dparams = {};
  for (const [key, p] of Object.entries(params)) {
    const is_weight = key.startsWith("W");
    if (is_weight) penalty += sum_all(elementwise((w) => w * w, p));
    dparams[key] = elementwise((w) => (is_weight ? lam * w : 0), p);
  }
  return [(lam / 2) * penalty, dparams];
}

// ---- a seeded random generator, the same in bookkit/live/rng.py ----

export class Rng {
  // mulberry32: a 32-bit state that steps by a constant, then scrambled to 32 random bits.
  constructor(seed = 0) {
    this.state = seed >>> 0;
  }

  next_uint32() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
    return (t ^ (t >>> 14)) >>> 0;
  }

  uniform() {
    // a number in [0, 1), a multiple of 2^-32
    return this.next_uint32() / 4294967296;
  }

  normal() {
    // standard normal by Box-Muller: two uniforms -> a radius and an angle
    const u1 = 1 - this.uniform(); // in (0, 1]: log(u1) is finite
    const u2 = this.uniform();
    const [c] = cos_sin(2 * Math.PI * u2);
    return Math.sqrt(-2 * log(u1)) * c;
  }

  permutation(n) {
    // 0 .. n-1 shuffled (Fisher-Yates)
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

export function cos_sin(theta) {
  // [cos(theta), sin(theta)] with + - * / only: halve theta until it is small (exact), sum the
  // Taylor series there, then double the angle back up (cos 2a = c^2 - s^2, sin 2a = 2 s c).
  let halvings = 0;
  while (Math.abs(theta) > 0.25) {
    theta /= 2;
    halvings += 1;
  }
  const t2 = theta * theta;
  let c = 1 - (t2 / 2) * (1 - (t2 / 12) * (1 - (t2 / 30) * (1 - (t2 / 56) * (1 - (t2 / 90) * (1 - t2 / 132)))));
  let s = theta * (1 - (t2 / 6) * (1 - (t2 / 20) * (1 - (t2 / 42) * (1 - (t2 / 72) * (1 - t2 / 110)))));
  for (; halvings > 0; halvings--) [c, s] = [c * c - s * s, 2 * s * c];
  return [c, s];
}

export function log(x) {
  // natural log of x > 0 with + - * / only: x = m * 2^e with m in [0.5, 1) (exact), then
  // log m = 2 atanh(z), z = (m - 1) / (m + 1), summed as z + z^3/3 + z^5/5 + ...
  let m = x, e = 0;
  while (m >= 1) { m /= 2; e += 1; }
  while (m < 0.5) { m *= 2; e -= 1; }
  const z = (m - 1) / (m + 1), z2 = z * z;
  let term = z, total = 0;
  for (let k = 1; k < 60; k += 2) {
    total += term / k;
    term *= z2;
  }
  return 2 * total + e * 0.6931471805599453; // ln 2
}

// ---- 2-D data sets, the same in bookkit/live/rng.py ----

export function make_dataset(name, n = 200, seed = 0, noise = 0.1) {
  // n points in the plane with labels: "xor" and "moons" and "circles" (2 classes), "spiral" (3).
  const rng = new Rng(seed);
  const X = [], y = [];
  for (let i = 0; i < n; i++) {
    let x1, x2, label;
    if (name === "xor") {
      x1 = 2 * rng.uniform() - 1;
      x2 = 2 * rng.uniform() - 1;
      label = x1 * x2 > 0 ? 0 : 1;
    } else if (name === "moons") {
      label = i % 2;
      const [c, s] = cos_sin(Math.PI * rng.uniform());
      [x1, x2] = label === 0 ? [c, s] : [1 - c, 0.5 - s];
    } else if (name === "circles") {
      label = i % 2;
      const radius = label === 0 ? 1 : 0.5;
      const [c, s] = cos_sin(2 * Math.PI * rng.uniform());
      [x1, x2] = [radius * c, radius * s];
    } else if (name === "spiral") {
      label = i % 3;
      const r = rng.uniform();
      const [c, s] = cos_sin(4 * r + (2 * Math.PI * label) / 3);
      [x1, x2] = [r * c, r * s];
    } else {
      throw new Error(`make_dataset: unknown data set ${JSON.stringify(name)}; use "xor", "moons", "circles" or "spiral".`);
    }
    X.push([x1 + noise * rng.normal(), x2 + noise * rng.normal()]);
    y.push(label);
  }
  return [X, y];
}

// ---- the playground's training loop, one mini-batch at a time ----

export const TRAINER_DEFAULTS = {
  dataset: "moons", n: 200, data_seed: 1, noise: 0.1, // the training points: make_dataset(...)
  sizes: [2, 8, 8, 2], activation: "tanh", seed: 0,  // the network: weights and batch order from seed
  loss: "softmax",                                   // "softmax" (C outputs) or "mse" (1 output, targets -1 / +1)
  learning_rate: 0.03, momentum: 0.9, batch_size: 10, lam: 0, // lam: L2 regularisation
};

export function mse_targets(y) {
  // labels 0 / 1 -> targets -1 / +1, one column: what a 1-output network learns with mse_loss
  return y.map((label) => [2 * label - 1]);
}

export class Trainer {
  // nanoprop.train's loop, one mini-batch per step(): forward, loss, backward, SGD with momentum.
  // The weights come from init_params(sizes, seed, activation), the batch order from Rng(seed),
  // a fresh shuffle every epoch; nanoprop_code(config) writes the same run in Python.
  constructor(config = {}) {
    this.config = { ...TRAINER_DEFAULTS, ...config };
    const c = this.config;
    [this.X, this.y] = make_dataset(c.dataset, c.n, c.data_seed, c.noise);
    this.model = new MLP(c.sizes, c.activation, c.seed);
    this.velocity = Object.fromEntries(
      Object.entries(this.model.params).map(([k, p]) => [k, elementwise(() => 0, p)]));
    this.rng = new Rng(c.seed);
    this.batches = minibatches(this.X, this.y, c.batch_size, this.rng);
    this.steps = 0;
    this.epochs = 0;
  }

  data_loss(X, y) {
    // the loss without the penalty, and its gradients: [loss, grads]
    const [scores, caches] = this.model.forward(X);
    const [loss, dscores] = this.config.loss === "mse"
      ? mse_loss(scores, mse_targets(y))
      : softmax_cross_entropy(scores, y);
    return [loss, this.model.backward(dscores, caches)];
  }

  evaluate(X = this.X, y = this.y) {
    // the loss on some points (the data loss only, as a validation curve shows it)
    const [scores] = this.model.forward(X);
    return this.config.loss === "mse"
      ? mse_loss(scores, mse_targets(y))[0]
      : softmax_cross_entropy(scores, y)[0];
  }

  step() {
    // one mini-batch step; returns that batch's loss (with the penalty when lam > 0)
    let next = this.batches.next();
    if (next.done) {
      this.epochs += 1;
      this.batches = minibatches(this.X, this.y, this.config.batch_size, this.rng);
      next = this.batches.next();
    }
    const [X_batch, y_batch] = next.value;
    let [loss, grads] = this.data_loss(X_batch, y_batch);
    if (this.config.lam > 0) {
      const [penalty, dpen] = l2_penalty(this.model.params, this.config.lam);
      loss += penalty;
      grads = Object.fromEntries(
        Object.entries(grads).map(([k, g]) => [k, elementwise((a, b) => a + b, g, dpen[k])]));
    }
    const { learning_rate, momentum } = this.config;
    for (const k of Object.keys(this.model.params)) {
      [this.model.params[k], this.velocity[k]] = sgd_momentum(
        this.model.params[k], grads[k], this.velocity[k], learning_rate, momentum);
    }
    this.steps += 1;
    return loss;
  }
}

export function nanoprop_code(config = {}, steps = 100) {
  // The Python that repeats `steps` steps of a Trainer(config) with nanoprop, to the same numbers.
  const c = { ...TRAINER_DEFAULTS, ...config };
  const py = (v) => (typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(", ")}]` : String(v));
  const loss_line = c.loss === "mse"
    ? "loss, dscores = nanoprop.mse_loss(scores, 2.0 * y_batch[:, None] - 1)  # targets -1 / +1"
    : "loss, dscores = nanoprop.softmax_cross_entropy(scores, y_batch)";
  const l2_lines = c.lam > 0
    ? [
        `        penalty, dpen = l2_penalty(model.params, ${py(c.lam)})`,
        "        loss += penalty",
        "        grads = {k: grads[k] + dpen[k] for k in grads}",
      ]
    : [];
  return [
    "import numpy as np",
    "",
    "import nanoprop",
    "from bookkit.live.rng import Rng, init_params, l2_penalty, make_dataset",
    "",
    `X, y = make_dataset(${py(c.dataset)}, n=${c.n}, seed=${c.data_seed}, noise=${py(c.noise)})`,
    `model = nanoprop.MLP(${py(c.sizes)}, activation=${py(c.activation)})`,
    `model.params = init_params(model.sizes, seed=${c.seed}, activation=${py(c.activation)})`,
    "velocity = {k: np.zeros_like(p) for k, p in model.params.items()}",
    `rng = Rng(${c.seed})  # the batch order: Rng has .permutation(n), as nanoprop.minibatches needs`,
    "losses = []",
    `while len(losses) < ${steps}:`,
    `    for X_batch, y_batch in nanoprop.minibatches(X, y, ${c.batch_size}, rng):`,
    "        scores, caches = model.forward(X_batch)",
    `        ${loss_line}`,
    "        grads = model.backward(dscores, caches)",
    ...l2_lines,
    "        for k in model.params:",
    "            model.params[k], velocity[k] = nanoprop.sgd_momentum(",
    `                model.params[k], grads[k], velocity[k], ${py(c.learning_rate)}, ${py(c.momentum)})`,
    "        losses.append(loss)",
    `        if len(losses) == ${steps}:`,
    "            break",
    "",
  ].join("\n");
}
