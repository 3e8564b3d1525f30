// View of the `decision_boundaries` instant simulation: one panel per classifier (compare) or one
// large panel (focus), each with the probability map the server computed, its 0.5 contour, the
// training (filled) and test (hollow) points, misclassified test points crossed out, and the
// accuracies and times. Click a panel to add a point of the chosen class, shift-click (or a long
// press) to remove the nearest; keyboard: arrows move a cursor, Enter adds, Delete removes.
// "Measure cost" raises the `cost` parameter one size at a time, so progress is real.
import { diverging, rgb, valueImage } from "../lib/colormap.js";
import { isoSegments } from "../lib/contour.js";
import { axes, font, line, makeCanvas } from "../lib/plot.js";
import { decodePoints, encodePoints } from "../lib/points.js";
import { pointEditor } from "../lib/pointedit.js";
import { readout } from "../lib/readout.js";
import { instantSim } from "../lib/sim.js";
import { el, subheading } from "../lib/dom.js";

const PAD = { l: 4, r: 4, t: 4, b: 4 };
const COST_LEVELS = 5;
const CLASS_NAMES = ["blue", "orange"];
// Which model controls belong to which classifier (the focus view shows only its own).
const OWNER = { knn_: "knn", logreg_: "logistic", linsvm_: "linear_svm", svm_: "rbf_svm", tree_: "tree", forest_: "forest", mlp_: "mlp" };
const owner = (name) => Object.entries(OWNER).find(([prefix]) => name.startsWith(prefix))?.[1];
const ms = (t) => (t >= 100 ? `${Math.round(t)} ms` : `${t.toPrecision(2)} ms`);

export function mount(root, ctx) {
  const H = subheading(root); // headings inside the picture
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("db-stage");
  const tools = el("div", { class: "db-tools" });
  const brush = el("fieldset", { class: "db-brush" });
  brush.append(el("legend", {}, "Class to add"));
  const brushInputs = CLASS_NAMES.map((name, c) => {
    const id = `${ctx.key}-brush-${c}`;
    const input = el("input", { type: "radio", name: `${ctx.key}-brush`, id, value: String(c) });
    if (c === 0) input.checked = true;
    const label = el("label", { for: id, class: "check" });
    label.append(input, el("span", { class: "db-dot", "data-class": String(c) }), `${name} (${c})`);
    brush.append(label);
    return input;
  });
  const costButton = el("button", { type: "button", "data-role": "measure-cost" }, "Measure cost");
  const progress = el("progress", { max: String(COST_LEVELS), value: "0", hidden: "", "aria-label": "Cost measurement progress" });
  const key = el("p", { class: "db-key" }, "Filled: training points · hollow: test points · ×: a test point this panel gets wrong · line: probability 0.5");
  tools.append(brush, costButton, progress, key);
  const hint = el("p", { class: "visually-hidden", id: `${ctx.key}-db-hint` },
    "Click to add a point of the chosen class; Shift+click removes the nearest point. Keyboard: arrow keys move the cursor (Shift for larger steps), Enter adds, Delete removes.");
  const grid = el("div", { class: "db-panels" });
  const cost = el("div", { class: "db-cost", hidden: "" });
  stage.append(tools, hint, grid, cost);

  let frame = null, values = null, extent = [-4, 4];
  const pen = { cursor: null }; // the keyboard cursor, in data coordinates
  let measuring = false;
  const panels = new Map(); // classifier id → { box, canvas, img, segs, ... }
  const offscreen = document.createElement("canvas");

  const brushClass = () => Number(brushInputs.find((i) => i.checked)?.value || 0);
  const span = () => extent[1] - extent[0];
  function square(w, h) {
    const s = Math.min(w - PAD.l - PAD.r, h - PAD.t - PAD.b);
    return { x: PAD.l, y: PAD.t, w: s, h: s };
  }
  const toData = (p, b) => [extent[0] + ((p[0] - b.x) / b.w) * span(), extent[1] - ((p[1] - b.y) / b.h) * span()];
  const toPx = (x, y, b) => [b.x + ((x - extent[0]) / span()) * b.w, b.y + ((extent[1] - y) / span()) * b.h];

  function lut(c) {
    return diverging(rgb(c.get("--class-0")), rgb(c.panel), rgb(c.get("--class-1")));
  }

  function drawPanel(p, c2d, w, h, c) {
    if (!frame) return;
    const b = square(w, h), m = p.meta, G = frame.meta.grid;
    c2d.fillStyle = c.bg; c2d.fillRect(b.x, b.y, b.w, b.h);
    if (m.map !== null) {
      const maps = frame.arrays.proba, data = maps.data.subarray(m.map * G * G, (m.map + 1) * G * G);
      offscreen.width = G; offscreen.height = G;
      offscreen.getContext("2d").putImageData(valueImage(data, G, G, lut(c), 235), 0, 0);
      c2d.imageSmoothingEnabled = true;
      c2d.drawImage(offscreen, b.x, b.y, b.w, b.h);
      if (!p.segs) p.segs = isoSegments(data, G, G, 0.5);
      c2d.save(); c2d.strokeStyle = c.fg; c2d.lineWidth = 2; c2d.beginPath();
      const cell = b.w / G;
      for (const [x0, y0, x1, y1] of p.segs) {  // grid coords: column, row (row 0 = lowest y)
        c2d.moveTo(b.x + (x0 + 0.5) * cell, b.y + b.h - (y0 + 0.5) * cell);
        c2d.lineTo(b.x + (x1 + 0.5) * cell, b.y + b.h - (y1 + 0.5) * cell);
      }
      c2d.stroke(); c2d.restore();
    }
    drawPoints(c2d, b, c, p.index);
    if (pen.cursor) {
      const [px, py] = toPx(pen.cursor[0], pen.cursor[1], b);
      c2d.save(); c2d.strokeStyle = c.get("--focus"); c2d.lineWidth = 2;
      c2d.beginPath(); c2d.moveTo(px - 9, py); c2d.lineTo(px + 9, py); c2d.moveTo(px, py - 9); c2d.lineTo(px, py + 9); c2d.stroke();
      c2d.beginPath(); c2d.arc(px, py, 6, 0, 2 * Math.PI); c2d.stroke(); c2d.restore();
    }
    c2d.strokeStyle = c.axis; c2d.lineWidth = 1; c2d.strokeRect(b.x, b.y, b.w, b.h);
  }

  function drawPoints(c2d, b, c, k) {
    const xy = frame.arrays.xy.data, lab = frame.arrays.label.data, test = frame.arrays.test.data;
    const n = lab.length, wrong = frame.arrays.wrong, K = wrong.shape[0];
    const r = Math.max(2.2, Math.min(4.5, b.w / 70)), d = r + 2.5;
    c2d.save();
    c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
    // one path per class and kind (training: filled; test: hollow), so 7 panels stay cheap
    for (const cls of [0, 1]) {
      const col = c.get(`--class-${cls}`);
      for (const isTest of [0, 1]) {
        c2d.beginPath();
        for (let i = 0; i < n; i++) {
          if (lab[i] !== cls || test[i] !== isTest) continue;
          const [px, py] = toPx(xy[2 * i], xy[2 * i + 1], b);
          c2d.moveTo(px + r, py); c2d.arc(px, py, r, 0, 2 * Math.PI);
        }
        if (isTest) { c2d.fillStyle = c.panel; c2d.fill(); c2d.lineWidth = 1.8; c2d.strokeStyle = col; c2d.stroke(); }
        else { c2d.fillStyle = col; c2d.fill(); c2d.lineWidth = 0.8; c2d.strokeStyle = c.panel; c2d.stroke(); }
      }
    }
    if (k !== undefined && k < K) { // test points this panel gets wrong: crossed out
      c2d.beginPath();
      for (let i = 0; i < n; i++) {
        if (!test[i] || !wrong.data[k * n + i]) continue;
        const [px, py] = toPx(xy[2 * i], xy[2 * i + 1], b);
        c2d.moveTo(px - d, py - d); c2d.lineTo(px + d, py + d); c2d.moveTo(px + d, py - d); c2d.lineTo(px - d, py + d);
      }
      c2d.strokeStyle = c.fg; c2d.lineWidth = 1.6; c2d.stroke();
    }
    c2d.restore();
  }

  function makePanel(meta, index, large) {
    const box = el("figure", { class: `db-panel${large ? " db-large" : ""}`, "data-classifier": meta.id });
    grid.append(box); // in the page before its canvas resolves theme colours
    const head = el("figcaption", { class: "db-head" });
    const title = el("span", { class: "db-title" }, meta.label), params = el("span", { class: "db-params" });
    head.append(title, params);
    box.append(head);
    const canvas = makeCanvas(box, { label: `${meta.label}: probability map with the data`, className: "db-map" });
    canvas.canvas.setAttribute("aria-describedby", hint.id);
    canvas.canvas.setAttribute("aria-roledescription", "editable plot");
    const stats = el("p", { class: "db-stats" });
    box.append(stats);
    const p = { id: meta.id, box, canvas, params, stats, meta, index, segs: null };
    canvas.setDraw((c2d, w, h, c) => drawPanel(p, c2d, w, h, c));
    p.read = readout(root, canvas.canvas, (x, y) => readAt(p, x, y));
    bindEdit(p);
    return p;
  }

  function valueAt(p, x, y) {
    const m = p.meta, G = frame.meta.grid;
    if (m.map === null) return null;
    const col = Math.round(((x - extent[0]) / span()) * G - 0.5), row = Math.round(((y - extent[0]) / span()) * G - 0.5);
    if (col < 0 || row < 0 || col >= G || row >= G) return null;
    return frame.arrays.proba.data[m.map * G * G + row * G + col];
  }

  function readAt(p, px, py) {
    if (!frame) return "";
    const r = p.canvas.canvas.getBoundingClientRect(), b = square(r.width, r.height);
    const [x, y] = toData([px, py], b);
    if (x < extent[0] || x > extent[1] || y < extent[0] || y > extent[1]) return "";
    const v = valueAt(p, x, y);
    const what = p.meta.shading === "score" ? "σ(score)" : "P(orange)";
    const reading = v === null ? "no map" : `${what} = ${v.toFixed(2)}`;
    return `${p.meta.label} at (${x.toFixed(2)}, ${y.toFixed(2)}): ${reading}`;
  }

  // ---- editing the data --------------------------------------------------------------------
  function currentPoints() {
    if (!frame) return [];
    const xy = frame.arrays.xy.data, lab = frame.arrays.label.data;
    return Array.from(lab, (c, i) => ({ x: xy[2 * i], y: xy[2 * i + 1], c }));
  }
  function edit(change) {
    const pts = values.dataset === "own" ? decodePoints(values.points, extent) : currentPoints();
    const next = change(pts);
    if (!next) return;
    sim.set({ dataset: "own", points: encodePoints(next, extent) });
  }
  function addPoint(x, y) {
    edit((pts) => (pts.length >= 2000 ? (sim.say("At most 2,000 points."), null) : [...pts, { x, y, c: brushClass() }]));
  }
  function removeNearest(x, y) {
    edit((pts) => {
      if (!pts.length) return null;
      let best = 0, bd = Infinity;
      pts.forEach((p, i) => { const d = (p.x - x) ** 2 + (p.y - y) ** 2; if (d < bd) { bd = d; best = i; } });
      return pts.filter((_, i) => i !== best);
    });
  }
  function bindEdit(p) {
    const cv = p.canvas.canvas;
    const editor = pointEditor(cv, {
      state: pen, // one cursor, drawn on every panel
      extent,
      at: (ev) => {
        const r = cv.getBoundingClientRect(), b = square(r.width, r.height);
        const [x, y] = toData([ev.clientX - r.left, ev.clientY - r.top], b);
        return x >= extent[0] && x <= extent[1] && y >= extent[0] && y <= extent[1] ? [x, y] : null;
      },
      add: addPoint,
      remove: removeNearest,
      moved: () => {
        redrawAll();
        const r = cv.getBoundingClientRect();
        p.read.show(`Cursor ${readAt(p, ...toPx(pen.cursor[0], pen.cursor[1], square(r.width, r.height)))}`);
      },
    });
    p.unbind = () => editor.destroy();
  }

  // ---- the cost chart ----------------------------------------------------------------------
  const costCanvases = [];
  function drawCost(which, c2d, w, h, c) {
    const data = frame?.meta.cost;
    if (!data || !data.sizes.length) return;
    const b = { x: 46, y: 22, w: w - 56, h: h - 56 };
    const series = data[`${which}_ms`];
    let lo = Infinity, hi = -Infinity;
    for (const ys of Object.values(series)) for (const t of ys) if (t > 0) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
    if (!Number.isFinite(lo)) return;
    const y0 = Math.floor(Math.log10(lo)), y1 = Math.max(y0 + 1, Math.ceil(Math.log10(hi)));
    const xs = data.sizes.map((n) => Math.log10(n));
    const { X, Y } = axes(c2d, b, [2, 4], [y0, y1], c, {
      logY: true, xLabel: "points (log)", yLabel: `${which === "fit" ? "fit" : "predict"} time, ms (log)`,
      xFormat: (t) => (Number.isInteger(t) ? `${10 ** t}` : ""),
    });
    for (const [id, ys] of Object.entries(series)) {
      line(c2d, b, X, Y, xs, ys.map((t) => Math.max(t, 10 ** y0)), c.get(`--clf-${id}`), { width: 2 });
    }
    c2d.save(); c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "right";
    c2d.fillText(which === "fit" ? "Fit" : "Predict (10,000 map points)", b.x + b.w, b.y - 6); c2d.restore();
  }
  const costLegend = el("table", { class: "readout db-slopes" });
  function renderCost() {
    const data = frame.meta.cost;
    cost.hidden = !data;
    if (!data) return;
    if (!costCanvases.length) {
      const charts = el("div", { class: "db-cost-charts" });
      cost.append(el(H, {}, "Cost as the data grows"), charts, costLegend);
      for (const which of ["fit", "predict"]) {
        const cv = makeCanvas(charts, { label: `${which} time against number of points, log–log`, className: "db-cost-chart" });
        cv.setDraw((c2d, w, h, c) => drawCost(which, c2d, w, h, c));
        costCanvases.push(cv);
      }
    }
    for (const cv of costCanvases) cv.redraw();
    const ids = Object.keys(data.fit_ms);
    const labels = Object.fromEntries(frame.meta.classifiers.map((m) => [m.id, m.label]));
    const slope = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
    const rows = ids.map((id) => {
      const tr = el("tr");
      const name = el("td"); name.append(el("span", { class: "swatch", "data-clf": id }), ` ${labels[id] || id}`);
      tr.append(name, el("td", {}, slope(data.fit_slope[id])), el("td", {}, slope(data.predict_slope[id])));
      return tr;
    });
    const head = el("tr");
    head.append(el("th", { scope: "col" }, "classifier"), el("th", { scope: "col" }, "fit slope"), el("th", { scope: "col" }, "predict slope"));
    costLegend.replaceChildren(el("caption", {}, data.problem || `Log–log slopes over ${data.sizes.length} sizes (1 = linear, 2 = quadratic)`), head, ...rows);
  }

  // ---- frames ------------------------------------------------------------------------------
  function redrawAll() { for (const p of panels.values()) p.canvas.redraw(); }

  /** Focus view: only the focused classifier's own controls; compare view: all of them. */
  function showControls(v) {
    for (const input of sim.form.querySelectorAll("input[name], select[name]")) {
      const who = owner(input.name), wrap = input.closest(".control");
      if (!wrap) continue;
      wrap.hidden = v.view === "focus" && who !== undefined && who !== v.classifier;
    }
    const pick = sim.form.querySelector(`[name="classifier"]`)?.closest(".control");
    if (pick) pick.hidden = v.view !== "focus";
  }

  function render(f, v) {
    frame = f; values = v; extent = f.meta.extent;
    showControls(v);
    const wanted = f.meta.classifiers.map((m) => m.id), large = f.meta.view === "focus";
    const same = wanted.length === panels.size && wanted.every((id) => panels.has(id)) &&
      [...panels.values()].every((p) => p.box.classList.contains("db-large") === large);
    if (!same) {
      for (const p of panels.values()) { p.unbind(); p.read.destroy(); p.canvas.destroy(); p.box.remove(); }
      panels.clear();
      f.meta.classifiers.forEach((m, i) => { panels.set(m.id, makePanel(m, i, large)); });
      grid.classList.toggle("db-focus", large);
      [...panels.values()].forEach((p, i) => { p.canvas.canvas.tabIndex = i === 0 ? 0 : -1; });
    }
    f.meta.classifiers.forEach((m, i) => {
      const p = panels.get(m.id);
      p.meta = m; p.index = i; p.segs = null;
      p.params.textContent = m.params;
      const problem = m.problem || f.meta.problem;
      if (problem) {
        p.stats.textContent = problem;
        p.stats.classList.add("db-problem");
        delete p.box.dataset.trainAccuracy; delete p.box.dataset.testAccuracy;
      } else {
        p.stats.classList.remove("db-problem");
        p.stats.textContent = `train ${m.train_accuracy.toFixed(3)} · test ${m.test_accuracy.toFixed(3)} · fit ${ms(m.fit_ms)} · predict ${ms(m.predict_ms)}`;
        p.box.dataset.trainAccuracy = m.train_accuracy.toFixed(3);
        p.box.dataset.testAccuracy = m.test_accuracy.toFixed(3);
      }
      p.canvas.redraw();
    });
    renderCost();
    const level = f.meta.cost ? f.meta.cost.sizes.length : 0;
    if (measuring && v.cost < COST_LEVELS && !f.meta.cost?.problem) {
      progress.value = level;
      sim.set({ cost: v.cost + 1 });
    } else if (measuring) {
      measuring = false;
      progress.hidden = true;
      costButton.disabled = false;
      sim.say(f.meta.cost?.problem || "Cost measured at every size.");
    }
  }

  const sim = instantSim(root, ctx, render);
  const onCost = () => {
    measuring = true;
    progress.hidden = false; progress.value = 0;
    costButton.disabled = true;
    sim.say(`Measuring fit and predict times at ${COST_LEVELS} sizes…`);
    sim.set({ cost: 1 });
  };
  costButton.addEventListener("click", onCost);
  return {
    set: sim.set,
    destroy() {
      costButton.removeEventListener("click", onCost);
      for (const p of panels.values()) { p.unbind(); p.read.destroy(); p.canvas.destroy(); }
      for (const cv of costCanvases) cv.destroy();
      sim.destroy();
      stage.replaceChildren();
      stage.classList.remove("db-stage");
    },
  };
}
