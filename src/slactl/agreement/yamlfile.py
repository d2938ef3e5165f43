"""Reading the agreements directory's YAML: mappings that remember their lines
(``LineDict``), with limits against hostile documents, and ``Reader``, which collects
``(line, message)`` errors while it reads the values every file shares (dates,
durations, targets, weekdays). Errors are data here; the loaders decide what to raise."""

from __future__ import annotations

import re
from datetime import date
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from slactl.clock import Duration, DurationError, parse_duration
from slactl.errors import AgreementError

if TYPE_CHECKING:
    pass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Bounds on what an agreement may say (docs/agreement.md): a deadline of at most a year,
# a few touches, dates that every time zone can reach a day either side of
MAX_DURATION = {
    "business_minutes": 366 * 24 * 60,
    "business_hours": 366 * 24,
    "business_days": 366,
    "minutes": 366 * 24 * 60,
    "hours": 366 * 24,
    "days": 366,
    "weeks": 53,
}


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # the composer recurses once per level: refuse nesting deeper than MAX_DEPTH before
        # it exhausts Python's stack (a RecursionError)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise AgreementError(
                    f"{self.name}:{mark.line + 1}: nested more than {MAX_DEPTH} levels deep:"
                    " an agreement needs far fewer; check the brackets"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise AgreementError(
                f"{loader.name}:{key_node.start_mark.line + 1}: key '{key}' appears twice"
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # an impossible date such as 2024-13-01 stays text, so the reader can name its key
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # Python refuses to read an integer of over 4300 digits (a ValueError); no agreement
    # needs one of over 18
    if len(str(node.value).lstrip("+-0").replace("_", "")) > 18:
        raise AgreementError(
            f"{loader.name}:{node.start_mark.line + 1}: the number {str(node.value)[:20]}…"
            " is too large"
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

# What a YAML file may hold: agreements are written by hand and are small. Deeper nesting
# would exhaust Python's stack in the composer; aliases that expand to millions of values
# (a "billion laughs" document of a few lines) would exhaust memory and time downstream.
MAX_DEPTH = 50
MAX_VALUES = 20_000


def _check_expansion(root: yaml.Node, path: Path) -> None:
    """Refuse a document whose aliases expand to more than ``MAX_VALUES`` values, or
    refer to themselves. Each node is counted once (memoised), so the check is linear in
    the file however far the aliases would expand."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        line = node.start_mark.line + 1
        if key in pending:
            raise AgreementError(f"{path}:{line}: an alias refers to the value that holds it")
        pending.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        pending.discard(key)
        if total > MAX_VALUES:
            raise AgreementError(
                f"{path}:{line}: aliases here expand to more than {MAX_VALUES} values:"
                " write the values out instead"
            )
        sizes[key] = total
        return total

    size(root)


def read_yaml(text: str, path: Path) -> Any:
    loader = None
    try:
        loader = _Loader(text)
        loader.name = str(path)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "malformed YAML"
        raise AgreementError(
            f"{path}:{line}: malformed YAML: {problem}; check indentation and quoting"
        ) from None
    except yaml.reader.ReaderError as exc:  # a NUL byte or another control character
        c = exc.character
        code = c if isinstance(c, int) else ord(str(c)[:1] or " ")
        line = text.count("\n", 0, exc.position) + 1
        raise AgreementError(
            f"{path}:{line}: not a YAML text file: it holds the control character"
            f" U+{code:04X}; save it as plain UTF-8 text"
        ) from None
    except yaml.YAMLError as exc:
        raise AgreementError(f"{path}: malformed YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


class Reader:
    """Reads one agreement document, collecting errors (the first is raised)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[tuple[int, str]] = []

    def fail(self, line: int | None, message: str) -> None:
        self.errors.append((line or 1, message))

    def line(self, mapping: Any, key: Any) -> int:
        if isinstance(mapping, LineDict):
            return mapping.key_lines.get(key, mapping.line)
        return 1

    def mapping(self, value: Any, where: str, line: int) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        if value is None:
            self.fail(line, f"'{where}' is missing or empty: add it (see docs/agreement.md)")
        else:
            self.fail(line, f"'{where}' must be a mapping")
        return None

    def check_keys(
        self, mapping: LineDict, allowed: tuple[str, ...] | list[str], where: str
    ) -> None:
        for key in mapping:
            if key not in allowed:
                close = get_close_matches(str(key), list(allowed), n=1)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else (f"; allowed: {', '.join(allowed)}")
                )
                self.fail(self.line(mapping, key), f"unknown key '{key}' in {where}{hint}")

    def date(self, value: Any, line: int, what: str) -> date | None:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(line, f"bad date {value!r} for {what}: use YYYY-MM-DD")
            return None

    def duration(self, value: Any, line: int, what: str) -> Duration | None:
        try:
            d = parse_duration(value)
        except DurationError as exc:
            self.fail(line, f"{what}: {exc}")
            return None
        most = MAX_DURATION[d.unit]
        if d.amount > most:
            longest = Duration(most, d.unit)
            self.fail(line, f"{what}: {d} is longer than a year; at most {longest}")
            return None
        return d

    def target(self, value: Any, line: int, what: str) -> float:
        """``90%`` or ``0.9``. A bare number is a fraction: ``target: 90`` is an error
        (did you mean '90%'?) rather than a guess between 90 % and 9000 %."""
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(text[:-1]) / 100 if percent else float(text)
        except ValueError:
            self.fail(line, f"bad target {value!r} for {what}: write a percentage like '90%'")
            return 1.0
        if not 0 <= number <= 1:
            hint = "" if percent or number < 0 else f"; did you mean '{text}%'?"
            self.fail(line, f"target {value!r} for {what} is outside 0-100 %{hint}")
            return 1.0
        return number


def weekdays(spec: str) -> list[int] | None:
    days: list[int] = []
    for part in str(spec).lower().replace(" ", "").split(","):
        if "-" in part:
            a, _, b = part.partition("-")
            if a not in WEEKDAYS or b not in WEEKDAYS:
                return None
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            if j < i:
                return None
            days.extend(range(i, j + 1))
        elif part in WEEKDAYS:
            days.append(WEEKDAYS.index(part))
        else:
            return None
    return days


def line_and_message(text: str) -> tuple[int, str]:
    """Split ``FILE:LINE: message`` (as ``read_yaml`` raises it) into (LINE, message)."""
    m = re.match(r"^.*?:(\d+): (.*)$", text)
    return (int(m.group(1)), m.group(2)) if m else (1, text.split(": ", 1)[-1])


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgreementError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AgreementError(f"{path}: cannot read: {exc}") from None
