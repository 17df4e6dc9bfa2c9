"""Mapping files: how one source system's export becomes POLE records, declared in YAML.

A mapping names the export's format, its key, the POLE records each source record yields
(`records`) and the typed links between them (`links`). Loading checks the whole file and
reports every problem at once (Splink's ErrorLogger habit), each with where it is.

See README.md ("Ingesting any export") for a worked example.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from polestar.errors import FieldError, InvalidMapping
from polestar.pole.model import EVENT_TYPES, FIELDS, OBJECT_TYPES
from polestar.pole.vocabularies import Kind, Role
from polestar.sources.values import COMPOSITE_TYPES, VALUE_TYPES
from polestar.yaml_documents import validated

MAPPINGS_DIR = Path(__file__).with_name("mappings")
_TEMPLATE_NAME = re.compile(r"\{([^{}]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """Where one field's value comes from and how it is cleaned.

    `path` is a dotted path into the record (`location.postcode`, `@number` for an XML
    attribute); `$.` at its start means from the record's root rather than the current item.
    `paths` feeds a composite type several values (the `grid` type takes easting, northing),
    and a value type one text, the paths' values joined by spaces (a date and a time apart).
    """

    path: str | None = None
    paths: list[str] | None = None
    value: str | None = Field(None, description="a constant instead of a path")
    type: str = "text"
    formats: list[str] | None = None
    split: str | None = None
    order: Literal["forename-first", "surname-first", "auto"] = "auto"
    null_values: list[str] = Field(default_factory=list)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in VALUE_TYPES and value not in COMPOSITE_TYPES:
            known = ", ".join(sorted([*VALUE_TYPES, *COMPOSITE_TYPES]))
            raise ValueError(f"unknown type {value!r}; known: {known}")
        return value


def _shorthand(value: Any) -> Any:
    """`surname: SURNAME` is short for `surname: {path: SURNAME}`."""
    return {"path": value} if isinstance(value, str) else value


class KeySpec(_Strict):
    """A record's key: the value at `path` if present, else the `template`."""

    path: str | None = None
    template: str | None = None


class RecordSpec(_Strict):
    """One POLE record a source record yields (or one per item of a list, with `each`)."""

    kind: Kind
    object_type: str | None = None
    event_type: str | FieldSpec | None = None
    each: str | None = Field(None, description="path of a list: one record per item")
    within: str | None = Field(None, description="another record: one of these per one of it")
    path: str | None = Field(None, description="sub-object of the context to read fields from")
    key: KeySpec = KeySpec(template="{key}")
    fields: dict[str, Annotated[FieldSpec, Field()]]

    @field_validator("fields", mode="before")
    @classmethod
    def _expand_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: _shorthand(spec) for name, spec in value.items()}
        return value

    @field_validator("key", mode="before")
    @classmethod
    def _key_template(cls, value: Any) -> Any:
        return {"template": value} if isinstance(value, str) else value

    @field_validator("event_type", mode="before")
    @classmethod
    def _event_type(cls, value: Any) -> Any:
        return FieldSpec(**value) if isinstance(value, dict) else value


class LinkSpec(_Strict):
    """A typed link between two of the records above (`from` —role→ `to`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    role: str | FieldSpec
    to: str
    from_index: str | None = Field(
        None, description="path in the `to` item naming which `from` item (by index) it links"
    )

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: Any) -> Any:
        return FieldSpec(**value) if isinstance(value, dict) else value


class CsvOptions(_Strict):
    delimiter: str = ","
    quotechar: str = '"'
    strip: bool = True


class XmlOptions(_Strict):
    record: str


class Mapping(_Strict):
    """A whole mapping file."""

    source: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    format: Literal["csv", "jsonl", "xml"]
    files: list[str] = Field(default_factory=list, description="file-name globs it reads")
    encoding: str | None = None
    timezone: str = "Europe/London"
    csv: CsvOptions = CsvOptions()
    xml: XmlOptions | None = None
    key: str
    required: list[str] = Field(default_factory=list)
    null_values: list[str] = Field(default_factory=lambda: [""])
    records: dict[str, RecordSpec]
    links: list[LinkSpec] = Field(default_factory=list)

    def named(self, source: str) -> Mapping:
        """The same mapping storing its records under another source name (`--source`)."""
        return self.model_copy(update={"source": source})


def _check_semantics(mapping: Mapping) -> list[FieldError]:
    """Checks pydantic cannot express: names that must exist in the model and each other."""
    errors: list[FieldError] = []
    if mapping.format == "xml" and mapping.xml is None:
        errors.append(FieldError("xml.record", "an XML mapping must name its record element"))
    names = set(mapping.records)
    for name, record in mapping.records.items():
        where = f"records.{name}"
        model_fields = FIELDS[record.kind]
        for field_name, spec in record.fields.items():
            if spec.type in COMPOSITE_TYPES or field_name.startswith("attributes."):
                continue
            if field_name not in model_fields:
                errors.append(
                    FieldError(
                        f"{where}.fields.{field_name}",
                        f"{record.kind.value} has no field {field_name!r}; known: "
                        f"{', '.join(model_fields)} (or use attributes.{field_name})",
                    )
                )
            if spec.path is None and spec.paths is None and spec.value is None:
                errors.append(FieldError(f"{where}.fields.{field_name}", "needs a path or value"))
        if record.kind is Kind.OBJECT and record.object_type not in OBJECT_TYPES:
            errors.append(
                FieldError(
                    f"{where}.object_type",
                    f"an object needs object_type, one of {', '.join(sorted(OBJECT_TYPES))}",
                )
            )
        if record.kind is Kind.EVENT:
            if record.event_type is None:
                errors.append(FieldError(f"{where}.event_type", "an event needs an event_type"))
            elif isinstance(record.event_type, str) and record.event_type not in EVENT_TYPES:
                errors.append(
                    FieldError(
                        f"{where}.event_type",
                        f"unknown event type {record.event_type!r}; "
                        f"known: {', '.join(sorted(EVENT_TYPES))}",
                    )
                )
        if record.within is not None and record.within not in names:
            errors.append(FieldError(f"{where}.within", f"no record named {record.within!r}"))
        if record.key.template:
            for placeholder in _TEMPLATE_NAME.findall(record.key.template):
                if placeholder not in {"key", "index"} | names:
                    errors.append(
                        FieldError(f"{where}.key", f"unknown placeholder {{{placeholder}}}")
                    )
    roles = {role.value for role in Role}
    for index, link in enumerate(mapping.links):
        where = f"links[{index}]"
        for end in (link.from_, link.to):
            if end not in names:
                errors.append(FieldError(where, f"no record named {end!r}"))
        if isinstance(link.role, str) and link.role not in roles:
            errors.append(FieldError(f"{where}.role", f"unknown role {link.role!r}"))
    return errors


def parse_mapping(text: str, origin: str) -> Mapping:
    """Parse and check a mapping's YAML text.

    Raises:
        InvalidMapping: with every problem found, each as a `FieldError` naming where it is.
    """
    mapping = validated(text, origin, Mapping, InvalidMapping)
    problems = _check_semantics(mapping)
    if problems:
        raise InvalidMapping(f"{origin} has {len(problems)} error(s)", problems)
    return mapping


def load_mapping(path: Path) -> Mapping:
    """Load a mapping file (see `parse_mapping`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidMapping(f"cannot read mapping {path}: {exc.strerror}") from exc
    return parse_mapping(text, str(path))


def builtin_mappings() -> list[Mapping]:
    """The mappings shipped for the known source systems, one per file in `mappings/`."""
    return [load_mapping(path) for path in sorted(MAPPINGS_DIR.glob("*.yaml"))]
