// View of the `playground` live simulation (chapter 8), after TensorFlow Playground: the network
// diagram (features, every hidden unit's map, weights as links; +/− for layers and units), the
// large output map with the data (the reader's own points can be placed on it), the loss chart
// with a pinned run for comparison, accuracy and the confusion matrix, the epoch counter, a
// "diverged" notice, and a classroom mode that hides chosen controls. The server trains and
// computes every picture; this view draws each frame once, reusing its images and elements.
//
// Figures for outside tests, updated with every drawn frame, on the root: data-epoch,
// data-train-loss, data-test-loss (plain decimals, 4 significant digits) and data-test-accuracy
// (three decimals; absent for regression).
//
// Two commands go to the session besides the settings: "edit" (a weight or bias, from the
// diagram's editor) and "export" (the run so far as a standalone PyTorch script, downloaded).
import { setParam } from "../lib/controls.js";
import { decodePoints, encodePoints } from "../lib/points.js";
import { liveSim } from "../lib/sim.js";
import { lossChart } from "./playground/chart.js";
import { outputMap } from "./playground/map.js";
import { network } from "./playground/net.js";
import { CLASS_NAMES, EXTENT, el, nTrain, plain, show, text } from "./playground/util.js";

const MAX_POINTS = 500;
const SPIRALS = new Set(["spiral", "spiral3"]);
const STOPPED = { limit: "limit reached", target: "target reached" };

const listOf = (v) => (Array.isArray(v) ? v : String(v ?? "").split(",").filter(Boolean));
const pct = (v) => (typeof v === "number" && Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "–");

export function mount(root, ctx) {
  const stage = root.querySelector('[data-role="stage"]');
  const form = root.querySelector('[data-role="controls"]');
  stage.classList.add("pg-stage");

  // ---- the bar: epoch, figures (and, appended later, the confusion matrix) ------------------
  const bar = el("div", { class: "pg-bar" });
  const epochBox = el("p", { class: "pg-epoch" });
  const epochNum = el("span", { class: "pg-epoch-num" }, "000,000");
  const stopped = el("span", { class: "pg-stopped" });
  const epochHead = el("span", { class: "pg-epoch-label" }, "Epoch ");
  epochHead.append(stopped);
  epochBox.append(epochHead, epochNum);
  const figs = el("dl", { class: "pg-figures" });
  const fig = (label, cls = "") => {
    const d = el("div", { class: `pg-fig ${cls}` }), dd = el("dd", {}, "–");
    d.append(el("dt", {}, label), dd);
    figs.append(d);
    return dd;
  };
  const f = {
    train: fig("Train loss"), test: fig("Test loss"),
    trainAcc: fig("Train accuracy", "pg-acc"), testAcc: fig("Test accuracy", "pg-acc"),
    lr: fig("Learning rate"), params: fig("Parameters"),
  };
  const pinBtn = el("button", { type: "button", class: "pg-quiet" }, "Pin this run");
  const unpinBtn = el("button", { type: "button", class: "pg-quiet", disabled: "" }, "Clear pin");
  const exportBtn = el("button", { type: "button", class: "pg-quiet", title: "Download a standalone PyTorch script that reproduces this run" }, "Export as PyTorch");
  const seedBtn = el("button", { type: "button", class: "pg-quiet", title: "A new seed: new data and new initial weights" }, "Regenerate");
  bar.append(epochBox, figs);

  const classroom = el("p", { class: "pg-classroom", hidden: "" });
  const classroomText = el("span");
  const classroomBtn = el("button", { type: "button", class: "pg-quiet" }, "Copy classroom link");
  classroom.append(classroomText, classroomBtn);

  const main = el("div", { class: "pg-main" });
  stage.append(bar, classroom, main);

  // ---- state of the latest frame --------------------------------------------------------------
  const cur = { meta: null, values: null, output: null, points: null, neurons: null, neuronScale: null, features: null, featureScale: null, params: null };
  const state = () => (cur.meta ? cur : null);

  // ---- the pieces ---------------------------------------------------------------------------
  // `sim` is created last (its first frame may arrive at once); the pieces reach it through this.
  let sim = null;
  const simProxy = {
    form, set: (p) => sim.set(p), values: () => sim.values(), say: (t) => sim.say(t), send: (m) => sim.send(m),
  };
  const right = el("div", { class: "pg-right" });
  const net = network(main, root, ctx, {
    state, sim: simProxy,
    focus: (what) => map.focus(what),
    outputPicture: () => map.picture,
  });
  main.append(right);

  // brush (the reader's points) or the way to them
  const tools = el("div", { class: "pg-maptools" });
  const brush = el("fieldset", { class: "pg-brush" });
  brush.append(el("legend", {}, "Add"));
  const brushInputs = CLASS_NAMES.map((name, c) => {
    const id = `${ctx.key}-pg-brush-${c}`;
    const input = el("input", { type: "radio", name: `${ctx.key}-pg-brush`, id, value: String(c) });
    if (c === 0) input.checked = true;
    const label = el("label", { for: id, class: "check" });
    label.append(input, el("span", { class: "pg-dot", "data-class": String(c) }), name);
    brush.append(label);
    return input;
  });
  const clearBtn = el("button", { type: "button", class: "pg-quiet" }, "Clear points");
  brush.append(clearBtn);
  const ownBtn = el("button", { type: "button", class: "pg-quiet", title: "Use your own points: click the map to place them" }, "Draw points");
  const mapKey = el("p", { class: "pg-mapkey" });
  tools.append(brush, ownBtn, seedBtn);
  right.append(tools);

  let wanted = null; // the batch size the reader chose, while few points of their own force a smaller one
  const edit = {
    add(x, y) { change((pts) => (pts.length >= MAX_POINTS ? (sim.say(`At most ${MAX_POINTS} points.`), null) : [...pts, { x, y, c: brushClass() }])); },
    remove(x, y) {
      change((pts) => {
        if (!pts.length) return null;
        let best = 0, bd = Infinity;
        pts.forEach((p, i) => { const d = (p.x - x) ** 2 + (p.y - y) ** 2; if (d < bd) { bd = d; best = i; } });
        return pts.filter((_, i) => i !== best);
      });
    },
  };
  const brushClass = () => Number(brushInputs.find((i) => i.checked)?.value || 0);
  function change(fn) {
    const v = sim.values();
    if (v.dataset !== "custom") { sim.say("Press 'Draw points' (or choose 'Your points' as the data) to place your own points."); return; }
    const next = fn(decodePoints(v.points, EXTENT));
    if (!next) return;
    const partial = { points: encodePoints(next, EXTENT), ...batchFor(next.length, v) };
    if (next.some((p) => p.c === 2) && v.loss === "squared") {
      partial.loss = "cross_entropy";
      sim.say("Three classes need the cross-entropy loss: switched to it.");
    }
    sim.set(partial);
  }
  /** The batch size the engine accepts for n points of the reader's own: at most the training set. */
  function batchFor(n, v) {
    const most = Math.max(1, nTrain(n, Number(v.train_pct))), now = Number(v.batch);
    if (wanted === null && now > most) wanted = now; // remember the reader's choice
    const b = Math.min(wanted ?? now, most);
    if (wanted !== null && b >= wanted) wanted = null; // enough points: back to it
    return b === now ? {} : { batch: b };
  }
  // Before the form sends a change: 'Your points' with few points needs a smaller batch.
  const onInput = (ev) => {
    const name = ev.target?.name;
    if (name === "batch") { wanted = null; return; }
    if (!name || !form.contains(ev.target)) return;
    const v = { dataset: form.elements.dataset.value, points: form.elements.points.value, train_pct: form.elements.train_pct.value, batch: form.elements.batch.value };
    if (v.dataset !== "custom") return;
    const b = batchFor(decodePoints(v.points, EXTENT).length, v);
    if (b.batch !== undefined) setParam(form, "batch", b.batch);
  };
  root.addEventListener("input", onInput, true);

  const map = outputMap(right, root, ctx, { state, edit });
  const alert = el("div", { class: "pg-alert", hidden: "" });
  const alertHead = el("strong"), alertText = el("span");
  const alertP = el("p");
  alertP.append(alertHead, " ", alertText);
  const resetBtn = el("button", { type: "button", class: "primary" }, "Reset");
  alert.append(alertP, resetBtn);
  map.wrap.append(alert);
  right.append(mapKey);

  const below = el("div", { class: "pg-below" });
  main.append(below);
  const chart = lossChart(below);
  const actions = el("div", { class: "pg-actions", role: "group", "aria-label": "This run" });
  actions.append(pinBtn, unpinBtn, exportBtn);
  chart.tools.append(actions);
  const conf = el("table", { class: "pg-confusion", hidden: "" });
  bar.append(conf);

  // ---- drawing a frame ------------------------------------------------------------------------
  let pending = false, destroyed = false, confK = -1, confCells = [], confCaption = null, hideKey = null, saidDiverged = null;

  function figures(m) {
    text(epochNum, String(m.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ","));
    text(f.train, show(m.train_loss)); text(f.test, show(m.test_loss));
    const cls = m.problem_type === "classification";
    for (const d of figs.querySelectorAll(".pg-acc")) d.hidden = !cls;
    text(f.trainAcc, pct(m.train_accuracy)); text(f.testAcc, pct(m.test_accuracy));
    text(f.lr, show(m.lr)); text(f.params, String(m.n_params));
    text(stopped, m.diverged ? "· diverged" : STOPPED[m.stopped] ? `· ${STOPPED[m.stopped]}` : "");
    stopped.classList.toggle("pg-bad", !!m.diverged);
    const d = root.dataset;
    d.epoch = String(m.epoch);
    if (Number.isFinite(m.train_loss)) d.trainLoss = plain(m.train_loss); else delete d.trainLoss;
    if (Number.isFinite(m.test_loss)) d.testLoss = plain(m.test_loss); else delete d.testLoss;
    if (cls && Number.isFinite(m.test_accuracy)) d.testAccuracy = m.test_accuracy.toFixed(3); else delete d.testAccuracy;
  }

  function confusion(m) {
    const k = m.confusion ? m.confusion.length : 0;
    conf.hidden = !k;
    if (!k) { confK = 0; return; }
    if (k !== confK) {
      confK = k;
      confCaption = el("caption");
      const head = el("tr");
      head.append(el("th", { scope: "col" }, "true ↓ predicted →"));
      for (let j = 0; j < k; j++) {
        const th = el("th", { scope: "col" });
        th.append(el("span", { class: "pg-dot", "data-class": String(j) }), el("span", { class: "visually-hidden" }, `predicted ${CLASS_NAMES[j]} `), String(j));
        head.append(th);
      }
      const rows = [];
      confCells = [];
      for (let i = 0; i < k; i++) {
        const tr = el("tr"), th = el("th", { scope: "row" });
        th.append(el("span", { class: "pg-dot", "data-class": String(i) }), el("span", { class: "visually-hidden" }, `true ${CLASS_NAMES[i]} `), String(i));
        tr.append(th);
        const row = [];
        for (let j = 0; j < k; j++) {
          const td = el("td", { class: i === j ? "pg-right-cell" : "pg-wrong-cell" });
          tr.append(td); row.push(td);
        }
        confCells.push(row); rows.push(tr);
      }
      conf.replaceChildren(confCaption, head, ...rows);
    }
    text(confCaption, "Test set confusion");
    m.confusion.forEach((row, i) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      row.forEach((n, j) => {
        const td = confCells[i][j];
        text(td, String(n));
        td.style.setProperty("--pg-share", (n / total).toFixed(2));
      });
    });
  }

  function notice(m) {
    if (m.diverged) {
      alert.hidden = false;
      alert.classList.add("pg-diverged");
      alert.setAttribute("role", "alert");
      resetBtn.hidden = false;
      text(alertHead, `Training diverged at epoch ${m.diverged_at}.`);
      text(alertText, `The loss or a weight grew beyond all bounds (learning rate ${show(cur.values.lr)}). `
        + `The pictures show epoch ${m.epoch}, the last good one. Lower the learning rate or the `
        + "regularisation rate, then reset.");
      if (saidDiverged !== m.diverged_at) { saidDiverged = m.diverged_at; sim.say(`Diverged at epoch ${m.diverged_at}.`); }
    } else if (m.problem) {
      alert.hidden = false;
      alert.classList.remove("pg-diverged");
      alert.removeAttribute("role");
      resetBtn.hidden = true;
      text(alertHead, "");
      text(alertText, m.problem);
      saidDiverged = null;
    } else {
      alert.hidden = true;
      saidDiverged = null;
    }
  }

  /** Classroom mode: hide the controls the link names (and the diagram's edits of them); the
   *  spiral-turns slider shows only for spirals. */
  function visibility(v) {
    const hide = new Set(listOf(v.hide)), key = `${[...hide].sort()}|${v.dataset}`;
    if (key === hideKey) return;
    hideKey = key;
    const names = [...form.querySelectorAll('input[name="hide"]')].map((b) => b.value);
    for (const name of new Set([...names, "turns"])) {
      const input = form.elements[name];
      const wrap = input?.closest?.(".control") || input?.[0]?.closest?.(".control");
      if (wrap) wrap.hidden = hide.has(name) || (name === "turns" && !SPIRALS.has(v.dataset));
    }
    for (const g of form.querySelectorAll("fieldset.group")) {
      g.hidden = ![...g.querySelectorAll(":scope > .control")].some((c) => !c.hidden);
    }
    net.lock({ layers: hide.has("layers"), features: hide.has("features"), activation: hide.has("activation") });
    ownBtn.classList.toggle("pg-locked", hide.has("dataset"));
    classroom.hidden = hide.size === 0;
    text(classroomText, `Classroom view: ${hide.size} control${hide.size === 1 ? "" : "s"} hidden (${[...hide].join(", ")}). `);
  }

  function editing(v, m) {
    const own = v.dataset === "custom";
    brush.hidden = !own;
    ownBtn.hidden = own || ownBtn.classList.contains("pg-locked");
    seedBtn.hidden = own;
    map.editable(own);
    const what = m.output === "probs" ? "class probabilities" : m.output === "value" ? "predicted value" : "predicted class";
    text(mapKey, `Filled: training${v.show_test ? " · hollow: test" : ""} · colour: ${what}`);
  }

  function paintAll() {
    pending = false;
    if (destroyed || !cur.meta) return;
    const m = cur.meta, v = cur.values;
    visibility(v);
    figures(m);
    confusion(m);
    notice(m);
    editing(v, m);
    unpinBtn.disabled = !chart.pinned;
    map.update();
    net.update(m, v);
    chart.redraw();
  }

  function render(frame, values) {
    const m = frame.meta, a = frame.arrays;
    if (!chart.take(m, a.history)) return false; // a delta from before the last restart
    if (m.full) {
      cur.points = a.points; cur.features = a.features; cur.featureScale = m.feature_scale;
    }
    cur.meta = m; cur.values = values;
    cur.output = a.output.data; cur.neurons = a.neurons; cur.neuronScale = a.neuron_scale.data; cur.params = a.params.data;
    if (!pending) { pending = true; queueMicrotask(paintAll); } // one drawing for a burst of frames
    return true;
  }

  // ---- buttons --------------------------------------------------------------------------------
  const onPin = () => {
    if (!cur.meta) return;
    const m = cur.meta, v = cur.values;
    const opt = form.elements.optimiser?.selectedOptions?.[0]?.textContent || v.optimiser;
    const acts = [...new Set(m.activations)].join("/") || "no hidden layer";
    chart.pin(`${m.sizes.join("-")} ${acts}, ${opt}, lr ${show(v.lr)} (${m.epoch} epochs)`);
    unpinBtn.disabled = false;
    sim.say("Run pinned: its curves stay on the chart, dashed.");
  };
  const onUnpin = () => { chart.unpin(); unpinBtn.disabled = true; };
  const onSeed = () => sim.set({ seed: (Number(sim.values().seed) + 1) % 10000 });
  const onClassroom = () => root.querySelector('[data-role="copy-link"]')?.click();
  const onReset = () => root.querySelector('[data-action="reset"]')?.click();
  const onOwn = () => {
    const v = sim.values();
    sim.set({ dataset: "custom", ...batchFor(decodePoints(v.points, EXTENT).length, v) });
  };
  const onClear = () => change(() => []);
  const onExport = () => { exportBtn.disabled = true; sim.send({ type: "export" }); sim.say("Exporting…"); };
  /** The engine's replies: an export is downloaded as a file. */
  function onReply(msg) {
    if (msg.type === "export" || msg.command === "export") exportBtn.disabled = false;
    if (msg.type !== "export") return;
    const url = URL.createObjectURL(new Blob([msg.script], { type: "text/x-python" }));
    const a = el("a", { href: url, download: msg.filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    sim.say(`Exported epoch ${msg.epoch} as ${msg.filename}: run it with Python, PyTorch and NumPy.`);
  }
  const buttons = [[pinBtn, onPin], [unpinBtn, onUnpin], [seedBtn, onSeed], [classroomBtn, onClassroom],
    [resetBtn, onReset], [ownBtn, onOwn], [clearBtn, onClear], [exportBtn, onExport]];
  for (const [b, fn] of buttons) b.addEventListener("click", fn);

  sim = liveSim(root, ctx, { render, onReply });
  return {
    set: sim.set,
    destroy() {
      destroyed = true;
      for (const [b, fn] of buttons) b.removeEventListener("click", fn);
      root.removeEventListener("input", onInput, true);
      sim.destroy();
      net.destroy(); map.destroy(); chart.destroy();
      stage.replaceChildren();
      stage.classList.remove("pg-stage");
      for (const k of ["epoch", "trainLoss", "testLoss", "testAccuracy"]) delete root.dataset[k];
      for (const c of form.querySelectorAll(".control, fieldset.group")) c.hidden = false;
    },
  };
}
