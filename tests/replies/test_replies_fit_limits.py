"""Every template, for every jurisdiction, criterion and term, renders within Discord's limits."""

from __future__ import annotations

import itertools

import pytest
from jinja2.exceptions import SecurityError

from bot import limits
from bot.kb.snapshot import KnowledgeBase
from bot.replies import build
from bot.replies.fit import chunk_lines, clip, paginate
from bot.replies.model import Field, Reply
from bot.replies.responder import Responder, templates_for
from bot.replies.templates import TemplateProblem, Templates

EN = templates_for("en")


def assert_fits(reply: Reply) -> None:
    assert reply.pages
    for page in reply.pages:
        assert 0 < len(page.title) <= limits.EMBED_TITLE
        assert len(page.description) <= limits.EMBED_DESCRIPTION
        assert len(page.fields) <= limits.EMBED_FIELDS
        assert len(page.footer) <= limits.FOOTER
        for field in page.fields:
            assert 0 < len(field.name) <= limits.FIELD_NAME
            assert 0 < len(field.value) <= limits.FIELD_VALUE
        assert len(page) <= limits.EMBED_TOTAL - 20, f"{page.title}: {len(page)}"
    assert len(reply.links) <= 8
    for link in reply.links:
        assert len(link.label) <= limits.BUTTON_LABEL
        assert link.url.startswith(("http://", "https://"))


def test_every_state_reply_fits(kb: KnowledgeBase) -> None:
    for jid, j in kb.jurisdictions.items():
        reply = build.state_reply(kb, jid, EN)
        assert_fits(reply)
        assert reply.subject == jid
        text = "\n".join(f.name + f.value for p in reply.pages for f in p.fields)
        for cid, verdict in j.verdicts.items():
            if verdict.verdict == "unknown":
                assert kb.criteria[cid].short in text
            else:
                assert kb.criteria[cid].label in text
                assert verdict.source in text
        assert "{{" not in text and "{%" not in text


def test_every_criterion_reply_fits_and_lists_every_jurisdiction(kb: KnowledgeBase) -> None:
    for cid in kb.criteria:
        reply = build.criterion_reply(kb, cid, EN)
        assert_fits(reply)
        text = "\n".join(f.value for p in reply.pages for f in p.fields)
        for j in kb.jurisdictions.values():
            assert j.name in text, f"{j.name} missing from /criterion {cid}"


def test_every_pair_and_a_triple_compare_fits(kb: KnowledgeBase) -> None:
    ids = sorted(kb.jurisdictions)
    for a, b in itertools.combinations(ids, 2):
        assert_fits(build.compare_reply(kb, [a, b], EN))
    longest = sorted(ids, key=lambda jid: -sum(len(v.reason) for v in kb.jurisdictions[jid].verdicts.values()))[:3]
    assert_fits(build.compare_reply(kb, longest, EN))


def test_every_glossary_entry_fits(kb: KnowledgeBase) -> None:
    for term in kb.glossary:
        reply = build.explain_reply(kb, term, EN)
        assert_fits(reply)
        assert reply.links[0].url == kb.glossary[term].source.url


def test_about_and_usage_fit(kb: KnowledgeBase) -> None:
    assert_fits(build.about_reply(kb, EN))
    assert_fits(build.usage_reply(EN, "Unknown command “x”."))


def test_miss_is_private_with_suggestions(responder: Responder) -> None:
    reply = responder.state("Conecticutt")
    assert reply.kind == "state"  # a clear typo is answered
    miss = responder.state("Texs")
    assert miss.private and miss.kind == "not_found"
    assert "Did you mean Texas" in miss.pages[0].description
    assert responder.criterion("nonsense criterion").private
    assert responder.explain("zzzz").private


def test_compare_needs_two_or_three(responder: Responder) -> None:
    assert responder.compare(["CO"]).kind == "usage"
    assert responder.compare(["CO", "NM", "CT", "MA"]).kind == "usage"
    assert responder.compare(["CO", "Colorado"]).kind == "usage"
    assert responder.compare(["CO", "NM"]).kind == "compare"
    assert responder.ask("/compare CO, new mexico").kind == "compare"
    assert responder.ask("/compare new york city vs CT").meta["jurisdictions"] == "nyc,ct"


def test_sandbox_blocks_unsafe_templates() -> None:
    unsafe = Templates({"x": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(TemplateProblem) as caught:
        unsafe.render("x")
    assert isinstance(caught.value.__cause__, SecurityError)


def test_missing_variables_fail_loudly() -> None:
    with pytest.raises(TemplateProblem, match="undefined"):
        Templates({"x": "{{ nope }}"}).render("x")


def test_template_syntax_error_names_the_key() -> None:
    with pytest.raises(TemplateProblem, match="en:broken"):
        Templates({"broken": "{% if %}"})


def test_data_is_not_rendered_as_a_template(kb: KnowledgeBase) -> None:
    """Values from the knowledge base are inserted as text, never evaluated as Jinja2."""
    rendered = EN.render("state.fact_line", text="{{ 7 * 7 }}", source="https://example.org")
    assert "{{ 7 * 7 }}" in rendered and "49" not in rendered


def test_clip_and_chunk() -> None:
    assert clip("short", 10) == "short"
    clipped = clip("one two three four five six", 12)
    assert len(clipped) <= 12 and clipped.endswith("…")
    blocks = chunk_lines(["a" * 600, "b" * 600, "c" * 2000], 1024)
    assert all(len(b) <= 1024 for b in blocks) and len(blocks) == 3


def test_paginate_splits_instead_of_failing() -> None:
    fields = [Field(f"field {n}", "x" * 1000) for n in range(30)]
    pages = paginate("title", "d" * 5000, fields, "footer")
    assert len(pages) > 1
    assert sum(len(p.fields) for p in pages) == 30
    for page in pages:
        assert len(page) <= limits.EMBED_TOTAL and len(page.fields) <= 25
        assert len(page.description) <= limits.EMBED_DESCRIPTION
