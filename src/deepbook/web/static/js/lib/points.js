// The compact form of a `Points` parameter (deepbook/sims/inputs.py): 3 bytes a point — class in
// 2 bits, x and y in 11 bits each on a 2,048-step grid over the extent — in base64url.
import { fromBase64url, toBase64url } from "./base64url.js";

const GRID = 2047, COORD = 11;

/** [{x, y, c}] → code; points are snapped to the grid, as the server will snap them. */
export function encodePoints(points, [lo, hi]) {
  const bytes = new Uint8Array(3 * points.length);
  const q = (v) => Math.max(0, Math.min(GRID, Math.round(((v - lo) / (hi - lo)) * GRID)));
  points.forEach((p, i) => {
    const word = (p.c << (2 * COORD)) | (q(p.x) << COORD) | q(p.y);
    bytes[3 * i] = (word >> 16) & 255; bytes[3 * i + 1] = (word >> 8) & 255; bytes[3 * i + 2] = word & 255;
  });
  return toBase64url(bytes);
}

/** code → [{x, y, c}] on the grid. */
export function decodePoints(code, [lo, hi]) {
  const bytes = code ? fromBase64url(code) : new Uint8Array(0), out = [];
  const mask = (1 << COORD) - 1, s = (hi - lo) / GRID;
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const word = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out.push({ x: lo + ((word >> COORD) & mask) * s, y: lo + (word & mask) * s, c: word >> (2 * COORD) });
  }
  return out;
}
