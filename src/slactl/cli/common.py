"""Helpers the command modules share: the clock on the wall, times typed by people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from slactl.errors import SlactlError

if TYPE_CHECKING:
    from slactl.agreement.directory import AgreementSet
    from slactl.timeparse import ZoneRule


def wall_clock() -> datetime:
    """Now, read once per command (the core never reads the clock)."""
    return datetime.now(UTC)


def load_agreement_set(directory: Path) -> AgreementSet:
    from slactl.agreement.directory import load_agreements

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


SQLITE_HEADER = b"SQLite format 3\x00"
LEDGER_FILES = {
    "": "the ledger",
    "-wal": "the ledger's write-ahead log",
    "-shm": "the ledger's shared-memory file",
    "-journal": "the ledger's journal",
}


def refuse_output_path(path: Path, option: str, *, db: str, inputs: Iterable[Path] = ()) -> None:
    """A file a command is about to write must not be the ledger or one of its -wal, -shm,
    -journal files, nor one of the command's ``inputs``, nor any existing SQLite database
    (another ledger, say): writing it would destroy it."""
    import os

    from slactl.ledger.lite import sqlite_path

    def same(a: Path, b: Path) -> bool:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        try:
            return os.path.samefile(a, b)  # a hard link
        except OSError:
            return False

    ledger = sqlite_path(db)
    if ledger is not None:
        for suffix, what in LEDGER_FILES.items():
            if same(path, Path(f"{ledger}{suffix}")):
                raise SlactlError(f"{option} {path}: that is {what}; name another")
    for source in inputs:
        if same(path, source):
            raise SlactlError(f"{option} {path}: that is the file being imported; name another")
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError:
        return  # no such file (or unreadable: writing it will say why)
    if header == SQLITE_HEADER:
        raise SlactlError(f"{option} {path}: that is a SQLite database; name another")


def typed_time_zones(
    directory: Path, tz: str | None, option: str, agreements: AgreementSet | None = None
) -> ZoneRule:
    """The zone a time typed without an offset (``option``) is read in: ``--tz`` when given,
    else that of the agreement in effect on the time's date; with neither, such a time is
    an error naming both ways out, never read silently as UTC."""
    if tz is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise SlactlError(
                f"--tz {tz}: unknown time zone; use an IANA name such as America/New_York"
            ) from None
    if agreements is None and not directory.is_dir():

        def refuse(_: date) -> tzinfo:
            raise SlactlError(
                f"{option}: a time without an offset, and no agreement in {directory} to give"
                " its zone: add the offset (2024-05-06T10:00-04:00), pass --tz ZONE or run"
                " 'slactl init'"
            )

        return refuse
    return local_zones(directory, agreements)


def local_time(t: datetime, zones: ZoneRule) -> datetime:
    """``t`` in the zone people read times in (that of ``zones`` on its date; as given when
    there is none)."""
    if isinstance(zones, tzinfo):
        return t.astimezone(zones)
    try:
        return t.astimezone(zones(t.date()))
    except SlactlError:
        return t


def emit(rendered: object) -> None:
    """Print what a renderer made: text as it is, anything else (a rich table) through rich."""
    if isinstance(rendered, str):
        import typer

        typer.echo(rendered, nl=False)
    else:
        from rich.console import Console

        Console().print(rendered)
