// The wiring every simulation view shares: controls → server → render → frame counter, URL state,
// "restore defaults" and "copy link", "simulation used" events, and (for live sims)
// play/pause/step/reset paced by acknowledgements.
//
// One way in for every change: set(values). A slider, a click on a plot, a stroke, a preset link
// and "restore defaults" all write the form's controls, then the same path runs: URL, request,
// frame. The server validates; a refusal is shown next to the controls and the last good
// picture stays.
import { instantClient, liveClient, reportUse } from "./api.js";
import { bindControls, readParams, setParam } from "./controls.js";
import { simQuery } from "./urlstate.js";

function base(root, ctx, onValues) {
  const form = root.querySelector('[data-role="controls"]');
  const status = root.querySelector('[data-role="status"]');
  const link = root.querySelector('[data-role="standalone"]');
  const restore = root.querySelector('[data-role="restore"]');
  const copy = root.querySelector('[data-role="copy-link"]');
  let values = readParams(form), used = false, lastDraw = 0;
  // the picture's height, for the phone layout: its controls scroll to just below it
  const picture = root.querySelector('[data-role="picture"]');
  const tall = new ResizeObserver(() => root.style.setProperty("--picture-h", `${picture.offsetHeight}px`));
  if (picture) tall.observe(picture);
  const b = {
    form, status,
    values: () => values,
    /** Count a drawn frame: the contract is data-frame = number of pictures drawn. */
    drawn() { lastDraw = performance.now(); root.dataset.frame = String(Number(root.dataset.frame || 0) + 1); },
    /** Nothing drawn this display frame: an answer to a key or a click can be drawn at once. */
    idle: () => performance.now() - lastDraw > 16,
    used() { if (!used) { used = true; reportUse(ctx.simId, ctx.chapter); } },
    /** Announce a change of state (a polite live region: say little, and only what changed). */
    say(text) { if (status.textContent !== text) status.textContent = text; },
    /** Show a refusal next to the control it names (and in the status line); null clears. */
    refuse(message, param) {
      for (const old of form.querySelectorAll(".control-error")) old.remove();
      for (const bad of form.querySelectorAll("[aria-invalid]")) bad.removeAttribute("aria-invalid");
      if (message === null) { if (status.textContent.startsWith("Not updated")) b.say(""); return; }
      b.say(`Not updated: ${message}`);
      const input = param && form.elements[param];
      const control = input && (input.closest?.(".control") || input[0]?.closest(".control"));
      if (!control) return;
      const note = document.createElement("p");
      note.className = "control-error";
      note.textContent = message;
      control.append(note);
      if (input.setAttribute) input.setAttribute("aria-invalid", "true");
    },
    /** Change some values (typed, or as URL strings) the way a control would. */
    set(partial) {
      for (const [name, v] of Object.entries(partial)) setParam(form, name, v);
      changed(readParams(form));
    },
  };
  /** Values the server accepted (it drew a frame from them) go into the URL and the
   *  "open full window" link; refused ones never do. */
  b.commit = (v) => {
    ctx.url.write(ctx.key, v, ctx.defaults);
    if (link) {
      const q = simQuery(ctx.simId, v, ctx.specDefaults).toString();
      link.href = `/sims/${ctx.simId}` + (q ? `?${q}` : "");
    }
  };
  function changed(v) {
    values = v;
    b.used();
    onValues(values);
  }
  const onRestore = () => b.set(ctx.defaults);
  const onCopy = async () => {
    const url = new URL(location.href);
    url.hash = `sim-${ctx.key}`;
    try { await navigator.clipboard.writeText(url.href); b.say("Link copied."); }
    catch (e) { b.say(`Copy this link: ${url.href}`); }
  };
  restore?.addEventListener("click", onRestore);
  copy?.addEventListener("click", onCopy);
  const unbind = bindControls(form, changed);
  b.destroyBase = () => {
    unbind();
    tall.disconnect();
    restore?.removeEventListener("click", onRestore);
    copy?.removeEventListener("click", onCopy);
  };
  return b;
}

/** An instant sim: every change requests a frame; render(frame, values) draws it. */
export function instantSim(root, ctx, render) {
  let raf = 0, latest = null, client = null;
  const b = base(root, ctx, (v) => client.request(v));
  client = instantClient(ctx.simId, {
    onFrame(frame, params) {
      b.refuse(null);
      b.commit(params);
      latest = frame;
      // Draw at once when nothing was drawn this display frame (a key press, a click); while
      // frames stream in faster than the display, draw at most once per animation frame.
      const draw = () => { raf = 0; render(latest, b.values()); b.drawn(); };
      if (raf) return;
      if (b.idle()) draw();
      else raf = requestAnimationFrame(draw);
    },
    onError(message, param) { b.refuse(message, param); },
  });
  client.request(b.values());
  return { ...b, destroy() { b.destroyBase(); client.close(); cancelAnimationFrame(raf); } };
}

/** A live sim: a WebSocket session; frames are acknowledged after they are drawn.
 *  render(frame, values) returns false for a frame it could not use (a stale delta); onReply(msg)
 *  gets the replies to commands sent with send(msg) (a refusal is also said in the status line).
 *  A change of hot parameters (a learning rate, a speed) is taken without a restart: the
 *  server decides, from the declaration. With `replay`, Play on a finished run starts it over. */
export function liveSim(root, ctx, { render, onReply = () => {}, replay = false }) {
  let raf = 0, queue = [], playing = false, step = null, client = null, asked = null;
  let finished = false;
  const b = base(root, ctx, (v) => { asked = v; client.send({ type: "start", params: v }); });
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
  client = liveClient(ctx.simId, {
    // a new connection (also after the server closed an idle or hidden session) says where
    // the view stands: its values, and whether it can be seen
    onOpen() { client.send({ type: "start", params: b.values() }); sendVisible(); },
    onFrame(frame) {
      if (frame.meta.full) b.refuse(null);
      if (asked) { b.commit(asked); asked = null; } // the session took the new values
      const moved = frame.meta.step !== step || frame.meta.full;
      step = frame.meta.step;
      finished = !!frame.meta.done;
      setPlaying(frame.meta.playing);
      if (frame.meta.done) b.say(`Finished after ${step} steps.`);
      else if (!frame.meta.playing && moved) b.say(`Step ${step}.`); // a step, a reset, new settings
      queue.push(frame);
      // an answer to a change (not a played frame) is drawn at once when nothing was drawn this
      // display frame, as in instant sims; played frames keep to the display's rhythm
      if (!frame.meta.playing && b.idle()) { cancelAnimationFrame(raf); flush(); }
      else if (!raf) raf = requestAnimationFrame(flush);
    },
    onState(state) { setPlaying(state.playing); },
    onReply(msg) {
      if (msg.type === "error") b.say(`Not done: ${msg.detail}`);
      onReply(msg);
    },
    onError(message, param) {
      if (param) { asked = null; b.refuse(message, param); } else b.say(message);
    },
  });
  function flush() {
    raf = 0;
    let frames = queue;
    queue = [];
    const full = frames.findLastIndex((f) => f.meta.full);
    if (full > 0) frames = frames.slice(full); // older pictures would be drawn over at once
    let drew = false;
    for (const f of frames) drew = render(f, b.values()) !== false || drew;
    const last = frames[frames.length - 1];
    if (!last) return;
    if (drew) b.drawn();
    client.send({ type: "ack", seq: last.meta.seq });
  }
  const act = (type) => () => { b.used(); client.send({ type }); };
  // `replay`: Play on a finished run starts it over (a path to walk again), else it stays put
  const play = () => { if (replay && finished) act("reset")(); act("play")(); };
  const handlers = { play, pause: act("pause"), reset: act("reset"), step: act("step") };
  for (const [name, fn] of Object.entries(handlers)) buttons[name].addEventListener("click", fn);
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
    /** Send one of the engine's own commands (see its COMMANDS); replies go to onReply. */
    send(msg) { b.used(); client.send(msg); },
    destroy() {
      b.destroyBase(); io.disconnect(); document.removeEventListener("visibilitychange", onVis);
      for (const [name, fn] of Object.entries(handlers)) buttons[name].removeEventListener("click", fn);
      cancelAnimationFrame(raf); client.close();
    },
  };
}
