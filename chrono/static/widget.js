/**
 * <chrono-timeline>: an embeddable timeline of a chrono chronology.
 *
 * One dependency-free ES module, no build step:
 *
 *   <script type="module" src="https://HOST/widget.js"></script>
 *   <chrono-timeline api="https://HOST/api" actor="Haniyeh" from="2021" to="2022"></chrono-timeline>
 *
 * Attributes (all optional; changing any filter reloads the timeline):
 *   api            base URL of the chrono API; default: /api on the origin this script came from
 *   actor          actor id, name or alias; several separated by commas (all must take part)
 *   from, to       YYYY, YYYY-MM or YYYY-MM-DD
 *   type, status   one value or several separated by commas (any may match)
 *   q              full-text search
 *   match          "overlap" (default: the event may fall in from..to) or "within" (it certainly does)
 *   members        "false": an organization's events without those of its members
 *   order          "asc" (default: oldest first) or "desc" (newest first)
 *   limit          events per page (default 20); "More" fetches the next page
 *   theme          "light" or "dark"; default: follows prefers-color-scheme
 *   heading-level  level of the year headings, 2 to 5 (default 3); event titles sit one below
 *   controls       what readers may change: "search actor" (default: a search box and an actor
 *                  picker), "search", "actor", or "none" for a fixed view
 *
 * Theming: set these CSS custom properties on the element or any ancestor.
 *   --chrono-font, --chrono-font-size, --chrono-fg, --chrono-bg, --chrono-surface,
 *   --chrono-muted, --chrono-accent, --chrono-border, --chrono-warn, --chrono-focus,
 *   --chrono-radius
 *
 * Every datum from the API goes into the page through textContent or setAttribute, never as
 * HTML, and styles are adopted as a constructed stylesheet, so the widget runs under a strict
 * Content-Security-Policy (no inline script or style needed).
 */

const FILTERS = ["actor", "from", "to", "match", "members", "type", "status", "q", "order", "limit"];
const LIST_FILTERS = new Set(["actor", "type", "status"]); // sent as repeated parameters
const DEFAULT_LIMIT = "20";
const DOUBTFUL = new Set(["disputed", "denied", "unverified", "false"]);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SVG = "http://www.w3.org/2000/svg";
const CONTROLS = ["search", "actor"];
const PICKER_OPTIONS = 8; // actors offered at once by the type-ahead
const PICKER_CANDIDATES = 40; // asked for, then ranked: names that start with the text first
const PICKER_DELAY = 150; // ms of typing pause before the actors are asked for

// The script's own origin: the default API lives beside it, whichever page embeds it.
const DEFAULT_API = new URL("/api", import.meta.url).href;

// --- date labels ------------------------------------------------------------------------------
// Each event's date in words comes with it (`display_date`, written by the build); only the
// range a page of events covers is put in words here, from its day bounds.

function formatPart(p) {
  switch (p.kind) {
    case "day": return `${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
    case "month": return `${MONTHS[p.month - 1]} ${p.year}`;
    default: return String(p.year);
  }
}

/** "22–23 May 2024", "May–Jun 2024", "2019–2021", else both ends in full. */
function formatSpan(a, b) {
  if (a.kind === "day" && b.kind === "day" && a.year === b.year) {
    if (a.month === b.month) return a.day === b.day ? formatPart(a) : `${a.day}–${b.day} ${MONTHS[a.month - 1]} ${a.year}`;
    return `${a.day} ${MONTHS[a.month - 1]} – ${b.day} ${MONTHS[b.month - 1]} ${a.year}`;
  }
  if (a.kind === "month" && b.kind === "month" && a.year === b.year) {
    return `${MONTHS[a.month - 1]}–${MONTHS[b.month - 1]} ${a.year}`;
  }
  if (a.kind === "year" && b.kind === "year") return `${a.year}–${b.year}`;
  return `${formatPart(a)} – ${formatPart(b)}`;
}

function parseIsoDay(iso) {
  const m = /^(-?\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? { kind: "day", year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
}

function lastDayOfMonth(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The days from startIso to endIso in words: "2021", "Aug–Nov 2021", "3 Aug – 5 Sep 2024". */
function boundsLabel(startIso, endIso) {
  const a = parseIsoDay(startIso);
  const b = parseIsoDay(endIso);
  if (!a || !b) return startIso || "";
  const wholeMonths = a.day === 1 && b.day === lastDayOfMonth(b.year, b.month);
  if (wholeMonths && a.month === 1 && b.month === 12) {
    return a.year === b.year ? String(a.year) : `${a.year}–${b.year}`;
  }
  if (wholeMonths) {
    const ma = { kind: "month", year: a.year, month: a.month };
    const mb = { kind: "month", year: b.year, month: b.month };
    return a.year === b.year && a.month === b.month ? formatPart(ma) : formatSpan(ma, mb);
  }
  return formatSpan(a, b);
}

/** The event's date in words, as the API gives it. */
function dateText(event) {
  return String(event.display_date || event.date || "");
}

/** A machine-readable <time datetime> value, only where HTML has one (a day, month or year). */
function datetimeValue(event) {
  const d = String(event.date || "");
  return /^\d{4}(-(0[1-9]|1[0-2])(-\d{2})?)?$/.test(d) ? d : null;
}

function dayNumber(iso) {
  const p = parseIsoDay(iso);
  return p ? Date.UTC(p.year, p.month - 1, p.day) / 86400000 : NaN;
}

function yearOf(event) {
  const m = /^-?\d+/.exec(event.date_start || "");
  return m ? m[0] : "Undated";
}

// --- small DOM helpers: text only, never HTML -------------------------------------------------

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  return node;
}

/** The URL if it is http(s), else null: a javascript: or data: URL never becomes a link. */
function safeHttpUrl(value) {
  if (!value) return null;
  try {
    const url = new URL(value, document.baseURI);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Text compared as the API compares names: no case, no accents. */
function fold(text) {
  return String(text || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * The actors the API found for some typed text, best first: a name that starts with it, then
 * a name or alias with a word that does, then the rest; the more events, the earlier.
 */
function rankActors(actors, text) {
  const typed = fold(text).trim();
  const rank = (actor) => {
    const names = [actor.name, ...(Array.isArray(actor.aliases) ? actor.aliases : [])].map(fold);
    if (names[0].startsWith(typed)) return 0;
    if (names.some((n) => n.startsWith(typed))) return 1;
    if (names.some((n) => n.split(/[\s\-‐'’(@“"]+/).some((w) => w.startsWith(typed)))) return 2;
    return 3;
  };
  return actors
    .map((actor, i) => ({ actor, i, rank: rank(actor) }))
    .sort((a, b) => a.rank - b.rank || (b.actor.event_count || 0) - (a.actor.event_count || 0) || a.i - b.i)
    .map((r) => r.actor);
}

function humanise(slug) {
  return String(slug || "").replace(/[-_]+/g, " ");
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// --- styles -----------------------------------------------------------------------------------

const DARK = `
  --_fg: var(--chrono-fg, #e6edf3);
  --_bg: var(--chrono-bg, #0f1419);
  --_surface: var(--chrono-surface, #161c24);
  --_muted: var(--chrono-muted, #9aa4b0);
  --_accent: var(--chrono-accent, #6cb0ff);
  --_border: var(--chrono-border, #313a46);
  --_warn: var(--chrono-warn, #ffa657);
  color-scheme: dark;
`;

const CSS = `
:host {
  all: initial;
  display: block;
  container-type: inline-size;
  --_font: var(--chrono-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  --_fg: var(--chrono-fg, #1f2328);
  --_bg: var(--chrono-bg, #ffffff);
  --_surface: var(--chrono-surface, #f6f8fa);
  --_muted: var(--chrono-muted, #57606a);
  --_accent: var(--chrono-accent, #0a58b0);
  --_border: var(--chrono-border, #d0d7de);
  --_warn: var(--chrono-warn, #a0390b);
  --_focus: var(--chrono-focus, var(--_accent));
  --_radius: var(--chrono-radius, 6px);
  color-scheme: light;
  font-family: var(--_font);
  font-size: var(--chrono-font-size, 1rem);
  line-height: 1.5;
  color: var(--_fg);
  background: var(--_bg);
  overflow-wrap: anywhere;
}
@media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { ${DARK} } }
:host([theme="dark"]) { ${DARK} }
:host([hidden]) { display: none; }

*, *::before, *::after { box-sizing: border-box; }
.root { padding: 0.5rem; }
.vh {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0;
}
button, summary { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; border-radius: 3px; }
[tabindex="-1"]:focus:not(:focus-visible) { outline: none; }
a { color: var(--_accent); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }

/* overview axis: every loaded event drawn from its earliest to its latest possible day */
.axis { display: block; width: 100%; height: auto; margin: 0 0 0.25rem; overflow: hidden; }
.axis .lane-bg { fill: var(--_surface); }
.axis .tick { stroke: var(--_border); stroke-width: 1; }
.axis .tick.minor { stroke-dasharray: 2 2; }
.axis .tick-label { fill: var(--_muted); font: 11px var(--_font); }
.axis .mark { fill: var(--_accent); }
.axis .mark.fuzzy { fill-opacity: 0.55; }
.axis .mark.doubtful { fill: var(--_bg); stroke: var(--_warn); stroke-width: 1.5; stroke-dasharray: 3 2; fill-opacity: 1; }

.status { margin: 0 0 0.5rem; color: var(--_muted); font-size: 0.875em; }
.status:empty { display: none; }
.status.error {
  color: var(--_fg); padding: 0.6rem 0.8rem; border: 1px solid var(--_warn);
  border-left-width: 4px; border-radius: var(--_radius); background: var(--_surface);
}
.status.heading { color: var(--_fg); font-weight: 600; }
.status.empty-state { padding: 1rem; text-align: center; border: 1px dashed var(--_border); border-radius: var(--_radius); }
.retry { margin-left: 0.5rem; }

.controls { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0 0 0.5rem; }
.controls[hidden], .controls > [hidden] { display: none; }
.search { display: flex; flex: 1 1 13rem; gap: 0.35rem; min-width: 0; margin: 0; }
.picker { position: relative; flex: 1 1 13rem; min-width: 0; }
.controls input {
  width: 100%; min-width: 0; min-height: 2.25rem; padding: 0.3rem 0.55rem; font: inherit; color: var(--_fg);
  background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius);
}
.controls input::placeholder { color: var(--_muted); opacity: 1; }
.search button, .error-actions button {
  flex: none; min-height: 2.25rem; padding: 0.3rem 0.8rem; font-weight: 600; color: var(--_accent);
  background: var(--_bg); border: 1px solid var(--_accent); border-radius: var(--_radius);
}
.search button:hover, .error-actions button:hover { background: var(--_surface); }
.options {
  position: absolute; z-index: 2; top: calc(100% + 2px); left: 0; right: 0; max-height: 18rem; overflow-y: auto;
  margin: 0; padding: 0.25rem 0; list-style: none; background: var(--_bg); color: var(--_fg);
  border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: 0 6px 18px rgb(0 0 0 / 0.18);
}
.options[hidden] { display: none; }
.option { padding: 0.35rem 0.65rem; cursor: pointer; }
.option[aria-selected="true"], .option:hover { background: var(--_surface); color: var(--_accent); }
.option .about { display: block; color: var(--_muted); font-size: 0.8em; }
.option.none { cursor: default; color: var(--_muted); }
.error-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 0.35rem; margin: 0.45rem 0 0; }

.filterbar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem;
  margin: 0 0 0.5rem; padding: 0.4rem 0.6rem; font-size: 0.9em;
  border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_surface);
}
.filterbar[hidden] { display: none; }
.filterbar p { margin: 0; flex: 1 1 12rem; }

.year {
  margin: 1rem 0 0.35rem; padding-bottom: 0.2rem; font-size: 1.05em; font-weight: 700;
  letter-spacing: 0.01em; border-bottom: 2px solid var(--_border);
}
.year:first-child { margin-top: 0.25rem; }
.events { list-style: none; margin: 0; padding: 0; }

.event {
  display: grid; grid-template-columns: minmax(0, 1fr); gap: 0.15rem 1rem;
  margin: 0 0 0.6rem; padding: 0.65rem 0.85rem;
  background: var(--_surface); border: 1px solid var(--_border);
  border-left: 4px solid var(--_accent); border-radius: var(--_radius);
}
.event.doubtful {
  /* a double rule 2px wider than the solid one: keep the text where the other cards have it */
  border-left-style: double; border-left-width: 6px; border-left-color: var(--_warn); padding-left: calc(0.85rem - 2px);
  background: repeating-linear-gradient(135deg, transparent 0 9px, rgb(128 128 128 / 0.07) 9px 18px), var(--_surface);
}
.event.status-false .title { text-decoration: line-through; text-decoration-thickness: 1px; }
.when { margin: 0; color: var(--_muted); font-size: 0.875em; font-weight: 600; font-variant-numeric: tabular-nums; }
.body { min-width: 0; }
.title { margin: 0; font-size: 1em; font-weight: 650; line-height: 1.35; }
.meta { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.5rem; margin: 0.2rem 0 0; color: var(--_muted); font-size: 0.85em; }
.badge {
  display: inline-block; padding: 0 0.4em; border: 1px solid var(--_border); border-radius: 3px;
  font-size: 0.8em; font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase; line-height: 1.6;
}
.badge.doubtful { color: var(--_warn); border: 2px dashed var(--_warn); font-weight: 700; }
.meta .place::before { content: "·" / ""; margin-right: 0.5rem; }
.summary { margin: 0.35rem 0 0; }

.actors { display: flex; flex-wrap: wrap; gap: 0.35rem; list-style: none; margin: 0.5rem 0 0; padding: 0; }
.chip {
  display: inline-block; min-height: 1.75rem; max-width: 100%; margin: 0;
  padding: 0.15rem 0.65rem; font-size: 0.85em; line-height: 1.35; text-align: start;
  color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border); border-radius: 0.9rem;
}
.chip:hover { border-color: var(--_accent); color: var(--_accent); }
.chip .role { margin-left: 0.3em; color: var(--_muted); font-size: 0.9em; white-space: nowrap; }

.sources { margin: 0.5rem 0 0; }
.sources > summary { width: fit-content; color: var(--_accent); font-size: 0.875em; font-weight: 600; cursor: pointer; }
.sources > summary:hover { text-decoration: underline; }
.citations { list-style: none; margin: 0.4rem 0 0; padding: 0; }
.citation + .citation { margin-top: 0.6rem; }
.source { margin: 0; font-size: 0.85em; color: var(--_muted); }
.source .source-title { font-weight: 600; color: var(--_fg); }
.source a.source-title { color: var(--_accent); }
.stance-denies { color: var(--_warn); font-weight: 600; }
blockquote {
  margin: 0.25rem 0 0; padding: 0.15rem 0 0.15rem 0.75rem;
  border-left: 3px solid var(--_border); font-size: 0.95em;
}

.more {
  display: block; width: 100%; margin: 0.25rem 0 0; padding: 0.5rem 1rem; font-weight: 600;
  color: var(--_accent); background: var(--_bg); border: 1px solid var(--_accent); border-radius: var(--_radius);
}
.more:hover { background: var(--_surface); }
.more[aria-disabled="true"] { cursor: progress; opacity: 0.7; }
.more[hidden] { display: none; }
.credit { margin: 0.6rem 0 0; font-size: 0.75em; color: var(--_muted); text-align: end; }
.credit a { color: inherit; }

@container (min-width: 36rem) {
  .event { grid-template-columns: 9.5rem minmax(0, 1fr); }
  .when { padding-top: 0.05rem; }
}
@media (prefers-reduced-motion: no-preference) {
  .chip, .more { transition: border-color 0.15s, color 0.15s, background-color 0.15s; }
}
@media (forced-colors: active) {
  .event.doubtful, .badge.doubtful { border-color: CanvasText; }
  .axis .mark { fill: CanvasText; }
}
`;

let sharedSheet = null;

/** Adopt one constructed stylesheet (allowed by style-src 'self'); a <style> element elsewhere. */
function applyStyles(shadow) {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(CSS);
    }
    shadow.adoptedStyleSheets = [sharedSheet];
  } else {
    shadow.append(el("style", null, CSS));
  }
}

// --- the element ------------------------------------------------------------------------------

class ChronoTimeline extends HTMLElement {
  static observedAttributes = ["api", ...FILTERS, "heading-level", "controls"];

  #ui;
  #events = [];
  #next = null;
  #request = null; // AbortController of the fetch in flight
  #timer = 0;
  #generation = 0; // ignores answers to superseded requests
  #currentYear = null;
  #currentList = null;
  #authorActor = null; // the actor attribute as the page author set it
  #chosenActorName = null; // set when the reader picked an actor chip
  #settingActor = false;
  #focusAfterLoad = null;
  #actorNames = new Map(); // actor attribute value -> the actor's name, for the heading line
  #pickerTimer = 0;
  #pickerRequest = null;
  #pickerActive = -1; // index of the highlighted option

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: "open" });
    applyStyles(shadow);
    this.#ui = this.#buildSkeleton();
    shadow.append(this.#ui.root);
  }

  connectedCallback() {
    if (this.#authorActor === null) this.#authorActor = this.getAttribute("actor");
    this.#renderControls();
    this.#schedule();
  }

  disconnectedCallback() {
    clearTimeout(this.#timer);
    clearTimeout(this.#pickerTimer);
    this.#request?.abort();
    this.#pickerRequest?.abort();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === "controls") {
      this.#renderControls();
      return;
    }
    if (name === "actor" && !this.#settingActor) {
      this.#authorActor = newValue;
      this.#chosenActorName = null;
    }
    if (this.isConnected) this.#schedule();
  }

  /** Reload once after a burst of attribute changes (a page often sets several in a row). */
  #schedule() {
    clearTimeout(this.#timer);
    this.#generation++; // an answer still on its way is for the attributes before: drop it
    this.#request?.abort();
    this.#ui.groups.setAttribute("aria-busy", "true"); // what is shown is already stale
    this.#timer = setTimeout(() => this.#reload(), 30);
  }

  #buildSkeleton() {
    const root = el("div", "root");
    const controls = this.#buildControls();
    const filterbar = el("div", "filterbar");
    filterbar.hidden = true;
    const filterNote = el("p");
    filterNote.tabIndex = -1;
    const reset = el("button", "reset", "Show all");
    reset.type = "button";
    reset.addEventListener("click", () => this.#resetActor());
    filterbar.append(filterNote, reset);

    const axis = svg("svg", { class: "axis", "aria-hidden": "true", focusable: "false", height: 0 });
    const status = el("p", "status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const groups = el("div", "groups");
    const more = el("button", "more", "More events");
    more.type = "button";
    more.hidden = true;
    more.addEventListener("click", () => this.#loadMore());
    const credit = el("p", "credit");
    root.append(controls.controls, filterbar, axis, status, groups, more, credit);
    return { root, ...controls, filterbar, filterNote, reset, axis, status, groups, more, credit };
  }

  /** The search box (q) and the actor picker: a combobox over /api/actors?q=. */
  #buildControls() {
    const box = el("div", "controls");
    const search = el("form", "search");
    search.setAttribute("role", "search");
    const searchInput = el("input");
    searchInput.type = "search";
    searchInput.id = "chrono-q";
    searchInput.name = "q";
    searchInput.placeholder = "Search events";
    searchInput.maxLength = 200;
    searchInput.setAttribute("aria-label", "Search events");
    const searchButton = el("button", null, "Search");
    searchButton.type = "submit";
    search.append(searchInput, searchButton);
    search.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#search(searchInput.value);
    });

    const picker = el("div", "picker");
    const pickerInput = el("input");
    pickerInput.type = "text";
    pickerInput.id = "chrono-actor";
    pickerInput.autocomplete = "off";
    pickerInput.spellcheck = false;
    pickerInput.placeholder = "Pick an actor";
    pickerInput.setAttribute("role", "combobox");
    pickerInput.setAttribute("aria-label", "Pick an actor");
    pickerInput.setAttribute("aria-autocomplete", "list");
    pickerInput.setAttribute("aria-expanded", "false");
    pickerInput.setAttribute("aria-controls", "chrono-actor-options");
    const options = el("ul", "options");
    options.id = "chrono-actor-options";
    options.hidden = true;
    options.setAttribute("role", "listbox");
    options.setAttribute("aria-label", "Actors");
    picker.append(pickerInput, options);
    pickerInput.addEventListener("input", () => this.#pickerTyped());
    pickerInput.addEventListener("keydown", (event) => this.#pickerKey(event));
    pickerInput.addEventListener("blur", () => setTimeout(() => this.#closeOptions(), 150));
    box.append(search, picker);
    return { controls: box, search, searchInput, picker, pickerInput, options };
  }

  /** Which controls readers get (the controls attribute); a fixed view shows none. */
  #renderControls() {
    const ui = this.#ui;
    const given = this.getAttribute("controls");
    const wanted = new Set(given === null ? CONTROLS : given.toLowerCase().split(/[\s,]+/));
    ui.search.hidden = !wanted.has("search");
    ui.picker.hidden = !wanted.has("actor");
    ui.controls.hidden = ui.search.hidden && ui.picker.hidden;
  }

  /** The search box shows the search in force; the picker, the actor it narrowed to. */
  #syncControls() {
    const ui = this.#ui;
    if (this.shadowRoot.activeElement !== ui.searchInput) ui.searchInput.value = this.getAttribute("q") || "";
    if (this.shadowRoot.activeElement !== ui.pickerInput) {
      const actor = this.getAttribute("actor");
      ui.pickerInput.value = actor && actor !== this.#authorActor ? (this.#actorNames.get(actor) || actor) : "";
    }
  }

  #search(text) {
    const q = text.trim();
    this.#focusAfterLoad = null;
    if (q) this.setAttribute("q", q);
    else this.removeAttribute("q");
  }

  #pickerTyped() {
    clearTimeout(this.#pickerTimer);
    this.#pickerRequest?.abort(); // an answer for the text typed before is stale: never show it
    this.#ui.options.setAttribute("aria-busy", "true"); // the list is behind the text until it is asked for
    this.#pickerTimer = setTimeout(() => this.#offerActors(this.#ui.pickerInput.value.trim()), PICKER_DELAY);
  }

  /** Actors whose name or an alias holds the text (the API ignores case and accents). */
  async #offerActors(text) {
    this.#pickerRequest?.abort();
    if (!text) {
      this.#ui.options.removeAttribute("aria-busy");
      this.#closeOptions();
      return;
    }
    this.#ui.options.setAttribute("aria-busy", "true");
    const controller = new AbortController();
    this.#pickerRequest = controller;
    let actors = [];
    try {
      const url = new URL(`${this.#apiBase}/actors`, document.baseURI);
      url.searchParams.set("q", text.slice(0, 200));
      url.searchParams.set("limit", String(PICKER_CANDIDATES));
      const response = await fetch(url, { signal: controller.signal, credentials: "omit", headers: { Accept: "application/json" } });
      const body = response.ok ? await response.json() : null;
      actors = body && Array.isArray(body.actors) ? rankActors(body.actors, text).slice(0, PICKER_OPTIONS) : [];
    } catch (error) {
      if (error.name === "AbortError") return;
    }
    if (controller.signal.aborted) return;
    this.#showOptions(actors, text);
  }

  #showOptions(actors, text) {
    const ui = this.#ui;
    // The actor highlighted with the arrow keys stays highlighted if the new list holds it.
    const highlighted = ui.options.querySelector('[aria-selected="true"]')?.dataset.actorId;
    ui.options.replaceChildren();
    ui.options.removeAttribute("aria-busy");
    this.#pickerActive = -1;
    ui.pickerInput.removeAttribute("aria-activedescendant");
    if (!actors.length) {
      const none = el("li", "option none", `No actor is known as “${text}”.`);
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      ui.options.append(none);
    }
    actors.forEach((actor, i) => {
      const option = el("li", "option", actor.name || actor.id);
      option.id = `chrono-actor-option-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.actorId = actor.id;
      const about = [humanise(actor.kind), typeof actor.event_count === "number" ? plural(actor.event_count, "event", "events") : ""]
        .filter(Boolean).join(" · ");
      if (about) option.append(el("span", "about", about));
      // mousedown, not click: the input keeps focus, so its blur does not close the list first
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        this.#pick(actor);
      });
      ui.options.append(option);
      if (actor.id === highlighted) {
        this.#pickerActive = i;
        option.setAttribute("aria-selected", "true");
        ui.pickerInput.setAttribute("aria-activedescendant", option.id);
      }
    });
    ui.options.hidden = false;
    ui.pickerInput.setAttribute("aria-expanded", "true");
  }

  #closeOptions() {
    const ui = this.#ui;
    ui.options.hidden = true;
    ui.pickerInput.setAttribute("aria-expanded", "false");
    ui.pickerInput.removeAttribute("aria-activedescendant");
    this.#pickerActive = -1;
  }

  #pickerKey(event) {
    const ui = this.#ui;
    const options = [...ui.options.querySelectorAll('[role="option"]:not([aria-disabled])')];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (ui.options.hidden) {
        this.#offerActors(ui.pickerInput.value.trim());
        return;
      }
      if (!options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.#pickerActive = (this.#pickerActive + step + options.length) % options.length;
      options.forEach((o, i) => o.setAttribute("aria-selected", String(i === this.#pickerActive)));
      const active = options[this.#pickerActive];
      ui.pickerInput.setAttribute("aria-activedescendant", active.id);
      active.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      const chosen = options[this.#pickerActive] || options[0];
      if (chosen) this.#pick({ id: chosen.dataset.actorId, name: chosen.firstChild.textContent });
    } else if (event.key === "Escape") {
      if (!ui.options.hidden) {
        event.preventDefault();
        this.#closeOptions();
      }
    }
  }

  #pick(actor) {
    this.#closeOptions();
    this.#ui.pickerInput.value = actor.name || actor.id;
    this.#actorNames.set(actor.id, actor.name || actor.id);
    this.#chooseActor(actor);
  }

  get #apiBase() {
    const given = (this.getAttribute("api") || "").trim();
    return (given || DEFAULT_API).replace(/\/+$/, "");
  }

  #eventsUrl(cursor) {
    let url;
    try {
      url = new URL(`${this.#apiBase}/events`, document.baseURI);
    } catch {
      throw new Error(`Could not load events: the api attribute “${this.#apiBase}” is not a URL.`);
    }
    for (const name of FILTERS) {
      const value = (this.getAttribute(name) || "").trim();
      if (name === "limit") {
        url.searchParams.set("limit", value || DEFAULT_LIMIT);
      } else if (LIST_FILTERS.has(name)) {
        for (const item of value.split(",")) if (item.trim()) url.searchParams.append(name, item.trim());
      } else if (value) {
        url.searchParams.set(name, value);
      }
    }
    if (cursor) url.searchParams.set("cursor", cursor);
    return url;
  }

  /** One page of events, or an Error whose message is fit to show a reader. */
  async #fetchPage(cursor) {
    this.#request?.abort();
    const controller = new AbortController();
    this.#request = controller;
    const url = this.#eventsUrl(cursor);
    let response;
    try {
      response = await fetch(url, { signal: controller.signal, credentials: "omit", headers: { Accept: "application/json" } });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new LoadError("The chronology could not be reached. Check your connection, then try again.", { retry: true });
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      if (controller.signal.aborted) throw new DOMException("aborted", "AbortError");
    }
    if (!response.ok) throw this.#problem(response, body);
    if (!body || !Array.isArray(body.events)) {
      throw new LoadError("The chronology sent an answer this timeline cannot read.", { retry: true });
    }
    return body;
  }

  /**
   * What went wrong, in a reader's words, from the API's problem details (RFC 9457: `detail`
   * and `parameter`; `suggestions` for an unknown actor). Only what can pass gets "Try again".
   */
  #problem(response, body) {
    const parameter = body && typeof body.parameter === "string" ? body.parameter : null;
    const raw = body && typeof body.detail === "string" ? body.detail : "";
    const detail = parameter && raw.startsWith(`${parameter}: `) ? raw.slice(parameter.length + 2) : raw;
    if (response.status === 429 || response.status === 503) {
      return new LoadError("The chronology is busy just now. Wait a moment, then try again.", { retry: true });
    }
    if (response.status >= 500) {
      return new LoadError(`The chronology could not answer (error ${response.status}). Try again in a moment.`, { retry: true });
    }
    if (response.status === 400 && parameter === "actor" && /no actor is known as/.test(detail)) {
      const named = /known as (['"])(.*)\1;/.exec(detail);
      const name = named ? named[2] : this.getAttribute("actor") || "";
      const suggestions = Array.isArray(body.suggestions) ? body.suggestions.filter((a) => a && a.id) : [];
      return new LoadError(`No one in this chronology is known as “${name}”.`, { unknownActor: name, suggestions });
    }
    if (response.status === 400 && parameter === "q") {
      return new LoadError(`This search cannot be run: ${detail || "it is not valid"}.`, { clearSearch: true });
    }
    if (response.status === 400 && parameter) {
      return new LoadError(`This timeline cannot be shown: its “${parameter}” setting is not valid (${detail || "unknown value"}).`);
    }
    if (response.status === 404) {
      return new LoadError("This timeline's api address does not lead to a chronology.");
    }
    return new LoadError(`The chronology refused the request (error ${response.status}${detail ? `: ${detail}` : ""}).`);
  }

  async #reload() {
    const generation = ++this.#generation;
    const ui = this.#ui;
    this.#events = [];
    this.#next = null;
    this.#currentYear = null;
    this.#currentList = null;
    ui.groups.replaceChildren();
    ui.axis.replaceChildren();
    ui.axis.setAttribute("height", "0");
    ui.more.hidden = true;
    this.#renderFilterbar();
    this.#renderCredit();
    this.#syncControls();
    this.#setStatus("Loading events…");
    ui.groups.setAttribute("aria-busy", "true");
    try {
      const page = await this.#fetchPage(null);
      await this.#nameActors(); // after the events: a name the API does not know is reported there
      if (generation !== this.#generation) return;
      this.#append(page);
      if (this.#focusAfterLoad === "filter" && !ui.filterbar.hidden) ui.filterNote.focus();
      else if (this.#focusAfterLoad === "first") ui.groups.querySelector("li.event")?.focus();
    } catch (error) {
      if (error.name === "AbortError" || generation !== this.#generation) return;
      this.#showError(error, () => this.#reload());
    } finally {
      if (generation === this.#generation) {
        ui.groups.removeAttribute("aria-busy");
        this.#focusAfterLoad = null;
      }
    }
  }

  async #loadMore() {
    const ui = this.#ui;
    if (!this.#next || ui.more.getAttribute("aria-disabled") === "true") return;
    const generation = this.#generation;
    const hadFocus = this.shadowRoot.activeElement === ui.more;
    ui.more.setAttribute("aria-disabled", "true");
    ui.more.textContent = "Loading…";
    this.#setStatus("Loading more events…");
    try {
      const page = await this.#fetchPage(this.#next);
      if (generation !== this.#generation) return;
      const firstNew = this.#append(page);
      // The button may vanish (last page): keep keyboard users where the new events start.
      if (hadFocus && firstNew) firstNew.focus();
    } catch (error) {
      if (error.name === "AbortError" || generation !== this.#generation) return;
      this.#showError(error, () => this.#loadMore());
    } finally {
      ui.more.removeAttribute("aria-disabled");
      ui.more.textContent = "More events";
    }
  }

  /** Adds a page of events to the list and the axis; returns the first new event element. */
  #append(page) {
    const ui = this.#ui;
    const seen = new Set(this.#events.map((e) => e.id));
    const fresh = page.events.filter((e) => e && typeof e.id === "string" && !seen.has(e.id));
    this.#events.push(...fresh);
    this.#next = typeof page.next === "string" && page.next ? page.next : null;
    let first = null;
    for (const event of fresh) {
      const item = this.#renderEvent(event);
      this.#listFor(event).append(item);
      first ??= item;
    }
    if (first) first.tabIndex = -1; // a focus target after "More", not a tab stop
    ui.more.hidden = !this.#next;
    this.#renderAxis();
    this.#announceCount();
    return first;
  }

  #headingLevel() {
    const n = parseInt(this.getAttribute("heading-level") || "3", 10);
    return Math.min(5, Math.max(2, Number.isFinite(n) ? n : 3));
  }

  /** The <ol> of the event's start year, opening a new year group when the year changes. */
  #listFor(event) {
    const year = yearOf(event);
    if (year !== this.#currentYear || !this.#currentList) {
      const heading = el(`h${this.#headingLevel()}`, "year", year);
      const list = el("ol", "events");
      this.#ui.groups.append(heading, list);
      this.#currentYear = year;
      this.#currentList = list;
    }
    return this.#currentList;
  }

  #renderEvent(event) {
    return renderEventCard(event, this.#headingLevel() + 1, (actor) => this.#chooseActor(actor));
  }

  /** An actor chip narrows the timeline to that actor, through the actor attribute. */
  #chooseActor(actor) {
    if (!actor.id || this.getAttribute("actor") === actor.id) return;
    this.#chosenActorName = actor.name || actor.id;
    this.#actorNames.set(actor.id, this.#chosenActorName);
    this.#focusAfterLoad = "filter";
    this.#settingActor = true;
    try {
      this.setAttribute("actor", actor.id);
    } finally {
      this.#settingActor = false;
    }
  }

  #resetActor() {
    this.#chosenActorName = null;
    this.#focusAfterLoad = "first";
    this.#settingActor = true;
    try {
      if (this.#authorActor === null) this.removeAttribute("actor");
      else this.setAttribute("actor", this.#authorActor);
    } finally {
      this.#settingActor = false;
    }
  }

  #renderFilterbar() {
    const ui = this.#ui;
    const chosen = this.#chosenActorName !== null && this.getAttribute("actor") !== this.#authorActor;
    ui.filterbar.hidden = !chosen;
    if (!chosen) return;
    ui.filterNote.textContent = `Showing events with ${this.#chosenActorName}.`;
    ui.reset.textContent = this.#authorActor ? `Back to ${this.#authorActor}` : "Show all events";
  }

  #renderCredit() {
    const ui = this.#ui;
    ui.credit.replaceChildren();
    let home = null;
    try {
      home = safeHttpUrl(new URL("/", new URL(this.#apiBase, document.baseURI)).href);
    } catch {
      return; // a bad api attribute is reported by the load itself
    }
    if (!home) return;
    const link = el("a", null, "chrono");
    link.href = home;
    link.target = "_blank";
    link.rel = "noopener";
    ui.credit.append("Data: ", link);
  }

  /**
   * The overview: one band per year across the loaded events' whole range, each event a bar
   * from its earliest to its latest possible day, so a month-precise event reads as a month.
   */
  #renderAxis() {
    const axis = this.#ui.axis;
    axis.replaceChildren();
    const spans = this.#events
      .map((e) => ({ event: e, start: dayNumber(e.date_start), end: dayNumber(e.date_end) + 1 }))
      .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start);
    if (!spans.length) {
      axis.setAttribute("height", "0");
      return;
    }
    const firstYear = Math.min(...spans.map((s) => new Date(s.start * 86400000).getUTCFullYear()));
    const lastYear = Math.max(...spans.map((s) => new Date((s.end - 1) * 86400000).getUTCFullYear()));
    const origin = Date.UTC(firstYear, 0, 1) / 86400000;
    const total = Date.UTC(lastYear + 1, 0, 1) / 86400000 - origin;
    const pct = (day) => ((day - origin) / total) * 100;

    // Lanes: an event goes in the first lane free at its start, so overlapping events stack.
    const MIN_WIDTH = 0.8; // percent: a single day stays visible
    const MAX_LANES = 6;
    const LANE = 7;
    const GAP = 3;
    const laneEnds = [];
    const placed = spans.sort((a, b) => a.start - b.start || a.end - b.end).map((s) => {
      const x = pct(s.start);
      const width = Math.max(pct(s.end) - x, MIN_WIDTH);
      let lane = laneEnds.findIndex((end) => end + 0.4 <= x);
      if (lane === -1) {
        if (laneEnds.length < MAX_LANES) lane = laneEnds.push(0) - 1;
        else lane = laneEnds.indexOf(Math.min(...laneEnds));
      }
      laneEnds[lane] = Math.max(laneEnds[lane], x + width);
      return { ...s, x, width, lane };
    });
    const marksHeight = laneEnds.length * (LANE + GAP) + GAP;
    const height = marksHeight + 16;
    axis.setAttribute("height", String(height));
    axis.append(svg("rect", { class: "lane-bg", x: 0, y: 0, width: "100%", height: marksHeight, rx: 3 }));

    const years = lastYear - firstYear + 1;
    const step = Math.max(1, Math.ceil(years / 6));
    for (let year = firstYear; year <= lastYear + 1; year++) {
      const x = pct(Date.UTC(year, 0, 1) / 86400000);
      if (year > firstYear && year <= lastYear) {
        axis.append(svg("line", { class: "tick", x1: `${x}%`, x2: `${x}%`, y1: 0, y2: marksHeight + 4 }));
      }
      if (year <= lastYear && (year - firstYear) % step === 0 && x <= 88) {
        const label = svg("text", { class: "tick-label", x: `${x}%`, dx: year > firstYear ? 3 : 1, y: height - 2 });
        label.textContent = String(year);
        axis.append(label);
      }
    }
    if (years === 1) {
      // A single year gets quarter ticks, or a month-precise event would have nothing to read against.
      for (const month of [3, 6, 9]) {
        const x = pct(Date.UTC(firstYear, month, 1) / 86400000);
        axis.append(svg("line", { class: "tick minor", x1: `${x}%`, x2: `${x}%`, y1: 0, y2: marksHeight + 4 }));
        const label = svg("text", { class: "tick-label", x: `${x}%`, dx: 3, y: height - 2 });
        label.textContent = MONTHS[month];
        axis.append(label);
      }
    }
    for (const p of placed) {
      const status = String(p.event.status || "");
      const classes = ["mark"];
      if (p.end - p.start > 1) classes.push("fuzzy");
      if (DOUBTFUL.has(status)) classes.push("doubtful");
      const mark = svg("rect", {
        class: classes.join(" "), x: `${p.x}%`, width: `${p.width}%`,
        y: GAP + p.lane * (LANE + GAP), height: LANE, rx: 2,
      });
      const tip = svg("title");
      tip.textContent = `${dateText(p.event)}: ${p.event.title || p.event.id}`;
      mark.append(tip);
      axis.append(mark);
    }
  }

  /** The actors' names for the heading line, asked once per spelling (a name or alias
   *  redirects to the actor); what cannot be named is shown as written. */
  async #nameActors() {
    const wanted = (this.getAttribute("actor") || "").split(",").map((a) => a.trim()).filter(Boolean);
    await Promise.all(wanted.filter((a) => !this.#actorNames.has(a)).map(async (a) => {
      try {
        const url = new URL(`${this.#apiBase}/actors/${encodeURIComponent(a)}`, document.baseURI);
        const response = await fetch(url, { credentials: "omit", headers: { Accept: "application/json" } });
        const body = response.ok ? await response.json() : null;
        if (body && typeof body.name === "string") this.#actorNames.set(a, body.name);
      } catch {
        // the events request reports what is wrong
      }
    }));
  }

  /** What the timeline shows, in one line: "Ismail Haniyeh · 10 events · Aug 2021 – Aug 2024". */
  #selection() {
    const actors = (this.getAttribute("actor") || "").split(",").map((a) => a.trim()).filter(Boolean);
    const parts = [];
    if (actors.length) parts.push(actors.map((a) => this.#actorNames.get(a) || a).join(" & "));
    const q = (this.getAttribute("q") || "").trim();
    if (q) parts.push(`“${q}”`);
    const types = (this.getAttribute("type") || "").split(",").map((t) => humanise(t.trim())).filter(Boolean);
    if (types.length) parts.push(types.join(", "));
    const statuses = (this.getAttribute("status") || "").split(",").map((t) => t.trim()).filter(Boolean);
    if (statuses.length) parts.push(statuses.join(", "));
    return parts;
  }

  #announceCount() {
    const n = this.#events.length;
    if (!n) {
      const what = this.#selection();
      this.#setStatus(what.length ? `No events match ${what.join(" · ")}.` : "No events match these filters.", "empty-state");
      return;
    }
    // Newest first or oldest first, the range runs from the earliest start to the latest end.
    let first = this.#events[0];
    let last = first;
    for (const e of this.#events) {
      if (dayNumber(e.date_start) < dayNumber(first.date_start)) first = e;
      if (dayNumber(e.date_end) > dayNumber(last.date_end)) last = e;
    }
    const range = boundsLabel(first.date_start, last.date_end);
    const count = this.#next ? `${n} events so far, more to load` : plural(n, "event", "events");
    this.#setStatus([...this.#selection(), count, range].join(" · "), "heading");
  }

  #setStatus(message, kind) {
    const status = this.#ui.status;
    status.className = `status${kind ? ` ${kind}` : ""}`;
    status.textContent = message;
  }

  /** An error in words, with what can help: close names for an unknown actor, clearing a
   *  search that cannot run, or "Try again" when the failure may pass. */
  #showError(error, retry) {
    const info = error instanceof LoadError ? error.info : { retry: true };
    this.#setStatus(error.message, "error");
    const actions = el("p", "error-actions");
    const button = (text, className, action) => {
      const b = el("button", className, text);
      b.type = "button";
      b.addEventListener("click", action);
      actions.append(b);
      return b;
    };
    if (info.suggestions?.length) {
      actions.append(el("span", null, "Did you mean:"));
      for (const actor of info.suggestions) {
        button(actor.name || actor.id, "suggestion", () => this.#replaceActor(info.unknownActor, actor));
      }
    } else if (info.unknownActor !== undefined) {
      actions.append(el("span", null, "Check the spelling, or pick an actor from the list."));
    }
    if (info.unknownActor !== undefined && this.getAttribute("actor") !== this.#authorActor) {
      button(this.#authorActor ? "Back to the first view" : "Show all events", "reset-actor", () => this.#resetActor());
    }
    if (info.clearSearch) button("Clear the search", "clear-search", () => this.#search(""));
    if (info.retry) button("Try again", "retry", retry);
    if (actions.childNodes.length) this.#ui.status.append(actions);
  }

  /** A close name chosen for an unknown one: the rest of the actor list stays. */
  #replaceActor(unknown, actor) {
    const current = (this.getAttribute("actor") || "").split(",").map((a) => a.trim()).filter(Boolean);
    const replaced = current.map((a) => (a === unknown ? actor.id : a));
    const value = replaced.includes(actor.id) ? replaced.join(",") : actor.id;
    // Correcting the page's own spelling makes the corrected view the page's view.
    const ownView = this.getAttribute("actor") === this.#authorActor;
    this.#actorNames.set(actor.id, actor.name || actor.id);
    this.#chosenActorName = ownView ? null : actor.name || actor.id;
    this.#focusAfterLoad = ownView ? "first" : "filter";
    this.#settingActor = true;
    try {
      this.setAttribute("actor", value);
      if (ownView) this.#authorActor = value;
    } finally {
      this.#settingActor = false;
    }
  }
}

/** A failure to load, worded for readers; `info` says what may help (retry, suggestions …). */
class LoadError extends Error {
  constructor(message, info = {}) {
    super(message);
    this.name = "LoadError";
    this.info = info;
  }
}

/**
 * One event as a card: date label, title (a heading of `titleLevel`), status, type, place,
 * summary, actor chips (each calls `onActor(actor)`) and citations with their quotes.
 * Shared by <chrono-timeline> and <chrono-network>.
 */
export function renderEventCard(event, titleLevel, onActor) {
  const status = String(event.status || "");
  const doubtful = DOUBTFUL.has(status);
  const item = el("li", `event status-${status.replace(/[^a-z-]/g, "")}${doubtful ? " doubtful" : ""}`);
  item.dataset.eventId = event.id;

  const when = el("p", "when");
  const time = el("time", null, dateText(event));
  const datetime = datetimeValue(event);
  if (datetime) time.setAttribute("datetime", datetime);
  if (event.date_text) time.title = event.date_text;
  when.append(time);

  const body = el("div", "body");
  body.append(el(`h${titleLevel}`, "title", event.title || event.id));

  const meta = el("p", "meta");
  const badge = el("span", `badge${doubtful ? " doubtful" : ""}`);
  badge.append(el("span", "vh", "Status: "), document.createTextNode(capitalise(status || "unknown")));
  meta.append(badge);
  if (event.type) meta.append(el("span", "type", humanise(event.type)));
  const place = [event.location?.place, event.location?.country].filter(Boolean).join(", ");
  if (place) meta.append(el("span", "place", place));
  body.append(meta);

  if (event.summary) body.append(el("p", "summary", event.summary));
  if (Array.isArray(event.actors) && event.actors.length) body.append(renderActors(event.actors, onActor));
  if (Array.isArray(event.citations) && event.citations.length) body.append(renderCitations(event.citations));
  item.append(when, body);
  return item;
}

function renderActors(actors, onActor) {
  const list = el("ul", "actors");
  list.setAttribute("aria-label", "Actors");
  for (const actor of actors) {
    const chip = el("button", "chip", actor.name || actor.id);
    chip.type = "button";
    chip.title = `Show only events with ${actor.name || actor.id}`;
    if (actor.role) chip.append(el("span", "role", humanise(actor.role)));
    chip.addEventListener("click", () => onActor(actor));
    const item = el("li");
    item.append(chip);
    list.append(item);
  }
  return list;
}

function renderCitations(citations) {
  const details = el("details", "sources");
  const count = citations.length;
  details.append(el("summary", null, count === 1 ? "Source" : `Sources (${count})`));
  const list = el("ul", "citations");
  for (const citation of citations) {
    const source = citation.source || {};
    const item = el("li", "citation");
    const line = el("p", "source");
    const url = safeHttpUrl(source.url);
    const title = el(url ? "a" : "span", "source-title", source.title || source.id || "Untitled source");
    if (url) {
      title.href = url;
      title.target = "_blank";
      title.rel = "noopener noreferrer";
    }
    line.append(title);
    const published = source.display_published || source.published || null;
    const about = [source.outlet, published].filter(Boolean).join(", ");
    if (about) line.append(` — ${about}`);
    if (citation.stance) {
      line.append(" · ");
      line.append(el("span", `stance stance-${String(citation.stance).replace(/[^a-z]/g, "")}`, citation.stance));
    }
    item.append(line);
    if (citation.quote) {
      const quote = el("blockquote", null, citation.quote);
      if (url) quote.setAttribute("cite", url);
      item.append(quote);
    }
    list.append(item);
  }
  details.append(list);
  return details;
}

if (!customElements.get("chrono-timeline")) customElements.define("chrono-timeline", ChronoTimeline);

/** The timeline's stylesheet (cards, chips, citations, theme), for other chrono elements. */
export function timelineSheet() {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(CSS);
  }
  return sharedSheet;
}

/**
 * <chrono-network api actor from to match members type status q min-count group limit
 * theme heading-level>: who was in contact with whom. Its code (./static/network.js, with the
 * vendored d3-force) loads when the first such element connects, so a page with only the
 * timeline never fetches it.
 */
class ChronoNetwork extends HTMLElement {
  static observedAttributes = [
    "api", "actor", "from", "to", "match", "members", "type", "status", "q", "min-count", "group", "limit", "heading-level",
  ];

  #view = null;

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
  }

  connectedCallback() {
    if (this.#view) {
      this.#view.schedule();
      return;
    }
    import("./static/network.js").then(
      (module) => {
        this.#view ??= new module.NetworkView(this, DEFAULT_API);
        if (this.isConnected) this.#view.schedule();
      },
      () => {
        const message = el("p", null, "The contact network could not be loaded (its script did not arrive). Reload the page to try again.");
        message.setAttribute("role", "status");
        this.shadowRoot.replaceChildren(message);
      },
    );
  }

  disconnectedCallback() {
    this.#view?.stop();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue !== newValue && this.isConnected) this.#view?.attributeChanged(name);
  }
}

if (!customElements.get("chrono-network")) customElements.define("chrono-network", ChronoNetwork);

export { ChronoTimeline, ChronoNetwork };
