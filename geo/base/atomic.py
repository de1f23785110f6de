"""Atomic writes: a file or folder appears complete, or not at all.

Temporary files and folders are created beside their target as
``.<name>.<pid>.<random>.tmp``. A run that is killed outright (``kill -9``, power loss)
cannot remove its own, so every write first sweeps those of processes that no longer
run. A folder replaces another in one step (``renameat2(RENAME_EXCHANGE)`` on Linux;
elsewhere two renames under a lock file), so concurrent writers to one folder never
fail and the folder always holds one complete run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from ..errors import WriteError
from ._owned_files import MANIFEST as MANIFEST
from ._owned_files import foreign_files as foreign_files
from ._owned_files import refuse_foreign, write_manifest

try:
    import fcntl
except ImportError:  # not POSIX: the lock falls back to nothing (exchange is Linux-only too)
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "GPKG_DATE",
    "LEGACY_STALE_AFTER_S",
    "MANIFEST",
    "STALE_AFTER_S",
    "Terminated",
    "atomic_dir",
    "atomic_file",
    "check_output_dir",
    "fixed_gpkg_date",
    "foreign_files",
    "replace_dir",
    "sigterm_as_interrupt",
    "sweep_stale",
    "write_layer",
    "write_text_atomic",
]

#: Temporary entries of ours older than this are swept even when their writer's pid is
#: alive again (pids are reused) or cannot be read from the name.
STALE_AFTER_S = 24 * 3600.0

#: Temporary entries without a pid in their name (older versions) are swept after this.
LEGACY_STALE_AFTER_S = 3600.0

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, base: int) -> None:
    """Give a temp file or folder the permissions a plain create would have.

    ``mkstemp``/``mkdtemp`` make them private (0600/0700); results and maps are meant to
    be shared and served, so they get ``base`` minus the umask, like any new file.
    """
    os.chmod(path, base & ~_umask())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(target: Path) -> list[Path]:
    """Remove temporary entries of ours beside ``target`` left by runs that died.

    Ours are ``.<name>.<pid>.<random>.tmp``, swept when that pid no longer runs (or after
    a day); older versions left ``.<name>.<random>.tmp`` (swept after an hour) and
    ``.<name>.old`` (always swept). Returns what was removed.
    """
    removed: list[Path] = []
    parent, prefix = target.parent, f".{target.name}."
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not name.endswith((".tmp", ".old")):
            continue
        parts = name[len(prefix) :].split(".")
        pid = int(parts[0]) if len(parts) == 3 and parts[0].isdigit() else None
        try:
            age = now - entry.lstat().st_mtime
        except OSError:
            continue
        if name.endswith(".old"):
            pass  # ``.<name>.old``: left by older versions, never made now
        elif pid == os.getpid() or (pid is not None and _pid_alive(pid) and age < STALE_AFTER_S):
            continue
        elif pid is None and age < LEGACY_STALE_AFTER_S:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def _prepare(path: Path) -> None:
    """Create the parent folder, sweep stale temporaries, refuse a non-folder parent."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise WriteError(
            f"cannot write {str(path)!r}: a file stands where a folder should be "
            f"({exc.filename or path.parent}); remove it or choose another path"
        ) from exc
    sweep_stale(path)


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


@contextmanager
def atomic_file(path: str | Path, mode: str = "w", **kwargs: object) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    WriteError
        ``path`` is a folder, or a file stands where its folder should be.
    """
    path = Path(path)
    _prepare(path)
    if path.is_dir():
        raise WriteError(f"cannot write the file {str(path)!r}: a folder of that name exists")
    fd, tmp_name = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _publish_mode(tmp, 0o666)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOENT):
        return False  # unsupported here, or ``b`` vanished (the caller looks again)
    raise OSError(err, os.strerror(err), str(b))


@contextmanager
def _dir_lock(target: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    lock = target.with_name(f".{target.name}.lock")
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_dir(new: Path, target: Path) -> None:
    """Put folder ``new`` in place of ``target`` in one step; the old one is removed.

    Concurrent callers with the same ``target`` each succeed; the last one wins.

    Raises
    ------
    WriteError
        ``target`` exists and is not a folder (it is never moved aside or deleted).
    """
    for _ in range(100):
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise WriteError(
                f"cannot write the folder {str(target)!r}: a file of that name exists; "
                "remove it or choose another output folder"
            )
        if not target.exists():
            try:
                os.rename(new, target)
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                continue  # another writer got there first: swap with theirs instead
        if _exchange(new, target):
            shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
            return
        old = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), suffix=".tmp", dir=target.parent))
        with _dir_lock(target):
            if not target.exists():
                os.rmdir(old)
                continue
            os.replace(target, old)  # ``old`` is an empty folder: a rename onto it works
            os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
        return
    raise WriteError(f"cannot replace {str(target)!r}: other writers keep replacing it")


def check_output_dir(path: str | Path, *, guard: bool = True) -> None:
    """Whether :func:`atomic_dir` may replace ``path``: call it for each folder of an
    output written in several folders, before writing the first.

    Raises
    ------
    WriteError
        ``path`` is a file, or (``guard``) holds files ural-access did not write.
    """
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise WriteError(
            f"cannot write the folder {str(path)!r}: a file of that name exists; "
            "remove it or choose another output folder"
        )
    above = next((p for p in path.parents if p.exists() or p.is_symlink()), None)
    if above is not None and not above.is_dir():
        raise WriteError(
            f"cannot write the folder {str(path)!r}: {str(above)!r} is a file; "
            "remove it or choose another output folder"
        )
    if guard:
        refuse_foreign(path)


@contextmanager
def atomic_dir(path: str | Path, *, guard: bool = True) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path``.

    An existing ``path`` is swapped out only after the new one is complete. With
    ``guard`` (outputs), the new folder lists its files in :data:`MANIFEST`, and an
    existing ``path`` holding any other file is refused before anything is written and
    again before the swap: replacing it would delete files ural-access did not write.
    Caches, whose folders only ural-access writes, pass ``guard=False``.

    Raises
    ------
    WriteError
        ``path`` is a file, or (``guard``) holds files ural-access did not write.
    """
    path = Path(path)
    _prepare(path)
    check_output_dir(path, guard=guard)
    tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent))
    _publish_mode(tmp, 0o777)
    try:
        yield tmp
        if guard:
            write_manifest(tmp)
            _publish_mode(tmp / MANIFEST, 0o666)
            refuse_foreign(path)
        replace_dir(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` cleans up on the way out."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active (in the main thread), SIGTERM raises :class:`Terminated`."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: The time GDAL records as a GeoPackage's ``last_change`` (``gpkg_contents``): fixed,
#: so that the same inputs give byte-identical GeoPackages (GDAL's ``OGR_CURRENT_DATE``).
GPKG_DATE = "1970-01-01T00:00:00.000Z"


@contextmanager
def fixed_gpkg_date() -> Iterator[None]:
    """GDAL writes :data:`GPKG_DATE` instead of the time of writing, in this block only.

    Yields
    ------
    None
        Within the block, GeoPackages record :data:`GPKG_DATE`; the option's previous
        value is restored afterwards.
    """
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def write_layer(gdf: Any, path: Path, layer: str) -> None:
    """Write one GeoPackage layer; a failure of GDAL's is a :class:`WriteError`.

    The data are ours and well-formed, so a failing write is the disk's (full, read-only)
    or the folder's; GDAL reports it as its own error types, not ``OSError``. The file
    records :data:`GPKG_DATE`, never the time of writing (byte-identical reruns).
    """
    try:
        with fixed_gpkg_date():
            gdf.to_file(path, layer=layer, driver="GPKG")
    except OSError:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in {"pyogrio", "fiona"}:
            raise
        raise WriteError(
            f"cannot write {str(path)!r} (layer {layer}): {exc} (a full disk, or a folder "
            "that cannot be written?)"
        ) from exc
