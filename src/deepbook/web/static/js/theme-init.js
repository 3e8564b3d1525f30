// Apply a saved theme before first paint so the page does not flash (a classic, blocking script:
// the page's only one, kept tiny; no inline script anywhere, for the Content-Security-Policy).
try { const t = localStorage.getItem("deepbook-theme"); if (t) document.documentElement.dataset.theme = t; } catch (e) { /* private mode */ }
