"""Reading a "plain" CSV file line by line instead of through ``csv.reader``.

A file is plain when it holds no quote character, no NUL and no carriage return but in a
CRLF line end. Then every line is one record and its cells are the line split on the
delimiter: exactly what ``csv.reader`` gives (an empty line is no record), at a third of the
cost. Most CRM exports of leads are plain; a file that is not is read by ``csv.reader`` as
before. Being plain is a property of the bytes, checked once in a read of the file (about
40 ms per 100 MB).

A plain file can also be cut at any line end, which is what lets a large import read its
two halves on two cores (``imports``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BLOCK = 1 << 20  # bytes read at a time; a block is cut at its last line end
_LONE_CR = re.compile(rb"\r(?!\n)")


class NotUtf8(Exception):
    """Bytes that are not UTF-8, after ``lines`` whole lines of the block that holds them
    (the lines given before it are the caller's to count)."""

    def __init__(self, lines: int) -> None:
        super().__init__(lines)
        self.lines = lines


@dataclass(frozen=True)
class Plain:
    """A plain file: where its records start (after the header line) and end."""

    path: Path
    delimiter: str
    start: int  # byte offset of the first record (after the header line)
    size: int
    crlf: bool  # lines end in CRLF: the CR is taken off each line

    def middle(self) -> int:
        """The first line start at or after the middle of the records (``size`` if none)."""
        with open(self.path, "rb") as f:
            f.seek(max(self.start, (self.start + self.size) // 2 - 1))
            f.readline()
            return min(f.tell(), self.size)


def plain(path: Path, dialect: Any) -> Plain | None:
    """The file as a ``Plain`` when it may be read line by line, else None."""
    if (
        len(dialect.delimiter) != 1
        or dialect.skipinitialspace
        or dialect.escapechar is not None
        or dialect.quoting == csv.QUOTE_NONE  # then a quote character is an ordinary one
    ):
        return None
    quote = (dialect.quotechar or '"').encode()
    # read in blocks, not mapped: the pages of a mapped file would count in the import's
    # memory while they are looked at (the whole file, at the peak)
    header_end = -1
    crlf = False
    carry = b""  # a CR that ended the previous block
    size = 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(BLOCK):
                if quote in chunk or b"\0" in chunk:
                    return None
                if b"\r" in chunk or carry:
                    crlf = True
                    data = carry + chunk
                    end = len(data) - 1 if data.endswith(b"\r") else len(data)
                    if _LONE_CR.search(data, 0, end):
                        return None
                    carry = data[end:]
                if header_end < 0 and (at := chunk.find(b"\n")) >= 0:
                    header_end = size + at
                size += len(chunk)
    except OSError:
        return None
    if size == 0 or carry:  # empty, or ends in a lone CR
        return None
    start = size if header_end < 0 else header_end + 1
    return Plain(path, dialect.delimiter, start, size, crlf)


def blocks(p: Plain, start: int, stop: int, batch: int = 5000) -> Iterator[tuple[int, list[str]]]:
    """``(bytes read so far, lines)`` for the lines that start in ``[start, stop)``, at most
    ``batch`` lines at a time, line ends taken off. Raises ``NotUtf8`` on bytes that are
    not UTF-8."""
    cr = p.crlf
    done = 0
    with open(p.path, "rb") as f:
        f.seek(start)
        left = stop - start
        carry = b""
        while left > 0 or carry:
            chunk = f.read(min(BLOCK, left)) if left > 0 else b""
            left -= len(chunk)
            if left > 0 and chunk:
                cut = chunk.rfind(b"\n")
                if cut < 0:
                    carry += chunk
                    continue
                data, carry = carry + chunk[: cut + 1], chunk[cut + 1 :]
            else:
                data, carry = carry + chunk, b""
            if not data:
                break
            done += len(data)
            try:
                text = data.decode()
            except UnicodeDecodeError as exc:
                raise NotUtf8(data.count(b"\n", 0, exc.start)) from None
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            if cr:
                lines = [s[:-1] if s.endswith("\r") else s for s in lines]
            for i in range(0, len(lines), batch):
                yield done, lines[i : i + batch]
