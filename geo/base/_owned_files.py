"""Which files of an output folder ural-access wrote: the folder's list of its files.

:func:`geo.base.atomic.atomic_dir` replaces an output folder as a whole; before it does,
:func:`refuse_foreign` makes sure the folder holds nothing else (a user's report or notes
would be deleted with it), and :func:`write_manifest` lists the new folder's files.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import WriteError

#: The list of the files ural-access wrote into a folder (JSON, relative paths), kept in
#: the folder: replacing the folder deletes those files and no others.
MANIFEST = ".ural-access-files.json"

#: Files of a folder written before there was a manifest that count as ural-access's:
#: the kinds of file it writes (tables, layers, provenance, maps, images, map scripts).
_LEGACY_SUFFIXES = frozenset({".csv", ".gpkg", ".json", ".html", ".png", ".xlsx", ".js", ".css"})


def foreign_files(folder: Path) -> list[Path]:
    """Files in ``folder`` that ural-access did not write there (sorted).

    Ours are those its :data:`MANIFEST` lists; in a folder without one (written by an
    older version), those of the kinds it writes (:data:`_LEGACY_SUFFIXES`).
    """
    if folder.is_symlink() or not folder.is_dir():
        return []
    listed: set[str] | None
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = {str(p) for p in data} if isinstance(data, list) else None
    except (OSError, UnicodeDecodeError, ValueError):
        listed = None
    foreign = []
    for entry in sorted(folder.rglob("*")):
        if entry.is_dir() and not entry.is_symlink():
            continue
        rel = entry.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        ours = rel in listed if listed is not None else entry.suffix.lower() in _LEGACY_SUFFIXES
        if not ours:
            foreign.append(entry)
    return foreign


def refuse_foreign(path: Path) -> None:
    """Refuse to replace ``path`` while it holds files ural-access did not write.

    Raises
    ------
    WriteError
        ``path`` holds such a file (named in the message; nothing is deleted).
    """
    foreign = foreign_files(path)
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise WriteError(
            f"cannot replace the folder {str(path)!r}: it holds {str(foreign[0])!r}{more}, "
            "which ural-access did not write (replacing the folder would delete it); move "
            "it elsewhere or choose another output folder"
        )


def write_manifest(folder: Path) -> None:
    """List every file of ``folder`` in its :data:`MANIFEST` (sorted: byte-identical)."""
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if not (p.is_dir() and not p.is_symlink())
    )
    text = json.dumps([f for f in files if f != MANIFEST], indent=0) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
