"""`chrono extract` on HTML pages: a file, stdin, or an http(s) URL served here by a local
server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from chrono.cli import cli
from tests.helpers import write_data

ACTORS = [
    {"id": "lena-ortiz", "name": "Lena Ortiz", "kind": "person", "aliases": ["Ortiz"]},
    {"id": "valdoria", "name": "Valdoria", "kind": "state", "aliases": []},
]
BODY = """
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Valdoria's envoy meets Ortiz</h1>
<p>Valdoria's envoy met Lena Ortiz in the capital on Sunday, officials said, \
in the first meeting between the two
sides, and both called the talks useful.</p>
<p>The ministry said in a statement that the sides discussed trade and aid, \
and that further talks were
planned but no date or place had been set.</p>
</article>
<footer>Copyright Example Wire. All rights reserved.</footer>
"""
DATED = (
    "<!doctype html><html><head><title>Envoy meets Ortiz</title>"
    '<meta property="article:published_time" content="2024-12-24T09:30:00+00:00"></head>'
    f"<body>{BODY}</body></html>"
)
UNDATED = (
    f"<!doctype html><html><head><title>Envoy meets Ortiz</title></head><body>{BODY}</body></html>"
)
LINKS_ONLY = (
    '<!doctype html><html><body><nav><a href="/">Home</a> <a href="/a">World</a></nav>'
    "</body></html>"
)
PAGES = {"/dated.html": DATED, "/undated.html": UNDATED, "/links.html": LINKS_ONLY}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path)
        if page is None:
            self.send_error(404, "Not Found")
            return
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    return write_data(tmp_path / "data", actors=ACTORS, events=[])


def run(data_folder: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["extract", *args, "--data", str(data_folder)], input=input)


def test_a_url_is_read_for_its_article_and_its_publication_date(site, data_folder):
    result = run(data_folder, f"{site}/dated.html", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(c["date_text"], c["date"], c["published"], c["published_from"]) for c in found] == [
        ("on Sunday", "2024-12-22", "2024-12-24", "page"),
    ]
    assert found[0]["actors"] == [
        {"id": "valdoria", "name": "Valdoria"},
        {"id": "lena-ortiz", "name": "Lena Ortiz"},
    ]
    assert "Home" not in found[0]["sentence"] and "Copyright" not in result.stdout


def test_a_page_file_and_a_page_on_stdin_read_alike(data_folder, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(DATED, encoding="utf-8")
    from_file = run(data_folder, str(page), "--format", "json")
    from_stdin = run(data_folder, "-", "--format", "json", input=DATED)
    assert from_file.exit_code == from_stdin.exit_code == 0, from_file.output + from_stdin.output
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout)
    assert json.loads(from_file.stdout)[0]["date"] == "2024-12-22"


def test_published_given_wins_over_the_page_and_says_so(site, data_folder):
    result = run(data_folder, f"{site}/dated.html", "--published", "2024-12-31", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found[0]["date"], found[0]["published_from"]) == ("2024-12-29", "given")
    assert "the page says it was published on 2024-12-24" in result.stderr


def test_a_page_without_a_date_needs_published(site, data_folder):
    result = run(data_folder, f"{site}/undated.html")
    assert result.exit_code == 1
    assert "states no publication date" in result.stderr and "--published" in result.stderr
    assert run(data_folder, f"{site}/undated.html", "--published", "2024-12-24").exit_code == 0


def test_a_page_without_an_article_is_refused(site, data_folder):
    result = run(data_folder, f"{site}/links.html", "--published", "2024-12-24")
    assert result.exit_code == 1
    assert "no article text found" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "path, words", [("/missing.html", "answered 404"), (None, "did not answer")]
)
def test_an_address_that_does_not_answer_gets_a_clear_message(site, data_folder, path, words):
    url = f"{site}{path}" if path else "http://127.0.0.1:9/nothing-listens-here.html"
    result = run(data_folder, url)
    assert result.exit_code == 1
    assert words in result.stderr and "Traceback" not in result.output
