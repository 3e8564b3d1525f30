// View of the `cnn_flow` simulation (chapter 4): a drawing pad (or a held-out digit), the input as
// the network sees it, every stage's feature maps (conv → ReLU → pool → conv → ReLU → pool) with
// shapes, parameters and receptive fields, the class probabilities, the close-up of one cell
// (the patch, the kernel, their products, the sum and bias; or the ReLU; or the pooling window),
// and the parameter calculator. The server runs the model; this view draws what it sends.
//
// Figures for outside tests, on the root with every drawn frame: data-prediction (0–9) and
// data-confidence (0–1), absent while the pad is blank. The drawing surface is [data-role=draw].
import { planeCanvas, rgb, themeDiverging } from "../lib/colormap.js";
import { fmt } from "../lib/controls.js";
import { font, makeCanvas } from "../lib/plot.js";
import { encodePixels } from "../lib/pixels.js";
import { readout } from "../lib/readout.js";
import { instantSim } from "../lib/sim.js";
import { drawingPad } from "../lib/pad.js";
import { el, subheading } from "../lib/dom.js";

const MAP_STAGES = ["input", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2"];
const GAP = 2;

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? fmt(v) : "–");
const big = (n) => n.toLocaleString("en-US");
const shapeText = (s) => s.join(" × ");

export function mount(root, ctx) {
  const H = subheading(root); // headings inside the picture
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("cf-stage");
  let frame = null, values = null, sim = null;

  // ---- input: the pad, the prepared input, the probabilities --------------------------------
  const top = el("div", { class: "cf-top" });
  const padBox = el("div", { class: "cf-padbox" });
  const padCanvas = el("canvas", {
    class: "cf-pad", "data-role": "draw", role: "img",
    "aria-label": "Drawing pad, 28 by 28 pixels: draw a digit with the mouse, a pen or a finger",
  });
  const padTools = el("p", { class: "cf-padtools" });
  const clearBtn = el("button", { type: "button" }, "Clear");
  const padNote = el("span", { class: "cf-padnote" });
  padTools.append(clearBtn, padNote);
  padBox.append(padCanvas, padTools);
  const verdict = el("div", { class: "cf-verdict", "aria-live": "polite" });
  const verdictBig = el("p", { class: "cf-digit" }), verdictText = el("p", { class: "cf-conf" });
  verdict.append(verdictBig, verdictText);
  const probsBox = el("div", { class: "cf-probs" });
  top.append(padBox, verdict, probsBox);
  const probs = makeCanvas(probsBox, { label: "Class probabilities (softmax)", className: "cf-probs-canvas" });

  // ---- the flow: one row per stage ------------------------------------------------------------
  const flow = el("div", { class: "cf-flow" });
  const hintId = `${ctx.key}-cf-hint`;
  const hint = el("p", { class: "visually-hidden", id: hintId },
    "Arrow keys move the chosen cell; Page Up and Page Down change the map. The close-up below explains the cell.");
  flow.append(hint);
  const rows = {};
  for (const name of MAP_STAGES) {
    const row = el("section", { class: "cf-row", "data-stage": name });
    const head = el(H, { class: "cf-row-head" });
    const title = el("span", { class: "cf-row-title" }), facts = el("span", { class: "cf-row-facts" });
    head.append(title, facts);
    const box = el("div", { class: "cf-maps" });
    row.append(head, box);
    flow.append(row);
    const canvas = makeCanvas(box, { label: name, className: "cf-maps-canvas" });
    if (name !== "input") {
      canvas.canvas.tabIndex = 0;
      canvas.canvas.setAttribute("aria-describedby", hintId);
    }
    rows[name] = { row, title, facts, canvas, grid: null };
  }
  const fcRow = el("section", { class: "cf-row cf-fc" });
  const fcHead = el(H, { class: "cf-row-head" });
  fcRow.append(fcHead);
  flow.append(fcRow);

  // ---- close-up and calculator ----------------------------------------------------------------
  const close = el("section", { class: "cf-closeup", "aria-label": "Close-up of the chosen cell" });
  const calc = el("section", { class: "cf-calc", "aria-label": "Parameter calculator" });
  stage.append(top, flow, close, calc);

  // ---- colours --------------------------------------------------------------------------------
  const table = themeDiverging("--series-sigmoid", "--series-tanh");
  const off = document.createElement("canvas"); // one scratch plane, drawn from at once

  // ---- maps -----------------------------------------------------------------------------------
  function mapsOf(name) {
    if (!frame) return null;
    if (name === "input") return { data: frame.arrays.input.data, shape: [1, 28, 28], signed: false };
    const a = frame.arrays[name];
    return a ? { data: a.data, shape: a.shape, signed: true } : null;
  }
  /** Maps in columns of about 52 px (at least 4 a row, at most 16). */
  function gridFor(C, w) {
    const cols = C === 1 ? 1 : Math.min(C, Math.max(4, Math.floor(w / 52)));
    const rowsN = Math.ceil(C / cols);
    const size = Math.max(4, Math.floor((w - (cols - 1) * GAP) / cols));
    return { cols, rows: rowsN, size };
  }
  /** The input in grey: the panel colour for no ink through the text colour for full ink. */
  function greys(c) {
    const [p, f] = [rgb(c.panel), rgb(c.fg)], g = new Uint8ClampedArray(256 * 3);
    for (let q = 0; q < 256; q++) for (let k = 0; k < 3; k++) g[3 * q + k] = p[k] + ((f[k] - p[k]) * q) / 255;
    return g;
  }
  function drawMaps(name) {
    return (c2d, w, h, c) => {
      const m = mapsOf(name), r = rows[name];
      if (!m) return;
      const [C, H, W] = m.shape, g = gridFor(C, w);
      r.grid = g;
      const want = `${(g.cols * (g.size + GAP)) / (g.rows * (g.size + GAP) * (H / W))}`;
      if (r.canvas.canvas.style.aspectRatio !== want) r.canvas.canvas.style.aspectRatio = want;
      const tab = m.signed ? table(c) : greys(c);
      c2d.imageSmoothingEnabled = false;
      const cellH = g.size * (H / W);
      for (let k = 0; k < C; k++) {
        const x = (k % g.cols) * (g.size + GAP), y = Math.floor(k / g.cols) * (cellH + GAP);
        c2d.drawImage(planeCanvas(m.data, k * H * W, H, W, tab, off), x, y, g.size, cellH);
      }
      highlight(name, c2d, g, H, W, c);
    };
  }
  /** The chosen cell (on its stage) and the input it reads (on the stage before). */
  function highlight(name, c2d, g, H, W, c) {
    if (!values || !frame) return;
    const st = values.stage, up = frame.meta.closeup, cellH = g.size * (H / W), px = g.size / W;
    const box = (k, r0, r1, c0, c1, colour) => {
      const x = (k % g.cols) * (g.size + GAP), y = Math.floor(k / g.cols) * (cellH + GAP);
      c2d.strokeStyle = colour; c2d.lineWidth = 2;
      c2d.strokeRect(x + c0 * px - 1, y + r0 * px - 1, (c1 - c0) * px + 2, (r1 - r0) * px + 2);
    };
    const ch = Number(values.channel), row = Number(values.row), col = Number(values.col);
    if (name === st) box(ch, row, row + 1, col, col + 1, c.get("--focus"));
    if (up && up.source === name) {
      const k0 = up.kind === "conv" ? 0 : ch, k1 = up.kind === "conv" ? frame.meta.stages.find((s) => s.name === name)?.shape?.[0] ?? 1 : ch + 1;
      const [r0, r1] = up.rows || [row, row + 1], [c0, c1] = up.cols || [col, col + 1];
      for (let k = k0; k < Math.max(k1, name === "input" ? 1 : k1); k++) box(name === "input" ? 0 : k, r0, r1, c0, c1, c.get("--accent"));
    }
  }
  for (const name of MAP_STAGES) rows[name].canvas.setDraw(drawMaps(name));

  /** (stage cell) under a point of a stage's canvas, or null. */
  function cellAt(name, x, y) {
    const m = mapsOf(name), g = rows[name].grid;
    if (!m || !g) return null;
    const [C, H, W] = m.shape, cellH = g.size * (H / W);
    const gc = Math.floor(x / (g.size + GAP)), gr = Math.floor(y / (cellH + GAP));
    const k = gr * g.cols + gc;
    if (gc >= g.cols || k >= C) return null;
    const cx = Math.floor(((x - gc * (g.size + GAP)) / g.size) * W), cy = Math.floor(((y - gr * (cellH + GAP)) / cellH) * H);
    if (cx < 0 || cy < 0 || cx >= W || cy >= H) return null;
    return { channel: k, row: cy, col: cx, value: name === "input" ? m.data[cy * W + cx] / 255 : (m.data[k * H * W + cy * W + cx] - 128) * stageScale(name) };
  }
  const stageScale = (name) => frame.meta.stages.find((s) => s.name === name)?.scale ?? 1;
  const reads = [], clicks = [];
  for (const name of MAP_STAGES) {
    const cv = rows[name].canvas.canvas;
    reads.push(readout(root, cv, (x, y) => {
      const cell = cellAt(name, x, y);
      if (!cell) return "";
      return name === "input" ? `Input pixel (${cell.row}, ${cell.col}): ${num(cell.value)}`
        : `${stageLabel(name)}, map ${cell.channel}, row ${cell.row}, column ${cell.col}: ${num(cell.value)} (click for the close-up)`;
    }));
    if (name === "input") continue;
    const onClick = (ev) => {
      const r = cv.getBoundingClientRect(), cell = cellAt(name, ev.clientX - r.left, ev.clientY - r.top);
      if (cell) sim.set({ stage: name, channel: cell.channel, row: cell.row, col: cell.col });
    };
    const onKey = (ev) => {
      const m = mapsOf(name);
      if (!m) return;
      const [C, H, W] = m.shape, same = values.stage === name;
      let ch = same ? Number(values.channel) : 0, r = same ? Number(values.row) : Math.floor(H / 2), c = same ? Number(values.col) : Math.floor(W / 2);
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (ev.key in moves) { r = Math.max(0, Math.min(H - 1, r + moves[ev.key][0])); c = Math.max(0, Math.min(W - 1, c + moves[ev.key][1])); }
      else if (ev.key === "PageDown" || ev.key === "]") ch = (ch + 1) % C;
      else if (ev.key === "PageUp" || ev.key === "[") ch = (ch + C - 1) % C;
      else if (ev.key !== "Enter") return;
      ev.preventDefault();
      sim.set({ stage: name, channel: ch, row: r, col: c });
    };
    cv.addEventListener("click", onClick); cv.addEventListener("keydown", onKey);
    clicks.push(() => { cv.removeEventListener("click", onClick); cv.removeEventListener("keydown", onKey); });
  }
  const stageLabel = (name) => frame?.meta.stages.find((s) => s.name === name)?.label || name;

  // ---- probabilities --------------------------------------------------------------------------
  probs.setDraw((c2d, w, h, c) => {
    if (!frame) return;
    const p = frame.arrays.probs.data, best = frame.meta.prediction, n = p.length;
    const left = 18, bw = (w - left - 4) / n, base = h - 20;
    c2d.font = font(12); c2d.textAlign = "center"; c2d.textBaseline = "top";
    for (let i = 0; i < n; i++) {
      const x = left + i * bw, bh = Math.max(1, p[i] * (base - 14));
      c2d.fillStyle = i === best ? c.get("--series-tanh") : c.get("--series-sigmoid");
      c2d.globalAlpha = i === best ? 1 : 0.55;
      c2d.fillRect(x + 2, base - bh, bw - 4, bh);
      c2d.globalAlpha = 1; c2d.fillStyle = c.text;
      c2d.fillText(String(i), x + bw / 2, base + 3);
    }
    c2d.strokeStyle = c.axis; c2d.beginPath(); c2d.moveTo(left, base + 0.5); c2d.lineTo(w - 4, base + 0.5); c2d.stroke();
    c2d.textAlign = "left"; c2d.fillStyle = c.muted; c2d.fillText("1", 2, 6); c2d.fillText("0", 2, base - 12);
  });

  // ---- the pad ----------------------------------------------------------------------------------
  let sending = false, again = null;
  async function send(pixels) {
    if (sending) { again = pixels; return; } // one encoding at a time; the latest wins
    sending = true;
    const code = await encodePixels(pixels);
    sending = false;
    sim.set({ source: "drawing", drawing: code });
    if (again) { const next = again; again = null; send(next); }
  }
  const pad = drawingPad(padCanvas, {
    onStart() { if (values.source !== "drawing") padNote.textContent = "Your drawing (started from the digit shown)."; },
    onInk(pixels) { send(new Uint8Array(pixels)); },
  });
  const onClear = () => { pad.clear(); sim.set({ source: "drawing", drawing: "" }); };
  clearBtn.addEventListener("click", onClear);

  // ---- rendering ------------------------------------------------------------------------------
  function renderRows(m) {
    const info = Object.fromEntries(m.stages.map((s) => [s.name, s]));
    rows.input.title.textContent = "Input (prepared as MNIST's digits were)";
    rows.input.facts.textContent = "28 × 28 × 1";
    let prev = [1, 28, 28];
    for (const name of MAP_STAGES.slice(1)) {
      const s = info[name], sh = s.shape;
      rows[name].title.textContent = s.label;
      const from = `${prev[1]}×${prev[2]}×${prev[0]}`, to = `${sh[1]}×${sh[2]}×${sh[0]}`;
      rows[name].facts.textContent = `${from} → ${to} · ${big(s.params)} parameters · receptive field ${s.receptive_field} px`;
      prev = sh;
    }
    const fc = info.fc;
    fcHead.textContent = `${fc.label}: ${prev[1]}×${prev[2]}×${prev[0]} = ${big(prev[0] * prev[1] * prev[2])} features → 10 scores · ${big(fc.params)} parameters · softmax → probabilities`;
  }
  function grid3(rowsData, cls) {
    const t = el("table", { class: `cf-grid ${cls}` });
    for (const r of rowsData) {
      const tr = el("tr");
      for (const v of r) tr.append(el("td", {}, num(v)));
      t.append(tr);
    }
    return t;
  }
  function renderCloseup(m) {
    const up = m.closeup, name = values.stage, label = stageLabel(name);
    const where = up.kind === "fc" ? `class ${up.class}` : `map ${values.channel}, row ${values.row}, column ${values.col}`;
    const parts = [el(H, {}, `Close-up: ${label}, ${where}`)];
    if (up.kind === "conv") {
      const C = up.patch.length;
      const partial = up.products.map((ch, k) => [k, ch.flat().reduce((a, b) => a + b, 0)]);
      const shown = [...partial].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 3);
      parts.push(el("p", {}, C === 1
        ? "The 3 × 3 patch of the input under the cell, times the filter's weights, element by element; the sum plus the bias is the cell's value."
        : `The cell reads a 3 × 3 patch in each of the ${C} maps before it. Each patch times its slice of the filter, summed: the ${shown.length} largest of the ${C} sums are shown.`));
      for (const [k, s] of shown) {
        const eq = el("div", { class: "cf-eq" });
        if (C > 1) eq.append(el("span", { class: "cf-eq-label" }, `map ${k}`));
        eq.append(grid3(up.patch[k], "cf-patch"), el("span", { class: "cf-op" }, "×"), grid3(up.kernel[k], "cf-kernel"),
          el("span", { class: "cf-op" }, "="), grid3(up.products[k], "cf-products"), el("span", { class: "cf-op" }, `Σ ${num(s)}`));
        parts.push(eq);
      }
      const rest = partial.filter(([k]) => !shown.some(([j]) => j === k)).reduce((a, [, s]) => a + s, 0);
      const sumText = C > 1 ? `${shown.map(([, s]) => num(s)).join(" + ")} + ${num(rest)} (the other ${C - shown.length} maps)` : num(up.sum);
      parts.push(el("p", { class: "cf-total" }, `Sum ${sumText} = ${num(up.sum)}; plus bias ${num(up.bias)} = ${num(up.result)}. The map holds ${num(up.value)}.`));
    } else if (up.kind === "relu") {
      parts.push(el("p", { class: "cf-total" }, `ReLU keeps positive values and zeroes the rest: max(0, ${num(up.input)}) = ${num(up.result)}.`));
    } else if (up.kind === "pool") {
      const eq = el("div", { class: "cf-eq" });
      eq.append(grid3(up.window, "cf-patch"), el("span", { class: "cf-op" }, `max = ${num(up.result)}`));
      parts.push(el("p", {}, "Max-pooling keeps the largest value of each 2 × 2 window: the map halves in size, and a feature found anywhere in the window survives."), eq);
    } else {
      const list = el("table", { class: "cf-contrib" });
      list.append(el("caption", {}, `The ${up.contributions.length} largest of ${big(up.features)} contributions (feature × weight)`));
      for (const c of up.contributions) {
        const tr = el("tr");
        tr.append(el("td", {}, `feature ${c.feature}`), el("td", {}, num(c.value)), el("td", {}, "×"), el("td", {}, num(c.weight)), el("td", {}, "="), el("td", {}, num(c.product)));
        list.append(tr);
      }
      parts.push(list, el("p", { class: "cf-total" }, `All ${big(up.features)} products sum to ${num(up.sum)}; plus bias ${num(up.bias)} = ${num(up.result)}, the score of class ${up.class}. Softmax turns the ten scores into probabilities.`));
    }
    close.replaceChildren(...parts);
  }
  function renderCalc(m) {
    const k = m.calculator, v = values;
    const t = el("table", { class: "cf-calc-table" });
    t.append(el("caption", {}, `A ${v.calc_kernel} × ${v.calc_kernel} convolution with ${v.calc_filters} filters on a ${v.calc_size} × ${v.calc_size} × ${v.calc_channels} input (${big(k.inputs)} numbers), against layers with the same ${big(k.outputs)} outputs`));
    const head = el("tr");
    for (const h of ["layer", "weights", "multiply-adds"]) head.append(el("th", { scope: "col" }, h));
    t.append(head);
    const rowsData = [
      ["fully connected", big(k.dense_weights), big(k.dense_macs)],
      ["locally connected (no sharing)", big(k.local_weights), big(k.conv_macs)],
      ["convolution (shared weights)", `${big(k.conv_weights)} (${big(k.conv_params)} with biases)`, big(k.conv_macs)],
    ];
    for (const r of rowsData) {
      const tr = el("tr");
      tr.append(el("th", { scope: "row" }, r[0]), el("td", {}, r[1]), el("td", {}, r[2]));
      t.append(tr);
    }
    calc.replaceChildren(el(H, {}, "Parameter calculator"), t,
      el("p", {}, `The convolution needs ${fmt(k.ratio)} times fewer weights than the fully connected layer. Change the numbers under Settings.`));
  }
  function render(f, v) {
    frame = f; values = v;
    const m = f.meta;
    renderRows(m);
    for (const name of MAP_STAGES) rows[name].canvas.redraw();
    probs.redraw();
    if (m.blank) {
      verdictBig.textContent = "?"; verdictText.textContent = "Draw a digit on the pad.";
      delete root.dataset.prediction; delete root.dataset.confidence;
    } else {
      verdictBig.textContent = String(m.prediction);
      const truth = m.label === null ? "" : m.label === m.prediction ? ` (right: it is a ${m.label})` : ` (wrong: it is a ${m.label})`;
      verdictText.textContent = `${(100 * m.confidence).toFixed(1)} % sure${truth}`;
      root.dataset.prediction = String(m.prediction);
      root.dataset.confidence = m.confidence.toFixed(4);
    }
    if (!pad.drawing) {
      if (v.source === "sample") { pad.show(f.arrays.drawn.data); padNote.textContent = `Held-out digit ${v.sample} (never trained on); draw on it to change it.`; }
      else pad.show(f.arrays.drawn.data);
    }
    renderCloseup(m);
    renderCalc(m);
  }
  function padColours() {
    const c = probs.colors();
    pad.colours(rgb(c.fg), rgb(c.panel));
  }
  sim = instantSim(root, ctx, render);
  padColours();
  const onTheme = () => padColours();
  window.addEventListener("deepbook:theme", onTheme);
  return {
    set: sim.set,
    destroy() {
      sim.destroy(); pad.destroy(); probs.destroy();
      window.removeEventListener("deepbook:theme", onTheme);
      clearBtn.removeEventListener("click", onClear);
      for (const r of reads) r.destroy();
      for (const off of clicks) off();
      for (const name of MAP_STAGES) rows[name].canvas.destroy();
      stage.replaceChildren(); stage.classList.remove("cf-stage");
      delete root.dataset.prediction; delete root.dataset.confidence;
    },
  };
}
