"""The chrono app for the benchmark servers: `CHRONO_DB=path uvicorn bench.serve_app:app`.

CHRONO_CACHE_MB=0 turns the answer cache off, so that every request does chrono's whole
work, as distinct URLs would; unset, the cache has its default size."""

import os
from pathlib import Path

from chrono.api import create_app
from chrono.cache import DEFAULT_CACHE_MB

app = create_app(
    Path(os.environ["CHRONO_DB"]),
    mount_datasette=False,
    cache_mb=float(os.environ.get("CHRONO_CACHE_MB", DEFAULT_CACHE_MB)),
)
