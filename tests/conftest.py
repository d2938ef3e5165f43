"""Fixtures shared by every test module. Area-specific fixtures live in their own modules."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLACTL = Path(sys.executable).parent / "slactl"


def example_ledger(directory: Path) -> dict[str, str]:
    """The bundled example imported by the installed ``slactl`` into ``directory/l.db``:
    the environment that points the command at it and at the example agreements."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": str(directory / "l.db"),
        "SLACTL_AGREEMENTS": str(ROOT / "agreements"),
    }
    for name in ("leads.csv", "activities.csv"):
        subprocess.run(
            [str(SLACTL), "import", str(ROOT / "examples" / name)],
            env=env,
            check=True,
            capture_output=True,
        )
    return env


PG_ADMIN_URL = os.environ.get("SLACTL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ):
            return True
    except Exception:
        return False


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A real SQLite ledger file on disk, new for each test."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards.

    With CI=true an unreachable server fails the test instead of skipping it.
    """
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required when CI=true")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema on the local server (see ``pg_schema_url``)."""
    yield from pg_schema_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Both engines: a fresh SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield from pg_schema_url()


def _uses_postgresql(item: pytest.Item) -> bool:
    """A test needs the server when it asks for a PostgreSQL fixture or is the PostgreSQL
    case of a parametrised one (``ledger_url[postgresql]``)."""
    if "pg_url" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(
        isinstance(value, str) and value.startswith("postgres")
        for value in callspec.params.values()
    )


# The end-to-end modules whose every test runs the installed slactl (often more than
# once) against a ledger it builds, with real SMTP and HTTP servers or matplotlib: about
# 1-2 s a test: 90 s of the quick loop's 150 when they were first marked, and 25 s of its 87
# at the second (tests/ledger/test_trend_store.py and the plan, panel and lifecycle
# modules joined). `make test` runs them.
END_TO_END = frozenset(
    {
        "tests/cli/test_import_failures.py",
        "tests/cli/test_lifecycle_e2e.py",
        "tests/cli/test_report_e2e.py",
        "tests/cli/test_whatif_cmds.py",
        "tests/dashboard/test_dashboard.py",
        "tests/dashboard/test_pipeline_panel.py",
        "tests/dashboard/test_trend_store.py",
        "tests/digest/test_chart.py",
        "tests/digest/test_digest.py",
        "tests/ledger/test_trend_store.py",
        "tests/notify/test_notify.py",
        "tests/pipeline/test_import_opportunities.py",
        "tests/pipeline/test_pipeline_report.py",
        "tests/pipeline/test_plan.py",
    }
)
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply the ``postgres`` marker from the fixtures, and ``slow`` to the Hypothesis
    properties and the ``END_TO_END`` modules, so ``make test-fast`` (``-m "not slow and
    not postgres"``) is exact without each test remembering to mark itself."""
    for item in items:
        if _uses_postgresql(item) and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
        slow = _is_property(item) or _module(item) in END_TO_END
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


def _module(item: pytest.Item) -> str:
    return Path(item.fspath).resolve().relative_to(ROOT).as_posix()


def _is_property(item: pytest.Item) -> bool:
    """A Hypothesis property (``@given``): many examples each, so ``slow``."""
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def subcommands(command: Any) -> dict[str, Any]:
    """A Typer command group's commands by name, built as a run builds them (the root group
    builds each when asked for it; ``slactl.cli.app.COMMANDS``)."""
    import typer

    if not hasattr(command, "list_commands"):
        return {}
    ctx = typer.Context(command)
    return {name: command.get_command(ctx, name) for name in command.list_commands(ctx)}
