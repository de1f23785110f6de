"""The package's imports follow the data flow: no cycles, and geo never imports maps.

Read from the source with :mod:`ast`: every import run when a module is loaded (module
level, not inside functions or ``if TYPE_CHECKING``), plus the implicit one of a
submodule's parent package, which Python loads first (so ``maps/__init__.py`` importing
``maps.build`` at load time, which imports ``maps.assets``, was the cycle
maps.assets → maps → maps.build → maps.assets). The top-level ``ural_access`` facade,
which re-exports the public API and is loaded before any submodule, is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {"ural_access.geo": REPO / "geo", "ural_access.maps": REPO / "maps"}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.glob("*.py")):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


def _load_time_imports(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    out: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            out.append(child)
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        elif isinstance(child, ast.If | ast.Try | ast.With):
            out.extend(_load_time_imports(child))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.stem == "__init__"
        here = name if is_package else name.rsplit(".", 1)[0]
        edges = set()
        if not is_package:
            edges.add(here)  # the parent package is loaded first
        for imp in _load_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(imp, ast.Import):
                targets = [a.name for a in imp.names]
            else:
                base = here
                for _ in range(imp.level - 1):
                    base = base.rsplit(".", 1)[0]
                base = (
                    (f"{base}.{imp.module}" if imp.module else base)
                    if imp.level
                    else str(imp.module)
                )
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in imp.names
                ]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles() -> None:
    graph = _graph()
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_geo_never_imports_maps() -> None:
    for name, edges in _graph().items():
        if name.startswith("ural_access.geo"):
            assert not [e for e in edges if e.startswith("ural_access.maps")], name


def test_the_cycle_detector_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    # A package that imports a submodule at load time is the cycle the graph must show.
    graph = _graph()
    assert "ural_access.maps" in graph["ural_access.maps.assets"]
    assert "ural_access.maps.assets" in graph["ural_access.maps.build"]
