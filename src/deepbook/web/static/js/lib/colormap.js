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

/** Paint a (rows × cols) field into ImageData, normalised to [0, 1], in `bands` contour bands. */
export function fieldImage(data, rows, cols, { bands = 0, flipY = true } = {}) {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1, img = new ImageData(cols, rows), px = img.data;
  const level = (v) => { const t = (v - lo) / span; return bands ? Math.min(bands - 1, Math.floor(t * bands)) / (bands - 1) : t; };
  for (let r = 0; r < rows; r++) {
    const src = flipY ? rows - 1 - r : r;
    for (let col = 0; col < cols; col++) {
      const v = data[src * cols + col], t = level(v), k = 3 * Math.round(t * 255), o = 4 * (r * cols + col);
      // darken the pixels where the band changes: contour lines
      const edge = bands && col + 1 < cols && level(data[src * cols + col + 1]) !== t ||
        bands && src + 1 < rows && level(data[(src + 1) * cols + col]) !== t;
      const dim = edge ? 0.7 : 1;
      px[o] = VIRIDIS[k] * dim; px[o + 1] = VIRIDIS[k + 1] * dim; px[o + 2] = VIRIDIS[k + 2] * dim; px[o + 3] = 255;
    }
  }
  return img;
}
