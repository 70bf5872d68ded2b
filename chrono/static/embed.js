/**
 * /embed?actor=…&from=…: copies the page's query-string filters onto its <chrono-timeline>
 * (or, on /network, its <chrono-network>).
 *
 * Only the widget's filter and display attributes are copied. `api` is deliberately not:
 * a page on this origin must show this origin's data, not whatever a link points it at.
 * Repeated parameters (?actor=A&actor=B) become the comma-separated list the widget takes.
 */

const SINGLE = ["from", "to", "match", "members", "q", "order", "limit", "theme", "heading-level", "controls", "min-count", "group"];
const REPEATED = ["actor", "type", "status"];

function applyQuery(timeline, query) {
  for (const name of REPEATED) {
    const values = query.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
    if (values.length) timeline.setAttribute(name, values.join(","));
  }
  for (const name of SINGLE) {
    const value = query.get(name) ?? query.get(name.replace("-", "_"));
    if (value !== null && value.trim()) timeline.setAttribute(name, value.trim());
  }
}

/** Tells a parent page the content height, so it can size the iframe without scrollbars. */
function reportHeight() {
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "chrono:height", height, href: location.href }, "*");
    }
  }).observe(document.documentElement);
}

const timeline = document.querySelector("chrono-timeline, chrono-network");
if (timeline) applyQuery(timeline, new URLSearchParams(location.search));
reportHeight();
