"""YAML reading with line numbers, and without YAML 1.1's yes/no booleans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20x faster


class KBLoader(_BASE):  # type: ignore[misc,valid-type]
    """A safe loader where only true/false are booleans, so ``verdict: no`` stays the text "no".

    It uses libyaml's C parser where PyYAML has it; nodes keep their marks, so errors still name lines.
    """


KBLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KBLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class ParsedYaml:
    """A parsed document plus its node tree, for mapping field paths back to lines."""

    data: Any
    root: yaml.Node | None

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The 1-based line of the deepest node found along ``path``."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for key in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == str(key)), None)
                if match is None:
                    break
                key_node = next(k for k, v in node.value if v is match)
                node, line = match, key_node.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line


class LazyLines:
    """Line lookups for a file that parsed cleanly, without keeping its node tree in memory.

    Cross-file checks rarely find anything, so the text is parsed again only when one does.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._parsed: ParsedYaml | None = None

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        if self._parsed is None:
            self._parsed = compose_lines(self._text)
        return self._parsed.line_of(path)


@lru_cache(maxsize=32)
def compose_lines(text: str) -> ParsedYaml:
    """Only the node tree (no Python objects built), for line lookups; the last few files are remembered."""
    loader = KBLoader(text)
    try:
        return ParsedYaml(data=None, root=loader.get_single_node())
    finally:
        loader.dispose()


LineIndex = ParsedYaml | LazyLines  # anything that maps a field path to its line


class YamlSyntaxError(ValueError):
    """A file that is not valid YAML; carries the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml_text(text: str) -> ParsedYaml:
    """Parse one YAML document, keeping the node tree for line lookups."""
    try:
        loader = KBLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", None) from exc
    return ParsedYaml(data=data, root=root)


def parse_yaml_file(path: Path) -> ParsedYaml:
    """Read and parse a YAML file (UTF-8)."""
    return parse_yaml_text(path.read_text(encoding="utf-8"))
