"""The layers import downward only, and no two modules import each other (directly or round
a longer loop), wherever the import sits: module top, function body or TYPE_CHECKING block.

Order, lowest first (README, docs/architecture.md): the root package's own modules and
`skiptrace.sql` (the database layer) < `sources` (ingest) < `matchers` (standardize, match,
resolve, suppress) < `flows.audit` < `flows.exports` < `flows.report` < `flows.orchestration`
< `flows.demo` < `flows.review` < `flows.cli`. A module may import its own layer and those below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {  # package prefix -> folder, as pyproject.toml's package-dir maps them
    "skiptrace": ROOT / "skiptrace",
    "skiptrace.sql": ROOT / "sql",
    "skiptrace.sources": ROOT / "sources",
    "skiptrace.matchers": ROOT / "matchers",
    "skiptrace.flows": ROOT / "flows",
}
LAYERS = [
    ("skiptrace", 0),
    ("skiptrace.sql", 0),
    ("skiptrace.sources", 1),
    ("skiptrace.matchers", 2),
    ("skiptrace.flows", 3),  # the flows package's own __init__
    ("skiptrace.flows.audit", 3),
    ("skiptrace.flows.exports", 4),
    ("skiptrace.flows.report", 5),
    ("skiptrace.flows.orchestration", 6),
    ("skiptrace.flows.demo", 7),
    ("skiptrace.flows.review", 8),  # the review workbench: reads audit (lineage) and below
    ("skiptrace.flows.cli", 9),
    ("skiptrace.__main__", 10),  # `python -m skiptrace`: the command line itself
]


def layer_of(module: str) -> tuple[str, int]:
    best = ("", -1)
    for prefix, rank in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best[0]):
            best = (prefix, rank)
    return best


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if (
                prefix == "skiptrace"
                and parts
                and parts[0] in {"flows", "matchers", "sources", "sql"}
            ):
                continue
            found[".".join([prefix, *parts])] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """skiptrace modules `name` imports (`from pkg import mod` counts as importing `pkg.mod`)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("skiptrace")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                    + ([base] if base else [])
                )
            if not base.startswith("skiptrace"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    out.discard(name)
    return out


MODULES = modules()
GRAPH = {name: imports_of(name, path, set(MODULES)) for name, path in MODULES.items()}


def data_folders() -> set[str]:
    """The folders under a package that hold files and no __init__.py (SQL, profiles, the
    workbench's templates and static files), by their dotted name."""
    found = set()
    for prefix, folder in FOLDERS.items():
        for sub in folder.rglob("*"):
            if not sub.is_dir() or sub.name == "__pycache__" or (sub / "__init__.py").exists():
                continue
            if any(f.is_file() for f in sub.iterdir()):
                found.add(".".join([prefix, *sub.relative_to(folder).parts]))
    return found


def test_every_folder_is_a_listed_package() -> None:
    """Each folder with an __init__.py ships: pyproject.toml lists it (discovery does not follow
    the package-dir mapping, so a forgotten entry would install a package without it). So does
    each data folder: setuptools installs an unlisted one as package data too, but warns once
    per folder on every install (19 warnings, ~950 lines in a first `make demo`)."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert packages | data_folders() == listed


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_downward(name: str) -> None:
    own, rank = layer_of(name)
    upward = sorted(
        f"{target} ({layer_of(target)[0]})" for target in GRAPH[name] if layer_of(target)[1] > rank
    )
    assert not upward, f"{name} ({own}) imports a layer above it: {upward}"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the whole import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"
