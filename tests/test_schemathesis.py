"""Property-based requests generated from the app's own OpenAPI schema: never a server error.

Cases come from schemathesis strategies (valid and invalid values for every parameter of
every operation), drawn through Hypothesis directly rather than schemathesis' pytest plugin.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chrono.api import create_app
from chrono.build import build
from tests.helpers import BUNDLED_DATA

pytestmark = pytest.mark.slow  # thousands of generated requests

_DB = Path(tempfile.mkdtemp(prefix="chrono-schemathesis-")) / "chrono.db"


def _schema():
    build(BUNDLED_DATA, _DB)
    return schemathesis.openapi.from_asgi(
        "/schema/openapi.json", create_app(_DB, mount_datasette=False)
    )


SCHEMA = _schema()
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(_DB.parent, ignore_errors=True)  # the file, its build lock, the folder


def test_every_api_operation_is_in_the_schema():
    paths = {op.path for op in OPERATIONS}
    assert {
        "/api/events",
        "/api/events/{event_id}",
        "/api/events.csv",
        "/api/events.ics",
        "/api/timeline.json",
        "/api/actors",
        "/api/actors/{actor_id}",
        "/api/contacts",
        "/api/types",
    } <= paths


CASES = [
    (op, mode)
    for op in OPERATIONS
    for mode in ("positive", "negative")
    if mode == "positive" or op.query or op.path_parameters
]


@pytest.mark.parametrize(
    "operation, mode",
    CASES,
    ids=lambda v: v if isinstance(v, str) else f"{v.method.upper()} {v.path}",
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_server_errors_and_problems_for_bad_input(operation, mode, data):
    from schemathesis.generation import GenerationMode

    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    )
    case = data.draw(strategy)
    response = case.call()
    assert response.status_code < 500, (
        case.method,
        case.formatted_path,
        case.query,
        response.text[:300],
    )
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), (
            response.headers
        )
