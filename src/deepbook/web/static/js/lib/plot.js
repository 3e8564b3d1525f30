// Canvas plotting helpers: crisp HiDPI canvases that redraw on resize, theme colours, axes.

/** Theme colours for drawing, resolved from CSS custom properties (which may hold light-dark())
 *  through a hidden probe element under `parent`; cached until `forget()` (a theme change). */
export function palette(parent) {
  const probe = document.createElement("span");
  probe.hidden = true;
  parent.appendChild(probe);
  const cache = new Map();
  const get = (name) => {
    if (cache.has(name)) return cache.get(name);
    probe.style.color = `var(${name}, currentColor)`;
    const value = getComputedStyle(probe).color;
    if (probe.isConnected) cache.set(name, value); // not yet in the page: nothing to resolve
    return value;
  };
  return {
    colors: () => ({
      fg: get("--fg"), muted: get("--muted"), grid: get("--plot-grid"), axis: get("--plot-axis"),
      text: get("--plot-text"), panel: get("--panel"), bg: get("--bg"), accent: get("--accent"),
      bad: get("--bad"), series: (id) => get(`--series-${id}`), get,
    }),
    forget: () => cache.clear(),
    destroy: () => probe.remove(),
  };
}

/** A canvas filling `parent`, sized for the device pixel ratio; calls draw(ctx, w, h, colours)
 *  on resize and on a theme change, with the theme's colours. */
export function makeCanvas(parent, { label, className } = {}) {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  if (label) canvas.setAttribute("aria-label", label);
  if (className) canvas.className = className;
  parent.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const pal = palette(parent);
  let draw = () => {};
  const size = () => {
    const r = canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return [r.width, r.height];
  };
  const ro = new ResizeObserver(() => redraw());
  ro.observe(canvas);
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const onTheme = () => { pal.forget(); redraw(); };
  window.addEventListener("deepbook:theme", onTheme);
  scheme.addEventListener("change", onTheme);
  function redraw() { const [w, h] = size(); ctx.clearRect(0, 0, w, h); draw(ctx, w, h, pal.colors()); }
  return {
    canvas, ctx,
    colors: pal.colors,
    setDraw(fn) { draw = fn; redraw(); },
    redraw,
    destroy() {
      ro.disconnect(); canvas.remove(); pal.destroy();
      window.removeEventListener("deepbook:theme", onTheme); scheme.removeEventListener("change", onTheme);
    },
  };
}

/** A canvas font that grows with the page's root font size (larger on projectors: the views
 *  use 12 px and up, so canvas text is at least 14 px at the projector's 118 %). */
export function font(px) {
  const scale = parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
  return `${Math.round(px * scale)}px system-ui, sans-serif`;
}

/** "Nice" tick values covering [lo, hi] with about n ticks. */
export function ticks(lo, hi, n = 6) {
  const span = hi - lo, raw = span / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** A rectangle of the canvas mapped to data coordinates, with grid, axes and labels. */
export function axes(ctx, box, xDom, yDom, c, { xLabel = "", yLabel = "", logY = false, xFormat = null, yTicks = true } = {}) {
  const [x0, x1] = xDom, [y0, y1] = yDom;
  const X = (x) => box.x + ((x - x0) / (x1 - x0)) * box.w;
  const Y = (y) => box.y + box.h - (((logY ? Math.log10(y) : y) - y0) / (y1 - y0)) * box.h;
  ctx.save();
  ctx.font = font(12);
  ctx.lineWidth = 1;
  ctx.strokeStyle = c.grid; ctx.fillStyle = c.text;
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of ticks(x0, x1, Math.max(3, Math.floor(box.w / 70)))) {
    ctx.beginPath(); ctx.moveTo(X(t), box.y); ctx.lineTo(X(t), box.y + box.h); ctx.stroke();
    ctx.fillText(xFormat ? xFormat(t) : String(Number(t.toPrecision(3))), X(t), box.y + box.h + 4);
  }
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const yt = logY ? ticks(y0, y1, Math.max(2, Math.floor(box.h / 40))).filter((t) => Number.isInteger(t))
    : ticks(y0, y1, Math.max(3, Math.floor(box.h / 40)));
  for (const t of yTicks ? yt : []) {
    const py = box.y + box.h - ((t - y0) / (y1 - y0)) * box.h;
    ctx.beginPath(); ctx.moveTo(box.x, py); ctx.lineTo(box.x + box.w, py); ctx.stroke();
    ctx.fillText(logY ? `1e${t}` : String(Number(t.toPrecision(3))), box.x - 4, py);
  }
  ctx.strokeStyle = c.axis;
  if (x0 < 0 && x1 > 0) { ctx.beginPath(); ctx.moveTo(X(0), box.y); ctx.lineTo(X(0), box.y + box.h); ctx.stroke(); }
  if (!logY && y0 < 0 && y1 > 0) { ctx.beginPath(); ctx.moveTo(box.x, Y(0)); ctx.lineTo(box.x + box.w, Y(0)); ctx.stroke(); }
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.fillStyle = c.muted; ctx.textAlign = "right"; ctx.textBaseline = "bottom";
  if (xLabel) ctx.fillText(xLabel, box.x + box.w, box.y + box.h + 30);
  ctx.textAlign = "left"; ctx.textBaseline = "bottom";
  if (yLabel) ctx.fillText(yLabel, box.x, box.y - 4);
  ctx.restore();
  return { X, Y };
}

const PIECE = 64; // segments per stroke: a long path that crosses itself rasters twice as fast

/** Stroke a polyline through (xs[i], ys[i]), clipped to the box, in pieces of PIECE segments. */
export function line(ctx, box, X, Y, xs, ys, color, { width = 2, dash = [] } = {}) {
  ctx.save();
  ctx.beginPath(); ctx.rect(box.x, box.y, box.w, box.h); ctx.clip();
  ctx.strokeStyle = color; ctx.lineWidth = width; ctx.setLineDash(dash); ctx.lineJoin = "round";
  ctx.beginPath();
  let pen = false, segments = 0;
  for (let i = 0; i < xs.length; i++) {
    const px = X(xs[i]), py = Y(ys[i]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) { pen = false; continue; }
    if (!pen) { ctx.moveTo(px, py); pen = true; continue; }
    ctx.lineTo(px, py);
    if (++segments % PIECE === 0) { ctx.stroke(); ctx.beginPath(); ctx.moveTo(px, py); }
  }
  ctx.stroke();
  ctx.restore();
}

/** Dots at (xy[2i], xy[2i + 1]) filled with their class's colour (--class-k), one path per class. */
export function classDots(ctx, xy, labels, X, Y, c, radius = 2) {
  for (let k = 0; k < 10; k++) {
    ctx.beginPath();
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== k) continue;
      const px = X(xy[2 * i]), py = Y(xy[2 * i + 1]);
      ctx.moveTo(px + radius, py); ctx.arc(px, py, radius, 0, 2 * Math.PI);
    }
    ctx.fillStyle = c.get(`--class-${k}`); ctx.fill();
  }
}
