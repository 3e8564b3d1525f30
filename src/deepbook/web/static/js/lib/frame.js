// Decodes the binary frame format of deepbook/sims/frames.py:
// "DBF1" | uint32 header length | header JSON | 8-aligned typed arrays (little-endian).

const CTORS = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array };

// float16 → float32: the native Float16Array where the browser has one, else a 64 K-entry table
// built once (a constant, never written after).
const HALF = typeof Float16Array === "function" ? null : (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
    t[h] = e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return t;
})();

function halves(buf, offset, count) {
  if (!HALF) return new Float32Array(new Float16Array(buf, offset, count)); // eslint-disable-line no-undef
  const raw = new Uint16Array(buf, offset, count), out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = HALF[raw[i]];
  return out;
}

/** Parse an ArrayBuffer into {meta, arrays: {name: {data, shape}}}. */
export function decodeFrame(buf) {
  const bytes = new Uint8Array(buf);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== "DBF1") throw new Error("not a deepbook frame");
  const n = new DataView(buf).getUint32(4, true);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n, arrays = {};
  for (const [name, d] of Object.entries(head.arrays)) {
    const count = d.shape.reduce((a, b) => a * b, 1);
    let data;
    if (d.dtype === "float16") {
      data = halves(buf, base + d.offset, count);
    } else {
      data = new CTORS[d.dtype](buf, base + d.offset, count);
    }
    arrays[name] = { data, shape: d.shape };
  }
  return { meta: head.meta, arrays };
}
