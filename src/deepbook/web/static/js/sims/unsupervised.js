// View of the `unsupervised` instant simulation (Chapter 1), two methods on one stage.
// k-means: the points coloured by their centre over the shaded Voronoi cells, the centres with
// their trails, the objective per iteration, and Step / Play / Reset, which move `iteration`.
// PCA: the mean digit, the first 16 components, the explained variance, the chosen digit next to
// its reconstruction, and every digit on PC1/PC2 (click a point to choose that digit).
import { fmt } from "../lib/controls.js";
import { readout } from "../lib/readout.js";
import { instantSim } from "../lib/sim.js";
import { axes, classDots, font, line, makeCanvas } from "../lib/plot.js";

const KMEANS_ONLY = ["dataset", "true_clusters", "spread", "n_points", "data_seed", "k", "init", "seed", "iteration"];
const PCA_ONLY = ["components", "digit"];
const STEP_MS = 250; // Play: at most four iterations a second, so a reader can follow each one
const MAP_PAD = { l: 36, r: 10, t: 8, b: 26 };
const HIT_PX = 12; // how near (CSS px) a click or hover must be to pick a digit in the scatter

/** A number as a plain decimal string with `digits` significant digits (no exponent). */
const plain = (v, digits) => v.toLocaleString("en-US", { maximumSignificantDigits: digits, useGrouping: false });
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** CSS colour → [r, g, b], whatever notation getComputedStyle gave (cached by string). */
function colourParser() {
  const cv = document.createElement("canvas");
  cv.width = 1; cv.height = 1;
  const c = cv.getContext("2d", { willReadFrequently: true });
  const cache = new Map();
  return (css) => {
    if (!cache.has(css)) {
      c.clearRect(0, 0, 1, 1); c.fillStyle = "#000"; c.fillStyle = css; c.fillRect(0, 0, 1, 1);
      const d = c.getImageData(0, 0, 1, 1).data;
      cache.set(css, [d[0], d[1], d[2]]);
    }
    return cache.get(css);
  };
}

const mix = (a, b, t) => [0, 1, 2].map((i) => Math.round(a[i] * (1 - t) + b[i] * t));

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(role, text) {
  const b = el("button", "", text);
  b.type = "button";
  b.dataset.role = role;
  return b;
}

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  const form = root.querySelector('[data-role="controls"]');
  stage.classList.add("us-stage", "class-palette");
  const rgb = colourParser();
  const scratch = document.createElement("canvas"); // an 8 × 8 digit, scaled up without smoothing
  scratch.width = 8; scratch.height = 8;
  const cells = document.createElement("canvas"); // the Voronoi cells, one pixel a cell

  // ---- k-means: transport, map, objective chart, cluster list --------------------------------
  const km = el("div", "us-km");
  const transport = el("div", "us-transport");
  transport.setAttribute("role", "group");
  transport.setAttribute("aria-label", "k-means iterations");
  const stepBtn = button("km-step", "Step");
  const playBtn = button("km-play", "Play");
  const resetBtn = button("km-reset", "Reset");
  const counter = el("span", "us-counter", "Iteration 0");
  counter.dataset.role = "km-counter";
  transport.append(stepBtn, playBtn, resetBtn, counter);
  const mapBox = el("div", "us-map-box");
  const side = el("div", "us-side");
  const clusters = el("ul", "us-clusters");
  clusters.setAttribute("aria-label", "Clusters and their sizes");
  km.append(transport, mapBox, side);
  stage.appendChild(km);
  const map = makeCanvas(mapBox, { label: "Points coloured by their nearest centre, the centres' cells shaded, the centres with their trails", className: "us-map" });
  const objective = makeCanvas(side, { label: "k-means objective per iteration", className: "us-objective" });
  side.appendChild(clusters);

  // ---- PCA: digits, components, explained variance, scatter ----------------------------------
  const pca = el("div", "us-pca");
  const digitsBox = el("div", "us-digits-box");
  const compBox = el("div", "us-comp-box");
  const varBox = el("div", "us-var-box");
  const scatterBox = el("div", "us-scatter-box");
  pca.append(digitsBox, varBox, compBox, scatterBox);
  stage.appendChild(pca);
  const digits = makeCanvas(digitsBox, { label: "The mean digit, the chosen digit and its reconstruction", className: "us-digits" });
  const comps = makeCanvas(compBox, { label: "The first 16 principal components (blue negative, orange positive)", className: "us-comps" });
  const variance = makeCanvas(varBox, { label: "Explained variance: each component's share (bars) and the cumulative share (line)", className: "us-variance" });
  const scatter = makeCanvas(scatterBox, { label: "All 1,797 digits on the first two principal components, coloured by class", className: "us-scatter" });
  const legend = el("ul", "us-legend");
  legend.setAttribute("aria-label", "Digit classes");
  for (let d = 0; d < 10; d++) {
    const li = el("li");
    const dot = el("span", "us-dot");
    dot.style.setProperty("--c", `var(--class-${d})`);
    li.append(dot, document.createTextNode(String(d)));
    legend.appendChild(li);
  }
  const hint = el("p", "us-hint", "Click a point to rebuild that digit (or use the Digit slider).");
  scatterBox.append(legend, hint);

  let kmFrame = null, pcaFrame = null, mode = null, clusterText = "";
  let playing = false, timer = 0, lastStep = 0;
  let mapGeom = null, scatterGeom = null;

  // ---- which controls apply ------------------------------------------------------------------
  const hiddenByUs = new Set();
  function hide(elm, on) {
    if (!elm || elm.hidden === on) return;
    elm.hidden = on;
    if (on) hiddenByUs.add(elm); else hiddenByUs.delete(elm);
  }
  function applyControls(v) {
    const isKm = v.method === "kmeans";
    const off = new Set(isKm ? PCA_ONLY : KMEANS_ONLY);
    if (isKm && v.dataset !== "blobs") off.add("true_clusters"); // moons and rings: always two
    for (const name of [...KMEANS_ONLY, ...PCA_ONLY]) {
      const input = form.elements[name];
      hide(input?.closest?.(".control"), off.has(name));
    }
    for (const group of form.querySelectorAll("fieldset.group, details.more")) {
      const all = [...group.querySelectorAll(".control")];
      hide(group, all.length > 0 && all.every((c) => c.hidden));
    }
  }
  function showMode(method) {
    if (method === mode) return;
    mode = method;
    km.hidden = method !== "kmeans";
    pca.hidden = method !== "pca";
  }

  // ---- k-means drawing -----------------------------------------------------------------------
  function squareBox(w, h, pad) {
    const s = Math.max(10, Math.min(w - pad.l - pad.r, h - pad.t - pad.b));
    return { x: pad.l + Math.max(0, (w - pad.l - pad.r - s) / 2), y: pad.t, w: s, h: s };
  }

  function drawMap(c2d, w, h, c) {
    if (!kmFrame) return;
    const { meta: m, arrays: A } = kmFrame;
    const [x0, x1, y0, y1] = m.extent, G = m.grid, k = m.k, i = m.iteration;
    const b = squareBox(w, h, MAP_PAD);
    const { X, Y } = axes(c2d, b, [x0, x1], [y0, y1], c, {});
    mapGeom = { b, x0, x1, y0, y1, G };
    // Voronoi cells: light tints of the cluster colours (row 0 of the array is the lowest y)
    const panel = rgb(c.panel), tints = [];
    for (let j = 0; j < k; j++) tints.push(mix(panel, rgb(c.get(`--class-${j}`)), 0.2));
    cells.width = G; cells.height = G;
    const cc = cells.getContext("2d"), img = cc.createImageData(G, G), px = img.data, owner = A.voronoi.data;
    for (let r = 0; r < G; r++) {
      for (let col = 0; col < G; col++) {
        const t = tints[owner[r * G + col]] || panel, o = 4 * ((G - 1 - r) * G + col);
        px[o] = t[0]; px[o + 1] = t[1]; px[o + 2] = t[2]; px[o + 3] = 255;
      }
    }
    cc.putImageData(img, 0, 0);
    c2d.save();
    c2d.imageSmoothingEnabled = false;
    c2d.drawImage(cells, b.x, b.y, b.w, b.h);
    c2d.strokeStyle = c.axis; c2d.lineWidth = 1; c2d.strokeRect(b.x, b.y, b.w, b.h);
    c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
    // points, one path per cluster
    const P = A.points.data, as = A.assign.data, n = A.points.shape[0];
    const r = n > 1000 ? 2.2 : n > 400 ? 2.8 : 3.4;
    c2d.lineWidth = 1.2; c2d.strokeStyle = c.panel; // a thin halo first, then the fills on top
    for (let j = 0; j < k; j++) {
      c2d.beginPath();
      for (let p = 0; p < n; p++) {
        if (as[p] !== j) continue;
        const px2 = X(P[2 * p]), py = Y(P[2 * p + 1]);
        c2d.moveTo(px2 + r, py); c2d.arc(px2, py, r, 0, 2 * Math.PI);
      }
      c2d.stroke(); c2d.fillStyle = c.get(`--class-${j}`); c2d.fill();
    }
    c2d.restore();
    // trails: where each centre has been, states 0..i
    const T = A.trails.data;
    for (let j = 0; j < k; j++) {
      const xs = [], ys = [];
      for (let t = 0; t <= i; t++) { xs.push(T[(t * k + j) * 2]); ys.push(T[(t * k + j) * 2 + 1]); }
      if (i > 0) {
        line(c2d, b, X, Y, xs, ys, c.panel, { width: 4.5 });
        line(c2d, b, X, Y, xs, ys, c.fg, { width: 1.8 });
      }
      c2d.save();
      c2d.fillStyle = c.fg; c2d.strokeStyle = c.panel; c2d.lineWidth = 1;
      for (let t = 0; t < i; t++) {
        c2d.beginPath(); c2d.arc(X(xs[t]), Y(ys[t]), t === 0 ? 3.5 : 2.4, 0, 2 * Math.PI); c2d.fill(); c2d.stroke();
      }
      c2d.restore();
    }
    // the centres: large diamonds, outlined; an empty centre is drawn hollow and dashed
    const C = A.centres.data;
    c2d.save();
    for (let j = 0; j < k; j++) {
      const cx = X(C[2 * j]), cy = Y(C[2 * j + 1]), s = 10;
      const diamond = () => { c2d.beginPath(); c2d.moveTo(cx, cy - s); c2d.lineTo(cx + s, cy); c2d.lineTo(cx, cy + s); c2d.lineTo(cx - s, cy); c2d.closePath(); };
      diamond();
      c2d.lineWidth = 6; c2d.strokeStyle = c.panel; c2d.stroke();
      const empty = m.sizes[j] === 0;
      if (!empty) { c2d.fillStyle = c.get(`--class-${j}`); c2d.fill(); }
      c2d.lineWidth = 2.5; c2d.strokeStyle = c.fg; c2d.setLineDash(empty ? [3, 3] : []); c2d.stroke();
      c2d.setLineDash([]);
      c2d.font = font(12); c2d.textAlign = "left"; c2d.textBaseline = "bottom";
      c2d.lineWidth = 3; c2d.strokeStyle = c.panel; c2d.fillStyle = c.fg;
      c2d.strokeText(String(j + 1), cx + s - 1, cy - s + 3); c2d.fillText(String(j + 1), cx + s - 1, cy - s + 3);
    }
    c2d.restore();
  }

  function drawObjective(c2d, w, h, c) {
    if (!kmFrame) return;
    const { meta: m, arrays: A } = kmFrame;
    const obj = A.objectives.data, T = m.iterations, i = m.iteration;
    let hi = 0;
    for (const v of obj) hi = Math.max(hi, v);
    const b = { x: 44, y: 24, w: Math.max(10, w - 56), h: Math.max(10, h - 58) };
    const xs = Array.from(obj, (_, t) => t);
    const { X, Y } = axes(c2d, b, [0, Math.max(1, T)], [0, hi > 0 ? hi * 1.08 : 1], c,
      { xLabel: "iteration", xFormat: (t) => (Number.isInteger(t) ? String(t) : "") });
    line(c2d, b, X, Y, xs, obj, c.muted, { width: 1.5, dash: [4, 3] });
    line(c2d, b, X, Y, xs.slice(0, i + 1), obj.slice(0, i + 1), c.accent, { width: 2.5 });
    c2d.save();
    c2d.fillStyle = c.accent; c2d.strokeStyle = c.panel; c2d.lineWidth = 2;
    c2d.beginPath(); c2d.arc(X(i), Y(obj[i]), 5, 0, 2 * Math.PI); c2d.fill(); c2d.stroke();
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textBaseline = "bottom";
    c2d.textAlign = "left";
    c2d.fillText("objective: Σ squared distance to the centre", 4, b.y - 6, w - 8);
    c2d.restore();
  }

  function renderClusters(m) {
    const text = m.sizes.join();
    if (text === clusterText) return;
    clusterText = text;
    clusters.replaceChildren(...m.sizes.map((size, j) => {
      const li = el("li");
      const dot = el("span", "us-dot us-diamond");
      dot.style.setProperty("--c", `var(--class-${j})`);
      li.append(dot, document.createTextNode(`cluster ${j + 1}: ${size === 0 ? "empty" : plural(size, "point")}`));
      return li;
    }));
  }

  function renderKmeans(frame) {
    kmFrame = frame;
    const m = frame.meta, T = m.iterations, i = m.iteration;
    const obj = plain(m.objective, 4);
    root.dataset.objective = obj;
    delete root.dataset.explainedVariance;
    counter.textContent = `Iteration ${i} of ${T}`;
    stepBtn.setAttribute("aria-disabled", String(i >= T));
    renderClusters(m);
    map.redraw(); objective.redraw();
    if (i >= T) {
      stop();
      sim.say(m.converged ? `Converged after ${plural(T, "iteration")} — objective ${fmt(m.objective)}`
        : `Stopped at the limit of ${plural(T, "iteration")} — objective ${fmt(m.objective)}`);
    } else {
      sim.say(`Iteration ${i} of ${T} — objective ${fmt(m.objective)}`);
      if (playing) schedule();
    }
  }

  // ---- PCA drawing ---------------------------------------------------------------------------
  /** Paint an 8 × 8 image at (x, y), size s: colourOf(value) → [r, g, b]. */
  function paintDigit(c2d, data, x, y, s, colourOf, c) {
    const sc = scratch.getContext("2d"), img = sc.createImageData(8, 8);
    for (let p = 0; p < 64; p++) {
      const [r, g, bl] = colourOf(data[p]);
      img.data[4 * p] = r; img.data[4 * p + 1] = g; img.data[4 * p + 2] = bl; img.data[4 * p + 3] = 255;
    }
    sc.putImageData(img, 0, 0);
    c2d.save();
    c2d.imageSmoothingEnabled = false;
    c2d.drawImage(scratch, x, y, s, s);
    c2d.strokeStyle = c.grid; c2d.lineWidth = 1; c2d.strokeRect(x - 0.5, y - 0.5, s + 1, s + 1);
    c2d.restore();
  }

  const inkOf = (c) => {
    const paper = rgb(c.panel), ink = rgb(c.fg);
    return (v) => mix(paper, ink, Math.max(0, Math.min(1, v / 16)));
  };

  function drawDigits(c2d, w, h, c) {
    if (!pcaFrame) return;
    const { meta: m, arrays: A } = pcaFrame;
    const gap = 14, top = 22, bottom = 44;
    const s = Math.max(8, Math.min((w - 4 * gap) / 3, h - top - bottom));
    const x0 = (w - 3 * s - 2 * gap) / 2, ink = inkOf(c);
    const panels = [ // a label, and a shorter one for small panels
      [A.mean.data, "the mean digit", "mean"],
      [A.original.data, `digit ${m.digit} (a ${m.label})`, `digit ${m.digit}`],
      [A.reconstruction.data, `from ${plural(m.components, "component")}`, `from ${m.components}`],
    ];
    c2d.save();
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "center"; c2d.textBaseline = "bottom";
    const room = s + gap - 4, long = panels.every(([, a]) => c2d.measureText(a).width <= room);
    panels.forEach(([data, a, b], p) => {
      const x = x0 + p * (s + gap);
      paintDigit(c2d, data, x, top, s, ink, c);
      c2d.fillText(long ? a : b, x + s / 2, top - 5, room);
    });
    c2d.textBaseline = "top"; c2d.font = `600 ${font(13)}`;
    const mid = x0 + 1.5 * s + gap; // under the original and its reconstruction
    c2d.fillText(`error ${fmt(m.error)} per pixel`, mid, top + s + 6, w - 8);
    c2d.font = font(12); c2d.fillStyle = c.muted;
    c2d.fillText(`misses ${(100 * m.relative_error).toFixed(0)} % of this digit's difference from the mean`, mid, top + s + 24, w - 8);
    c2d.restore();
  }

  function drawComponents(c2d, w, h, c) {
    if (!pcaFrame) return;
    const { meta: m, arrays: A } = pcaFrame;
    const S = m.shown, basis = A.basis.data, gap = 4, label = 14, bar = 20, title = 20;
    // the grid (16 × 1, 8 × 2 or 4 × 4) that gives the largest images
    let best = null;
    for (const cols of [16, 8, 4]) {
      const rows = Math.ceil(S / cols);
      const s = Math.min((w - (cols - 1) * gap) / cols, (h - title - bar - rows * (label + gap)) / rows);
      if (!best || s > best.s) best = { cols, rows, s };
    }
    const { cols, s } = best;
    if (s < 4) return;
    const x0 = (w - cols * s - (cols - 1) * gap) / 2;
    const paper = rgb(c.panel), neg = rgb(c.get("--us-negative")), pos = rgb(c.get("--us-positive"));
    c2d.save();
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textAlign = "left"; c2d.textBaseline = "bottom";
    const head = `the first ${S} components (faded: not used with ${m.components})`;
    c2d.fillText(c2d.measureText(head).width <= w ? head : `PC1–${S} (faded: not used)`, Math.max(0, x0), title - 5, w);
    c2d.font = font(12); c2d.textAlign = "center"; c2d.textBaseline = "top";
    const named = c2d.measureText(`PC${S}`).width <= s + gap - 2; // else numbers only
    for (let j = 0; j < S; j++) {
      const data = basis.subarray(j * 64, (j + 1) * 64);
      let amp = 0;
      for (const v of data) amp = Math.max(amp, Math.abs(v));
      const x = x0 + (j % cols) * (s + gap), y = title + Math.floor(j / cols) * (s + label + gap);
      const used = j < m.components;
      c2d.globalAlpha = used ? 1 : 0.35;
      paintDigit(c2d, data, x, y, s, (v) => mix(paper, v < 0 ? neg : pos, Math.min(1, Math.abs(v) / (amp || 1))), c);
      c2d.globalAlpha = 1;
      c2d.fillStyle = used ? c.text : c.muted;
      c2d.fillText(named ? `PC${j + 1}` : String(j + 1), x + s / 2, y + s + 2);
    }
    // the colour key
    const ky = h - bar + 6, kw = Math.min(90, w / 4), kx = w / 2 - kw / 2;
    const grad = c2d.createLinearGradient(kx, 0, kx + kw, 0);
    grad.addColorStop(0, c.get("--us-negative")); grad.addColorStop(0.5, c.panel); grad.addColorStop(1, c.get("--us-positive"));
    c2d.fillStyle = grad; c2d.fillRect(kx, ky, kw, 10);
    c2d.strokeStyle = c.grid; c2d.strokeRect(kx - 0.5, ky - 0.5, kw + 1, 11);
    c2d.fillStyle = c.text; c2d.textBaseline = "middle"; c2d.font = font(12);
    c2d.textAlign = "right"; c2d.fillText("negative", kx - 6, ky + 5);
    c2d.textAlign = "left"; c2d.fillText("positive", kx + kw + 6, ky + 5);
    c2d.restore();
  }

  function drawVariance(c2d, w, h, c) {
    if (!pcaFrame) return;
    const { meta: m, arrays: A } = pcaFrame;
    const ratios = A.ratios.data, cum = A.cumulative.data, n = ratios.length, mm = m.components;
    const b = { x: 40, y: 26, w: Math.max(10, w - 52), h: Math.max(10, h - 60) };
    const { X, Y } = axes(c2d, b, [0, n + 0.5], [0, 1], c, { xLabel: "component" });
    const bw = Math.max(1, (b.w / (n + 0.5)) * 0.7);
    c2d.save();
    for (let j = 0; j < n; j++) {
      c2d.fillStyle = j < mm ? c.accent : c.muted;
      c2d.globalAlpha = j < mm ? 0.9 : 0.45;
      const top = Y(ratios[j]);
      c2d.fillRect(X(j + 1) - bw / 2, top, bw, b.y + b.h - top);
    }
    c2d.restore();
    const xs = [0, ...Array.from(cum, (_, j) => j + 1)], ys = [0, ...cum];
    line(c2d, b, X, Y, xs, ys, c.fg, { width: 2 });
    c2d.save();
    const px = X(mm), py = Y(m.explained_variance);
    c2d.strokeStyle = c.fg; c2d.setLineDash([3, 3]); c2d.lineWidth = 1;
    c2d.beginPath(); c2d.moveTo(px, b.y + b.h); c2d.lineTo(px, py); c2d.lineTo(b.x, py); c2d.stroke();
    c2d.setLineDash([]);
    c2d.fillStyle = c.fg; c2d.strokeStyle = c.panel; c2d.lineWidth = 2;
    c2d.beginPath(); c2d.arc(px, py, 5, 0, 2 * Math.PI); c2d.fill(); c2d.stroke();
    c2d.font = font(12); c2d.fillStyle = c.text; c2d.textBaseline = "bottom";
    c2d.textAlign = "left";
    c2d.fillText("share of the variance: each component (bars), cumulative (line)", 4, b.y - 8, w - 8);
    const label = `${plural(mm, "component")}: ${(100 * m.explained_variance).toFixed(1)} %`;
    c2d.font = `600 ${font(13)}`;
    const tw = c2d.measureText(label).width;
    const lx = Math.min(Math.max(px + 8, b.x + 4), b.x + b.w - tw - 4);
    const ly = py > b.y + 40 ? py - 8 : py + 22;
    c2d.lineWidth = 4; c2d.strokeStyle = c.panel; c2d.strokeText(label, lx, ly);
    c2d.fillText(label, lx, ly);
    c2d.restore();
  }

  function drawScatter(c2d, w, h, c) {
    if (!pcaFrame) return;
    const { meta: m, arrays: A } = pcaFrame;
    const P = A.projection.data, L = A.labels.data, n = A.projection.shape[0];
    let lo = Infinity, hi = -Infinity, ylo = Infinity, yhi = -Infinity;
    for (let p = 0; p < n; p++) {
      lo = Math.min(lo, P[2 * p]); hi = Math.max(hi, P[2 * p]);
      ylo = Math.min(ylo, P[2 * p + 1]); yhi = Math.max(yhi, P[2 * p + 1]);
    }
    // equal scales on both axes: distances in the picture are distances in the data
    const span = Math.max(hi - lo, yhi - ylo) * 1.06, cx = (lo + hi) / 2, cy = (ylo + yhi) / 2;
    const b = squareBox(w, h, { l: 36, r: 8, t: 8, b: 34 });
    const xd = [cx - span / 2, cx + span / 2], yd = [cy - span / 2, cy + span / 2];
    const { X, Y } = axes(c2d, b, xd, yd, c, { xLabel: "PC1" });
    scatterGeom = { b, X, Y, xd, yd };
    c2d.save();
    c2d.beginPath(); c2d.rect(b.x, b.y, b.w, b.h); c2d.clip();
    c2d.globalAlpha = 0.8;
    classDots(c2d, P, L, X, Y, c, 2.4);
    c2d.globalAlpha = 1;
    const q = m.digit, qx = X(P[2 * q]), qy = Y(P[2 * q + 1]);
    c2d.lineWidth = 5; c2d.strokeStyle = c.panel;
    c2d.beginPath(); c2d.arc(qx, qy, 8, 0, 2 * Math.PI); c2d.stroke();
    c2d.lineWidth = 2.5; c2d.strokeStyle = c.fg;
    c2d.beginPath(); c2d.arc(qx, qy, 8, 0, 2 * Math.PI); c2d.stroke();
    c2d.fillStyle = c.get(`--class-${L[q]}`);
    c2d.beginPath(); c2d.arc(qx, qy, 4, 0, 2 * Math.PI); c2d.fill();
    c2d.restore();
    c2d.save();
    c2d.font = font(12); c2d.fillStyle = c.muted; c2d.textAlign = "left"; c2d.textBaseline = "bottom";
    c2d.fillText("PC2", b.x + 4, b.y + 16);
    c2d.restore();
  }

  function renderPca(frame) {
    pcaFrame = frame;
    const m = frame.meta;
    root.dataset.explainedVariance = m.explained_variance.toFixed(3);
    delete root.dataset.objective;
    digits.redraw(); comps.redraw(); variance.redraw(); scatter.redraw();
    sim.say(`Digit ${m.digit} (a ${m.label}) from ${plural(m.components, "component")}: ${(100 * m.explained_variance).toFixed(1)} % of the variance, error ${fmt(m.error)}`);
  }

  map.setDraw(drawMap);
  objective.setDraw(drawObjective);
  digits.setDraw(drawDigits);
  comps.setDraw(drawComponents);
  variance.setDraw(drawVariance);
  scatter.setDraw(drawScatter);

  const sim = instantSim(root, ctx, (frame, values) => {
    applyControls(values);
    showMode(frame.meta.method);
    if (frame.meta.method === "kmeans") renderKmeans(frame);
    else renderPca(frame);
  });
  applyControls(sim.values());
  showMode(sim.values().method);

  // ---- Step / Play / Reset -------------------------------------------------------------------
  /** The iteration shown (the form may ask for more than the run has: the server clamps). */
  const shown = () => (kmFrame ? Math.min(Number(sim.values().iteration), kmFrame.meta.iterations) : 0);
  function stepOnce() {
    if (!kmFrame || shown() >= kmFrame.meta.iterations) return false;
    lastStep = performance.now();
    sim.set({ iteration: shown() + 1 });
    return true;
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = 0; if (playing && !stepOnce()) stop(); }, Math.max(0, STEP_MS - (performance.now() - lastStep)));
  }
  function stop() {
    playing = false;
    clearTimeout(timer); timer = 0;
    playBtn.textContent = "Play";
  }
  const onStep = () => { stop(); stepOnce(); };
  const onReset = () => { stop(); sim.set({ iteration: 0 }); };
  const onPlay = () => {
    if (playing) { stop(); return; }
    if (!kmFrame) return;
    const T = kmFrame.meta.iterations;
    if (matchMedia("(prefers-reduced-motion: reduce)").matches) { sim.set({ iteration: T }); return; } // no animation: the end at once
    playing = true;
    playBtn.textContent = "Pause";
    lastStep = performance.now();
    if (shown() >= T) sim.set({ iteration: 0 }); // from the start again; the frame schedules the rest
    else stepOnce();
  };
  const onInput = () => { stop(); applyControls(sim.values()); }; // the reader took over
  stepBtn.addEventListener("click", onStep);
  playBtn.addEventListener("click", onPlay);
  resetBtn.addEventListener("click", onReset);
  form.addEventListener("input", onInput);

  // ---- hover read-outs and picking a digit ---------------------------------------------------
  const mapRead = readout(root, map.canvas, (x, y) => {
    if (!kmFrame || !mapGeom) return "";
    const { b, x0, x1, y0, y1, G } = mapGeom;
    const u = (x - b.x) / b.w, v = 1 - (y - b.y) / b.h;
    if (u < 0 || u > 1 || v < 0 || v > 1) return "";
    const col = Math.min(G - 1, Math.floor(u * G)), row = Math.min(G - 1, Math.floor(v * G));
    const j = kmFrame.arrays.voronoi.data[row * G + col], size = kmFrame.meta.sizes[j];
    const at = (t) => (Math.abs(t) < 0.005 ? "0" : t.toFixed(2)).replace("-", "−");
    return `x ${at(x0 + u * (x1 - x0))}, y ${at(y0 + v * (y1 - y0))}: the cell of cluster ${j + 1} (${size === 0 ? "empty" : plural(size, "point")})`;
  });
  function nearestDigit(x, y) {
    if (!pcaFrame || !scatterGeom) return null;
    const { X, Y } = scatterGeom, P = pcaFrame.arrays.projection.data, n = pcaFrame.arrays.projection.shape[0];
    let best = -1, bd = HIT_PX * HIT_PX;
    for (let p = 0; p < n; p++) {
      const dx = X(P[2 * p]) - x, dy = Y(P[2 * p + 1]) - y, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = p; }
    }
    return best < 0 ? null : best;
  }
  const scatterRead = readout(root, scatter.canvas, (x, y) => {
    const p = nearestDigit(x, y);
    if (p === null) return "";
    const P = pcaFrame.arrays.projection.data;
    return `digit ${p}, class ${pcaFrame.arrays.labels.data[p]}, PC1 ${fmt(P[2 * p])}, PC2 ${fmt(P[2 * p + 1])}`;
  });
  const onScatterClick = (ev) => {
    const r = scatter.canvas.getBoundingClientRect();
    const p = nearestDigit(ev.clientX - r.left, ev.clientY - r.top);
    if (p !== null) sim.set({ digit: p });
  };
  scatter.canvas.addEventListener("click", onScatterClick);

  return {
    set(partial) { stop(); sim.set(partial); applyControls(sim.values()); },
    destroy() {
      stop();
      stepBtn.removeEventListener("click", onStep);
      playBtn.removeEventListener("click", onPlay);
      resetBtn.removeEventListener("click", onReset);
      form.removeEventListener("input", onInput);
      scatter.canvas.removeEventListener("click", onScatterClick);
      mapRead.destroy(); scatterRead.destroy();
      sim.destroy();
      for (const c of [map, objective, digits, comps, variance, scatter]) c.destroy();
      km.remove(); pca.remove();
      stage.classList.remove("us-stage");
      for (const e of hiddenByUs) e.hidden = false;
      hiddenByUs.clear();
      delete root.dataset.objective;
      delete root.dataset.explainedVariance;
    },
  };
}
