"""Calls to action render in the sandbox, with the jurisdiction's data; bad prompts are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.actions.render import render_prompt
from bot.kb.schema import ActionPrompt
from bot.kb.snapshot import KnowledgeBase
from bot.replies.templates import TemplateProblem


def _prompt(**kw) -> ActionPrompt:
    return ActionPrompt.model_validate({"id": "t", "title": "T", "text": "x", **kw})


def test_reviewed_prompts_render_for_every_jurisdiction(kb: KnowledgeBase) -> None:
    assert kb.actions
    for prompt in kb.actions.values():
        for jid in kb.jurisdictions:
            msg = render_prompt(prompt, kb, jid)
            assert msg.text
            assert len(msg.links) <= 5
        assert render_prompt(prompt, kb).jurisdiction is None


def test_jurisdiction_data_is_available(kb: KnowledgeBase) -> None:
    from bot.kb.scoring import total_score

    msg = render_prompt(_prompt(text="{{ jurisdiction.name }} scores {{ jurisdiction.score }}"), kb, "ct")
    end, start = total_score(kb.jurisdictions["ct"], kb.rubric)
    assert msg.text.startswith(f"Connecticut scores End {end.points:g}/4 · Start {start.points:g}/5")
    bills = render_prompt(
        _prompt(text="{% for b in jurisdiction.bills %}{{ b.number }}={{ b.status }};{% endfor %}"), kb, "wv"
    ).text
    assert "HB 3027=failed;" in bills
    law = render_prompt(_prompt(text="{{ jurisdiction.law or 'none' }}"), kb, "wv").text
    assert "HB 3027" not in law, "a failed bill is never current law in a template"


def test_missing_jurisdiction_is_a_clear_error(kb: KnowledgeBase) -> None:
    with pytest.raises(TemplateProblem):
        render_prompt(_prompt(text="{{ jurisdiction.name }}"), kb)


def test_sandbox_blocks_attribute_escapes(kb: KnowledgeBase) -> None:
    with pytest.raises(TemplateProblem):
        render_prompt(_prompt(text="{{ jurisdiction.__class__.__mro__ }}"), kb, "ct")


def test_event_time_becomes_a_unix_timestamp(kb: KnowledgeBase) -> None:
    msg = render_prompt(_prompt(event_time="2026-03-01T18:00:00-05:00", event_label="Hearing"), kb)
    assert msg.event_unix == 1772406000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"links": [{"label": "x", "url": "http://example.org"}]}, "https"),
        ({"links": [{"label": "x" * 81, "url": "https://example.org"}]}, "80"),
        ({"links": [{"label": str(n), "url": "https://example.org"} for n in range(6)]}, "5"),
        ({"event_time": "2026-03-01T18:00:00"}, "UTC offset"),
    ],
)
def test_bad_prompts_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _prompt(**fields)
