// Page bootstrap: mount every simulation view, preset links, question forms, glossary tips,
// theme switch.
import { errorText } from "./lib/api.js";
import { urlWriter, valuesFor } from "./lib/urlstate.js";

const views = new Map(); // sim root → its mounted view ({ destroy, set? })
let url = null; // the page's one URL writer, shared by its sims

/** Mount the view of every [data-sim] on the page (each imports sims/<id>.js). */
async function mountSims() {
  url = url || urlWriter();
  for (const root of document.querySelectorAll("[data-sim]")) {
    if (views.has(root)) continue;
    const simId = root.dataset.sim;
    views.set(root, null); // claimed: a second call while importing must not mount it twice
    try {
      const mod = await import(`./sims/${simId}.js`);
      views.set(root, mod.mount(root, {
        simId,
        key: root.dataset.key || simId,
        chapter: root.dataset.chapter || null,
        defaults: JSON.parse(root.dataset.defaults || "{}"),
        specDefaults: JSON.parse(root.dataset.specDefaults || "{}"),
        url,
      }));
    } catch (e) {
      console.error(e);
      const status = root.querySelector('[data-role="status"]');
      if (status) status.textContent = `This simulation could not start: ${e.message}`;
    }
  }
}

/** Destroy every mounted view: listeners, timers, sockets and canvases go with it. */
function unmountSims() {
  for (const [root, view] of views) {
    view?.destroy();
    root.dataset.frame = "0";
  }
  views.clear();
  url?.destroy();
  url = null;
}

/** A "what to try" link written as a query (`?knn.k=1`) sets the embedded sim with that key
 *  in place; without JavaScript it reloads the page with those settings. */
function presetLinks() {
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest?.('a[href^="?"]');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    const targets = [...views].filter(([root]) => Object.keys(valuesFor(root.dataset.key, a.search)).length);
    if (!targets.length || targets.some(([, view]) => !view?.set)) return;
    ev.preventDefault();
    for (const [root, view] of targets) view.set(valuesFor(root.dataset.key, a.search));
    targets[0][0].scrollIntoView({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  });
}

/** Answer without leaving the page: immediate feedback with the chosen option's explanation. */
function enhanceQuestions() {
  for (const form of document.querySelectorAll("form[data-question]")) {
    const feedback = form.querySelector('[data-role="feedback"]');
    let busy = false; // not `disabled`: that would throw keyboard focus back to the page start
    /** Mark an option as tried: right or not (seen, and said to screen readers). */
    const mark = (input, right) => {
      const label = input.closest(".option");
      label.classList.remove("tried-right", "tried-wrong");
      label.classList.add(right ? "tried-right" : "tried-wrong");
      let note = label.querySelector(".tried-note");
      if (!note) { note = document.createElement("span"); note.className = "tried-note"; label.append(note); }
      note.textContent = right ? "right" : "tried: not this one";
    };
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const picked = form.querySelector("input[name=choice]:checked");
      if (!picked || busy) return;
      busy = true;
      try {
        const res = await fetch("/api/answers", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question_id: form.dataset.question, choice: Number(picked.value) }),
        });
        if (!res.ok) throw new Error(await errorText(res));
        const body = await res.json();
        form.dataset.answered = body.answered;
        mark(picked, body.correct);
        const verdict = document.createElement("p");
        verdict.className = "verdict";
        verdict.textContent = body.correct ? "Correct." : "Not quite — try again.";
        const why = document.createElement("p");
        why.innerHTML = body.explanation; // server-rendered from our own content
        const parts = [verdict, why];
        if (body.answer) { // after two wrong tries the server sends the answer: offer it
          const show = document.createElement("button");
          show.type = "button"; show.className = "quiet show-answer"; show.textContent = "Show the answer";
          show.addEventListener("click", () => {
            const right = form.querySelector(`input[name=choice][value="${body.answer.choice}"]`);
            right.checked = true;
            mark(right, true);
            form.dataset.answered = "shown";
            const shown = document.createElement("p");
            shown.className = "verdict";
            shown.textContent = "The answer:";
            const because = document.createElement("p");
            because.innerHTML = body.answer.explanation;
            feedback.replaceChildren(shown, because);
            right.focus();
          });
          parts.push(show);
        }
        feedback.replaceChildren(...parts);
      } catch (e) {
        feedback.textContent = `Your answer was not saved: ${e.message}`;
      } finally {
        busy = false;
      }
    });
  }
}

function glossaryTips() {
  const tip = document.createElement("div");
  tip.className = "term-tip"; tip.id = "term-tip"; tip.setAttribute("role", "tooltip"); tip.hidden = true;
  document.body.appendChild(tip);
  let hideTimer = 0;
  const show = (a) => {
    clearTimeout(hideTimer);
    tip.textContent = a.dataset.definition;
    tip.hidden = false;
    const r = a.getBoundingClientRect(), page = document.documentElement.clientWidth;
    tip.style.left = `${window.scrollX + Math.max(8, Math.min(r.left, page - tip.offsetWidth - 8))}px`;
    tip.style.top = `${window.scrollY + r.bottom + 4}px`;
    a.setAttribute("aria-describedby", "term-tip");
  };
  const hideSoon = () => { hideTimer = setTimeout(() => { tip.hidden = true; }, 250); };
  let touched = null; // on touch, the first tap on a term shows its definition; the second follows it
  for (const a of document.querySelectorAll("a.term[title]")) {
    a.dataset.definition = a.title;
    a.removeAttribute("title");
    a.addEventListener("pointerdown", (ev) => { if (ev.pointerType !== "mouse") touched = a; });
    a.addEventListener("click", (ev) => {
      if (touched !== a) return;
      if (tip.hidden || tip.dataset.for !== a.href) { ev.preventDefault(); show(a); tip.dataset.for = a.href; }
    });
    a.addEventListener("mouseenter", () => show(a));
    a.addEventListener("focus", () => show(a));
    a.addEventListener("mouseleave", hideSoon);
    a.addEventListener("blur", () => { tip.hidden = true; });
  }
  tip.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  tip.addEventListener("mouseleave", hideSoon);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") tip.hidden = true; });
}

function themeSwitch() {
  const button = document.querySelector('[data-role="theme"]');
  if (!button) return;
  const order = ["auto", "light", "dark"];
  let theme = document.documentElement.dataset.theme || "auto";
  const show = () => { button.textContent = `Theme: ${theme}`; };
  show();
  button.addEventListener("click", () => {
    theme = order[(order.indexOf(theme) + 1) % order.length];
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    try { localStorage.setItem("deepbook-theme", theme === "auto" ? "" : theme); } catch (e) { /* private mode */ }
    show();
    window.dispatchEvent(new Event("deepbook:theme"));
  });
}

/** Boxes that scroll (a table wider than its column, a long equation, a sim's picture on a
 *  phone) are marked, reachable from the keyboard and, where they are regions, named; checked
 *  again on every resize. */
function scrollables() {
  const kinds = [
    [".table-scroll", (i) => `Table ${i + 1}, wider than the page: scroll sideways`, true],
    [".figure-scroll", (i, el) => `Figure: ${el.querySelector("img")?.alt.split(".")[0] ?? i + 1}, wider than the page: scroll sideways`, true],
    ['math[display="block"]', null, false],
    [".table-wrap", (i) => `Wide table ${i + 1}: scroll sideways`, false],
    [".sim-stage", (i, el) => {
      const head = el.closest(".sim")?.querySelector(".sim-head");
      const title = [...(head?.querySelectorAll(":is(h1, h3), [id$='-variant']") ?? [])].map((t) => t.textContent).join(" ");
      return `${title || "Simulation"}: picture, scrolls`;
    }, false],
  ];
  const mark = () => {
    for (const [selector, name, tag] of kinds) {
      [...document.querySelectorAll(selector)].forEach((box, i) => {
        const over = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
        if (tag) box.classList.toggle("is-scrollable", over);
        if (over && box.tabIndex < 0) {
          box.tabIndex = 0;
          box.dataset.scrolls = "";
          if (name) { box.setAttribute("role", "region"); box.setAttribute("aria-label", name(i, box)); }
        } else if (!over && "scrolls" in box.dataset) {
          delete box.dataset.scrolls;
          box.removeAttribute("tabindex");
          if (name) { box.removeAttribute("role"); box.removeAttribute("aria-label"); }
        }
      });
    }
  };
  mark();
  new ResizeObserver(mark).observe(document.documentElement);
  window.addEventListener("load", mark);
}

/** The glossary's filter: terms whose name, aliases or definition contain the words typed. */
function glossaryFilter() {
  const input = document.querySelector('[data-role="term-filter"]');
  if (!input) return;
  const count = document.querySelector('[data-role="term-count"]');
  const entries = [...document.querySelectorAll(".term-entry")];
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const e of entries) {
      const hit = words.every((w) => e.textContent.toLowerCase().includes(w));
      e.hidden = !hit;
      if (hit) shown++;
    }
    for (const s of document.querySelectorAll("section.letter")) s.hidden = !s.querySelector(".term-entry:not([hidden])");
    count.textContent = `${shown} of ${entries.length} terms`;
  };
  input.addEventListener("input", apply);
}

themeSwitch();
scrollables();
glossaryFilter();
glossaryTips();
enhanceQuestions();
presetLinks();
mountSims();
// For tests and notebooks driving the page: mount and unmount every view.
window.deepbook = { mount: mountSims, unmount: unmountSims, views };
