// View of the `activations` simulation: curves with slopes and a probe, a readout table,
// and the product of slopes through n layers as bars on a log scale.
import { fmt, setParam } from "../lib/controls.js";
import { instantSim } from "../lib/sim.js";
import { axes, font, line, makeCanvas } from "../lib/plot.js";
import { readout } from "../lib/readout.js";

const RANGE_GAP = 0.5; // the z range never closes: "z from" stays this far below "z to"

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("act-stage");
  const plot = makeCanvas(stage, { label: "Activation functions (solid) and their slopes (dashed)", className: "act-plot" });
  const bars = makeCanvas(stage, { label: "Product of slopes through n layers, log scale", className: "act-bars" });
  const table = document.createElement("table");
  table.className = "readout";
  table.innerHTML = "<caption class=visually-hidden>Values at the probe input</caption><thead><tr><th scope=col>function</th><th scope=col>f(z)</th><th scope=col>f′(z)</th><th scope=col>f′(z)ⁿ</th></tr></thead><tbody></tbody>";
  stage.appendChild(table);
  let frame = null, values = null, geom = null;
  const hintId = `${ctx.key}-act-hint`;
  const hint = document.createElement("p");
  hint.className = "visually-hidden"; hint.id = hintId;
  hint.textContent = "Drag on the plot, or use the left and right arrow keys, to move the probe z (Shift: farther).";
  stage.prepend(hint);
  plot.canvas.tabIndex = 0;
  plot.canvas.setAttribute("aria-describedby", hintId);
  plot.canvas.classList.add("act-draggable");

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
    geom = { box, z0: z[0], z1: z[n - 1] };
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
      // from the axis's left end: a longer bar is a larger product (a vanishing one is short)
      const end = logs[k] === null ? X(lo) : X(Math.max(lo, logs[k]));
      c2d.fillStyle = c.series(f.id);
      c2d.fillRect(X(lo), yc - bh / 2, Math.max(3, end - X(lo)), bh);
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
  // ---- direct input: drag or keys on the plot move the probe; the z range cannot close ----------
  const zAt = (clientX) => {
    const r = plot.canvas.getBoundingClientRect(), { box, z0, z1 } = geom;
    const z = z0 + ((clientX - r.left - box.x) / box.w) * (z1 - z0);
    return Math.round(Math.max(z0, Math.min(z1, z)) * 20) / 20; // the slider's 0.05 steps
  };
  let dragging = false;
  plot.canvas.addEventListener("pointerdown", (ev) => {
    if (!geom || (ev.button > 0 && ev.pointerType === "mouse")) return;
    dragging = true; plot.canvas.setPointerCapture(ev.pointerId);
    sim.set({ probe: zAt(ev.clientX) });
  });
  plot.canvas.addEventListener("pointermove", (ev) => { if (dragging) sim.set({ probe: zAt(ev.clientX) }); });
  const end = () => { dragging = false; };
  plot.canvas.addEventListener("pointerup", end);
  plot.canvas.addEventListener("pointercancel", end);
  plot.canvas.addEventListener("keydown", (ev) => {
    const d = { ArrowLeft: -1, ArrowRight: 1 }[ev.key];
    if (!d || !geom) return;
    ev.preventDefault();
    const p = Number(sim.values().probe) + d * (ev.shiftKey ? 1 : 0.1);
    sim.set({ probe: Math.round(Math.max(geom.z0, Math.min(geom.z1, p)) * 20) / 20 });
  });
  const ro = readout(root, plot.canvas, (x) => {
    if (!frame || !geom) return "";
    const { box, z0, z1 } = geom;
    if (x < box.x || x > box.x + box.w) return "";
    const z = frame.arrays.z.data, n = z.length, i = Math.round(((x - box.x) / box.w) * (n - 1));
    const at = frame.meta.functions.map((f, k) =>
      `${f.label} ${fmt(frame.arrays.y.data[k * n + i])} (slope ${fmt(frame.arrays.dy.data[k * n + i])})`);
    void z0; void z1;
    return `z = ${fmt(z[i])}: ${at.join("; ")}`;
  });
  // runs before the form's own listener (capture), so the request already has a valid range
  const onRange = (ev) => {
    const name = ev.target.name;
    if (name !== "z_min" && name !== "z_max") return;
    const form = sim.form, lo = Number(form.elements.z_min.value), hi = Number(form.elements.z_max.value);
    if (lo + RANGE_GAP <= hi) return;
    if (name === "z_min") setParam(form, "z_max", Math.min(10, lo + RANGE_GAP));
    else setParam(form, "z_min", Math.max(-10, hi - RANGE_GAP));
  };
  sim.form.addEventListener("input", onRange, true);
  return {
    set: sim.set,
    destroy() { sim.form.removeEventListener("input", onRange, true); ro.destroy(); sim.destroy(); plot.destroy(); bars.destroy(); table.remove(); hint.remove(); },
  };
}
