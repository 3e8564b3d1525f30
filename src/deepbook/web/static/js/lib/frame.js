// Decodes the binary frame format of deepbook/sims/frames.py:
// "DBF1" | uint32 header length | header JSON | 8-aligned typed arrays (little-endian).

const CTORS = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array };

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
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
      const raw = new Uint16Array(buf.slice(base + d.offset, base + d.offset + 2 * count));
      data = Float32Array.from(raw, halfToFloat);
    } else {
      data = new CTORS[d.dtype](buf, base + d.offset, count);
    }
    arrays[name] = { data, shape: d.shape };
  }
  return { meta: head.meta, arrays };
}
