"""Cross-field and cross-file checks that the schema alone cannot express."""

from __future__ import annotations

from collections.abc import Iterable

from bot.kb.issues import Issue, Severity
from bot.kb.normalize import normalize
from bot.kb.schema import ActionPrompt, Glossary, Jurisdiction, ReviewStatus, Rubric
from bot.kb.scoring import group_score
from bot.kb.yamlio import LineIndex

EXPECTED_GROUP_SIZES = {"end": 4, "start": 5}


def _duplicates(file: str, parsed: LineIndex | None, owners: Iterable[tuple[str, list[str], tuple]]) -> list[Issue]:
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
    return _duplicates(file, parsed, owners)


def jurisdiction_keys(j: Jurisdiction) -> list[str]:
    """Every word that looks a jurisdiction up."""
    return [j.id, j.name, j.postal, *([j.ap_style] if j.ap_style else []), *j.aliases]


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


def check_jurisdictions(
    jurisdictions: dict[str, tuple[Jurisdiction, LineIndex, str]], rubric: Rubric | None
) -> list[Issue]:
    """Verdicts name real criteria; stated scores agree with the verdicts; review status is honest."""
    found: list[Issue] = []
    criteria = {c.id: c for c in rubric.criteria} if rubric else {}
    for j, parsed, file in jurisdictions.values():
        if criteria:
            for cid in j.verdicts:
                if cid not in criteria:
                    found.append(
                        Issue(
                            file,
                            f"unknown criterion id '{cid}'",
                            parsed.line_of(("verdicts", cid)),
                            f"verdicts.{cid}",
                            f"use one of: {', '.join(criteria)}",
                        )
                    )
        if j.review.status is ReviewStatus.NOT_REVIEWED and any(
            v.verdict.points is not None for v in j.verdicts.values()
        ):
            found.append(
                Issue(
                    file,
                    "a not-reviewed jurisdiction cannot carry scored verdicts",
                    parsed.line_of(("review",)),
                    "review.status",
                    "set review.status to partial or reviewed",
                )
            )
        if j.stated_score and rubric:
            found.extend(_check_stated_score(j, parsed, file, rubric))
    return found


def _check_stated_score(j: Jurisdiction, parsed: LineIndex, file: str, rubric: Rubric) -> list[Issue]:
    found = []
    for group in ("end", "start"):
        stated = getattr(j.stated_score, group)
        if stated is None:
            continue
        score = group_score(j, rubric, group)
        loc = ("stated_score", group)
        if score.unknown == 0 and score.points != stated:
            found.append(
                Issue(
                    file,
                    f"stated {group} score {stated:g} does not match the verdicts' {score.points:g}",
                    parsed.line_of(loc),
                    ".".join(loc),
                    "check each verdict's points against the source",
                )
            )
        elif not score.points <= stated <= score.points + score.unknown:
            found.append(
                Issue(
                    file,
                    f"stated {group} score {stated:g} is impossible: known verdicts give {score.points:g} "
                    f"with {score.unknown} unknown",
                    parsed.line_of(loc),
                    ".".join(loc),
                    "check each verdict's points against the source",
                )
            )
        elif score.unknown:
            found.append(
                Issue(
                    file,
                    f"stated {group} score {stated:g}: {score.unknown} criteria unknown, known verdicts give "
                    f"{score.points:g}",
                    parsed.line_of(loc),
                    ".".join(loc),
                    severity=Severity.WARNING,
                )
            )
    return found


def check_action(prompt: ActionPrompt, parsed: LineIndex, file: str, stem: str, jurisdictions: set[str]) -> list[Issue]:
    """File name matches the id, the jurisdiction exists, and the text compiles in the sandbox."""
    from jinja2 import TemplateSyntaxError

    from bot.replies.templates import make_environment

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
    try:
        make_environment().parse(prompt.text)
    except TemplateSyntaxError as exc:
        found.append(
            Issue(
                file,
                f"template error: {exc.message}",
                parsed.line_of(("text",)),
                "text",
                "fix the Jinja2 syntax ({{ ... }}, {% ... %})",
            )
        )
    return found
