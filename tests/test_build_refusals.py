"""Builds that must not replace the served chronology: one with no events (unless asked for),
and one that cannot be written (a full disk, a read-only folder). Each exits 1 with one clear
message, and the previous database stays byte-identical."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from chrono.cli import cli
from tests.helpers import BUNDLED_DATA, EVENTS, free_port, write_data

EMPTY = (
    "no events: the build would publish an empty chronology "
    "(add events, or build with --allow-empty to publish one with none)"
)


def run_build(data: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["build", "--data", str(data), "--out", str(out), *extra])


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path, bytes]:
    """A data folder, and the database built from it: the chronology being served."""
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    build(data, out)
    return data, out, out.read_bytes()


@pytest.mark.parametrize("text", ["", "[]\n", "# every event was removed\n", "[]  # none yet\n"])
def test_an_empty_events_file_is_refused_and_the_old_database_kept(built, text):
    data, out, before = built
    (data / "events.yml").write_text(text, encoding="utf-8")
    result = run_build(data, out)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{data / 'events.yml'}: {EMPTY}",
        f"build failed: 1 problem(s); {out} left untouched",
    ]
    assert out.read_bytes() == before


def test_bulk_files_that_hold_no_events_are_refused_too(built):
    data, out, before = built
    (data / "events.yml").write_text("[]\n", encoding="utf-8")
    (data / "events.jsonl").write_text("", encoding="utf-8")
    result = run_build(data, out)
    assert result.exit_code == 1 and EMPTY in result.output
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".chrono.db-")) == []


def test_events_only_in_bulk_files_build(built):
    data, out, _ = built
    (data / "events.yml").write_text("[]\n", encoding="utf-8")
    (data / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8"
    )
    result = run_build(data, out)
    assert result.exit_code == 0, result.output
    assert f"{len(EVENTS)} events" in result.output


def test_allow_empty_publishes_an_empty_chronology(built):
    data, out, _ = built
    (data / "events.yml").write_text("[]\n", encoding="utf-8")
    result = run_build(data, out, "--allow-empty")
    assert result.exit_code == 0, result.output
    assert ", 0 events, 0 citations)" in result.output
    with TestClient(create_app(out, mount_datasette=False)) as client:
        assert client.get("/api/events").json() == {"events": [], "next": None}


def test_serve_refuses_to_rebuild_into_an_empty_chronology(built):
    data, out, before = built
    (data / "events.yml").write_text("[]\n", encoding="utf-8")  # newer than the database: stale
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "chrono",
            "serve",
            "--db",
            str(out),
            "--data",
            str(data),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"{data / 'events.yml'}: {EMPTY}" in result.stderr
    assert out.read_bytes() == before


# --- an output that cannot be written ------------------------------------------------------


@pytest.fixture
def small_fs(tmp_path):
    """A real file system of 160 MB (tmpfs) to fill up or make read-only: needs root."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path / "fs"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160M", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("tmpfs cannot be mounted here")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system holding `folder`, leaving about `leave` bytes free."""
    stat = os.statvfs(folder)
    with open(folder / "filler", "wb") as f:
        f.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))


@pytest.mark.parametrize(
    "data_name, leave",
    [
        ("bundled", 16 << 10),
        ("bundled", 400 << 10),
        pytest.param("generated", 20 << 20, marks=pytest.mark.slow),
    ],
)
def test_a_full_disk_is_one_line_naming_the_output_and_the_old_database_is_kept(
    small_fs, request, data_name, leave, tmp_path
):
    """The bundled chronology and 20,000 generated events (whose bulk file is validated by
    worker processes, which meet the full disk first)."""
    data = (
        BUNDLED_DATA
        if data_name == "bundled"
        else request.getfixturevalue("generated_db").parent / "data"
    )
    out = small_fs / "chrono.db"
    build(write_data(tmp_path / "small"), out)
    before = out.read_bytes()
    fill(small_fs, leave)
    result = subprocess.run(
        [sys.executable, "-m", "chrono", "build", "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot write {out}: no space left on device (in {small_fs}); {out} left untouched"
    ]
    assert out.read_bytes() == before
    assert sorted(p.name for p in small_fs.iterdir()) == [".chrono.db.lock", "chrono.db", "filler"]


def test_an_unwritable_folder_is_one_line_naming_the_output(small_fs, tmp_path):
    out = small_fs / "chrono.db"
    build(write_data(tmp_path / "small"), out)
    before = out.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    for target in (out, small_fs / "new" / "chrono.db"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "chrono",
                "build",
                "--data",
                str(BUNDLED_DATA),
                "--out",
                str(target),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert line.startswith(
            f"Error: cannot write {target}: read-only file system ("
        ) and line.endswith(f"; {target} left untouched"), line
    assert out.read_bytes() == before


def test_an_unwritable_folder_without_root(tmp_path):
    """The same with file permissions, where they apply (root writes anywhere)."""
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions: the read-only mount above covers it")
    folder = tmp_path / "locked"
    folder.mkdir()
    out = folder / "chrono.db"
    build(write_data(tmp_path / "small"), out)
    before = out.read_bytes()
    folder.chmod(0o555)
    try:
        result = run_build(BUNDLED_DATA, out)
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot write {out}: permission denied")
    assert out.read_bytes() == before
