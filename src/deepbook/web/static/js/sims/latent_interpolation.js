// View of the `latent_interpolation` simulation (chapter 7): two panels side by side (the
// autoencoder and the VAE with 2-D codes, or the 16-D VAE's straight and spherical paths), each
// with its map of the held-out digits' codes, endpoints A and B, the path and where t is; the
// decoded image at t with the digits CNN's verdict; a strip of images along the path; the CNN's
// confidence along t (shaded where the path is far from every real digit's code); for 16-D
// codes, ‖z‖ along t against the shell where prior draws lie. Below: prior draws decoded by each
// model. The server decodes every t = 0.00 … 1.00 in one frame, so moving t and Play draw from
// that frame at once.
//
// Direct input: drag A or B on a 2-D map (or click the map to move the chosen endpoint there,
// or click a dot to make that digit the endpoint); on the keyboard, focus a map, press A or B to
// choose, arrows to move (Shift: farther), Delete to send it back to its digit. "Draw A" and
// "Draw B" open a pad whose ink is encoded by each model.
//
// Figures for outside tests, on the root with every drawn picture: data-t (two decimals) and
// data-prediction-a, -b, -t (the CNN's class for the decoded images at A, B and t) of the right-
// hand panel (the VAE; in the 16-D view the spherical path); each panel carries the same for
// itself, with data-model, data-path and data-a / data-b (the endpoints in map units, −1 to 1),
// and its map canvas data-box (the map's square on the canvas: x, y, width, height).
import { GREYS, planeCanvas, rgb } from "../lib/colormap.js";
import { setParam } from "../lib/controls.js";
import { el, subheading } from "../lib/dom.js";
import { drawingPad } from "../lib/pad.js";
import { encodePixels } from "../lib/pixels.js";
import { decodePoints, encodePoints } from "../lib/points.js";
import { axes, classDots, font, line, makeCanvas } from "../lib/plot.js";
import { readout } from "../lib/readout.js";
import { instantSim } from "../lib/sim.js";

const EXT = [-1, 1];
const GAP_FAR = 1; // in a hole: farther from every code than 95 % of codes are from their nearest
const pct = (p) => `${Math.round(100 * p)} %`;
const ENDS = ["a", "b"];

export function mount(root, ctx) {
  const H = subheading(root); // headings inside the picture
  const stage = root.querySelector('[data-role="stage"]');
  stage.classList.add("li-stage", "class-palette");
  let frame = null, values = null, sim = null, shown = 0; // shown: the film index drawn
  let playing = false, raf = 0, dir = 1, tFloat = 0, priorSeed = null;
  const chosen = ["a", "a"]; // the endpoint each map's keys move
  const drag = [null, null]; // per panel: {end, x, y} while an endpoint is dragged
  const off = document.createElement("canvas");

  // ---- transport: Play and Loop sit with the picture -----------------------------------------
  const bar = el("div", { class: "li-bar" });
  const playBtn = el("button", { type: "button", class: "li-play" }, "Play");
  const loopLabel = el("label", { class: "check" });
  const loopBox = el("input", { type: "checkbox" });
  loopLabel.append(loopBox, document.createTextNode("Loop"));
  const tText = el("span", { class: "li-t", "aria-live": "off" });
  const drawA = el("button", { type: "button", "aria-expanded": "false" }, "Draw A…");
  const drawB = el("button", { type: "button", "aria-expanded": "false" }, "Draw B…");
  bar.append(playBtn, loopLabel, tText, drawA, drawB);

  // ---- the pad for drawing an endpoint ----------------------------------------------------------
  const padBox = el("div", { class: "li-padbox", hidden: "" });
  const padCanvas = el("canvas", {
    class: "li-pad", role: "img", "data-role": "draw",
    "aria-label": "Drawing pad, 28 by 28 pixels: draw a digit with the mouse, a pen or a finger",
  });
  const padNote = el("p", { class: "li-padnote" });
  const padClear = el("button", { type: "button" }, "Clear: back to the digit");
  const padDone = el("button", { type: "button" }, "Done");
  const padTools = el("p", { class: "li-padtools" });
  padTools.append(padClear, padDone);
  const padSide = el("div");
  padSide.append(padNote, padTools);
  padBox.append(padCanvas, padSide);
  let padFor = null;

  // ---- the two panels ---------------------------------------------------------------------------
  const panelsBox = el("div", { class: "li-panels" });
  const hintId = `${ctx.key}-li-hint`;
  const hint = el("p", { class: "visually-hidden", id: hintId },
    "Press A or B to choose an endpoint, arrow keys to move it (Shift moves farther), Delete to send it back to its digit.");
  const panels = [0, 1].map((p) => {
    const box = el("section", { class: "li-panel" });
    const head = el(H, { class: "li-head" });
    const mapBox = el("div", { class: "li-mapbox" });
    const map = makeCanvas(mapBox, { label: "Map of the codes", className: "li-map" });
    const ends = el("p", { class: "li-ends" });
    const now = el("div", { class: "li-now" });
    const nowImg = makeCanvas(now, { label: "The decoded image at t", className: "li-nowimg" });
    const verdict = el("p", { class: "li-verdict" });
    now.append(verdict);
    const stripBox = el("div", { class: "li-stripbox" });
    const strip = makeCanvas(stripBox, { label: "Decoded images along the path", className: "li-strip" });
    const chartBox = el("div", { class: "li-chartbox" });
    const chart = makeCanvas(chartBox, { label: "The CNN's confidence along the path", className: "li-chart" });
    const normBox = el("div", { class: "li-chartbox li-normbox", hidden: "" });
    const norm = makeCanvas(normBox, { label: "Length of z along the path", className: "li-chart" });
    const top = el("div", { class: "li-top" });
    top.append(mapBox, now);
    box.append(head, top, ends, stripBox, chartBox, normBox);
    panelsBox.append(box);
    return { box, head, map, ends, nowImg, verdict, strip, chart, norm, normBox, geom: null };
  });
  const legend = el("ul", { class: "li-legend", "aria-label": "Digit classes of the dots" });
  for (let d = 0; d < 10; d++) {
    const dot = el("span", { class: "li-dot" });
    dot.style.setProperty("--c", `var(--class-${d})`);
    const li = el("li");
    li.append(dot, String(d));
    legend.append(li);
  }
  const note = el("p", { class: "li-note" });

  // ---- prior samples ------------------------------------------------------------------------------
  const priorBox = el("section", { class: "li-prior", "aria-label": "Samples from the prior" });
  const priorHead = el(H, { class: "li-head" });
  const priorRows = el("div", { class: "li-prior-rows" });
  priorBox.append(priorHead, priorRows);
  const priorCanvas = makeCanvas(priorRows, { label: "Prior draws decoded by each model", className: "li-prior-canvas" });
  stage.append(hint, bar, padBox, panelsBox, legend, note, priorBox);

  // ---- helpers ------------------------------------------------------------------------------------
  const A = () => frame.arrays;
  const P = (p) => frame.meta.panels[p];
  const cls = (k) => frame.meta.classes[k];
  function tile(data, offset, h = 28, w = 28) { return planeCanvas(data, offset, h, w, GREYS, off); }
  const paramOf = (p) => `${P(p).model}_ends`;
  // the latest asked-for values (a second key press builds on the first before its frame comes)
  function moved(p) { return decodePoints(sim.values()[paramOf(p)] || "", EXT); }
  function endAt(p, end) {
    const q = moved(p).find((m) => m.c === ENDS.indexOf(end));
    return q ? [q.x, q.y] : P(p)[end].map;
  }
  function setMoved(p, list) { sim.set({ [paramOf(p)]: encodePoints(list, EXT) }); }
  /** Both maps' moved copies of an endpoint go (a new digit or drawing replaces it in both). */
  function clearMoved(end) {
    const k = ENDS.indexOf(end), out = {};
    for (const name of ["ae_ends", "vae_ends"]) {
      out[name] = encodePoints(decodePoints(sim.values()[name] || "", EXT).filter((q) => q.c !== k), EXT);
    }
    return out;
  }

  // ---- drawing ------------------------------------------------------------------------------------
  function drawMap(p, c2d, w, h, c) {
    if (!frame) return;
    const m = P(p), size = Math.min(w, h), pad = { l: 34, b: 30, t: 20, r: 8 };
    const box = { x: pad.l, y: pad.t, w: size - pad.l - pad.r, h: size - pad.t - pad.b };
    const half = m.map_half, cx = m.map_centre ? m.map_centre[0] : 0, cy = m.map_centre ? m.map_centre[1] : 0;
    const dom = m.map_centre ? [[cx - half, cx + half], [cy - half, cy + half]] : [[-half, half], [-half, half]];
    axes(c2d, box, dom[0], dom[1], c, { xLabel: m.axes[0], yLabel: m.axes[1] });
    const X = (u) => box.x + ((u + 1) / 2) * box.w, Y = (v) => box.y + ((1 - v) / 2) * box.h;
    panels[p].geom = { box, X, Y };
    // where the map's square sits on the canvas (CSS pixels), for tests that drag an endpoint
    panels[p].map.canvas.dataset.box = [box.x, box.y, box.w, box.h].map((v) => v.toFixed(1)).join(",");
    c2d.save();
    c2d.beginPath(); c2d.rect(box.x, box.y, box.w, box.h); c2d.clip();
    if (m.manifold && A()[m.manifold]) {
      const g = A()[m.manifold];
      c2d.globalAlpha = 0.55; c2d.imageSmoothingEnabled = true;
      c2d.drawImage(tile(g.data, 0, g.shape[0], g.shape[1]), box.x, box.y, box.w, box.h);
      c2d.globalAlpha = 1;
    }
    c2d.globalAlpha = m.manifold ? 0.9 : 0.6;
    classDots(c2d, A()[m.dots].data, A().labels.data, X, Y, c, 1.8);
    c2d.globalAlpha = 1;
    // the path, dashed where it is far from every real digit's code
    const path = A()[`path${p}`].data, gap = A()[`gap${p}`].data, steps = frame.meta.steps;
    for (const far of [false, true]) {
      c2d.beginPath();
      for (let i = 0; i < steps; i++) {
        if ((gap[i] > GAP_FAR || gap[i + 1] > GAP_FAR) !== far) continue;
        c2d.moveTo(X(path[2 * i]), Y(path[2 * i + 1])); c2d.lineTo(X(path[2 * i + 2]), Y(path[2 * i + 3]));
      }
      c2d.lineWidth = 5; c2d.strokeStyle = c.panel; c2d.setLineDash([]); c2d.stroke();
      c2d.lineWidth = 2.5; c2d.strokeStyle = c.fg; c2d.setLineDash(far ? [5, 4] : []); c2d.stroke();
    }
    c2d.setLineDash([]);
    const tx = X(path[2 * shown]), ty = Y(path[2 * shown + 1]);
    c2d.beginPath(); c2d.arc(tx, ty, 6, 0, 2 * Math.PI);
    c2d.fillStyle = c.accent; c2d.fill(); c2d.lineWidth = 2; c2d.strokeStyle = c.panel; c2d.stroke();
    c2d.restore();
    for (const [k, end] of ENDS.entries()) {
      const dr = drag[p];
      const at = dr && dr.end === end ? [dr.x, dr.y] : m[end].map;
      const x = X(at[0]), y = Y(at[1]);
      const sel = m.draggable && chosen[p] === end && document.activeElement === panels[p].map.canvas;
      c2d.beginPath(); c2d.arc(x, y, 10, 0, 2 * Math.PI);
      c2d.fillStyle = c.panel; c2d.fill();
      c2d.lineWidth = sel ? 4 : 2; c2d.strokeStyle = sel ? c.accent : c.fg; c2d.stroke();
      c2d.fillStyle = c.fg; c2d.font = font(12); c2d.textAlign = "center"; c2d.textBaseline = "middle";
      c2d.fillText(end.toUpperCase(), x, y + 0.5);
      void k;
    }
  }

  function drawNow(p, c2d, w, h) {
    if (!frame) return;
    const s = Math.min(w, h);
    c2d.imageSmoothingEnabled = false;
    c2d.drawImage(tile(A()[`film${p}`].data, 784 * shown), (w - s) / 2, 0, s, s);
  }

  function drawStrip(p, c2d, w, h, c) {
    if (!frame) return;
    const imgs = A()[`strip${p}`], n = imgs.shape[0], gap = 4;
    const s = Math.min((w - (n - 1) * gap) / n, h - 34);
    const x0 = (w - (n * s + (n - 1) * gap)) / 2;
    panels[p].stripGeom = { x0, s, gap, n };
    const K = A()[`strip_class${p}`].data, C = A()[`strip_conf${p}`].data;
    c2d.imageSmoothingEnabled = false;
    c2d.font = font(12); c2d.textAlign = "center"; c2d.textBaseline = "top";
    for (let k = 0; k < n; k++) {
      const x = x0 + k * (s + gap);
      c2d.drawImage(tile(imgs.data, 784 * k), x, 0, s, s);
      const tk = k / (n - 1);
      if (Math.abs(tk - shown / frame.meta.steps) < 0.5 / (n - 1)) {
        c2d.lineWidth = 2; c2d.strokeStyle = c.accent; c2d.strokeRect(x - 1, -0, s + 2, s + 1);
      }
      c2d.fillStyle = c.text;
      c2d.fillText(cls(K[k]), x + s / 2, s + 3);
      c2d.fillStyle = c.muted;
      c2d.fillText(pct(C[k]), x + s / 2, s + 18);
    }
  }

  function tAxes(c2d, w, h, c, yDom, yLabel) {
    const box = { x: 38, y: 18, w: w - 46, h: h - 48 };
    const { X, Y } = axes(c2d, box, [0, 1], yDom, c, { xLabel: "t", yLabel });
    return { box, X, Y };
  }

  function drawChart(p, c2d, w, h, c) {
    if (!frame) return;
    const steps = frame.meta.steps, conf = A()[`film_conf${p}`].data, gap = A()[`gap${p}`].data;
    const { box, X, Y } = tAxes(c2d, w, h, c, [0, 1], "CNN's confidence (shaded: in a hole)");
    c2d.save();
    c2d.fillStyle = c.muted; c2d.globalAlpha = 0.18;
    for (let i = 0; i <= steps; i++) {
      if (gap[i] > GAP_FAR) c2d.fillRect(X((i - 0.5) / steps), box.y, box.w / steps + 0.5, box.h);
    }
    c2d.restore();
    const ts = Array.from({ length: steps + 1 }, (_, i) => i / steps);
    line(c2d, box, X, Y, ts, Array.from(conf), c.series("relu") || c.accent);
    c2d.strokeStyle = c.accent; c2d.lineWidth = 2;
    c2d.beginPath(); c2d.moveTo(X(shown / steps), box.y); c2d.lineTo(X(shown / steps), box.y + box.h); c2d.stroke();
  }

  function drawNorm(p, c2d, w, h, c) {
    if (!frame || !frame.meta.shell) return;
    const steps = frame.meta.steps, nz = A()[`norm${p}`].data, s = frame.meta.shell;
    let hi = s.high * 1.15;
    for (const v of nz) hi = Math.max(hi, v * 1.05);
    const { box, X, Y } = tAxes(c2d, w, h, c, [0, hi], `‖z‖ (band: 95 % of draws from N(0, I) in ${s.dims}-D)`);
    c2d.save();
    c2d.fillStyle = c.accent; c2d.globalAlpha = 0.15;
    c2d.fillRect(box.x, Y(s.high), box.w, Y(s.low) - Y(s.high));
    c2d.restore();
    line(c2d, box, X, Y, [0, 1], [s.mean, s.mean], c.muted, { width: 1, dash: [4, 4] });
    const ts = Array.from({ length: steps + 1 }, (_, i) => i / steps);
    line(c2d, box, X, Y, ts, Array.from(nz), c.fg);
    c2d.strokeStyle = c.accent; c2d.lineWidth = 2;
    c2d.beginPath(); c2d.moveTo(X(shown / steps), box.y); c2d.lineTo(X(shown / steps), box.y + box.h); c2d.stroke();
  }

  function drawPrior(c2d, w, h, c) {
    if (!frame) return;
    const rows = frame.meta.prior, n = rows[0].classes.length, gap = 4, label = Math.min(170, w * 0.3);
    const s = Math.max(18, Math.min(56, (w - label - (n - 1) * gap) / n));
    const rowH = s + 38;
    priorCanvas.canvas.style.height = `${rows.length * rowH}px`;
    c2d.imageSmoothingEnabled = false;
    rows.forEach((r, j) => {
      const y = j * rowH, imgs = A()[`prior_${r.model}`];
      c2d.font = font(13); c2d.fillStyle = c.fg; c2d.textAlign = "left"; c2d.textBaseline = "top";
      c2d.fillText(r.title, 0, y + 2);
      c2d.font = font(12); c2d.fillStyle = c.muted;
      c2d.fillText(`mean confidence ${pct(r.mean_confidence)}`, 0, y + 20);
      c2d.fillText(`over ${frame.meta.prior_draws} draws`, 0, y + 36);
      c2d.textAlign = "center";
      for (let k = 0; k < n; k++) {
        const x = label + k * (s + gap);
        if (x + s > w) break;
        c2d.drawImage(tile(imgs.data, 784 * k), x, y, s, s);
        c2d.fillStyle = c.text; c2d.fillText(`${cls(r.classes[k])} · ${pct(r.confidence[k])}`, x + s / 2, y + s + 3);
      }
    });
  }

  for (const [p, v] of panels.entries()) {
    v.map.setDraw((...a) => drawMap(p, ...a));
    v.nowImg.setDraw((...a) => drawNow(p, ...a));
    v.strip.setDraw((...a) => drawStrip(p, ...a));
    v.chart.setDraw((...a) => drawChart(p, ...a));
    v.norm.setDraw((...a) => drawNorm(p, ...a));
  }
  priorCanvas.setDraw(drawPrior);

  // ---- what depends on t only: drawn from the frame, without asking the server ------------------
  function showT(i) {
    shown = Math.max(0, Math.min(frame.meta.steps, i));
    const t = (shown / frame.meta.steps).toFixed(2);
    tText.textContent = `t = ${t}`;
    root.dataset.t = t;
    for (const [p, v] of panels.entries()) {
      const k = A()[`film_class${p}`].data[shown], conf = A()[`film_conf${p}`].data[shown];
      v.box.dataset.predictionT = String(k);
      v.verdict.textContent = `At t = ${t} the CNN reads ${cls(k)} (${pct(conf)})`;
      v.map.redraw(); v.nowImg.redraw(); v.strip.redraw(); v.chart.redraw();
      if (frame.meta.shell) v.norm.redraw();
    }
    root.dataset.predictionT = panels[1].box.dataset.predictionT;
  }
  /** Say where t is and what each panel reads there (not while playing: too fast to hear). */
  function sayT() {
    if (!frame || playing) return;
    const t = (shown / frame.meta.steps).toFixed(2);
    const parts = panels.map((v, p) => {
      const k = A()[`film_class${p}`].data[shown], conf = A()[`film_conf${p}`].data[shown];
      const who = frame.meta.view === "compare" ? P(p).title : `${P(p).path} path`;
      return `${who} reads ${cls(k)} (${pct(conf)})`;
    });
    sim.say(`t = ${t}: ${parts.join("; ")}.`);
  }

  function render(f, v) {
    frame = f; values = v;
    const m = f.meta;
    if (!playing) tFloat = m.t;
    for (const [p, pv] of panels.entries()) {
      const pm = m.panels[p];
      pv.box.dataset.model = pm.model;
      pv.box.dataset.path = pm.path;
      pv.box.dataset.predictionA = String(pm.prediction_a);
      pv.box.dataset.predictionB = String(pm.prediction_b);
      pv.box.dataset.a = pm.a.map.map((v) => v.toFixed(4)).join(",");
      pv.box.dataset.b = pm.b.map.map((v) => v.toFixed(4)).join(",");
      pv.head.textContent = m.view === "compare" ? `${pm.title} (2-D code)` : `${pm.title}: ${pm.path} path`;
      pv.map.canvas.setAttribute("aria-label",
        `Map of ${pm.dims === 2 ? "the 2-D codes" : "the 16-D codes seen along their first two principal directions"} of the 2,000 held-out digits, coloured by class, with A, B and the path`);
      pv.map.canvas.tabIndex = pm.draggable ? 0 : -1;
      if (pm.draggable) pv.map.canvas.setAttribute("aria-describedby", hintId);
      else pv.map.canvas.removeAttribute("aria-describedby");
      pv.map.canvas.classList.toggle("li-draggable", pm.draggable);
      const hole = pm.hole_share > 0
        ? `${pct(pm.hole_share)} of the path crosses holes (dashed), deepest at t = ${pm.widest_gap_t.toFixed(2)}.`
        : "The whole path stays among real digits' codes.";
      pv.ends.textContent = `A: ${pm.a.source}, read as ${cls(pm.prediction_a)}. B: ${pm.b.source}, read as ${cls(pm.prediction_b)}. ${hole}`;
      pv.normBox.hidden = !m.shell;
    }
    root.dataset.predictionA = String(m.panels[1].prediction_a);
    root.dataset.predictionB = String(m.panels[1].prediction_b);
    note.textContent = m.view === "compare"
      ? "Each model has its own map: the same two digits are encoded by each. Drag A or B, click a dot to make that digit an endpoint, or click empty space to move the chosen endpoint there. Dashed and shaded: a hole, where the path is farther from every held-out digit's code than 19 in 20 digits are from their nearest neighbour."
      : "16 numbers per digit cannot be drawn, so each map shows the codes along their two main directions; the straight and the spherical path join the same endpoints. With endpoints drawn from the prior, the straight path's midpoint sinks below the band where prior draws lie; the spherical path stays in it.";
    priorHead.textContent = `Samples from the prior N(0, I), seed ${v.seed}: the CNN's reading and confidence under each`;
    if (priorSeed !== v.seed) { priorSeed = v.seed; priorCanvas.redraw(); } // unchanged otherwise
    showT(Math.round(tFloat * m.steps));
    sayT();
  }

  sim = instantSim(root, ctx, render);
  values = sim.values();

  // ---- t: the slider draws at once from the frame; Play runs t at the display's rate -------------
  const tInput = sim.form.elements.t;
  const onTInput = () => {
    if (!frame || playing) return;
    tFloat = Number(tInput.value);
    showT(Math.round(tFloat * frame.meta.steps));
    sim.drawn(); // a picture, drawn before the server's frame for the same t comes back
    sayT();
  };
  tInput.addEventListener("input", onTInput);
  // one step of t (0.01) per display frame: a pass from A to B in 101 frames (1.7 s at 60 Hz);
  // Loop goes back and forth
  function tick() {
    raf = 0;
    if (!playing || !frame) return;
    const steps = frame.meta.steps;
    let i = shown + dir;
    if (i > steps || i < 0) {
      if (!loopBox.checked) { stop(); return; }
      dir = -dir; i = shown + dir;
    }
    tFloat = i / steps;
    setParam(sim.form, "t", tFloat.toFixed(2));
    showT(i);
    sim.drawn();
    raf = requestAnimationFrame(tick);
  }
  function start() {
    if (!frame) return;
    sim.used();
    if (shown >= frame.meta.steps) { shown = 0; dir = 1; } else if (shown <= 0) dir = 1;
    playing = true;
    playBtn.textContent = "Pause"; playBtn.classList.add("li-playing");
    raf = requestAnimationFrame(tick);
  }
  function stop() {
    playing = false; cancelAnimationFrame(raf); raf = 0;
    playBtn.textContent = "Play"; playBtn.classList.remove("li-playing");
    sim.set({ t: (shown / frame.meta.steps).toFixed(2) }); // the URL keeps where it stopped
  }
  const onPlay = () => (playing ? stop() : start());
  /** A click on a strip image or on a chart moves t there (as the slider would). */
  function goTo(t) {
    if (!frame) return;
    if (playing) stop();
    const v = Math.max(0, Math.min(1, Math.round(t * frame.meta.steps) / frame.meta.steps));
    tFloat = v;
    sim.set({ t: v.toFixed(2) });
  }
  for (const pv of panels) {
    pv.strip.canvas.addEventListener("click", (ev) => {
      const g = pv.stripGeom, r = pv.strip.canvas.getBoundingClientRect();
      if (!g) return;
      const k = Math.floor((ev.clientX - r.left - g.x0 + g.gap / 2) / (g.s + g.gap));
      if (k >= 0 && k < g.n) goTo(k / (g.n - 1));
    });
    for (const chart of [pv.chart, pv.norm]) {
      chart.canvas.addEventListener("click", (ev) => {
        const r = chart.canvas.getBoundingClientRect();
        goTo((ev.clientX - r.left - 38) / (r.width - 46));
      });
    }
  }
  playBtn.addEventListener("click", onPlay);

  // ---- endpoints: digit sliders, drag, click, keys ------------------------------------------------
  const onForm = (ev) => {
    const name = ev.target.name;
    if (name === "a" || name === "b") {
      const out = clearMoved(name);
      if (sim.values()[`${name}_drawing`]) out[`${name}_drawing`] = "";
      sim.set(out);
    }
  };
  sim.form.addEventListener("input", onForm);

  function mapPoint(p, ev) {
    const g = panels[p].geom, r = panels[p].map.canvas.getBoundingClientRect();
    if (!g) return null;
    const x = ((ev.clientX - r.left - g.box.x) / g.box.w) * 2 - 1;
    const y = 1 - ((ev.clientY - r.top - g.box.y) / g.box.h) * 2;
    return [Math.max(-1, Math.min(1, x)), Math.max(-1, Math.min(1, y))];
  }
  function nearestDot(p, [x, y], within) {
    const dots = A()[P(p).dots].data, g = panels[p].geom;
    const scale = g.box.w / 2; // map units → CSS pixels
    let best = -1, bd = (within / scale) ** 2;
    for (let i = 0; i < dots.length / 2; i++) {
      const d = (dots[2 * i] - x) ** 2 + (dots[2 * i + 1] - y) ** 2;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }
  function moveTo(p, end, x, y) {
    const k = ENDS.indexOf(end);
    setMoved(p, [...moved(p).filter((q) => q.c !== k), { x, y, c: k }]);
  }
  panels.forEach((pv, p) => {
    const cv = pv.map.canvas;
    let down = null;
    cv.addEventListener("pointerdown", (ev) => {
      if (!frame || !P(p).draggable || (ev.button > 0 && ev.pointerType === "mouse")) return;
      const at = mapPoint(p, ev), g = pv.geom;
      if (!at) return;
      const px = (u) => (u * g.box.w) / 2;
      const hit = ENDS.find((e) => Math.hypot(px(P(p)[e].map[0] - at[0]), px(P(p)[e].map[1] - at[1])) < 14);
      ev.preventDefault();
      down = { at, hit };
      if (hit) {
        chosen[p] = hit;
        cv.setPointerCapture(ev.pointerId);
        drag[p] = { end: hit, x: at[0], y: at[1] };
        sim.used();
      }
    });
    cv.addEventListener("pointermove", (ev) => {
      if (!drag[p]) return;
      const at = mapPoint(p, ev);
      drag[p].x = at[0]; drag[p].y = at[1];
      moveTo(p, drag[p].end, at[0], at[1]);
      pv.map.redraw();
    });
    const up = (ev) => {
      if (!down) return;
      const at = mapPoint(p, ev) || down.at;
      if (drag[p]) { moveTo(p, drag[p].end, at[0], at[1]); drag[p] = null; }
      else if (Math.hypot(at[0] - down.at[0], at[1] - down.at[1]) < 0.02) {
        const end = chosen[p], i = nearestDot(p, at, 5);
        if (i >= 0) sim.set({ [end]: i, [`${end}_drawing`]: "", ...clearMoved(end) });
        else moveTo(p, end, at[0], at[1]);
      }
      down = null;
    };
    cv.addEventListener("pointerup", up);
    cv.addEventListener("pointercancel", () => { drag[p] = null; down = null; pv.map.redraw(); });
    cv.addEventListener("keydown", (ev) => {
      if (!frame || !P(p).draggable) return;
      const key = ev.key.toLowerCase();
      if (key === "a" || key === "b") { chosen[p] = key; pv.map.redraw(); ro.show(`Endpoint ${key.toUpperCase()} chosen`); ev.preventDefault(); return; }
      const end = chosen[p], k = ENDS.indexOf(end);
      if (ev.key === "Delete" || ev.key === "Backspace") {
        setMoved(p, moved(p).filter((q) => q.c !== k)); ev.preventDefault(); return;
      }
      const dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      const d = dirs[ev.key];
      if (!d) return;
      ev.preventDefault();
      const stepSize = ev.shiftKey ? 0.1 : 0.02, at = endAt(p, end);
      const x = Math.max(-1, Math.min(1, at[0] + d[0] * stepSize)), y = Math.max(-1, Math.min(1, at[1] + d[1] * stepSize));
      moveTo(p, end, x, y);
      ro.show(`${end.toUpperCase()} at (${x.toFixed(2)}, ${y.toFixed(2)}) on the ${P(p).title}'s map`);
    });
    cv.addEventListener("focus", () => pv.map.redraw());
    cv.addEventListener("blur", () => pv.map.redraw());
  });
  const ro = readout(root, panelsBox, (x, y) => {
    if (!frame) return "";
    for (const [p, pv] of panels.entries()) {
      const r = pv.map.canvas.getBoundingClientRect(), pr = panelsBox.getBoundingClientRect(), g = pv.geom;
      if (!g) continue;
      const cx = x + pr.left - r.left, cy = y + pr.top - r.top;
      if (cx < g.box.x || cy < g.box.y || cx > g.box.x + g.box.w || cy > g.box.y + g.box.h) continue;
      const at = [((cx - g.box.x) / g.box.w) * 2 - 1, 1 - ((cy - g.box.y) / g.box.h) * 2];
      const i = nearestDot(p, at, 6);
      const here = `${P(p).title}: (${at[0].toFixed(2)}, ${at[1].toFixed(2)}) on the map`;
      return i >= 0 ? `${here} · held-out digit #${i}, a ${A().labels.data[i]} (click to make it the chosen endpoint)` : here;
    }
    return "";
  });

  // ---- drawing an endpoint --------------------------------------------------------------------------
  let sending = false, again = null;
  async function sendInk(pixels) {
    if (sending) { again = pixels; return; }
    sending = true;
    const code = await encodePixels(pixels);
    sending = false;
    if (padFor) sim.set({ ends: "digits", [`${padFor}_drawing`]: code, ...clearMoved(padFor) });
    if (again) { const next = again; again = null; sendInk(next); }
  }
  const pad = drawingPad(padCanvas, { onStart() {}, onInk(px) { sendInk(new Uint8Array(px)); } });
  function openPad(end) {
    const open = padFor !== end;
    padFor = open ? end : null;
    padBox.hidden = !open;
    drawA.setAttribute("aria-expanded", String(padFor === "a"));
    drawB.setAttribute("aria-expanded", String(padFor === "b"));
    if (!open) return;
    pad.clear();
    padNote.textContent = `Draw endpoint ${end.toUpperCase()}: each model encodes your digit, prepared as MNIST's digits were.`;
    padCanvas.focus?.();
  }
  const onDrawA = () => openPad("a"), onDrawB = () => openPad("b");
  drawA.addEventListener("click", onDrawA);
  drawB.addEventListener("click", onDrawB);
  padClear.addEventListener("click", () => { pad.clear(); if (padFor) sim.set({ [`${padFor}_drawing`]: "" }); });
  padDone.addEventListener("click", () => openPad(padFor));
  function padColours() {
    const c = panels[0].map.colors();
    pad.colours(rgb(c.fg), rgb(c.panel));
  }
  padColours();
  window.addEventListener("deepbook:theme", padColours);

  return {
    set: sim.set,
    destroy() {
      cancelAnimationFrame(raf);
      tInput.removeEventListener("input", onTInput);
      sim.form.removeEventListener("input", onForm);
      playBtn.removeEventListener("click", onPlay);
      drawA.removeEventListener("click", onDrawA);
      drawB.removeEventListener("click", onDrawB);
      window.removeEventListener("deepbook:theme", padColours);
      ro.destroy(); pad.destroy(); sim.destroy();
      for (const pv of panels) { pv.map.destroy(); pv.nowImg.destroy(); pv.strip.destroy(); pv.chart.destroy(); pv.norm.destroy(); }
      priorCanvas.destroy();
    },
  };
}
