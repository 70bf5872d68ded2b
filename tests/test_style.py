"""The code follows the project's own ruff configuration (pyproject.toml): its rules, its
line length and its formatting, so a change reads like the code around it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

RUFF = Path(sys.executable).with_name("ruff")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RUFF), *args, "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing_under_the_project_rules():
    done = ruff("check", "--output-format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_python_file_is_formatted_as_ruff_format_writes_it():
    done = ruff("format", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
