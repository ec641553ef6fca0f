"""The words that go with a ``/map`` image: a text summary of the same data and the image's alt text,
in the reply's language (bot.render.tilemap draws the PNG from the same data, in the same language)."""

from __future__ import annotations

from dataclasses import dataclass

from bot import limits
from bot.kb.snapshot import KnowledgeBase
from bot.replies.build import tr
from bot.replies.fit import clip
from bot.replies.maplayers import ALT_TEXT_LIMIT, HIGHLIGHT, SCORE_RANGES, MapData
from bot.replies.templates import Templates


@dataclass(frozen=True)
class MapText:
    """The message content (a summary listing every jurisdiction by category) and the alt text."""

    content: str
    alt_text: str


def category_name(key: str, data: MapData, t: Templates) -> str:
    if data.layer_kind == "criterion":
        return t.render(f"words.verdict.{key}") if key != "unknown" else t.render("map.not_verified")
    if data.layer_kind == "legislation":
        return t.render(f"map.legislation.{key}")
    if key == "none":
        return t.render("map.not_verified")
    if key == "partly":
        return t.render("map.partly")
    return t.render("map.points", range=SCORE_RANGES[key])


def map_text(kb: KnowledgeBase, data: MapData, t: Templates) -> MapText:
    """Summary and alt text for ``data``; every category is named in words, never by colour alone, and
    every caption names its layer (current law, legislation, or one criterion of current law)."""
    scorer = kb.rubric.scorer
    members: dict[str, list[tuple[str, str]]] = {entry.key: [] for entry in data.legend}
    for jid, tile in data.tiles.items():
        j = kb.jurisdictions.get(jid)
        code = j.postal if j else jid.upper()
        members.setdefault(tile.category, []).append((code, j.name if j else code))
    for group in members.values():
        group.sort()
    names = {key: category_name(key, data, t) for key in members}

    out_of = len(kb.rubric.criteria)
    if data.layer_kind == "current-law":
        title = t.render("map.score_title", out_of=out_of, scorer=scorer)
        intro = t.render("map.alt_score", out_of=out_of, scorer=scorer)
        note = t.render("map.note_score", out_of=out_of)
    elif data.layer_kind == "legislation":
        title = t.render("map.legislation_title")
        intro = t.render("map.alt_legislation")
        note = t.render("map.note_legislation")
    else:
        criterion = kb.criteria[data.criterion_id or ""]
        label = tr(criterion, "label", t)
        group_word = t.render(f"words.group.{criterion.group}")
        title = t.render("map.criterion_title", label=label, group=group_word, scorer=scorer)
        intro = t.render("map.alt_criterion", label=label)
        note = t.render("map.note_criterion")

    lines = [title]
    for key, group in members.items():
        codes = ", ".join(code for code, _ in group) or t.render("map.none")
        lines.append(t.render("map.line", name=names[key], count=len(group), codes=codes))
    lines.append(note)
    content = clip("\n".join(lines), limits.MESSAGE_CONTENT)

    counts = "; ".join(f"{names[key]}: {len(group)}" for key, group in members.items())
    alt = f"{intro} {t.render('map.alt_counts', counts=counts)}"
    top = next((key for key in HIGHLIGHT[data.layer_kind] if members.get(key)), None)
    if top is not None:
        for listing in (", ".join(n for _, n in members[top]), ", ".join(c for c, _ in members[top])):
            candidate = f"{alt} {t.render('map.alt_top', name=names[top], members=listing)}"
            if len(candidate) <= ALT_TEXT_LIMIT:
                alt = candidate
                break
    return MapText(content=content, alt_text=clip(alt, ALT_TEXT_LIMIT))
