"""Opportunities (SPEC section 9), the import's third kind: the columns of a batch checked
and converted (``columns``, called by ``ingest.convert.Converter``) and the staged batch
merged into ``opportunity`` (``merge``, called by ``ingest.pipeline``), so that
``ledger/ingest/`` stays one path with a hook for each. An opportunity is known by its CRM
id; a re-import updates what changed with an ``opportunity_change`` row per field.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# the fields of an opportunity after its id and lead, in the table's order
FIELDS = ("created_at", "amount", "currency", "stage", "closed_at", "won")
_AMOUNT = r"^(\d+\.?\d*|\.\d+|\d{1,3}(,\d{3})+(\.\d*)?)$"  # 12000, 12000.50, 12,000.50
# 12.000: twelve thousand where a dot groups thousands, twelve where it is the decimal point
_DOTTED_THOUSANDS = r"^[1-9]\d{0,2}\.\d{3}$"
# the currencies an amount's symbol can stand for ("$": the dollars and pesos written so)
_SYMBOLS = {
    "€": ("EUR",),
    "£": ("GBP", "GIP", "FKP", "SHP"),
    "$": (
        "USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "CUP",
        "DOP", "UYU", "BSD", "BBD", "BZD", "BMD", "BND", "KYD", "FJD", "GYD", "JMD", "LRD",
        "NAD", "SBD", "SRD", "TTD", "XCD",
    ),
}  # fmt: skip
_TRUE = ("true", "yes", "1", "won", "closed won", "y", "x")
_FALSE = ("false", "no", "0", "lost", "closed lost", "n", "")
# "Jane Doe (jane@example.com)": an associated contact as HubSpot writes it
_NAMED_EMAIL = r"^.*\((?P<email>[^()@\s]+@[^()\s]+)\)\s*$"


def columns(conv: Any, cells: dict[str, Any], check: Any) -> dict[str, Any]:
    """The batch's opportunity columns (only those the file has), its bad rows named in
    ``check``. ``conv``: the ``Converter``, for its reading of times and agreements."""
    ident = cells["external_id"]
    check(pc.equal(ident, ""), "no id: every opportunity needs its CRM id")
    lead = pc.utf8_trim_whitespace(pc.list_element(pc.split_pattern(cells["lead"], ";"), 0))
    if pc.any(pc.match_substring_regex(lead, _NAMED_EMAIL)).as_py():
        email = pc.extract_regex(lead, _NAMED_EMAIL).field("email")
        lead = pc.coalesce(email, lead)
    check(pc.equal(lead, ""), "no lead: give the lead's external id or email")
    check(pc.equal(cells["created_at"], ""), "no created_at: every opportunity needs one")
    out: dict[str, Any] = {"external_id": ident, "lead": lead, "lead_lower": pc.utf8_lower(lead)}
    created = out["created_at"] = conv._time(cells["created_at"], "created_at", check)
    if "amount" in cells:
        bare = pc.utf8_trim(cells["amount"], "$€£ ")
        good = pc.match_substring_regex(bare, _AMOUNT)
        text = pc.replace_substring(bare, ",", "")
        check(
            pc.and_(pc.invert(good), pc.not_equal(cells["amount"], "")),
            lambda i: (
                f"column amount: {cells['amount'][i].as_py()!r} is not an amount of 0 or"
                " more: write e.g. 12000 or 12000.50"
            ),
        )
        dotted = pc.match_substring_regex(bare, _DOTTED_THOUSANDS)
        check(
            dotted,
            lambda i: (
                f"column amount: {cells['amount'][i].as_py()!r} could mean"
                f" {float(bare[i].as_py()):g} or {bare[i].as_py().replace('.', '')} (a dot grouping"
                " thousands): write it without the dot, or with two decimals"
            ),
        )
        good = pc.and_(good, pc.invert(dotted))
        out["amount"] = pc.cast(pc.if_else(good, text, None), pa.float64())
    currency = pc.utf8_upper(cells.get("currency", pa.array([""] * len(ident), pa.string())))
    check(
        pc.and_(
            pc.invert(pc.match_substring_regex(currency, "^[A-Z]{3}$")), pc.not_equal(currency, "")
        ),
        lambda i: (
            f"column currency: {currency[i].as_py()!r} is not a currency code:"
            " use ISO 4217 such as USD or EUR"
        ),
    )
    currency = _agreed_currency(conv, currency, created, check)
    if currency is not None:
        out["currency"] = pc.if_else(pc.equal(currency, ""), None, currency)
        if "amount" in cells:
            _symbol_agrees(cells["amount"], currency, check)
    if "stage" in cells:
        out["stage"] = pc.if_else(pc.equal(cells["stage"], ""), None, cells["stage"])
    won = None
    if "won" in cells:
        flag = pc.utf8_lower(cells["won"])
        check(
            pc.invert(pc.is_in(flag, pa.array(_TRUE + _FALSE))),
            lambda i: f"column won: {cells['won'][i].as_py()!r} is not true or false",
        )
        won = out["won"] = pc.if_else(
            pc.equal(flag, ""), pa.scalar(None, pa.bool_()), pc.is_in(flag, pa.array(_TRUE))
        )
    if "closed_at" in cells:
        closed = conv._time(cells["closed_at"], "closed_at", check)
        if "closed" in cells:  # a CRM's Close Date of an open deal is the expected one
            shut = pc.is_in(pc.utf8_lower(cells["closed"]), pa.array(_TRUE))
            if won is not None:
                shut = pc.or_(shut, pc.fill_null(won, False))
            closed = pc.if_else(shut, closed, None)
        # a close written as a date alone is that whole day: not before a creation on it
        day = pc.invert(pc.match_substring(cells["closed_at"], ":"))
        end = pc.add(_instant(closed), pc.if_else(day, 86_399_999_999, 0).cast(pa.duration("us")))
        check(
            pc.fill_null(pc.less(end, _instant(created)), False),
            lambda i: (
                f"closed_at {cells['closed_at'][i].as_py()} is before created_at"
                f" {cells['created_at'][i].as_py()}"
            ),
        )
        out["closed_at"] = closed
    return out


def _symbol_agrees(amount: Any, currency: Any, check: Any) -> None:
    """An amount written with a currency symbol must be in a currency that symbol stands
    for: ``€12,000`` in a USD row is refused, not read as 12,000 dollars."""
    for symbol, codes in _SYMBOLS.items():
        check(
            pc.and_(
                pc.match_substring(amount, symbol),
                pc.and_(pc.not_equal(currency, ""), pc.invert(pc.is_in(currency, pa.array(codes)))),
            ),
            lambda i, s=symbol: (
                f"column amount: {amount[i].as_py()!r} is written in {s} but the row's"
                f" currency is {currency[i].as_py()}: convert the amount to"
                f" {currency[i].as_py()}, or correct the currency"
            ),
        )


def _instant(column: Any) -> Any:
    """Times as the converter stores them (UTC text on SQLite) as timestamps."""
    return pc.cast(column, pa.timestamp("us"))


def _agreed_currency(conv: Any, currency: Any, created: Any, check: Any) -> Any:
    """The file's currencies checked against each agreement's ``definitions.currency``
    (by the agreement in effect at the opportunity's creation); an empty cell takes the
    agreement's. None when the file has no currency and no agreement names one."""
    named = [r for r in conv.rules if getattr(r, "currency", None)]
    if not named:
        return currency if "currency" in conv.fields.values() else None
    at = _instant(created)
    for rule in named:
        start, end = (
            pa.scalar(t.replace(tzinfo=None), pa.timestamp("us")) for t in (rule.start, rule.end)
        )
        here = pc.fill_null(pc.and_(pc.greater_equal(at, start), pc.less(at, end)), False)
        check(
            pc.and_(
                here, pc.and_(pc.not_equal(currency, ""), pc.not_equal(currency, rule.currency))
            ),
            lambda i, r=rule, c=currency: (
                f"currency {c[i].as_py()}: agreement {r.agreement} counts {r.currency}"
                " (definitions.currency): convert the amount, or leave the opportunity out"
            ),
        )
        currency = pc.if_else(pc.and_(here, pc.equal(currency, "")), rule.currency, currency)
    return currency


# each staged row's lead: by its external id, else by email (the first of the leads that
# share it)
_LEAD = (
    "COALESCE((SELECT l.id FROM lead l WHERE l.external_id = s.lead),"
    " (SELECT MIN(l.id) FROM lead l WHERE l.email = s.lead_lower)) AS lead_id"
)
_STAGED = f"(SELECT s.*, {_LEAD} FROM slactl_stage s) x"


def _append(ledger: Any, table: pa.Table, fields: list[str]) -> tuple[int, int, list[Any]] | None:
    """Into a table that was empty when the import began: the staged batch inserted with
    its leads found, without comparing; None (no longer fresh, nothing done) when an id
    is there already."""
    ledger.stage(table)
    names = ", ".join(fields[1:])
    inserted = ledger.append(
        lambda: ledger.run(
            f"INSERT INTO opportunity (external_id, lead_id, {names}, recorded_at)"
            f" SELECT external_id, lead_id, {names}, {ledger.now} FROM {_STAGED}"
            " WHERE lead_id IS NOT NULL ORDER BY ordinal"
        )
    )
    if inserted is None:
        return None
    unknown = []
    if inserted < table.num_rows:
        unknown = ledger.rows(
            f"SELECT ordinal, lead FROM {_STAGED} WHERE lead_id IS NULL ORDER BY ordinal"
        )
    return inserted, 0, unknown


def merge(ledger: Any, table: pa.Table) -> tuple[int, int, list[Any]]:
    """Insert the staged opportunities that are new, update the changed ones with an
    ``opportunity_change`` row per field; (inserted, updated, [(row, lead) of those whose
    lead is not in the ledger]). ``ledger``: the import's ``load.Ledger``."""
    fields = ["lead_id", *(f for f in FIELDS if f in table.column_names)]
    if ledger.fresh:
        appended = _append(ledger, table, fields)
        if appended is not None:
            return appended
    ledger.stage(table)
    olds = ", ".join(f"o.{f} AS o_{f}" for f in fields)
    ledger.run(
        f"CREATE TEMP TABLE slactl_opps AS SELECT s.*, {_LEAD},"
        f" o.id AS opp_id, {olds} FROM slactl_stage s"
        " LEFT JOIN opportunity o ON o.external_id = s.external_id"
    )
    unknown = ledger.rows("SELECT ordinal, lead FROM slactl_opps WHERE lead_id IS NULL")
    ledger.run("DELETE FROM slactl_opps WHERE lead_id IS NULL")
    names = ", ".join(fields)
    inserted = ledger.run(
        f"INSERT INTO opportunity (external_id, {names}, recorded_at)"
        f" SELECT external_id, {names}, {ledger.now} FROM slactl_opps"
        " WHERE opp_id IS NULL ORDER BY ordinal"
    )
    changed = " OR ".join(ledger.differ(f, f"o_{f}") for f in fields)
    pairs = ", ".join(f"{f}, o_{f}" for f in fields)
    rows = ledger.rows(
        f"SELECT opp_id, {pairs} FROM slactl_opps WHERE opp_id IS NOT NULL AND ({changed})"
        " ORDER BY opp_id"
    )
    if rows:
        ledger.record_changes(rows, fields, "opportunity_change", "opportunity_id", _as_text)
        sets = ", ".join(f"{f} = c.{f}" for f in fields)
        ledger.run(
            f"UPDATE opportunity SET {sets} FROM slactl_opps c WHERE opportunity.id = c.opp_id"
            f" AND ({' OR '.join(ledger.differ(f'opportunity.{f}', f'c.{f}') for f in fields)})"
        )
    ledger.run("DROP TABLE slactl_opps")
    return inserted, len(rows), unknown


def _as_text(field: str, value: Any) -> str | None:
    """A stored value as ``opportunity_change`` keeps it; ``won`` is an integer on SQLite
    and a boolean on PostgreSQL, kept as ``true``/``false``."""
    from slactl.ledger.ingest.load import _text

    text = _text(value)
    if field == "won" and text is not None:
        return str(text in ("1", "True")).lower()
    return text
