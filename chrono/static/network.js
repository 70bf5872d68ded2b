/**
 * The view behind <chrono-network> (defined in /widget.js, which loads this module on demand).
 *
 * Draws /api/network as SVG: a force-directed layout by d3-force (vendored, ./vendor/), node
 * size by events, edge width by count, colour by kind, with a legend; a time brush (contacts
 * per month) that redraws the network for the span chosen; a table of the pairs for screen
 * readers and a list of them in narrow columns. Choosing an edge lists its events as the
 * timeline's cards; choosing a node re-centres the network on that actor.
 *
 * Keyboard: Tab reaches the pairs, then the actors; the arrow keys move within each, Home and
 * End jump, Enter or Space chooses. Every datum is set as text or as an attribute value.
 * Timings are left as performance measures ("chrono-network layout", "chrono-network draw").
 */

import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from "./vendor/d3-force.js";
import { el, renderEventCard, svg, timelineSheet } from "../widget.js";

const KINDS = {
  person: "Person", state: "State", government: "Government", "government-body": "Government body",
  organization: "Organization", "armed-group": "Armed group", media: "Media",
  "international-organization": "International organization",
};
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WIDTH = 800;
const HEIGHT = 520;
const IDS_PER_EDGE = 200; // event ids asked per edge: enough to list, small enough to send
const CARDS_PER_STEP = 10;
const LABELLED = 14; // the busiest nodes carry a visible name
const FILTERS = ["from", "to", "match", "members", "type", "status", "q"];
const DEFAULT_LIMIT = 150; // actors drawn (besides the one in the centre): a picture one can read

function plural(n, one, many) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

function kindClass(kind) {
  return `kind-${kind in KINDS ? kind : "other"}`;
}

function monthLabel(month) {
  const [year, m] = month.split("-");
  return `${MONTHS[Number(m) - 1]} ${year}`;
}

/** Every month from `first` to `last` ("YYYY-MM"), inclusive. */
function monthRange(first, last) {
  const out = [];
  let [y, m] = first.split("-").map(Number);
  const [ly, lm] = last.split("-").map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (++m > 12) { m = 1; y++; }
    if (out.length > 12 * 400) break;
  }
  return out;
}

const CSS = `
.net { display: grid; gap: 0.5rem; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; margin: 0; font-size: 0.9em; }
.bar[hidden] { display: none; }
.bar p { margin: 0; flex: 1 1 12rem; }
.bar button, .brush button, .edge-panel button.close {
  padding: 0.2rem 0.7rem; border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_bg);
}
.info { margin: 0; min-height: 1.5em; font-size: 0.9em; color: var(--_fg); }
.graph { display: block; width: 100%; height: auto; background: var(--_surface); border: 1px solid var(--_border); border-radius: var(--_radius); }
.graph .edge { stroke: var(--_muted); stroke-opacity: 0.45; stroke-linecap: round; cursor: pointer; }
.graph .edge:hover, .graph .edge.focus, .graph .edge.chosen { stroke: var(--_accent); stroke-opacity: 1; }
.graph .node circle { stroke: var(--_bg); stroke-width: 1.5; cursor: pointer; }
.graph .node.centre circle { stroke: var(--_fg); stroke-width: 3; }
.graph .node:hover circle, .graph .node.focus circle { stroke: var(--_focus); stroke-width: 3; }
.graph .label { fill: var(--_fg); font: 11px var(--_font); paint-order: stroke; stroke: var(--_surface); stroke-width: 3; pointer-events: none; }
.graph [tabindex]:focus { outline: none; }
.graph:focus-within { outline: 3px solid var(--_focus); outline-offset: 2px; }
.kind-person { fill: var(--chrono-kind-person, #0a58b0); }
.kind-state { fill: var(--chrono-kind-state, #1a7f37); }
.kind-government { fill: var(--chrono-kind-government, #8250df); }
.kind-government-body { fill: var(--chrono-kind-government-body, #bf3989); }
.kind-organization { fill: var(--chrono-kind-organization, #bc4c00); }
.kind-armed-group { fill: var(--chrono-kind-armed-group, #cf222e); }
.kind-media { fill: var(--chrono-kind-media, #4d7a8a); }
.kind-international-organization { fill: var(--chrono-kind-international-organization, #9a6700); }
.kind-other { fill: var(--_muted); }
.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 0.9rem; list-style: none; margin: 0; padding: 0; font-size: 0.85em; color: var(--_muted); }
.legend svg { vertical-align: -0.1em; margin-right: 0.3em; }
.brush { display: grid; gap: 0.25rem; font-size: 0.85em; }
.brush[hidden] { display: none; }
.histogram { display: block; width: 100%; height: 3rem; cursor: crosshair; touch-action: none; }
.histogram .month { fill: var(--_border); }
.histogram .month.in { fill: var(--_accent); }
.brush .ranges { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: center; }
.brush label { display: flex; align-items: center; gap: 0.4rem; color: var(--_muted); }
.brush input[type="range"] { width: 9rem; accent-color: var(--_accent); }
.brush output { font-weight: 600; color: var(--_fg); font-variant-numeric: tabular-nums; }
.pairs-list { list-style: none; margin: 0; padding: 0; display: none; }
.pairs-list li + li { margin-top: 0.3rem; }
.pairs-list button {
  width: 100%; text-align: start; padding: 0.4rem 0.6rem; border: 1px solid var(--_border);
  border-radius: var(--_radius); background: var(--_surface);
}
.pairs-list button[aria-pressed="true"] { border-color: var(--_accent); }
.table-box > summary { width: fit-content; color: var(--_accent); font-size: 0.875em; font-weight: 600; cursor: pointer; }
table { border-collapse: collapse; width: 100%; font-size: 0.875em; margin-top: 0.4rem; }
th, td { text-align: start; padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--_border); }
td.n { text-align: end; font-variant-numeric: tabular-nums; }
.edge-panel { border-top: 2px solid var(--_border); padding-top: 0.5rem; }
.edge-panel[hidden] { display: none; }
.edge-panel h3 { margin: 0 0 0.4rem; font-size: 1em; }
.edge-panel .panel-head { display: flex; gap: 0.5rem; align-items: baseline; justify-content: space-between; }
@container (max-width: 30rem) {
  .graph, .legend, .info { display: none; }
  .pairs-list { display: block; }
}
`;

let ownSheet = null;

function sheets() {
  if (!ownSheet) {
    ownSheet = new CSSStyleSheet();
    ownSheet.replaceSync(CSS);
  }
  return [timelineSheet(), ownSheet];
}

/** The state and drawing of one <chrono-network> element. */
export class NetworkView {
  #host;
  #defaultApi;
  #ui;
  #timer = 0;
  #request = null;
  #generation = 0;
  #months = []; // the brush's months, "YYYY-MM", and their counts
  #counts = [];
  #span = null; // [first index, last index] into #months, or null for the whole period
  #centre = null; // {id, name} chosen by the reader, overriding the actor attribute
  #data = { nodes: [], edges: [] };
  #chosen = null; // the edge whose events are listed
  #listed = 0;
  #needMonths = true;

  constructor(host, defaultApi) {
    this.#host = host;
    this.#defaultApi = defaultApi;
    const shadow = host.shadowRoot;
    shadow.adoptedStyleSheets = sheets();
    this.#ui = this.#skeleton();
    shadow.replaceChildren(this.#ui.root);
  }

  /** Reload once after a burst of attribute changes. */
  schedule() {
    this.#supersede();
    this.#timer = setTimeout(() => this.#load(), 30);
  }

  /** What is shown, or on its way, is for the choices before: drop the answer still coming and
   * say the graph is behind until the next load. */
  #supersede() {
    clearTimeout(this.#timer);
    this.#generation++;
    this.#request?.abort();
    this.#ui?.graph.setAttribute("aria-busy", "true");
  }

  attributeChanged(name) {
    if (name === "actor") this.#centre = null;
    if (FILTERS.includes(name) || ["api", "actor", "group", "limit"].includes(name)) {
      this.#needMonths = true;
      this.#span = null;
    }
    this.schedule();
  }

  stop() {
    clearTimeout(this.#timer);
    this.#request?.abort();
  }

  #skeleton() {
    const root = el("div", "root net");
    const bar = el("div", "bar");
    bar.hidden = true;
    const barNote = el("p");
    barNote.tabIndex = -1;
    const reset = el("button", "reset", "Show all");
    reset.type = "button";
    reset.addEventListener("click", () => this.#recentre(null));
    bar.append(barNote, reset);

    const status = el("p", "status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    const brush = el("div", "brush");
    brush.hidden = true;
    const histogram = svg("svg", { class: "histogram", viewBox: `0 0 ${WIDTH} 40`, preserveAspectRatio: "none", "aria-hidden": "true" });
    const ranges = el("div", "ranges");
    const [fromLabel, fromInput, fromOut] = this.#slider("From");
    const [toLabel, toInput, toOut] = this.#slider("To");
    const whole = el("button", "whole", "Whole period");
    whole.type = "button";
    whole.addEventListener("click", () => this.#setSpan(null));
    ranges.append(fromLabel, toLabel, whole);
    brush.append(histogram, ranges);
    fromInput.addEventListener("input", () => this.#sliderMoved("from"));
    toInput.addEventListener("input", () => this.#sliderMoved("to"));
    this.#dragOn(histogram);

    const info = el("p", "info");
    info.setAttribute("aria-live", "polite");
    const graph = svg("svg", { class: "graph", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "group" });
    const edges = svg("g", { class: "edges", role: "list" });
    const nodes = svg("g", { class: "nodes", role: "list" });
    graph.append(edges, nodes);
    const legend = el("ul", "legend");
    legend.setAttribute("aria-label", "Colours: kinds of actor");

    const pairsList = el("ul", "pairs-list");
    pairsList.setAttribute("aria-label", "Pairs in contact");
    const tableBox = el("details", "table-box");
    tableBox.append(el("summary", null, "Table of pairs"));
    const table = el("table");
    const caption = el("caption", "vh");
    const head = el("thead");
    const headRow = el("tr");
    for (const name of ["Actor", "Actor", "Contacts", "First", "Last"]) {
      const th = el("th", null, name);
      th.scope = "col";
      headRow.append(th);
    }
    head.append(headRow);
    const tbody = el("tbody");
    table.append(caption, head, tbody);
    tableBox.append(table);

    const panel = el("section", "edge-panel");
    panel.hidden = true;
    const panelHead = el("div", "panel-head");
    const panelTitle = el("h3");
    panelTitle.tabIndex = -1;
    const close = el("button", "close", "Close");
    close.type = "button";
    close.addEventListener("click", () => this.#choose(null));
    panelHead.append(panelTitle, close);
    const cards = el("ol", "events");
    const more = el("button", "more", "More events");
    more.type = "button";
    more.hidden = true;
    more.addEventListener("click", () => this.#listMore());
    const panelNote = el("p", "status");
    panel.append(panelHead, cards, panelNote, more);

    root.append(bar, status, brush, info, graph, legend, pairsList, tableBox, panel);
    return {
      root, bar, barNote, reset, status, brush, histogram, fromInput, toInput, fromOut, toOut, info, graph, edges, nodes,
      legend, pairsList, caption, tbody, panel, panelTitle, cards, more, panelNote,
    };
  }

  #slider(name) {
    const label = el("label", null, name);
    const input = el("input");
    input.type = "range";
    input.min = "0";
    input.step = "1";
    input.className = name.toLowerCase();
    const out = el("output");
    label.append(input, out);
    return [label, input, out];
  }

  get #api() {
    const given = (this.#host.getAttribute("api") || "").trim();
    return (given || this.#defaultApi).replace(/\/+$/, "");
  }

  #attr(name) {
    return (this.#host.getAttribute(name) || "").trim();
  }

  #networkUrl(withMonths) {
    const url = new URL(`${this.#api}/network`, document.baseURI);
    const actor = this.#centre ? this.#centre.id : this.#attr("actor");
    if (actor) url.searchParams.set("actor", actor);
    for (const name of FILTERS) {
      const value = this.#attr(name);
      if (!value) continue;
      if (name === "type" || name === "status") {
        for (const item of value.split(",")) if (item.trim()) url.searchParams.append(name, item.trim());
      } else {
        url.searchParams.set(name, value);
      }
    }
    if (this.#span && !withMonths) {
      const [a, b] = this.#span;
      if (a > 0) url.searchParams.set("from", this.#months[a]);
      if (b < this.#months.length - 1) url.searchParams.set("to", this.#months[b]);
    }
    const minCount = this.#attr("min-count");
    if (minCount) url.searchParams.set("min_count", minCount);
    const group = this.#host.getAttribute("group");
    if (group !== null && group.trim() !== "false") url.searchParams.set("group", "true");
    url.searchParams.set("limit", String(this.#limit()));
    url.searchParams.set("ids", String(IDS_PER_EDGE));
    if (withMonths) url.searchParams.set("months", "true");
    return url;
  }

  #limit() {
    const n = parseInt(this.#attr("limit"), 10);
    return Number.isFinite(n) && n >= 1 ? n : DEFAULT_LIMIT;
  }

  async #fetchJson(url, what) {
    let response;
    try {
      response = await fetch(url, { signal: this.#request.signal, credentials: "omit", headers: { Accept: "application/json" } });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error(`Could not reach the chronology at ${url.origin} (network error). Check the connection, or the api attribute.`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      if (this.#request.signal.aborted) throw new DOMException("aborted", "AbortError");
    }
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" && body.detail ? body.detail : `${response.status} ${response.statusText}`.trim();
      const parameter = body && typeof body.parameter === "string" ? ` (parameter “${body.parameter}”)` : "";
      throw new Error(`Could not load ${what}: ${detail}${parameter}`);
    }
    return body;
  }

  async #load() {
    const generation = ++this.#generation;
    this.#request?.abort();
    this.#request = new AbortController();
    const ui = this.#ui;
    ui.graph.setAttribute("aria-busy", "true");
    this.#setStatus("Loading the network…");
    try {
      let url;
      try {
        url = this.#networkUrl(this.#needMonths);
      } catch {
        throw new Error(`Could not load the network: the api attribute “${this.#api}” is not a URL.`);
      }
      const body = await this.#fetchJson(url, "the network");
      if (generation !== this.#generation) return;
      if (!body || !Array.isArray(body.nodes) || !Array.isArray(body.edges)) throw new Error("Could not load the network: the answer is not a chrono network.");
      if (this.#needMonths) {
        this.#setMonths(Array.isArray(body.months) ? body.months : []);
        this.#needMonths = false;
      }
      this.#data = body;
      this.#choose(null, false);
      this.#draw();
    } catch (error) {
      if (error.name === "AbortError" || generation !== this.#generation) return;
      this.#setStatus(error.message, "error");
      const retry = el("button", "retry", "Try again");
      retry.type = "button";
      retry.addEventListener("click", () => this.#load());
      ui.status.append(" ", retry);
    } finally {
      if (generation === this.#generation) ui.graph.removeAttribute("aria-busy");
    }
  }

  #setStatus(message, kind) {
    this.#ui.status.className = `status${kind ? ` ${kind}` : ""}`;
    this.#ui.status.textContent = message;
  }

  // --- the time brush ------------------------------------------------------------------------

  #setMonths(rows) {
    const counted = new Map(rows.filter((r) => r && /^\d{4}-\d{2}$/.test(r.month)).map((r) => [r.month, Number(r.count) || 0]));
    const known = [...counted.keys()].sort();
    this.#months = known.length ? monthRange(known[0], known[known.length - 1]) : [];
    this.#counts = this.#months.map((m) => counted.get(m) || 0);
    this.#span = null;
    const ui = this.#ui;
    ui.brush.hidden = this.#months.length < 2;
    const last = String(Math.max(0, this.#months.length - 1));
    for (const input of [ui.fromInput, ui.toInput]) input.max = last;
    this.#showSpan();
  }

  #showSpan() {
    const ui = this.#ui;
    const n = this.#months.length;
    if (!n) return;
    const [a, b] = this.#span || [0, n - 1];
    ui.fromInput.value = String(a);
    ui.toInput.value = String(b);
    for (const [input, out, i] of [[ui.fromInput, ui.fromOut, a], [ui.toInput, ui.toOut, b]]) {
      out.textContent = monthLabel(this.#months[i]);
      input.setAttribute("aria-valuetext", monthLabel(this.#months[i]));
    }
    const h = ui.histogram;
    h.replaceChildren();
    const top = Math.max(1, ...this.#counts);
    const w = WIDTH / n;
    this.#counts.forEach((count, i) => {
      const height = count ? Math.max(2, (count / top) * 38) : 0;
      const bar = svg("rect", { class: `month${i >= a && i <= b ? " in" : ""}`, x: i * w, width: Math.max(w - (n < 200 ? 1 : 0), 0.5), y: 40 - height, height });
      const tip = svg("title");
      tip.textContent = `${monthLabel(this.#months[i])}: ${plural(count, "contact", "contacts")}`;
      bar.append(tip);
      h.append(bar);
    });
  }

  #sliderMoved(which) {
    const ui = this.#ui;
    let a = Number(ui.fromInput.value);
    let b = Number(ui.toInput.value);
    if (a > b) {
      if (which === "from") b = a;
      else a = b;
    }
    this.#setSpan([a, b]);
  }

  #setSpan(span) {
    const n = this.#months.length;
    this.#span = span && !(span[0] === 0 && span[1] === n - 1) ? span : null;
    this.#showSpan();
    this.#supersede();
    this.#timer = setTimeout(() => this.#load(), 200);
  }

  /** Dragging across the histogram chooses a span of months. */
  #dragOn(histogram) {
    let start = null;
    const monthAt = (event) => {
      const box = histogram.getBoundingClientRect();
      const n = this.#months.length;
      return Math.min(n - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * n)));
    };
    histogram.addEventListener("pointerdown", (event) => {
      if (!this.#months.length) return;
      start = monthAt(event);
      histogram.setPointerCapture(event.pointerId);
      this.#span = [start, start];
      this.#showSpan();
    });
    histogram.addEventListener("pointermove", (event) => {
      if (start === null) return;
      const at = monthAt(event);
      this.#span = [Math.min(start, at), Math.max(start, at)];
      this.#showSpan();
    });
    histogram.addEventListener("pointerup", (event) => {
      if (start === null) return;
      const at = monthAt(event);
      start = null;
      this.#setSpan(this.#span ? [this.#span[0], Math.max(this.#span[1], Math.min(at, this.#months.length - 1))] : null);
    });
  }

  // --- the picture ---------------------------------------------------------------------------

  #draw() {
    const drawStarted = performance.now();
    const ui = this.#ui;
    const { nodes, edges } = this.#data;
    const centreId = this.#centre ? this.#centre.id : null;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    this.#renderBar(byId);

    const period = this.#span ? `${monthLabel(this.#months[this.#span[0]])} – ${monthLabel(this.#months[this.#span[1]])}` : null;
    if (!edges.length && !nodes.length) this.#setStatus(`No contacts match these filters${period ? ` in ${period}` : ""}.`, "empty-state");
    else {
      const centred = Boolean(this.#centre || this.#attr("actor"));
      const cut = nodes.length >= this.#limit() + (centred ? 1 : 0)
        ? ` (${centred ? "the most frequent partners" : "the actors with most contacts"}; the limit attribute shows more)` : "";
      this.#setStatus(`${plural(nodes.length, "actor", "actors")}, ${plural(edges.length, "pair", "pairs")} in contact${period ? `, ${period}` : ""}${cut}.`);
    }
    ui.graph.setAttribute("aria-label", `Contact network: ${plural(nodes.length, "actor", "actors")}, ${plural(edges.length, "pair", "pairs")}. Arrow keys move between them; Enter chooses.`);

    const layout = this.#layout(nodes, edges);
    const maxEvents = Math.max(1, ...nodes.map((n) => n.events || 0));
    const radius = (n) => 4 + 14 * Math.sqrt((n.events || 0) / maxEvents);
    const maxCount = Math.max(1, ...edges.map((e) => e.count || 0));

    ui.edges.replaceChildren();
    ui.nodes.replaceChildren();
    edges.forEach((edge, i) => {
      const a = layout.get(edge.source);
      const b = layout.get(edge.target);
      if (!a || !b) return;
      const line = svg("line", {
        class: "edge", x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
        "stroke-width": (1 + 7 * Math.sqrt((edge.count || 0) / maxCount)).toFixed(2), tabindex: i === 0 ? 0 : -1, role: "listitem",
      });
      line.dataset.pair = pairKey(edge);
      const label = this.#edgeLabel(edge, byId);
      line.setAttribute("aria-label", label);
      const tip = svg("title");
      tip.textContent = label;
      line.append(tip);
      line.addEventListener("click", () => this.#choose(edge));
      line.addEventListener("focus", () => this.#hover(label));
      line.addEventListener("mouseenter", () => this.#hover(label));
      line.addEventListener("keydown", (event) => this.#keys(event, ui.edges, () => this.#choose(edge, true)));
      ui.edges.append(line);
    });
    const ranked = [...nodes].sort((a, b) => (b.events || 0) - (a.events || 0)).slice(0, LABELLED).map((n) => n.id);
    const labelled = new Set(ranked);
    if (centreId) labelled.add(centreId);
    const degree = new Map();
    for (const e of edges) {
      degree.set(e.source, (degree.get(e.source) || 0) + 1);
      degree.set(e.target, (degree.get(e.target) || 0) + 1);
    }
    nodes.forEach((node, i) => {
      const p = layout.get(node.id);
      const g = svg("g", { class: `node${node.id === centreId || (!centreId && node.id === this.#attrActorId()) ? " centre" : ""}`, tabindex: i === 0 ? 0 : -1, role: "listitem" });
      g.dataset.actorId = node.id;
      const r = radius(node);
      const circle = svg("circle", { class: kindClass(node.kind), cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r.toFixed(1) });
      const label = `${node.name}: ${KINDS[node.kind] || node.kind}, ${plural(node.events || 0, "contact event", "contact events")}, ${plural(degree.get(node.id) || 0, "partner", "partners")}`;
      g.setAttribute("aria-label", label);
      const tip = svg("title");
      tip.textContent = label;
      circle.append(tip);
      g.append(circle);
      if (labelled.has(node.id)) {
        const right = p.x > WIDTH * 0.6; // names on the right half read leftwards, inside the picture
        const text = svg("text", {
          class: "label", x: (right ? p.x - r - 3 : p.x + r + 3).toFixed(1), y: (p.y + 4).toFixed(1), "text-anchor": right ? "end" : "start",
        });
        text.textContent = node.name;
        g.append(text);
      }
      g.addEventListener("click", () => this.#recentre(node));
      g.addEventListener("focus", () => this.#hover(label));
      g.addEventListener("mouseenter", () => this.#hover(label));
      g.addEventListener("keydown", (event) => this.#keys(event, ui.nodes, () => this.#recentre(node, true)));
      ui.nodes.append(g);
    });
    this.#renderLegend(nodes);
    this.#renderPairs(edges, byId);
    performance.measure("chrono-network draw", { start: drawStarted, end: performance.now() });
  }

  #attrActorId() {
    return typeof this.#data.actor === "string" ? this.#data.actor : null;
  }

  /** Positions from d3-force, run to rest before anything is drawn, fitted to the picture. */
  #layout(nodes, edges) {
    const started = performance.now();
    const sim = nodes.map((n) => ({ id: n.id, events: n.events || 0 }));
    const links = edges.filter((e) => e.source !== e.target).map((e) => ({ source: e.source, target: e.target, count: e.count }));
    const n = sim.length;
    const large = n > 200;
    const simulation = forceSimulation(sim)
      .force("link", forceLink(links).id((d) => d.id).distance(30))
      .force("charge", forceManyBody().strength(large ? -25 : -120).distanceMax(400).theta(0.9))
      .force("x", forceX(0).strength(0.06))
      .force("y", forceY(0).strength(0.06))
      // A large graph cools faster (about 150 steps instead of 300) and skips the collision
      // force: each costs a quadtree per step, and at that size labels are few anyway.
      .alphaDecay(large ? 0.045 : 0.0228)
      .stop();
    if (!large) simulation.force("collide", forceCollide(8));
    const ticks = Math.ceil(Math.log(simulation.alphaMin()) / Math.log(1 - simulation.alphaDecay()));
    for (let i = 0; i < ticks; i++) simulation.tick();
    const margin = 40;
    const xs = sim.map((d) => d.x);
    const ys = sim.map((d) => d.y);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const scale = Math.min((WIDTH - 2 * margin) / Math.max(1, x1 - x0), (HEIGHT - 2 * margin) / Math.max(1, y1 - y0), 3);
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const out = new Map();
    for (const d of sim) {
      out.set(d.id, { x: WIDTH / 2 + (d.x - cx) * scale, y: HEIGHT / 2 + (d.y - cy) * scale });
    }
    performance.measure("chrono-network layout", { start: started, end: performance.now() });
    return out;
  }

  #edgeLabel(edge, byId) {
    const a = byId.get(edge.source)?.name || edge.source;
    const b = byId.get(edge.target)?.name || edge.target;
    const types = Object.entries(edge.types || {}).map(([t, n]) => `${n} ${t.replace(/-/g, " ")}`).join(", ");
    return `${a} – ${b}: ${plural(edge.count || 0, "contact", "contacts")}${types ? ` (${types})` : ""}, ${edge.first} to ${edge.last}`;
  }

  #hover(text) {
    this.#ui.info.textContent = text;
  }

  /** Arrow keys move the focus through a group's items (a roving tab stop); Enter and Space choose. */
  #keys(event, group, choose) {
    const items = [...group.children];
    const i = items.indexOf(event.currentTarget);
    let next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = items[Math.min(items.length - 1, i + 1)];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = items[Math.max(0, i - 1)];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose();
      return;
    } else return;
    event.preventDefault();
    if (!next || next === event.currentTarget) return;
    event.currentTarget.setAttribute("tabindex", "-1");
    event.currentTarget.classList.remove("focus");
    next.setAttribute("tabindex", "0");
    next.classList.add("focus");
    next.focus();
  }

  #renderBar(byId) {
    const ui = this.#ui;
    ui.bar.hidden = !this.#centre;
    if (!this.#centre) return;
    const name = byId.get(this.#centre.id)?.name || this.#centre.name;
    ui.barNote.textContent = `Centred on ${name}: its contacts and the contacts among them.`;
    const original = this.#attr("actor");
    ui.reset.textContent = original ? `Back to ${original}` : "Show all";
  }

  #renderLegend(nodes) {
    const ui = this.#ui;
    ui.legend.replaceChildren();
    const present = [...new Set(nodes.map((n) => n.kind))].sort();
    for (const kind of present) {
      const item = el("li");
      const swatch = svg("svg", { width: 12, height: 12, viewBox: "0 0 12 12", "aria-hidden": "true" });
      swatch.append(svg("circle", { class: kindClass(kind), cx: 6, cy: 6, r: 5 }));
      item.append(swatch, KINDS[kind] || kind);
      ui.legend.append(item);
    }
    if (present.length) {
      ui.legend.append(el("li", null, "Size: contact events · Width: contacts between the pair"));
    }
  }

  #renderPairs(edges, byId) {
    const ui = this.#ui;
    ui.pairsList.replaceChildren();
    ui.tbody.replaceChildren();
    ui.caption.textContent = `Pairs in contact, most contacts first (${edges.length})`;
    const sorted = [...edges].sort((a, b) => b.count - a.count || pairKey(a).localeCompare(pairKey(b)));
    for (const edge of sorted) {
      const a = byId.get(edge.source)?.name || edge.source;
      const b = byId.get(edge.target)?.name || edge.target;
      const row = el("tr");
      row.dataset.row = pairKey(edge);
      row.append(el("td", null, a), el("td", null, b), el("td", "n", String(edge.count)), el("td", null, edge.first), el("td", null, edge.last));
      ui.tbody.append(row);
      const item = el("li");
      const button = el("button", null, `${a} – ${b}: ${plural(edge.count, "contact", "contacts")}`);
      button.type = "button";
      button.dataset.pair = pairKey(edge);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => this.#choose(edge, true));
      item.append(button);
      ui.pairsList.append(item);
    }
  }

  // --- choosing ------------------------------------------------------------------------------

  #recentre(node, fromKeyboard = false) {
    if (node && this.#centre && this.#centre.id === node.id) return;
    this.#centre = node ? { id: node.id, name: node.name } : null;
    this.#needMonths = true;
    this.#span = null;
    this.#load().then(() => {
      if (!fromKeyboard) return;
      const target = this.#centre ? this.#ui.barNote : this.#ui.nodes.querySelector('[tabindex="0"]');
      target?.focus();
    });
  }

  /** Lists an edge's events as the timeline's cards (null: closes the list). */
  #choose(edge, focus = false) {
    const ui = this.#ui;
    this.#chosen = edge;
    for (const line of ui.edges.querySelectorAll(".chosen")) line.classList.remove("chosen");
    for (const b of ui.pairsList.querySelectorAll('[aria-pressed="true"]')) b.setAttribute("aria-pressed", "false");
    ui.cards.replaceChildren();
    ui.panelNote.textContent = "";
    ui.more.hidden = true;
    ui.panel.hidden = !edge;
    if (!edge) return;
    const key = pairKey(edge);
    for (const line of ui.edges.querySelectorAll("[data-pair]")) if (line.dataset.pair === key) line.classList.add("chosen");
    for (const b of ui.pairsList.querySelectorAll("[data-pair]")) if (b.dataset.pair === key) b.setAttribute("aria-pressed", "true");
    const byId = new Map(this.#data.nodes.map((n) => [n.id, n]));
    ui.panelTitle.textContent = `${byId.get(edge.source)?.name || edge.source} and ${byId.get(edge.target)?.name || edge.target}: ${plural(edge.count, "contact", "contacts")}`;
    this.#listed = 0;
    this.#listMore().then(() => {
      if (focus) ui.panelTitle.focus();
    });
  }

  async #listMore() {
    const edge = this.#chosen;
    if (!edge) return;
    const ui = this.#ui;
    const ids = (edge.event_ids || []).slice(this.#listed, this.#listed + CARDS_PER_STEP);
    this.#listed += ids.length;
    ui.more.hidden = true;
    ui.panelNote.textContent = "Loading events…";
    const controller = new AbortController();
    const level = Math.min(6, Math.max(3, parseInt(this.#attr("heading-level") || "3", 10) + 1 || 4));
    try {
      const events = await Promise.all(ids.map(async (id) => {
        const url = new URL(`${this.#api}/events/${encodeURIComponent(id)}`, document.baseURI);
        const response = await fetch(url, { signal: controller.signal, credentials: "omit", headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`Could not load event ${id}: ${response.status}`);
        return response.json();
      }));
      if (this.#chosen !== edge) return;
      for (const event of events) {
        ui.cards.append(renderEventCard(event, level, (actor) => this.#recentre({ id: actor.id, name: actor.name })));
      }
      const shown = this.#listed;
      const known = (edge.event_ids || []).length;
      ui.more.hidden = shown >= known;
      ui.panelNote.textContent = shown < edge.count && shown >= known
        ? `${plural(shown, "event", "events")} listed of ${edge.count.toLocaleString("en")}; narrow the period to list the others.`
        : "";
    } catch (error) {
      if (this.#chosen === edge) ui.panelNote.textContent = error.message;
    }
  }
}

function pairKey(edge) {
  return [edge.source, edge.target].sort().join("|");
}
