"""requirements.lock pins every package pyproject.toml asks for, at a version it allows, with
hashes."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import ROOT


def _locked() -> dict[str, tuple[str, int]]:
    """name → (pinned version, number of hashes) from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if m := re.match(r"([A-Za-z0-9._-]+)==(\S+)", block):
            pins[canonicalize_name(m.group(1))] = (m.group(2), block.count("--hash=sha256:"))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    return [Requirement(r) for r in wanted]


def test_every_declared_dependency_is_locked_at_a_version_it_allows():
    locked = _locked()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, (
            f"{requirement.name} is in pyproject.toml but not in requirements.lock: "
            "run scripts/lock"
        )
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {requirement.name}=={version}, "
            f"which pyproject.toml's '{requirement}' refuses: run scripts/lock"
        )


def test_every_locked_package_is_pinned_with_hashes():
    locked = _locked()
    assert len(locked) > 20
    unhashed = sorted(name for name, (_, hashes) in locked.items() if hashes == 0)
    assert unhashed == []


def test_the_lock_has_the_build_backend_the_editable_install_uses():
    assert "setuptools" in _locked()
