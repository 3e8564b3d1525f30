// View of the `gradient_descent` live simulation. Every frame after a change carries every
// optimiser's whole path, drawn at once on the landscape (a banded map with a colour bar, the
// minima marked) and as loss against step; Play moves a marker along the same paths. Drag on the
// map (or focus it and use the arrow keys) to move the start; hovering reads out the loss there,
// or the step of the nearest path point.
import { fmt } from "../lib/controls.js";
import { VIRIDIS, fieldImage } from "../lib/colormap.js";
import { liveSim } from "../lib/sim.js";
import { axes, font, line, makeCanvas } from "../lib/plot.js";
import { readout } from "../lib/readout.js";

const MAP_PAD = { l: 34, r: 62, t: 10, b: 40 }; // the colour bar sits in the right margin
const BANDS = 16;
const same = (v) => v; // paths already in canvas pixels
const MAX_KEPT = 800; // points per drawn path, at most (see screenPaths)
const FLOOR = 1e-12; // the loss chart's floor: the engine ends a path this close to the minimum
// a coordinate to three digits; 1e-38 is zero at this map's scale
const coord = (v) => (Math.abs(v) < 5e-4 ? "0" : fmt(Number(v.toPrecision(3))));

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("gd-stage");
  const map = makeCanvas(stage, { label: "Loss landscape with every optimiser's path", className: "gd-map" });
  map.canvas.tabIndex = 0;
  const hint = document.createElement("p");
  hint.className = "visually-hidden";
  hint.id = `${ctx.key}-map-hint`;
  hint.textContent = "Drag or click to move the start point, or use the arrow keys (Shift for bigger steps).";
  stage.appendChild(hint);
  map.canvas.setAttribute("aria-describedby", hint.id);
  map.canvas.setAttribute("aria-roledescription", "start-point map");
  const loss = makeCanvas(stage, { label: "Loss against step, log scale", className: "gd-loss" });
  const legend = document.createElement("ul");
  legend.className = "gd-legend";
  legend.setAttribute("aria-label", "Optimisers");
  stage.appendChild(legend);

  const field = document.createElement("canvas");
  let meta = null, step = 0, n = 0, extent = 3, fieldKey = "", range = [0, 1];
  let raw = null, legendText = "", cols = [], said = "";

  function box(w, h) {
    const s = Math.max(40, Math.min(w - MAP_PAD.l - MAP_PAD.r, h - MAP_PAD.t - MAP_PAD.b));
    return { x: MAP_PAD.l, y: MAP_PAD.t, w: s, h: s };
  }
  const at = (k, i, c) => cols[k][c][i]; // optimiser k, step i: x (c = 0), y (1), loss (2)
  const playing = () => step > 0 && step < n;

  function colourBar(c2d, b, c) {
    // the map's colours are bands of log(1 + loss): ticks at round losses inside its range
    const x = b.x + b.w + 10, w = 12, [lo, hi] = range, span = hi - lo || 1;
    for (let i = 0; i < b.h; i++) {
      const u = 1 - i / b.h, level = Math.min(BANDS - 1, Math.floor(u * BANDS));
      const k = 3 * Math.round((level / (BANDS - 1)) * 255);
      c2d.fillStyle = `rgb(${VIRIDIS[k]},${VIRIDIS[k + 1]},${VIRIDIS[k + 2]})`;
      c2d.fillRect(x, b.y + i, w, 1.5);
    }
    c2d.save();
    c2d.strokeStyle = c.axis; c2d.strokeRect(x, b.y, w, b.h);
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "left"; c2d.textBaseline = "middle";
    const top = Math.expm1(hi);
    const marks = [0];
    for (let e = -2; 10 ** e <= top; e++) marks.push(10 ** e);
    let last = Infinity;
    for (const v of marks.filter((m) => Math.log1p(m) >= lo)) {
      const py = b.y + b.h - ((Math.log1p(v) - lo) / span) * b.h;
      if (last - py < 16) continue; // labels no closer than a line apart
      last = py;
      c2d.beginPath(); c2d.moveTo(x + w, py); c2d.lineTo(x + w + 3, py); c2d.stroke();
      c2d.fillText(v >= 1e4 ? `1e${Math.round(Math.log10(v))}` : String(v), x + w + 5, py);
    }
    c2d.textAlign = "center"; c2d.textBaseline = "bottom"; c2d.fillStyle = c.muted;
    c2d.fillText("loss", x + w / 2 + 8, b.y + b.h + 30);
    c2d.restore();
  }

  function marker(c2d, kind, px, py, colour, c) {
    c2d.save();
    c2d.lineWidth = 2; c2d.strokeStyle = "#fff"; c2d.fillStyle = colour;
    c2d.beginPath();
    if (kind === "diverged") {
      for (const s of [3, 1.5]) {
        c2d.lineWidth = s * 1.5; c2d.strokeStyle = s === 3 ? "rgba(0,0,0,0.6)" : colour;
        c2d.beginPath(); c2d.moveTo(px - 6, py - 6); c2d.lineTo(px + 6, py + 6); c2d.moveTo(px + 6, py - 6); c2d.lineTo(px - 6, py + 6); c2d.stroke();
      }
    } else if (kind === "start") {
      c2d.rect(px - 5, py - 5, 10, 10); c2d.fillStyle = c.fg; c2d.fill(); c2d.stroke();
    } else if (kind === "minimum") {
      for (let i = 0; i < 10; i++) { // a five-pointed star
        const r = i % 2 ? 3.5 : 8, a = (i * Math.PI) / 5 - Math.PI / 2;
        c2d.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
      }
      c2d.closePath(); c2d.strokeStyle = "#000"; c2d.lineWidth = 3.5; c2d.stroke();
      c2d.strokeStyle = "#fff"; c2d.lineWidth = 1.5; c2d.stroke(); // hollow: an end point shows through
    } else {
      c2d.arc(px, py, kind === "now" ? 6 : 4.5, 0, 2 * Math.PI); c2d.fill(); c2d.stroke();
    }
    c2d.restore();
  }

  // Drawing 3,000-point paths for every played frame would cost tens of milliseconds of raster,
  // so each picture keeps layers: the still part (map, axes, faint paths, loss curves) is drawn
  // once per set of paths, size and theme; Play adds only the newly walked segments to the
  // "walked" layers; each display frame then stacks the layers and draws the markers.
  let version = 0; // bumped by every set of paths
  const mapLayers = { key: "", still: null, faint: null, under: null, over: null, upto: -1, dots: [] };
  const lossLayers = { key: "", still: null, X: null, b: null };

  function layer(w, h) {
    const cv = document.createElement("canvas"), dpr = window.devicePixelRatio || 1;
    cv.width = Math.max(1, Math.round(w * dpr)); cv.height = Math.max(1, Math.round(h * dpr));
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return g;
  }
  const layerKey = (w, h, c) => `${w}x${h}@${window.devicePixelRatio}|${font(12)}|${version}|${c.fg}|${meta.optimisers.map((o) => c.series(o.id)).join()}`;

  /** Each path's points as map pixels, keeping a point only once it is `gap` px from the last
   *  kept one (and always the last): [step indices, x pixels, y pixels] per optimiser. The gap
   *  starts at 1.5 px and widens until a path keeps at most MAX_KEPT points: a noisy run of
   *  thousands of steps is a cloud whose every wiggle would cost raster time, not information. */
  function screenPaths(X, Y) {
    return meta.optimisers.map((o, k) => {
      const [xs, ys] = cols[k];
      for (let gap = 1.5; ; gap *= 1.5) {
        const idx = [], px = [], py = [], g2 = gap * gap;
        for (let i = 0; i <= n; i++) {
          const x = X(xs[i]), y = Y(ys[i]), j = px.length - 1;
          if (i === 0 || i === n || (x - px[j]) ** 2 + (y - py[j]) ** 2 >= g2) { idx.push(i); px.push(x); py.push(y); }
        }
        if (idx.length <= MAX_KEPT || gap > 20) return [idx, px, py];
      }
    });
  }

  function drawMap(c2d, w, h, c) {
    if (!meta) return;
    const b = box(w, h), L = mapLayers;
    const scale = (v) => (v + extent) / (2 * extent);
    const X = (x) => b.x + scale(x) * b.w, Y = (y) => b.y + b.h - scale(y) * b.h;
    const key = layerKey(w, h, c);
    if (key !== L.key) { // the still layer: the map, its axes and every path faint
      L.key = key;
      const g = L.still = layer(w, h);
      g.imageSmoothingEnabled = true;
      g.drawImage(field, b.x, b.y, b.w, b.h);
      axes(g, b, [-extent, extent], [-extent, extent], c, {});
      g.font = font(12); g.fillStyle = c.muted; g.textAlign = "center"; g.textBaseline = "bottom";
      g.fillText("x", b.x + b.w / 2, b.y + b.h + 34);
      g.textBaseline = "middle"; g.fillText("y", 8, b.y + b.h / 2);
      colourBar(g, b, c);
      L.dots = screenPaths(X, Y);
      L.faint = null; L.under = layer(w, h); L.over = layer(w, h); L.upto = 0;
    }
    const upto = playing() ? step : n;
    if (upto < n && !L.faint) { // Play: the way still to go, faint (drawn once Play needs it)
      const g = L.faint = layer(w, h);
      g.globalAlpha = 0.35;
      meta.optimisers.forEach((o, k) => line(g, b, same, same, L.dots[k][1], L.dots[k][2], c.series(o.id), { width: 2 }));
    }
    // the walked layers: a shadow and the colour, extended to where Play stands
    if (upto < L.upto) { L.under = layer(w, h); L.over = layer(w, h); L.upto = 0; }
    if (upto > L.upto) {
      meta.optimisers.forEach((o, k) => {
        const [idx, px, py] = L.dots[k];
        // from where the last picture stopped, through the kept points since, to where Play is
        const xs = [X(at(k, L.upto, 0))], ys = [Y(at(k, L.upto, 1))];
        let j = 0;
        while (j < idx.length && idx[j] <= L.upto) j++;
        for (; j < idx.length && idx[j] < upto; j++) { xs.push(px[j]); ys.push(py[j]); }
        xs.push(X(at(k, upto, 0))); ys.push(Y(at(k, upto, 1)));
        line(L.under, b, same, same, xs, ys, "rgba(0,0,0,0.55)", { width: 4.5 });
        line(L.over, b, same, same, xs, ys, c.series(o.id), { width: 2.5 });
      });
      L.upto = upto;
    }
    for (const g of [L.still, upto < n ? L.faint : null, L.under, L.over]) if (g) c2d.drawImage(g.canvas, 0, 0, w, h);
    c2d.save(); c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
    meta.optimisers.forEach((o, k) => {
      const col = c.series(o.id);
      marker(c2d, o.diverged_at === null ? "end" : "diverged", X(at(k, n, 0)), Y(at(k, n, 1)), col, c);
      if (upto < n) marker(c2d, "now", X(at(k, upto, 0)), Y(at(k, upto, 1)), col, c);
    });
    marker(c2d, "start", X(at(0, 0, 0)), Y(at(0, 0, 1)), c.fg, c);
    for (const [mx, my] of meta.minima) marker(c2d, "minimum", X(mx), Y(my), c.fg, c);
    c2d.restore();
  }

  function drawLoss(c2d, w, h, c) {
    if (!meta) return;
    const b = { x: 44, y: 20, w: w - 66, h: h - 56 }, L = lossLayers;
    const key = layerKey(w, h, c);
    if (key !== L.key) {
      L.key = key;
      const g = L.still = layer(w, h);
      // the y range comes from the runs that stayed finite: a diverged one leaves through the top
      let lo = Infinity, hi = -Infinity;
      meta.optimisers.forEach((o, k) => {
        const ls = cols[k][2], stop = o.diverged_at === null ? n : 0;
        for (let i = 0; i <= stop; i++) if (ls[i] > 0) { lo = Math.min(lo, ls[i]); hi = Math.max(hi, ls[i]); }
      });
      if (!Number.isFinite(lo)) { lo = at(0, 0, 2) / 10 || 1e-3; hi = at(0, 0, 2) * 10 || 1; }
      const y0 = Math.max(Math.log10(FLOOR), Math.floor(Math.log10(lo))), y1 = Math.max(y0 + 1, Math.ceil(Math.log10(hi)));
      const { X, Y } = axes(g, b, [0, Math.max(10, n)], [y0, y1], c, { logY: true, xLabel: "step", yLabel: "loss − minimum" });
      L.X = X; L.b = b;
      const floor = 10 ** y0;
      meta.optimisers.forEach((o, k) => {
        // per pixel column, its lowest and highest point in step order: the curve's look, cheaply
        const last = o.diverged_at === null ? n : o.diverged_at - 1, ls = cols[k][2], xs = [], ys = [];
        let colStart = 0;
        const flush = (from, to) => {
          let lo2 = from, hi2 = from;
          for (let i = from; i <= to; i++) { if (ls[i] < ls[lo2]) lo2 = i; if (ls[i] > ls[hi2]) hi2 = i; }
          for (const i of lo2 === hi2 ? [lo2] : [Math.min(lo2, hi2), Math.max(lo2, hi2)]) { xs.push(i); ys.push(Math.max(ls[i], floor)); }
        };
        for (let i = 1; i <= last + 1; i++) {
          if (i > last || Math.floor(X(i)) !== Math.floor(X(colStart))) { flush(colStart, i - 1); colStart = i; }
        }
        if (o.diverged_at !== null) { xs.push(o.diverged_at); ys.push(10 ** (y1 + 2)); } // off the top
        line(g, b, X, Y, xs, ys, c.series(o.id), { width: 2 });
      });
    }
    c2d.drawImage(L.still.canvas, 0, 0, w, h);
    if (playing()) {
      c2d.save(); c2d.strokeStyle = c.fg; c2d.setLineDash([3, 3]);
      c2d.beginPath(); c2d.moveTo(L.X(step), b.y); c2d.lineTo(L.X(step), b.y + b.h); c2d.stroke(); c2d.restore();
    }
    c2d.save(); c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "right"; c2d.textBaseline = "bottom";
    c2d.fillText(playing() ? `step ${step} of ${n}` : `${n} steps`, b.x + b.w, b.y - 4); c2d.restore();
  }

  function describe(o, k) {
    if (playing()) {
      const i = Math.min(step, o.diverged_at === null ? n : o.diverged_at - 1);
      if (o.diverged_at !== null && step >= o.diverged_at) return `${o.label}: diverged at step ${o.diverged_at}`;
      return `${o.label}, step ${step}: loss ${fmt(at(k, i, 2))} at (${coord(at(k, i, 0))}, ${coord(at(k, i, 1))})`;
    }
    if (o.diverged_at !== null) return `${o.label}: diverged at step ${o.diverged_at}`;
    if (o.reached_at !== null) return `${o.label}: at the minimum (${coord(o.x)}, ${coord(o.y)}) by step ${o.reached_at}`;
    return `${o.label}: loss ${fmt(o.loss)} at (${coord(o.x)}, ${coord(o.y)}) after ${n} steps`;
  }

  function renderLegend() {
    const lines = meta.optimisers.map(describe);
    const text = lines.join("\n");
    if (text === legendText) return;
    legendText = text;
    legend.replaceChildren(...meta.optimisers.map((o, k) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch"; sw.style.setProperty("--series", `var(--series-${o.id})`);
      const span = document.createElement("span");
      span.textContent = lines[k];
      if (lines[k].endsWith(`diverged at step ${o.diverged_at}`)) span.className = "diverged";
      li.append(sw, span);
      return li;
    }));
  }

  function render(frame) {
    const m = frame.meta;
    if (m.full) {
      const f = frame.arrays.field;
      if (m.surface !== fieldKey) { // a new landscape: paint it once
        const [rows, cols] = f.shape;
        fieldKey = m.surface; raw = f;
        const img = fieldImage(f.data, rows, cols, { bands: BANDS, scale: 3 });
        field.width = img.width; field.height = img.height;
        field.getContext("2d").putImageData(img, 0, 0);
        let lo = Infinity, hi = -Infinity;
        for (const v of f.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
        range = [lo, hi];
      }
      meta = m; extent = m.extent; n = m.length;
      version++;
      const pts = frame.arrays.points.data; // (optimiser, step, [x, y, loss])
      cols = m.optimisers.map((_, k) => [0, 1, 2].map((c) => { // each path's x, y and loss
        const out = new Float32Array(n + 1);
        for (let i = 0; i <= n; i++) out[i] = pts[3 * (k * (n + 1) + i) + c];
        return out;
      }));
      // said once per change of outcome, not for every picture of a drag
      const gone = m.optimisers.filter((o) => o.diverged_at !== null).map((o) => `${o.label} diverged at step ${o.diverged_at}.`).join(" ");
      if (gone && gone !== said) sim.say(gone);
      said = gone;
    } else if (!meta) {
      return false;
    }
    step = m.step;
    root.dataset.step = String(step);
    map.redraw(); loss.redraw(); renderLegend();
    return true;
  }

  map.setDraw(drawMap);
  loss.setDraw(drawLoss);
  const sim = liveSim(root, ctx, { render, replay: true });

  // ---- direct input: drag (or click) on the map, or arrow keys, move the start point ----------
  const clamp = (v) => Math.max(-extent, Math.min(extent, Math.round(v * 100) / 100));
  const toData = (ev) => {
    const r = map.canvas.getBoundingClientRect(), b = box(r.width, r.height);
    return [((ev.clientX - r.left - b.x) / b.w) * 2 * extent - extent, extent - ((ev.clientY - r.top - b.y) / b.h) * 2 * extent];
  };
  let dragging = false, pending = null, raf = 0;
  const moveStart = (x, y) => {
    pending = { x0: clamp(x), y0: clamp(y) };
    if (!raf) raf = requestAnimationFrame(() => { // at most one new start per display frame
      raf = 0;
      const v = sim.values();
      if (pending && (pending.x0 !== v.x0 || pending.y0 !== v.y0)) sim.set(pending);
      pending = null;
    });
  };
  const onDown = (ev) => {
    if (!meta || (ev.button > 0 && ev.pointerType === "mouse")) return;
    const [x, y] = toData(ev);
    if (Math.abs(x) > extent || Math.abs(y) > extent) return;
    dragging = true; map.canvas.setPointerCapture(ev.pointerId);
    moveStart(x, y);
  };
  const onMove = (ev) => { if (dragging) { const [x, y] = toData(ev); moveStart(x, y); } };
  const onUp = () => { dragging = false; };
  const onKey = (ev) => {
    const d = ev.shiftKey ? 0.5 : 0.1, v = sim.values();
    const moves = { ArrowLeft: [-d, 0], ArrowRight: [d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    sim.set({ x0: clamp(v.x0 + moves[ev.key][0]), y0: clamp(v.y0 + moves[ev.key][1]) });
  };
  const events = { pointerdown: onDown, pointermove: onMove, pointerup: onUp, pointercancel: onUp, keydown: onKey };
  for (const [type, fn] of Object.entries(events)) map.canvas.addEventListener(type, fn);

  // hover: the nearest path point within reach (its optimiser, step and loss), else the map's loss
  const ro = readout(root, map.canvas, (cx, cy) => {
    if (!meta || dragging) return "";
    const r = map.canvas.getBoundingClientRect(), b = box(r.width, r.height);
    const u = (cx - b.x) / b.w, v = (cy - b.y) / b.h;
    if (u < 0 || u > 1 || v < 0 || v > 1) return "";
    let best = null, bestD = 10 * 10;
    meta.optimisers.forEach((o, k) => {
      const last = o.diverged_at === null ? n : o.diverged_at - 1;
      for (let i = 0; i <= last; i++) {
        const px = b.x + ((at(k, i, 0) + extent) / (2 * extent)) * b.w, py = b.y + ((extent - at(k, i, 1)) / (2 * extent)) * b.h;
        const d = (px - cx) ** 2 + (py - cy) ** 2;
        if (d < bestD) { bestD = d; best = [o, k, i]; }
      }
    });
    if (best) {
      const [o, k, i] = best;
      return `${o.label}, step ${i}: (${coord(at(k, i, 0))}, ${coord(at(k, i, 1))}), loss ${fmt(at(k, i, 2))}`;
    }
    // the landscape's own value, interpolated from the frame's samples of log(1 + loss)
    const [rows, cols] = raw.shape, fx = u * (cols - 1), fy = (1 - v) * (rows - 1);
    const x0 = Math.floor(fx), y0 = Math.floor(fy), x1 = Math.min(cols - 1, x0 + 1), y1 = Math.min(rows - 1, y0 + 1);
    const wx = fx - x0, wy = fy - y0, d = raw.data;
    const s = (d[y0 * cols + x0] * (1 - wx) + d[y0 * cols + x1] * wx) * (1 - wy) + (d[y1 * cols + x0] * (1 - wx) + d[y1 * cols + x1] * wx) * wy;
    const x = u * 2 * extent - extent, y = extent - v * 2 * extent;
    return `(${fmt(Number(x.toFixed(2)))}, ${fmt(Number(y.toFixed(2)))}): loss ≈ ${fmt(Number(Math.expm1(s).toPrecision(2)))}`;
  });

  return {
    set: sim.set,
    destroy() {
      for (const [type, fn] of Object.entries(events)) map.canvas.removeEventListener(type, fn);
      cancelAnimationFrame(raf); ro.destroy();
      sim.destroy(); map.destroy(); loss.destroy(); legend.remove(); hint.remove();
    },
  };
}
