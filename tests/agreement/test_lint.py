"""`lint`: every error and warning of SPEC 3.3, each naming its file and line."""

from __future__ import annotations

from pathlib import Path

from slactl.agreement.lint import LintMessage, lint, lint_report

ROOT = Path(__file__).resolve().parents[2]

# line numbers matter below: keep this text as it is, append to it
AGREEMENT = """\
slactl: 1
name: t
period: {start: 2024-01-01, end: 2024-06-30}
calendar:
  timezone: America/New_York
  hours:
    mon-fri: "09:00-17:00"
commitments:
  sales:
    - id: speed
      measure: first_touch
      within: 4 business hours
      target: 90%
    - id: disposition
      measure: disposition
      within: 10 business days
      target: 95%
    - id: persistence
      measure: touches_before_return
      minimum: 6
      open_for: 10 business days
      target: 100%
    - id: cadence
      measure: touch_cadence
      max_gap: 2 business days
      until: 6
      target: 90%
"""
MARKETING = """\
  marketing:
    - id: volume
      measure: mql_volume
      target: 100%
"""
QUOTAS = "mql_volume:\n" + "".join(f"  2024-0{m}: 25\n" for m in range(1, 7))


def write(directory: Path, text: str, quotas: str | None = None, name: str = "a.yaml") -> Path:
    path = directory / name
    path.write_text(text)
    if quotas is not None:
        (directory / "quotas.yaml").write_text(quotas)
    return path


def texts(messages: list[LintMessage]) -> list[str]:
    return [str(m) for m in messages]


def test_bundled_agreements_are_clean() -> None:
    result = lint_report(ROOT / "agreements")
    assert result.messages == []
    assert [a.name for a in result.agreements] == ["acme-2024"]


def test_a_consistent_agreement_is_clean(tmp_path: Path) -> None:
    write(tmp_path, AGREEMENT + MARKETING, QUOTAS)
    assert lint(tmp_path) == []


def test_message_format() -> None:
    m = LintMessage(Path("agreements/a.yaml"), 12, "warning", "something")
    assert str(m) == "agreements/a.yaml:12: warning: something"


def test_every_error_not_just_the_first(tmp_path: Path) -> None:
    text = (
        AGREEMENT.replace("America/New_York", "America/Nowhere")
        .replace("within: 4 business hours", "withn: 4 business hours")
        .replace("within: 10 business days", "within: 10 bussiness days")
        .replace("target: 100%", "target: 120%")
        .replace('"09:00-17:00"', '"17:00-09:00"')
    )
    a = write(tmp_path, text)
    assert texts(lint(tmp_path)) == [
        f"{a}:5: error: unknown time zone 'America/Nowhere': use an IANA name such as"
        " America/New_York",
        f"{a}:7: error: impossible working hours '17:00-09:00': a span must close after it"
        " opens (spans cannot cross midnight)",
        f"{a}:10: error: commitment speed (first_touch) needs 'within', e.g. '4 business hours'",
        f"{a}:12: error: unknown key 'withn' in commitment speed; did you mean 'within'?",
        f"{a}:16: error: commitment disposition within: bad duration '10 bussiness days':"
        " write '<n> <unit>' with unit business minutes|hours|days or minutes|hours|days|weeks,"
        " e.g. '4 business hours'",
        f"{a}:22: error: target '120%' for commitment persistence is outside 0-100 %",
    ]


def test_malformed_yaml_is_one_message_with_its_line(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT.replace("  hours:", "  hours: {mon-fri: [09:00"))
    assert texts(lint(a)) == [
        f"{a}:7: error: malformed YAML: expected ',' or ']', but got ':';"
        " check indentation and quoting"
    ]


def test_malformed_quotas_file_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, AGREEMENT + MARKETING, "mql_volume:\n  2024-01: 25\n  2024-02: [\n")
    [m] = lint(tmp_path)
    assert (m.path.name, m.line, m.level) == ("quotas.yaml", 4, "error")
    assert m.text.startswith("malformed YAML:")


def test_condition_on_unknown_field(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT + "definitions:\n  mql:\n    any:\n      - scre: '>= 60'\n")
    assert texts(lint(a)) == [
        f"{a}:31: error: definitions.mql: condition on unknown field 'scre'; did you mean 'score'?"
    ]


def test_overlapping_periods_name_both_files(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT)
    b = write(
        tmp_path,
        AGREEMENT.replace("name: t", "name: u").replace("2024-01-01", "2024-06-01"),
        name="b.yaml",
    )
    assert texts(lint(tmp_path)) == [
        f"{b}:1: error: period 2024-06-01..2024-06-30 overlaps {a} (2024-01-01..2024-06-30);"
        " periods must not overlap"
    ]


def test_mql_volume_without_quotas_file(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT + MARKETING)
    assert texts(lint(tmp_path)) == [
        f"{a}:29: error: commitment volume measures mql_volume but there is no"
        f" {tmp_path / 'quotas.yaml'}"
    ]


def test_months_without_quota(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT + MARKETING, "mql_volume:\n  2024-01: 25\n  2024-03: 25\n")
    assert texts(lint(tmp_path)) == [
        f"{a}:29: warning: no MQL quota for 2024-02, 2024-04, 2024-05, 2024-06 in"
        f" {tmp_path / 'quotas.yaml'}: mql-volume is not counted there"
    ]
    # without an mql_volume commitment the quotas are not read, and gaps do not matter
    write(tmp_path, AGREEMENT)
    assert lint(tmp_path) == []


def test_disposition_shorter_than_persistence(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT.replace("within: 10 business days", "within: 8 business days"))
    assert texts(lint(a)) == [
        f"{a}:14: warning: disposition asks for a disposition within 8 business days, but"
        " persistence keeps a lead open 10 business days before it may go back to marketing:"
        " both cannot be met for a returned lead",
        f"{a}:23: warning: cadence allows 5 gaps of 2 business days between touch 1 and touch"
        " 6, longer than the 8 business days disposition allows: a rep keeping to the cadence"
        " can breach disposition",
    ]


def test_units_are_compared_through_the_calendar(tmp_path: Path) -> None:
    # from the period's first opening, Tue 2024-01-02 09:00 (no holidays configured),
    # 2 weeks and 10 business days both end on 2024-01-16 09:00: not longer, no warning
    text = AGREEMENT.replace("open_for: 10 business days", "open_for: 2 weeks")
    assert lint(write(tmp_path, text)) == []
    # 3 weeks ends after 10 business days: the disposition window is the shorter one
    a = write(tmp_path, AGREEMENT.replace("open_for: 10 business days", "open_for: 3 weeks"))
    assert texts(lint(a)) == [
        f"{a}:14: warning: disposition asks for a disposition within 10 business days, but"
        " persistence keeps a lead open 3 weeks before it may go back to marketing: both"
        " cannot be met for a returned lead"
    ]


def test_cadence_in_calendar_days_against_business_days(tmp_path: Path) -> None:
    # 5 gaps of 3 days from Tue 2024-01-02 09:00 end 2024-01-17 09:00, later than
    # 10 business days (2024-01-16 09:00)
    a = write(tmp_path, AGREEMENT.replace("max_gap: 2 business days", "max_gap: 3 days"))
    assert texts(lint(a)) == [
        f"{a}:23: warning: cadence allows 5 gaps of 3 days between touch 1 and touch 6, longer"
        " than the 10 business days disposition allows: a rep keeping to the cadence can"
        " breach disposition"
    ]


def test_cadence_that_stops_before_the_touch_minimum(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT.replace("until: 6", "until: 4"))
    assert texts(lint(a)) == [
        f"{a}:23: warning: cadence keeps cadence only until touch 4, but persistence needs 6"
        " touches: the later touches have no gap limit"
    ]


def test_disposition_shorter_than_first_touch(tmp_path: Path) -> None:
    text = AGREEMENT.replace("within: 4 business hours", "within: 3 days").replace(
        "within: 10 business days", "within: 2 business days"
    )
    a = write(tmp_path, text)
    assert [m.line for m in lint(a)] == [14, 14, 23]
    assert str(lint(a)[0]) == (
        f"{a}:14: warning: disposition (2 business days) is shorter than speed (3 days):"
        " the first touch deadline can never be the binding one"
    )


def test_warn_as_long_as_the_deadline(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        AGREEMENT.replace(
            "within: 4 business hours", "within: 4 business hours\n      warn: 1 day"
        ),
    )
    assert texts(lint(a)) == [
        f"{a}:10: warning: speed warns 1 day ahead of a 4 business hours deadline: every pending"
        " lead would be at risk from the start; make warn shorter"
    ]


def test_marketing_commitments_on_what_sales_controls(tmp_path: Path) -> None:
    text = AGREEMENT + (
        "  marketing:\n"
        "    - id: fast-follow-up\n"
        "      measure: first_touch\n"
        "      within: 1 business day\n"
        "      target: 90%\n"
        "    - id: sql-rate\n"
        "      activity: Half of the MQLs reach SQL\n"
        "      measure: complete_fields\n"
        "      fields: [email]\n"
        "      target: 50%\n"
        "    - id: accepted\n"
        "      activity: Leads pass sales acceptance\n"
        "      measure: complete_fields\n"
        "      fields: [email]\n"
        "      target: 50%\n"
        "    - id: handoff\n"
        "      activity: Every MQL arrives with an email\n"
        "      measure: complete_fields\n"
        "      fields: [email]\n"
        "      target: 95%\n"
    )
    a = write(tmp_path, text)
    assert texts(lint(a)) == [
        f"{a}:29: warning: marketing commitment fast-follow-up measures first_touch, which sales"
        " controls: an SLA should bind only the party that controls the outcome",
        f"{a}:33: warning: marketing commitment sql-rate ('Half of the MQLs reach SQL') depends"
        " on sales acceptance or the SQL rate, which marketing does not control",
        f"{a}:38: warning: marketing commitment accepted ('Leads pass sales acceptance')"
        " depends on sales acceptance or the SQL rate, which marketing does not control",
    ]


def test_a_single_file_reads_the_quotas_beside_it(tmp_path: Path) -> None:
    a = write(tmp_path, AGREEMENT + MARKETING, QUOTAS)
    assert lint(a) == []


def test_missing_target(tmp_path: Path) -> None:
    assert texts(lint(tmp_path / "nope.yaml")) == [
        f"{tmp_path / 'nope.yaml'}:1: error: no such file or directory"
    ]
    assert texts(lint(tmp_path)) == [f"{tmp_path}:1: error: no agreement files (*.yaml) here"]
