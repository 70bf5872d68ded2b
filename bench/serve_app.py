"""The chrono app for the benchmark servers: `CHRONO_DB=path uvicorn bench.serve_app:app`."""

import os
from pathlib import Path

from chrono.api import create_app

app = create_app(Path(os.environ["CHRONO_DB"]), mount_datasette=False)
