"""pause, resume, accept, reassign, and the reasons and durations of log and disposition
(SPEC 7): what they record, and the one-line refusals that leave the ledger as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from slactl.cli import app
from slactl.ledger.engine import open_ledger

ROOT = Path(__file__).resolve().parents[2]
STOCK = (ROOT / "agreements" / "acme-2024.yaml").read_text()
RULES = STOCK.replace(
    "  outcomes: [qualified, disqualified, nurture]\n",
    "  outcomes: [qualified, disqualified, nurture]\n"
    "  reasons: {disqualified: [no-budget, wrong-persona, student]}\n"
    "  pauses: {reasons: [callback-requested, out-of-office], max: 10 business days}\n",
)
QUOTAS = (ROOT / "agreements" / "quotas.yaml").read_text()
AT = ["--at", "2024-05-29T11:00"]


@pytest.fixture
def env(tmp_path: Path, ledger_url: str) -> dict[str, str]:
    """A ledger with the example leads; agreements with reasons and pauses (``rules``)
    and the stock one without either (``stock``)."""
    for name, body in (("rules", RULES), ("stock", STOCK)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "acme-2024.yaml").write_text(body)
        (tmp_path / name / "quotas.yaml").write_text(QUOTAS)
    e = {"db": ledger_url, "rules": str(tmp_path / "rules"), "stock": str(tmp_path / "stock")}
    assert cli(e, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    return e


def cli(env: dict[str, str], *args: str, agreements: str = "rules"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", env["db"], "--agreements", env[agreements], *args])


def events(env: dict[str, str]) -> list[tuple[object, ...]]:
    engine = open_ledger(env["db"])
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT l.external_id, e.kind, e.rep, e.outcome, e.note, e.reason,"
                        " e.duration, e.from_rep, e.origin FROM event e JOIN lead l"
                        " ON l.id = e.lead_id ORDER BY e.id"
                    )
                )
            ]
    finally:
        engine.dispose()


def test_each_command_records_what_it_says(env: dict[str, str]) -> None:
    for args, said in (
        (["pause", "L-0044", "--reason", "Callback-Requested", "--rep", "alice"], "pause"),
        (["resume", "L-0044", "--at", "2024-05-30T10:00"], "resume"),
        (["accept", "L-0044", "--rep", "alice", "--at", "2024-05-30T10:05"], "accept"),
        (["reassign", "L-0044", "--to", "bob", "--from", "alice"], "reassign to bob from alice"),
        (["log", "L-0044", "call", "--rep", "bob", "--duration", "12.5"], "call"),
        (
            ["disposition", "L-0044", "disqualified", "--rep", "bob", "--reason", "student"],
            "disposition disqualified",
        ),
    ):
        when = "2024-05-29T11:00" if "--at" not in args else args[args.index("--at") + 1]
        r = cli(env, *args, *([] if "--at" in args else AT))
        assert (r.exit_code, r.stderr) == (0, f"logged {said} on L-0044 at {when}-04:00\n")
    assert events(env) == [
        ("L-0044", "pause", "alice", None, None, "callback-requested", None, None, "cli"),
        ("L-0044", "resume", None, None, None, None, None, None, "cli"),
        ("L-0044", "accept", "alice", None, None, None, None, None, "cli"),
        ("L-0044", "reassign", "bob", None, None, None, None, "alice", "cli"),
        ("L-0044", "call", "bob", None, None, None, 12.5, None, "cli"),
        ("L-0044", "disposition", "bob", "disqualified", None, "student", None, None, "cli"),
    ]
    again = cli(env, "pause", "L-0044", "--reason", "out-of-office", "--rep", "alice", *AT)
    assert again.stderr == "already in the ledger: pause on L-0044 at 2024-05-29T11:00-04:00\n"


@pytest.mark.parametrize(
    ("args", "agreements", "message"),
    [
        (
            ["pause", "L-0044", "--reason", "callback-requsted"],
            "rules",
            "reason 'callback-requsted' is not in definitions.pauses.reasons:"
            " did you mean 'callback-requested'?",
        ),
        (
            ["pause", "L-0044", "--reason", "vacation"],
            "rules",
            "reason 'vacation' is not in definitions.pauses.reasons:"
            " use one of callback-requested, out-of-office",
        ),
        (
            ["pause", "L-0044", "--reason", "callback-requested"],
            "stock",
            "agreement acme-2024 allows no pauses: add definitions.pauses (its reasons and"
            " max) to the agreement, or record a touch instead",
        ),
        (
            ["pause", "L-0044", "--reason", "callback-requested", "--at", "2025-02-03T10:00"],
            "rules",
            "no agreement is in effect on 2025-02-03 to allow a pause: pauses need"
            " definitions.pauses in the agreement of their date",
        ),
        (
            ["disposition", "L-0044", "disqualified", "--rep", "bob"],
            "rules",
            "a disposition 'disqualified' needs a reason: one of no-budget, wrong-persona,"
            " student (definitions.reasons.disqualified)",
        ),
        (
            ["disposition", "L-0044", "disqualified", "--rep", "bob", "--reason", "no-budgt"],
            "rules",
            "reason 'no-budgt' is not in definitions.reasons.disqualified:"
            " did you mean 'no-budget'?",
        ),
        (
            ["log", "L-0044", "call", "--rep", "bob", "--duration", "-5"],
            "rules",
            "--duration '-5': negative; minutes spent are 0 or more",
        ),
        (
            ["log", "L-0044", "call", "--rep", "bob", "--duration", "5min"],
            "rules",
            "--duration '5min': not a number of minutes; write e.g. 12 or 12.5 (or 0:12:30)",
        ),
        (
            ["reassign", "L-0044", "--to", "alcie"],
            "rules",
            "no rep 'alcie' in the ledger; did you mean 'alice'? (a new rep: add --new-rep)",
        ),
        (
            ["reassign", "L-0044", "--to", "bob", "--from", "alcie"],
            "rules",
            "no rep 'alcie' in the ledger; did you mean 'alice'? (a new rep: add --new-rep)",
        ),
        # an empty name was stored as a rep called '' (a reassign to nobody), exit 0
        (["reassign", "L-0044", "--to", ""], "rules", "--to is empty: name the lead's new owner"),
        (
            ["reassign", "L-0044", "--to", "bob", "--from", " "],
            "rules",
            "--from is empty: name the previous owner, or leave --from out",
        ),
        (
            ["pause", "L-0044", "--reason", "out-of-office", "--rep", ""],
            "rules",
            "--rep is empty: name the rep who did it",
        ),
        (
            ["log", "L-0044", "call", "--rep", " "],
            "rules",
            "--rep is empty: name the rep who did it",
        ),
        (
            ["log", "L-0044", "Pause", "--rep", "bob"],
            "rules",
            "'pause' has its own command: slactl pause …",
        ),
        (
            ["accept", "L-0440"],
            "rules",
            "no lead 'L-0440' in the ledger; did you mean 'L-0144'?",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_records_nothing(
    env: dict[str, str], args: list[str], agreements: str, message: str
) -> None:
    r = cli(env, *args, *([] if "--at" in args else AT), agreements=agreements)
    assert (r.exit_code, r.stderr) == (2, f"Error: {message}\n")
    assert events(env) == []


@pytest.mark.parametrize(
    "args",
    [
        ["pause", "", "--reason", "callback-requested", "--rep", "alice"],
        ["resume", ""],
        ["accept", "", "--rep", "alice"],
        ["reassign", "", "--to", "bob"],
        ["log", "", "call", "--rep", "bob"],
        ["disposition", "", "qualified", "--rep", "bob"],
        ["handoff", "", "--rep", "bob"],
        ["accept", "  "],
    ],
)
def test_an_empty_lead_is_refused(env: dict[str, str], args: list[str]) -> None:
    # an empty LEAD was taken for none, as a review meeting has: the event was logged
    # against no lead at all, exit 0 ("logged accept at …")
    r = cli(env, *args, *AT)
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: LEAD is empty: give the lead's external id or email\n",
    )
    engine = open_ledger(env["db"])
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM event")).scalar() == 0
    finally:
        engine.dispose()


def test_an_outcome_without_a_reason_list_takes_any_reason_or_none(env: dict[str, str]) -> None:
    assert cli(env, "disposition", "L-0044", "nurture", "--rep", "bob", *AT).exit_code == 0
    r = cli(env, "disposition", "L-0045", "qualified", "--rep", "bob", "--reason", "Budget OK", *AT)
    assert r.exit_code == 0, r.output
    assert [e[5] for e in events(env)] == [None, "budget ok"]


def test_reassign_to_a_new_rep_needs_new_rep(env: dict[str, str]) -> None:
    r = cli(env, "reassign", "L-0044", "--to", "zoe", *AT)
    assert r.exit_code == 2
    assert (
        r.stderr
        == "Error: no rep 'zoe' in the ledger: check the name, or add --new-rep for a new rep\n"
    )
    r = cli(env, "reassign", "L-0044", "--to", "zoe", "--new-rep", *AT)
    assert (r.exit_code, r.stderr) == (
        0,
        "logged reassign to zoe on L-0044 at 2024-05-29T11:00-04:00\n",
    )
    assert events(env) == [("L-0044", "reassign", "zoe", None, None, None, None, None, "cli")]


def test_db_copy_carries_reasons_durations_and_previous_owners(tmp_path: Path, pg_url: str) -> None:
    """SQLite -> PostgreSQL -> SQLite: every event as it was, and the PostgreSQL ledger's
    reads give the engine the same events."""
    from datetime import UTC, datetime

    from slactl.ledger.queries import lead_history
    from slactl.records import Event

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme-2024.yaml").write_text(RULES)
    (tmp_path / "rules" / "quotas.yaml").write_text(QUOTAS)
    first = {"db": str(tmp_path / "first.db"), "rules": str(tmp_path / "rules")}
    assert cli(first, "import", str(ROOT / "examples" / "leads.csv")).exit_code == 0
    for args in (
        ["pause", "L-0044", "--reason", "out-of-office", "--rep", "alice", *AT],
        ["reassign", "L-0044", "--to", "bob", "--from", "alice", "--at", "2024-05-30T10:00"],
        ["log", "L-0044", "call", "--rep", "bob", "--duration", "7.25", "--at", "2024-05-30T11:00"],
    ):
        assert cli(first, *args).exit_code == 0
    r = cli(first, "db", "copy", "--to", pg_url)
    assert r.exit_code == 0, r.output
    back = {"db": str(tmp_path / "back.db"), "rules": first["rules"]}
    r = CliRunner().invoke(app, ["--db", pg_url, "db", "copy", "--to", back["db"]])
    assert r.exit_code == 0, r.output
    assert events(back) == events(first)
    engine = open_ledger(pg_url)
    try:
        with engine.connect() as conn:
            history = lead_history(conn=conn, key="L-0044")
    finally:
        engine.dispose()
    assert history is not None
    assert history.events == (
        Event("pause", datetime(2024, 5, 29, 15, tzinfo=UTC), "alice", reason="out-of-office"),
        Event("reassign", datetime(2024, 5, 30, 14, tzinfo=UTC), "bob", from_rep="alice"),
        Event("call", datetime(2024, 5, 30, 15, tzinfo=UTC), "bob", duration=7.25),
    )
