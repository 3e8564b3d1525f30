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
    /** Announce a change of state (a polite live region: say little, and only what changed). */
    say(text) { if (status.textContent !== text) status.textContent = text; },
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

/** A live sim: a WebSocket session; frames are acknowledged after they are drawn.
 *  render(frame, values) returns false for a frame it could not use (a stale delta). */
export function liveSim(root, ctx, { render }) {
  const b = base(root, ctx);
  let values = readParams(b.form), raf = 0, queue = [], playing = false, step = null;
  const buttons = Object.fromEntries(
    [...root.querySelectorAll("[data-action]")].map((el) => [el.dataset.action, el]));
  // The server's word on playing, in the order its messages arrived.
  const setPlaying = (on) => {
    if (on === playing) return;
    playing = on;
    buttons.play.setAttribute("aria-pressed", String(on));
    if (on) b.say("Running.");
    else if (step !== null) b.say(`Paused at step ${step}.`);
  };
  const client = liveClient(ctx.simId, {
    onOpen() { client.send({ type: "start", params: values }); },
    onFrame(frame) {
      step = frame.meta.step;
      setPlaying(frame.meta.playing);
      if (frame.meta.done) b.say(`Finished after ${step} steps.`);
      else if (!frame.meta.playing) b.say(`Step ${step}.`); // a step, a reset, new settings
      queue.push(frame);
      if (!raf) raf = requestAnimationFrame(flush);
    },
    onState(state) { setPlaying(state.playing); },
    onError(message, param) { b.say(param ? `Refused: ${message}` : message); },
  });
  function flush() {
    raf = 0;
    let frames = queue;
    queue = [];
    const full = frames.findLastIndex((f) => f.meta.full);
    if (full > 0) frames = frames.slice(full); // older pictures would be drawn over at once
    let drew = false;
    for (const f of frames) drew = render(f, values) !== false || drew;
    const last = frames[frames.length - 1];
    if (!last) return;
    if (drew) b.drawn();
    client.send({ type: "ack", seq: last.meta.seq });
  }
  const act = (type) => () => { b.used(); client.send({ type }); };
  const handlers = { play: act("play"), pause: act("pause"), reset: act("reset"), step: act("step") };
  for (const [name, fn] of Object.entries(handlers)) buttons[name].addEventListener("click", fn);
  const restart = (v) => { values = v; client.send({ type: "start", params: v }); };
  const unbind = bindControls(b.form, (v) => { b.used(); b.saveUrl(v); restart(v); });
  const visible = { page: !document.hidden, view: true };
  const sendVisible = () => client.send({ type: "visible", value: visible.page && visible.view });
  const onVis = () => { visible.page = !document.hidden; sendVisible(); };
  document.addEventListener("visibilitychange", onVis);
  const io = new IntersectionObserver((entries) => {
    visible.view = entries.at(-1).isIntersecting;
    sendVisible();
  });
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
