// View of the `activations` simulation: curves with slopes and a probe, a readout table,
// and the product of slopes through n layers as bars on a log scale.
import { fmt } from "../lib/controls.js";
import { instantSim } from "../lib/sim.js";
import { axes, font, line, makeCanvas } from "../lib/plot.js";

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("act-stage");
  const plot = makeCanvas(stage, { label: "Activation functions (solid) and their slopes (dashed)", className: "act-plot" });
  const bars = makeCanvas(stage, { label: "Product of slopes through n layers, log scale", className: "act-bars" });
  const table = document.createElement("table");
  table.className = "readout";
  table.innerHTML = "<caption class=visually-hidden>Values at the probe input</caption><thead><tr><th scope=col>function</th><th scope=col>f(z)</th><th scope=col>f′(z)</th><th scope=col>f′(z)ⁿ</th></tr></thead><tbody></tbody>";
  stage.appendChild(table);
  let frame = null, values = null;

  function drawPlot(c2d, w, h, c) {
    if (!frame) return;
    const z = frame.arrays.z.data, n = z.length;
    const fns = frame.meta.functions, Y = frame.arrays.y.data, D = frame.arrays.dy.data;
    let lo = -1.1, hi = 1.1;
    fns.forEach((_, k) => {
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, Y[k * n + i]); hi = Math.max(hi, Y[k * n + i]);
        if (values.slopes) { lo = Math.min(lo, D[k * n + i]); hi = Math.max(hi, D[k * n + i]); }
      }
    });
    const pad = 0.06 * (hi - lo);
    const box = { x: 40, y: 16, w: w - 52, h: h - 50 };
    const { X, Y: Yp } = axes(c2d, box, [z[0], z[n - 1]], [lo - pad, hi + pad], c, { xLabel: "z", yLabel: "f(z) — solid,  f′(z) — dashed" });
    fns.forEach((f, k) => {
      const col = c.series(f.id);
      if (values.slopes) line(c2d, box, X, Yp, z, D.subarray(k * n, (k + 1) * n), col, { width: 1.5, dash: [5, 4] });
      line(c2d, box, X, Yp, z, Y.subarray(k * n, (k + 1) * n), col, { width: 2.5 });
    });
    // the probe: a vertical line, a dot on each curve and its tangent (the slope made visible)
    const p = frame.meta.probe;
    c2d.save();
    c2d.beginPath(); c2d.rect(box.x, box.y, box.w, box.h); c2d.clip();
    c2d.strokeStyle = c.muted; c2d.setLineDash([2, 3]);
    c2d.beginPath(); c2d.moveTo(X(p), box.y); c2d.lineTo(X(p), box.y + box.h); c2d.stroke();
    c2d.setLineDash([]);
    const half = 0.08 * (z[n - 1] - z[0]);
    for (const f of fns) {
      c2d.strokeStyle = c.series(f.id); c2d.lineWidth = 1.5; c2d.globalAlpha = 0.8;
      c2d.beginPath(); c2d.moveTo(X(p - half), Yp(f.value - f.slope * half)); c2d.lineTo(X(p + half), Yp(f.value + f.slope * half)); c2d.stroke();
      c2d.globalAlpha = 1; c2d.fillStyle = c.series(f.id);
      c2d.beginPath(); c2d.arc(X(p), Yp(f.value), 4, 0, 2 * Math.PI); c2d.fill();
    }
    c2d.restore();
  }

  function drawBars(c2d, w, h, c) {
    if (!frame) return;
    const fns = frame.meta.functions, depth = frame.meta.depth;
    const logs = fns.map((f) => (f.product > 0 ? Math.log10(f.product) : null));
    const finite = logs.filter((v) => v !== null);
    const lo = Math.min(-3, Math.floor(Math.min(...finite, 0)) - 1), hi = Math.max(1, Math.ceil(Math.max(...finite, 0)) + 1);
    const box = { x: 90, y: 22, w: w - 170, h: h - 52 };
    c2d.save();
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textBaseline = "bottom";
    c2d.fillText(`f′(z)ⁿ: n = ${depth} layer${depth > 1 ? "s" : ""}, z = ${fmt(frame.meta.probe)} (log scale)`, 8, 16);
    c2d.restore();
    const { X } = axes(c2d, box, [lo, hi], [0, 1], c, { yTicks: false, xFormat: (t) => (Number.isInteger(t) ? `1e${t}` : "") });
    const rowH = box.h / Math.max(fns.length, 1);
    c2d.save();
    c2d.font = font(12); c2d.textBaseline = "middle";
    fns.forEach((f, k) => {
      const yc = box.y + rowH * (k + 0.5), bh = Math.min(18, rowH * 0.6);
      c2d.fillStyle = c.text; c2d.textAlign = "right"; c2d.fillText(f.label, box.x - 6, yc);
      const end = logs[k] === null ? X(lo) : X(Math.max(lo, logs[k]));
      c2d.fillStyle = c.series(f.id);
      c2d.fillRect(Math.min(X(0), end), yc - bh / 2, Math.max(3, Math.abs(end - X(0))), bh);
      c2d.fillStyle = c.text; c2d.textAlign = "left";
      c2d.fillText(f.product === 0 ? "= 0 (dead)" : fmt(f.product), box.x + box.w + 6, yc);
    });
    c2d.strokeStyle = c.axis; c2d.beginPath(); c2d.moveTo(X(0), box.y); c2d.lineTo(X(0), box.y + box.h); c2d.stroke();
    c2d.restore();
  }

  function renderTable() {
    const rows = frame.meta.functions.map((f) =>
      `<tr><td><span class="swatch" data-series="${f.id}"></span> ${f.label}</td><td>${fmt(f.value)}</td><td>${fmt(f.slope)}</td><td>${fmt(f.product)}</td></tr>`);
    table.tBodies[0].innerHTML = rows.join("");
  }

  plot.setDraw(drawPlot);
  bars.setDraw(drawBars);
  const sim = instantSim(root, ctx, (f, v) => {
    frame = f; values = v;
    plot.redraw(); bars.redraw(); renderTable();
  });
  return { set: sim.set, destroy() { sim.destroy(); plot.destroy(); bars.destroy(); table.remove(); } };
}
