"""Helpers the command modules share: the clock on the wall, times typed by people."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from slactl.errors import SlactlError

if TYPE_CHECKING:
    from slactl.agreement.loader import AgreementSet


def wall_clock() -> datetime:
    """Now, read once per command (the core never reads the clock)."""
    return datetime.now(UTC)


def load_agreement_set(directory: Path) -> AgreementSet:
    from slactl.agreement.loader import load_agreements

    return load_agreements(directory)


def agreement_zone(directory: Path, at: datetime | None = None) -> tzinfo:
    """The zone of the agreement in effect at ``at`` (or the first one); UTC without any."""
    from zoneinfo import ZoneInfo

    if not directory.is_dir():
        return UTC
    agreements = load_agreement_set(directory)
    first = agreements.agreements[0]
    tz = ZoneInfo(first.calendar_spec.timezone)
    if at is not None:
        found = agreements.find(at.astimezone(tz).date())
        if found is not None:
            return ZoneInfo(found.calendar_spec.timezone)
    return tz


def parse_time_option(value: str | None, option: str, tz: tzinfo, default: datetime) -> datetime:
    from slactl.timeparse import TimeParseError, parse_instant

    if value is None:
        return default
    try:
        return parse_instant(value, tz)
    except TimeParseError as exc:
        raise SlactlError(f"{option}: {exc}") from None
