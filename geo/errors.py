"""Exceptions raised by ural-access.

Every error a user can cause is one of these, with a message that names the problem;
the command line prints that message and exits with :data:`EXIT_CODES` of its class.
"""

from __future__ import annotations


class UralAccessError(Exception):
    """Base class of every error ural-access raises on purpose."""

    exit_code = 1


class StudyError(UralAccessError, ValueError):
    """A study file is missing, malformed, or has a wrong or missing field."""

    exit_code = 2


class PlaceNotFoundError(StudyError):
    """A place name matches no settlement in the gazetteer for the study's regions."""


class AmbiguousPlaceError(StudyError):
    """A place name matches several settlements even within the study's regions."""


class TownTableError(StudyError):
    """A user's town table is missing, unreadable, or has a bad column or value."""


class OSMDataError(UralAccessError):
    """An OSM file is missing, corrupt, or holds no roads in the study area."""

    exit_code = 3


class EmptyNetworkError(OSMDataError):
    """No road of the requested classes lies in the study area."""


class OverpassError(UralAccessError):
    """The Overpass API did not give a usable answer after all retries."""

    exit_code = 4


class CacheError(UralAccessError):
    """A cached network is missing, from another version, or unreadable."""

    exit_code = 5


class ParameterError(UralAccessError, ValueError):
    """A setting has an impossible value (e.g. drive-time bands not increasing)."""

    exit_code = 2


class InputError(UralAccessError, ValueError):
    """A table or graph handed to the library cannot be used as it is."""

    exit_code = 2


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

    exit_code = 6


class WriteError(UralAccessError, OSError):
    """A file or folder cannot be written: read-only, disk full, or a file in the way."""

    exit_code = 9


#: Exit codes of the command line, documented in the README.
EXIT_CODES: dict[str, int] = {
    "success": 0,
    "unexpected error (a bug: please report it with --verbose output)": 1,
    "bad study file, place name or parameter": 2,
    "bad or empty OSM data": 3,
    "Overpass API unreachable or failing": 4,
    "missing or unreadable cache": 5,
    "nothing routable": 6,
    "map assets not installed or unknown (run `ural-access setup-assets`)": 7,
    "headless Chromium missing or failing": 8,
    "cannot write or read a file: read-only folder, disk full, a file where a folder should be": 9,
    "terminated (SIGTERM)": 143,
    "interrupted": 130,
}


class UralAccessWarning(UserWarning):
    """Something was left out or estimated (an unsnappable place, an unreachable town).

    The command line gathers these and lists them in its summary.
    """
