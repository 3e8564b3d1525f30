// The page URL as the state of every sim on the page: `?<key>.<param>=value` for each value that
// differs from that embed's starting values, so a link reproduces what was on screen.
// One writer per page (created by app.js, handed to each view in ctx): browsers throttle
// history.replaceState, so writes are coalesced to at most one every 200 ms, the last one kept.
import { urlValue } from "./controls.js";

const same = (v, d) => {
  if (typeof v === "number") return Math.abs(v - Number(d)) < 1e-9 * Math.max(1, Math.abs(v));
  return urlValue(v) === d;
};

/** The query entries of one sim: its non-default values under `<key>.`. */
export function simQuery(key, values, defaults) {
  const out = new URLSearchParams();
  for (const [name, v] of Object.entries(values)) {
    if (!(name in defaults) || !same(v, defaults[name])) out.set(`${key}.${name}`, urlValue(v));
  }
  return out;
}

/** Values of one sim named in a query string (`<key>.<param>=v`), as URL strings. */
export function valuesFor(key, search) {
  const out = {};
  for (const [k, v] of new URLSearchParams(search)) if (k.startsWith(`${key}.`)) out[k.slice(key.length + 1)] = v;
  return out;
}

export function urlWriter() {
  let timer = 0, pending = null;
  const flush = () => {
    timer = 0;
    if (pending) { history.replaceState(history.state, "", pending); pending = null; timer = setTimeout(flush, 200); }
  };
  return {
    /** Rewrite this sim's part of the page URL; returns the whole new URL. */
    write(key, values, defaults) {
      const url = new URL(pending || location.href);
      for (const k of [...url.searchParams.keys()]) if (k.startsWith(`${key}.`)) url.searchParams.delete(k);
      for (const [k, v] of simQuery(key, values, defaults)) url.searchParams.set(k, v);
      if (timer) pending = url.href;
      else { history.replaceState(history.state, "", url); timer = setTimeout(flush, 200); }
      return url;
    },
    destroy() { clearTimeout(timer); if (pending) history.replaceState(history.state, "", pending); pending = null; timer = 0; },
  };
}
