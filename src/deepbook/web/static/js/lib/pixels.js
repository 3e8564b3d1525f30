// The compact form of a `Pixels` parameter (deepbook/sims/inputs.py): "" for a blank image, else
// "z" + base64url(zlib(bytes)), row-major uint8 — zlib by the browser's own CompressionStream.

const toB64 = (bytes) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** Uint8Array (height × width) → code. */
export async function encodePixels(bytes) {
  if (!bytes.some((v) => v)) return "";
  return `z${toB64(await pipe(bytes, new CompressionStream("deflate")))}`;
}

/** code → Uint8Array of `count` pixels (zeros for ""). */
export async function decodePixels(code, count) {
  if (!code) return new Uint8Array(count);
  const raw = Uint8Array.from(atob(code.slice(1).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const out = await pipe(raw, new DecompressionStream("deflate"));
  if (out.length !== count) throw new Error(`expected ${count} pixels, got ${out.length}`);
  return out;
}
