"""The knowledge-base schema, with Discord's limits built in (pydantic v2)."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot import limits

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]*$", re.IGNORECASE)
_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _check_url(value: str) -> str:
    if not _URL.match(value) or "." not in value.split("//", 1)[1].split("/", 1)[0]:
        raise ValueError("must be a full http(s):// URL, e.g. https://example.org/page")
    return value


def _not_in_future(value: dt.date) -> dt.date:
    if value > dt.date.today():
        raise ValueError(f"{value.isoformat()} is in the future; use the day the source was checked")
    return value


def _text(max_length: int) -> StringConstraints:
    """Non-empty, stripped text of at most ``max_length`` characters (used as ``Annotated[str, _text(n)]``)."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.URL), AfterValidator(_check_url)]
Slug = Annotated[str, StringConstraints(pattern=_ID, max_length=40)]
VerifiedOn = Annotated[dt.date, AfterValidator(_not_in_future)]
Name = Annotated[str, _text(limits.NAME)]
Reason = Annotated[str, _text(limits.REASON)]
Quote = Annotated[str, _text(limits.QUOTE)]
Summary = Annotated[str, _text(limits.SUMMARY)]
FactText = Annotated[str, _text(limits.FACT_TEXT)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(BaseModel):
    """Base: unknown keys are errors (a typo'd field name must not be silently ignored).

    Validators are built on the first validation (``defer_build``): the bot process usually starts from a
    snapshot validated earlier (bot/boot.py) and leaves validating edits to its worker.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class Verdict(StrEnum):
    """A criterion's verdict; points follow from it."""

    YES = "yes"
    PARTIAL = "partial"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def points(self) -> float | None:
        """The points the rubric gives this verdict (None when unknown)."""
        return {"yes": 1.0, "partial": 0.5, "no": 0.0}.get(self.value)


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ScoredBy(StrEnum):
    """Whose judgement a verdict is."""

    ENDQI = "endqi"
    OUR_READING = "our-reading"


class BillStatus(StrEnum):
    """Where a bill stands. Only ``passed`` and ``enacted`` bills can be law."""

    PENDING = "pending"
    PASSED = "passed"
    ENACTED = "enacted"
    FAILED = "failed"
    VETOED = "vetoed"
    STUDY = "study"
    UNKNOWN = "unknown"  # no source read gives the outcome

    @property
    def is_law(self) -> bool:
        """True when the bill became law (a study-only bill changes no rule of liability)."""
        return self in (BillStatus.PASSED, BillStatus.ENACTED)


class LawEffect(StrEnum):
    ENDS_QI = "ends-qi"
    LIMITS_QI = "limits-qi"
    CODIFIES_QI = "codifies-qi"
    STUDY = "study"
    OTHER = "other"


class Scope(StrEnum):
    """Which claims a state or city rule reaches. Federal § 1983 claims are never reached by state law."""

    STATE_LAW = "state-law-claims"
    CITY_LAW = "city-law-claims"


class ReviewStatus(StrEnum):
    REVIEWED = "reviewed"
    PARTIAL = "partial"
    NOT_REVIEWED = "not-reviewed"


class FactTopic(StrEnum):
    CAUSE_OF_ACTION = "cause-of-action"
    QI_DEFENCE = "qi-defence"
    DAMAGES_CAP = "damages-cap"
    DUTY_TO_INTERVENE = "duty-to-intervene"
    ATTORNEY_FEES = "attorney-fees"
    INDEMNIFICATION = "indemnification"
    RECORDS = "records"
    BILLS = "bills"
    OTHER = "other"


Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class VerdictText(Strict):
    """A moderator-supplied translation of a verdict's reason."""

    reason: Reason


class CriterionText(Strict):
    """A translation of a criterion's wording."""

    label: Name | None = None
    short: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    standard: Summary | None = None


class GlossaryText(Strict):
    """A translation of a glossary entry."""

    term: Name | None = None
    text: Summary | None = None


class JurisdictionText(Strict):
    """A translation of a jurisdiction's summary."""

    summary: Summary | None = None


class SourceRef(Strict):
    """A source URL with an optional exact quote."""

    url: Url
    quote: Quote | None = None
    verified_on: VerifiedOn | None = None


ModeratorNote = Annotated[str, _text(limits.MODERATOR_NOTE)]
Title = Annotated[str, _text(limits.TITLE)]


class Evidence(Strict):
    """A verdict on one criterion with its evidence; points follow from the verdict."""

    verdict: Verdict
    points: float | None = None
    reason: Reason
    quote: Quote | None = None
    source: Url | None = None
    verified_on: VerifiedOn
    confidence: Confidence
    scored_by: ScoredBy
    note: ModeratorNote | None = None  # for moderators only; never shown to members
    i18n: dict[Lang, VerdictText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _points_match_verdict(self) -> Evidence:
        expected = self.verdict.points
        if self.points != expected:
            want = "no points (leave `points` out)" if expected is None else f"points: {expected:g}"
            raise ValueError(f"verdict '{self.verdict.value}' needs {want}, not points: {self.points}")
        if self.verdict is not Verdict.UNKNOWN and self.source is None:
            raise ValueError("a known verdict needs `source` (the URL it rests on)")
        if self.verdict is Verdict.UNKNOWN and self.note is None:
            raise ValueError("an unknown verdict needs `note`: say for moderators what was searched")
        if self.confidence is Confidence.HIGH and self.quote is None and self.verdict is not Verdict.UNKNOWN:
            raise ValueError("confidence: high needs an exact `quote` from the source; otherwise use medium")
        return self


class LawVerdict(Evidence):
    """The verdict for the law in force today."""

    scope: Scope | None = None
    rests_on: list[Name] = Field(default_factory=list, max_length=6)  # reform numbers, e.g. "SB 20-217"
    standard_applied: Summary | None = None


class BillVerdict(Evidence):
    """A verdict on a bill's text (endqi's published score or our reading); never current law."""


class PublishedScore(Strict):
    """A score as the scorer published it; compared with the verdicts by the validator."""

    end: float | None = Field(default=None, ge=0, le=4)
    start: float | None = Field(default=None, ge=0, le=5)
    source: Url


def _year_not_future(value: int | None) -> int | None:
    if value is not None and value > dt.date.today().year:
        raise ValueError(f"year {value} is in the future")
    return value


Year = Annotated[int, Field(ge=1871, le=2100), AfterValidator(_year_not_future)]


class Reform(Strict):
    """An enacted law that current law rests on."""

    number: Name
    title: Title | None = None
    year: Year
    act: Name | None = None  # chapter, public act or session-law number
    citation: Title | None = None
    effect: LawEffect = LawEffect.OTHER
    text_url: Url | None = None
    source: Url
    amendments: list[Reason] = Field(default_factory=list, max_length=10)
    endqi_score: PublishedScore | None = None


class CurrentLaw(Strict):
    """The law in force: enacted reforms and one verdict per criterion."""

    reforms: list[Reform] = Field(default_factory=list, max_length=15)
    verdicts: dict[Slug, LawVerdict] = Field(default_factory=dict)


class Bill(Strict):
    """A bill: its status and, where scored, its verdicts. A bill is never current law by itself."""

    number: Name
    title: Title | None = None
    year: Year | None = None  # None only where no source gives it
    session: Name | None = None
    status: BillStatus
    status_source: Url
    status_quote: Quote | None = None  # the words on the status source that give the status
    status_verified_on: VerifiedOn
    effect: LawEffect = LawEffect.OTHER
    text_url: Url | None = None
    endqi_score: PublishedScore | None = None
    verdicts: dict[Slug, BillVerdict] = Field(default_factory=dict)
    note: ModeratorNote | None = None  # for moderators only


class Fact(Strict):
    """A sourced fact; topic ``bills`` facts are shown with the bills, every other topic with current law."""

    topic: FactTopic
    text: FactText
    quote: Quote | None = None
    source: Url
    verified_on: VerifiedOn
    confidence: Confidence


class Review(Strict):
    status: ReviewStatus
    note: ModeratorNote | None = None  # for moderators only


class Jurisdiction(Strict):
    """One state, DC or city: the law in force and, apart, the bills that tried to change it."""

    id: Slug
    name: Name
    kind: Literal["state", "district", "city"]
    postal: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")]
    ap_style: Alias | None = None
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    review: Review
    summary: Summary
    summary_source: Url | None = None
    current_law: CurrentLaw = Field(default_factory=CurrentLaw)
    bills: list[Bill] = Field(default_factory=list, max_length=25)
    facts: list[Fact] = Field(default_factory=list, max_length=25)
    i18n: dict[Lang, JurisdictionText] = Field(default_factory=dict)

    @property
    def verdicts(self) -> dict[str, LawVerdict]:
        """Current-law verdicts by criterion (bills' verdicts are on each bill)."""
        return self.current_law.verdicts

    @model_validator(mode="after")
    def _summary_sourced(self) -> Jurisdiction:
        if self.review.status is not ReviewStatus.NOT_REVIEWED and self.summary_source is None:
            raise ValueError("a reviewed jurisdiction needs `summary_source` (the URL the summary rests on)")
        return self


class Group(Strict):
    id: Literal["end", "start"]
    label: Name
    description: Reason


class Criterion(Strict):
    """A rubric criterion."""

    id: Slug
    group: Literal["end", "start"]
    label: Name
    short: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    standard: Summary
    scope_clause: bool = False  # replies say which claims a "yes" reaches (state law, never federal § 1983)
    source: SourceRef
    i18n: dict[Lang, CriterionText] = Field(default_factory=dict)


class Rubric(Strict):
    """The scoring rubric: nine criteria in two groups."""

    name: Name
    scorer: Name
    scorer_url: Url
    note: Summary | None = None
    groups: list[Group] = Field(min_length=2, max_length=2)
    criteria: list[Criterion] = Field(min_length=1, max_length=25)


class GlossaryEntry(Strict):
    """A short neutral glossary entry for /explain."""

    id: Slug
    term: Name
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    text: Summary
    quote: Quote | None = None
    source: SourceRef
    i18n: dict[Lang, GlossaryText] = Field(default_factory=dict)


class Glossary(Strict):
    entries: list[GlossaryEntry] = Field(min_length=1)


def _https(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("action links must use https://")
    return value


class ActionLink(Strict):
    """A link button on a call to action."""

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    url: Annotated[Url, AfterValidator(_https)]


class BillRef(Strict):
    """The bill a call is about: a jurisdiction's file id and the bill's number as that file lists it."""

    jurisdiction: Slug
    number: Name


class ActionPrompt(Strict):
    """A call to action: a title, a short Jinja2 text (sandboxed), up to five link buttons.

    ``kind: call-script`` adds a button that shows each member, privately, their own legislators with
    ``script`` (a sandboxed template: ``legislator``, ``jurisdiction``, ``bill``) and outcome buttons;
    ``chamber`` says whom to call (``both``: whichever seat the member saved).
    """

    id: Slug
    kind: Literal["post", "call-script"] = "post"
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
    links: list[ActionLink] = Field(default_factory=list, max_length=5)
    jurisdiction: Slug | None = None
    event_time: dt.datetime | None = None
    event_label: Name | None = None
    chamber: Literal["upper", "lower", "both"] | None = None
    bill: BillRef | None = None
    script: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)] | None = None

    @model_validator(mode="after")
    def _call_script(self) -> ActionPrompt:
        if self.kind == "call-script" and self.script is None:
            raise ValueError("a call-script prompt needs a script (the words to say on the call)")
        if self.kind != "call-script" and (self.script is not None or self.chamber is not None):
            raise ValueError("script and chamber belong to kind: call-script")
        return self

    @field_validator("event_time")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the event time with its UTC offset, e.g. 2026-03-01T18:00:00-05:00")
        return value
