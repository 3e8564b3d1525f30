// The playground's weight editor: a small form over the network diagram for one unit's incoming
// weights and its bias. Clicking a link opens it on that weight, clicking a bias square on the
// bias; a picked unit opens with Enter. The value is sent to the server as an "edit" command
// (bounds ±100, checked there too); the next frame shows it. Escape or Cancel closes it, and
// focus goes back to the diagram.
import { el } from "./util.js";

export const EDIT_BOUND = 100;

/** The editor inside `box` (the positioned diagram). `send(target, value)` sends one edit;
 *  `current(index)` is a parameter's latest value; `done()` runs when the editor closes. */
export function weightEditor(box, ctx, { send, current, done }) {
  const form = el("form", { class: "pg-editor", hidden: "", novalidate: "", "aria-label": "Edit a weight or bias" });
  const title = el("p", { class: "pg-editor-title" });
  const whichId = `${ctx.key}-pg-edit-which`, valueId = `${ctx.key}-pg-edit-value`;
  const which = el("select", { id: whichId });
  const value = el("input", {
    id: valueId, type: "number", step: "any", min: String(-EDIT_BOUND), max: String(EDIT_BOUND),
    inputmode: "decimal", required: "",
  });
  const note = el("p", { class: "pg-editor-note", "aria-live": "polite" });
  const set = el("button", { type: "submit", class: "primary" }, "Set");
  const cancel = el("button", { type: "button", class: "pg-quiet" }, "Cancel");
  const row = (label, id, input) => {
    const p = el("p", { class: "pg-editor-row" });
    p.append(el("label", { for: id }, label), input);
    return p;
  };
  const buttons = el("p", { class: "pg-editor-row pg-editor-buttons" });
  buttons.append(set, cancel);
  form.append(title, row("Parameter", whichId, which), row("Value", valueId, value), note, buttons);
  box.append(form);
  let targets = [];

  const fill = () => {
    const t = targets[Number(which.value)];
    const v = t ? current(t.index) : NaN;
    value.value = Number.isFinite(v) ? String(Number(v.toPrecision(6))) : "0";
    note.textContent = "";
  };
  /** Open at (x, y) in the box for `unit` (a name) with its targets [{label, layer, from, to,
   *  index}], the one numbered `chosen` selected. */
  function open(unit, list, chosen, x, y) {
    targets = list;
    title.textContent = `Edit ${unit}`;
    which.replaceChildren(...list.map((t, i) => el("option", { value: String(i) }, t.label)));
    which.value = String(Math.max(0, chosen));
    fill();
    form.hidden = false;
    const w = form.offsetWidth, h = form.offsetHeight;
    const left = Math.max(0, Math.min(box.clientWidth - w, x + 8));
    const top = Math.max(0, Math.min(box.clientHeight - h, y + 8));
    form.style.left = `${left}px`; form.style.top = `${top}px`;
    value.focus(); value.select();
  }
  function close() {
    if (form.hidden) return;
    form.hidden = true;
    done();
  }
  const onSubmit = (ev) => {
    ev.preventDefault();
    const t = targets[Number(which.value)], v = Number(value.value);
    if (value.value.trim() === "" || !Number.isFinite(v) || Math.abs(v) > EDIT_BOUND) {
      note.textContent = `A number from ${-EDIT_BOUND} to ${EDIT_BOUND}, please.`;
      value.setAttribute("aria-invalid", "true");
      value.focus();
      return;
    }
    value.removeAttribute("aria-invalid");
    send(t, v);
    close();
  };
  const onKey = (ev) => { if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); close(); } };
  // clicks and pointer moves inside the editor are not clicks on the diagram under it
  const stop = (ev) => ev.stopPropagation();
  const listeners = [[form, "submit", onSubmit], [form, "keydown", onKey], [form, "click", stop],
    [form, "pointermove", stop], [which, "change", fill], [cancel, "click", close]];
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn);
  return {
    open,
    close,
    get isOpen() { return !form.hidden; },
    destroy() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn);
      form.remove();
    },
  };
}
