// A 28 × 28 drawing pad, drawn large: mouse, pen or touch paint ink with a soft round brush
// (shift, or the eraser end of a pen, rubs it out). The pad keeps its own pixels and reports them
// while a stroke goes on (once per animation frame) and when it ends.

const SIDE = 28, RADIUS = 1.35;

/** A pad on `canvas`. `onInk(pixels, done)` gets the Uint8Array(784) after each painted frame
 *  (done: the stroke ended); `onStart()` runs when a stroke begins. */
export function drawingPad(canvas, { onInk, onStart }) {
  const ctx = canvas.getContext("2d");
  canvas.width = SIDE; canvas.height = SIDE;
  const img = ctx.createImageData(SIDE, SIDE);
  let px = new Uint8Array(SIDE * SIDE), drawing = false, erase = false, last = null, raf = 0;
  let ink = [255, 255, 255], paper = [0, 0, 0];

  function paint() {
    const d = img.data;
    for (let i = 0; i < px.length; i++) {
      const t = px[i] / 255;
      d[4 * i] = paper[0] + (ink[0] - paper[0]) * t;
      d[4 * i + 1] = paper[1] + (ink[1] - paper[1]) * t;
      d[4 * i + 2] = paper[2] + (ink[2] - paper[2]) * t;
      d[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  /** Ink at (x, y) in pixel units, a soft disc. */
  function dab(x, y) {
    for (let r = Math.floor(y - 2); r <= y + 2; r++) {
      for (let c = Math.floor(x - 2); c <= x + 2; c++) {
        if (r < 0 || c < 0 || r >= SIDE || c >= SIDE) continue;
        const d = Math.hypot(c + 0.5 - x, r + 0.5 - y), a = Math.max(0, Math.min(1, RADIUS + 0.5 - d));
        if (!a) continue;
        const i = r * SIDE + c;
        px[i] = erase ? Math.min(px[i], Math.round(255 * (1 - a))) : Math.max(px[i], Math.round(255 * a));
      }
    }
  }
  function line(a, b) {
    const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) * 3));
    for (let k = 1; k <= n; k++) dab(a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n);
  }
  const at = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * SIDE, ((ev.clientY - r.top) / r.height) * SIDE];
  };
  const flush = () => { raf = 0; paint(); onInk(px, false); };
  const onDown = (ev) => {
    if (ev.button > 0 && ev.pointerType === "mouse") return;
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    drawing = true; erase = ev.shiftKey || ev.button === 5 || (ev.buttons & 32) !== 0;
    onStart();
    last = at(ev); dab(...last);
    if (!raf) raf = requestAnimationFrame(flush);
  };
  const onMove = (ev) => {
    if (!drawing) return;
    const p = at(ev);
    line(last, p); last = p;
    if (!raf) raf = requestAnimationFrame(flush);
  };
  const onUp = () => {
    if (!drawing) return;
    drawing = false; cancelAnimationFrame(raf); raf = 0;
    paint(); onInk(px, true);
  };
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  return {
    get pixels() { return px; },
    get drawing() { return drawing; },
    /** Show these pixels (a held-out digit, the URL's drawing) unless a stroke is under way. */
    show(pixels) { if (!drawing) { px = new Uint8Array(pixels); paint(); } },
    clear() { px = new Uint8Array(SIDE * SIDE); paint(); },
    colours(inkRgb, paperRgb) { ink = inkRgb; paper = paperRgb; paint(); },
    destroy() {
      cancelAnimationFrame(raf);
      canvas.removeEventListener("pointerdown", onDown);
      canvas.removeEventListener("pointermove", onMove);
      canvas.removeEventListener("pointerup", onUp);
      canvas.removeEventListener("pointercancel", onUp);
    },
  };
}
