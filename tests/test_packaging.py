"""What slactl imports is what it declares: a wheel installed alone must run every command."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "slactl"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    """The runtime dependencies named in pyproject.toml (not the extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(_normal(match.group()))
    return names


def imported_modules(root: Path) -> dict[str, str]:
    """Every top-level module the package imports anywhere (functions included), with
    the first place it does, skipping relative imports and slactl itself."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "slactl":
                    found.setdefault(top, f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def undeclared(root: Path) -> list[str]:
    stdlib = sys.stdlib_module_names
    providers = packages_distributions()
    declared = declared_distributions()
    problems = []
    for module, where in sorted(imported_modules(root).items()):
        if module in stdlib or module == "__future__":
            continue
        dists = {_normal(d) for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{where}: {module} is not installed from any distribution")
        elif not dists & declared:
            problems.append(f"{where}: {module} comes from {sorted(dists)}, not a dependency")
    return problems


def test_every_import_is_stdlib_or_a_declared_dependency() -> None:
    assert undeclared(PACKAGE) == []


def test_the_check_catches_an_undeclared_import(tmp_path: Path) -> None:
    # click is in the test venv (sqlite-utils pulls it in) but not a dependency of slactl
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(
        "import os\nimport yaml\n\n\ndef f():\n    from click.core import Context\n",
        encoding="utf-8",
    )
    assert undeclared(package) == ["pkg/mod.py:6: click comes from ['click'], not a dependency"]
