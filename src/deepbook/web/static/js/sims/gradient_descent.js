// View of the `gradient_descent` live simulation: the landscape as a banded heat map with the
// optimisers' paths, a loss-vs-step chart on a log scale, and a legend. Click the map (or focus it
// and use the arrow keys) to choose the start point.
import { fmt } from "../lib/controls.js";
import { fieldImage } from "../lib/colormap.js";
import { liveSim } from "../lib/sim.js";
import { axes, font, line, makeCanvas } from "../lib/plot.js";

const MAP_PAD = { l: 30, r: 8, t: 8, b: 24 };
const tidy = (v) => (Math.abs(v) < 1e-6 ? 0 : v); // coordinates: 1e-38 is zero on this map

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("gd-stage");
  const map = makeCanvas(stage, { label: "Loss landscape with the optimisers' paths", className: "gd-map" });
  map.canvas.tabIndex = 0;
  const hint = document.createElement("p");
  hint.className = "visually-hidden";
  hint.id = `${ctx.simId}-map-hint`;
  hint.textContent = "Click to set the start point, or use the arrow keys (Shift for bigger steps).";
  stage.appendChild(hint);
  map.canvas.setAttribute("aria-describedby", hint.id);
  map.canvas.setAttribute("aria-roledescription", "start-point map");
  const loss = makeCanvas(stage, { label: "Loss against step, log scale", className: "gd-loss" });
  const legend = document.createElement("ul");
  legend.className = "gd-legend";
  legend.setAttribute("aria-label", "Optimisers");
  stage.appendChild(legend);

  const field = document.createElement("canvas");
  let meta = null, paths = [], count = 0, extent = 3, diverged = new Set(), legendText = "";

  function box(w, h) {
    const s = Math.min(w - MAP_PAD.l - MAP_PAD.r, h - MAP_PAD.t - MAP_PAD.b);
    return { x: MAP_PAD.l, y: MAP_PAD.t, w: s, h: s };
  }

  function drawMap(c2d, w, h, c) {
    if (!meta) return;
    const b = box(w, h);
    c2d.imageSmoothingEnabled = true;
    c2d.drawImage(field, b.x, b.y, b.w, b.h);
    const { X, Y } = axes(c2d, b, [-extent, extent], [-extent, extent], c, {});
    const start = paths.length ? paths[0] : null;
    meta.optimisers.forEach((o, k) => {
      const p = paths[k];
      line(c2d, b, X, Y, p.x, p.y, "rgba(0,0,0,0.55)", { width: 4.5 });
      line(c2d, b, X, Y, p.x, p.y, c.series(o.id), { width: 2.5 });
      const px = X(p.x[p.x.length - 1]), py = Y(p.y[p.y.length - 1]);
      c2d.save(); c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
      c2d.lineWidth = 2; c2d.strokeStyle = "#fff"; c2d.fillStyle = c.series(o.id);
      if (o.diverged_at !== null) {
        c2d.strokeStyle = c.series(o.id); c2d.lineWidth = 3;
        c2d.beginPath(); c2d.moveTo(px - 6, py - 6); c2d.lineTo(px + 6, py + 6); c2d.moveTo(px + 6, py - 6); c2d.lineTo(px - 6, py + 6); c2d.stroke();
      } else {
        c2d.beginPath(); c2d.arc(px, py, 5, 0, 2 * Math.PI); c2d.fill(); c2d.stroke();
      }
      c2d.restore();
    });
    if (start) {
      c2d.save(); c2d.strokeStyle = "#fff"; c2d.lineWidth = 2;
      const sx = X(start.x[0]), sy = Y(start.y[0]);
      c2d.beginPath(); c2d.rect(sx - 5, sy - 5, 10, 10); c2d.stroke(); c2d.restore();
    }
  }

  function drawLoss(c2d, w, h, c) {
    if (!meta) return;
    const b = { x: 40, y: 18, w: w - 50, h: h - 48 };
    let lo = Infinity, hi = -Infinity;
    for (const p of paths) for (const v of p.loss) if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!Number.isFinite(lo)) { lo = 1e-3; hi = 1; }
    const y0 = Math.max(-12, Math.floor(Math.log10(lo))), y1 = Math.max(y0 + 1, Math.ceil(Math.log10(hi)));
    const steps = Math.max(20, count - 1);
    const { X, Y } = axes(c2d, b, [0, steps], [y0, y1], c, { logY: true, xLabel: "step", yLabel: "loss − minimum" });
    c2d.save(); c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "right";
    c2d.fillText(`step ${meta.step}`, b.x + b.w, b.y - 4); c2d.restore();
    meta.optimisers.forEach((o, k) => {
      const p = paths[k], n = o.diverged_at === null ? p.loss.length : Math.min(p.loss.length, o.diverged_at);
      const xs = Array.from({ length: n }, (_, i) => i);
      const ys = p.loss.slice(0, n).map((v) => Math.max(v, 10 ** y0));
      line(c2d, b, X, Y, xs, ys, c.series(o.id), { width: 2 });
    });
  }

  function renderLegend() {
    const text = meta.optimisers.map((o) => `${o.id}${o.diverged_at}${o.loss.toPrecision(3)}${o.x.toPrecision(3)}${o.y.toPrecision(3)}`).join();
    if (text === legendText) return;
    legendText = text;
    legend.replaceChildren(...meta.optimisers.map((o) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch"; sw.style.setProperty("--series", `var(--series-${o.id})`);
      const text = document.createElement("span");
      if (o.diverged_at !== null) {
        text.className = "diverged";
        text.textContent = `${o.label}: diverged at step ${o.diverged_at}`;
      } else {
        text.textContent = `${o.label}: loss ${fmt(o.loss)} at (${fmt(tidy(o.x))}, ${fmt(tidy(o.y))})`;
      }
      li.append(sw, text);
      return li;
    }));
  }

  function render(frame) {
    const m = frame.meta, pts = frame.arrays.points, [K, n] = pts.shape;
    if (m.full) {
      const f = frame.arrays.field, [rows, cols] = f.shape;
      const img = fieldImage(f.data, rows, cols, { bands: 16, scale: 3 });
      field.width = img.width; field.height = img.height;
      field.getContext("2d").putImageData(img, 0, 0);
      extent = m.extent;
      paths = m.optimisers.map(() => ({ x: [], y: [], loss: [] }));
      count = 0;
      diverged = new Set();
    } else if (!meta || m.step - n !== count - 1) {
      return false; // a delta from before the last restart
    }
    const d = pts.data;
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        const o = 3 * (k * n + i);
        paths[k].x.push(d[o]); paths[k].y.push(d[o + 1]); paths[k].loss.push(d[o + 2]);
      }
    }
    count += n;
    meta = m;
    map.redraw(); loss.redraw(); renderLegend();
    for (const o of m.optimisers) {
      if (o.diverged_at !== null && !diverged.has(o.id)) {
        diverged.add(o.id);
        sim.say(`${o.label} diverged at step ${o.diverged_at}.`);
      }
    }
    return true;
  }

  map.setDraw(drawMap);
  loss.setDraw(drawLoss);
  const sim = liveSim(root, ctx, { render });

  function moveStart(x, y) {
    const clamp = (v) => Math.max(-extent, Math.min(extent, Math.round(v * 100) / 100));
    const v = { ...sim.values(), x0: clamp(x), y0: clamp(y) };
    sim.set({ x0: v.x0, y0: v.y0 });
  }
  const onClick = (ev) => {
    const r = map.canvas.getBoundingClientRect(), b = box(r.width, r.height);
    const x = ((ev.clientX - r.left - b.x) / b.w) * 2 * extent - extent;
    const y = extent - ((ev.clientY - r.top - b.y) / b.h) * 2 * extent;
    if (Math.abs(x) <= extent && Math.abs(y) <= extent) moveStart(x, y);
  };
  const onKey = (ev) => {
    const d = ev.shiftKey ? 0.5 : 0.1, v = sim.values();
    const moves = { ArrowLeft: [-d, 0], ArrowRight: [d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    moveStart(v.x0 + moves[ev.key][0], v.y0 + moves[ev.key][1]);
  };
  map.canvas.addEventListener("click", onClick);
  map.canvas.addEventListener("keydown", onKey);
  return {
    set: sim.set,
    destroy() {
      map.canvas.removeEventListener("click", onClick); map.canvas.removeEventListener("keydown", onKey);
      sim.destroy(); map.destroy(); loss.destroy(); legend.remove(); hint.remove();
    },
  };
}
