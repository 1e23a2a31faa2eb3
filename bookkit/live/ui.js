// The live widgets' shared page parts: labelled controls, a live text description, a canvas that
// scales to the page, and plotting helpers. Used by neuron.js, chain.js, descent.js and
// playground.js; the network maths is engine.js's, never redone here.
//
// bookkit/live/widgets.py joins engine.js, this file and one widget's file into the widget's
// module (its `_esm`), with PALETTE (the course colours, bookkit/style.py) defined first.
//
// Every control is a real <input type="range">, <select> or <button> with a visible <label>,
// so it has an accessible name and works from the keyboard (Tab to it, arrows move a slider).

const ui = {
  // The widget's root: <div class="course-live"> with a heading and a live description.
  // status: a paragraph with aria-live="polite", what the widget shows now in words.
  root(el, title) {
    // In JupyterLab, keys pressed inside the widget are the widget's (the arrow keys move a
    // slider), not the notebook's shortcuts.
    const root = ui.make("div", { class: "course-live", "data-lm-suppress-shortcuts": "true" });
    // ...and the notebook does not get to cancel them (it would stop a slider's arrow keys).
    root.addEventListener("keydown", (event) => event.key !== "Escape" && event.stopPropagation());
    root.append(ui.make("p", { class: "course-live-title", text: title }));
    el.append(root);
    return root;
  },

  make(tag, { class: cls, text, ...attrs } = {}) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  },

  uid(prefix) {
    ui._count = (ui._count || 0) + 1;
    return `course-live-${prefix}-${ui._count}-${Math.random().toString(36).slice(2, 7)}`;
  },

  // A slider with its label and the value shown next to it. on_input(value) runs as it moves.
  slider(parent, { label, min, max, step, value, format = (v) => v.toFixed(2), on_input }) {
    const id = ui.uid("slider");
    const row = ui.make("div", { class: "course-live-control" });
    const lab = ui.make("label", { for: id, text: label });
    const input = ui.make("input", { id, type: "range", min, max, step });
    input.value = value;
    const shown = ui.make("output", { for: id, text: format(value) });
    const update = () => {
      const v = Number(input.value);
      shown.textContent = format(v);
      input.setAttribute("aria-valuetext", format(v));
      on_input(v);
    };
    input.setAttribute("aria-valuetext", format(value));
    input.addEventListener("input", update);
    row.append(lab, input, shown);
    parent.append(row);
    input.set = (v) => {
      input.value = v;
      shown.textContent = format(Number(input.value));
      input.setAttribute("aria-valuetext", format(Number(input.value)));
    };
    return input;
  },

  // A drop-down: options are [value, text] pairs (or plain strings).
  select(parent, { label, options, value, on_change }) {
    const id = ui.uid("select");
    const row = ui.make("div", { class: "course-live-control" });
    const lab = ui.make("label", { for: id, text: label });
    const select = ui.make("select", { id });
    for (const option of options) {
      const [v, text] = Array.isArray(option) ? option : [option, option];
      const o = ui.make("option", { value: v, text });
      select.append(o);
    }
    select.value = String(value);
    select.addEventListener("change", () => on_change(select.value));
    row.append(lab, select);
    parent.append(row);
    return select;
  },

  button(parent, text, on_click) {
    const b = ui.make("button", { type: "button", text });
    b.addEventListener("click", on_click);
    parent.append(b);
    return b;
  },

  // The text alternative: what the picture shows, in words, announced politely when it changes.
  status(parent) {
    const p = ui.make("p", { class: "course-live-status", "aria-live": "polite" });
    parent.append(p);
    return p;
  },

  // A canvas drawn in `width` x `height` units that shrinks with the page (never wider than its
  // column) and stays sharp on high-density screens. role="img" with a name; the description of
  // what it shows is the widget's status text.
  canvas(parent, width, height, label) {
    const c = ui.make("canvas", { role: "img", "aria-label": label });
    const ratio = Math.max(1, Math.min(window.devicePixelRatio || 1, 2));
    c.width = Math.round(width * ratio);
    c.height = Math.round(height * ratio);
    c.style.maxWidth = `${width}px`;
    c.units = { width, height };
    const ctx = c.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    parent.append(c);
    return ctx;
  },

  // The point of a canvas (in its drawing units) under a mouse event.
  canvas_point(ctx, event) {
    const rect = ctx.canvas.getBoundingClientRect();
    const { width, height } = ctx.canvas.units;
    return [((event.clientX - rect.left) * width) / rect.width, ((event.clientY - rect.top) * height) / rect.height];
  },

  clear(ctx) {
    const { width, height } = ctx.canvas.units;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
  },

  // A linear map from [lo, hi] to [a, b] (screen units), and back.
  scale(lo, hi, a, b) {
    const f = (v) => a + ((v - lo) * (b - a)) / (hi - lo);
    f.invert = (s) => lo + ((s - a) * (hi - lo)) / (b - a);
    return f;
  },

  // Axes with a few labelled ticks; returns nothing, draws on ctx.
  axes(ctx, sx, sy, { xlabel, ylabel, xticks, yticks, yformat = ui.tick }) {
    ctx.save();
    ctx.strokeStyle = "#555555";
    ctx.fillStyle = "#222222";
    ctx.lineWidth = 1;
    ctx.font = "12px sans-serif";
    const [x0, x1] = [sx(xticks[0]), sx(xticks[xticks.length - 1])];
    const [y0, y1] = [sy(yticks[0]), sy(yticks[yticks.length - 1])];
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y0);
    ctx.moveTo(x0, y0);
    ctx.lineTo(x0, y1);
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xticks) ctx.fillText(ui.tick(t), sx(t), y0 + 4);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yticks) ctx.fillText(yformat(t), x0 - 4, sy(t));
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    if (xlabel) ctx.fillText(xlabel, (x0 + x1) / 2, ctx.canvas.units.height - 2);
    if (ylabel) {
      ctx.translate(12, (y0 + y1) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(ylabel, 0, 0);
    }
    ctx.restore();
  },

  tick(v) {
    return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(+v.toFixed(2));
  },

  // A polyline through screen points [[x, y], ...].
  line(ctx, points, color, width = 2, dash = []) {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    ctx.restore();
  },

  // Numbers as the status text shows them: 3 significant digits, no "-0".
  num(v, digits = 3) {
    if (!Number.isFinite(v)) return v > 0 ? "infinity" : v < 0 ? "minus infinity" : "not a number";
    const s = Number(v.toPrecision(digits));
    return String(s === 0 ? 0 : s);
  },

  // The learner asked for less motion: animate by steps, not continuously.
  reduced_motion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  },

  // Keep a setting in the widget's state (saved with the notebook; in the static page it only
  // lives as long as the page).
  save(model, changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    try {
      model.save_changes(); // to the kernel, in JupyterLab
    } catch (e) {
      // a static page has no kernel to send the change to: the page keeps it
    }
  },
};
