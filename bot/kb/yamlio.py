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
    """A file that is not valid YAML, or that YAML could not safely turn into data; carries line and field."""

    def __init__(self, message: str, line: int | None, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.field = field
        self.hint = hint


# Bounds that make a hostile file fail fast with a clear message instead of hanging or crashing the loader.
MAX_BYTES = 256 * 1024  # the largest real file is ~40 KB
MAX_NESTING = 40  # the schema nests 6 deep
MAX_NODES = 60_000
MAX_LINE = 20_000
_OPENERS, _CLOSERS = "[{", "]}"


def _precheck(text: str) -> None:
    """Refuse what would make the parser recurse or work without end: huge files, deep flow nesting, long lines."""
    if len(text) > MAX_BYTES:
        raise YamlSyntaxError(f"the file is too large ({len(text) // 1024} KB; the limit is {MAX_BYTES // 1024} KB)",
                              None, hint="split or shorten it")  # fmt: skip
    depth = deepest = 0
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                raise YamlSyntaxError(f"lists or mappings nested more than {MAX_NESTING} deep", None,
                                      hint="the knowledge base never nests this deep")  # fmt: skip
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            raise YamlSyntaxError(f"line is {len(line)} characters long (limit {MAX_LINE})", number)


def _path_of(stack: list[tuple[str | int, ...]]) -> str:
    return ".".join(str(part) for part in stack[-1]) if stack else "(file)"


def _walk(root: yaml.Node) -> None:
    """Refuse duplicate keys, anchors and aliases, block nesting past the bound, and too many entries."""
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    count = 0
    while todo:
        node, path = todo.pop()
        count += 1
        if count > MAX_NODES:
            raise YamlSyntaxError(f"more than {MAX_NODES} entries", None, hint="no knowledge file needs this many")
        if id(node) in seen:
            raise YamlSyntaxError("anchors and aliases (&name / *name) are not allowed", node.start_mark.line + 1,
                                  ".".join(map(str, path)) or None, "write the value out in full")  # fmt: skip
        seen.add(id(node))
        if len(path) > MAX_NESTING:
            raise YamlSyntaxError(f"nested more than {MAX_NESTING} deep", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value)
                if name == "<<":
                    raise YamlSyntaxError("merge keys (<<) are not allowed", key.start_mark.line + 1,
                                          ".".join(map(str, path)) or None, "write the keys out in full")  # fmt: skip
                if name in keys:
                    where = ".".join(map(str, (*path, name)))
                    raise YamlSyntaxError(
                        f"duplicate key '{name}' (first on line {keys[name]})",
                        key.start_mark.line + 1,
                        where,
                        "keep one; YAML would silently keep the last",
                    )
                keys[name] = key.start_mark.line + 1
                todo.append((value, (*path, name)))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, (*path, n)) for n, item in enumerate(node.value))


_EXPECTED = {
    "tag:yaml.org,2002:timestamp": "not a date that exists (YYYY-MM-DD)",
    "tag:yaml.org,2002:int": "not a whole number of at most 4,300 digits",
    "tag:yaml.org,2002:float": "not a number",
    "tag:yaml.org,2002:bool": "not true or false",
}


def _failing_scalar(loader: yaml.SafeLoader, root: yaml.Node) -> tuple[yaml.Node, str, Exception] | None:
    """The first scalar whose value cannot be constructed (a bad date, a bad explicit tag, a huge integer)."""
    todo: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while todo:
        node, path = todo.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except Exception as exc:
                return node, ".".join(map(str, path)), exc
        elif isinstance(node, yaml.MappingNode):
            todo.extend((value, (*path, str(key.value))) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, (*path, n)) for n, item in enumerate(node.value))
    return None


def parse_yaml_text(text: str) -> ParsedYaml:
    """Parse one YAML document safely, keeping the node tree for line lookups.

    Every failure is a :class:`YamlSyntaxError` naming the line (and field where there is one): syntax,
    size and nesting bounds, duplicate keys, aliases, and values YAML cannot construct.
    """
    _precheck(text)
    try:
        loader = KBLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return ParsedYaml(data=None, root=None)
            _walk(root)
            try:
                data = loader.construct_document(root)
            except Exception as exc:  # PyYAML's constructors raise KeyError, ValueError, AttributeError, ...
                failing = _failing_scalar(KBLoader(""), root)
                if failing is None:
                    raise YamlSyntaxError(f"cannot read a value: {str(exc).splitlines()[0][:200]}", None) from exc
                node, field, error = failing
                problem = _EXPECTED.get(node.tag) or str(error).splitlines()[0][:160]
                raise YamlSyntaxError(
                    f"cannot read the value “{str(node.value)[:40]}”: {problem}",
                    node.start_mark.line + 1,
                    field or None,
                    "write a real date as YYYY-MM-DD, a number, true/false, or text without a !! tag",
                ) from exc
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)  # a ReaderError (a control character, bad bytes) has no mark
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise YamlSyntaxError(f"not valid YAML: {str(exc).splitlines()[0][:200]}", line) from exc
    except RecursionError as exc:
        raise YamlSyntaxError(f"nested more than {MAX_NESTING} deep", None) from exc
    return ParsedYaml(data=data, root=root)


def parse_yaml_file(path: Path) -> ParsedYaml:
    """Read and parse a YAML file (UTF-8)."""
    return parse_yaml_text(path.read_text(encoding="utf-8"))
