// Building page elements in views: one small helper instead of a copy in each view.

/** An HTML element with attributes and text. */
export function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}
