"""YAML documents checked against a Pydantic model, every problem reported at once.

Source mappings and sharing agreements are both operator-written YAML; both report bad YAML,
a document that is not a mapping, and every validation error with where it is.
"""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from polestar.errors import FieldError, InvalidInput

Document = TypeVar("Document", bound=BaseModel)


def validated(text: str, origin: str, model: type[Document], error: type[InvalidInput]) -> Document:
    """Parse `text` (from `origin`) into `model`.

    Raises:
        error: the YAML is unreadable or not a mapping, or fails `model`'s checks (each
            problem a `FieldError` naming where it is).
    """
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML raises a bare ValueError for an impossible timestamp (`2020-13-45`).
        raise error(f"{origin} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{origin} must be a YAML mapping, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(part) for part in problem["loc"]), problem["msg"])
            for problem in exc.errors()
        ]
        raise error(f"{origin} has {len(errors)} error(s)", errors) from exc
