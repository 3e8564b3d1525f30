// Small helpers shared by the playground view's modules: elements, numbers as shown, colour
// tables from the theme's colours, and the engine's rule for the size of the training set.
import { fmt } from "../../lib/controls.js";
import { diverging, rgb } from "../../lib/colormap.js";

export const SVG_NS = "http://www.w3.org/2000/svg";
export const EXTENT = [-6, 6];
export const CLASS_NAMES = ["blue", "orange", "green"];

export { el } from "../../lib/dom.js";

/** An SVG element with attributes. */
export function svgEl(tag, attrs = {}) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Set an element's text only when it changed (no style or layout work otherwise). */
export function text(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

/** A number for the screen: four significant digits; "–" for anything not finite (never NaN). */
export const show = (v) => (typeof v === "number" && Number.isFinite(v) ? fmt(v) : "–");

const PLAIN = new Intl.NumberFormat("en-US", {
  useGrouping: false, minimumSignificantDigits: 4, maximumSignificantDigits: 4,
});
/** The figures' form: a plain decimal with four significant digits ("0.001234", "12.35"). */
export const plain = (v) => PLAIN.format(v);

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Training points out of n, as the engine counts them (playground_data.n_train). */
export function nTrain(n, pct) {
  return n >= 2 ? Math.max(1, Math.min(n - 1, roundHalfEven((n * pct) / 100))) : n;
}

/** Mix two [r, g, b] colours: t = 0 gives a, 1 gives b. */
export const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/** The colours the pictures use, resolved from the theme (CSS custom properties), and their
 *  256-entry tables; rebuilt only when a colour changed (a theme switch). */
export function paints() {
  let key = "", cur = null;
  return (c) => {
    const names = ["--pg-class-0", "--pg-class-1", "--pg-class-2", "--pg-neg", "--pg-pos", "--pg-link-zero"];
    const css = names.map((n) => c.get(n));
    const k = css.join() + c.panel + c.fg;
    if (k === key) return cur;
    key = k;
    const [c0, c1, c2, neg, pos, zero] = css.map(rgb), panel = rgb(c.panel);
    const soft = (x) => mix(x, panel, 0.38);
    const links = diverging(neg, zero, pos);
    cur = {
      classes: [c0, c1, c2], panel, fg: rgb(c.fg),
      classCss: css.slice(0, 3),
      // neuron thumbnails: full strength; the large map: softer, so the points stand out
      strong: diverging(neg, panel, pos),
      soft: diverging(soft(neg), panel, soft(pos)),
      softClasses: [c0, c1, c2].map(soft),
      // links: 33 colours from negative through faint to positive
      linkCss: Array.from({ length: 33 }, (_, i) => {
        const o = 3 * Math.round((i / 32) * 255);
        return `rgb(${links[o]},${links[o + 1]},${links[o + 2]})`;
      }),
    };
    return cur;
  };
}
