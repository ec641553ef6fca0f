"""Field rules for the knowledge-base schema, written without importing pydantic.

The schema's classes are plain frozen dataclasses, so the bot process can hold (and unpickle) a validated
snapshot without loading pydantic. The rules below sit in ``Annotated[...]`` metadata; pydantic reads them
only when something validates (the loader, the worker, the CLI), through the ``__get_pydantic_core_schema__``
hook it looks for on metadata objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Limits:
    """Constraints of the value's own core schema: ``max_length``/``min_length``/``pattern``/``strip_whitespace``
    for text, ``max_length``/``min_length`` for lists, ``ge``/``le``/``gt``/``lt`` for numbers."""

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], Any]) -> Any:
        schema = dict(handler(source))
        schema.update(self.constraints)
        return schema

    def __repr__(self) -> str:
        return f"Limits({self.constraints})"


class Check:
    """A function run on the value once its type and limits hold; a ``ValueError`` it raises is the message."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], Any]) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __repr__(self) -> str:
        return f"Check({self.check.__name__})"


STRICT = {"extra": "forbid", "str_strip_whitespace": True}  # unknown keys are errors; text is stripped
