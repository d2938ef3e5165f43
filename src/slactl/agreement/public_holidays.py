"""Public holidays from the ``holidays`` library, kept in a small cache on disk.

Asking the library for any one country imports its every country module (about 250: it
is how its ``holidays.countries`` package is written), about a fifth of a second that
every command would pay before its first business minute. What the agreement needs of
it is tiny and fixed for a given installed library: the country codes with their
subdivisions, and each (country, subdivision, year)'s dates and names. So the first
command that needs them asks the library and writes them as JSON under the cache
directory, in a folder named after the installed library (its path and its file's size
and modification time: an upgrade or a reinstall starts a new folder); later commands
read them back. A file that is missing or unreadable is asked for again; a cache
directory that cannot be written is not an error, the library is asked every time.

The directory: ``$SLACTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/slactl``, else
``~/.cache/slactl``. Deleting it is always safe.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Any

FORMAT = "1"  # of the files below: a new format starts a new folder


def cache_dir() -> Path:
    if os.environ.get("SLACTL_CACHE_DIR"):
        return Path(os.environ["SLACTL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slactl"


def _folder() -> Path | None:
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    st = os.stat(spec.origin)
    stamp = f"{FORMAT}:{spec.origin}:{st.st_size}:{st.st_mtime_ns}"
    return cache_dir() / f"holidays-{zlib.crc32(stamp.encode()):08x}"


def _cached(name: str, compute: Callable[[], Any]) -> Any:
    """The JSON value stored as ``name`` in this library's folder, else ``compute()``'s,
    stored there for the next command (when the folder can be written)."""
    folder = _folder()
    path = folder / name if folder is not None else None
    if path is not None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    value = compute()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # written whole under another name, then renamed: a reader sees all or nothing
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(value), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass
    return value


def supported_countries() -> dict[str, list[str]]:
    """Every country code the library knows (aliases included), with its subdivisions."""

    def ask() -> dict[str, list[str]]:
        import holidays

        return {code: list(subs) for code, subs in holidays.list_supported_countries().items()}

    value: dict[str, list[str]] = _cached("countries.json", ask)
    return value


def public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """The library's holidays of ``country`` (and ``subdivision``) in ``year``: date -> name."""

    def ask() -> dict[str, str]:
        import holidays

        found = holidays.country_holidays(country, subdiv=subdivision, years=year)
        return {day.isoformat(): name for day, name in sorted(found.items())}

    name = f"{country}-{subdivision or ''}-{year}.json"
    days: dict[str, str] = _cached(name, ask)
    return {date.fromisoformat(day): text for day, text in days.items()}
