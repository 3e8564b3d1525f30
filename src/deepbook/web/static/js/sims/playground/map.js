// The playground's large map: the network's output over [-6, 6]² (2-class score, 3-class
// probabilities blended from the class colours, or a regression value), the data on it
// (training filled, test hollow), or — while a neuron is hovered in the diagram — that neuron's
// own map, upscaled, with a label. A readout names the value under the pointer; when the data
// are the reader's own points, a click adds one of the chosen class and Shift+click (or a long
// press) removes the nearest; arrow keys move a cursor, Enter adds, Delete removes.
import { font, makeCanvas } from "../../lib/plot.js";
import { pointEditor } from "../../lib/pointedit.js";
import { readout } from "../../lib/readout.js";
import { CLASS_NAMES, EXTENT, el, paints, show } from "./util.js";

const PAD = { l: 24, r: 6, t: 6, b: 20 };
const TICKS = [-6, -3, 0, 3, 6];

/** The map under `parent`. `state()` gives the latest figures ({meta, output, points, neurons,
 *  neuronScale, features, featureScale, values}); `edit` adds or removes points (or says why
 *  not). */
export function outputMap(parent, root, ctx, { state, edit }) {
  const wrap = el("div", { class: "pg-mapwrap" });
  parent.append(wrap);
  const hint = el("p", { class: "visually-hidden", id: `${ctx.key}-pg-map-hint` },
    "Arrow keys move a cursor over the map and read the value under it (Shift for larger steps). "
    + "With 'Your points' as the data, click to add a point of the chosen class, Shift+click "
    + "removes the nearest; at the cursor, Enter adds and Delete removes.");
  wrap.append(hint);
  const map = makeCanvas(wrap, { label: "Output of the network over the plane, with the data", className: "pg-map" });
  map.canvas.tabIndex = 0;
  map.canvas.setAttribute("aria-describedby", hint.id);
  const paint = paints();
  const grid = document.createElement("canvas"); // G × G output picture, redrawn each frame
  const small = document.createElement("canvas"); // M × M: the neuron or feature on show
  let outImg = null, smallImg = null, dirty = true, lutKey = null;
  let focus = null; // {kind: "neuron" | "feature", index, label} shown instead of the output
  const pen = { cursor: null }; // the keyboard cursor, data coordinates

  const span = EXTENT[1] - EXTENT[0];
  function box(w, h) {
    const s = Math.max(10, Math.min(w - PAD.l - PAD.r, h - PAD.t - PAD.b));
    return { x: PAD.l + Math.max(0, (w - PAD.l - PAD.r - s) / 2), y: PAD.t, w: s, h: s };
  }
  const toPx = (x, y, b) => [b.x + ((x - EXTENT[0]) / span) * b.w, b.y + ((EXTENT[1] - y) / span) * b.h];
  const toData = (px, py, b) => [EXTENT[0] + ((px - b.x) / b.w) * span, EXTENT[1] - ((py - b.y) / b.h) * span];
  const inside = (x, y) => x >= EXTENT[0] && x <= EXTENT[1] && y >= EXTENT[0] && y <= EXTENT[1];

  // ---- pictures -----------------------------------------------------------------------------
  function paintOutput(p) {
    const s = state(), out = s.output, G = s.meta.grid, kind = s.meta.output, disc = s.values.discretise;
    if (!outImg || outImg.width !== G) { outImg = new ImageData(G, G); grid.width = G; grid.height = G; }
    const px = outImg.data, lut = p.soft, cls = p.softClasses, panel = p.panel;
    for (let r = 0; r < G; r++) {
      const row = 4 * (G - 1 - r) * G; // row 0 is the lowest y: drawn at the bottom
      for (let c = 0; c < G; c++) {
        const i = r * G + c, o = row + 4 * c;
        if (kind === "probs") {
          const a = out[3 * i], b = out[3 * i + 1], d = out[3 * i + 2];
          const top = a >= b && a >= d ? 0 : b >= d ? 1 : 2;
          if (disc) { const k = cls[top]; px[o] = k[0]; px[o + 1] = k[1]; px[o + 2] = k[2]; }
          else {
            // the probability-weighted class colour, faded to the panel as the top one falls
            const fade = Math.min(1, Math.max(0, 1 - (Math.max(a, b, d) - 1 / 3) * 1.5)) * 0.8;
            for (let q = 0; q < 3; q++) {
              const v = a * cls[0][q] + b * cls[1][q] + d * cls[2][q];
              px[o + q] = v + (panel[q] - v) * fade;
            }
          }
        } else {
          const v = out[i];
          const t = disc ? (v > 0 ? 1 : 0) : Math.min(1, Math.max(0, (v + 1) / 2));
          const k = 3 * Math.round((Number.isFinite(t) ? t : 0.5) * 255);
          px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2];
        }
        px[o + 3] = 255;
      }
    }
    grid.getContext("2d").putImageData(outImg, 0, 0);
  }

  /** An M × M uint8 map (0 ↔ −s, 255 ↔ +s) through a table, into `canvas` (row 0 at the bottom). */
  function paintSmall(data, M, lut) {
    if (!smallImg || smallImg.width !== M) { smallImg = new ImageData(M, M); small.width = M; small.height = M; }
    const px = smallImg.data;
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < M; c++) {
        const k = 3 * data[r * M + c], o = 4 * ((M - 1 - r) * M + c);
        px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2]; px[o + 3] = 255;
      }
    }
    small.getContext("2d").putImageData(smallImg, 0, 0);
  }

  function focusData(s) {
    if (!focus) return null;
    const src = focus.kind === "neuron" ? s.neurons : s.features;
    if (!src || focus.index >= src.shape[0]) return null;
    const M = src.shape[1];
    return { data: src.data.subarray(focus.index * M * M, (focus.index + 1) * M * M), M };
  }

  function drawPoints(c2d, b, p, s) {
    const pts = s.points;
    if (!pts) return;
    const d = pts.data, n = pts.shape[0], nTrain = s.meta.n_train, k = s.meta.classes;
    const showTest = s.values.show_test, r = Math.max(2.2, Math.min(4.6, b.w / 95));
    c2d.save();
    c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
    // one path per colour and kind: 500 points cost a handful of fills
    const groups = k ? k : 9;
    for (let g = 0; g < groups; g++) {
      let color;
      if (k) color = p.classCss[g];
      else { const o = 3 * Math.round((g / 8) * 255); color = `rgb(${p.strong[o]},${p.strong[o + 1]},${p.strong[o + 2]})`; }
      for (const test of [false, true]) {
        if (test && !showTest) continue;
        c2d.beginPath();
        const from = test ? nTrain : 0, to = test ? n : nTrain;
        for (let i = from; i < to; i++) {
          const lab = d[3 * i + 2];
          const grp = k ? lab : Math.round((Math.min(1, Math.max(-1, lab)) + 1) * 4);
          if (grp !== g) continue;
          const [x, y] = toPx(d[3 * i], d[3 * i + 1], b);
          c2d.moveTo(x + r, y); c2d.arc(x, y, r, 0, 2 * Math.PI);
        }
        if (test) { c2d.fillStyle = `rgb(${p.panel})`; c2d.fill(); c2d.lineWidth = 1.8; c2d.strokeStyle = color; c2d.stroke(); }
        else { c2d.fillStyle = color; c2d.fill(); c2d.lineWidth = 1; c2d.strokeStyle = `rgb(${p.panel})`; c2d.stroke(); }
      }
    }
    c2d.restore();
  }

  function draw(c2d, w, h, c) {
    const s = state();
    const b = box(w, h), p = paint(c);
    if (!s) { c2d.fillStyle = c.bg; c2d.fillRect(b.x, b.y, b.w, b.h); return; }
    if (p !== lutKey) { lutKey = p; dirty = true; }
    if (dirty) { paintOutput(p); dirty = false; }
    c2d.imageSmoothingEnabled = true;
    const f = focusData(s);
    if (f) {
      paintSmall(f.data, f.M, p.soft);
      c2d.drawImage(small, b.x, b.y, b.w, b.h);
    } else {
      c2d.drawImage(grid, b.x, b.y, b.w, b.h);
    }
    drawPoints(c2d, b, p, s);
    // frame and ticks
    c2d.strokeStyle = c.axis; c2d.lineWidth = 1; c2d.strokeRect(b.x + 0.5, b.y + 0.5, b.w - 1, b.h - 1);
    c2d.font = font(12); c2d.fillStyle = c.text;
    c2d.textAlign = "center"; c2d.textBaseline = "top";
    for (const t of TICKS) c2d.fillText(String(t), toPx(t, 0, b)[0], b.y + b.h + 4);
    c2d.textAlign = "right"; c2d.textBaseline = "middle";
    for (const t of TICKS) c2d.fillText(String(t), b.x - 4, toPx(0, t, b)[1]);
    if (f) {
      c2d.font = font(12);
      const label = `${focus.label} (hovered)`, tw = c2d.measureText(label).width;
      c2d.fillStyle = `rgb(${p.panel.join(" ")} / 0.88)`;
      c2d.fillRect(b.x + 6, b.y + 6, tw + 14, 22);
      c2d.fillStyle = c.fg; c2d.textAlign = "left"; c2d.textBaseline = "middle";
      c2d.fillText(label, b.x + 13, b.y + 17);
    }
    if (pen.cursor) {
      const [x, y] = toPx(pen.cursor[0], pen.cursor[1], b);
      c2d.save(); c2d.strokeStyle = c.get("--focus"); c2d.lineWidth = 2;
      c2d.beginPath(); c2d.moveTo(x - 9, y); c2d.lineTo(x + 9, y); c2d.moveTo(x, y - 9); c2d.lineTo(x, y + 9); c2d.stroke();
      c2d.beginPath(); c2d.arc(x, y, 6, 0, 2 * Math.PI); c2d.stroke(); c2d.restore();
    }
  }
  map.setDraw(draw);

  // ---- reading values -----------------------------------------------------------------------
  function cell(x, y, n) {
    const col = Math.round(((x - EXTENT[0]) / span) * n - 0.5), row = Math.round(((y - EXTENT[0]) / span) * n - 0.5);
    return [Math.min(n - 1, Math.max(0, row)), Math.min(n - 1, Math.max(0, col))];
  }
  function readAt(x, y) {
    const s = state();
    if (!s || !inside(x, y)) return "";
    const at = `(${x.toFixed(2)}, ${y.toFixed(2)})`;
    const f = focusData(s);
    if (f) {
      const [r, c] = cell(x, y, f.M), q = f.data[r * f.M + c];
      const scales = focus.kind === "neuron" ? s.neuronScale : s.featureScale;
      const sc = scales ? scales[focus.index] : 1;
      return `${focus.label} at ${at}: ${show(((q - 127.5) / 127.5) * sc)}`;
    }
    const G = s.meta.grid, [r, c] = cell(x, y, G), i = r * G + c, out = s.output;
    if (s.meta.output === "probs") {
      const ps = [out[3 * i], out[3 * i + 1], out[3 * i + 2]];
      const top = ps.indexOf(Math.max(...ps));
      return `Output at ${at}: P = ${ps.map((v) => v.toFixed(2)).join(" / ")} → class ${top} (${CLASS_NAMES[top]})`;
    }
    const v = out[i];
    if (s.meta.output === "value") return `Output at ${at}: ${show(v)}`;
    const what = s.meta.loss === "cross_entropy" ? "P(class 1) − P(class 0)" : "output";
    const cls = v > 0 ? 1 : 0;
    return `Output at ${at}: ${what} = ${show(v)} → class ${cls} (${CLASS_NAMES[cls]})`;
  }
  const pointerData = (ev) => {
    const r = map.canvas.getBoundingClientRect(), b = box(r.width, r.height);
    return toData(ev.clientX - r.left, ev.clientY - r.top, b);
  };
  const read = readout(root, map.canvas, (px, py) => {
    const r = map.canvas.getBoundingClientRect(), b = box(r.width, r.height);
    return readAt(...toData(px, py, b));
  });

  // ---- editing the reader's points ------------------------------------------------------------
  const cv = map.canvas;
  const editor = pointEditor(cv, {
    state: pen,
    extent: EXTENT,
    at: (ev) => { const q = pointerData(ev); return inside(...q) ? q : null; },
    add: (x, y) => edit.add(x, y),
    remove: (x, y) => edit.remove(x, y),
    moved: () => { map.redraw(); read.show(pen.cursor ? `Cursor: ${readAt(...pen.cursor)}` : ""); },
    dismiss: true,
  });

  return {
    wrap,
    canvas: cv,
    picture: grid,
    /** New figures: repaint the output picture and draw. */
    update() { dirty = true; map.redraw(); },
    /** Show a neuron's or a feature's map instead of the output (null: the output again). */
    focus(what) {
      const same = (focus && what && focus.kind === what.kind && focus.index === what.index) || (!focus && !what);
      focus = what;
      if (!same) map.redraw();
    },
    /** Editable (the reader's points) or not: the pointer and the description say which. */
    editable(on) {
      cv.classList.toggle("pg-editable", on);
      if (on) cv.setAttribute("aria-roledescription", "editable plot");
      else cv.removeAttribute("aria-roledescription");
    },
    destroy() {
      editor.destroy();
      read.destroy(); map.destroy(); wrap.remove();
    },
  };
}
