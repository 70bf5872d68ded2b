// The curator's workbench page: an article in, candidates beside it, accepted events out.
// Every piece of data is set as text (textContent, value), never parsed as HTML.

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const state = {
  vocab: null, actors: [], sources: [], build: null,
  article: null, candidates: [], current: -1, usedIds: new Set(),
};

// --- small helpers ------------------------------------------------------------------------

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  if (text !== null) node.textContent = text;
  return node;
}

async function call(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    return { status: 0, json: { detail: "The workbench did not answer: is `chrono curate` still running?" } };
  }
  let json = {};
  try { json = await response.json(); } catch { json = { detail: `The workbench answered ${response.status}.` }; }
  return { status: response.status, json };
}

/** Lower case without accents: how names are compared. */
const fold = (s) => (s || "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** Whitespace runs as one space and typographic quotes as plain ones: how quotes are compared. */
const flat = (s) => (s || "").replace(/[\u2018\u2019\u201B\u2032]/g, "'").replace(/[\u201C\u201D\u201F\u2033]/g, '"')
  .replace(/\s+/g, " ").trim();

function foldWithMap(text) {
  let folded = "";
  const map = [];
  for (let i = 0; i < text.length; i++) {
    const f = fold(text[i]);
    for (let j = 0; j < f.length; j++) { folded += f[j]; map.push(i); }
  }
  map.push(text.length);
  return { folded, map };
}

const escapeRx = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every place `needle` occurs in `text`, accent- and case-insensitive, any whitespace between words. */
function findAll(text, needle, { words = false, from = 0, to = text.length } = {}) {
  const { folded, map } = foldWithMap(text.slice(from, to));
  const body = escapeRx(fold(needle).trim()).replace(/\s+/g, "\\s+");
  if (!body) return [];
  const rx = new RegExp(words ? `(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])` : body, "gu");
  return [...folded.matchAll(rx)].map((m) => [from + map[m.index], from + map[m.index + m[0].length - 1] + 1]);
}

const STOP = new Set("a an the of on in at to and or but by for from with as is was were be been it its this that which who also said says has had have will would".split(" "));

function slugFor(...parts) {
  const words = fold(parts.join(" ")).replace(/['\u2019]s\b/g, "").match(/[a-z0-9]+/g) || [];
  return words.filter((w, i) => i === 0 || !STOP.has(w)).slice(0, 8).join("-").slice(0, 100);
}

function uniqueId(base) {
  let id = base || "event";
  for (let n = 2; state.usedIds.has(id); n++) id = `${base}-${n}`;
  state.usedIds.add(id);
  return id;
}

function actorName(id) {
  return state.actors.find((a) => a.id === id)?.name || id;
}

// --- the workbench's data -------------------------------------------------------------------

async function loadState() {
  const { status, json } = await call("/curate/api/state");
  if (status !== 200) { $("#build").textContent = json.detail || "Could not load the data."; return; }
  Object.assign(state, { vocab: json, actors: json.actors, sources: json.sources, build: json.build });
  $("#build").textContent = json.build ? `Chronology build ${json.build}` : "No chronology built yet";
  fillChoices();
}

function fillChoices() {
  const v = state.vocab;
  const fill = (select, values, labels = {}) => {
    const keep = select.value;
    select.replaceChildren(...values.map((x) => el("option", { value: x }, labels[x] ? `${x} (${labels[x]})` : x)));
    if (values.includes(keep)) select.value = keep;
  };
  fill($("#editor [name=type]"), v.types);
  fill($("#editor [name=status]"), Object.keys(v.statuses));
  fill($("#editor [name=stance]"), v.stances);
  fill($("#actor-form [name=kind]"), v.kinds);
  $$("#actor-rows select").forEach((s) => fill(s, v.roles));
  $("#actor-ids").replaceChildren(...state.actors.map((a) => el("option", { value: a.id }, a.name)));
  const pick = $("#source-pick");
  const chosen = pick.value;
  pick.replaceChildren(el("option", { value: "" }, "— a new source (below) —"),
    ...state.sources.map((s) => el("option", { value: s.id }, `${s.title} (${s.outlet || "no outlet"}, ${s.published})`)));
  pick.value = state.sources.some((s) => s.id === chosen) ? chosen : "";
  showSource();
}

// --- 1. the article ---------------------------------------------------------------------------

async function readArticle(event) {
  event.preventDefault();
  const message = $("#intake-message");
  message.textContent = "";
  const published = $("#published").value.trim();
  const url = $("#page-url").value.trim();
  const file = $("#page-file").files[0];
  const body = published ? { published } : {};
  if (url) body.url = url;
  else if (file) body.html = await file.text();
  else body.text = $("#paste").value;
  $("#read").disabled = true;
  message.textContent = url ? "Fetching the page…" : "";
  const { status, json } = await call("/curate/api/extract", body);
  $("#read").disabled = false;
  if (status !== 200) {
    message.textContent = json.detail || "The article could not be read.";
    (json.field === "published" ? $("#published") : url ? $("#page-url") : file ? $("#page-file") : $("#paste")).focus();
    return;
  }
  message.textContent = "";
  state.article = json;
  prefillSource(json);
  if (!json.published) {
    $("#published").focus();
    message.textContent = "The article states no publication date: enter it (EDTF), then read again.";
  } else if (!published) {
    $("#published").value = json.published;
  }
  state.current = -1;
  state.candidates = json.candidates.map((c, i) => ({ raw: c, index: i, status: "pending", draft: draftFrom(c) }));
  $("#new-names").textContent = json.new_names?.length
    ? `Names not among the actors (add them under “New actor or alias”): ${json.new_names.join(", ")}` : "";
  renderArticle();
  renderCandidates();
  if (state.candidates.length) select(0);
  else if (json.published) message.textContent = "No dated sentences found in this article.";
}

function prefillSource(article) {
  const form = $("#source-form");
  const existing = state.sources.find((s) => article.url && s.url === article.url);
  if (existing) { $("#source-pick").value = existing.id; showSource(); return; }
  $("#source-pick").value = "";
  const year = (article.published || "").slice(0, 4);
  const values = {
    title: article.title || "", outlet: article.outlet || "", author: article.author || "",
    published: article.published || $("#published").value.trim(), url: article.url || "",
  };
  values.id = slugFor(values.outlet, year, values.title || "article");
  for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
  form.dataset.saved = "";
  $("#source-box").open = !values.title;
  showSource();
}

function showSource() {
  const id = $("#source-pick").value || $("#source-form").elements.id.value;
  $("#new-source").disabled = Boolean($("#source-pick").value);
  $("#source-summary").textContent = id ? `${id}${$("#source-pick").value || $("#source-form").dataset.saved ? "" : " (saved with the first accepted event)"}` : "none yet";
}

/** The source the events cite, saving a new one first; null (with its problems shown) if refused. */
async function ensureSource() {
  const picked = $("#source-pick").value;
  if (picked) return picked;
  const form = $("#source-form");
  if (form.dataset.saved) return form.dataset.saved;
  const record = {};
  for (const name of ["id", "title", "outlet", "author", "published", "url", "notes"]) {
    const value = form.elements[name].value.trim();
    if (value) record[name] = value;
  }
  const { status, json } = await call("/curate/api/sources", record);
  const note = $("[data-for-source]");
  if (status !== 201) {
    $("#source-box").open = true;
    note.textContent = problemText(json);
    return null;
  }
  note.textContent = "";
  form.dataset.saved = json.id;
  await loadState();
  $("#source-pick").value = json.id;
  showSource();
  return json.id;
}

async function saveSource(event) {
  event.preventDefault();
  await ensureSource();
}

function problemText(json) {
  if (json.problems) return json.problems.map((p) => p.text).join("\n");
  return json.detail || "Refused.";
}

// --- 2. the text, with candidates marked -----------------------------------------------------

function candidateSpans(c) {
  const text = state.article.text;
  const [sentence] = findAll(text, c.raw.sentence);
  if (!sentence) return null;
  const [from, to] = sentence;
  const marks = [];
  const [date] = c.raw.date_text ? findAll(text, c.raw.date_text, { from, to }) : [];
  if (date) marks.push([...date, "date"]);
  for (const a of c.draft.actors) {
    const actor = state.actors.find((x) => x.id === a.id);
    const names = actor ? [actor.name, ...actor.aliases, actor.id] : [a.id];
    for (const name of names) for (const m of findAll(text, name, { words: true, from, to })) marks.push([...m, "actor"]);
  }
  // A name inside a longer one ("Baradar" in "Abdul Ghani Baradar") is one mark, the longer.
  const kept = marks.filter(([a, b, kind], i) => !marks.some(([x, y, other], j) => j !== i && other === kind
    && x <= a && b <= y && (y - x > b - a || j < i)));
  return { from, to, marks: kept };
}

function renderArticle() {
  const text = state.article.text;
  const cuts = new Set([0, text.length]);
  const spans = state.candidates.map((c) => (c.spans = candidateSpans(c)));
  for (const s of spans) if (s) { cuts.add(s.from); cuts.add(s.to); for (const [a, b] of s.marks) { cuts.add(a); cuts.add(b); } }
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) cuts.add(i);
  const points = [...cuts].sort((x, y) => x - y);
  const box = $("#article");
  box.replaceChildren();
  let para = el("p");
  box.append(para);
  for (let k = 0; k < points.length - 1; k++) {
    const [a, b] = [points[k], points[k + 1]];
    let piece = text.slice(a, b);
    if (piece.startsWith("\n")) {
      para = el("p");
      box.append(para);
      piece = piece.replace(/^\n+/, "");
      if (!piece) continue;
    }
    const owners = spans.flatMap((s, i) => (s && s.from <= a && b <= s.to ? [i] : []));
    if (!owners.length) { para.append(piece); continue; }
    const kinds = new Set(owners.flatMap((i) => spans[i].marks.filter(([x, y]) => x <= a && b <= y).map(([, , kind]) => kind)));
    const node = el(kinds.size ? "mark" : "span", {
      class: ["in-candidate", ...kinds].join(" "), "data-candidates": owners.join(" "),
    }, piece);
    para.append(node);
  }
  markCurrent();
}

function markCurrent() {
  for (const node of $$("#article [data-candidates]")) {
    node.classList.toggle("current", node.dataset.candidates.split(" ").includes(String(state.current)));
  }
}

// --- 3. candidates and the editor -----------------------------------------------------------------

// "KABUL — " or "LONDON (Reuters) - " opening a story is not part of what happened.
const DATELINE = /^[A-Z][A-Z .,'\u2019-]{2,40}(?:\([^)]{1,20}\))?\s*[—–-]+\s*/u;

function draftFrom(c) {
  const sentence = c.sentence.replace(/\s+/g, " ").trim();
  const dateText = (c.date_text || "").replace(/\s+/g, " ").trim();
  const trim = (t) => t.replace(/^[\s,;:—–-]+|[\s,.;:—–-]+$/g, "");
  let title = sentence.replace(DATELINE, "").replace(dateText, " ").replace(/\s*\([^)]*\)/g, "").replace(/\s+/g, " ")
    .replace(/\s+([,.;:!?])/g, "$1");
  title = trim(trim(title).split(" ").slice(0, 14).join(" "));
  title = title.charAt(0).toUpperCase() + title.slice(1);
  const roles = c.roles || {};
  return {
    id: uniqueId(slugFor(c.date || "", title)),
    date: c.date || "", date_text: dateText, date_basis: c.date_basis || "stated",
    date_anchor: c.date_basis === "stated" ? "" : c.date_anchor || "", qualifier: c.qualifier || "",
    title, summary: sentence, type: c.type || "statement", status: c.status || "reported", place: "", country: "",
    actors: (c.actors || []).map((a) => ({ id: a.id, role: roles[a.id] || "subject" })),
    quote: sentence, stance: "reports", notes: "",
  };
}

function describe(c) {
  const r = c.raw;
  const range = r.date_start === r.date_end ? r.date_start : `${r.date_start} – ${r.date_end}`;
  return `${r.date_text || "?"} → ${range} (${r.precision || "?"}) · ${c.draft.type} · ${c.draft.status}`;
}

function renderCandidates() {
  const list = $("#candidates");
  list.replaceChildren(...state.candidates.map((c, i) => {
    const button = el("button", { type: "button", class: "candidate", "data-index": i, "aria-current": i === state.current ? "true" : null });
    button.append(
      el("span", { class: "when" }, describe(c)),
      el("span", { class: "who" }, c.draft.actors.map((a) => `${actorName(a.id)} (${a.role})`).join(", ") || "no known actor"),
      el("span", { class: "quote" }, c.raw.sentence),
      el("span", { class: `state ${c.status}` }, c.status),
    );
    button.addEventListener("click", () => select(i));
    return el("li", { class: c.status }, null).appendChild(button).parentNode;
  }));
  const done = state.candidates.filter((c) => c.status !== "pending").length;
  $("#progress").textContent = state.candidates.length ? `${done} of ${state.candidates.length} done` : "";
}

function select(i) {
  if (state.current >= 0 && state.candidates[state.current]) saveDraft();
  state.current = i;
  const c = state.candidates[i];
  renderCandidates();
  markCurrent();
  const editor = $("#editor");
  editor.hidden = !c;
  if (!c) return;
  const d = c.draft;
  for (const name of ["id", "title", "summary", "date", "date_text", "date_basis", "date_anchor", "qualifier",
    "type", "status", "place", "country", "quote", "stance", "notes"]) editor.elements[name].value = d[name] ?? "";
  $("#editor-heading").textContent = `Candidate ${i + 1} of ${state.candidates.length} (${c.status})`;
  $("#range").textContent = `Proposed: read as ${c.raw.date_start} to ${c.raw.date_end}, ${c.raw.precision} precision` +
    (c.raw.date_basis === "resolved" ? `, resolved against ${c.raw.date_anchor}` : "");
  renderActorRows();
  clearProblems();
  checkQuote();
  checkDuplicates();
  const target = $(`#article [data-candidates~="${i}"]`);
  if (target) target.scrollIntoView({ block: "center", behavior: "instant" });
  $(`#candidates [data-index="${i}"]`)?.focus({ preventScroll: true });
}

function saveDraft() {
  const c = state.candidates[state.current];
  const form = $("#editor");
  for (const name of ["id", "title", "summary", "date", "date_text", "date_basis", "date_anchor", "qualifier",
    "type", "status", "place", "country", "quote", "stance", "notes"]) c.draft[name] = form.elements[name].value;
  c.draft.actors = $$("#actor-rows li").map((row) => ({ id: row.dataset.id, role: $("select", row).value }));
}

function eventOf(c, source) {
  const d = c.draft;
  const event = {
    id: d.id.trim(), date: d.date.trim(), date_text: d.date_text.trim(), date_basis: d.date_basis,
    date_anchor: d.date_basis === "stated" ? null : d.date_anchor.trim() || null,
    qualifier: d.qualifier || null, title: d.title.trim(), summary: d.summary.trim(), type: d.type, status: d.status,
    location: { place: d.place.trim() || null, country: d.country.trim() || null },
    actors: d.actors, citations: [{ source, quote: d.quote.trim(), stance: d.stance }],
    notes: d.notes.trim() || null,
  };
  return event;
}

function renderActorRows() {
  const c = state.candidates[state.current];
  $("#actor-rows").replaceChildren(...c.draft.actors.map((a, j) => {
    const row = el("li", { "data-id": a.id });
    const role = el("select", { "aria-label": `Role of ${actorName(a.id)}` });
    role.append(...state.vocab.roles.map((r) => el("option", { value: r }, r)));
    role.value = a.role;
    role.addEventListener("change", () => { saveDraft(); renderCandidates(); checkDuplicates(); });
    const remove = el("button", { type: "button", class: "remove", "aria-label": `Remove ${actorName(a.id)}` }, "×");
    remove.addEventListener("click", () => { saveDraft(); c.draft.actors.splice(j, 1); afterActorChange(); });
    row.append(el("span", { class: "name" }, `${actorName(a.id)} `), el("code", {}, a.id), role, remove,
      el("p", { class: "problem", "data-for": `actors[${j}].id` }), el("p", { class: "problem", "data-for": `actors[${j}].role` }));
    return row;
  }));
}

function afterActorChange() {
  renderActorRows();
  renderCandidates();
  if (state.article) renderArticle();
  checkDuplicates();
}

// The actor picker: ids, names and aliases, case- and accent-insensitive.
function actorMatches(query) {
  const q = fold(query).trim();
  if (!q) return [];
  const scored = [];
  for (const a of state.actors) {
    const names = [a.id, a.name, ...a.aliases].map(fold);
    if (names.some((n) => n === q)) scored.push([0, a]);
    else if (names.some((n) => n.startsWith(q))) scored.push([1, a]);
    else if (names.some((n) => n.includes(q))) scored.push([2, a]);
  }
  return scored.sort((x, y) => x[0] - y[0] || x[1].name.localeCompare(y[1].name)).slice(0, 8).map(([, a]) => a);
}

function showOptions() {
  const input = $("#actor-search");
  const list = $("#actor-options");
  const found = actorMatches(input.value);
  list.replaceChildren(...found.map((a, k) => {
    const option = el("li", { role: "option", id: `actor-option-${k}`, "data-id": a.id, "aria-selected": k === 0 ? "true" : "false" });
    option.append(el("span", {}, a.name), el("code", {}, ` ${a.id}`));
    if (a.aliases.length) option.append(el("span", { class: "muted" }, ` — ${a.aliases.slice(0, 4).join(", ")}`));
    option.addEventListener("mousedown", (e) => { e.preventDefault(); pickActor(a.id); });
    return option;
  }));
  list.hidden = !found.length;
  input.setAttribute("aria-expanded", String(found.length > 0));
  input.setAttribute("aria-activedescendant", found.length ? "actor-option-0" : "");
}

function moveOption(step) {
  const options = $$("#actor-options [role=option]");
  if (!options.length) return;
  let k = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  k = (k + step + options.length) % options.length;
  options.forEach((o, n) => o.setAttribute("aria-selected", n === k ? "true" : "false"));
  $("#actor-search").setAttribute("aria-activedescendant", options[k].id);
}

function pickActor(id) {
  const c = state.candidates[state.current];
  saveDraft();
  if (!c.draft.actors.some((a) => a.id === id)) c.draft.actors.push({ id, role: "participant" });
  $("#actor-search").value = "";
  showOptions();
  afterActorChange();
  $(`#actor-rows li[data-id="${CSS.escape(id)}"] select`)?.focus();
}

function onPickerKey(e) {
  if (e.key === "ArrowDown") { e.preventDefault(); moveOption(1); }
  else if (e.key === "ArrowUp") { e.preventDefault(); moveOption(-1); }
  else if (e.key === "Enter") {
    const chosen = $("#actor-options [aria-selected=true]");
    if (chosen && !e.ctrlKey) { e.preventDefault(); pickActor(chosen.dataset.id); }
  } else if (e.key === "Escape") { $("#actor-options").hidden = true; }
}

function checkQuote() {
  const quote = $("#editor [name=quote]").value;
  const ok = state.article && flat(quote).length >= 3 && flat(state.article.text).includes(flat(quote));
  $("#quote-check").textContent = ok ? "" : "The quote must be a verbatim part of the article's text.";
  return ok;
}

let duplicateRequest = 0;
async function checkDuplicates() {
  const c = state.candidates[state.current];
  const box = $("#duplicate");
  if (!c) return;
  saveDraft();
  const ticket = ++duplicateRequest;
  const { status, json } = await call("/curate/api/similar", {
    date: c.draft.date, qualifier: c.draft.qualifier || null, type: c.draft.type, actors: c.draft.actors,
  });
  if (ticket !== duplicateRequest || state.candidates[state.current] !== c) return;
  const found = status === 200 ? json.events : [];
  box.hidden = !found.length;
  box.replaceChildren();
  for (const existing of found.slice(0, 3)) {
    const button = el("button", { type: "button", class: "cite", "data-event": existing.id }, "Add this quote to it as a citation");
    button.addEventListener("click", () => citeExisting(existing.id));
    box.append(el("span", {}, `Looks like an event already in the chronology: “${existing.title}” (${existing.date_text}, ${existing.date}; `),
      el("code", {}, existing.id), el("span", {}, "). "), button, el("br"));
  }
}

async function citeExisting(eventId) {
  const c = state.candidates[state.current];
  saveDraft();
  if (!checkQuote()) { $("#editor [name=quote]").focus(); return; }
  const source = await ensureSource();
  if (!source) return;
  const { status, json } = await call("/curate/api/citations", { event: eventId, source, quote: c.draft.quote.trim(), stance: c.draft.stance });
  if (status !== 201) { showProblems(json, c); return; }
  c.status = "cited";
  await afterWrite(eventId, json.build, `Quote added to ${eventId}`);
}

function clearProblems() {
  for (const p of $$("#editor .problem")) if (p.id !== "quote-check") p.textContent = "";
  for (const input of $$("#editor [aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showProblems(json, c) {
  clearProblems();
  const general = $('#editor [data-for=""]');
  const lines = [];
  for (const p of json.problems || [{ field: "", message: json.detail || "Refused.", record: "" }]) {
    const mine = !p.record || p.record === `event ${c.draft.id.trim()}`;
    const field = mine ? p.field : "";
    const place = field && ($(`#editor [data-for="${CSS.escape(field)}"]`) || $(`#editor [data-for="${CSS.escape(field.split(/[.[]/)[0])}"]`));
    const message = field && place ? p.message : p.text || p.message;
    if (place) {
      place.textContent = place.textContent ? `${place.textContent}\n${message}` : message;
      const input = place.previousElementSibling?.querySelector?.("input, select, textarea");
      input?.setAttribute("aria-invalid", "true");
    } else lines.push(message);
  }
  general.textContent = lines.join("\n");
  ($("#editor .problem:not(:empty)") || general).scrollIntoView({ block: "nearest" });
}

async function accept(e) {
  e?.preventDefault();
  const c = state.candidates[state.current];
  if (!c || c.status === "accepted" || c.status === "cited") return;
  saveDraft();
  clearProblems();
  if (!checkQuote()) { $("#editor [name=quote]").focus(); return; }
  const source = await ensureSource();
  if (!source) return;
  $("#accept").disabled = true;
  const { status, json } = await call("/curate/api/events", eventOf(c, source));
  $("#accept").disabled = false;
  if (status !== 201) { showProblems(json, c); return; }
  c.status = "accepted";
  await afterWrite(json.id, json.build, `Accepted ${json.id}`);
}

async function afterWrite(eventId, build, note) {
  state.build = build;
  $("#build").textContent = `Chronology build ${build}`;
  const { status, json } = await call(`/api/events/${encodeURIComponent(eventId)}`);
  const timeline = $("#timeline");
  if (status === 200) {
    timeline.setAttribute("from", json.date_start);
    timeline.setAttribute("to", json.date_end);
    timeline.dataset.showing = eventId;
  }
  $("#accepted-note").textContent = `${note} (build ${build}); the timeline shows its dates.`;
  next();
}

function reject() {
  const c = state.candidates[state.current];
  if (!c || c.status !== "pending") { next(); return; }
  c.status = "rejected";
  next();
}

function next(step = 1) {
  const n = state.candidates.length;
  if (!n) return;
  for (let k = 1; k <= n; k++) {
    const i = (state.current + step * k + n) % n;
    if (state.candidates[i].status === "pending") { select(i); return; }
  }
  select(state.current);  // nothing left pending: stay, and show the state
}

function move(step) {
  const n = state.candidates.length;
  if (n) select(Math.min(n - 1, Math.max(0, state.current + step)));
}

function onKey(e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    if (!$("#editor").hidden) { e.preventDefault(); accept(); }
    return;
  }
  if (e.target.closest("input, textarea, select, [contenteditable]") || e.altKey || e.ctrlKey || e.metaKey) return;
  const actions = { j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    a: () => accept(), r: () => reject(), s: () => next() };
  if (actions[e.key] && state.candidates.length) { e.preventDefault(); actions[e.key](); }
}

// --- new actors and aliases -----------------------------------------------------------------------

async function addActor(e) {
  e.preventDefault();
  const form = $("#actor-form");
  const record = {
    id: form.elements.id.value.trim() || slugFor(form.elements.name.value), name: form.elements.name.value.trim(),
    kind: form.elements.kind.value,
    aliases: form.elements.aliases.value.split(",").map((s) => s.trim()).filter(Boolean),
  };
  const { status, json } = await call("/curate/api/actors", record);
  const note = $("[data-for-actor]");
  note.textContent = status === 201 ? `Added ${json.id}.` : problemText(json);
  if (status !== 201) return;
  form.reset();
  await loadState();
  if (state.current >= 0) { pickActor(json.id); }
}

async function addAlias(e) {
  e.preventDefault();
  const form = $("#alias-form");
  const { status, json } = await call("/curate/api/aliases", { actor: form.elements.actor.value.trim(), alias: form.elements.alias.value.trim() });
  const note = $("[data-for-alias]");
  note.textContent = status === 201 ? `Added the spelling to ${json.id}.` : problemText(json);
  if (status !== 201) return;
  form.reset();
  await loadState();
  if (state.article) renderArticle();
}

// --- wiring ----------------------------------------------------------------------------------------

function wire() {
  $("#article-form").addEventListener("submit", readArticle);
  $("#source-form").addEventListener("submit", saveSource);
  $("#source-pick").addEventListener("change", showSource);
  $("#source-form").elements.id.addEventListener("input", showSource);
  $("#editor").addEventListener("submit", accept);
  $("#reject").addEventListener("click", reject);
  $("#skip").addEventListener("click", () => next());
  $("#editor [name=quote]").addEventListener("input", checkQuote);
  for (const name of ["type", "date", "qualifier"]) $(`#editor [name=${name}]`).addEventListener("change", checkDuplicates);
  for (const name of ["type", "status"]) $(`#editor [name=${name}]`).addEventListener("change", () => { saveDraft(); renderCandidates(); });
  $("#actor-search").addEventListener("input", showOptions);
  $("#actor-search").addEventListener("keydown", onPickerKey);
  $("#actor-search").addEventListener("blur", () => { $("#actor-options").hidden = true; });
  $("#actor-form").addEventListener("submit", addActor);
  $("#alias-form").addEventListener("submit", addAlias);
  document.addEventListener("keydown", onKey);
}

wire();
loadState().then(() => { document.body.dataset.ready = "true"; });
