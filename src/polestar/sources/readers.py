"""Readers that stream an export file as raw records, whatever its format and encoding.

A reader never stops at a bad record: it yields it with the reason it cannot be read
(`RawRecord.error`) and carries on, so the good records in the same file still land. Only a
file that cannot be read at all (a missing required column, an XML entity bomb) raises
`UnreadableInput`, after which the pipeline quarantines the file as a whole.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from polestar.errors import UnreadableInput
from polestar.sources.mapping import Mapping

KEEP_BYTES = 64 * 1024  # how much of an oversized record the quarantine keeps
_SCAN_BLOCK = 1024 * 1024
_MAX_RECORD_LINES = 1000  # a quoted CSV field may span lines, but not the rest of the file
_MAX_DEPTH = 64  # nesting deeper than this is refused before anything recurses into it
Warn = Callable[[str], None]

# The csv module refuses fields over 128 KiB with an exception; the reader applies its own
# limit (`max_field_bytes`) after parsing, with a reason a person can act on.
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class RawRecord:
    """One record as read: parsed `data`, or the `error` that stopped it being read."""

    locator: str
    text: str
    data: dict[str, Any] | None = None
    error: str | None = None
    key: str | None = None  # of an unreadable record, when it can still be told
    full_size: int | None = None  # bytes in the record when `text` keeps only the first 64 KiB

    @property
    def size(self) -> int:
        if self.full_size is not None:
            return self.full_size
        return len(self.text.encode("utf-8", "surrogateescape"))


def detect_encoding(path: Path, declared: str | None) -> tuple[str, str | None]:
    """The file's encoding and, when guessed, a warning saying so.

    UTF-8 with or without a BOM first; else the mapping's `encoding:`; else cp1252 with a
    warning. The whole file is scanned in blocks, so a bad byte near the end is still seen.
    """
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig", None
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(_SCAN_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if declared:
                return declared, None
            return "cp1252", f"{path.name} is not UTF-8: read as cp1252 (set encoding: to choose)"
    return "utf-8", None


def _encoding(path: Path, mapping: Mapping, warn: Warn) -> str:
    encoding, warning = detect_encoding(path, mapping.encoding)
    if warning:
        warn(warning)
    return encoding


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _unreadable_chars(text: str) -> bool:
    """Bytes the encoding could not map survive as lone surrogates (errors=surrogateescape)."""
    return _ESCAPED_BYTE.search(text) is not None


def _maybe_unstorable(text: str, nul: str, limit: int) -> bool:
    """Whether a record's text could hold a field `_oversized` refuses; when not (almost
    always), the field-by-field check is skipped. A field is never longer in UTF-8 than the
    whole text, four bytes a character at most; NUL shows in the text as `nul`; and nesting
    needs a bracket a level."""
    return len(text) * 4 > limit or nul in text or text.count("[") + text.count("{") >= _MAX_DEPTH


class _TooDeep(ValueError):
    pass


def _oversized(values: Iterator[tuple[str, str]], limit: int) -> str | None:
    """Why a field cannot be stored: too big, holding NUL (which no text column can), or
    nested too deeply to store and search."""
    try:
        for name, value in values:
            if "\x00" in value:
                return f"field {name!r} holds a NUL (0x00) character, which is not text"
            size = len(value.encode("utf-8", "surrogateescape"))
            if size > limit:
                return f"field {name!r} is {size:,} bytes, over the {limit:,}-byte limit"
    except _TooDeep as exc:
        return str(exc)
    return None


def _refused(locator: str, text: str, error: str, key: str | None = None) -> RawRecord:
    """An unreadable record keeping the first 64 KiB of its text and the size of all of it."""
    encoded = text.encode("utf-8", "surrogateescape")
    clipped = encoded[:KEEP_BYTES].decode("utf-8", "ignore")
    return RawRecord(locator, clipped, error=error, key=key, full_size=len(encoded))


class _Lines:
    """Physical lines with their numbers, and a way to put lines back after a resync."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._pending: deque[tuple[int, str]] = deque()
        self._number = 0

    def next(self) -> tuple[int, str] | None:
        if self._pending:
            return self._pending.popleft()
        line = self._handle.readline()
        if not line:
            return None
        self._number += 1
        return self._number, line

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(lines))


def _csv_texts(
    lines: _Lines, quote: str, fits: Callable[[str], bool] = lambda _text: True
) -> Iterator[tuple[int, str, str | None]]:
    """Record texts: physical lines joined while a quote is open, with the first line number.

    An unclosed quote would otherwise swallow every following line into one field; when a
    quote stays open for too long, or closes only in a later line to make something that
    `fits` says is not one record (a stray quote paired with another), the first line is
    given up alone and reading resumes at the next, so one broken line costs one record.
    """
    while (first := lines.next()) is not None:
        number, text = first
        if not text.strip():
            continue
        taken = [first]
        while text.count(quote) % 2 and len(taken) < _MAX_RECORD_LINES:
            following = lines.next()
            if following is None:
                break
            taken.append(following)
            text += following[1]
        if text.count(quote) % 2 or (len(taken) > 1 and not fits(text)):
            lines.push_back(taken[1:])
            yield number, first[1], "a quote is opened and never closed"
            continue
        yield number, text, None


def read_csv(path: Path, mapping: Mapping, max_field_bytes: int, warn: Warn) -> Iterator[RawRecord]:
    encoding = _encoding(path, mapping, warn)
    options = mapping.csv
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
        lines = _Lines(handle)
        header_line = next(_csv_texts(lines, options.quotechar), None)
        if header_line is None:
            return
        header = next(csv.reader([header_line[1]], delimiter=options.delimiter))
        if options.strip:
            header = [name.strip() for name in header]
        missing = [c for c in [mapping.key, *mapping.required] if c not in header]
        if missing:
            raise UnreadableInput(
                f"{path.name} has no column {', '.join(map(repr, missing))}, which mapping "
                f"{mapping.source!r} requires (columns found: {', '.join(header)})"
            )
        key_column = header.index(mapping.key)

        def parse(text: str) -> list[str]:
            reader = csv.reader([text], delimiter=options.delimiter, quotechar=options.quotechar)
            return next(reader, [])

        def fits(text: str) -> bool:
            try:
                return len(parse(text)) == len(header)
            except csv.Error:
                return False

        for number, text, error in _csv_texts(lines, options.quotechar, fits):
            locator = f"line {number}"
            record_text = text.rstrip("\r\n")
            if error is not None:
                yield _refused(locator, record_text, error)
                continue
            if _unreadable_chars(text):
                yield _refused(locator, record_text, f"bytes that cannot be read as {encoding}")
                continue
            try:
                fields = parse(text)
            except csv.Error as exc:
                yield _refused(locator, record_text, f"not valid CSV: {exc}")
                continue
            key = fields[key_column].strip() or None if key_column < len(fields) else None
            if len(fields) != len(header):
                error = f"expected {len(header)} fields, got {len(fields)}"
                yield _refused(locator, record_text, error, key)
                continue
            too_big = _maybe_unstorable(text, "\x00", max_field_bytes) and _oversized(
                zip(header, fields, strict=True), max_field_bytes
            )
            if too_big:
                yield _refused(locator, record_text, too_big, key)
                continue
            if options.strip:
                fields = [value.strip() for value in fields]
            yield RawRecord(locator, record_text, dict(zip(header, fields, strict=True)))


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Every text in parsed data with its dotted path, in document order, without recursion.

    Raises:
        _TooDeep: past `_MAX_DEPTH` levels of nesting.
    """
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        name, item, depth = stack.pop()
        if isinstance(item, str):
            yield name, item
        elif isinstance(item, dict | list):
            if depth >= _MAX_DEPTH:
                raise _TooDeep(f"nested more than {_MAX_DEPTH} levels deep")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            children = [(f"{name}.{key}" if name else str(key), child) for key, child in pairs]
            stack.extend((path, child, depth + 1) for path, child in reversed(children))


def _not_a_json_number(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large a number")
    return value


def read_jsonl(
    path: Path, mapping: Mapping, max_field_bytes: int, warn: Warn
) -> Iterator[RawRecord]:
    encoding = _encoding(path, mapping, warn)
    with path.open(encoding=encoding, errors="surrogateescape", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            locator = f"line {number}"
            if _unreadable_chars(text):
                yield _refused(locator, text, f"bytes that cannot be read as {encoding}")
                continue
            try:
                data = json.loads(text, parse_constant=_not_a_json_number, parse_float=_finite)
            except json.JSONDecodeError as exc:
                yield _refused(locator, text, f"not valid JSON: {exc.msg}")
                continue
            except ValueError as exc:  # NaN, Infinity, or a number too large to store
                yield _refused(locator, text, f"not valid JSON: {exc}")
                continue
            except RecursionError:
                yield _refused(locator, text, f"nested more than {_MAX_DEPTH} levels deep")
                continue
            if not isinstance(data, dict):
                yield _refused(locator, text, f"a JSON {type(data).__name__}, not an object")
                continue
            too_big = _maybe_unstorable(text, "\\u0000", max_field_bytes) and _oversized(
                _strings(data), max_field_bytes
            )
            if too_big:
                yield _refused(locator, text, too_big)
                continue
            yield RawRecord(locator, text, data)


def element_data(element: Element) -> Any:
    """An XML element as plain data: attributes as `@name`, children by tag (lists if repeated)."""
    data: dict[str, Any] = {f"@{name}": value for name, value in element.attrib.items()}
    for child in element:
        value = element_data(child)
        if child.tag in data:
            existing = data[child.tag]
            data[child.tag] = (
                [*existing, value] if isinstance(existing, list) else [existing, value]
            )
        else:
            data[child.tag] = value
    text = (element.text or "").strip()
    if not data:
        return text
    if text:
        data["#text"] = text
    return data


def read_xml(path: Path, mapping: Mapping, max_field_bytes: int, warn: Warn) -> Iterator[RawRecord]:
    """XML declares its own encoding, so `warn` has nothing to say here."""
    assert mapping.xml is not None
    record_tag = mapping.xml.record
    count = 0
    try:
        events = iterparse(str(path), events=("end",), forbid_dtd=False)
        for event, element in events:
            if event != "end" or element.tag != record_tag:
                continue
            count += 1
            locator = f"<{record_tag}> {count}"
            try:
                text = tostring(element, encoding="unicode")
                data = element_data(element)
            except RecursionError:
                yield _refused(locator, "", f"nested more than {_MAX_DEPTH} levels deep")
                continue
            finally:
                element.clear()  # streaming: a record's subtree is not needed once read
            too_big = _oversized(_strings(data), max_field_bytes)
            if too_big:
                yield _refused(locator, text, too_big)
            elif not isinstance(data, dict):
                yield _refused(locator, text, "an empty record element")
            else:
                yield RawRecord(locator, text, data)
    except DefusedXmlException as exc:
        raise UnreadableInput(
            f"{path.name} was refused: it declares XML entities or a DTD, which could expand "
            f"without limit ({type(exc).__name__}); remove the DTD and re-export"
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        text, size = _tail(path, line)
        yield RawRecord(
            f"line {line}",
            text,
            error=f"XML is malformed (column {column}): the rest of the file could not be read",
            full_size=size,
        )


def _tail(path: Path, line: int) -> tuple[str, int]:
    """The file from `line` on (clipped) and its size: what a malformed XML file still holds."""
    with path.open("rb") as handle:
        for _ in range(line - 1):
            handle.readline()
        start = handle.tell()
        return handle.read(KEEP_BYTES).decode("utf-8", "replace"), path.stat().st_size - start


READERS: dict[str, Callable[[Path, Mapping, int, Warn], Iterator[RawRecord]]] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "xml": read_xml,
}


def read_records(
    path: Path, mapping: Mapping, max_field_bytes: int, warn: Warn
) -> Iterator[RawRecord]:
    """Stream `path` as raw records in the mapping's format; `warn` hears about guesses."""
    return READERS[mapping.format](path, mapping, max_field_bytes, warn)
