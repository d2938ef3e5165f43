"""CSV header mappings: the generic format of SPEC section 5 and the CRM presets.

Headers are matched case-insensitively and with surrounding spaces ignored. A column no
mapping names is kept in the lead's ``extra`` under its header.
"""

from __future__ import annotations

from pathlib import Path

from slactl.errors import ImportError_
from slactl.records import LEAD_FIELDS

ACTIVITY_COLUMNS = (
    "lead",
    "kind",
    "rep",
    "at",
    "outcome",
    "note",
    "reason",
    "duration",
    "from_rep",
)
# fields a preset (or --map) may also name: a duration in other units than minutes, and a
# field-history export's changed field and value type (a row whose changed field is the
# owner is a reassign: rep = its new value, from_rep = its old one; the others are skipped)
ACTIVITY_SOURCES = ("duration_seconds", "duration_ms", "history_field", "history_type")
DURATION_UNITS = {"duration": 1.0, "duration_seconds": 60.0, "duration_ms": 60_000.0}
# SPEC 9: an opportunity's columns; ``closed`` (a CRM's "is closed" flag) only says whether
# its close date is the close or the expected one
OPPORTUNITY_COLUMNS: tuple[str, ...] = ("external_id", "lead", "created_at", "amount")
OPPORTUNITY_COLUMNS += ("currency", "stage", "closed_at", "won", "closed")
KINDS = ("leads", "activities", "opportunities")
OWNER_FIELDS = ("owner", "ownerid", "lead owner", "contact owner", "hubspot_owner_id")

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "generic": {
        "leads": {c: c for c in LEAD_FIELDS},
        "activities": {c: c for c in ACTIVITY_COLUMNS},
        "opportunities": {"id": "external_id", **{c: c for c in OPPORTUNITY_COLUMNS}},
    },
    # HubSpot: Contacts -> Export (all properties)
    "hubspot": {
        "leads": {
            "record id": "external_id",
            "contact id": "external_id",
            "email": "email",
            "first name": "first_name",
            "last name": "last_name",
            "company name": "company",
            "phone number": "phone",
            "job title": "title",
            "original source": "source",
            "segment": "segment",
            "contact owner": "owner",
            "hubspot score": "score",
            "create date": "created_at",
            "became a marketing qualified lead date": "handed_off_at",
            "lead status": "status",
        },
        "activities": {
            "associated contact": "lead",
            "activity type": "kind",
            "activity assigned to": "rep",
            "activity date": "at",
            "outcome": "outcome",
            "notes": "note",
            # the call's hs_call_duration, in milliseconds (HubSpot's calls API)
            "call duration": "duration_ms",
            "hs_call_duration": "duration_ms",
            "disqualification reason": "reason",  # a HubSpot lead's, when exported with it
            "hs_lead_disqualification_reason": "reason",
        },
        # Deals -> Export, with the associated contact (its record id, or its email)
        "opportunities": {
            "record id": "external_id",
            "deal id": "external_id",
            "associated contact ids": "lead",
            "associated contact id": "lead",
            "associated contact": "lead",
            "contact email": "lead",
            "associated contact email": "lead",
            "amount": "amount",
            "deal currency code": "currency",
            "currency": "currency",
            "deal stage": "stage",
            "create date": "created_at",
            "close date": "closed_at",
            "is closed won": "won",
            "is deal closed?": "closed",
            "is closed": "closed",
        },
    },
    # Salesforce: Reports -> Leads, or Data Loader export of Lead
    "salesforce": {
        "leads": {
            "id": "external_id",
            "lead id": "external_id",
            "email": "email",
            "company / account": "company",
            "firstname": "first_name",
            "first name": "first_name",
            "lastname": "last_name",
            "last name": "last_name",
            "company": "company",
            "phone": "phone",
            "title": "title",
            "leadsource": "source",
            "lead source": "source",
            "segment__c": "segment",
            "ownerid": "owner",
            "owner name": "owner",
            "lead owner": "owner",
            "createddate": "created_at",
            "created date": "created_at",
            "create date": "created_at",
            "mql_date__c": "handed_off_at",
            "status": "status",
            "lead status": "status",
            "score__c": "score",
        },
        "activities": {
            "whoid": "lead",
            "tasksubtype": "kind",
            "type": "kind",
            "ownerid": "rep",
            "createddate": "at",
            "calldisposition": "outcome",
            "description": "note",
            "calldurationinseconds": "duration_seconds",  # Task (Salesforce CRM Call Center)
            "call duration": "duration_seconds",  # its label in an activities report
            "disqualified reason": "reason",  # the usual custom Lead field (no standard one)
            "disqualified_reason__c": "reason",
            # LeadHistory (Data Loader / Lead History report): owner changes become reassigns
            "leadid": "lead",
            "lead id": "lead",
            "field": "history_field",
            "field / event": "history_field",
            "datatype": "history_type",
            "oldvalue": "from_rep",
            "old value": "from_rep",
            "newvalue": "rep",
            "new value": "rep",
            "edit date": "at",
        },
        # Opportunity: Reports -> Opportunities (labels) or Data Loader (API names); the
        # lead is the one converted into it (a custom column, or Lead's ConvertedOpportunityId
        # exported the other way round)
        "opportunities": {
            "opportunity id": "external_id",
            "id": "external_id",
            "lead id": "lead",
            "converted lead id": "lead",
            "lead__c": "lead",
            "contact email": "lead",
            "email": "lead",
            "amount": "amount",
            "opportunity currency": "currency",
            "currency": "currency",
            "currencyisocode": "currency",
            "stage": "stage",
            "stagename": "stage",
            "created date": "created_at",
            "createddate": "created_at",
            "close date": "closed_at",
            "closedate": "closed_at",
            "won": "won",
            "iswon": "won",
            "closed": "closed",
            "isclosed": "closed",
        },
    },
    # Zoho CRM: Leads -> Export (or Setup -> Data Administration -> Export)
    "zoho": {
        "leads": {
            "record id": "external_id",
            "email": "email",
            "first name": "first_name",
            "last name": "last_name",
            "company": "company",
            "phone": "phone",
            "mobile": "extra.Mobile",
            "designation": "title",
            "title": "title",
            "lead source": "source",
            "industry": "segment",
            "lead owner": "owner",
            "lead owner id": "extra.Lead Owner Id",
            "created time": "created_at",
            "lead status": "status",
            "score": "score",
        },
        "activities": {
            "related to": "lead",
            "what id": "lead",
            "activity type": "kind",
            "call type": "kind",
            "call owner": "rep",
            "activity owner": "rep",
            "call start time": "at",
            "created time": "at",
            "call result": "outcome",
            "description": "note",
        },
    },
    # Pipedrive: Leads or People -> Export, headers "Lead - Title", "Person - Email"
    "pipedrive": {
        "leads": {
            "lead - id": "external_id",
            "person - id": "external_id",
            "person - email": "email",
            "person - email - work": "email",
            "person - first name": "first_name",
            "person - last name": "last_name",
            "lead - organization": "company",
            "person - organization": "company",
            "person - phone": "phone",
            "person - phone - work": "phone",
            "person - job title": "title",
            "lead - source": "source",
            "lead - source name": "source",
            "lead - owner": "owner",
            "person - owner": "owner",
            "lead - lead created": "created_at",
            "lead - created": "created_at",
            "person - person created": "created_at",
            "lead - labels": "status",
            "person - label": "status",
        },
        "activities": {
            "activity - lead": "lead",
            "activity - contact person": "lead",
            "activity - type": "kind",
            "activity - assigned to user": "rep",
            "activity - done time": "at",
            "activity - due date": "at",
            "activity - note": "note",
        },
    },
}


def norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def detect(headers: list[str]) -> tuple[str, str] | None:
    """(kind, preset) from a header row, or None when it is not recognisable."""
    h = {norm(x) for x in headers}
    if {"id", "lead", "created_at"} <= h:
        return "opportunities", "generic"
    if "opportunity id" in h or {"stagename", "closedate"} <= h:
        return "opportunities", "salesforce"
    if "record id" in h and ("deal stage" in h or "deal name" in h):
        return "opportunities", "hubspot"
    if {"lead", "kind", "at"} <= h:
        return "activities", "generic"
    if "record id" in h and "created time" in h:
        return "leads", "zoho"
    if "call start time" in h and ("call owner" in h or "related to" in h):
        return "activities", "zoho"
    if "lead - id" in h or "person - id" in h:
        return "leads", "pipedrive"
    if "activity - type" in h:
        return "activities", "pipedrive"
    if "record id" in h and ("create date" in h or "email" in h):
        return "leads", "hubspot"
    if "activity type" in h and "activity date" in h:
        return "activities", "hubspot"
    if ("id" in h or "lead id" in h) and h & {"createddate", "created date", "create date"}:
        if "whoid" in h or _history(h):
            return "activities", "salesforce"
        return "leads", "salesforce"
    if "whoid" in h or _history(h):
        return "activities", "salesforce"
    if "external_id" in h:
        return "leads", "generic"
    return None


def _history(h: set[str]) -> bool:
    """A Salesforce field-history export (LeadHistory, or the Lead History report)."""
    return bool(h & {"field", "field / event"}) and bool(h & {"newvalue", "new value"})


def parse_mapping(pairs: list[str], kind: str) -> dict[str, str]:
    """``--map "Column=field"`` options: header (normalised) -> field."""
    allowed: tuple[str, ...] = LEAD_FIELDS if kind == "leads" else ACTIVITY_COLUMNS
    allowed += () if kind == "leads" else ACTIVITY_SOURCES
    if kind == "opportunities":
        allowed = OPPORTUNITY_COLUMNS
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        target = target.strip()
        if not sep or not column.strip() or not target:
            raise ImportError_(
                f"--map {pair!r}: write it as 'Column=field', e.g. 'Deal Owner=owner'"
            )
        if target not in allowed and not (kind == "leads" and target.startswith("extra.")):
            from difflib import get_close_matches

            close = get_close_matches(target, allowed, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f"; use one of {', '.join(allowed)}"
            )
            raise ImportError_(f"--map {pair!r}: unknown field '{target}'{hint}")
        out[norm(column)] = target
    return out


def resolve(
    path: Path, headers: list[str], kind: str | None, preset: str | None, mapping: list[str]
) -> tuple[str, str, dict[int, str]]:
    """(kind, preset, column position -> field, or ``extra.<key>`` for the others)."""
    detected = detect(headers)
    if kind is None or preset is None:
        if detected is None and (kind is None or not mapping):
            raise ImportError_(
                f"{path}: cannot tell leads from activities by the header"
                f" ({', '.join(headers[:6])}{'…' if len(headers) > 6 else ''}):"
                " pass --kind and --preset, or --map 'Column=field'"
            )
        kind = kind or (detected[0] if detected else "leads")
        preset = preset or (detected[1] if detected else "generic")
    if preset not in PRESETS:
        raise ImportError_(f"--preset {preset}: use one of {', '.join(PRESETS)}")
    if kind not in KINDS:
        raise ImportError_(f"--kind {kind}: use leads, activities or opportunities")
    columns = dict(PRESETS[preset].get(kind, {}))
    columns.update(parse_mapping(mapping, kind))
    fields: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        target = columns.get(norm(h))
        if target and norm(h) in seen:  # which one is meant? (never the first one silently)
            hint = (
                " (a --rejects file: delete its first two columns, line and reason, first)"
                if [norm(x) for x in headers[:2]] == ["line", "reason"]
                else ""
            )
            raise ImportError_(
                f"{path}: the header has '{h}' twice (columns {seen[norm(h)] + 1} and {i + 1}):"
                f" rename or remove one{hint}"
            )
        seen.setdefault(norm(h), i)
        if target and target not in fields.values():
            fields[i] = target
        elif kind == "leads" and h and f"extra.{h}" not in fields.values():
            fields[i] = f"extra.{h}"
    required: tuple[str, ...] = ("external_id", "created_at") if kind == "leads" else ("kind", "at")
    if kind == "opportunities":
        required = ("external_id", "lead", "created_at")
    if "history_field" in fields.values():
        required = ("at",)  # (a field-history row's kind is its changed field)
    for r in required:
        if r not in fields.values():
            raise ImportError_(
                f"{path}: no column for '{r}' in the header; name one with --map 'Column={r}'"
            )
    return kind, preset, fields
