"""Reply templates: YAML files of small Jinja2 templates, rendered one field at a time in the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.kb.yamlio import parse_yaml_file
from bot.replies.language import DEFAULT_LOCALE, DEFAULT_ROOT, LANGUAGE_CODE

log = logging.getLogger(__name__)



class TemplateProblem(Exception):
    """A template that failed to compile or render; names the key."""

    def __init__(self, key: str, locale: str, error: Exception) -> None:
        super().__init__(f"template {locale}:{key}: {error}")
        self.key = key


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


def make_environment() -> SandboxedEnvironment:
    """The one Jinja2 environment for data-driven text: sandboxed, strict, no HTML escaping."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class Templates:
    """Compiled templates for one locale, falling back to English key by key."""

    def __init__(
        self, sources: Mapping[str, str], fallback: Templates | None = None, locale: str = DEFAULT_LOCALE
    ) -> None:
        self.locale = locale
        self.fallback = fallback
        env = make_environment()
        self._compiled = {}
        for key, text in sources.items():
            try:
                self._compiled[key] = env.from_string(text)
            except TemplateError as exc:
                raise TemplateProblem(key, locale, exc) from exc

    @classmethod
    def load(cls, locale: str = DEFAULT_LOCALE, root: Path = DEFAULT_ROOT) -> Templates:
        """Load ``responses/<locale>.yaml`` with English as fallback (a locale that is not a language code,
        such as a path or a very long name, is English: it never reaches the file system)."""
        english = cls(_flatten(parse_yaml_file(root / f"{DEFAULT_LOCALE}.yaml").data), locale=DEFAULT_LOCALE)
        if locale == DEFAULT_LOCALE or not LANGUAGE_CODE.fullmatch(locale):
            return english
        path = root / f"{locale}.yaml"
        if not path.is_file():
            return english
        return cls(_flatten(parse_yaml_file(path).data), fallback=english, locale=locale)

    def keys(self) -> set[str]:
        """Every key this locale defines itself."""
        return set(self._compiled)

    def render(self, key: str, **context: Any) -> str:
        """Render one template; a missing key falls back to English, any error raises TemplateProblem."""
        template = self._compiled.get(key)
        if template is None:
            if self.fallback is not None:
                return self.fallback.render(key, **context)
            raise TemplateProblem(key, self.locale, KeyError(key))
        try:
            return template.render(**context).strip()
        except TemplateError as exc:
            log.error("template %s:%s failed: %s", self.locale, key, exc)
            raise TemplateProblem(key, self.locale, exc) from exc
