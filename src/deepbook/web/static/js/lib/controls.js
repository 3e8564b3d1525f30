// Native form controls built by the server from a simulation's parameter table: read and set
// their values, keep their <output>s in step. The form is the one place a sim's values live;
// inputs a view edits itself (points, drawings, layer widths) ride in hidden inputs.

/** A log-scale slider's value: stops at 1/24 decade, rounded to two digits (the E24 series).
 *  Until the slider is moved it keeps the exact value the page was given (a link may say 0.5). */
function logValue(el) {
  if ("exact" in el.dataset) return Number(el.dataset.exact);
  return Number((10 ** (Number(el.dataset.logMin) + Number(el.value) / Number(el.dataset.logSteps))).toPrecision(2));
}

const isFlags = (form, name) => !!form.querySelector(`fieldset[data-name="${name}"]`);

function controlValue(form, el) {
  if (el.type === "range") return "logMin" in el.dataset ? logValue(el) : Number(el.value);
  if (el.type === "checkbox" && isFlags(form, el.name)) {
    return [...form.querySelectorAll(`input[name="${el.name}"]:checked`)].map((c) => c.value);
  }
  if (el.type === "checkbox") return el.checked;
  return el.value; // select, hidden (compact codes of points, drawings, integer lists)
}

/** Current parameter values, typed, keyed by parameter name. */
export function readParams(form) {
  const out = {};
  for (const el of form.elements) if (el.name && !(el.name in out)) out[el.name] = controlValue(form, el);
  return out;
}

/** Round a number for display: 4 significant digits, or ×10ⁿ notation when tiny or huge. */
export function fmt(v) {
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const [m0, e] = v.toExponential(2).split("e");
    const m = String(Number(m0)); // 9.50 → 9.5, 1.00 → 1: as the text writes 9.5 × 10⁻⁷
    const sup = String(Number(e)).replace(/-/g, "⁻").replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d]);
    return `${m} × 10${sup}`;
  }
  return String(Number(v.toPrecision(4)));
}

/** A value as the URL carries it (the server's `to_url`). */
export function urlValue(v) {
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "boolean") return v ? "1" : "0";
  return typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v);
}

/** Show a range control's value in its <output> (and, for log sliders, to screen readers). */
function showValue(form, el) {
  if (el.type !== "range") return;
  const out = form.querySelector(`[data-role="out-${el.name}"]`);
  const v = fmt(controlValue(form, el));
  if (out) out.textContent = v;
  if ("logMin" in el.dataset) el.setAttribute("aria-valuetext", v);
}

/** Set one control from a typed value or its URL string (e.g. a click on the map, a preset). */
export function setParam(form, name, value) {
  const el = form.elements[name];
  if (!el) return;
  if (el instanceof RadioNodeList || (el.type === "checkbox" && isFlags(form, name))) {
    const chosen = Array.isArray(value) ? value : String(value).split(",").filter(Boolean);
    for (const box of form.querySelectorAll(`input[name="${name}"]`)) box.checked = chosen.includes(box.value);
    return;
  }
  if (el.type === "checkbox") { el.checked = value === true || value === "1" || value === "true"; return; }
  if (el.type === "range" && "logMin" in el.dataset) {
    const x = Number(value);
    el.value = String(Math.round((Math.log10(x) - Number(el.dataset.logMin)) * Number(el.dataset.logSteps)));
    el.dataset.exact = String(x); // keep the exact value until the slider is moved
  } else {
    el.value = Array.isArray(value) ? value.join(",") : String(value);
  }
  showValue(form, el);
}

/** Call onChange(values, name) whenever a control changes; returns an unbind function. */
export function bindControls(form, onChange) {
  const handler = (ev) => {
    if (!ev.target.name) return;
    delete ev.target.dataset.exact;
    showValue(form, ev.target);
    // an option that brings its own settings (a landscape's rate and start) sets them too
    const preset = ev.target.selectedOptions?.[0]?.dataset.preset;
    if (preset) for (const [name, v] of Object.entries(JSON.parse(preset))) setParam(form, name, v);
    onChange(readParams(form), ev.target.name);
  };
  const stop = (ev) => ev.preventDefault();
  form.addEventListener("input", handler);
  form.addEventListener("submit", stop);
  for (const el of form.querySelectorAll("input[type=range]")) showValue(form, el);
  return () => { form.removeEventListener("input", handler); form.removeEventListener("submit", stop); };
}
