"""Calls to action render in the sandbox, with the jurisdiction's data; bad prompts are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.actions.render import render_prompt
from bot.kb.schema import ActionPrompt
from bot.kb.snapshot import KnowledgeBase
from bot.kb.validate import validate
from bot.replies.templates import TemplateProblem


def _prompt(**kw) -> ActionPrompt:
    return validate(ActionPrompt, {"id": "t", "title": "T", "text": "x", **kw})


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


class _Person:
    id = "ocd-person/00000000-0000-0000-0000-000000000001"
    name = "Jane Doe"
    state = "ct"
    chamber = "lower"
    district = "113"
    party = "Democratic"
    email = "jane.doe@cga.ct.gov"
    phone = "860-240-8585"
    website = None
    title = "Representative"


def test_the_reviewed_call_script_fills_in_the_legislator_and_current_law(kb: KnowledgeBase) -> None:
    from bot.actions.render import render_script
    prompt = kb.actions["contact-legislator"]
    assert prompt.kind == "call-script"
    assert render_prompt(prompt, kb, "ct").call
    script = render_script(prompt, kb, _Person())
    law = "; ".join(f"{r.number} ({r.year})" for r in kb.jurisdictions["ct"].current_law.reforms)
    assert "Representative Jane Doe's district (113)" in script
    assert f"The related laws in force in Connecticut are {law}." in script
    assert "each state decides whether it, or something like it, applies to claims under state law" in script
    assert "End " not in script and "verified" not in script, "no score shorthand read aloud on a call"
    assert "{{" not in script and "bill I'm calling about" not in script


def test_a_call_script_names_its_bill(kb: KnowledgeBase) -> None:
    from bot.actions.render import render_script

    prompt = _prompt(
        kind="call-script",
        chamber="lower",
        bill={"jurisdiction": "wv", "number": "HB 3027"},
        script="{{ legislator.title }} {{ legislator.name }}: {{ bill.number }} is {{ bill.status }}, law: "
        "{{ bill.is_law }}; {{ jurisdiction.name }}",
    )
    assert render_script(prompt, kb, _Person()) == "Representative Jane Doe: HB 3027 is failed, law: False; Connecticut"


def test_call_script_fields_are_checked() -> None:
    with pytest.raises(ValidationError, match="needs a script"):
        _prompt(kind="call-script")
    with pytest.raises(ValidationError, match="belong to kind: call-script"):
        _prompt(script="hello {{ legislator.name }}")
    with pytest.raises(ValidationError):
        _prompt(kind="call-script", script="x", chamber="attic")


def test_the_validator_names_a_broken_script_and_an_unknown_bill(tmp_path) -> None:
    import shutil

    from bot.kb.loader import DEFAULT_ROOT, collect

    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root, ignore=shutil.ignore_patterns("people"))
    (root / "actions" / "bad-call.yaml").write_text(
        "id: bad-call\nkind: call-script\ntitle: T\ntext: x\nscript: 'Hello {{ legislator.name'\n"
        "bill:\n  jurisdiction: wv\n  number: HB 9999\n"
    )
    kb, issues = collect(root)
    assert kb is None
    found = {(i.field, i.line) for i in issues if i.file.endswith("bad-call.yaml")}
    assert ("script", 5) in found
    assert ("bill", 8) in found
