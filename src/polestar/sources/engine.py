"""The mapping engine: one source record in, POLE records, links and field warnings out.

The engine never loses a record for a bad optional value: the value is left out, and a
`FieldWarning` keeps it raw with the reason (ARCHITECTURE.md premise 7). Only a record with
no key, a missing required field or no usable event type is refused (`RecordRejected`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import re
import sys
import zoneinfo
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from polestar.errors import FieldError, InvalidMapping, InvalidValue
from polestar.pole.model import DAY_ONLY, EVENT_TYPES, record_kind
from polestar.pole.vocabularies import Kind, Role
from polestar.sources.mapping import FieldSpec, KeySpec, Mapping, RecordSpec
from polestar.sources.values import COMPOSITE_TYPES, VALUE_TYPES, Day, Noted, Options

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_ROLES = frozenset(role.value for role in Role)
_REMEMBERED = 100_000  # cleaned text values a mapper keeps: names, towns and dates repeat
# The code that makes a record's rows from its content, relative to the `polestar` package:
# this engine and its value types, the POLE normalisers, and the writer of typed rows.
_ROW_MAKERS = ("sources/*.py", "pole/*.py", "store/records.py")
_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def engine_fingerprint() -> str:
    """A digest of the code that makes rows (`_ROW_MAKERS`), read as files, not imported, and of
    the versions of the libraries it imports. Any change to either, a comment's included,
    changes every mapping's digest, so the first ingest after it maps every record again and
    rewrites those whose rows it changes: no version to remember to raise."""
    return fingerprint_of(_PACKAGE)


def fingerprint_of(package: Path) -> str:
    """`engine_fingerprint` of the `polestar` package in this folder."""
    digest = hashlib.sha256()
    sources = []
    for pattern in _ROW_MAKERS:
        for path in sorted(package.glob(pattern)):
            sources.append(path.read_bytes())
            digest.update(f"{path.relative_to(package)}\0".encode())
            digest.update(sources[-1])
    for library in libraries_of(sources):
        digest.update(f"{library}\0".encode())
    return digest.hexdigest()[:16]


def libraries_of(sources: Iterable[bytes]) -> list[str]:
    """`name==version` of each installed distribution these modules import, Python's minor
    version, and the time zone database's if they read it: an upgrade of what the normalisers
    call (pyproj's grid transformations, the Unicode data that folds names, clock changes) can
    change rows as a change of their own code can."""
    modules: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.partition(".")[0])
    provided = importlib.metadata.packages_distributions()
    names = sorted({name for module in modules for name in provided.get(module, ())})
    python = "python=={}.{}".format(*sys.version_info[:2])
    found = [*(f"{name}=={importlib.metadata.version(name)}" for name in names), python]
    return [*found, time_zone_database()] if "zoneinfo" in modules else found


def time_zone_database() -> str:
    """The release of the time zone database `zoneinfo` reads: the system's, where it looks
    first, else the tzdata package's. A release can move a clock change, and with it the UTC
    time of a local time a source gives."""
    for folder in map(Path, zoneinfo.TZPATH):
        london = folder / "Europe" / "London"
        if london.is_file():
            listing = folder / "tzdata.zi"  # its first line: "# version 2025b"
            if listing.is_file():
                with listing.open(encoding="utf-8") as lines:
                    words = lines.readline().split()
                if words[:2] == ["#", "version"] and len(words) == 3:
                    return f"tz=={words[2]}"
            return f"tz=={hashlib.sha256(london.read_bytes()).hexdigest()[:16]}"
    try:
        return f"tzdata=={importlib.metadata.version('tzdata')}"
    except importlib.metadata.PackageNotFoundError:
        return "tz==none"


def mapping_digest(mapping: Mapping) -> str:
    """What made a record's stored rows: the mapping as read and the code that applies it
    (`engine_fingerprint`). An unchanged record stored under another digest is mapped again
    when its export is next ingested, so a corrected mapping reaches every record it reads,
    not only those that changed since. A mapping's file globs choose files, not values, and
    are left out."""
    text = f"{engine_fingerprint()}\0{mapping.model_dump_json(exclude={'files'})}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RecordRejected(Exception):
    """The record cannot be stored; the message is the quarantine reason."""


@dataclass(frozen=True)
class FieldWarning:
    """A value kept raw and left out of matching and search, with the reason; or, not
    `left_out`, a value used as read with a note (a local time at a clock change)."""

    kind: str
    source_key: str
    field: str
    value: str
    reason: str
    left_out: bool = True


@dataclass
class MappedRecord:
    """One POLE record: `values` fill the typed columns, `attributes` the JSON column."""

    kind: Kind
    subtype: str | None
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def record_kind(self) -> str:
        return record_kind(self.kind, self.subtype)


@dataclass(frozen=True)
class MappedLink:
    from_kind: str
    from_key: str
    role: str
    to_kind: str
    to_key: str


@dataclass
class MappedSourceRecord:
    key: str
    records: list[MappedRecord]
    links: list[MappedLink]
    warnings: list[FieldWarning]


@dataclass
class _Instance:
    """One occurrence of a record spec inside one source record."""

    name: str
    context: Any
    index: int | None
    ancestors: dict[str, _Instance]
    key: str = ""
    record: MappedRecord | None = None


@cache
def _parts(path: str) -> tuple[bool, tuple[str, ...]]:
    """A dotted path split once: whether it starts at the root (`$.`), and its parts."""
    if path.startswith("$."):
        return True, tuple(path[2:].split("."))
    return False, tuple(path.split("."))


def resolve(context: Any, root: Any, path: str) -> Any:
    """The value at a dotted `path` in `context` (or in `root` for paths starting `$.`)."""
    from_root, parts = _parts(path)
    value = root if from_root else context
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _absent(value: Any, null_values: Set[str]) -> bool:
    """Whether the source left a value empty: missing, a null text, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in null_values
    return isinstance(value, list | dict) and not value


# What a field puts in its record, one entry per value its type fills: the field's name (for
# a warning), whether it is an attribute, its name in the record, the value, and the note of a
# value kept with a warning (or None).
_Applied = tuple[tuple[str, bool, str, Any, str | None], ...]


def _applied(cleaned: dict[str, Any]) -> _Applied:
    entries = []
    for name, value in cleaned.items():
        note = None
        if isinstance(value, Noted):
            note, value = value.note, value.value
        if name.startswith("attributes."):
            if isinstance(value, Day):
                value = value.day
            entries.append((name, True, name.removeprefix("attributes."), _json_safe(value), note))
        elif isinstance(value, Day):
            entries.append((name, False, name, value.start, note))
            if name in DAY_ONLY:
                entries.append((name, False, DAY_ONLY[name], True, None))
        else:
            entries.append((name, False, name, value, note))
    return tuple(entries)


def _raw_text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


class Mapper:
    """Applies one `Mapping` to source records (see `map`)."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.source = mapping.source
        self._null = frozenset(mapping.null_values)
        self._order = self._dependency_order(mapping.records)
        self._check_links()
        # Per field spec (by identity; the mapping holds them): its null values, and what it
        # made of text values already seen (a clean result, or the reason it refused them).
        self._nulls: dict[int, frozenset[str]] = {}
        self._cleaned: dict[tuple[Any, ...], _Applied | str] = {}

    @staticmethod
    def _dependency_order(records: dict[str, RecordSpec]) -> list[str]:
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order:
                return
            if name in visiting:
                raise InvalidMapping(
                    "records nest in a loop", [FieldError(f"records.{name}.within", "loop")]
                )
            visiting.add(name)
            parent = records[name].within
            if parent is not None:
                visit(parent)
            order.append(name)

        for name in records:
            visit(name)
        return order

    def _lineage(self, name: str) -> list[str]:
        chain = []
        parent = self.mapping.records[name].within
        while parent is not None:
            chain.append(parent)
            parent = self.mapping.records[parent].within
        return chain

    def _repeats(self, name: str) -> bool:
        return any(self.mapping.records[n].each for n in [name, *self._lineage(name)])

    def _check_links(self) -> None:
        errors = []
        for index, link in enumerate(self.mapping.links):
            related = link.to in self._lineage(link.from_) or link.from_ in self._lineage(link.to)
            if link.from_index or related:
                continue
            if self._repeats(link.from_) and self._repeats(link.to):
                errors.append(
                    FieldError(
                        f"links[{index}]",
                        f"{link.from_!r} and {link.to!r} both repeat: say which pairs link "
                        "with from_index, or nest one within the other",
                    )
                )
        if errors:
            raise InvalidMapping(f"mapping {self.source!r} has {len(errors)} error(s)", errors)

    def key_of(self, raw: Any) -> str | None:
        """The source record's key, or None when it has none."""
        value = resolve(raw, raw, self.mapping.key)
        if value is None or isinstance(value, dict | list):
            return None
        text = str(value).strip()
        return text or None

    def map(self, raw: Any) -> MappedSourceRecord:
        """Map one source record (a dict from a reader) to POLE records and links.

        Raises:
            RecordRejected: when the record cannot be stored at all.
        """
        if not isinstance(raw, dict):
            raise RecordRejected(f"expected an object, got {type(raw).__name__}")
        key = self.key_of(raw)
        if key is None:
            raise RecordRejected(f"no key: the {self.mapping.key!r} field is empty or missing")
        for path in self.mapping.required:
            if self._is_null(resolve(raw, raw, path)):
                raise RecordRejected(f"the required field {path!r} is empty or missing")
        warnings: list[FieldWarning] = []
        instances: dict[str, list[_Instance]] = {}
        for name in self._order:
            instances[name] = list(self._instances(name, raw, key, instances, warnings))
        records = [i.record for group in instances.values() for i in group if i.record]
        links = list(self._links(raw, instances, warnings))
        return MappedSourceRecord(key, records, links, warnings)

    def _is_null(self, value: Any) -> bool:
        if value is None:
            return True
        if isinstance(value, str):
            return value.strip() in self._null
        return isinstance(value, list | dict) and not value

    def _instances(
        self,
        name: str,
        raw: dict[str, Any],
        key: str,
        built: dict[str, list[_Instance]],
        warnings: list[FieldWarning],
    ) -> Iterator[_Instance]:
        spec = self.mapping.records[name]
        if spec.within is None:
            bases = [_Instance(name, raw, None, {})]
        else:
            bases = [
                _Instance(name, parent.context, None, {**parent.ancestors, parent.name: parent})
                for parent in built[spec.within]
            ]
        for base in bases:
            candidates: list[tuple[Any, int | None]]
            if spec.each is None:
                candidates = [(base.context, None)]
            else:
                items = resolve(base.context, raw, spec.each)
                if isinstance(items, dict):
                    items = [items]
                elif not isinstance(items, list):
                    items = []  # absent, or a lone value where a list belongs: no items
                candidates = [(item, index) for index, item in enumerate(items)]
            for context, index in candidates:
                if spec.path is not None:
                    context = resolve(context, raw, spec.path)
                if not isinstance(context, dict):
                    continue
                instance = _Instance(name, context, index, base.ancestors)
                instance.key = self._key(spec.key, instance, raw, key)
                instance.record = self._record(spec, instance, raw, warnings)
                yield instance

    def _key(self, spec: KeySpec, instance: _Instance, raw: Any, root_key: str) -> str:
        if spec.path is not None:
            value = resolve(instance.context, raw, spec.path)
            if not self._is_null(value):
                return str(value).strip()
        template = spec.template or "{key}"

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "key":
                return root_key
            if name == "index":
                return str(instance.index)
            return instance.ancestors[name].key

        return _PLACEHOLDER.sub(fill, template)

    def _record(
        self, spec: RecordSpec, instance: _Instance, raw: Any, warnings: list[FieldWarning]
    ) -> MappedRecord | None:
        subtype = spec.object_type
        if spec.kind is Kind.EVENT:
            subtype = self._event_type(spec, instance, raw)
        record = MappedRecord(spec.kind, subtype, instance.key)
        found = False
        for field_name, field_spec in spec.fields.items():
            raws = self._raw_values(field_spec, instance.context, raw)
            if raws is None:
                continue
            if field_spec.path is not None or field_spec.paths is not None:
                found = True
            applied = self._clean(field_name, field_spec, raws)
            if isinstance(applied, str):
                raw_text = " ".join(_raw_text(value) for value in raws)
                warnings.append(
                    FieldWarning(record.record_kind, instance.key, field_name, raw_text, applied)
                )
                continue
            for name, is_attribute, key, value, note in applied:
                if note is not None:
                    warnings.append(
                        FieldWarning(
                            record.record_kind,
                            instance.key,
                            name,
                            _raw_text(raws[0]),
                            note,
                            left_out=False,
                        )
                    )
                if is_attribute:
                    record.attributes[key] = value
                else:
                    record.values[key] = value
        return record if found else None

    def _event_type(self, spec: RecordSpec, instance: _Instance, raw: Any) -> str:
        if isinstance(spec.event_type, FieldSpec):
            value = resolve(instance.context, raw, spec.event_type.path or "")
            text = str(value or "").strip().lower()
            if text not in EVENT_TYPES:
                # The value stays out of the reason: reasons are counted on the home page,
                # which asks no sign-in; the record kept raw shows it (`quarantine list --raw`).
                raise RecordRejected(
                    f"{spec.event_type.path!r} holds no known event type "
                    f"(one of {', '.join(sorted(EVENT_TYPES))})"
                )
            return text
        return str(spec.event_type)

    def _raw_values(self, spec: FieldSpec, context: Any, raw: Any) -> list[Any] | None:
        """The spec's raw values, or None when the source left them all empty."""
        if spec.value is not None:
            return [spec.value]
        null_values = self._nulls.get(id(spec))
        if null_values is None:
            null_values = self._nulls[id(spec)] = self._null | frozenset(spec.null_values)
        if spec.paths is None:
            value = resolve(context, raw, spec.path or "")
            return None if _absent(value, null_values) else [value]
        values = [resolve(context, raw, path) for path in spec.paths]
        present = [value for value in values if not _absent(value, null_values)]
        if not present:
            return None
        if spec.type in COMPOSITE_TYPES:
            return values
        # A value type reads its paths as one text, in order, the empty ones left out: a date
        # and a time an export keeps apart (`paths: [hearing.@date, hearing.@time]`).
        return [" ".join(_raw_text(value).strip() for value in present)]

    def _clean(self, name: str, spec: FieldSpec, raws: list[Any]) -> _Applied | str:
        """What the field puts in its record, or why its value type refused the raw values.

        Remembered for text values: value types are pure, and names, towns and dates repeat.
        """
        text = (len(raws) == 1 and type(raws[0]) is str) or all(
            type(value) is str for value in raws
        )
        key = (id(spec), name, *raws) if text else None
        applied = self._cleaned.get(key) if key is not None else None
        if applied is None:
            try:
                applied = _applied(self._clean_now(name, spec, raws))
            except InvalidValue as exc:
                applied = str(exc)
            if key is not None:
                if len(self._cleaned) >= _REMEMBERED:
                    self._cleaned.clear()
                self._cleaned[key] = applied
        return applied

    def _clean_now(self, name: str, spec: FieldSpec, raws: list[Any]) -> dict[str, Any]:
        options = Options(
            formats=spec.formats, order=spec.order, split=spec.split, zone=self.mapping.timezone
        )
        composite = COMPOSITE_TYPES.get(spec.type)
        if composite is not None:
            return {k: v for k, v in composite(raws, options).items() if v is not None}
        return {name: VALUE_TYPES[spec.type](raws[0], options)}

    def _links(
        self, raw: Any, instances: dict[str, list[_Instance]], warnings: list[FieldWarning]
    ) -> Iterator[MappedLink]:
        for link in self.mapping.links:
            for source, target in self._pairs(link.from_, link.to, link.from_index, instances, raw):
                if source.record is None or target.record is None:
                    continue
                role = self._role(link.role, source, raw, warnings)
                if role is None:
                    continue
                yield MappedLink(
                    source.record.record_kind,
                    source.key,
                    role,
                    target.record.record_kind,
                    target.key,
                )

    def _pairs(
        self,
        from_name: str,
        to_name: str,
        from_index: str | None,
        instances: dict[str, list[_Instance]],
        raw: Any,
    ) -> Iterator[tuple[_Instance, _Instance]]:
        sources, targets = instances[from_name], instances[to_name]
        if from_index is not None:
            by_index = {source.index: source for source in sources}
            for target in targets:
                wanted = resolve(target.context, raw, from_index)
                if isinstance(wanted, int | str) and str(wanted).isdecimal():
                    source = by_index.get(int(wanted))
                    if source is not None:
                        yield source, target
            return
        for source in sources:
            for target in targets:
                ancestor_of_source = source.ancestors.get(to_name)
                ancestor_of_target = target.ancestors.get(from_name)
                if ancestor_of_source is not None:
                    if ancestor_of_source is target:
                        yield source, target
                elif ancestor_of_target is not None:
                    if ancestor_of_target is source:
                        yield source, target
                else:
                    yield source, target

    def _role(
        self,
        role: str | FieldSpec,
        source: _Instance,
        raw: Any,
        warnings: list[FieldWarning],
    ) -> str | None:
        if isinstance(role, str):
            return role
        value = resolve(source.context, raw, role.path or "")
        text = str(value or "").strip().lower().replace(" ", "-")
        if not text:
            return None
        if text not in _ROLES:
            assert source.record is not None
            warnings.append(
                FieldWarning(
                    source.record.record_kind,
                    source.key,
                    "role",
                    str(value),
                    "unknown role",
                    left_out=False,
                )
            )
        return text
