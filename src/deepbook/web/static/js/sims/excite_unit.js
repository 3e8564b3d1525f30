// View of the `excite_unit` live simulation (chapter 0): the picture being synthesised (large,
// with the unit's receptive field outlined), the unit's activation step by step against the best
// any held-out photo reached, and what the whole network makes of the picture.
import { fmt } from "../lib/controls.js";
import { GREYS, planeCanvas } from "../lib/colormap.js";
import { axes, line, makeCanvas } from "../lib/plot.js";
import { liveSim } from "../lib/sim.js";

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("ex-stage");
  const picture = makeCanvas(stage, { label: "The synthesised picture, with the unit's receptive field outlined", className: "ex-picture" });
  const side = document.createElement("div");
  side.className = "ex-side";
  const facts = document.createElement("p");
  facts.className = "ex-facts";
  facts.setAttribute("aria-live", "polite");
  side.append(facts);
  stage.append(side);
  const curve = makeCanvas(side, { label: "The unit's activation at each step", className: "ex-curve" });
  let meta = null, image = null, history = [];
  const off = document.createElement("canvas");

  picture.setDraw((c2d, w, h, c) => {
    if (!image) return;
    const s = Math.min(w, h), x0 = (w - s) / 2;
    c2d.imageSmoothingEnabled = false;
    c2d.drawImage(planeCanvas(image, 0, 28, 28, GREYS, off), x0, 0, s, s);
    // the receptive field around the unit's cell (centre of its map), clipped to the image
    const [r0, r1, c0, c1] = meta.window, px = s / 28;
    c2d.strokeStyle = c.get("--focus"); c2d.lineWidth = 2; c2d.setLineDash([5, 4]);
    c2d.strokeRect(x0 + c0 * px + 1, r0 * px + 1, (c1 - c0) * px - 2, (r1 - r0) * px - 2);
    c2d.setLineDash([]);
  });
  curve.setDraw((c2d, w, h, c) => {
    if (!meta || !history.length) return;
    const box = { x: 44, y: 10, w: w - 54, h: h - 44 };
    const top = Math.max(meta.best_held_out, ...history) * 1.08 || 1;
    const { X, Y } = axes(c2d, box, [0, Math.max(20, history.length - 1)], [0, top], c, { xLabel: "step", yLabel: "activation" });
    c2d.strokeStyle = c.muted; c2d.setLineDash([4, 4]);
    c2d.beginPath(); c2d.moveTo(box.x, Y(meta.best_held_out)); c2d.lineTo(box.x + box.w, Y(meta.best_held_out)); c2d.stroke();
    c2d.setLineDash([]);
    const xs = history.map((_, i) => i);
    line(c2d, box, X, Y, xs, history, c.get("--series-tanh"), { width: 2.5 });
  });

  function render(frame) {
    const m = frame.meta, h = Array.from(frame.arrays.history.data);
    history = m.full ? h : history.concat(h);
    meta = m; image = frame.arrays.image.data;
    const gain = m.best_held_out > 0 ? ` (${fmt(m.activation / m.best_held_out)} × the best held-out photo's ${fmt(m.best_held_out)})` : "";
    facts.textContent = `Step ${m.step} of ${m.max_steps}: activation ${fmt(m.activation)}${gain}. `
      + `Only the ${m.window[1] - m.window[0]} × ${m.window[3] - m.window[2]} pixels inside the dashed square can change it. `
      + `The whole network calls the picture "${m.prediction}" (${(100 * m.confidence).toFixed(0)} %).`;
    root.dataset.activation = m.activation.toFixed(4);
    picture.redraw(); curve.redraw();
    return true;
  }
  const sim = liveSim(root, ctx, { render });
  return {
    set: sim.set,
    destroy() { sim.destroy(); picture.destroy(); curve.destroy(); stage.replaceChildren(); stage.classList.remove("ex-stage"); delete root.dataset.activation; },
  };
}
