// The compact form of a `Pixels` parameter (deepbook/sims/inputs.py): "" for a blank image, else
// "z" + base64url(zlib(bytes)), row-major uint8 — zlib by the browser's own CompressionStream.

import { fromBase64url, toBase64url } from "./base64url.js";

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** Uint8Array (height × width) → code. */
export async function encodePixels(bytes) {
  if (!bytes.some((v) => v)) return "";
  return `z${toBase64url(await pipe(bytes, new CompressionStream("deflate")))}`;
}

/** code → Uint8Array of `count` pixels (zeros for ""). */
export async function decodePixels(code, count) {
  if (!code) return new Uint8Array(count);
  const out = await pipe(fromBase64url(code.slice(1)), new DecompressionStream("deflate"));
  if (out.length !== count) throw new Error(`expected ${count} pixels, got ${out.length}`);
  return out;
}
