#!/usr/bin/env python3
"""Thin entry point: `ural-access pull`. Run with --help for the options and an example.

Open ural_access/cli/commands.py to see what it does; the library calls are in geo/ and maps/.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ural_access.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["pull", *sys.argv[1:]]))
