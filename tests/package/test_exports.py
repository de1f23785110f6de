"""Every public module says what it exports: a literal ``__all__`` of names it defines.

Read from the source with :mod:`ast`, as the import-order tests do. A public module is one
whose path under ``geo/``, ``maps/`` or ``ural_access/`` has no ``_``-prefixed part (its
``__init__`` included). ``__all__`` must be a list or tuple of string literals (tools read
it without running the module), with no name twice, and each name must be bound at the
module's top level: defined, assigned or imported there (an ``if TYPE_CHECKING:`` import
counts, for the lazy names of :mod:`ural_access`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {
    "ural_access.geo": REPO / "geo",
    "ural_access.maps": REPO / "maps",
    "ural_access": REPO / "ural_access",
}


def public_modules() -> dict[str, Path]:
    """Dotted name → file of every public module of the package."""
    found: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if any(part.startswith("_") for part in parts):
                continue
            found[".".join((package, *parts))] = path
    return found


def bound_names(body: list[ast.stmt]) -> set[str]:
    """Names a module binds at its top level (also inside top-level ``if``/``try``)."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.If):
            names |= bound_names(node.body) | bound_names(node.orelse)
        elif isinstance(node, ast.Try):
            names |= bound_names(node.body) | bound_names(node.orelse)
            names |= bound_names(node.finalbody)
            for handler in node.handlers:
                names |= bound_names(handler.body)
    return names


def declared_all(tree: ast.Module) -> list[str] | None:
    """The module's ``__all__`` (a literal list or tuple of strings), None if it has none.

    Raises
    ------
    ValueError
        ``__all__`` is not a literal list or tuple of strings.
    """
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            names = ast.literal_eval(value)
            if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"__all__ must be a list of strings, got {ast.unparse(value)}")
            return list(names)
    return None


def problems(source: str) -> list[str]:
    """What is wrong with a module's ``__all__``; empty when nothing is."""
    tree = ast.parse(source)
    try:
        names = declared_all(tree)
    except ValueError as exc:
        return [str(exc)]
    if names is None:
        return ["no __all__"]
    found = [f"{n!r} listed twice" for n in sorted({n for n in names if names.count(n) > 1})]
    bound = bound_names(tree.body)
    found += [f"{n!r} is in __all__ but not in the module" for n in names if n not in bound]
    return found


MODULES = public_modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_public_module_declares_its_names(module: str) -> None:
    found = problems(MODULES[module].read_text(encoding="utf-8"))
    assert not found, f"{MODULES[module].relative_to(REPO)}: " + "; ".join(found)


def test_the_public_modules_are_found() -> None:
    assert {
        "ural_access",
        "ural_access.api",
        "ural_access.cli",
        "ural_access.cli.commands",
        "ural_access.geo",
        "ural_access.geo.study.definition",
        "ural_access.geo.routing.router",
        "ural_access.maps.build",
    } <= set(MODULES)
    assert not [m for m in MODULES if "._" in m]  # private modules are theirs to keep


def test_the_check_finds_what_it_looks_for() -> None:
    assert problems("def f(): pass\n") == ["no __all__"]
    assert problems("__all__ = ['f']\ndef f(): pass\n") == []
    assert problems("__all__: list[str] = []\n") == []
    assert problems("__all__ = ['g']\ndef f(): pass\n") == [
        "'g' is in __all__ but not in the module"
    ]
    assert problems("__all__ = ['f', 'f']\ndef f(): pass\n") == ["'f' listed twice"]
    assert problems("__all__ = sorted(['f'])\n")[0].startswith("malformed")  # not a literal
    lazy = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x import A\n"
    assert problems(lazy + "__all__ = ['A']\n") == []
    fallback = "try:\n    from x import A\nexcept ImportError:\n    A = None\n"
    assert problems(fallback + "__all__ = ('A',)\n") == []
    assert problems("__all__ = [1]\n") == ["__all__ must be a list of strings, got [1]"]
