"""No import circles among the product's packages, the harness and the benchmarks.

A circle makes the import order matter: whichever module is imported first sees the
other half-built, and a function-local import that dodges this hides the circle
instead of opening it. So every import counts here, wherever it stands in the file,
except those under `if TYPE_CHECKING:`, which never run."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("sync", "server", "bench", "harness")


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under the packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement below `node`, skipping `if TYPE_CHECKING:` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def _absolute(module: str, path: Path, statement: ast.ImportFrom) -> str:
    if not statement.level:
        return statement.module or ""
    package = module.split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (statement.level - 1)]
    return ".".join([*base, *([statement.module] if statement.module else [])])


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """The known modules `module` imports: `from a import b` names module a.b when
    there is one, else a."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: set[str] = set()
    for statement in _imports(tree):
        if isinstance(statement, ast.Import):
            names = [alias.name for alias in statement.names]
        else:
            base = _absolute(module, path, statement)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in statement.names
            ]
        for name in names:
            # `import a.b.c` of a name that is no module (rare) counts as its package.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    files = module_files(root, packages)
    known = set(files)
    return {module: imported_modules(module, path, known) for module, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each
    sorted; an empty list when the graph has no cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        # An explicit stack of (node, its remaining successors): deep import chains
        # would otherwise meet Python's recursion limit.
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph[start]))))
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A concrete loop a → b → … → a inside a component, for the failure message."""
    members = set(component)
    start = component[0]
    path = [start]
    seen = {start}
    node = start
    while True:
        nxt = sorted(m for m in graph[node] if m in members)
        if start in nxt and len(path) > 1:
            return [*path, start]
        step = next((m for m in nxt if m not in seen), None)
        if step is None:  # every successor visited: close the loop where it meets
            step = nxt[0]
            return [*path[path.index(step) :], step]
        path.append(step)
        seen.add(step)
        node = step


def test_no_import_circles():
    graph = import_graph(REPO, PACKAGES)
    assert len(graph) > 50, "the packages were not found"
    loops = [" → ".join(one_cycle(graph, c)) for c in circles(graph)]
    assert not loops, "import circles:\n" + "\n".join(loops)


def reaches_into(root: Path, package: str, forbidden: set[str]) -> list[str]:
    """Every import, wherever it stands, by which a module under `package` names one of
    the `forbidden` top-level packages: "module imports name" for each."""
    found: list[str] = []
    for module, path in module_files(root, (package,)).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for statement in _imports(tree):
            names = (
                [a.name for a in statement.names]
                if isinstance(statement, ast.Import)
                else [_absolute(module, path, statement)]
            )
            found += [f"{module} imports {n}" for n in names if n.split(".")[0] in forbidden]
    return found


def test_harness_stands_apart_from_tests():
    """The harness drives the product from outside; the tests and benchmarks use it,
    never the other way, and it never reaches into a test module."""
    assert module_files(REPO, ("harness",)), "harness/ was not found"
    assert reaches_into(REPO, "harness", {"tests", "bench"}) == []


def test_benchmarks_stand_apart_from_tests():
    """A benchmark drives the product through the harness, never through a test module:
    what both need lives in harness/."""
    assert module_files(REPO, ("bench",)), "bench/ was not found"
    assert reaches_into(REPO, "bench", {"tests"}) == []


def test_the_checker_sees_a_test_import_hidden_in_a_function(tmp_path: Path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    (tmp_path / "bench" / "run.py").write_text(
        "import json\n\n\ndef main():\n    from tests.e2e.pages import sign_in\n    return sign_in\n"
    )
    (tmp_path / "bench" / "plain.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tests.support\n"
    )
    assert reaches_into(tmp_path, "bench", {"tests"}) == ["bench.run imports tests.e2e.pages"]


def test_the_checker_sees_a_circle_hidden_in_a_function(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import helper\n")
    (tmp_path / "pkg" / "b.py").write_text("def helper():\n    from pkg import a\n    return a\n")
    (tmp_path / "pkg" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n"
    )
    (tmp_path / "pkg" / "d.py").write_text("from . import c\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert circles(graph) == [["pkg.a", "pkg.b"]]
    assert one_cycle(graph, ["pkg.a", "pkg.b"]) in (
        ["pkg.a", "pkg.b", "pkg.a"],
        ["pkg.b", "pkg.a", "pkg.b"],
    )
