// Page bootstrap: mount every simulation view, enhance question forms, theme switch.
const views = [];

async function mountSims() {
  for (const root of document.querySelectorAll("[data-sim]")) {
    const simId = root.dataset.sim;
    try {
      const mod = await import(`./sims/${simId}.js`);
      const ctx = { simId, chapter: root.dataset.chapter || null, defaults: JSON.parse(root.dataset.defaults || "{}") };
      views.push(mod.mount(root, ctx));
    } catch (e) {
      console.error(e);
      const status = root.querySelector('[data-role="status"]');
      if (status) status.textContent = `This simulation could not start: ${e.message}`;
    }
  }
}

function enhanceQuestions() {
  for (const form of document.querySelectorAll("form[data-question]")) {
    const feedback = form.querySelector('[data-role="feedback"]');
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const picked = form.querySelector("input[name=choice]:checked");
      if (!picked) return;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const res = await fetch("/api/answers", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question_id: form.dataset.question, choice: Number(picked.value) }),
        });
        const body = await res.json();
        if (!res.ok) throw new Error(typeof body.detail === "string" ? body.detail : `error ${res.status}`);
        form.dataset.answered = body.answered;
        const verdict = document.createElement("p");
        verdict.className = "verdict";
        verdict.textContent = body.correct ? "Correct." : "Not quite — try again.";
        const why = document.createElement("p");
        why.innerHTML = body.explanation; // server-rendered from our own content
        feedback.replaceChildren(verdict, why);
      } catch (e) {
        feedback.textContent = `Your answer was not saved: ${e.message}`;
      } finally {
        button.disabled = false;
      }
    });
  }
}

function themeSwitch() {
  const button = document.querySelector('[data-role="theme"]');
  if (!button) return;
  const order = ["auto", "light", "dark"];
  const show = (t) => {
    button.textContent = `Theme: ${t}`;
    button.setAttribute("aria-label", `Colour theme: ${t === "auto" ? "automatic" : t}. Change theme`);
  };
  let theme = document.documentElement.dataset.theme || "auto";
  show(theme);
  button.addEventListener("click", () => {
    theme = order[(order.indexOf(theme) + 1) % order.length];
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    try { localStorage.setItem("deepbook-theme", theme === "auto" ? "" : theme); } catch (e) { /* private mode */ }
    show(theme);
    window.dispatchEvent(new Event("deepbook:theme"));
  });
}

/** Glossary links show their definition on hover and on keyboard focus (Escape hides it). */
function glossaryTips() {
  const tip = document.createElement("div");
  tip.className = "term-tip"; tip.id = "term-tip"; tip.setAttribute("role", "tooltip"); tip.hidden = true;
  document.body.appendChild(tip);
  const show = (a) => {
    tip.textContent = a.dataset.definition;
    tip.hidden = false;
    const r = a.getBoundingClientRect();
    const left = Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
    tip.style.left = `${Math.max(8, left)}px`;
    tip.style.top = `${window.scrollY + r.bottom + 6}px`;
    a.setAttribute("aria-describedby", "term-tip");
  };
  const hide = () => { tip.hidden = true; };
  for (const a of document.querySelectorAll("a.term[title]")) {
    a.dataset.definition = a.title;
    a.removeAttribute("title");
    a.addEventListener("mouseenter", () => show(a));
    a.addEventListener("focus", () => show(a));
    a.addEventListener("mouseleave", hide);
    a.addEventListener("blur", hide);
  }
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") hide(); });
}

themeSwitch();
glossaryTips();
enhanceQuestions();
mountSims();
