"""The package's imports follow the data flow: stage by stage, never back, never in a circle.

Read from the source with :mod:`ast`. For the order of the stages every import counts: at
module level, inside functions (run later, but still a dependency of the stage) and under
``TYPE_CHECKING`` (a type from a later stage is a dependency on it too). A cycle is one of
imports that run, at load time or inside functions; two classes of one stage that name each
other only for the type checker make none. The load-time graph adds
the implicit import of a submodule's parent package, which Python loads first (so
``maps/__init__.py`` importing ``maps.build`` at load time, which imports ``maps.assets``,
was the cycle maps.assets → maps → maps.build → maps.assets). The top-level
``ural_access`` facade, which re-exports the public API, stands above every stage.
Across stages only public names travel: no private module, no ``_name``, and only names
the providing module lists in its ``__all__`` (so ``maps/`` draws on geo's public API).
"""

from __future__ import annotations

import ast
from pathlib import Path

from .test_exports import declared_all

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {
    "ural_access.geo": REPO / "geo",
    "ural_access.maps": REPO / "maps",
    "ural_access.cli": REPO / "ural_access" / "cli",
}

#: The stages in the order of the data flow; a module may import its own stage or earlier.
STAGES = (
    ("ural_access.geo.errors", "ural_access.geo.settings", "ural_access.geo"),
    ("ural_access.geo.base",),
    ("ural_access.geo.study",),
    ("ural_access.geo.osm",),
    ("ural_access.geo.network",),
    ("ural_access.geo.routing",),
    ("ural_access.geo.analysis",),
    ("ural_access.geo.results",),
    ("ural_access.geo.pipeline",),
    ("ural_access.geo.scenarios",),
    ("ural_access.maps",),
    ("ural_access.cli",),
)


def stage_of(module: str) -> int:
    """Index of a module's stage in :data:`STAGES` (the longest matching prefix)."""
    best, rank = -1, -1
    for i, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} belongs to no stage: add it to STAGES"
    return rank


def stage_package(module: str) -> str:
    """The stage's package a module lives in (``ural_access.geo.routing`` for its router)."""
    rank = stage_of(module)
    return max((p for p in STAGES[rank] if module.startswith(p)), key=len)


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _imports(
    node: ast.AST, *, load_time: bool, types: bool = False
) -> list[ast.Import | ast.ImportFrom]:
    """The imports of a module: those run at some time (``load_time``: when it loads), and
    with ``types`` also those for the type checker only."""
    out: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            out.append(child)
        elif not types and isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        elif load_time and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        else:
            out.extend(_imports(child, load_time=load_time, types=types))
    return out


def _targets(name: str, path: Path, imp: ast.Import | ast.ImportFrom, modules: dict) -> list[str]:
    here = name if path.stem == "__init__" else name.rsplit(".", 1)[0]
    if isinstance(imp, ast.Import):
        return [a.name for a in imp.names]
    base = here
    for _ in range(imp.level - 1):
        base = base.rsplit(".", 1)[0]
    base = (f"{base}.{imp.module}" if imp.module else base) if imp.level else str(imp.module)
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in imp.names]


def _graph(*, load_time: bool, types: bool = False) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        if load_time and path.stem != "__init__":
            edges.add(name.rsplit(".", 1)[0])  # the parent package is loaded first
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imp in _imports(tree, load_time=load_time, types=types):
            targets = _targets(name, path, imp, modules)
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


def test_no_import_cycles_at_load_time() -> None:
    cycle = _cycle(_graph(load_time=True))
    assert cycle is None, " → ".join(cycle or [])


def test_no_import_cycles_between_modules_including_imports_in_functions() -> None:
    graph = _graph(load_time=False)
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_no_import_runs_back_up_the_data_flow() -> None:
    back = [
        f"{name} ({STAGES[stage_of(name)][0]}) imports {target} ({STAGES[stage_of(target)][0]})"
        for name, edges in _graph(load_time=False, types=True).items()
        for target in sorted(edges)
        if stage_of(target) > stage_of(name)
    ]
    assert not back, "\n".join(back)


def test_private_modules_stay_inside_their_stage() -> None:
    outside = [
        f"{name} imports {target}"
        for name, edges in _graph(load_time=False, types=True).items()
        for target in sorted(edges)
        if any(part.startswith("_") for part in target.split(".")[2:])
        and stage_package(target) != stage_package(name)
    ]
    assert not outside, "\n".join(outside)


def test_every_module_has_a_stage() -> None:
    for name in _modules():
        stage_of(name)


def test_the_checks_find_what_they_look_for() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert stage_of("ural_access.geo.routing.router") > stage_of("ural_access.geo.study.options")
    assert stage_of("ural_access.geo.errors") < stage_of("ural_access.geo.base.atomic")
    # A package that imports a submodule at load time is the cycle the graph must show.
    graph = _graph(load_time=True)
    assert "ural_access.maps" in graph["ural_access.maps.assets"]
    assert "ural_access.maps.assets" in graph["ural_access.maps.build"]
    # An import inside a function counts for the stage order.
    source = "def f():\n    from ..routing import router\n"
    assert _imports(ast.parse(source), load_time=False)
    assert not _imports(ast.parse(source), load_time=True)


def _from_module(name: str, path: Path, imp: ast.ImportFrom) -> str:
    """The dotted name of the module a ``from … import`` reads from."""
    if not imp.level:
        return str(imp.module)
    base = name if path.stem == "__init__" else name.rsplit(".", 1)[0]
    for _ in range(imp.level - 1):
        base = base.rsplit(".", 1)[0]
    return f"{base}.{imp.module}" if imp.module else base


def _names_taken() -> list[tuple[str, str, str]]:
    """``(module, from_module, name)`` for every ``from from_module import name`` of the
    package that takes a name (not a submodule) from another module of the package, at
    any place in the module (functions and ``TYPE_CHECKING`` blocks included)."""
    modules = _modules()
    taken = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imp in _imports(tree, load_time=False, types=True):
            if not isinstance(imp, ast.ImportFrom):
                continue
            source = _from_module(name, path, imp)
            taken += [
                (name, source, a.name)
                for a in imp.names
                if source in modules and f"{source}.{a.name}" not in modules
            ]
    return taken


def _across_stages() -> list[tuple[str, str, str]]:
    return [t for t in _names_taken() if stage_package(t[0]) != stage_package(t[1])]


def test_no_private_name_is_imported_across_stages() -> None:
    private = [
        f"{name} imports {taken} from {source}"
        for name, source, taken in _across_stages()
        if taken.startswith("_") and not taken.startswith("__")
    ]
    assert not private, "\n".join(private)


def test_names_taken_from_another_stage_are_in_its_all() -> None:
    """A stage (maps above all) uses only what another stage publishes in ``__all__``."""
    modules = _modules()
    published = {
        name: set(declared_all(ast.parse(path.read_text(encoding="utf-8"))) or ())
        for name, path in modules.items()
    }
    unlisted = [
        f"{name} imports {taken} from {source}, which does not list it in __all__"
        for name, source, taken in _across_stages()
        if taken not in published[source]
    ]
    assert not unlisted, "\n".join(unlisted)


def test_the_name_checks_cover_maps_and_the_command_line() -> None:
    across = _across_stages()
    sources = {
        stage_package(source) for name, source, _ in across if name.startswith("ural_access.maps")
    }
    assert {"ural_access.geo.results", "ural_access.geo.study"} <= sources
    assert any(name.startswith("ural_access.cli") for name, _, _ in across)
    # a name, not a module: `from ..geo.study import options` is no name taken
    assert not [t for t in _names_taken() if f"{t[1]}.{t[2]}" in _modules()]
