"""Exceptions raised by ural-access.

Every error a user can cause is one of these, with a message that names the problem;
the command line prints that message and exits with the ``exit_code`` of its class
(:func:`exit_codes` lists them all, with their ``meaning``).
"""

from __future__ import annotations

__all__ = [
    "INTERRUPTED",
    "SUCCESS",
    "TERMINATED",
    "AmbiguousPlaceError",
    "CacheError",
    "ClusterError",
    "DuplicateIdError",
    "EmptyNetworkError",
    "InputError",
    "MissingCRSError",
    "MissingColumnError",
    "OSMDataError",
    "OverpassError",
    "ParameterError",
    "PlaceNotFoundError",
    "RoutingError",
    "ScenarioError",
    "StudyError",
    "TownTableError",
    "UralAccessError",
    "UralAccessWarning",
    "WriteError",
    "exit_codes",
]


class UralAccessError(Exception):
    """Base class of every error ural-access raises on purpose."""

    #: The command line's exit code for this error, and what the code means (one line),
    #: declared together in each class that has a code of its own.
    exit_code, meaning = 1, "unexpected error (a bug: please report it with --verbose output)"


class StudyError(UralAccessError, ValueError):
    """A study file is missing, malformed, or has a wrong or missing field."""

    exit_code, meaning = 2, "bad study file or place name"


class PlaceNotFoundError(StudyError):
    """A place name matches no settlement in the gazetteer for the study's regions."""


class AmbiguousPlaceError(StudyError):
    """A place name matches several settlements even within the study's regions."""


class TownTableError(StudyError):
    """A user's town table is missing, unreadable, or has a bad column or value."""


class OSMDataError(UralAccessError):
    """An OSM file is missing, corrupt, or holds no roads in the study area."""

    exit_code, meaning = 3, "bad or empty OSM data"


class EmptyNetworkError(OSMDataError):
    """No road of the requested classes lies in the study area."""


class OverpassError(UralAccessError):
    """The Overpass API did not give a usable answer after all retries."""

    exit_code, meaning = 4, "Overpass API unreachable or failing"


class CacheError(UralAccessError):
    """A cached network is missing, from another version, or unreadable."""

    exit_code, meaning = 5, "missing or unreadable cache"


class ParameterError(UralAccessError, ValueError):
    """A setting has an impossible value (e.g. drive-time bands not increasing)."""

    exit_code, meaning = 2, "bad parameter"


class InputError(UralAccessError, ValueError):
    """A table or graph handed to the library cannot be used as it is."""

    exit_code, meaning = 2, "bad input table or graph"


class MissingColumnError(InputError, KeyError):
    """A table lacks a column the function needs (e.g. the id column)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class MissingCRSError(InputError):
    """A GeoDataFrame has no coordinate reference system, so its points cannot be placed."""


class DuplicateIdError(InputError):
    """Ids that must tell rows apart repeat."""


class RoutingError(UralAccessError):
    """Routing cannot produce any result (e.g. no origin is on the network)."""

    exit_code, meaning = 6, "nothing routable"


class WriteError(UralAccessError, OSError):
    """A file or folder cannot be written: read-only, disk full, a file in the way, or an
    output folder to replace that holds files ural-access did not write."""

    exit_code, meaning = (
        9,
        "cannot write or read a file (read-only, full disk, in the way, others' files in the folder)",
    )


class ScenarioError(UralAccessError, ValueError):
    """A scenario file or one of its edits cannot be applied: a malformed file, an edit
    that selects no road, a new road whose ends are far from the network, an unknown
    place, an implausible speed."""

    exit_code, meaning = 10, "bad scenario file or edit"


class ClusterError(UralAccessError):
    """The Dask scheduler given cannot be reached within the timeout, or failed."""

    exit_code, meaning = 11, "Dask scheduler unreachable or failing"


#: Exit codes that are no error of ural-access's own, and what they mean.
SUCCESS, INTERRUPTED, TERMINATED = 0, 130, 143
_OTHER_EXIT_CODES = {
    SUCCESS: "success",
    INTERRUPTED: "interrupted",
    TERMINATED: "terminated (SIGTERM)",
}


def exit_codes() -> dict[int, str]:
    """Every exit code of the command line and what it means, ordered by code.

    Read from the error classes: each class that sets an ``exit_code`` says what it means
    in ``meaning``; several classes with one code give their meanings joined by "; ".
    Classes defined in other modules (the map errors of :mod:`maps.errors`, codes 7 and
    8) are included once their module is imported: ``geo`` does not import ``maps``.

    Returns
    -------
    dict of int to str
        The README's table of exit codes.
    """
    meanings: dict[int, list[str]] = {code: [text] for code, text in _OTHER_EXIT_CODES.items()}
    todo: list[type[UralAccessError]] = [UralAccessError]
    while todo:
        cls = todo.pop(0)
        if "exit_code" in vars(cls):
            meanings.setdefault(cls.exit_code, []).append(cls.meaning)
        todo.extend(cls.__subclasses__())
    return {code: "; ".join(meanings[code]) for code in sorted(meanings)}


class UralAccessWarning(UserWarning):
    """Something was left out or estimated (an unsnappable place, an unreachable town).

    The command line gathers these and lists them in its summary.
    """
