// Native form controls built by the server from a simulation's parameter table:
// read their values, keep their <output>s and the page URL in step.

/** A log-scale slider's value: stops at 1/24 decade, rounded to two digits (the E24 series).
 *  Until the slider is moved it keeps the exact value the page was given (a link may say 0.5). */
function logValue(el) {
  if ("exact" in el.dataset) return Number(el.dataset.exact);
  return Number((10 ** (Number(el.dataset.logMin) + Number(el.value) / Number(el.dataset.logSteps))).toPrecision(2));
}

function controlValue(form, el) {
  if (el.type === "range") return "logMin" in el.dataset ? logValue(el) : Number(el.value);
  if (el.type === "checkbox" && form.querySelector(`fieldset[data-name="${el.name}"]`)) {
    return [...form.querySelectorAll(`input[name="${el.name}"]:checked`)].map((c) => c.value);
  }
  if (el.type === "checkbox") return el.checked;
  return el.value;
}

/** Current parameter values, typed, keyed by parameter name. */
export function readParams(form) {
  const out = {};
  for (const el of form.elements) if (el.name && !(el.name in out)) out[el.name] = controlValue(form, el);
  return out;
}

/** Round a slider reading for display and for the URL. */
export function fmt(v) {
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

function urlValue(v) {
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

/** Set one control programmatically (e.g. a click on the map sets the start point). */
export function setParam(form, name, value) {
  const el = form.elements[name];
  if (!el) return;
  delete el.dataset.exact;
  el.value = "logMin" in el.dataset
    ? Math.round((Math.log10(value) - Number(el.dataset.logMin)) * Number(el.dataset.logSteps)) : value;
  showValue(form, el);
}

let urlTimer = 0, pendingUrl = null;

/** Put non-default values in the page URL as `<sim>.<param>=value`, so a link reproduces them.
 *  Returns the new query string; the address bar is rewritten at most every 200 ms (browsers
 *  throttle history.replaceState), the last change always included. */
export function syncUrl(simId, values, defaults) {
  const url = new URL(pendingUrl || location.href);
  for (const [name, v] of Object.entries(values)) {
    const key = `${simId}.${name}`, s = urlValue(v), d = defaults[name];
    const same = typeof v === "number" ? Math.abs(v - Number(d)) < 1e-9 * Math.max(1, Math.abs(v)) : s === d;
    if (same) url.searchParams.delete(key); else url.searchParams.set(key, s);
  }
  if (urlTimer) {
    pendingUrl = url.href; // written when the timer ends
  } else {
    history.replaceState(history.state, "", url);
    const flush = () => {
      urlTimer = 0;
      if (pendingUrl) { history.replaceState(history.state, "", pendingUrl); pendingUrl = null; urlTimer = setTimeout(flush, 200); }
    };
    urlTimer = setTimeout(flush, 200);
  }
  return url.search;
}

/** Call onChange(values, name) whenever a control changes; returns an unbind function. */
export function bindControls(form, onChange) {
  const handler = (ev) => {
    if (!ev.target.name) return;
    delete ev.target.dataset.exact;
    showValue(form, ev.target);
    onChange(readParams(form), ev.target.name);
  };
  const stop = (ev) => ev.preventDefault();
  form.addEventListener("input", handler);
  form.addEventListener("submit", stop);
  for (const el of form.querySelectorAll("input[type=range]")) showValue(form, el);
  return () => { form.removeEventListener("input", handler); form.removeEventListener("submit", stop); };
}
