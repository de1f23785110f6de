"""Code for the tests and the benchmarks only (never shipped in the package).

:mod:`tests.helpers.synthetic` grows networks from real extracts for benchmarks at
regional scale; :mod:`tests.helpers.png` reads rendered PNGs into arrays. The scripts
in ``scripts/`` import them with the repository root on ``sys.path``.
"""
