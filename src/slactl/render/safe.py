"""Text from the ledger, made safe to show on a terminal: the one place it is done.

Names, companies and notes come from imported files and typed commands. They are data:
a rep called ``[/x]`` must print as ``[/x]`` (Rich would read it as a closing tag and
raise), ``[link=…]`` must not become a link, and an escape sequence in a note must not
clear the screen or open a hyperlink. Every renderer builds its Rich tables with
``table`` and its free text with ``text``; both never read markup and drop control
characters. ``clean`` does the same for the plain-text formats.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

# C0 controls but newline (tab becomes a space), DEL, C1 controls (0x9b is an 8-bit CSI),
# and the bidirectional overrides and isolates, which reorder what the reader sees
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """``value`` as text without control characters (newlines kept, tabs as spaces)."""
    s = "" if value is None else str(value)
    return _CONTROL.sub("", s.replace("\t", " "))


def text(value: object, style: str = "") -> Text:
    """A Rich ``Text`` of ``value`` as written: never markup, no control characters."""
    from rich.text import Text

    if isinstance(value, Text):  # styled spans are kept unless a control must go
        if _CONTROL.search(value.plain):
            return Text(clean(value.plain), style=value.style)
        return value
    return Text(clean(value), style=style)


def table(*, title: object = None, **options: Any) -> Table:
    """A Rich ``Table`` whose title, headers and cells are taken as data (see ``text``)."""
    return _data_table()(title=None if title is None else text(title), **options)


@cache
def _data_table() -> type[Table]:
    from rich.table import Table

    class DataTable(Table):
        def add_column(self, header: Any = "", *args: Any, **kwargs: Any) -> None:
            super().add_column(_cell(header), *args, **kwargs)

        def add_row(self, *cells: Any, **kwargs: Any) -> None:
            super().add_row(*(_cell(c) for c in cells), **kwargs)

    return DataTable


def _cell(value: Any) -> Any:
    """Strings and ``Text`` through ``text``; other renderables (a nested table) as they are."""
    from rich.text import Text

    if value is None or isinstance(value, str | Text):
        return text(value)
    return value
