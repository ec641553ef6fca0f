"""Organizers' templates cannot stop the bot: work, output and time are bounded, and a runaway render is killed."""

from __future__ import annotations

import pytest
from jinja2 import TemplateError

from bot.actions.render import render_prompt
from bot.actions.sandbox import MAX_OUTPUT, TemplateTooCostly, render_bounded
from bot.kb.schema import ActionPrompt
from bot.kb.snapshot import KnowledgeBase
from bot.kb.validate import validate
from bot.replies.templates import TemplateProblem


def _prompt(text: str) -> ActionPrompt:
    return validate(ActionPrompt, {"id": "t", "title": "T", "text": text})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ 2 ** 100000 }}", "powers above"),  # Jinja would fold this at compile time
        ("{{ ((9 ** 60) ** 60) ** 60 }}", "numbers this large"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ 'x' * 10 ** 9 }}", "repeating text"),
        ("{{ range(10 ** 9) | list | length }}", "range()"),
        ("{% for a in range(1000) %}xxxxxxxxxx{% endfor %}", f"longer than {MAX_OUTPUT}"),
        ("{{ jurisdiction.__class__.__mro__ }}", "unsafe"),
    ],
)
def test_costly_templates_are_refused_with_a_reason(kb: KnowledgeBase, text: str, reason: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_prompt(_prompt(text), kb, "ct")
    assert reason in str(caught.value.__cause__) or reason in str(caught.value)


def test_a_runaway_render_is_stopped_and_the_worker_recovers(kb: KnowledgeBase) -> None:
    loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}" \
            "{% endfor %}{% endfor %}done"  # fmt: skip
    with pytest.raises(TemplateTooCostly, match=r"took longer than 0\.5 s"):
        render_bounded(loops, {}, timeout=0.5)
    assert render_bounded("{{ 1 + 1 }}", {}) == "2", "a fresh worker answers after the runaway one was killed"
    assert render_prompt(_prompt("{{ jurisdiction.name }}"), kb, "co").text == "Colorado"


def test_a_template_is_compiled_once_and_still_bounded_every_time() -> None:
    from bot.actions import sandbox

    sandbox._compiled.cache_clear()
    source = "{{ jurisdiction.name }} {{ 'x' * n }}"
    assert sandbox._render(source, {"jurisdiction": {"name": "CT"}, "n": 3}, 6000) == "CT xxx"
    assert sandbox._render(source, {"jurisdiction": {"name": "NM"}, "n": 2}, 6000) == "NM xx"
    assert sandbox._compiled.cache_info().hits == 1, "the second post reuses the compiled template"
    for _ in range(2):
        with pytest.raises(TemplateError):
            sandbox._render(source, {"jurisdiction": {"name": "CT"}, "n": 10**6}, 6000)
