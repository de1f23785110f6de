#!/usr/bin/env python3
"""Type-check the package as it installs: ``python scripts/typecheck.py`` (extra args go to mypy).

mypy cannot follow setuptools' package-dir mapping (``geo/`` installs as
``ural_access.geo``), so this lays the mapping out as links in a temporary folder and
checks that tree; the messages name the repository's own files.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The folders that install under another name (pyproject.toml's package-dir); every other
#: entry of ``ural_access/`` (``__init__``, ``api``, ``cli``, ``py.typed`` …) installs as it is.
LAYOUT = {"geo": "geo", "maps": "maps", "data": "data"}


def _layout() -> dict[str, str]:
    """Installed name → repository path, for everything under ``ural_access``."""
    own = {
        entry.name: f"ural_access/{entry.name}"
        for entry in sorted((REPO / "ural_access").iterdir())
        if entry.name != "__pycache__"
    }
    return {**own, **LAYOUT}


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="ural-access-mypy-") as tmp:
        package = Path(tmp) / "ural_access"
        package.mkdir()
        for name, target in _layout().items():
            (package / name).symlink_to(REPO / target)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--config-file",
                str(REPO / "pyproject.toml"),
                "-p",
                "ural_access",
                *argv,
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        out = (done.stdout + done.stderr).replace(f"{tmp}/ural_access/", "")
        print(out, end="")
        return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
