"""The command line's argparse types: checked numbers, comma-separated drive times,
number lists and names; a bad value is a usage error (exit 2) before anything is read."""

from __future__ import annotations

import argparse
import itertools
from typing import Any

from ..geo.study.options import check_increasing


def bounded(kind: type, low: float, high: float) -> Any:
    """An argparse type: a finite number of ``kind`` within ``[low, high]``."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not (low <= value <= high):  # also refuses NaN
            raise argparse.ArgumentTypeError(f"{text!r} is outside {low:g}..{high:g}")
        return value

    parse.__name__ = kind.__name__
    return parse


def minutes(text: str) -> tuple[float, ...]:
    """An argparse type: comma-separated, increasing, plausible minutes."""
    try:
        values = [float(b) for b in text.replace(" ", "").split(",") if b]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--bands must be minutes separated by commas, got {text!r}"
        ) from None
    try:
        return check_increasing("--bands", values)
    except ValueError as exc:  # a ParameterError
        raise argparse.ArgumentTypeError(str(exc)) from None


def list_of(name: str, low: float, high: float) -> Any:
    """An argparse type: comma-separated numbers within ``[low, high]``, increasing."""

    def parse(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(b) for b in text.replace(" ", "").split(",") if b)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be numbers separated by commas, got {text!r}"
            ) from None
        if not values or any(not (low <= v <= high) for v in values):  # also refuses NaN
            raise argparse.ArgumentTypeError(
                f"{name}: each value within {low:g}..{high:g}, got {text!r}"
            )
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise argparse.ArgumentTypeError(f"{name} must be increasing, got {text!r}")
        return values

    parse.__name__ = "list"
    return parse


def names(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated names."""
    return tuple(t for t in text.replace(" ", "").split(",") if t)
