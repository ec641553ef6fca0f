"""The knowledge-base schema, with Discord's limits built in.

Plain frozen dataclasses: pydantic validates them (``bot/kb/validate.py``) where files are read, and the bot
process, which starts from a snapshot validated earlier, never imports it. Field rules sit in ``Annotated``
metadata (``bot/kb/rules.py``); a check that spans fields is ``__post_init__``, which pydantic runs after
the fields are valid (a ``ValueError`` there is reported like any other).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from bot import limits
from bot.kb.rules import STRICT, Check, Limits

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


def _text(max_length: int) -> Limits:
    """Non-empty, stripped text of at most ``max_length`` characters (used as ``Annotated[str, _text(n)]``)."""
    return Limits(strip_whitespace=True, min_length=1, max_length=max_length)


Url = Annotated[str, Limits(strip_whitespace=True, max_length=limits.URL), Check(_check_url)]
Slug = Annotated[str, Limits(pattern=_ID, max_length=40)]
VerifiedOn = Annotated[dt.date, Check(_not_in_future)]
Name = Annotated[str, _text(limits.NAME)]
Reason = Annotated[str, _text(limits.REASON)]
Quote = Annotated[str, _text(limits.QUOTE)]
Summary = Annotated[str, _text(limits.SUMMARY)]
FactText = Annotated[str, _text(limits.FACT_TEXT)]
Alias = Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=60)]
Short = Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=40)]


@dataclass(frozen=True, kw_only=True)
class Strict:
    """Base: unknown keys are errors (a typo'd field name must not be silently ignored); text is stripped."""

    __pydantic_config__: ClassVar[dict[str, Any]] = STRICT


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


Lang = Annotated[str, Limits(pattern=r"^[a-z]{2}$")]


@dataclass(frozen=True, kw_only=True)
class VerdictText(Strict):
    """A moderator-supplied translation of a verdict's reason."""

    reason: Reason


@dataclass(frozen=True, kw_only=True)
class CriterionText(Strict):
    """A translation of a criterion's wording."""

    label: Name | None = None
    short: Short | None = None
    standard: Summary | None = None


@dataclass(frozen=True, kw_only=True)
class GlossaryText(Strict):
    """A translation of a glossary entry."""

    term: Name | None = None
    text: Summary | None = None


@dataclass(frozen=True, kw_only=True)
class JurisdictionText(Strict):
    """A translation of a jurisdiction's summary."""

    summary: Summary | None = None


@dataclass(frozen=True, kw_only=True)
class SourceRef(Strict):
    """A source URL with an optional exact quote."""

    url: Url
    quote: Quote | None = None
    verified_on: VerifiedOn | None = None


ModeratorNote = Annotated[str, _text(limits.MODERATOR_NOTE)]
Title = Annotated[str, _text(limits.TITLE)]


@dataclass(frozen=True, kw_only=True)
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
    i18n: dict[Lang, VerdictText] = field(default_factory=dict)

    def __post_init__(self) -> None:
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


@dataclass(frozen=True, kw_only=True)
class LawVerdict(Evidence):
    """The verdict for the law in force today."""

    scope: Scope | None = None
    rests_on: Annotated[list[Name], Limits(max_length=6)] = field(default_factory=list)  # e.g. "SB 20-217"
    standard_applied: Summary | None = None


@dataclass(frozen=True, kw_only=True)
class BillVerdict(Evidence):
    """A verdict on a bill's text (endqi's published score or our reading); never current law."""


@dataclass(frozen=True, kw_only=True)
class PublishedScore(Strict):
    """A score as the scorer published it; compared with the verdicts by the validator."""

    end: Annotated[float, Limits(ge=0, le=4)] | None = None
    start: Annotated[float, Limits(ge=0, le=5)] | None = None
    source: Url


def _year_not_future(value: int | None) -> int | None:
    if value is not None and value > dt.date.today().year:
        raise ValueError(f"year {value} is in the future")
    return value


Year = Annotated[int, Limits(ge=1871, le=2100), Check(_year_not_future)]


@dataclass(frozen=True, kw_only=True)
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
    amendments: Annotated[list[Reason], Limits(max_length=10)] = field(default_factory=list)
    endqi_score: PublishedScore | None = None


@dataclass(frozen=True, kw_only=True)
class CurrentLaw(Strict):
    """The law in force: enacted reforms and one verdict per criterion."""

    reforms: Annotated[list[Reform], Limits(max_length=15)] = field(default_factory=list)
    verdicts: dict[Slug, LawVerdict] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
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
    verdicts: dict[Slug, BillVerdict] = field(default_factory=dict)
    note: ModeratorNote | None = None  # for moderators only


@dataclass(frozen=True, kw_only=True)
class Fact(Strict):
    """A sourced fact; topic ``bills`` facts are shown with the bills, every other topic with current law."""

    topic: FactTopic
    text: FactText
    quote: Quote | None = None
    source: Url
    verified_on: VerifiedOn
    confidence: Confidence


@dataclass(frozen=True, kw_only=True)
class Review(Strict):
    status: ReviewStatus
    note: ModeratorNote | None = None  # for moderators only


@dataclass(frozen=True, kw_only=True)
class Jurisdiction(Strict):
    """One state, DC or city: the law in force and, apart, the bills that tried to change it."""

    id: Slug
    name: Name
    kind: Literal["state", "district", "city"]
    postal: Annotated[str, Limits(pattern=r"^[A-Z]{2,3}$")]
    ap_style: Alias | None = None
    aliases: Annotated[list[Alias], Limits(max_length=20)] = field(default_factory=list)
    review: Review
    summary: Summary
    summary_source: Url | None = None
    current_law: CurrentLaw = field(default_factory=CurrentLaw)
    bills: Annotated[list[Bill], Limits(max_length=25)] = field(default_factory=list)
    facts: Annotated[list[Fact], Limits(max_length=25)] = field(default_factory=list)
    i18n: dict[Lang, JurisdictionText] = field(default_factory=dict)

    @property
    def verdicts(self) -> dict[str, LawVerdict]:
        """Current-law verdicts by criterion (bills' verdicts are on each bill)."""
        return self.current_law.verdicts

    def __post_init__(self) -> None:
        if self.review.status is not ReviewStatus.NOT_REVIEWED and self.summary_source is None:
            raise ValueError("a reviewed jurisdiction needs `summary_source` (the URL the summary rests on)")


@dataclass(frozen=True, kw_only=True)
class Group(Strict):
    id: Literal["end", "start"]
    label: Name
    description: Reason


@dataclass(frozen=True, kw_only=True)
class Criterion(Strict):
    """A rubric criterion."""

    id: Slug
    group: Literal["end", "start"]
    label: Name
    short: Short
    aliases: Annotated[list[Alias], Limits(max_length=20)] = field(default_factory=list)
    standard: Summary
    scope_clause: bool = False  # replies say which claims a "yes" reaches (state law, never federal § 1983)
    source: SourceRef
    i18n: dict[Lang, CriterionText] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Rubric(Strict):
    """The scoring rubric: nine criteria in two groups."""

    name: Name
    scorer: Name
    scorer_url: Url
    note: Summary | None = None
    groups: Annotated[list[Group], Limits(min_length=2, max_length=2)]
    criteria: Annotated[list[Criterion], Limits(min_length=1, max_length=25)]


@dataclass(frozen=True, kw_only=True)
class GlossaryEntry(Strict):
    """A short neutral glossary entry for /explain."""

    id: Slug
    term: Name
    aliases: Annotated[list[Alias], Limits(max_length=20)] = field(default_factory=list)
    text: Summary
    quote: Quote | None = None
    source: SourceRef
    i18n: dict[Lang, GlossaryText] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Glossary(Strict):
    entries: Annotated[list[GlossaryEntry], Limits(min_length=1)]


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("give the event time with its UTC offset, e.g. 2026-03-01T18:00:00-05:00")
    return value


def _https(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("action links must use https://")
    return value


@dataclass(frozen=True, kw_only=True)
class ActionLink(Strict):
    """A link button on a call to action."""

    label: Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=80)]
    url: Annotated[Url, Check(_https)]


@dataclass(frozen=True, kw_only=True)
class BillRef(Strict):
    """The bill a call is about: a jurisdiction's file id and the bill's number as that file lists it."""

    jurisdiction: Slug
    number: Name


@dataclass(frozen=True, kw_only=True)
class ActionPrompt(Strict):
    """A call to action: a title, a short Jinja2 text (sandboxed), up to five link buttons.

    ``kind: call-script`` adds a button that shows each member, privately, their own legislators with
    ``script`` (a sandboxed template: ``legislator``, ``jurisdiction``, ``bill``) and outcome buttons;
    ``chamber`` says whom to call (``both``: whichever seat the member saved).
    """

    id: Slug
    kind: Literal["post", "call-script"] = "post"
    title: Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=200)]
    text: Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=1500)]
    links: Annotated[list[ActionLink], Limits(max_length=5)] = field(default_factory=list)
    jurisdiction: Slug | None = None
    event_time: Annotated[dt.datetime, Check(_aware)] | None = None
    event_label: Name | None = None
    chamber: Literal["upper", "lower", "both"] | None = None
    bill: BillRef | None = None
    script: Annotated[str, Limits(strip_whitespace=True, min_length=1, max_length=1500)] | None = None

    def __post_init__(self) -> None:
        if self.kind == "call-script" and self.script is None:
            raise ValueError("a call-script prompt needs a script (the words to say on the call)")
        if self.kind != "call-script" and (self.script is not None or self.chamber is not None):
            raise ValueError("script and chamber belong to kind: call-script")
