"""The chrono app for the benchmark servers: `CHRONO_DB=path uvicorn bench.serve_app:app`."""

import gc
import os
from pathlib import Path

from chrono.api import create_app

app = create_app(Path(os.environ["CHRONO_DB"]), mount_datasette=False)
if os.environ.get("CHRONO_GC") == "freeze":
    gc.collect()
    gc.freeze()
elif os.environ.get("CHRONO_GC") == "off":
    gc.disable()
