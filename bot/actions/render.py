"""Render a call to action: its text is a Jinja2 template run in the sandbox with the jurisdiction's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from jinja2 import TemplateError

from bot.actions.sandbox import render_bounded
from bot.kb.export import bill_identity
from bot.kb.schema import ActionLink, ActionPrompt, BillRef
from bot.kb.scoring import total_score
from bot.kb.snapshot import KnowledgeBase
from bot.replies.build import bill_score_line, scores_line
from bot.replies.fit import clip
from bot.replies.responder import templates_for
from bot.replies.templates import TemplateProblem

TEXT_LIMIT = 3500


@dataclass(frozen=True)
class ActionMessage:
    """Exactly what will be posted: title, text, link buttons, an optional event time."""

    prompt_id: str
    title: str
    text: str
    links: tuple[ActionLink, ...]
    jurisdiction: str | None
    event_unix: int | None
    event_label: str | None
    call: bool = False  # a call-script prompt: the post carries a "Call your legislators" button


def jurisdiction_context(kb: KnowledgeBase, jid: str) -> dict[str, object]:
    """What a prompt's template may use about a jurisdiction (plain strings, lists and dicts only).

    ``score`` and ``law`` are current law; ``bills`` are kept apart and are never law unless enacted.
    """
    j = kb.jurisdictions[jid]
    t = templates_for("en")
    reforms = [f"{r.number} ({r.year})" for r in j.current_law.reforms]
    end, start = total_score(j, kb.rubric)
    score = scores_line(end, start, t)
    return {
        "id": j.id,
        "name": j.name,
        "postal": j.postal,
        "summary": j.summary,
        "score": score,
        "law": "; ".join(reforms) or None,
        "current_law": {
            "score": score,
            "reforms": reforms,
            "known": end.out_of + start.out_of - end.unknown - start.unknown,
            "out_of": end.out_of + start.out_of,
        },
        "bills": [{**bill_identity(b), "score": bill_score_line(kb, b, t)} for b in j.bills],
    }


def render_prompt(prompt: ActionPrompt, kb: KnowledgeBase, jurisdiction: str | None = None) -> ActionMessage:
    """Render a prompt for a jurisdiction (the one given, else the prompt's own, else none).

    Raises TemplateProblem when the text cannot be rendered (e.g. it needs a jurisdiction and none is set) or
    would cost too much (the render runs in a worker process with a time limit and an output cap; blocking,
    so async callers run it in a thread).
    """
    jid = jurisdiction or prompt.jurisdiction
    context = {"jurisdiction": jurisdiction_context(kb, jid) if jid else None}
    try:
        text = render_bounded(prompt.text, context).strip()
    except TemplateError as exc:
        raise TemplateProblem(f"action {prompt.id}", "en", exc) from exc
    return ActionMessage(
        prompt_id=prompt.id,
        title=clip(prompt.title, 256),
        text=clip(" ".join(text.split()) if "\n\n" not in text else text, TEXT_LIMIT),
        links=tuple(prompt.links),
        jurisdiction=jid,
        event_unix=int(prompt.event_time.timestamp()) if prompt.event_time else None,
        event_label=prompt.event_label,
        call=prompt.kind == "call-script",
    )


SCRIPT_LIMIT = 1800


class LegislatorLike(Protocol):
    """What a call script may use about a legislator (bot.people.model.Legislator has it)."""

    id: str
    name: str
    state: str
    chamber: str
    district: str
    party: str
    email: str | None
    phone: str | None
    website: str | None

    @property
    def title(self) -> str: ...


def legislator_context(person: LegislatorLike) -> dict[str, object]:
    """``{{ legislator.name }}``, ``.title`` ("Senator", "Representative", ...), ``.party``, ``.district``, ..."""
    return {
        "name": person.name,
        "title": person.title,
        "party": person.party,
        "district": person.district,
        "chamber": person.chamber,
        "state": person.state.upper(),
        "email": person.email,
        "phone": person.phone,
        "website": person.website,
    }


def bill_context(kb: KnowledgeBase, ref: BillRef | None) -> dict[str, Any] | None:
    """The bill a call is about: number, title, year, status, is_law (None when the prompt names none)."""
    if ref is None or ref.jurisdiction not in kb.jurisdictions:
        return None
    for b in kb.jurisdictions[ref.jurisdiction].bills:
        if b.number == ref.number:
            return {**bill_identity(b), "jurisdiction": kb.jurisdictions[ref.jurisdiction].name}
    return None


def render_script(prompt: ActionPrompt, kb: KnowledgeBase, person: LegislatorLike) -> str:
    """A call prompt's script filled in for one legislator, with their state's current-law facts and the bill.

    Bounded like every organizer template (blocking: async callers run it in a thread); raises TemplateProblem.
    """
    if prompt.script is None:
        raise ValueError(f"{prompt.id} is not a call-script prompt")
    jid = person.state.casefold()
    context = {
        "legislator": legislator_context(person),
        "jurisdiction": jurisdiction_context(kb, jid) if jid in kb.jurisdictions else None,
        "bill": bill_context(kb, prompt.bill),
    }
    try:
        text = render_bounded(prompt.script, context).strip()
    except TemplateError as exc:
        raise TemplateProblem(f"action {prompt.id} script", "en", exc) from exc
    return clip(" ".join(text.split()) if "\n\n" not in text else text, SCRIPT_LIMIT)


@dataclass(frozen=True)
class SampleLegislator:
    """A made-up legislator to check that a new call script renders (never shown to members)."""

    id: str = "ocd-person/00000000-0000-0000-0000-000000000000"
    name: str = "Alex Example"
    state: str = "ct"
    chamber: str = "lower"
    district: str = "1"
    party: str = "Independent"
    email: str | None = "alex.example@example.org"
    phone: str | None = "555-0100"
    website: str | None = None
    title: str = "Representative"


class PromptInvalid(ValueError):
    """An organizer's prompt that breaks a schema rule: the field (dotted path) and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def checked_prompt(data: dict[str, Any], kb: KnowledgeBase) -> ActionPrompt:
    """An organizer's form as a valid prompt whose texts render (blocking: pydantic is imported on the first
    call); raises :class:`PromptInvalid` or TemplateProblem."""
    from bot.kb.validate import ValidationError, problem, validate

    try:
        prompt = validate(ActionPrompt, data)
    except ValidationError as exc:
        raise PromptInvalid(*problem(exc.errors(include_url=False)[0])) from None
    check_renders(prompt, kb)
    return prompt


def check_renders(prompt: ActionPrompt, kb: KnowledgeBase) -> None:
    """Render a new prompt's text, and its call script for a sample legislator; raises TemplateProblem (blocking)."""
    render_prompt(prompt, kb, None)
    if prompt.script is not None:
        render_script(prompt, kb, SampleLegislator())
