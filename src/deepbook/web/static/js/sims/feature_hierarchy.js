// View of the `feature_hierarchy` simulation (chapter 0): for one conv block of the clothing CNN,
// each unit's nine favourite held-out patches (cropped to its receptive field), the first block's
// kernels, a picked image's activation maps, and the linear probe of every layer as bars.
//
// Figures for outside tests, on the root with every drawn frame: data-layer (1–4) and
// data-receptive-field (pixels).
import { GREYS, planeCanvas, themeDiverging } from "../lib/colormap.js";
import { fmt } from "../lib/controls.js";
import { font, makeCanvas } from "../lib/plot.js";
import { readout } from "../lib/readout.js";
import { instantSim } from "../lib/sim.js";
import { el, subheading } from "../lib/dom.js";

const GAP = 4;


export function mount(root, ctx) {
  const H = subheading(root); // headings inside the picture
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("fh-stage");
  let frame = null, tiles = null;

  const facts = el("p", { class: "fh-facts", "aria-live": "polite" });
  const probeBox = el("div", { class: "fh-probes" });
  const probeNote = el("p", { class: "fh-note" });
  const kernelHead = el(H, { class: "fh-head" }, "Block 1's 16 filters (3 × 3 pixel weights: blue negative, orange positive)");
  const kernelBox = el("div", { class: "fh-kernels" });
  const patchHead = el(H, { class: "fh-head" });
  const patchBox = el("div", { class: "fh-patches" });
  const mapHead = el(H, { class: "fh-head" });
  const mapRow = el("div", { class: "fh-maprow" });
  const imageBox = el("div", { class: "fh-image" }), mapsBox = el("div", { class: "fh-maps" });
  const imageNote = el("p", { class: "fh-note" });
  imageBox.append(imageNote);
  mapRow.append(imageBox, mapsBox);
  stage.append(facts, probeBox, probeNote, kernelHead, kernelBox, patchHead, patchBox, mapHead, mapRow);
  const probes = makeCanvas(probeBox, { label: "Linear probe accuracy per layer", className: "fh-probe-canvas" });
  const kernels = makeCanvas(kernelBox, { label: "The first block's filters", className: "fh-kernel-canvas" });
  const patches = makeCanvas(patchBox, { label: "Each unit's nine favourite held-out patches", className: "fh-patch-canvas" });
  const image = makeCanvas(imageBox, { label: "The picked held-out image", className: "fh-image-canvas" });
  const maps = makeCanvas(mapsBox, { label: "Every unit's activation map for the picked image", className: "fh-maps-canvas" });
  imageBox.prepend(image.canvas);

  const table = themeDiverging("--series-sigmoid", "--series-tanh");
  const off = document.createElement("canvas"); // one scratch plane, drawn from at once
  const plane = (data, offset, h, w, lut) => planeCanvas(data, offset, h, w, lut, off);

  probes.setDraw((c2d, w, h, c) => {
    if (!frame) return;
    const list = frame.meta.probes, n = list.length, chosen = `pool${frame.meta.layer}`;
    const left = 8, bw = (w - left) / n, base = h - 22, lo = 0.5;
    c2d.font = font(12); c2d.textAlign = "center";
    list.forEach((p, i) => {
      const x = left + i * bw, bh = Math.max(1, ((p.accuracy - lo) / (1 - lo)) * (base - 18));
      c2d.fillStyle = p.layer === chosen ? c.get("--series-tanh") : c.get("--series-sigmoid");
      c2d.globalAlpha = p.layer === chosen ? 1 : 0.55;
      c2d.fillRect(x + 6, base - bh, bw - 12, bh);
      c2d.globalAlpha = 1; c2d.fillStyle = c.text;
      c2d.textBaseline = "bottom"; c2d.fillText(`${(100 * p.accuracy).toFixed(1)} %`, x + bw / 2, base - bh - 2);
      c2d.textBaseline = "top"; c2d.fillText(p.layer === "input" ? "pixels" : `block ${p.layer.slice(4)}`, x + bw / 2, base + 4);
    });
    c2d.strokeStyle = c.axis; c2d.beginPath(); c2d.moveTo(left, base + 0.5); c2d.lineTo(w, base + 0.5); c2d.stroke();
  });

  kernels.setDraw((c2d, w, h, c) => {
    const k = frame?.arrays.kernels;
    if (!k) return;
    const [n] = k.shape, size = Math.min(44, Math.floor((w - (n - 1) * GAP) / n));
    let top = 0;
    for (const v of k.data) top = Math.max(top, Math.abs(v));
    const tab = table(c), q = new Uint8Array(9);
    c2d.imageSmoothingEnabled = false;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 9; j++) q[j] = Math.round(128 + (127 * k.data[9 * i + j]) / (top || 1));
      c2d.drawImage(plane(q, 0, 3, 3, tab), i * (size + GAP), 0, size, size);
    }
    kernels.canvas.style.height = `${size}px`;
  });

  function tileGrid(C, w) {
    const cols = Math.max(2, Math.min(C, Math.floor(w / 96)));
    const size = Math.floor((w - (cols - 1) * GAP) / cols);
    return { cols, rows: Math.ceil(C / cols), size };
  }
  patches.setDraw((c2d, w, h, c) => {
    if (!frame) return;
    const p = frame.arrays.patches, [C, K, P] = p.shape, g = tileGrid(C, w);
    tiles = { ...g, C, K, P };
    const want = `${(g.cols * (g.size + GAP))} / ${g.rows * (g.size + GAP + 14)}`;
    if (patches.canvas.style.aspectRatio !== want) patches.canvas.style.aspectRatio = want;
    const dead = new Set(frame.meta.dead), sub = (g.size - 2) / 3;
    c2d.imageSmoothingEnabled = false;
    c2d.font = font(12); c2d.textBaseline = "top"; c2d.textAlign = "left";
    for (let k = 0; k < C; k++) {
      const x = (k % g.cols) * (g.size + GAP), y = Math.floor(k / g.cols) * (g.size + GAP + 14);
      c2d.fillStyle = c.text; c2d.fillText(`unit ${k}`, x, y);
      for (let j = 0; j < Math.min(K, 9); j++) {
        const px = x + (j % 3) * (sub + 1), py = y + 14 + Math.floor(j / 3) * (sub + 1);
        c2d.drawImage(plane(p.data, (k * K + j) * P * P, P, P, GREYS), px, py, sub, sub);
      }
      if (dead.has(k)) { // a unit no held-out image turns on: its "favourites" are arbitrary
        c2d.fillStyle = c.panel; c2d.globalAlpha = 0.8; c2d.fillRect(x, y + 14, g.size, g.size); c2d.globalAlpha = 1;
        c2d.fillStyle = c.muted; c2d.textAlign = "center"; c2d.fillText("never", x + g.size / 2, y + 14 + g.size / 2 - 12);
        c2d.fillText("active", x + g.size / 2, y + 14 + g.size / 2 + 1); c2d.textAlign = "left";
      }
    }
  });

  image.setDraw((c2d, w) => {
    if (!frame) return;
    c2d.imageSmoothingEnabled = false;
    c2d.drawImage(plane(frame.arrays.image.data, 0, 28, 28, GREYS), 0, 0, w, w);
  });
  maps.setDraw((c2d, w, h, c) => {
    if (!frame) return;
    const m = frame.arrays.maps, [C, H, W] = m.shape;
    const cols = Math.max(4, Math.min(C, Math.floor(w / 40))), size = Math.floor((w - (cols - 1) * 2) / cols);
    const rows = Math.ceil(C / cols), want = `${cols * (size + 2)} / ${rows * (size * (H / W) + 2)}`;
    if (maps.canvas.style.aspectRatio !== want) maps.canvas.style.aspectRatio = want;
    const tab = table(c), half = new Uint8Array(m.data.length);
    for (let i = 0; i < m.data.length; i++) half[i] = 128 + (m.data[i] >> 1); // ≥ 0: the orange half
    c2d.imageSmoothingEnabled = false;
    for (let k = 0; k < C; k++) {
      c2d.drawImage(plane(half, k * H * W, H, W, tab), (k % cols) * (size + 2), Math.floor(k / cols) * (size * (H / W) + 2), size, size * (H / W));
    }
  });

  const read = readout(root, patches.canvas, (x, y) => {
    if (!tiles || !frame) return "";
    const k = Math.floor(y / (tiles.size + GAP + 14)) * tiles.cols + Math.floor(x / (tiles.size + GAP));
    if (k < 0 || k >= tiles.C || x % (tiles.size + GAP) > tiles.size) return "";
    const peaks = frame.arrays.peaks.data.slice(k * tiles.K, k * tiles.K + tiles.K);
    return `Unit ${k}: its strongest responses on held-out images, ${fmt(peaks[0])} down to ${fmt(peaks[peaks.length - 1])}`;
  });

  function render(f) {
    frame = f;
    const m = f.meta, probe = m.probes.find((p) => p.layer === `pool${m.layer}`);
    const what = m.network === "digits_cnn" ? "digit" : "garment";
    facts.textContent = `Block ${m.layer} of ${m.blocks}: ${m.channels} units, each seeing ${m.receptive_field} × ${m.receptive_field} pixels of the 28 × 28 image`
      + `${m.receptive_field >= 28 ? " (all of it)" : ""}. A linear classifier reads the ${what} from this block's output ${(100 * probe.accuracy).toFixed(1)} % of the time.`;
    probeNote.textContent = `Linear probes: ${m.probes_note}. The network itself: ${(100 * m.test_accuracy).toFixed(1)} %.`;
    kernelHead.hidden = kernelBox.hidden = m.layer !== 1;
    kernelHead.textContent = `Block 1's ${f.arrays.kernels?.shape?.[0] ?? ""} filters (3 × 3 pixel weights: blue negative, orange positive)`;
    patchHead.textContent = `Each unit's nine favourite held-out patches, cropped to its ${m.receptive_field}-pixel receptive field`;
    mapHead.textContent = `The picked image through block ${m.layer}: every unit's activation map (${m.shape[1]} × ${m.shape[2]})`;
    imageNote.textContent = `${m.image_label}; the network says ${m.image_prediction} (${(100 * m.image_confidence).toFixed(0)} %)`;
    root.dataset.layer = String(m.layer);
    root.dataset.receptiveField = String(m.receptive_field);
    probes.redraw(); patches.redraw(); image.redraw(); maps.redraw();
    if (m.layer === 1) kernels.redraw();
  }
  const sim = instantSim(root, ctx, render);
  return {
    set: sim.set,
    destroy() {
      sim.destroy(); read.destroy();
      for (const cv of [probes, kernels, patches, image, maps]) cv.destroy();
      stage.replaceChildren(); stage.classList.remove("fh-stage");
      delete root.dataset.layer; delete root.dataset.receptiveField;
    },
  };
}
