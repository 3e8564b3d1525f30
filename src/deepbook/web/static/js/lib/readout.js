// Hover (or keyboard focus) on a plot reads out the value under the pointer: each view says only
// what to read at a point; this helper tracks the pointer and writes the sim's readout line.

/** Read out `read(x, y)` (CSS pixels inside `el`) into the sim's [data-role=readout] line while
 *  the pointer is over `el`; show(text) writes it directly (for a keyboard cursor). */
export function readout(root, el, read) {
  const line = root.querySelector('[data-role="readout"]');
  const write = (text) => { if (line && line.textContent !== (text || "")) line.textContent = text || ""; };
  const onMove = (ev) => {
    const r = el.getBoundingClientRect();
    write(read(ev.clientX - r.left, ev.clientY - r.top));
  };
  const onLeave = () => write("");
  el.addEventListener("pointermove", onMove);
  el.addEventListener("pointerleave", onLeave);
  return {
    show: write,
    destroy() { el.removeEventListener("pointermove", onMove); el.removeEventListener("pointerleave", onLeave); write(""); },
  };
}
