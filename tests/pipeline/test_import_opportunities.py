"""Opportunities as the import's third kind (SPEC 9), through the installed CLI: the
generic file and the two CRM presets, rejects named by line, a re-import that changes
nothing, and one that moves a stage with its history kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.pipeline.scenario import run, setup


def rows(db: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


OPP = "SELECT o.external_id, l.external_id, o.created_at, o.amount, o.currency, o.stage,"
OPP += " o.closed_at, o.won FROM opportunity o JOIN lead l ON l.id = o.lead_id ORDER BY o.id"


def test_generic_import_rejects_by_line_and_is_idempotent(tmp_path: Path) -> None:
    env = setup(tmp_path)
    r = run(env, "import", str(tmp_path / "opps.csv"))
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "imported opps.csv (opportunities, generic): 4 read, 3 inserted, 0 updated,"
        " 0 unchanged, 1 rejected",
        f"  {tmp_path / 'opps.csv'}:5: currency EUR: agreement acme-2024 counts USD"
        " (definitions.currency): convert the amount, or leave the opportunity out",
    ]
    db = env["SLACTL_DB"]
    # UTC; a close written as a date is its local midnight; the empty currency is the
    # agreement's; "5,000.00" is 5000
    assert rows(db, OPP) == [
        (
            "O-1",
            "L-1",
            "2024-05-06 14:00:00",
            10000.0,
            "USD",
            "Closed Won",
            "2024-05-21 16:00:00",
            1,
        ),
        ("O-2", "L-1", "2024-05-15 14:00:00", 5000.0, "USD", "Negotiation", None, None),
        (
            "O-3",
            "L-2",
            "2024-05-08 14:00:00",
            8000.0,
            "USD",
            "Closed Lost",
            "2024-05-20 04:00:00",
            0,
        ),
    ]
    again = run(env, "import", str(tmp_path / "opps.csv"))
    assert again.stderr.splitlines()[0] == (
        "imported opps.csv (opportunities, generic): 4 read, 0 inserted, 0 updated,"
        " 3 unchanged, 1 rejected"
    )
    assert rows(db, "SELECT COUNT(*) FROM opportunity_change") == [(0,)]
    assert rows(db, "SELECT kind, inserted FROM import_run ORDER BY id") == [
        ("leads", 5),
        ("activities", 6),
        ("opportunities", 3),
    ]


def test_re_import_moves_a_stage_and_keeps_the_old_values(tmp_path: Path) -> None:
    env = setup(tmp_path)
    run(env, "import", str(tmp_path / "opps.csv"))
    moved = tmp_path / "opps2.csv"
    moved.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-2,L-1,2024-05-15T10:00-04:00,6000,USD,Closed Won,2024-05-30T15:00-04:00,yes\n"
    )
    r = run(env, "import", str(moved))
    assert r.stderr.splitlines()[0] == (
        "imported opps2.csv (opportunities, generic): 1 read, 0 inserted, 1 updated,"
        " 0 unchanged, 0 rejected"
    )
    db = env["SLACTL_DB"]
    assert rows(db, OPP)[1] == (
        "O-2",
        "L-1",
        "2024-05-15 14:00:00",
        6000.0,
        "USD",
        "Closed Won",
        "2024-05-30 19:00:00",
        1,
    )
    assert rows(
        db, "SELECT field, old_value, new_value, import_id FROM opportunity_change ORDER BY id"
    ) == [
        ("amount", "5000.0", "6000.0", 4),
        ("stage", "Negotiation", "Closed Won", 4),
        ("closed_at", None, "2024-05-30 19:00:00", 4),
        ("won", None, "true", 4),
    ]


def test_bad_rows_are_rejected_one_line_each(tmp_path: Path) -> None:
    env = setup(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-5,L-9,2024-05-09T10:00-04:00,3000,USD,Prospecting,,\n"
        "O-6,L-3,2024-05-09T10:00-04:00,-3,USD,Prospecting,,\n"
        "O-7,L-3,2024-05-09T10:00-04:00,30,US,Prospecting,,\n"
        "O-8,L-3,2024-05-09T10:00-04:00,30,USD,Closed Lost,2024-05-08,no\n"
        "O-9,L-3,2024-05-09T10:00-04:00,30,USD,Closed Won,2024-05-09,maybe\n"
        "O-10,L-3,2024-05-09T10:00-04:00,30,USD,Closed Won,2024-05-09,true\n"
    )
    r = run(env, "import", str(bad), "--rejects", str(tmp_path / "rejects.csv"))
    assert r.returncode == 0
    assert r.stderr.splitlines()[1:] == [
        f"  {bad}:2: no lead 'L-9' in the ledger: import the leads first",
        f"  {bad}:3: column amount: '-3' is not an amount of 0 or more: write e.g. 12000 or"
        " 12000.50",
        f"  {bad}:4: column currency: 'US' is not a currency code: use ISO 4217 such as USD or EUR",
        f"  {bad}:5: closed_at 2024-05-08 is before created_at 2024-05-09T10:00-04:00",
        f"  {bad}:6: column won: 'maybe' is not true or false",
    ]
    # (a close on the day of the creation, written as a date, is not before it)
    assert rows(env["SLACTL_DB"], "SELECT external_id FROM opportunity") == [("O-10",)]
    strict = run(env, "import", str(bad), "--strict")
    assert (strict.returncode, strict.stderr) == (
        2,
        f"Error: {bad}:2: no lead 'L-9' in the ledger: import the leads first\n",
    )


def test_salesforce_and_hubspot_exports(tmp_path: Path) -> None:
    env = setup(tmp_path)
    sf = tmp_path / "sf.csv"
    sf.write_text(
        '"Opportunity ID","Opportunity Name","Lead ID","Amount","Opportunity Currency","Stage",'
        '"Created Date","Close Date","Won","Closed"\n'
        '"006A1","Acme renewal","L-3","12,500.00","USD","Closed Won","5/9/2024","5/28/2024",'
        '"1","1"\n'
        '"006A2","Acme upsell","L-3","4000","USD","Proposal/Price Quote","5/10/2024",'
        '"6/30/2024","0","0"\n'
    )
    r = run(env, "import", str(sf), "--date-order", "mdy")
    assert r.stderr.splitlines()[0] == (
        "imported sf.csv (opportunities, salesforce): 2 read, 2 inserted, 0 updated,"
        " 0 unchanged, 0 rejected"
    )
    hs = tmp_path / "hs.csv"
    hs.write_text(
        "Record ID,Deal Name,Deal Stage,Amount,Deal currency code,Create Date,Close Date,"
        "Is Closed Won,Associated Contact\n"
        "9001,Beta deal,closedwon,7000,USD,2024-05-09 11:00,2024-05-29 09:00,true,"
        "Bo Bell (bo@b.example)\n"
    )
    r = run(env, "import", str(hs))
    assert r.stderr.splitlines()[0] == (
        "imported hs.csv (opportunities, hubspot): 1 read, 1 inserted, 0 updated,"
        " 0 unchanged, 0 rejected"
    )
    # the open deal's Close Date is only expected: no close
    assert rows(env["SLACTL_DB"], OPP) == [
        (
            "006A1",
            "L-3",
            "2024-05-09 04:00:00",
            12500.0,
            "USD",
            "Closed Won",
            "2024-05-28 04:00:00",
            1,
        ),
        ("006A2", "L-3", "2024-05-10 04:00:00", 4000.0, "USD", "Proposal/Price Quote", None, 0),
        (
            "9001",
            "L-2",
            "2024-05-09 15:00:00",
            7000.0,
            "USD",
            "closedwon",
            "2024-05-29 13:00:00",
            1,
        ),
    ]


def test_kind_map_dry_run_and_a_contact_id(tmp_path: Path) -> None:
    env = setup(tmp_path)
    odd = tmp_path / "odd.csv"
    odd.write_text("Deal,Person,Opened,Value\nD-1,L-4,2024-05-09T11:00-04:00,900\n")
    r = run(env, "import", str(odd), "--kind", "opportunities", "--dry-run")
    assert (r.returncode, r.stderr) == (
        2,
        f"Error: {odd}: cannot tell leads from activities by the header (Deal, Person, Opened,"
        " Value): pass --kind and --preset, or --map 'Column=field'\n",
    )
    maps = ("--map", "Deal=external_id", "--map", "Person=lead", "--map", "Opened=created_at")
    r = run(
        env,
        "import",
        str(odd),
        "--kind",
        "opportunities",
        *maps,
        "--map",
        "Value=amount",
        "--dry-run",
    )
    assert r.stderr.splitlines()[0] == (
        "would import odd.csv (opportunities, generic): 1 read, 1 inserted, 0 updated,"
        " 0 unchanged, 0 rejected"
    )
    assert rows(env["SLACTL_DB"], "SELECT COUNT(*) FROM opportunity") == [(0,)]
    typo = run(env, "import", str(odd), "--kind", "opportunities", "--map", "Value=amont")
    assert (
        typo.stderr == "Error: --map 'Value=amont': unknown field 'amont'; did you mean 'amount'?\n"
    )
    hs = tmp_path / "deals.csv"
    hs.write_text(
        "Record ID,Deal Name,Deal Stage,Amount,Create Date,Associated Contact IDs\n"
        "9002,Gamma,appointmentscheduled,1200,2024-05-10 09:15,L-4;L-3\n"
    )
    r = run(env, "import", str(hs))
    assert r.returncode == 0, r.stderr
    # the first associated contact; no currency column: the agreement's
    assert rows(env["SLACTL_DB"], OPP) == [
        ("9002", "L-4", "2024-05-10 13:15:00", 1200.0, "USD", "appointmentscheduled", None, None)
    ]


def test_an_amount_that_could_mean_two_things_is_refused(tmp_path: Path) -> None:
    """A euro or pound sign in a dollar row, and a dot that may group thousands (12.000
    is twelve thousand in a German export), are refused rather than read one way."""
    env = setup(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,lead,created_at,amount,currency,stage,closed_at,won\n"
        "O-5,L-3,2024-05-09T10:00-04:00,€12000,USD,Prospecting,,\n"
        "O-6,L-3,2024-05-09T10:00-04:00,£12000,,Prospecting,,\n"
        "O-7,L-3,2024-05-09T10:00-04:00,12.000,USD,Prospecting,,\n"
        "O-8,L-3,2024-05-09T10:00-04:00,$1.500,USD,Prospecting,,\n"
        'O-9,L-3,2024-05-09T10:00-04:00,"$12,000.50",usd,Prospecting,,\n'
        "O-10,L-3,2024-05-09T10:00-04:00,1234.567,USD,Prospecting,,\n"
        "O-11,L-3,2024-05-09T10:00-04:00,0.125,USD,Prospecting,,\n"
    )
    r = run(env, "import", str(bad))
    assert r.returncode == 0
    assert r.stderr.splitlines() == [
        "imported bad.csv (opportunities, generic): 7 read, 3 inserted, 0 updated,"
        " 0 unchanged, 4 rejected",
        f"  {bad}:2: column amount: '€12000' is written in € but the row's currency is USD:"
        " convert the amount to USD, or correct the currency",
        f"  {bad}:3: column amount: '£12000' is written in £ but the row's currency is USD:"
        " convert the amount to USD, or correct the currency",
        f"  {bad}:4: column amount: '12.000' could mean 12 or 12000 (a dot grouping"
        " thousands): write it without the dot, or with two decimals",
        f"  {bad}:5: column amount: '$1.500' could mean 1.5 or 1500 (a dot grouping"
        " thousands): write it without the dot, or with two decimals",
    ]
    assert rows(env["SLACTL_DB"], "SELECT external_id, amount, currency FROM opportunity") == [
        ("O-9", 12000.5, "USD"),
        ("O-10", 1234.567, "USD"),
        ("O-11", 0.125, "USD"),
    ]
    strict = run(env, "import", str(bad), "--strict")
    assert (strict.returncode, strict.stderr) == (
        2,
        f"Error: {bad}:2: column amount: '€12000' is written in € but the row's currency is"
        " USD: convert the amount to USD, or correct the currency\n",
    )
    assert rows(env["SLACTL_DB"], "SELECT COUNT(*) FROM opportunity") == [(3,)]
