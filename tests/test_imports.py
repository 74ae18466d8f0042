"""No import cycles in service/: between modules, and between its packages (build, sparql,
store, web, ...). Lazy imports inside functions count: they are a dependency all the same."""

from __future__ import annotations

import ast
from pathlib import Path

from service.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "service"


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the service modules it imports (``from a import b`` counts ``a.b`` when b is
    a module, else ``a``)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                           else node.module for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def package_of(module: str) -> str:
    """``service.web.routes.api`` -> ``service.web``; a top-level module is its own node."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        packages.setdefault(source, set()).update(
            package_of(t) for t in targets if package_of(t) != source)
    return packages


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_lazy_and_from_imports():
    graph = import_graph()
    assert "service.sparql.pool" in graph["service.sparql.runner"]
    assert "service.web.representation" in graph["service.web.routes.api"]
    assert "service.web.results" in graph["service.web.routes.sparql"]


def test_no_import_cycle_between_modules():
    assert find_cycle(import_graph()) is None, find_cycle(import_graph())


def test_no_import_cycle_between_packages():
    packages = package_graph(import_graph())
    assert {"service.sparql", "service.store", "service.web"} <= set(packages)
    assert find_cycle(packages) is None, find_cycle(packages)
