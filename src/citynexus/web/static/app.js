// citynexus dashboard: small helpers shared by the pages (no build step).
"use strict";

const CNX = {
  lang: document.body ? document.body.dataset.lang : "en",

  plot(id, fig) {
    const el = document.getElementById(id);
    if (!el || !fig) return;
    const narrow = window.matchMedia("(max-width: 760px)").matches;
    const layout = narrow ? CNX.narrowLayout(fig.layout) : fig.layout;
    // the toolbar appears on hover only, so that it never covers a title
    const config = { responsive: true, displaylogo: false, displayModeBar: "hover" };
    const locale = CNX.plotlyLocale();
    if (locale) config.locale = locale;
    Plotly.react(el, fig.data, layout, config);
  },

  plotlyLocale() {
    // plotly's own words (mode bar, hover hints) in the page's language, given by the page
    if (CNX._locale !== undefined) return CNX._locale;
    CNX._locale = null;
    const el = document.getElementById("plotly-locale");
    if (el && window.Plotly) {
      const dictionary = JSON.parse(el.textContent);
      if (Object.keys(dictionary).length) {
        Plotly.register({ moduleType: "locale", name: "cnx-page", dictionary });
        CNX._locale = "cnx-page";
      }
    }
    return CNX._locale;
  },

  narrowLayout(layout) {
    // phones: titles start at the left edge, legends go below, margins shrink
    const l = JSON.parse(JSON.stringify(layout || {}));
    // a figure labelled at its lines' ends (no legend) keeps room on the right for the labels
    const ends = l.showlegend === false && l.margin && l.margin.r > 10;
    l.margin = Object.assign({}, l.margin, { l: 40, r: ends ? Math.min(l.margin.r, 110) : 10 });
    if (l.title && l.title.font) l.title.font.size = 13;
    l.legend = Object.assign({}, l.legend, { orientation: "h", y: -0.2 });
    delete l.width;
    return l;
  },

  async getJSON(url) {
    const r = await fetch(url);
    const body = await r.json().catch((e) => { if (r.ok) throw e; return {}; });
    if (!r.ok) throw Object.assign({ http_status: r.status }, body);
    return body;
  },

  async postJSON(url, payload, key) {
    const headers = { "Content-Type": "application/json" };
    if (key) headers["X-API-Key"] = key;
    const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) });
    const body = await r.json().catch((e) => { if (r.ok) throw e; return {}; });
    if (!r.ok) throw Object.assign({ http_status: r.status }, body);
    return body;
  },

  async submit(url, body, key, out, { L, ok, problems, reload = 800, own }) {
    // POST body (a FormData, or null) with the API key and show the answer in `out`: first L.loading,
    // then "✓ ok(answer)" and a reload after `reload` ms, or the count and problems(list) (HTML) of a
    // rejected import, or the error (an answer without JSON is labelled by its status; own: the
    // page's words for some statuses, see errorHtml)
    const headers = {};
    if (key) headers["X-API-Key"] = key;
    out.innerHTML = `<p class="muted">${L.loading}</p>`;
    const r = await fetch(url, { method: "POST", body, headers });
    const res = await r.json().catch((e) => { if (r.ok) throw e; return {}; });
    if (r.ok) {
      out.innerHTML = `<p class="ok" id="${out.id}-ok">✓ ${ok(res)}</p>`;
      setTimeout(() => location.reload(), reload);
    } else if (res.problems) {
      out.innerHTML = `<p class="error" id="${out.id}-error">${L.problems_found}: ${res.problems.length}</p>` + problems(res.problems);
    } else {
      out.innerHTML = `<p class="error" id="${out.id}-error">${CNX.errorHtml(res, r.status, own)}</p>`;
    }
  },

  uploadForm(name, url, opts) {
    // the upload card `name` of _upload.html: its form posts the chosen file (field "file") with the
    // key typed in its box through CNX.submit(url, ..., opts); opts.missing {file, key}: the page's
    // words shown instead of sending when no file is chosen or no key typed
    const form = document.getElementById(`${name}-form`);
    if (!form) return;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const out = document.getElementById(`${name}-result`);
      const f = document.getElementById(`${name}-file`).files[0];
      const key = document.getElementById(`${name}-key`).value.trim();
      const missing = (opts.missing || {})[!f ? "file" : !key ? "key" : ""];
      if (missing) {
        out.innerHTML = `<p class="error" id="${out.id}-error">${CNX.escape(missing)}</p>`;
        return;
      }
      const fd = new FormData();
      if (f) fd.append("file", f);
      CNX.submit(url, fd, key, out, opts);
    });
  },

  fetchLabels() {
    // the page's words for the API's errors and the hub's record problems (base.html, i18n/fetched.py)
    if (!CNX._fetch) {
      const el = document.getElementById("fetch-labels");
      CNX._fetch = el ? JSON.parse(el.textContent) : {};
    }
    return CNX._fetch;
  },

  exactEnglish(text) {
    // the API's own English words, beside a page-language text, marked as English
    if (!text) return "";
    const F = CNX.fetchLabels();
    return ` <span class="muted exact-en">（${CNX.escape(F.fetched_exact_en)}：<span lang="en">${CNX.escape(text)}</span>）</span>`;
  },

  errorHtml(body, status, own, head) {
    // an error answer of the API (HTML). A page's own label of the status (own[status]) wins in every
    // language; else its message on English pages, and on Chinese pages the label of its HTTP status
    // with the exact English message beside it (an error without a status, e.g. of the network: the message).
    // head: the page's words for what failed (they stand for the status label)
    const msg = (body && body.message) || "";
    const F = CNX.fetchLabels();
    const st = status || (body && body.http_status);
    if (own && own[st]) return CNX.escape(own[st]);
    if (head) return CNX.escape(head) + (CNX.lang === "en" ? (msg ? ": " + CNX.escape(msg) : "") : CNX.exactEnglish(msg));
    if (CNX.lang === "en") return CNX.escape(msg || F["fetched_err_" + st] || String(st || ""));
    const label = F["fetched_err_" + st] || (st ? F.fetched_err_400 : "");
    return label ? CNX.escape(label) + CNX.exactEnglish(msg) : CNX.exactEnglish(msg).trim();
  },

  problemHtml(p) {
    // one record problem as {problem, fix} (HTML): the English text on English pages; on Chinese pages
    // the templates of its kind with its values filled in (as code), else a general label and the English
    if (CNX.lang === "en") return { problem: CNX.escape(p.problem), fix: CNX.escape(p.fix) };
    const F = CNX.fetchLabels();
    const kind = p.kind || "";
    const fill = (tpl) => CNX.escape(tpl).replace(/`([^`]*)`/g, "<code>$1</code>").replace(/\{(\w+)\}/g, (m, k) =>
      `<code>${CNX.escape((p.values || {})[k] ?? m)}</code>`);
    if (F["val_" + kind]) {  // a kind of dataset problem (citynexus.errors.DataProblem): described, with the English
      return { problem: CNX.escape(F["val_" + kind]) + CNX.exactEnglish(p.problem), fix: CNX.escape(F["valfix_" + kind]) + CNX.exactEnglish(p.fix) };
    }
    const prob = F["hubprob_" + kind] || (kind.startsWith("missing_") ? F.hubprob_missing : "");
    if (!prob) return { problem: CNX.escape(F.hubprob_other) + CNX.exactEnglish(p.problem), fix: CNX.exactEnglish(p.fix).trim() };
    const fix = F["hubfix_" + kind];
    return { problem: fill(prob), fix: fix ? fill(fix) : CNX.exactEnglish(p.fix).trim() };
  },

  escape(s) {
    return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  },

  importProblemsTable(problems, labels) {
    // a table of the problems of a rejected record import (hub, centres): where (the sheet of a
    // workbook and the line or row; – for the whole file), field, problem and fix in the page's
    // language; labels: the page's texts of hub_line, hub_field, problem and fix
    const E = CNX.escape;
    const rows = problems.map((p) => {
      const h = CNX.problemHtml(p);
      const where = (p.sheet ? `<code>${E(p.sheet)}</code> ` : "") + (p.line > 0 ? E(p.line) : "–");
      return `<tr><td class="num">${where}</td><td><code>${E(p.field)}</code></td>` +
        `<td class="problem">${h.problem}</td><td class="fix">${h.fix}</td></tr>`;
    }).join("");
    return `<div class="table-wrap"><table class="data problems"><thead><tr><th class="num">${E(labels.hub_line)}</th>` +
      `<th>${E(labels.hub_field)}</th><th>${E(labels.problem)}</th><th>${E(labels.fix)}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  },

  problemsTable(problems, labels, clean = (s) => s) {
    // a table of dataset-like problems (file, row, column, problem, fix); clean() rewrites the texts
    // (the data page names the user's file instead of the server's)
    const rows = problems.map((p) => {
      const h = CNX.problemHtml(Object.assign({}, p, { problem: clean(p.problem), fix: clean(p.fix) }));
      return `<tr><td><code>${CNX.escape(clean(p.file))}</code></td><td class="num">${CNX.escape(p.row)}</td>` +
        `<td><code>${CNX.escape(p.column)}</code></td><td class="problem">${h.problem}</td><td class="fix">${h.fix}</td></tr>`;
    }).join("");
    return `<div class="table-wrap"><table class="data problems"><thead><tr><th>${labels.file}</th><th class="num">${labels.row}</th>` +
      `<th>${labels.column}</th><th>${labels.problem}</th><th>${labels.fix}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  },
};

document.addEventListener("DOMContentLoaded", () => {
  // the collapsing menu of narrow screens: opening it shows every menu's pages
  const toggle = document.getElementById("nav-toggle");
  const menus = Array.from(document.querySelectorAll("header.top details.menu"));
  if (toggle) toggle.addEventListener("click", () => {
    const header = toggle.closest("header");
    const open = header.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
    menus.forEach((m) => { m.open = open; });
  });
  // the navigation's menus: one open at a time; a click elsewhere or Escape closes them
  const narrow = () => toggle && getComputedStyle(toggle).display !== "none";
  menus.forEach((m) => m.addEventListener("toggle", () => {
    if (m.open && !narrow()) menus.forEach((o) => { if (o !== m) o.open = false; });
  }));
  document.addEventListener("click", (e) => {
    if (!narrow() && !e.target.closest("header.top details.menu")) menus.forEach((m) => { m.open = false; });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const m = menus.find((x) => x.open && x.contains(document.activeElement));
    if (!narrow()) menus.forEach((x) => { x.open = false; });
    if (m) m.querySelector("summary").focus();
  });
  // remember the language choice in a cookie so that links without ?lang keep it
  const params = new URLSearchParams(location.search);
  if (params.get("lang")) document.cookie = `lang=${params.get("lang")}; path=/; max-age=31536000; samesite=lax`;
  document.querySelectorAll("script[type='application/json'][data-plot]").forEach((s) => {
    CNX.plot(s.dataset.plot, JSON.parse(s.textContent));
  });
});
