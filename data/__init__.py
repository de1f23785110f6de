"""Bundled data: study files (``studies/``), speed-model tables and default road extracts.

Read them with :func:`importlib.resources.files` (``files("ural_access.data")``), which
works from a source checkout and from an installed wheel alike.
"""
