"""Helpers the command modules share: the clock on the wall, times typed by people."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from slactl.errors import SlactlError

if TYPE_CHECKING:
    from slactl.agreement.loader import AgreementSet
    from slactl.timeparse import ZoneRule


def wall_clock() -> datetime:
    """Now, read once per command (the core never reads the clock)."""
    return datetime.now(UTC)


def load_agreement_set(directory: Path) -> AgreementSet:
    from slactl.agreement.loader import load_agreements

    return load_agreements(directory)


def local_zones(directory: Path, agreements: AgreementSet | None = None) -> ZoneRule:
    """The zone times without an offset are read in (``AgreementSet.local_zones``): that of
    the agreement in effect on the time's own date; UTC without any agreement."""
    if agreements is None:
        if not directory.is_dir():
            return UTC
        agreements = load_agreement_set(directory)
    return agreements.local_zones()


def parse_time_option(value: str | None, option: str, tz: ZoneRule, default: datetime) -> datetime:
    from slactl.timeparse import TimeParseError, parse_instant

    if value is None:
        return default
    try:
        return parse_instant(value, tz)
    except TimeParseError as exc:
        raise SlactlError(f"{option}: {exc}") from None
