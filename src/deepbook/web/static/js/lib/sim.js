// The wiring every simulation view shares: controls → server → render → frame counter, URL state,
// "simulation used" events, and (for live sims) play/pause/step/reset paced by acknowledgements.
import { instantClient, liveClient, reportUse } from "./api.js";
import { bindControls, readParams, syncUrl } from "./controls.js";

function base(root, ctx) {
  const form = root.querySelector('[data-role="controls"]');
  const status = root.querySelector('[data-role="status"]');
  const link = root.querySelector('[data-role="standalone"]');
  let used = false;
  return {
    form, status,
    /** Count a drawn frame: the contract is data-frame = number of pictures drawn. */
    drawn() { root.dataset.frame = String(Number(root.dataset.frame || 0) + 1); },
    used() { if (!used) { used = true; reportUse(ctx.simId, ctx.chapter); } },
    saveUrl(values) {
      const search = syncUrl(ctx.simId, values, ctx.defaults);
      if (link) link.href = `/sims/${ctx.simId}${search ? filterSearch(search, ctx.simId) : ""}`;
    },
    say(text) { status.textContent = text; },
  };
}

function filterSearch(search, simId) {
  const p = new URLSearchParams(search), out = new URLSearchParams();
  for (const [k, v] of p) if (k.startsWith(`${simId}.`)) out.set(k, v);
  const s = out.toString();
  return s ? `?${s}` : "";
}

/** An instant sim: every control change requests a frame; render(frame, values) draws it. */
export function instantSim(root, ctx, render) {
  const b = base(root, ctx);
  let values = readParams(b.form), raf = 0, latest = null;
  const client = instantClient(ctx.simId, {
    onFrame(frame) {
      if (b.status.textContent.startsWith("Not updated")) b.say("");
      latest = frame;
      if (!raf) raf = requestAnimationFrame(() => { raf = 0; render(latest, values); b.drawn(); });
    },
    onError(message) { b.say(`Not updated: ${message}`); },
  });
  const unbind = bindControls(b.form, (v) => { values = v; b.used(); b.saveUrl(v); client.request(v); });
  client.request(values);
  return { ...b, destroy() { unbind(); client.close(); cancelAnimationFrame(raf); } };
}

/** A live sim: a WebSocket session; frames are acknowledged after they are drawn. */
export function liveSim(root, ctx, { render, reset }) {
  const b = base(root, ctx);
  let values = readParams(b.form), raf = 0, queue = [], lastStep = null;
  const buttons = Object.fromEntries(
    [...root.querySelectorAll("[data-action]")].map((el) => [el.dataset.action, el]));
  const pressed = (on) => buttons.play.setAttribute("aria-pressed", String(on));
  const client = liveClient(ctx.simId, {
    onOpen() { client.send({ type: "start", params: values }); },
    onFrame(frame) {
      queue.push(frame);
      if (!raf) raf = requestAnimationFrame(flush);
    },
    onError(message, param) { b.say(param ? `Refused: ${message}` : message); },
    onState(state) {
      pressed(state.playing);
      if (!state.playing && lastStep !== null) b.say(`Paused at step ${lastStep}.`);
    },
  });
  function flush() {
    raf = 0;
    const frames = queue; queue = [];
    for (const f of frames) render(f, values);
    const last = frames[frames.length - 1];
    if (!last) return;
    b.drawn();
    pressed(last.meta.playing);
    lastStep = last.meta.step;
    client.send({ type: "ack", seq: last.meta.seq });
  }
  const act = (type) => () => { b.used(); client.send({ type }); };
  const handlers = {
    play: act("play"), pause: act("pause"), reset: act("reset"),
    step: () => { b.used(); client.send({ type: "step", n: 1 }); },
  };
  for (const [name, fn] of Object.entries(handlers)) buttons[name].addEventListener("click", fn);
  const restart = (v) => { values = v; reset(); client.send({ type: "start", params: v }); };
  const unbind = bindControls(b.form, (v) => { b.used(); b.saveUrl(v); restart(v); });
  const visible = { page: !document.hidden, view: true };
  const sendVisible = () => client.send({ type: "visible", value: visible.page && visible.view });
  const onVis = () => { visible.page = !document.hidden; sendVisible(); };
  document.addEventListener("visibilitychange", onVis);
  const io = new IntersectionObserver(([e]) => { visible.view = e.isIntersecting; sendVisible(); });
  io.observe(root);
  return {
    ...b,
    /** Change parameters from the view (e.g. a click on the map) and restart. */
    setValues(v) { b.used(); b.saveUrl(v); restart(v); },
    values: () => values,
    destroy() {
      unbind(); io.disconnect(); document.removeEventListener("visibilitychange", onVis);
      for (const [name, fn] of Object.entries(handlers)) buttons[name].removeEventListener("click", fn);
      cancelAnimationFrame(raf); client.close();
    },
  };
}
