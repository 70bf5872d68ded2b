"""Every link chrono publishes is http(s): the build refuses any other source url, and the
exports keep only such links even from a database that did not come from this build."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from chrono.cli import cli
from chrono.load import DataError, Problem, url_problem
from chrono.models import is_http_url
from tests.helpers import PLACEHOLDER_URL, plant_url, write_data

HOSTILE = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>x</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/a",
    "//example.org/a",
    "/relative/path",
    "example.org/a",
    "https://",
    "https:example.org",
    "https://example.org/a b",
    "https://example.org/a\nURL:javascript:alert(1)",
    "https://example.org/\x00",
    "https://[::1",
]
FINE = [
    "https://example.org/a?b=c&d=é#e",
    "http://example.org",
    "HTTPS://EXAMPLE.ORG/A",
    "https://[2001:db8::1]/x",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_source_url_that_is_not_http_is_refused_naming_file_record_and_field(
    tmp_path, records, url
):
    sources, actors, events = records
    sources[0]["url"] = url
    data = write_data(tmp_path / "data", sources, actors, events)
    with pytest.raises(DataError) as refused:
        build(data, tmp_path / "chrono.db")
    # The first source's url is the sixth line of sources.yml.
    assert refused.value.problems == [
        Problem(str(data / "sources.yml"), f"source {sources[0]['id']}", "url", url_problem(url), 6)
    ]
    assert not (tmp_path / "chrono.db").exists()


@pytest.mark.parametrize("url", FINE)
def test_http_and_https_urls_build(tmp_path, records, url):
    sources, actors, events = records
    sources[0]["url"] = url
    build(write_data(tmp_path / "data", sources, actors, events), tmp_path / "chrono.db")
    assert is_http_url(url)


def test_the_command_prints_the_problem_and_keeps_the_old_database(tmp_path, records):
    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    out = tmp_path / "chrono.db"
    build(data, out)
    before = out.read_bytes()
    sources[1]["url"] = "javascript:alert(1)"
    write_data(data, sources, actors, events)
    result = CliRunner().invoke(cli, ["build", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if "review-2024" in line]
    assert line.startswith(f"{data / 'sources.yml'}:")
    assert line.endswith(": source review-2024: url: " + url_problem("javascript:alert(1)"))
    assert out.read_bytes() == before


# The last is planted into the stored JSON as written: there it reads as a real line break.
@pytest.mark.parametrize(
    "url",
    ["javascript:alert(document.domain)", "data:text/html,x", "https://example.org/\\r\\nX-A:1"],
)
def test_exports_never_link_another_scheme(tmp_path, records, url):
    sources, actors, events = records
    sources[0]["url"] = PLACEHOLDER_URL
    out = tmp_path / "chrono.db"
    build(write_data(tmp_path / "data", sources, actors, events), out)
    with TestClient(create_app(out, mount_datasette=False)) as client:
        fine = [
            client.get(path).text
            for path in ("/api/events.csv", "/api/events.ics", "/api/timeline.json")
        ]
    assert all(PLACEHOLDER_URL in text for text in fine)
    plant_url(out, url)
    with TestClient(create_app(out, mount_datasette=False)) as client:
        exported = [
            client.get(path).text
            for path in ("/api/events.csv", "/api/events.ics", "/api/timeline.json")
        ]
        assert url.replace("\\", "") in client.get("/api/events?limit=10").text.replace(
            "\\", ""
        )  # the planted link is there
    for text in exported:
        assert PLACEHOLDER_URL not in text
        assert "javascript:" not in text and "data:" not in text and "X-A:1" not in text
