// The playground's network diagram: the input features (all seven; the ones in use show their
// map, the others are dimmed, and a click turns one on or off), every hidden unit as a small map
// of its output, the output units, and links whose width and colour show the weights (biases as
// small squares at each unit's corner). An SVG holds the links and outlines, built again only when
// the architecture changes; each frame changes attributes of links whose look changed. One
// canvas under it draws every unit's map from one atlas image. Hovering (or arrow keys) picks a
// unit — shown large on the output map — a link or a bias, and the readout gives its value.
// Clicking a link or a bias (or Enter on a picked unit) opens the weight editor (edit.js).
// Above the diagram: +/− for the number of hidden layers and for each layer's units, and
// optional per-layer activations below it; each edit goes through set(), as a control would.
import { makeCanvas } from "../../lib/plot.js";
import { readout } from "../../lib/readout.js";
import { weightEditor } from "./edit.js";
import { el, paints, show, svgEl, text } from "./util.js";

const MAX_LAYERS = 8, MAX_UNITS = 32, MIN_UNITS = 1;
const LINKS_PER_FRAME = 1500; // more links than this are brought up to date over a few frames
const GUTTER = { l: 46, r: 52, t: 8, b: 8 };

const layersOf = (v) => String(v.layers || "").split(",").filter((s) => s.trim()).map(Number);
const actsOf = (v) => String(v.activations || "").split(",").filter((s) => s.trim());

/** The diagram under `parent`. `state()` gives the latest figures; `sim` is the view's sim
 *  (set, values, say); `focus(what)` shows a unit's map on the large map (null: the output);
 *  `outputPicture()` is the output map's small canvas (drawn in a single output unit). */
export function network(parent, root, ctx, { state, sim, focus, outputPicture }) {
  const left = el("div", { class: "pg-left" });
  parent.append(left);
  const features = [...sim.form.querySelectorAll('input[name="features"]')].map((box) => ({
    name: box.value, label: box.closest("label")?.textContent.trim() || box.value,
  }));
  const actOptions = [...(sim.form.elements.activation?.options || [])].map((o) => [o.value, o.textContent]);
  const actLabel = Object.fromEntries(actOptions);

  // ---- toolbar: layers, per-layer activations --------------------------------------------
  const tools = el("div", { class: "pg-nettools" });
  const btns = el("span", { class: "pg-layer-btns", role: "group", "aria-label": "Hidden layers" });
  const minus = el("button", { type: "button", class: "pg-small", "aria-label": "Remove the last hidden layer" }, "−");
  const plus = el("button", { type: "button", class: "pg-small", "aria-label": "Add a hidden layer" }, "+");
  btns.append(minus, plus);
  const count = el("span", { class: "pg-count" });
  const perId = `${ctx.key}-pg-perlayer`;
  const perLabel = el("label", { class: "check pg-perlayer", for: perId });
  const per = el("input", { type: "checkbox", id: perId });
  perLabel.append(per, "Per-layer activations");
  tools.append(btns, count, perLabel);
  const heads = el("div", { class: "pg-heads" });
  const net = el("div", {
    class: "pg-net", tabindex: "0", role: "group", "aria-roledescription": "network diagram",
    "aria-describedby": `${ctx.key}-pg-net-hint`,
  });
  const hint = el("p", { class: "visually-hidden", id: `${ctx.key}-pg-net-hint` },
    "Arrow keys pick a unit: its map is shown on the output map and the readout gives its bias. "
    + "Enter or Space turns the picked input feature on or off; on a unit, Enter edits its bias "
    + "and incoming weights. Hover a link for its weight; click it to edit it.");
  const acts = el("div", { class: "pg-acts", hidden: "" });
  left.append(tools, heads, net, hint, acts);
  const canvas = makeCanvas(net, { label: "Network diagram", className: "pg-net-maps" });
  const svg = svgEl("svg", { class: "pg-net-svg", "aria-hidden": "true" });
  const gLinks = svgEl("g", { class: "pg-links" }), gNodes = svgEl("g"), gBias = svgEl("g");
  const sel = svgEl("rect", { class: "pg-sel", visibility: "hidden", rx: 3 });
  svg.append(gLinks, gNodes, gBias, sel);
  net.append(svg);

  const paint = paints();
  const atlas = document.createElement("canvas"), fatlas = document.createElement("canvas");
  let atlasImg = null, fImg = null, fDirty = true, lutSeen = null, turn = 0;
  let arch = null; // {key, cols: [[node]], links: [link], L}
  let size = [0, 0], hot = null, picked = null, locks = { layers: false, features: false, activation: false };

  // ---- architecture -------------------------------------------------------------------------
  function build(meta) {
    const sizes = meta.sizes, L = sizes.length - 2, active = meta.features;
    const cols = [features.map((f) => ({
      kind: "feature", name: f.name, label: f.label, index: active.indexOf(f.name),
    }))];
    for (let l = 1; l <= L; l++) {
      const base = sizes.slice(1, l).reduce((a, b) => a + b, 0);
      cols.push(Array.from({ length: sizes[l] }, (_, j) => ({
        kind: "hidden", layer: l, unit: j, index: base + j,
        label: `Layer ${l}, unit ${j + 1}`, act: meta.activations[l - 1],
      })));
    }
    const nOut = sizes[L + 1], probs = meta.loss === "cross_entropy";
    cols.push(Array.from({ length: nOut }, (_, j) => ({
      kind: "output", unit: j, label: nOut === 1 ? "Output" : `Output ${j + 1}`,
      tag: nOut === 1 ? "output" : probs ? `class ${j}` : `out ${j + 1}`,
    })));
    const links = [];
    let off = 0;
    for (let b = 0; b <= L; b++) {
      const from = b === 0 ? active.map((n) => cols[0].find((f) => f.name === n)) : cols[b];
      const to = cols[b + 1], fanIn = sizes[b], fanOut = sizes[b + 1];
      to.forEach((z, j) => { z.bias = off + fanIn * fanOut + j; z.block = b; z.j = j; z.inLinks = []; });
      from.forEach((a, i) => to.forEach((z, j) => {
        const k = { b, a, z, i, j, w: off + i * fanOut + j };
        links.push(k); z.inLinks.push(k);
      }));
      off += (fanIn + 1) * fanOut;
    }
    gLinks.replaceChildren(); gNodes.replaceChildren(); gBias.replaceChildren();
    for (const k of links) {
      k.path = svgEl("path", { class: "pg-link" });
      gLinks.append(k.path);
    }
    for (const col of cols) {
      for (const n of col) {
        n.rect = svgEl("rect", { class: `pg-node pg-${n.kind}${n.kind === "feature" && n.index < 0 ? " pg-off" : ""}`, rx: 2 });
        gNodes.append(n.rect);
        if (n.kind === "feature" || n.kind === "output") {
          n.text = svgEl("text", { class: "pg-node-label" });
          n.text.textContent = n.kind === "feature" ? n.label : n.tag;
          gNodes.append(n.text);
        }
        if (n.bias !== undefined) { n.brect = svgEl("rect", { class: "pg-bias" }); gBias.append(n.brect); }
      }
    }
    arch = { cols, links, L, nOut, lastW: new Float32Array(links.length).fill(-1), lastC: new Int8Array(links.length).fill(-1),
      lastB: new Int8Array(cols.flat().length).fill(-1) };
    size = [0, 0];
    buildHeads(meta);
    hot = null; picked = null; sel.setAttribute("visibility", "hidden");
    const hidden = L ? `hidden layers of ${sizes.slice(1, L + 1).join(", ")} units` : "no hidden layer";
    net.setAttribute("aria-label", `Network: ${active.length} input feature${active.length === 1 ? "" : "s"}, `
      + `${hidden}, ${nOut} output${nOut === 1 ? "" : "s"}; ${meta.n_params} weights and biases.`);
  }

  function buildHeads(meta) {
    const L = meta.sizes.length - 2;
    const list = [el("div", { class: "pg-head pg-head-text" }, "Features")];
    for (let l = 1; l <= L; l++) {
      const n = meta.sizes[l];
      const h = el("div", { class: "pg-head", role: "group", "aria-label": `Hidden layer ${l}` });
      const m = el("button", { type: "button", class: "pg-small", "aria-label": `Remove a unit from hidden layer ${l}` }, "−");
      const p = el("button", { type: "button", class: "pg-small", "aria-label": `Add a unit to hidden layer ${l}` }, "+");
      if (n <= MIN_UNITS) m.disabled = true;
      if (n >= MAX_UNITS) p.disabled = true;
      m.dataset.layer = String(l - 1); m.dataset.delta = "-1";
      p.dataset.layer = String(l - 1); p.dataset.delta = "1";
      h.append(m, el("span", { class: "pg-units", title: `${n} units` }, String(n)), p);
      list.push(h);
    }
    list.push(el("div", { class: "pg-head pg-head-text" }, "Output"));
    const was = heads.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
    heads.replaceChildren(...list);
    if (was) keepFocus(heads, `button[aria-label="${was}"]`);
    text(count, L === 1 ? "1 hidden layer" : `${L} hidden layers`);
    minus.disabled = L === 0; plus.disabled = L >= MAX_LAYERS;
  }

  function buildActs(meta, v) {
    const L = meta.sizes.length - 2, on = actsOf(v).length > 0 && L > 0;
    per.checked = on;
    per.disabled = L === 0;
    acts.hidden = !on || locks.activation;
    if (!on) { acts.replaceChildren(); return; }
    const list = [];
    for (let l = 0; l < L; l++) {
      const id = `${ctx.key}-pg-act-${l}`;
      const wrap = el("span", { class: "pg-act" });
      const s = el("select", { id, "data-layer": String(l) });
      for (const [value, label] of actOptions) {
        const o = el("option", { value }, label);
        if (value === meta.activations[l]) o.selected = true;
        s.append(o);
      }
      wrap.append(el("label", { for: id }, `Layer ${l + 1}`), s);
      list.push(wrap);
    }
    const was = acts.contains(document.activeElement) ? document.activeElement.id : null;
    acts.replaceChildren(...list);
    if (was) keepFocus(acts, `#${was}`);
  }

  /** After a rebuild, focus goes back to the same control (or the nearest one still there). */
  function keepFocus(box, selector) {
    const again = box.querySelector(selector) || box.querySelector("button:not(:disabled), select");
    (again && !again.disabled ? again : net).focus();
  }

  // ---- layout -------------------------------------------------------------------------------
  function layout(w, h) {
    const { cols } = arch, C = cols.length;
    const rows = Math.max(...cols.map((c) => c.length));
    const inner = w - GUTTER.l - GUTTER.r, gap = inner / (C - 1);
    const s = Math.max(6, Math.floor(Math.min(52, (h - GUTTER.t - GUTTER.b) / (rows * 1.22), gap * 0.55)));
    const bs = Math.max(3, Math.round(s * 0.2));
    arch.s = s;
    cols.forEach((col, c) => {
      const x = GUTTER.l + s / 2 + (c * (inner - s)) / (C - 1);
      const pitch = Math.min((h - GUTTER.t - GUTTER.b) / col.length, s * 1.55);
      col.forEach((n, i) => {
        n.x = x; n.y = h / 2 + (i - (col.length - 1) / 2) * pitch; n.s = s;
        const r = n.rect;
        r.setAttribute("x", n.x - s / 2); r.setAttribute("y", n.y - s / 2);
        r.setAttribute("width", s); r.setAttribute("height", s);
        if (n.text) {
          n.text.setAttribute("x", n.kind === "feature" ? n.x - s / 2 - 5 : n.x + s / 2 + 5);
          n.text.setAttribute("y", n.y);
          n.text.setAttribute("text-anchor", n.kind === "feature" ? "end" : "start");
        }
        if (n.brect) {
          n.bx = n.x - s / 2 - bs * 0.6; n.by = n.y + s / 2 - bs * 0.4; n.bs = bs;
          n.brect.setAttribute("x", n.bx); n.brect.setAttribute("y", n.by);
          n.brect.setAttribute("width", bs); n.brect.setAttribute("height", bs);
        }
      });
      const head = heads.children[c];
      if (head) head.style.left = `${x}px`;
    });
    for (const k of arch.links) {
      const x0 = k.a.x + s / 2, x1 = k.z.x - s / 2, xm = (x0 + x1) / 2;
      k.path.setAttribute("d", `M${x0.toFixed(1)} ${k.a.y.toFixed(1)}C${xm.toFixed(1)} ${k.a.y.toFixed(1)} ${xm.toFixed(1)} ${k.z.y.toFixed(1)} ${x1.toFixed(1)} ${k.z.y.toFixed(1)}`);
    }
    heads.classList.toggle("pg-tight", gap < 76); // "− 8 +" side by side needs room
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    if (picked) placeSel(picked);
  }

  // ---- each frame ---------------------------------------------------------------------------
  function paintAtlas(img, cv, arr, lut) {
    const [count, M] = arr.shape, need = M * M * count;
    if (!count) return null;
    if (!img || img.width !== M || img.height !== M * count) {
      img = new ImageData(M, M * count); cv.width = M; cv.height = M * count;
    }
    const px = img.data, d = arr.data;
    for (let k = 0; k < count; k++) {
      for (let r = 0; r < M; r++) {
        const src = k * M * M + r * M, dst = 4 * (k * M * M + (M - 1 - r) * M); // row 0 at the bottom
        for (let c = 0; c < M; c++) {
          const q = 3 * d[src + c], o = dst + 4 * c;
          px[o] = lut[q]; px[o + 1] = lut[q + 1]; px[o + 2] = lut[q + 2]; px[o + 3] = 255;
        }
      }
    }
    if (need) cv.getContext("2d").putImageData(img, 0, 0);
    return img;
  }

  /** Links' width and colour from their weights: only attributes whose quantised value changed
   *  are written; beyond LINKS_PER_FRAME links, a share of them each frame, in turn. */
  function updateLinks(p, params) {
    const { links, lastW, lastC, lastB } = arch, wmax = Math.max(1.5, Math.min(7, arch.s / 7));
    const shares = Math.ceil(links.length / LINKS_PER_FRAME), share = turn++ % shares;
    for (let i = share; i < links.length; i += shares) {
      let w = params[links[i].w];
      if (!Number.isFinite(w)) w = 0;
      const width = Math.round(Math.min(wmax, 0.5 + 1.2 * Math.abs(w)) * 4) / 4;
      const ci = Math.round((Math.max(-1, Math.min(1, w)) + 1) * 16);
      const path = links[i].path;
      if (lastW[i] !== width) { lastW[i] = width; path.setAttribute("stroke-width", width); }
      if (lastC[i] !== ci) { lastC[i] = ci; path.setAttribute("stroke", p.linkCss[ci]); }
    }
    let k = 0;
    for (const col of arch.cols) {
      for (const n of col) {
        if (n.brect) {
          const b = params[n.bias], ci = Math.round((Math.max(-1, Math.min(1, Number.isFinite(b) ? b : 0)) + 1) * 16);
          if (lastB[k] !== ci) { lastB[k] = ci; n.brect.setAttribute("fill", p.linkCss[ci]); }
        }
        k++;
      }
    }
  }

  function draw(c2d, w, h, c) {
    const s = state();
    if (!s || !arch) return;
    if (w !== size[0] || h !== size[1]) { size = [w, h]; layout(w, h); }
    const p = paint(c);
    if (p !== lutSeen) { lutSeen = p; fDirty = true; arch.lastC.fill(-1); arch.lastB.fill(-1); }
    atlasImg = paintAtlas(atlasImg, atlas, s.neurons, p.strong);
    if (fDirty && s.features) { fImg = paintAtlas(fImg, fatlas, s.features, p.strong); fDirty = false; }
    updateLinks(p, s.params);
    c2d.imageSmoothingEnabled = true;
    for (const col of arch.cols) {
      for (const n of col) {
        const x = n.x - n.s / 2, y = n.y - n.s / 2;
        if (n.kind === "hidden" && atlasImg) {
          const M = s.neurons.shape[1];
          c2d.drawImage(atlas, 0, n.index * M, M, M, x, y, n.s, n.s);
        } else if (n.kind === "feature" && n.index >= 0 && fImg && s.features && n.index < s.features.shape[0]) {
          const M = s.features.shape[1];
          c2d.drawImage(fatlas, 0, n.index * M, M, M, x, y, n.s, n.s);
        } else if (n.kind === "output") {
          const pic = outputPicture();
          if (arch.nOut === 1) { if (pic.width) c2d.drawImage(pic, x, y, n.s, n.s); }
          else { c2d.fillStyle = p.classCss[n.unit] || c.muted; c2d.fillRect(x, y, n.s, n.s); }
        }
      }
    }
    if (hot) read.show(describe(hot));
  }
  canvas.setDraw(draw);

  // ---- hover and keys -----------------------------------------------------------------------
  /** What is under (x, y): a bias square, a unit, or the nearest link within a few pixels. */
  function hit(x, y) {
    if (!arch || !arch.s) return null;
    for (const col of arch.cols) {
      for (const n of col) {
        if (n.brect && x >= n.bx - 1 && x <= n.bx + n.bs + 1 && y >= n.by - 1 && y <= n.by + n.bs + 1) return { kind: "bias", node: n };
      }
    }
    for (const col of arch.cols) {
      for (const n of col) if (Math.abs(x - n.x) <= n.s / 2 + 2 && Math.abs(y - n.y) <= n.s / 2 + 2) return { kind: "node", node: n };
    }
    // links of one block share their ends' x, so the Bézier's t at this x is the same for all
    const s = arch.s;
    let best = null, bestD = 6;
    for (let b = 0; b <= arch.L; b++) {
      const x0 = arch.cols[b][0].x + s / 2, x1 = arch.cols[b + 1][0].x - s / 2;
      if (x < x0 || x > x1) continue;
      const xm = (x0 + x1) / 2;
      const xt = (t) => (1 - t) ** 3 * x0 + 3 * (1 - t) ** 2 * t * xm + 3 * (1 - t) * t * t * xm + t ** 3 * x1;
      let lo = 0, hi = 1;
      for (let i = 0; i < 24; i++) { const mid = (lo + hi) / 2; if (xt(mid) < x) lo = mid; else hi = mid; }
      const t = (lo + hi) / 2, a = (1 - t) ** 3 + 3 * (1 - t) ** 2 * t;
      for (const k of arch.links) {
        if (k.b !== b) continue;
        const d = Math.abs(k.a.y * a + k.z.y * (1 - a) - y);
        if (d < bestD) { bestD = d; best = k; }
      }
    }
    return best ? { kind: "link", link: best } : null;
  }

  const name = (n) => (n.kind === "feature" ? n.label : n.kind === "hidden" ? `layer ${n.layer}, unit ${n.unit + 1}` : n.label.toLowerCase());
  function describe(h) {
    const params = state()?.params;
    if (!params) return "";
    if (h.kind === "link") return `Weight from ${name(h.link.a)} to ${name(h.link.z)}: ${show(params[h.link.w])} (click to edit)`;
    if (h.kind === "bias") return `Bias of ${name(h.node)}: ${show(params[h.node.bias])} (click to edit)`;
    const n = h.node;
    if (n.kind === "feature") {
      if (n.index < 0) return `Input ${n.label}: not used${locks.features ? "" : " (click to use it)"}`;
      return `Input ${n.label}: its map is on the output plot${locks.features ? "" : " (click to stop using it)"}`;
    }
    if (n.kind === "hidden") return `${n.label} (${actLabel[n.act] || n.act}): its map is on the output plot; bias ${show(params[n.bias])}`;
    return `${n.label}: bias ${show(params[n.bias])}`;
  }

  function setHot(h) {
    const before = hot?.kind === "link" ? hot.link : null, after = h?.kind === "link" ? h.link : null;
    if (before !== after) {
      before?.path.classList.remove("pg-hot");
      if (after) { after.path.classList.add("pg-hot"); gLinks.append(after.path); } // on top
    }
    hot = h;
    const n = h?.kind === "node" ? h.node : null;
    if (n) placeSel(n);
    else if (picked) placeSel(picked);
    else sel.setAttribute("visibility", "hidden");
    if (n && n.kind === "hidden") focus({ kind: "neuron", index: n.index, label: n.label });
    else if (n && n.kind === "feature" && n.index >= 0) focus({ kind: "feature", index: n.index, label: `Input ${n.label}` });
    else focus(null);
    net.classList.toggle("pg-pointer", !!(n && n.kind === "feature" && !locks.features));
    return h ? describe(h) : "";
  }
  const read = readout(root, net, (px, py) => setHot(hit(px, py)));
  // a touch ends with a pointerleave: what was tapped stays on show until the next tap
  const onLeave = (ev) => { if (ev.pointerType !== "touch") setHot(null); };
  const onClick = (ev) => {
    const r = net.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top, h = hit(x, y);
    if (h?.kind === "node" && h.node.kind === "feature") toggleFeature(h.node);
    else read.show(setHot(h));
    if (h?.kind === "link") openEditor(h.link.z, 1 + h.link.z.inLinks.indexOf(h.link), x, y);
    else if (h?.kind === "bias") openEditor(h.node, 0, x, y);
  };

  // ---- the weight editor ----------------------------------------------------------------------
  const editor = weightEditor(net, ctx, {
    send(t, value) {
      sim.send({ type: "edit", layer: t.layer, from: t.from, to: t.to, value });
      sim.say(`${t.label[0].toUpperCase()}${t.label.slice(1)} set to ${show(value)}.`);
    },
    current: (index) => state()?.params?.[index],
    done: () => net.focus(),
  });
  /** The editor for unit n's bias (choice 0) and incoming weights (1 + their number). */
  function openEditor(n, chosen, x, y) {
    if (n.bias === undefined) return;
    const targets = [{ label: "its bias", layer: n.block, from: null, to: n.j, index: n.bias }];
    for (const k of n.inLinks) targets.push({ label: `weight from ${name(k.a)}`, layer: k.b, from: k.i, to: k.j, index: k.w });
    editor.open(name(n), targets, chosen, x, y);
  }

  function placeSel(n) {
    sel.setAttribute("x", n.x - n.s / 2 - 3); sel.setAttribute("y", n.y - n.s / 2 - 3);
    sel.setAttribute("width", n.s + 6); sel.setAttribute("height", n.s + 6);
    sel.setAttribute("visibility", "visible");
  }
  function pick(col, row) {
    const cols = arch.cols, c = Math.max(0, Math.min(cols.length - 1, col));
    const r = Math.max(0, Math.min(cols[c].length - 1, row));
    picked = cols[c][r]; picked.col = c; picked.row = r;
    placeSel(picked);
    read.show(setHot({ kind: "node", node: picked }));
  }
  const onKey = (ev) => {
    if (!arch || editor.isOpen) return; // keys in the editor are the editor's
    const at = picked ? [picked.col, picked.row] : null;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (ev.key in moves) {
      ev.preventDefault();
      if (!at) { pick(1 < arch.cols.length - 1 ? 1 : 0, 0); return; }
      const [dc, dr] = moves[ev.key], c = at[0] + dc;
      const row = dc ? Math.round(((at[1] + 0.5) / arch.cols[at[0]].length) * (arch.cols[Math.max(0, Math.min(arch.cols.length - 1, c))]?.length || 1) - 0.5) : at[1] + dr;
      pick(c, row);
    } else if ((ev.key === "Enter" || ev.key === " ") && picked?.kind === "feature") {
      ev.preventDefault(); toggleFeature(picked);
    } else if (ev.key === "Enter" && picked) {
      ev.preventDefault(); openEditor(picked, 0, picked.x + picked.s / 2, picked.y - picked.s / 2);
    } else if (ev.key === "Escape" && picked) { unpick(); }
  };
  function unpick() { picked = null; sel.setAttribute("visibility", "hidden"); setHot(null); read.show(""); }
  const onBlur = (ev) => { if (picked && !net.contains(ev.relatedTarget)) unpick(); };

  // ---- edits --------------------------------------------------------------------------------
  function toggleFeature(n) {
    if (locks.features) return;
    const v = sim.values(), now = new Set(Array.isArray(v.features) ? v.features : String(v.features).split(","));
    if (now.has(n.name)) {
      if (now.size <= 1) { sim.say("Keep at least one input feature."); return; }
      now.delete(n.name);
    } else now.add(n.name);
    sim.set({ features: features.map((f) => f.name).filter((f) => now.has(f)) });
  }
  function setLayers(next) {
    const v = sim.values(), a = actsOf(v), partial = { layers: next.join(",") };
    if (a.length) partial.activations = next.length ? next.map((_, i) => a[i] || v.activation).join(",") : "";
    sim.set(partial);
  }
  const onMinus = () => { const l = layersOf(sim.values()); if (l.length) setLayers(l.slice(0, -1)); };
  const onPlus = () => {
    const l = layersOf(sim.values());
    if (l.length < MAX_LAYERS) setLayers([...l, l.length ? l[l.length - 1] : 4]);
  };
  const onHead = (ev) => {
    const b = ev.target.closest("button[data-layer]");
    if (!b) return;
    const l = layersOf(sim.values()), i = Number(b.dataset.layer);
    if (i >= l.length) return;
    l[i] = Math.max(MIN_UNITS, Math.min(MAX_UNITS, l[i] + Number(b.dataset.delta)));
    setLayers(l);
  };
  const onPer = () => {
    const v = sim.values(), l = layersOf(v);
    sim.set({ activations: per.checked ? l.map(() => v.activation).join(",") : "" });
  };
  const onAct = (ev) => {
    const s = ev.target.closest("select[data-layer]");
    if (!s) return;
    const v = sim.values(), l = layersOf(v), a = actsOf(v);
    const next = l.map((_, i) => a[i] || v.activation);
    next[Number(s.dataset.layer)] = s.value;
    sim.set({ activations: next.join(",") });
  };
  minus.addEventListener("click", onMinus); plus.addEventListener("click", onPlus);
  heads.addEventListener("click", onHead); per.addEventListener("change", onPer); acts.addEventListener("change", onAct);
  net.addEventListener("pointerleave", onLeave); net.addEventListener("click", onClick);
  net.addEventListener("keydown", onKey); net.addEventListener("blur", onBlur);

  let archKey = "", actsKey = "";
  return {
    /** A frame was taken: rebuild on a new architecture, then draw. */
    update(meta, v) {
      const key = `${meta.sizes}|${meta.features}|${meta.activations}|${meta.loss}`;
      if (key !== archKey) { archKey = key; editor.close(); build(meta); }
      const ak = `${key}|${v.activations}|${locks.activation}`;
      if (ak !== actsKey) { actsKey = ak; buildActs(meta, v); }
      if (meta.full) fDirty = true;
      canvas.redraw();
    },
    /** Classroom mode: hidden controls lock the diagram's edits of the same settings. */
    lock(next) {
      locks = next;
      left.classList.toggle("pg-lock-layers", next.layers);
      left.classList.toggle("pg-lock-features", next.features);
      perLabel.hidden = next.activation;
      actsKey = "";
    },
    destroy() {
      minus.removeEventListener("click", onMinus); plus.removeEventListener("click", onPlus);
      heads.removeEventListener("click", onHead); per.removeEventListener("change", onPer); acts.removeEventListener("change", onAct);
      net.removeEventListener("pointerleave", onLeave); net.removeEventListener("click", onClick);
      net.removeEventListener("keydown", onKey); net.removeEventListener("blur", onBlur);
      editor.destroy(); read.destroy(); canvas.destroy(); left.remove();
    },
  };
}
