// A perceptually ordered colour map (viridis-like, from 9 anchor colours) as a 256-entry RGB table.
const ANCHORS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

export const VIRIDIS = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (ANCHORS.length - 1), k = Math.min(Math.floor(t), ANCHORS.length - 2), f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = ANCHORS[k][c] * (1 - f) + ANCHORS[k + 1][c] * f;
  }
  return lut;
})();

/** Paint a (rows × cols) field, upsampled `scale`× by bilinear interpolation, into ImageData:
 *  normalised to [0, 1], in `bands` contour bands with darker lines where the band changes. */
export function fieldImage(data, rows, cols, { bands = 16, scale = 3, flipY = true } = {}) {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1, H = rows * scale, W = cols * scale;
  const level = new Int16Array(W * H), t = new Float32Array(W * H);
  for (let r = 0; r < H; r++) {
    const fy = Math.min(rows - 1, Math.max(0, (r + 0.5) / scale - 0.5)), y0 = Math.floor(fy), y1 = Math.min(rows - 1, y0 + 1), wy = fy - y0;
    const srcRow = flipY ? H - 1 - r : r;
    for (let c = 0; c < W; c++) {
      const fx = Math.min(cols - 1, Math.max(0, (c + 0.5) / scale - 0.5)), x0 = Math.floor(fx), x1 = Math.min(cols - 1, x0 + 1), wx = fx - x0;
      const v = (data[y0 * cols + x0] * (1 - wx) + data[y0 * cols + x1] * wx) * (1 - wy) +
        (data[y1 * cols + x0] * (1 - wx) + data[y1 * cols + x1] * wx) * wy;
      const u = (v - lo) / span, i = srcRow * W + c;
      t[i] = u; level[i] = Math.min(bands - 1, Math.floor(u * bands));
    }
  }
  const img = new ImageData(W, H), px = img.data;
  for (let i = 0; i < W * H; i++) {
    const c = i % W, edge = (c + 1 < W && level[i + 1] !== level[i]) || (i + W < W * H && level[i + W] !== level[i]);
    const k = 3 * Math.round((level[i] / (bands - 1)) * 255), dim = edge ? 0.72 : 1, o = 4 * i;
    px[o] = VIRIDIS[k] * dim; px[o + 1] = VIRIDIS[k + 1] * dim; px[o + 2] = VIRIDIS[k + 2] * dim; px[o + 3] = 255;
  }
  return img;
}

/** "rgb(r, g, b)" (what getComputedStyle gives) → [r, g, b]. */
export function rgb(css) {
  const m = css.match(/[\d.]+/g) || [0, 0, 0];
  return [Number(m[0]), Number(m[1]), Number(m[2])];
}

/** A 256-entry RGB table from colour `a` (0) through `mid` (0.5) to `b` (1): a diverging map for
 *  probabilities, whose middle is the panel colour so both themes read the same way. */
export function diverging(a, mid, b) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255, [from, to, f] = t < 0.5 ? [a, mid, t * 2] : [mid, b, (t - 0.5) * 2];
    for (let c = 0; c < 3; c++) lut[3 * i + c] = from[c] + (to[c] - from[c]) * f;
  }
  return lut;
}

/** Paint values in [0, 1] (rows × cols, row 0 = lowest y) through a 256-entry table into a
 *  rows × cols ImageData (flipped so that row 0 is at the bottom). */
export function valueImage(data, rows, cols, lut, alpha = 255) {
  const img = new ImageData(cols, rows), px = img.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c], k = 3 * Math.max(0, Math.min(255, Math.round(v * 255)));
      const o = 4 * ((rows - 1 - r) * cols + c);
      px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2]; px[o + 3] = alpha;
    }
  }
  return img;
}

/** The grey table: value q ↦ (q, q, q). */
export const GREYS = (() => {
  const g = new Uint8ClampedArray(256 * 3);
  for (let q = 0; q < 256; q++) g[3 * q] = g[3 * q + 1] = g[3 * q + 2] = q;
  return g;
})();

/** A diverging table from the theme colour `neg` through the panel colour to `pos` (custom
 *  property names), made again only when the theme's colours change: (colours) → table. */
export function themeDiverging(neg, pos) {
  let key = "", lut = null;
  return (c) => {
    const k = `${c.get(neg)}|${c.panel}|${c.get(pos)}`;
    if (k !== key) { key = k; lut = diverging(rgb(c.get(neg)), rgb(c.panel), rgb(c.get(pos))); }
    return lut;
  };
}

/** Paint h × w uint8 values (starting at `offset`) through a 256-entry table into `canvas`
 *  (resized to w × h; a new one if none is given), to draw from with drawImage. */
export function planeCanvas(data, offset, h, w, lut, canvas = document.createElement("canvas")) {
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const img = new ImageData(w, h), px = img.data;
  for (let i = 0; i < h * w; i++) {
    const q = 3 * data[offset + i];
    px[4 * i] = lut[q]; px[4 * i + 1] = lut[q + 1]; px[4 * i + 2] = lut[q + 2]; px[4 * i + 3] = 255;
  }
  canvas.getContext("2d").putImageData(img, 0, 0);
  return canvas;
}
