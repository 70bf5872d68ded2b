/**
 * The landing page's small helpers: show snippets with this server's real address.
 * The page reads fine without it (the snippets then say HOST).
 */

for (const node of document.querySelectorAll("[data-fill-host]")) {
  node.textContent = node.textContent.replaceAll("https://HOST", location.origin);
}
