"""What every stage stands on: atomic file writes, distances on the Earth, array type
aliases, progress through logging, the bundled data, names and number formats.
"""

from __future__ import annotations

__all__: list[str] = []
