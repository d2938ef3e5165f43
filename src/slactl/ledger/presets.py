"""CSV header mappings: the generic format of SPEC section 5 and the CRM presets.

Headers are matched case-insensitively and with surrounding spaces ignored. A column no
mapping names is kept in the lead's ``extra`` under its header.
"""

from __future__ import annotations

from slactl.compliance.model import LEAD_FIELDS

LEAD_COLUMNS = LEAD_FIELDS
ACTIVITY_COLUMNS = ("lead", "kind", "rep", "at", "outcome", "note")

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "generic": {
        "leads": {c: c for c in LEAD_COLUMNS},
        "activities": {c: c for c in ACTIVITY_COLUMNS},
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
        if "whoid" in h:
            return "activities", "salesforce"
        return "leads", "salesforce"
    if "whoid" in h:
        return "activities", "salesforce"
    if "external_id" in h:
        return "leads", "generic"
    return None
