// Live updates without a reload: Server-Sent Events from /api/events (the
// overview's summaries, or with ?target=NAME one whole target), or polling
// /api/targets (/api/targets/NAME) when EventSource is missing or keeps
// failing. Plain DOM and textContent only: data never becomes markup.
"use strict";
(function () {
  const page = document.querySelector("[data-page]");
  const live = document.getElementById("live");
  const csrf = document.querySelector('meta[name="csrf-token"]');

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function badge(text) { return el("span", text, "badge " + text); }
  function state(t) {
    if (t.last_sync && t.last_sync.result === "failure") return "failing";
    if (t.health === "Degraded") return "unhealthy";
    if (t.drifted > 0) return "drifted";
    if (t.health === "Progressing") return "progressing";
    if (!t.last_sync) return "pending";
    return "synced";
  }
  function age(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (!isFinite(s)) return iso;
    if (s < 90) return Math.round(s) + "s ago";
    if (s < 5400) return Math.round(s / 60) + "m ago";
    if (s < 129600) return Math.round(s / 3600) + "h ago";
    return Math.round(s / 86400) + "d ago";
  }
  function ages() {
    document.querySelectorAll("time[datetime]").forEach(function (t) {
      t.textContent = age(t.getAttribute("datetime"));
      t.title = t.getAttribute("datetime");
    });
  }
  function revision(cell, t) {
    cell.replaceChildren();
    if (!t.revision) { cell.textContent = "-"; return; }
    const code = el("code", t.revision.short); code.title = t.revision.sha;
    const when = el("time", age(t.revision.time)); when.setAttribute("datetime", t.revision.time);
    const by = el("span", "by " + t.revision.author + ", ", "muted"); by.append(when);
    cell.append(code, " " + t.revision.subject + " ", by);
    if (t.pinned) cell.append(" ", el("span", "pinned", "mark"));
    if (t.git_ahead) cell.append(" ", el("span", "Git ahead", "mark"));
  }

  // The server's order: app, then cluster (none first), then name.
  function key(t) { return [t.app || "", t.cluster === null ? "" : "\u0001" + t.cluster, t.name]; }
  function before(a, b) {
    const x = key(a), y = key(b);
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  }
  function newRow(t) {
    const row = el("tr");
    row.dataset.name = t.name;
    const a = el("a", t.name === "" ? "(default)" : t.name);
    a.href = "/targets/" + encodeURIComponent(t.name);
    const name = el("td"); name.append(a);
    row.append(name, el("td", t.cluster === null ? "-" : t.cluster, "cluster"), el("td", "", "revision"),
      el("td", "", "health"), el("td", "", "drifted"), el("td", "", "last-sync"), el("td", "", "leader"));
    return row;
  }
  function groupRow(app) {
    const row = el("tr", undefined, "group"); row.dataset.group = app;
    const th = el("th", app); th.colSpan = 7; th.scope = "rowgroup";
    row.append(th);
    return row;
  }
  // Targets added to gitsync.yaml get a row, removed ones lose theirs;
  // rows already there stay put (and keep any focus).
  function rows(targets) {
    const body = document.querySelector("#targets tbody");
    const wanted = [];
    let app = null;
    targets.slice().sort(before).forEach(function (t) {
      if (t.app !== null && t.app !== app) {
        app = t.app;
        wanted.push(body.querySelector('tr[data-group="' + CSS.escape(app) + '"]') || groupRow(app));
      }
      wanted.push(body.querySelector('tr[data-name="' + CSS.escape(t.name) + '"]') || newRow(t));
    });
    Array.from(body.children).forEach(function (r) { if (!wanted.includes(r)) r.remove(); });
    wanted.forEach(function (r, i) { if (body.children[i] !== r) body.insertBefore(r, body.children[i] || null); });
  }

  function overview(targets) {
    rows(targets);
    targets.forEach(function (t) {
      const row = document.querySelector('tr[data-name="' + CSS.escape(t.name) + '"]');
      if (!row) return;
      row.dataset.state = state(t);
      revision(row.querySelector(".revision"), t);
      row.querySelector(".health").replaceChildren(badge(t.health));
      row.querySelector(".drifted").textContent = t.drifted;
      const s = row.querySelector(".last-sync");
      s.replaceChildren();
      if (t.last_sync) s.append(badge(t.last_sync.result), " " + t.last_sync.duration_ms + " ms"); else s.textContent = "-";
      row.querySelector(".leader").textContent = t.leader ? "yes" : "no";
    });
    filter();
  }

  function diffLine(l) {
    if (l.startsWith("+++") || l.startsWith("---")) return el("span", l, "file");
    if (l.startsWith("@@")) return el("span", l, "hunk");
    if (l.startsWith("+")) return el("ins", l);
    if (l.startsWith("-")) return el("del", l);
    return document.createTextNode(l);
  }
  // Drawn again only when it changed: a reader's folded diffs stay folded.
  let drawn;
  function pending(p) {
    const box = document.getElementById("pending");
    const now = JSON.stringify(p);
    if (now === drawn) return;
    drawn = now;
    if (!p) { box.replaceChildren(el("p", "Nothing pending.", "muted")); return; }
    const kind = p.kind.charAt(0).toUpperCase() + p.kind.slice(1);
    const head = el("p"); head.id = "pending-reason";
    const code = el("code", p.revision.slice(0, 7)); code.title = p.revision;
    const when = el("time", age(p.time)); when.setAttribute("datetime", p.time);
    const note = el("span", "(planned ", "muted");
    note.append(when, "; " + p.total + " change(s)" + (p.truncated ? ", cut at 64 KB: truncated" : "") + ")");
    head.append(badge(kind), " ", code, " " + p.reason + " ", note);
    box.replaceChildren(head);
    p.changes.forEach(function (c) {
      const d = el("details", undefined, "change"); d.open = true;
      const s = el("summary"); s.append(el("span", c.action, "action"), " " + c.kind + " " + (c.namespace ? c.namespace + "/" : "") + c.name);
      const pre = el("pre", undefined, "diff");
      c.diff.split("\n").forEach(function (l, i, all) { if (i < all.length - 1 || l) pre.append(diffLine(l), "\n"); });
      d.append(s, pre);
      box.append(d);
    });
  }
  function hooks(t) {
    const box = document.getElementById("hooks");
    if (!t.hooks_revision) { box.replaceChildren(el("p", "No hooks have run.", "muted")); return; }
    const run = el("p", t.hooks.length ? "Run for " : "No hooks in the sync of ", "muted");
    run.append(el("code", t.hooks_revision), ".");
    if (!t.hooks.length) { box.replaceChildren(run); return; }
    const table = el("table");
    const head = el("tr");
    ["Phase", "Kind", "Namespace", "Name", "Result", "Message"].forEach(function (h) { const th = el("th", h); th.scope = "col"; head.append(th); });
    const thead = el("thead"); thead.append(head);
    const body = el("tbody");
    t.hooks.forEach(function (h) {
      const tr = el("tr");
      const r = el("td"); r.append(badge(h.result));
      tr.append(el("td", h.phase), el("td", h.kind), el("td", h.namespace || "-"), el("td", h.name), r, el("td", h.message || ""));
      body.append(tr);
    });
    table.append(thead, body);
    box.replaceChildren(run, table);
  }
  function events(t) {
    const list = document.getElementById("events");
    list.replaceChildren.apply(list, t.events.map(function (e) {
      const li = el("li");
      const when = el("time", age(e.time)); when.setAttribute("datetime", e.time);
      li.append(when, " ", badge(e.reason), " " + e.note);
      return li;
    }));
  }

  function target(t) {
    if (!t || t.name !== page.dataset.name) return;
    document.getElementById("state").textContent = state(t);
    const h = document.getElementById("health"); h.textContent = t.health; h.className = "badge " + t.health;
    document.getElementById("drifted").textContent = t.drifted;
    revision(document.getElementById("revision"), t);
    const ls = document.getElementById("last-sync");
    ls.textContent = t.last_sync ? t.last_sync.result + ", " + t.last_sync.duration_ms + " ms" : "-";
    if (t.last_sync && t.last_sync.error) ls.append(el("pre", t.last_sync.error, "error"));
    document.getElementById("leader").textContent = t.leader ? "this replica" : "another replica";
    document.getElementById("objects").replaceChildren.apply(document.getElementById("objects"), t.objects.map(function (o) {
      const tr = el("tr");
      tr.append(el("td", o.kind), el("td", o.namespace || "-"), el("td", o.name));
      const hd = el("td"); hd.append(badge(o.health));
      tr.append(hd, el("td", o.reason));
      return tr;
    }));
    const hist = document.getElementById("history");
    hist.replaceChildren.apply(hist, t.history.map(function (e) {
      const li = el("li");
      const when = el("time", age(e.time)); when.setAttribute("datetime", e.time);
      const kind = e.kind.charAt(0).toUpperCase() + e.kind.slice(1);
      li.append(when, " ", badge(kind), " ");
      if (e.revision) li.append(el("code", e.revision), " ");
      li.append(e.detail);
      return li;
    }));
    pending(t.pending);
    hooks(t);
    events(t);
    // What the page saw, in order: tests read it to follow a change live.
    document.getElementById("live-log").append(el("li", "health=" + t.health + " drifted=" + t.drifted));
  }

  function apply(data) {
    if (!page) return;
    if (page.dataset.page === "overview") overview(data.targets); else target(data);
    if (live) live.textContent = "live, updated " + new Date().toLocaleTimeString();
  }

  // The target page follows its one target, whole; the overview all, summed up.
  function one() { return page && page.dataset.page === "target"; }
  function poll() {
    fetch(one() ? "/api/targets/" + encodeURIComponent(page.dataset.name) : "/api/targets", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(apply)
      .catch(function () { if (live) live.textContent = "offline"; });
  }
  let failures = 0;
  function connect() {
    if (!window.EventSource) { setInterval(poll, 5000); return; }
    const es = new EventSource(one() ? "/api/events?target=" + encodeURIComponent(page.dataset.name) : "/api/events");
    es.onmessage = function (e) { failures = 0; apply(JSON.parse(e.data)); };
    es.onerror = function () {
      // Each event ends its connection, so one error is normal; many in
      // a row mean a proxy breaks the stream: fall back to polling.
      if (++failures > 20) { es.close(); setInterval(poll, 5000); }
    };
  }

  function filter() {
    const text = document.getElementById("filter-text");
    const st = document.getElementById("filter-state");
    if (!text) return;
    const q = text.value.trim().toLowerCase();
    document.querySelectorAll("#targets tbody tr[data-name]").forEach(function (row) {
      const hit = (!q || row.textContent.toLowerCase().includes(q)) && (!st.value || row.dataset.state === st.value);
      row.hidden = !hit;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    ages();
    const text = document.getElementById("filter-text");
    if (text) {
      text.addEventListener("input", filter);
      document.getElementById("filter-state").addEventListener("change", filter);
      text.form.addEventListener("submit", function (e) { e.preventDefault(); });
    }
    const refresh = document.getElementById("refresh");
    if (refresh && csrf) refresh.addEventListener("click", function () {
      fetch("/api/refresh", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf.content } })
        .then(function (r) { if (live) live.textContent = r.ok ? "refresh started" : "refresh refused (" + r.status + ")"; });
    });
    connect();
    setInterval(ages, 15000);
  });
})();
