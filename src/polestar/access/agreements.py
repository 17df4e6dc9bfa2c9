"""Sharing agreements as data: what each organisation may see, why, on what basis, and when.

One YAML file per organisation (the shipped demo set is in `access/agreements/`): the purposes
it may state, its lawful basis, start and end dates, the records and fields it is granted
(`grants`, read as `store.scope.Grant`s), the restricted categories it may see, the fields it
marks sensitive, and optionally rules per user role that narrow purposes and categories. The
home force's own rules are an agreement too. Loading checks every file and reports every
problem at once (as `sources/mapping.py` does), then stores each agreement as a new version
when it changed; what is in force is decided when a scope is built, never at load time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.organisations import organisations
from polestar.access.roles import ROLES
from polestar.errors import FieldError, InvalidInput
from polestar.pole.model import DAY_ONLY, EVENT_TYPES, FIELDS, OBJECT_TYPES
from polestar.pole.times import LONDON
from polestar.pole.vocabularies import PURPOSES, Kind, Role
from polestar.settings import Settings
from polestar.store.accounts import agreement_row, agreement_rows, store_agreement_row
from polestar.store.scope import Category, Grant
from polestar.yaml_documents import validated

DEMO_AGREEMENTS = Path(__file__).with_name("agreements")
FLAGS = ("wanted", "missing", "markers")
_SOURCE = re.compile(r"^[a-z][a-z0-9_-]*$")


class InvalidAgreement(InvalidInput):
    """An agreement file is broken; `errors` lists every problem in every file at once."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrantSpec(_Strict):
    """One grant as written: see `store.scope.Grant` for what each condition means.

    `fields: all` grants every field of the kind, attributes included. A time given only to
    the day says so wherever the time is shown (`pole.model.DAY_ONLY`).
    """

    kind: Kind
    fields: list[str] | Literal["all"]
    sources: list[str] | None = None
    types: list[str] | None = None
    roles: list[str] | None = None
    flags: list[str] | None = None
    entity_in: list[str] | None = None

    def field_names(self) -> frozenset[str]:
        if self.fields == "all":
            return all_fields(self.kind)
        return frozenset(self.fields) | {DAY_ONLY[n] for n in self.fields if n in DAY_ONLY}

    def grant(self) -> Grant:
        def optional(values: list[str] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(values)

        return Grant(
            kind=self.kind,
            fields=self.field_names(),
            sources=optional(self.sources),
            types=optional(self.types),
            roles=optional(self.roles),
            flags=optional(self.flags),
            entity_in=optional(self.entity_in),
        )


class RoleRule(_Strict):
    """What users holding one role may do under the agreement: never more than it allows.

    `purposes` defaults to all of the agreement's; `categories` to none.
    """

    purposes: list[str] | None = None
    categories: list[Category] = Field(default_factory=list)


class Agreement(_Strict):
    """A whole agreement file."""

    organisation: str
    title: str = Field(min_length=1)
    lawful_basis: str = Field(min_length=1)
    starts: date
    ends: date | None = None
    purposes: list[str] = Field(min_length=1)
    grants: list[GrantSpec] = Field(default_factory=list)
    categories: list[Category] = Field(
        default_factory=list, description="restricted categories it may see"
    )
    sensitive: list[str] = Field(
        default_factory=list, description="kind.field names that need a justification"
    )
    roles: dict[str, RoleRule] | None = Field(
        None, description="rules per user role; without them every role has the agreement"
    )

    def in_force(self, now: datetime) -> bool:
        """Whether the agreement applies at `now` (dates are Europe/London days, inclusive)."""
        today = now.astimezone(LONDON).date()
        return self.starts <= today and (self.ends is None or today <= self.ends)


def all_fields(kind: Kind) -> frozenset[str]:
    """Every field a record of `kind` has, its attributes included."""
    return frozenset(FIELDS[kind]) | {"attributes"}


def _field_problem(kind: Kind, name: str) -> str | None:
    if name == "attributes" or name.startswith("attributes.") or name in FIELDS[kind]:
        return None
    return f"{kind.value} has no field {name!r}; known: {', '.join(FIELDS[kind])}, attributes"


def _check_grant(grant: GrantSpec, where: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if grant.fields != "all":
        errors.extend(
            FieldError(f"{where}.fields", problem)
            for name in grant.fields
            if (problem := _field_problem(grant.kind, name))
        )
    for name, values in (("sources", grant.sources), ("entity_in", grant.entity_in)):
        errors.extend(
            FieldError(f"{where}.{name}", f"{value!r} is not a source name")
            for value in values or ()
            if not _SOURCE.match(value)
        )
    if grant.types is not None:
        known = {Kind.OBJECT: OBJECT_TYPES, Kind.EVENT: EVENT_TYPES}.get(grant.kind)
        if known is None:
            errors.append(FieldError(f"{where}.types", "only objects and events have types"))
        else:
            errors.extend(
                FieldError(f"{where}.types", f"no {grant.kind.value} type {value!r}")
                for value in grant.types
                if value not in known
            )
    roles = {role.value for role in Role}
    errors.extend(
        FieldError(f"{where}.roles", f"no link role {value!r}")
        for value in grant.roles or ()
        if value not in roles
    )
    if grant.flags is not None and grant.kind is not Kind.PERSON:
        errors.append(FieldError(f"{where}.flags", "only person records carry flags"))
    errors.extend(
        FieldError(f"{where}.flags", f"no flag {value!r}; known: {', '.join(FLAGS)}")
        for value in grant.flags or ()
        if value not in FLAGS
    )
    return errors


def _check_semantics(agreement: Agreement, known_organisations: Iterable[str]) -> list[FieldError]:
    """Checks pydantic cannot express: names that must exist in the model and each other."""
    errors: list[FieldError] = []
    known = sorted(known_organisations)
    if agreement.organisation not in known:
        errors.append(
            FieldError(
                "organisation",
                f"no organisation {agreement.organisation!r}; known: {', '.join(known)}",
            )
        )
    if agreement.ends is not None and agreement.ends < agreement.starts:
        errors.append(FieldError("ends", "ends before it starts"))
    errors.extend(
        FieldError("purposes", f"no purpose {purpose!r}; known: {', '.join(PURPOSES)}")
        for purpose in agreement.purposes
        if purpose not in PURPOSES
    )
    for index, grant in enumerate(agreement.grants):
        errors.extend(_check_grant(grant, f"grants[{index}]"))
    for name in agreement.sensitive:
        kind_name, _, field_name = name.partition(".")
        if kind_name not in set(Kind) or not field_name:
            errors.append(FieldError("sensitive", f"{name!r} must read kind.field"))
        elif problem := _field_problem(Kind(kind_name), field_name):
            errors.append(FieldError("sensitive", problem))
    for role, rule in (agreement.roles or {}).items():
        where = f"roles.{role}"
        if role not in ROLES:
            errors.append(FieldError(where, f"no role {role!r}; known: {', '.join(ROLES)}"))
        errors.extend(
            FieldError(f"{where}.purposes", f"{purpose!r} is not among the agreement's purposes")
            for purpose in rule.purposes or ()
            if purpose not in agreement.purposes
        )
        errors.extend(
            FieldError(
                f"{where}.categories", f"{category!r} is not among the agreement's categories"
            )
            for category in rule.categories
            if category not in agreement.categories
        )
    return errors


def parse_agreement(text: str, origin: str, known_organisations: Iterable[str]) -> Agreement:
    """Parse and check an agreement's YAML text.

    Raises:
        InvalidAgreement: with every problem found, each as a `FieldError` naming where it is.
    """
    agreement = validated(text, origin, Agreement, InvalidAgreement)
    problems = _check_semantics(agreement, known_organisations)
    if problems:
        raise InvalidAgreement(f"{origin} has {len(problems)} error(s)", problems)
    return agreement


def _files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or (DEMO_AGREEMENTS,):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


@dataclass(frozen=True)
class LoadedAgreement:
    """One agreement as stored: which version is current and whether this load made it."""

    organisation: str
    version: int
    changed: bool
    origin: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "version": self.version,
            "changed": self.changed,
            "file": self.origin,
        }


def load_agreements(
    engine: Engine, paths: Sequence[Path], now: datetime, *, actor: str, settings: Settings
) -> list[LoadedAgreement]:
    """Check agreement files (folders: every `*.yaml` in them) and store them.

    A load that changes any agreement is recorded as one alteration by `actor`, naming each
    organisation's new version.

    Nothing is stored unless every file is valid. An agreement identical to its organisation's
    current one changes nothing; a different one becomes a new version, replacing the old.

    Args:
        paths: files or folders; none means the shipped demo agreements.

    Raises:
        InvalidAgreement: every problem in every file, fields prefixed by the file's name.
    """
    files = _files(paths)
    if not files:
        raise InvalidAgreement(f"no agreement files in {', '.join(map(str, paths))}")
    texts: list[tuple[str, str]] = []
    unreadable: list[FieldError] = []
    for path in files:
        try:
            texts.append((str(path), path.read_text(encoding="utf-8")))
        except OSError as exc:
            unreadable.append(FieldError(str(path), f"cannot read: {exc.strerror}"))
    return _load(engine, texts, unreadable, now, actor, settings)


def load_agreement_text(
    engine: Engine,
    text: str,
    origin: str,
    now: datetime,
    *,
    organisation: str,
    actor: str,
    settings: Settings,
) -> LoadedAgreement:
    """Check one agreement's YAML text (as the administration API receives it) and store it,
    exactly as `load_agreements` stores a file.

    Args:
        origin: where the text came from, kept as the stored version's origin.
        organisation: the organisation the text must be the agreement of.

    Raises:
        InvalidAgreement: every problem in the text, or an agreement of another organisation.
    """
    [loaded] = _load(engine, [(origin, text)], [], now, actor, settings, organisation=organisation)
    return loaded


def _load(
    engine: Engine,
    texts: Sequence[tuple[str, str]],
    problems: list[FieldError],
    now: datetime,
    actor: str,
    settings: Settings,
    organisation: str | None = None,
) -> list[LoadedAgreement]:
    """Parse every (origin, text), then store them all, or nothing if any has a problem
    (or, given `organisation`, any is another organisation's)."""
    with audit.transaction(engine, settings) as conn:
        known = organisations(conn)
        parsed: list[tuple[str, Agreement]] = []
        for origin, text in texts:
            try:
                parsed.append((origin, parse_agreement(text, origin, known)))
            except InvalidAgreement as exc:
                name = Path(origin).name
                problems.append(FieldError(origin, exc.message))
                problems.extend(FieldError(f"{name}: {e.field}", e.message) for e in exc.errors)
        seen: dict[str, str] = {}
        for origin, agreement in parsed:
            if agreement.organisation in seen:
                problems.append(
                    FieldError(
                        f"{Path(origin).name}: organisation",
                        f"{agreement.organisation!r} already has {seen[agreement.organisation]}",
                    )
                )
            seen[agreement.organisation] = origin
            if organisation not in (None, agreement.organisation):
                problems.append(
                    FieldError("organisation", f"this must be {organisation!r}'s agreement")
                )
        if problems:
            raise InvalidAgreement("agreements not loaded: nothing was stored", problems)
        loaded = []
        for origin, agreement in parsed:
            document = agreement.model_dump(mode="json")
            digest = hashlib.sha256(
                json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest()
            version, changed = store_agreement_row(
                conn, agreement.organisation, document, digest, origin, now
            )
            loaded.append(LoadedAgreement(agreement.organisation, version, changed, origin))
        changes = {item.organisation: item.version for item in loaded if item.changed}
        if changes:
            audit.record_in(
                conn,
                audit.Alteration(
                    action="agreements.load", actor=actor, details={"versions": changes}
                ),
            )
    return loaded


@dataclass(frozen=True)
class StoredAgreement:
    """An organisation's current agreement, as `agreements list` shows it."""

    agreement: Agreement
    version: int
    origin: str
    loaded_at: datetime

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """One item of `agreements list --json`."""
        agreement = self.agreement
        return {
            "organisation": agreement.organisation,
            "version": self.version,
            "title": agreement.title,
            "lawful_basis": agreement.lawful_basis,
            "starts": agreement.starts.isoformat(),
            "ends": None if agreement.ends is None else agreement.ends.isoformat(),
            "in_force": agreement.in_force(now),
            "purposes": agreement.purposes,
            "kinds": sorted({grant.kind.value for grant in agreement.grants}),
            "categories": [category.value for category in agreement.categories],
            "sensitive": agreement.sensitive,
            "loaded_at": self.loaded_at.isoformat(),
            "file": self.origin,
        }


def list_agreements(engine: Engine) -> list[StoredAgreement]:
    """Every organisation's current agreement."""
    with engine.connect() as conn:
        rows = agreement_rows(conn)
    return [
        StoredAgreement(Agreement.model_validate(r.document), r.version, r.origin, r.loaded_at)
        for r in rows
    ]


def current_agreement(conn: Connection, organisation: str) -> Agreement | None:
    """An organisation's current agreement, whether or not it is in force."""
    row = agreement_row(conn, organisation)
    return None if row is None else Agreement.model_validate(row.document)
