// Talking to the deepbook server: instant frames over HTTP, live sessions over a WebSocket.
import { decodeFrame } from "./frame.js";

/** The server's error as {detail, param}: our 4xx carry {"detail", "param"} (FastAPI's own
 *  422s a list of problems). */
export async function errorBody(res) {
  const body = await res.json().catch(() => ({}));
  if (typeof body.detail === "string") return { detail: body.detail, param: body.param || null };
  if (Array.isArray(body.detail)) {
    return { detail: body.detail.map((d) => `${(d.loc || []).at(-1)}: ${d.msg}`).join("; "), param: null };
  }
  return { detail: `the server answered ${res.status}`, param: null };
}

/** A readable message from an error response. */
export async function errorText(res) {
  return (await errorBody(res)).detail;
}

/** Fetch instant frames, at most one request in flight; the newest pending parameters win. */
export function instantClient(simId, { onFrame, onError }) {
  let busy = false, pending = null, closed = false;
  async function run(params) {
    busy = true;
    try {
      const res = await fetch(`/api/sims/${simId}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(params),
      });
      if (!res.ok) { const e = await errorBody(res); onError(e.detail, e.param); }
      else if (!closed) onFrame(decodeFrame(await res.arrayBuffer()), params);
    } catch (e) {
      if (!closed) onError(`could not reach the server (${e.message})`);
    } finally {
      busy = false;
      if (pending && !closed) { const p = pending; pending = null; run(p); }
    }
  }
  return {
    request(params) { if (busy) pending = params; else run(params); },
    close() { closed = true; },
  };
}

const GONE = 1008; // the server has no such live simulation: do not retry
const FULL = 1013; // the server is full: retry, slowly

/** A live session: JSON messages out, binary frames and JSON messages in; reconnects on loss.
 *  onReply gets the replies to the engine's own commands (and their refusals). */
export function liveClient(simId, { onFrame, onError, onOpen, onState, onReply }) {
  let ws = null, closed = false, retry = 250, timer = 0, lastError = "";
  const queue = [];
  function connect() {
    if (closed) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${proto}://${location.host}/ws/sims/${simId}`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { retry = 250; onOpen(); while (queue.length) ws.send(queue.shift()); };
    ws.onmessage = (ev) => {
      try {
        if (typeof ev.data !== "string") { onFrame(decodeFrame(ev.data)); return; }
        const msg = JSON.parse(ev.data);
        if (msg.type === "error" && !msg.command) { lastError = msg.detail; onError(msg.detail, msg.param); }
        else if (msg.type === "state") onState(msg);
        else onReply(msg); // a command's reply or refusal (msg.command names it)
      } catch (e) {
        onError(`a message from the server could not be read (${e.message})`);
      }
    };
    ws.onclose = (ev) => {
      if (closed) return;
      if (ev.code === GONE) return;
      if (ev.code === FULL) retry = Math.max(retry, 10000);
      else onError("connection lost; reconnecting…");
      if (ev.code === FULL && lastError) onError(`${lastError}; trying again in ${retry / 1000} s`);
      timer = setTimeout(reconnect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  // A hidden tab does not hold a session: it reconnects once it is shown again.
  const onShown = () => { if (!document.hidden) { document.removeEventListener("visibilitychange", onShown); connect(); } };
  function reconnect() {
    if (closed) return;
    if (document.hidden) document.addEventListener("visibilitychange", onShown);
    else connect();
  }
  connect();
  return {
    send(msg) {
      const text = JSON.stringify(msg);
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
      else if (msg.type !== "ack" && msg.type !== "visible") queue.push(text);
    },
    close() {
      closed = true; clearTimeout(timer); if (ws) ws.close();
      document.removeEventListener("visibilitychange", onShown);
    },
  };
}

/** Tell the server (once per view) that the learner used a simulation. */
export function reportUse(simId, chapter) {
  fetch("/api/events", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sim_id: simId, chapter: chapter || null }),
  }).catch(() => {});
}
