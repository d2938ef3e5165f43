"""The package's import graph, read from the source (AST): no module imports itself back,
however far round, whether the import is at the top of a module or inside a function.

A lazy import inside a function hides a cycle from Python at start-up but not from a
reader: it is still a cycle here. Only a script's ``if __name__ == "__main__":`` block is
left out, since nothing that imports the module runs it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "slactl"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_main_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    names = [test.left, *test.comparators]
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in names
    )


def _imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """The dotted names ``tree`` imports, ``from a import b`` giving both a and a.b."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    todo: list[ast.AST] = [n for n in tree.body if not _is_main_block(n)]
    while todo:
        node = todo.pop()
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each module of slactl (migrations included) and the slactl modules it imports."""
    paths = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imported = _imports(tree, name, path.name == "__init__.py")
        graph[name] = {m for m in imported if m in paths and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50  # (the walk found the package)
    assert cycles(graph) == []


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_parts_are_layered_without_a_cycle() -> None:
    # the parts (slactl.agreement, slactl.ledger, slactl.records, ...) import each other
    # one way only; in particular the agreement is below compliance, which reads it
    parts: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        parts.setdefault(_top(module), set()).update(
            _top(m) for m in imported if _top(m) != _top(module)
        )
    assert cycles(parts) == []
    assert "slactl.compliance" not in parts["slactl.agreement"]
    assert parts["slactl.records"] == set()


def test_the_check_finds_a_cycle_through_a_lazy_import() -> None:
    # the cycle engine -> lite -> engine that lite.open_for_reading's lazy import once made
    source = {
        "slactl.ledger.engine": "from slactl.ledger.lite import sqlite_path\n",
        "slactl.ledger.lite": "def f():\n    from slactl.ledger.engine import open_ledger\n",
        "slactl.ledger.schema": 'if __name__ == "__main__":\n    import slactl.ledger.engine\n',
    }
    graph = {
        name: {m for m in _imports(ast.parse(text), name, False) if m in source and m != name}
        for name, text in source.items()
    }
    assert cycles(graph) == [["slactl.ledger.engine", "slactl.ledger.lite"]]
