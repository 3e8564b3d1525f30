// Editing labelled points on a plot, the same way in every view that has them: a click adds a
// point, Shift+click or a long press (touch) removes the nearest; from the keyboard, the arrow
// keys move a visible cursor (Shift for larger steps), Enter adds and Delete removes there.

const LONG_PRESS_MS = 550;
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

/** Bind editing to `canvas`. `state.cursor` ([x, y] or null) may be shared by several plots of
 *  the same points; `at(ev)` gives a pointer event's data coordinates or null outside the plot;
 *  `moved()` is called when the cursor changes; with `dismiss`, Escape and leaving the plot
 *  hide the cursor. Returns { destroy }. */
export function pointEditor(canvas, { state, extent, at, add, remove, moved, dismiss = false }) {
  let pressTimer = 0, pressed = false;
  const clamp = (v) => Math.max(extent[0], Math.min(extent[1], Math.round(v * 100) / 100));
  const down = (ev) => {
    if (ev.pointerType !== "touch") return;
    pressed = false;
    clearTimeout(pressTimer);
    pressTimer = setTimeout(() => { pressed = true; const q = at(ev); if (q) remove(...q); }, LONG_PRESS_MS);
  };
  const up = () => clearTimeout(pressTimer);
  const click = (ev) => {
    if (pressed) { pressed = false; return; }
    const q = at(ev);
    if (!q) return;
    if (ev.shiftKey) remove(...q); else add(...q);
  };
  const key = (ev) => {
    const c = state.cursor;
    if (ev.key in MOVES) {
      ev.preventDefault();
      const d = ev.shiftKey ? 1 : 0.25, [x, y] = c || [0, 0];
      state.cursor = [clamp(x + d * MOVES[ev.key][0]), clamp(y + d * MOVES[ev.key][1])];
      moved();
    } else if (ev.key === "Enter" && c) { ev.preventDefault(); add(...c); }
    else if ((ev.key === "Delete" || ev.key === "Backspace") && c) { ev.preventDefault(); remove(...c); }
    else if (ev.key === "Escape" && c && dismiss) { state.cursor = null; moved(); }
  };
  const focus = () => { if (!state.cursor) { state.cursor = [0, 0]; moved(); } };
  const blur = () => { if (state.cursor && dismiss) { state.cursor = null; moved(); } };
  const on = { pointerdown: down, pointerup: up, pointercancel: up, click, keydown: key, focus, blur };
  for (const [type, fn] of Object.entries(on)) canvas.addEventListener(type, fn);
  return {
    destroy() {
      clearTimeout(pressTimer);
      for (const [type, fn] of Object.entries(on)) canvas.removeEventListener(type, fn);
    },
  };
}
