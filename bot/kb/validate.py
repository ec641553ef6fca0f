"""Validate knowledge-base data against the schema with pydantic (imported here, never by the schema).

The loader, the worker and the command line validate files; the bot process itself validates only an
organizer's own prompt (a form, or one read back from the database), and imports this module then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")

__all__ = ["ValidationError", "dump_json", "problem", "validate", "validate_json"]
_MESSAGES = {"unexpected_keyword_argument": "Extra inputs are not permitted"}  # a key the schema does not have


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}  # one per schema class, built on first use


def _adapter(model: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def validate(model: type[T], data: Any) -> T:
    """``data`` (parsed YAML or a form's values) as a valid ``model``, or :class:`ValidationError`."""
    result: T = _adapter(model).validate_python(data)
    return result


def validate_json(model: type[T], text: str | bytes) -> T:
    """A ``model`` from its JSON (as :func:`dump_json` wrote it), validated again."""
    result: T = _adapter(model).validate_json(text)
    return result


def problem(error: Mapping[str, Any]) -> tuple[str, str]:
    """One of pydantic's errors as the dotted field path ("" for the whole object) and the message a person
    reads (a check's own ``ValueError`` words without pydantic's prefix)."""
    field = ".".join(str(part) for part in error["loc"])
    return field, _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")


def dump_json(value: Any) -> str:
    """``value`` (a schema object) as compact JSON."""
    return _adapter(type(value)).dump_json(value).decode()
