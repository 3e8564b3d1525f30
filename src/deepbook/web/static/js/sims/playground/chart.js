// The playground's loss chart: train and test loss per epoch, grown from each frame's new
// history rows (a full frame brings them all), drawn with at most two points per pixel column
// (the lowest and highest of the epochs under it). A pinned run's curves stay, dashed, under
// the next runs' for comparison (A/B), with a legend.
import { axes, makeCanvas } from "../../lib/plot.js";
import { el, text } from "./util.js";

/** A growable pair of series. */
function series() {
  let train = new Float32Array(1024), test = new Float32Array(1024), n = 0;
  return {
    get n() { return n; }, get train() { return train; }, get test() { return test; },
    clear() { n = 0; },
    push(rows, cols) {
      const m = rows.length / cols;
      if (n + m > train.length) {
        const size = Math.max(2 * train.length, n + m);
        const a = new Float32Array(size), b = new Float32Array(size);
        a.set(train.subarray(0, n)); b.set(test.subarray(0, n));
        train = a; test = b;
      }
      for (let i = 0; i < m; i++) { train[n + i] = rows[i * cols]; test[n + i] = rows[i * cols + 1]; }
      n += m;
    },
    copy() { return { train: train.slice(0, n), test: test.slice(0, n), n }; },
  };
}

/** Stroke ys[0..n) against epoch, one min–max pair per pixel column; non-finite values skipped. */
function trace(c2d, ys, n, X, Y, box) {
  c2d.beginPath();
  let pen = false;
  const per = Math.max(1, Math.floor(n / (2 * box.w)));
  for (let i = 0; i < n; i += per) {
    let lo = Infinity, hi = -Infinity, iLo = i, iHi = i;
    for (let j = i; j < Math.min(n, i + per); j++) {
      const v = ys[j];
      if (!Number.isFinite(v)) continue;
      if (v < lo) { lo = v; iLo = j; }
      if (v > hi) { hi = v; iHi = j; }
    }
    if (lo === Infinity) { pen = false; continue; }
    const pts = iLo <= iHi ? [[iLo, lo], [iHi, hi]] : [[iHi, hi], [iLo, lo]];
    for (const [x, y] of per === 1 ? [pts[0]] : pts) {
      const px = X(x), py = Y(y);
      if (pen) c2d.lineTo(px, py); else { c2d.moveTo(px, py); pen = true; }
    }
  }
  c2d.stroke();
  if (n === 1 && Number.isFinite(ys[0])) { // one epoch: a dot, not an invisible line
    c2d.beginPath(); c2d.arc(X(0), Y(ys[0]), 2.5, 0, 2 * Math.PI); c2d.fillStyle = c2d.strokeStyle; c2d.fill();
  }
}

export function lossChart(parent) {
  const wrap = el("figure", { class: "pg-chart" });
  parent.append(wrap);
  const chart = makeCanvas(wrap, { label: "Train and test loss against epoch", className: "pg-loss" });
  const legend = el("figcaption", { class: "pg-legend" });
  const now = el("span", { class: "pg-key" });
  now.append(el("span", { class: "pg-swatch pg-train" }), "train loss ", el("span", { class: "pg-swatch pg-test" }), "test loss");
  const pinKey = el("span", { class: "pg-key pg-pinned", hidden: "" });
  const pinText = el("span");
  pinKey.append(el("span", { class: "pg-swatch pg-dashed" }), pinText);
  legend.append(now, pinKey);
  wrap.append(legend);
  const tools = el("div", { class: "pg-chart-tools" });
  wrap.append(tools);
  const data = series();
  let pin = null;

  function draw(c2d, w, h, c) {
    const box = { x: 44, y: 10, w: Math.max(10, w - 66), h: Math.max(10, h - 38) };
    const n = data.n, pn = pin ? pin.n : 0, xmax = Math.max(10, n - 1, pn - 1);
    let first = 0, hi = 0;
    const scan = (ys, m) => {
      for (let i = 0; i < m; i++) if (Number.isFinite(ys[i]) && ys[i] > hi) hi = ys[i];
      if (m && Number.isFinite(ys[0])) first = Math.max(first, ys[0]);
    };
    scan(data.train, n); scan(data.test, n);
    if (pin) { scan(pin.train, pn); scan(pin.test, pn); }
    // the first epochs' loss sets the scale; a spike far beyond it is cut off, not squeezed in
    let ymax = first > 0 ? Math.min(hi, 3 * first) : hi;
    if (!(ymax > 0)) ymax = 1;
    const { X, Y } = axes(c2d, box, [0, xmax], [0, ymax * 1.05], c, { xLabel: "epoch" });
    c2d.save();
    c2d.beginPath(); c2d.rect(box.x, box.y, box.w, box.h); c2d.clip();
    c2d.lineJoin = "round";
    const trainCss = c.get("--pg-train"), testCss = c.get("--pg-test");
    if (pin) {
      c2d.setLineDash([5, 4]); c2d.lineWidth = 1.6;
      c2d.strokeStyle = trainCss; trace(c2d, pin.train, pn, X, Y, box);
      c2d.strokeStyle = testCss; trace(c2d, pin.test, pn, X, Y, box);
      c2d.setLineDash([]);
    }
    c2d.lineWidth = 2;
    c2d.strokeStyle = trainCss; trace(c2d, data.train, n, X, Y, box);
    c2d.strokeStyle = testCss; trace(c2d, data.test, n, X, Y, box);
    c2d.restore();
  }
  chart.setDraw(draw);

  return {
    /** Take a frame's history: all rows on a full frame, else the rows after the last epoch
     *  shown; false for a delta that does not follow on (from before a restart). */
    take(meta, history) {
      const cols = history.shape[1] || meta.history_columns.length, rows = history.shape[0];
      if (meta.full) data.clear();
      else if (meta.epoch - rows + 1 !== data.n) return false;
      data.push(history.data, cols);
      return true;
    },
    redraw() { chart.redraw(); },
    /** Where the run buttons go: beside the legend. */
    tools,
    get pinned() { return pin !== null; },
    /** Keep the current curves (label: what the run was) under the next runs'. */
    pin(label) {
      pin = data.copy();
      text(pinText, `pinned: ${label}`);
      pinKey.hidden = false;
      chart.redraw();
    },
    unpin() { pin = null; pinKey.hidden = true; chart.redraw(); },
    destroy() { chart.destroy(); wrap.remove(); },
  };
}
