// Building page elements in views: one small helper instead of a copy in each view.

/** An HTML element with attributes and text. */
export function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/** The heading level for parts of a sim's picture: one below the sim's own title (h2 under a
 *  full-window page's h1, h4 under a chapter's h3), so headings never skip a level. */
export function subheading(root) {
  return root.querySelector("h1") ? "h2" : "h4";
}
