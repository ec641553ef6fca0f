"""Cross-field and cross-file checks that the schema alone cannot express."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

from bot.kb.issues import Issue, Severity
from bot.kb.normalize import normalize
from bot.kb.schema import (
    ActionPrompt,
    Confidence,
    Criterion,
    Evidence,
    Glossary,
    Jurisdiction,
    PublishedScore,
    ReviewStatus,
    Rubric,
    ScoredBy,
)
from bot.kb.scoring import group_score
from bot.kb.sourcetiers import Tier, better_source, host_of, tier
from bot.kb.yamlio import LineIndex

EXPECTED_GROUP_SIZES = {"end": 4, "start": 5}
Loc = tuple[str | int, ...]  # a field's path in a file, e.g. ("current_law", "verdicts", "attorney-fees")


def _duplicates(file: str, parsed: LineIndex | None, owners: Iterable[tuple[str, list[str], Loc]]) -> list[Issue]:
    """Report any lookup key (id or alias) claimed by two entries."""
    seen: dict[str, str] = {}
    found = []
    for owner, keys, loc in owners:
        for key in {normalize(k) for k in keys}:
            if key in seen and seen[key] != owner:
                found.append(
                    Issue(
                        file,
                        f"alias '{key}' of '{owner}' is already used by '{seen[key]}'",
                        parsed.line_of(loc) if parsed else None,
                        ".".join(map(str, loc)),
                        "remove or change one of the two aliases",
                    )
                )
            seen.setdefault(key, owner)
    return found


def check_rubric(rubric: Rubric, file: str, parsed: LineIndex | None) -> list[Issue]:
    """Unique criterion ids and aliases; groups of the expected sizes."""
    found = []
    ids = [c.id for c in rubric.criteria]
    for index, cid in enumerate(ids):
        if ids.index(cid) != index:
            found.append(
                Issue(
                    file,
                    f"duplicate criterion id '{cid}'",
                    parsed.line_of(("criteria", index, "id")) if parsed else None,
                    f"criteria.{index}.id",
                    "give every criterion its own id",
                )
            )
    for group, size in EXPECTED_GROUP_SIZES.items():
        count = sum(c.group == group for c in rubric.criteria)
        if count != size:
            found.append(Issue(file, f"group '{group}' has {count} criteria; the rubric has {size}", None, "criteria"))
    owners = [
        (c.id, [c.id, c.label, c.short, *c.aliases], ("criteria", i, "aliases")) for i, c in enumerate(rubric.criteria)
    ]
    return found + _duplicates(file, parsed, owners)


def check_glossary(glossary: Glossary, file: str, parsed: LineIndex | None) -> list[Issue]:
    """Unique glossary ids, terms and aliases."""
    owners = [(e.id, [e.id, e.term, *e.aliases], ("entries", i, "aliases")) for i, e in enumerate(glossary.entries)]
    urls = [(("entries", i, "source", "url"), e.source.url) for i, e in enumerate(glossary.entries)]
    return _duplicates(file, parsed, owners) + check_sources(urls, parsed, file)


def check_alias_collisions(jurisdictions: dict[str, tuple[Jurisdiction, LineIndex, str]]) -> list[Issue]:
    """No two jurisdiction files may claim the same lookup key.

    A jurisdiction's own id, name and postal code win over another file's alias, so the error lands
    on the file that borrowed the key.
    """
    seen: dict[str, str] = {}
    found = []
    ordered = sorted(jurisdictions.values(), key=lambda item: item[0].id)
    primary = [(j, parsed, file, [j.id, j.name, j.postal], "id") for j, parsed, file in ordered]
    extra = [
        (j, parsed, file, [*([j.ap_style] if j.ap_style else []), *j.aliases], "aliases") for j, parsed, file in ordered
    ]
    for _j, parsed, file, keys, field in primary + extra:
        for key in dict.fromkeys(normalize(k) for k in keys):
            owner = seen.get(key)
            if owner is None:
                seen[key] = file
            elif owner != file:
                found.append(
                    Issue(
                        file,
                        f"alias '{key}' is already used by {owner}",
                        parsed.line_of((field,)),
                        field,
                        "remove the alias from one of the two files",
                    )
                )
    return found


PROCESS_WORDING = re.compile(
    r"\b(?:cut off|stored (?:\w+ )?(?:copy|page|text|sentence|version)|truncated|our copy|contradicts itself|"
    r"search results?|could not (?:be )?(?:read|confirmed?)|we could not|was not readable|(?:allowed|citable) sources?|"
    r"(?:in )?the sources read|no (?:\w+ ){0,2}(?:statute|law|bill|rule|record)s? (?:was |were )?(?:found|confirmed)|"
    r"(?:enactment|nothing) found|(?:excerpt|page|reports?|versions?) read|"
    r"not (?:found|read|seen|confirmed)(?! liable)|(?:was|were) not shown|only\b[^.;]{0,80} were shown|"
    r"we (?:found|have|read|searched)|"
    r"no\b(?:[^.;]|\.(?=\S| [a-z])){0,200}? (?:was|were) (?:found|confirmed)\.|"
    r"(?:statute )?mirror|AI-written|not verified on (?:an|the) official host)(?!\w)",
    re.IGNORECASE,
)
_SAYS_LAW = re.compile(r"\b(?:passed|signed|enacted|chaptered|became law|approved by (?:the )?governor)\b", re.I)
_SAYS_NOT_LAW = re.compile(r"\b(?:failed|died|vetoed|did not pass|not passed|withdrawn|indefinitely postponed)\b", re.I)


HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _non_latin_letter(text: str) -> str | None:
    """The first letter of a non-Latin script (a confusable such as Cyrillic "о" in an alias), if any.

    The Hawaiian ʻokina (U+02BB) and the modifier apostrophe (U+02BC) are allowed: "Hawaiʻi" is spelled so."""
    for char in text:
        if char.isalpha() and char not in "\u02bb\u02bc" and "LATIN" not in unicodedata.name(char, ""):
            return char
    return None


def check_text_characters(j: Jurisdiction, parsed: LineIndex, file: str) -> list[Issue]:
    """No invisible or direction-changing characters in what members read; aliases in Latin script only."""
    found = []
    for loc, text in [*member_facing_texts(j), (("name",), j.name)]:
        hidden = HIDDEN_CHARACTERS.search(text)
        if hidden:
            found.append(_issue(file, parsed, loc, f"invisible or control character U+{ord(hidden.group()):04X}",
                                "remove it (it can hide or reorder text)"))  # fmt: skip
    for n, alias in enumerate(j.aliases):
        odd = _non_latin_letter(alias) or (HIDDEN_CHARACTERS.search(alias) or [None])[0]
        if odd:
            found.append(
                _issue(
                    file,
                    parsed,
                    ("aliases", n),
                    f"alias '{alias}' has the character U+{ord(odd):04X} that is not a Latin letter",
                    "type aliases in Latin letters (lookalikes mislead)",
                )
            )
    return found


def member_facing_texts(j: Jurisdiction) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every field of a jurisdiction that members read, with its location."""
    yield ("summary",), j.summary
    for lang, local in j.i18n.items():
        if local.summary:
            yield ("i18n", lang, "summary"), local.summary
    for cid, law_verdict in j.current_law.verdicts.items():
        yield ("current_law", "verdicts", cid, "reason"), law_verdict.reason
        for lang, translated in law_verdict.i18n.items():
            yield ("current_law", "verdicts", cid, "i18n", lang, "reason"), translated.reason
    for n, reform in enumerate(j.current_law.reforms):
        yield ("current_law", "reforms", n, "number"), reform.number
        for key in ("title", "act", "citation"):
            if value := getattr(reform, key):
                yield ("current_law", "reforms", n, key), value
        for k, amendment in enumerate(reform.amendments):
            yield ("current_law", "reforms", n, "amendments", k), amendment
    for n, bill in enumerate(j.bills):
        yield ("bills", n, "number"), bill.number
        if bill.title:
            yield ("bills", n, "title"), bill.title
        for cid, bill_verdict in bill.verdicts.items():
            yield ("bills", n, "verdicts", cid, "reason"), bill_verdict.reason
    for n, fact in enumerate(j.facts):
        yield ("facts", n, "text"), fact.text


def _issue(
    file: str, parsed: LineIndex, loc: Loc, message: str, hint: str | None = None, severity: Severity = Severity.ERROR
) -> Issue:
    return Issue(file, message, parsed.line_of(loc), ".".join(map(str, loc)), hint, severity)


def _check_criterion_ids(
    j: Jurisdiction, parsed: LineIndex, file: str, criteria: Mapping[str, Criterion]
) -> list[Issue]:
    places: list[tuple[Loc, Mapping[str, Evidence]]] = [(("current_law", "verdicts"), j.current_law.verdicts)]
    places += [(("bills", n, "verdicts"), bill.verdicts) for n, bill in enumerate(j.bills)]
    return [
        _issue(file, parsed, (*base, cid), f"unknown criterion id '{cid}'", f"use one of: {', '.join(criteria)}")
        for base, verdicts in places
        for cid in verdicts
        if cid not in criteria
    ]


def _check_law_and_bills(
    j: Jurisdiction, parsed: LineIndex, file: str, criteria: Mapping[str, Criterion]
) -> list[Issue]:
    """Current law never rests on a bill that is not law; a passed bill is named in current law."""
    found = []
    reform_names = " ".join(
        " ".join([r.number, r.title or "", r.act or "", *r.amendments]) for r in j.current_law.reforms
    ).lower()
    reform_numbers = {r.number.lower() for r in j.current_law.reforms}
    not_law = {b.number.lower(): b for b in j.bills if not b.status.is_law}
    not_law_texts = {b.text_url: b for b in j.bills if b.text_url and not b.status.is_law}
    for cid, v in j.current_law.verdicts.items():
        loc = ("current_law", "verdicts", cid)
        named = [n.lower() for n in v.rests_on]
        meets = bool(v.verdict.points)  # a bill that failed may show what the law lacks, never what it gives
        if meets and named and all(n in not_law and n not in reform_numbers for n in named):
            bill = not_law[named[0]]
            found.append(
                _issue(
                    file,
                    parsed,
                    (*loc, "rests_on"),
                    f"current law rests only on {bill.number}, a {bill.status.value} bill",
                    "a bill that is not law cannot decide current law: score the law in force",
                )
            )
        for number in named:
            if number not in reform_numbers and number not in not_law:
                found.append(
                    _issue(
                        file,
                        parsed,
                        (*loc, "rests_on"),
                        f"rests_on names '{number}', which is not in current_law.reforms",
                        "add the enacted law to current_law.reforms",
                    )
                )
        if meets and v.source in not_law_texts:
            bill = not_law_texts[v.source]
            found.append(
                _issue(
                    file,
                    parsed,
                    (*loc, "source"),
                    f"current law cites the text of {bill.number}, a {bill.status.value} bill",
                    "cite the statute in force; move the bill's verdict under its bill",
                )
            )
        if criteria.get(cid) is not None and criteria[cid].scope_clause and v.verdict.points and v.scope is None:
            found.append(
                _issue(
                    file,
                    parsed,
                    loc,
                    "say which claims this reaches: add `scope: state-law-claims`",
                    "federal § 1983 claims keep qualified immunity whatever state law says",
                )
            )
    for n, bill in enumerate(j.bills):
        bill_loc: Loc = ("bills", n)
        if bill.status.is_law and bill.number.lower() not in reform_numbers and bill.number.lower() not in reform_names:
            found.append(
                _issue(
                    file,
                    parsed,
                    (*bill_loc, "status"),
                    f"{bill.number} is {bill.status.value} but current law does not name it",
                    "add it to current_law.reforms (number, act or chapter, citation, year)",
                )
            )
        if bill.status_quote:
            says_law, says_not = _SAYS_LAW.search(bill.status_quote), _SAYS_NOT_LAW.search(bill.status_quote)
            if (bill.status.is_law and says_not and not says_law) or (
                not bill.status.is_law and bill.status.value != "study" and says_law and not says_not
            ):
                found.append(
                    _issue(
                        file,
                        parsed,
                        (*bill_loc, "status"),
                        f"status '{bill.status.value}' disagrees with its source: “{bill.status_quote[:80]}”",
                        "store the status the source gives",
                    )
                )
    return found


def source_urls(j: Jurisdiction) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every source URL of a jurisdiction, with its location."""
    if j.summary_source:
        yield ("summary_source",), j.summary_source
    for n, r in enumerate(j.current_law.reforms):
        yield ("current_law", "reforms", n, "source"), r.source
        if r.text_url:
            yield ("current_law", "reforms", n, "text_url"), r.text_url
    for cid, law_verdict in j.current_law.verdicts.items():
        if law_verdict.source:
            yield ("current_law", "verdicts", cid, "source"), law_verdict.source
    for n, b in enumerate(j.bills):
        yield ("bills", n, "status_source"), b.status_source
        if b.text_url:
            yield ("bills", n, "text_url"), b.text_url
        for cid, bill_verdict in b.verdicts.items():
            if bill_verdict.source:
                yield ("bills", n, "verdicts", cid, "source"), bill_verdict.source
    for n, f in enumerate(j.facts):
        yield ("facts", n, "source"), f.source


def check_sources(urls: Iterable[tuple[Loc, str]], parsed: LineIndex | None, file: str) -> list[Issue]:
    """Rejected hosts (content farms, AI law sites, mirrors) are errors naming a better source; unknown hosts
    are warnings."""
    found = []
    for loc, url in urls:
        level = tier(url)
        if level is Tier.REJECTED:
            where = parsed.line_of(loc) if parsed else None
            found.append(
                Issue(
                    file,
                    f"{host_of(url)} is not an acceptable source",
                    where,
                    ".".join(map(str, loc)),
                    f"cite {better_source(url)}",
                )
            )
        elif level is Tier.OTHER:  # a warning names the field; finding its line would re-parse the file
            found.append(
                Issue(
                    file,
                    f"{host_of(url)} is not a known primary or reputable source",
                    None,
                    ".".join(map(str, loc)),
                    "prefer an official or reputable host",
                    Severity.WARNING,
                )
            )
    return found


def _check_confidence(j: Jurisdiction, parsed: LineIndex, file: str) -> list[Issue]:
    """``confidence: high`` on our own reading needs an exact quote from a primary source."""
    return [
        _issue(
            file,
            parsed,
            ("current_law", "verdicts", cid, "confidence"),
            f"confidence: high needs a primary source; {host_of(v.source)} is {tier(v.source).value}",
            "use medium, or cite the official text",
        )
        for cid, v in j.current_law.verdicts.items()
        if v.confidence is Confidence.HIGH
        and v.scored_by is ScoredBy.OUR_READING
        and v.source
        and tier(v.source) is not Tier.PRIMARY
    ]


def check_jurisdictions(
    jurisdictions: dict[str, tuple[Jurisdiction, LineIndex, str]], rubric: Rubric | None
) -> list[Issue]:
    """Verdicts name real criteria; law and bills stay apart; scores agree; member text is product text."""
    found: list[Issue] = []
    criteria = {c.id: c for c in rubric.criteria} if rubric else {}
    for j, parsed, file in jurisdictions.values():
        if criteria:
            found.extend(_check_criterion_ids(j, parsed, file, criteria))
        found.extend(_check_law_and_bills(j, parsed, file, criteria))
        found.extend(check_sources(source_urls(j), parsed, file))
        found.extend(check_text_characters(j, parsed, file))
        found.extend(_check_confidence(j, parsed, file))
        for loc, text in member_facing_texts(j):
            match = PROCESS_WORDING.search(text)
            if match:
                found.append(
                    _issue(
                        file,
                        parsed,
                        loc,
                        f"research-process wording “{match.group(0)}” in text members read",
                        "move it to the moderator-only `note`",
                    )
                )
        scored = [*j.current_law.verdicts.values(), *(v for b in j.bills for v in b.verdicts.values())]
        if j.review.status is ReviewStatus.NOT_REVIEWED and any(v.verdict.points is not None for v in scored):
            found.append(
                _issue(
                    file,
                    parsed,
                    ("review", "status"),
                    "a not-reviewed jurisdiction cannot carry scored verdicts",
                    "set review.status to partial or reviewed",
                )
            )
        if rubric:
            for n, reform in enumerate(j.current_law.reforms):
                if reform.endqi_score:
                    rests = {cid: v for cid, v in j.current_law.verdicts.items() if reform.number in v.rests_on}
                    loc = ("current_law", "reforms", n, "endqi_score")
                    found.extend(_check_published_score(reform.endqi_score, rests, parsed, file, rubric, loc))
            for n, bill in enumerate(j.bills):
                if bill.endqi_score:
                    loc = ("bills", n, "endqi_score")
                    found.extend(_check_published_score(bill.endqi_score, bill.verdicts, parsed, file, rubric, loc))
    return found


def _check_published_score(
    published: PublishedScore,
    verdicts: Mapping[str, Evidence],
    parsed: LineIndex,
    file: str,
    rubric: Rubric,
    base: Loc,
) -> list[Issue]:
    found = []
    for group in ("end", "start"):
        stated = getattr(published, group)
        if stated is None:
            continue
        score = group_score(verdicts, rubric, group)
        loc = (*base, group)
        if score.unknown == 0 and score.points != stated:
            found.append(
                _issue(
                    file,
                    parsed,
                    loc,
                    f"published {group} score {stated:g} does not match the verdicts' {score.points:g}",
                    "check each verdict's points against the source",
                )
            )
        elif not score.points <= stated <= score.points + score.unknown:
            found.append(
                _issue(
                    file,
                    parsed,
                    loc,
                    f"published {group} score {stated:g} is impossible: known "
                    f"verdicts give {score.points:g} with {score.unknown} unknown",
                    "check each verdict's points against the source",
                )
            )
        elif score.unknown:
            found.append(
                _issue(
                    file,
                    parsed,
                    loc,
                    f"published {group} score {stated:g}: {score.unknown} criteria "
                    f"unknown, known verdicts give {score.points:g}",
                    severity=Severity.WARNING,
                )
            )
    return found


def check_action(
    prompt: ActionPrompt,
    parsed: LineIndex,
    file: str,
    stem: str,
    jurisdictions: set[str],
    bills: dict[str, set[str]] | None = None,
) -> list[Issue]:
    """File name matches the id, the jurisdiction exists, the text (and a call script) compiles in the
    sandbox, and the bill a call is about is one the knowledge base lists."""
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    found = []
    if prompt.id != stem:
        found.append(
            Issue(
                file,
                f"id '{prompt.id}' does not match the file name",
                parsed.line_of(("id",)),
                "id",
                f"rename the file to {prompt.id}.yaml",
            )
        )
    if prompt.jurisdiction and prompt.jurisdiction not in jurisdictions:
        found.append(
            Issue(
                file,
                f"unknown jurisdiction '{prompt.jurisdiction}'",
                parsed.line_of(("jurisdiction",)),
                "jurisdiction",
                "use a file name from knowledge/jurisdictions/ without .yaml",
            )
        )
    for field, source in (("text", prompt.text), ("script", prompt.script)):
        if source is None:
            continue
        try:
            SandboxedEnvironment().parse(source)  # syntax only: the text is rendered later, bounded
        except TemplateSyntaxError as exc:
            found.append(
                Issue(
                    file,
                    f"template error: {exc.message}",
                    parsed.line_of((field,)),
                    field,
                    "fix the Jinja2 syntax ({{ ... }}, {% ... %})",
                )
            )
    if prompt.bill is not None and bills is not None:
        known = bills.get(prompt.bill.jurisdiction)
        if known is None or prompt.bill.number not in known:
            found.append(
                Issue(
                    file,
                    f"unknown bill '{prompt.bill.number}' in '{prompt.bill.jurisdiction}'",
                    parsed.line_of(("bill", "number")),
                    "bill",
                    "name a bill listed under bills: in that jurisdiction's file, with its number as written there",
                )
            )
    return found
