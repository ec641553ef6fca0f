"""Every string a person reads comes from `responses/<locale>.yaml`: no prose literal in the Discord layer.

A simple AST check. Prose is a string (or the literal parts of an f-string) with two words in a row.
Allowed: docstrings; log calls and `print` (the operator's console); exceptions for the operator
(`RuntimeError`, `ValueError`); string-method arguments (`removeprefix`, ...); and command names and
descriptions (decorator arguments, class keywords, `locale_str`), which `QiTranslator` localises from
`responses/commands.es.yaml`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DISCORD_LAYER = Path(__file__).resolve().parents[2] / "bot" / "discord"
PROSE = re.compile(r"[A-Za-z]{2,}[,.:;!?]? [A-Za-z]{2,}")
OPERATOR_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "print", "RuntimeError", "ValueError"}
NOT_WORDS = {"locale_str", "removeprefix", "removesuffix", "startswith", "endswith", "replace", "split"}


def _literal_text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return ""


def _exempt_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes whose strings people never read untranslated."""
    exempt: set[int] = set()

    def mark(node: ast.AST) -> None:
        exempt.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                mark(first)  # docstring
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                mark(decorator)
        if isinstance(node, ast.ClassDef):
            for keyword in node.keywords:
                mark(keyword)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in OPERATOR_CALLS | NOT_WORDS:
                mark(node)
    return exempt


SENDERS = {"say_private", "reply_private", "send", "send_message", "edit_message", "edit_original_response"}
SHOWN_KEYWORDS = {"content", "label", "placeholder", "title", "description", "text"}


def _sent_literals(tree: ast.Module, exempt: set[int]) -> list[tuple[int, str]]:
    """Even one word is read by a person when it is the text of a message, a label or a title."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in exempt:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        args = node.args[1:2] if name == "say_private" else list(node.args) if name in SENDERS else []
        args += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS and name not in OPERATOR_CALLS]
        for arg in args:
            keys = {id(n) for c in ast.walk(arg) if isinstance(c, ast.Call) for n in ast.walk(c)}
            for part in ast.walk(arg):
                if id(part) in keys:  # t.render("a.key", ...): a key, not words
                    continue
                text = _literal_text(part)
                is_slug = re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", text)  # an example value such as a prompt id
                if re.search(r"[A-Za-z]{2,}", text) and not is_slug and not isinstance(part, ast.FormattedValue):
                    found.append((part.lineno, text))
    return found


def _parse(source: str) -> ast.Module:
    """ast.parse, retried on CPython 3.11.7's spurious "AST constructor recursion depth mismatch" (gh-106905,
    fixed in 3.11.8: a counter shared between threads; another thread building an AST trips it)."""
    for _ in range(2):
        try:
            return ast.parse(source)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc):
                raise
    return ast.parse(source)


def prose_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each prose literal outside the exempt places."""
    tree = _parse(source)
    exempt = _exempt_nodes(tree)
    exempt.update(id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values)
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        text = _literal_text(node)
        if PROSE.search(text):
            found.append((node.lineno, text))
    found += [(line, text) for line, text in _sent_literals(tree, exempt) if (line, text) not in found]
    return sorted(set(found))


MODULES = sorted(DISCORD_LAYER.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DISCORD_LAYER)))
def test_no_user_facing_literal_in_the_discord_layer(path: Path) -> None:
    found = prose_literals(path.read_text(encoding="utf-8"))
    assert not found, "words belong in responses/en.yaml and es.yaml:\n" + "\n".join(
        f"{path.name}:{line}: {text!r}" for line, text in found
    )


def test_the_check_sees_a_literal_and_an_f_string() -> None:
    """Guard the guard: a say() with an English literal, and an f-string, are both found."""
    source = 'async def f(i):\n    await say(i, "Schedule cancelled.")\n    x = f"Posted in {c}: now"\n'
    assert [line for line, _ in prose_literals(source)] == [2, 3]
    assert prose_literals('await say_private(i, "Unsubscribed.")\nButton(label="Next")\n') == [
        (1, "Unsubscribed."),
        (2, "Next"),
    ]
    assert prose_literals('"""A docstring here."""\nlog.info("started the bot %s", 1)\n') == []
    assert prose_literals('raise ChannelGone("channel is gone now")\n') == [(1, "channel is gone now")]
