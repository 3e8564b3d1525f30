// Talking to the deepbook server: instant frames over HTTP, live sessions over a WebSocket.
import { decodeFrame } from "./frame.js";

/** Fetch instant frames, at most one request in flight; the newest pending parameters win. */
export function instantClient(simId, { onFrame, onError }) {
  let busy = false, pending = null, closed = false;
  async function run(params) {
    busy = true;
    try {
      const res = await fetch(`/api/sims/${simId}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(params),
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        onError(body.detail || `the server answered ${res.status}`);
      } else if (!closed) {
        onFrame(decodeFrame(await res.arrayBuffer()));
      }
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

/** A live session: JSON messages out, binary frames and JSON errors in; reconnects on loss. */
export function liveClient(simId, { onFrame, onError, onOpen, onState }) {
  let ws = null, closed = false, retry = 250;
  const queue = [];
  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${proto}://${location.host}/ws/sims/${simId}`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { retry = 250; onOpen(); while (queue.length) ws.send(queue.shift()); };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        const msg = JSON.parse(ev.data);
        if (msg.type === "error") onError(msg.message, msg.param);
        else if (msg.type === "state") onState(msg);
      } else {
        onFrame(decodeFrame(ev.data));
      }
    };
    ws.onclose = () => {
      if (closed) return;
      onError("connection lost; reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
  }
  connect();
  return {
    send(msg) {
      const text = JSON.stringify(msg);
      if (ws.readyState === WebSocket.OPEN) ws.send(text); else if (msg.type !== "ack") queue.push(text);
    },
    close() { closed = true; ws.close(); },
  };
}

/** Tell the server (once per view) that the learner used a simulation. */
export function reportUse(simId, chapter) {
  fetch("/api/events", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sim_id: simId, chapter: chapter || null }),
  }).catch(() => {});
}
