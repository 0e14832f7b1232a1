"""backend/constraints.txt: every Python package pinned at the version the tests passed with.

Without pins, a fresh machine takes whatever was released last: once, a new `openai` with a
new `httpx2` broke the LLM clients the day they came out (pyproject.toml). `make
install-backend` and the backend image install with `-c constraints.txt`; these tests keep
the file complete (every requirement pinned, each pin allowed by pyproject.toml) and in use.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[3]
BACKEND = REPO / "backend"
CONSTRAINTS = BACKEND / "constraints.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for number, line in enumerate(CONSTRAINTS.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"constraints.txt line {number} is not NAME==VERSION: {line!r}"
        found[canonicalize_name(match[1])] = Version(match[2])
    return found


def requirements() -> list[Requirement]:
    project = tomllib.loads((BACKEND / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        listed.extend(extra)
    return [Requirement(text) for text in listed]


def test_every_requirement_is_pinned_at_a_version_pyproject_allows() -> None:
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in constraints.txt: make lock-backend"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[name]}, which pyproject.toml's "
            f"{requirement} refuses: make lock-backend"
        )


def test_the_pins_are_what_this_environment_runs() -> None:
    """`make install-backend` installed every pinned package at its pin (torch's +cpu aside),
    dependencies of dependencies too."""
    for name, pin in pins().items():
        installed = Version(metadata.version(name))
        assert installed.public == pin.public, (
            f"{name} {installed} is installed, constraints.txt pins {pin}: make install-backend"
        )


def test_installs_use_the_constraints() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"pip install [^\n]*-c \$\(BACKEND\)/constraints\.txt -e", makefile)
    dockerfile = (REPO / "docker" / "backend.Dockerfile").read_text()
    assert "COPY backend/pyproject.toml backend/README.md backend/constraints.txt" in dockerfile
    assert "pip install -c /src/backend/constraints.txt /src/backend" in dockerfile
