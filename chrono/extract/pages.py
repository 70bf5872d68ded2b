"""Articles as they arrive: plain text, or an HTML page (a file, stdin or an http(s) URL) whose
main text and publication date are read by trafilatura and htmldate, never by scraping here."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from .grammar import ExtractError

# A news page is rarely over a few megabytes; anything far larger is not an article.
MAX_PAGE_BYTES = 10 * 1024 * 1024
# What trafilatura keeps of a page of links is a few words without a sentence: no article.
MIN_ARTICLE_WORDS = 20
FETCH_TIMEOUT = 20.0  # seconds, for the connection and for each read
_HTML = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|article|div|p)\b",
    re.IGNORECASE | re.DOTALL,
)


class PageError(ExtractError):
    """A page that cannot be fetched, or holds no article or no date to read. `kind` says
    which (scheme, status, unreachable, too-large, no-text) and `detail` gives the particulars
    (the status line, the network's reason), for callers that word it their own way."""

    def __init__(self, message: str, kind: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.kind, self.detail = kind, detail


@dataclass(frozen=True, slots=True)
class Article:
    """An article's text, and what its page says of it. `published` is EDTF or None;
    `published_from` says where it came from ("page": the page's own markup, read by htmldate)."""

    text: str
    title: str | None = None
    published: str | None = None
    published_from: str | None = None
    url: str | None = None
    outlet: str | None = None  # the site's name, as the page states it
    author: str | None = None


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes are an HTML page rather than plain text."""
    return bool(_HTML.match(data[:4096].lstrip(b"\xef\xbb\xbf")))


def fetch(url: str, timeout: float = FETCH_TIMEOUT, limit: int = MAX_PAGE_BYTES) -> bytes:
    """The body of an http(s) URL, at most `limit` bytes; a clear PageError otherwise."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        raise PageError(f"{url}: only http:// and https:// addresses can be fetched", "scheme")
    request = urllib.request.Request(
        url, headers={"User-Agent": "chrono-extract", "Accept": "text/html, text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        status = f"{exc.code} {exc.reason}"
        raise PageError(f"{url} answered {status}", "status", status) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PageError(f"{url} did not answer ({reason})", "unreachable", str(reason)) from None
    if len(body) > limit:
        size = f"{limit // (1024 * 1024)} MB"
        raise PageError(f"{url} is larger than {size}: not an article page", "too-large", size)
    return body


def read_html(html: bytes | str, url: str | None = None) -> Article:
    """The main text, title, site name, author and publication date of an HTML page. The date
    comes only from the page's markup (metadata, time elements, the address), never guessed
    from dates in the text."""
    import htmldate
    import trafilatura

    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text or len(text.split()) < MIN_ARTICLE_WORDS or not re.search(r"[.!?]", text):
        raise PageError(
            "no article text found (a page of links, a paywall or a script-only page?)", "no-text"
        )
    metadata = trafilatura.extract_metadata(html, default_url=url, extensive=False)
    title = metadata.title if metadata is not None else None
    outlet = (metadata.sitename or None) if metadata is not None else None
    author = (metadata.author or None) if metadata is not None else None
    if url is None and metadata is not None:
        url = metadata.url or None  # a saved page's own address
    published = htmldate.find_date(html, extensive_search=False, original_date=True, url=url)
    return Article(
        text, title, published, "page" if published else None, url, outlet=outlet, author=author
    )
