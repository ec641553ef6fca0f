"""What a ``/map`` says, independent of drawing: the layers (current law's score, where legislation
stands, current law's verdict on one criterion), each jurisdiction's category and label, the legend, and
the alt text. Bills never colour a current-law layer. No Discord and no Pillow here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from bot.kb.schema import BillStatus, Jurisdiction, LawEffect, Verdict
from bot.kb.scoring import total_score, verdict_of
from bot.kb.snapshot import KnowledgeBase

GRID_COLS = 12
GRID_ROWS = 8

# id -> (column, row), NPR-style tile grid: AK top-left, ME top-right, HI bottom-left, FL bottom.
TILE_LAYOUT: dict[str, tuple[int, int]] = {
    "ak": (0, 0), "me": (11, 0),
    "wi": (6, 1), "vt": (10, 1), "nh": (11, 1),
    "wa": (1, 2), "id": (2, 2), "mt": (3, 2), "nd": (4, 2), "mn": (5, 2), "il": (6, 2), "mi": (7, 2),
    "ny": (9, 2), "ma": (10, 2),
    "or": (1, 3), "nv": (2, 3), "wy": (3, 3), "sd": (4, 3), "ia": (5, 3), "in": (6, 3), "oh": (7, 3),
    "pa": (8, 3), "nj": (9, 3), "ct": (10, 3), "ri": (11, 3),
    "ca": (1, 4), "ut": (2, 4), "co": (3, 4), "ne": (4, 4), "mo": (5, 4), "ky": (6, 4), "wv": (7, 4),
    "va": (8, 4), "md": (9, 4), "de": (10, 4),
    "az": (2, 5), "nm": (3, 5), "ks": (4, 5), "ar": (5, 5), "tn": (6, 5), "nc": (7, 5), "sc": (8, 5),
    "dc": (9, 5),
    "ok": (4, 6), "la": (5, 6), "ms": (6, 6), "al": (7, 6), "ga": (8, 6),
    "hi": (0, 7), "tx": (4, 7), "fl": (9, 7),
}  # fmt: skip

CITY_INSETS: tuple[str, ...] = ("nyc",)

GREY = "#BBBBBB"

# Category key -> (legend name, fill colour), in legend order. Scores: viridis ramp; verdicts and bill status:
# Okabe-Ito.
SCORE_CATEGORIES: dict[str, tuple[str, str]] = {
    "s4": ("6.5-9", "#FDE725"),
    "s3": ("4.5-6", "#5EC962"),
    "s2": ("2.5-4", "#21918C"),
    "s1": ("0.5-2", "#3B528B"),
    "s0": ("0", "#440154"),
    "partly": ("Partly known (hatched)", "#E4E4E4"),
    "none": ("Not yet verified (n/v)", GREY),
}
VERDICT_CATEGORIES: dict[str, tuple[str, str]] = {
    "yes": ("Yes", "#0072B2"),
    "partial": ("Partial", "#E69F00"),
    "no": ("No", "#CC79A7"),
    "unknown": ("Not yet verified", GREY),
}
LEGISLATION_CATEGORIES: dict[str, tuple[str, str]] = {
    "passed": ("QI law enacted", "#0072B2"),
    "pending": ("Bill pending", "#E69F00"),
    "study": ("Study only", "#56B4E9"),
    "failed": ("Bills failed", "#CC79A7"),
    "unverified": ("Outcome not verified", "#E4E4E4"),
    "nobill": ("No bill recorded", GREY),
}
PALETTE: dict[str, str] = {
    k: colour for k, (_, colour) in {**SCORE_CATEGORIES, **VERDICT_CATEGORIES, **LEGISLATION_CATEGORIES}.items()
}
HATCHED = frozenset({"partly"})
HIGHLIGHT = {"current-law": ("s4", "s3", "s2", "s1"), "criterion": ("yes",), "legislation": ("passed",)}
LAYERS = ("current-law", "legislation")
ALT_TEXT_LIMIT = 1024


class Tile(NamedTuple):
    """One jurisdiction's tile: its colour category and its two-line label ("CA" / "2/4·1/5")."""

    category: str
    label: str


class LegendEntry(NamedTuple):
    key: str
    name: str


@dataclass(frozen=True)
class MapData:
    """Everything a map says, independent of how it is drawn."""

    title: str
    subtitle: str
    layer: str  # "current-law", "legislation" or "criterion:<id>"
    tiles: dict[str, Tile]
    legend: tuple[LegendEntry, ...]
    legend_title: str
    legend_note: str
    alt_text: str
    summary_lines: tuple[str, ...]

    @property
    def criterion_id(self) -> str | None:
        """The criterion of a criterion layer, else None."""
        return self.layer.partition(":")[2] or None

    @property
    def layer_kind(self) -> str:
        """ "current-law", "legislation" or "criterion"."""
        return self.layer.partition(":")[0]


def parse_layer(layer: str | None) -> tuple[str, str | None]:
    """("current-law", None), ("legislation", None) or ("criterion", id) from a layer name."""
    kind, _, criterion = (layer or "current-law").partition(":")
    if kind == "criterion" and criterion:
        return kind, criterion
    if kind in LAYERS and not criterion:
        return kind, None
    raise KeyError(f"unknown map layer: {layer}")


def _points(value: float) -> str:
    return f"{value:g}"


def score_bin(total: float) -> str:
    """The score category of a total out of 9."""
    if total <= 0:
        return "s0"
    return "s1" if total <= 2 else "s2" if total <= 4 else "s3" if total <= 6 else "s4"


def _score_tile(kb: KnowledgeBase, j: Jurisdiction) -> Tile:
    end, start = total_score(j, kb.rubric)
    total = end.out_of + start.out_of
    known = total - end.unknown - start.unknown
    if known == 0:
        return Tile("none", f"{j.postal}\nn/v")
    if known * 2 < total:  # partly known is never drawn as a low score
        return Tile("partly", f"{j.postal}\n{known}/{total} known")
    value = f"{_points(end.points)}/{end.out_of}·{_points(start.points)}/{start.out_of}"
    return Tile(score_bin(end.points + start.points), f"{j.postal}\n{value}")


def _verdict_tile(j: Jurisdiction, criterion_id: str) -> Tile:
    verdict = verdict_of(j, criterion_id)
    if verdict is Verdict.UNKNOWN:
        return Tile("unknown", f"{j.postal}\nn/v")
    return Tile(verdict.value, f"{j.postal}\n{verdict.value.capitalize()}")


def legislation_category(j: Jurisdiction) -> str:
    """Where QI legislation stands: a law passed, a bill pending, a study, bills failed, or none recorded."""
    qi_effects = {LawEffect.ENDS_QI, LawEffect.LIMITS_QI, LawEffect.CODIFIES_QI}
    if any(r.effect in qi_effects for r in j.current_law.reforms) or any(
        b.status.is_law and b.effect in qi_effects for b in j.bills
    ):
        return "passed"
    statuses = {b.status for b in j.bills}
    if BillStatus.PENDING in statuses:
        return "pending"
    if BillStatus.STUDY in statuses:
        return "study"
    if statuses & {BillStatus.FAILED, BillStatus.VETOED}:
        return "failed"
    return "unverified" if BillStatus.UNKNOWN in statuses else "nobill"


def _legislation_tile(j: Jurisdiction) -> Tile:
    category = legislation_category(j)
    word = {
        "passed": "Passed",
        "pending": "Pending",
        "study": "Study",
        "failed": "Failed",
        "unverified": "n/v",
        "nobill": "None",
    }
    return Tile(category, f"{j.postal}\n{word[category]}")


def _alt_text(intro: str, layer_kind: str, groups: dict[str, list[Jurisdiction]], names: dict[str, str]) -> str:
    counts = "; ".join(f"{names[k]}: {len(js)}" for k, js in groups.items())
    text = f"{intro} Jurisdictions per category: {counts}."
    top = next((k for k in HIGHLIGHT[layer_kind] if groups.get(k)), None)
    if top is not None:
        members = groups[top]
        for label in (", ".join(j.name for j in members), ", ".join(j.postal for j in members)):
            candidate = f"{text} {names[top]}: {label}."
            if len(candidate) <= ALT_TEXT_LIMIT:
                return candidate
    return text[: ALT_TEXT_LIMIT - 1] + "…" if len(text) > ALT_TEXT_LIMIT else text


def map_data(kb: KnowledgeBase, layer: str | None = None) -> MapData:
    """Categorise every mapped jurisdiction on one layer: current law's score (default), where legislation
    stands, or current law's verdict on one criterion (``criterion:<id>``)."""
    kind, criterion_id = parse_layer(layer)
    layer = f"criterion:{criterion_id}" if criterion_id else kind
    ids = [*TILE_LAYOUT, *CITY_INSETS]
    js = [kb.jurisdictions[i] for i in ids if i in kb.jurisdictions]
    scorer = kb.rubric.scorer
    place = "the 50 states, DC and New York City"
    if kind == "current-law":
        categories = SCORE_CATEGORIES
        tiles = {j.id: _score_tile(kb, j) for j in js}
        title = "Qualified immunity: current law, scored"
        n_end, n_start = len(kb.criteria_in("end")), len(kb.criteria_in("start"))
        out_of = n_end + n_start
        subtitle = (
            f"Law in force (not bills). Colour: end + start points of {out_of} ({scorer} rubric). "
            f"Label: end/{n_end} · start/{n_start}, or how many criteria are known."
        )
        intro = f"Tile map of {place}: current law (not bills), coloured by its total {scorer} score out of {out_of}."
        legend_title = f"Current law: points (of {out_of})"
        note = "Bills are not counted. Hatched = fewer than half the criteria verified."
    elif kind == "legislation":
        categories = LEGISLATION_CATEGORIES
        tiles = {j.id: _legislation_tile(j) for j in js}
        title = "Qualified immunity: legislation"
        subtitle = "Where bills to change qualified immunity stand. A failed or pending bill is not law."
        intro = f"Tile map of {place}: where qualified immunity legislation stands (passed, pending, failed)."
        legend_title, note = "Legislation", "Passed = a QI law was enacted: it may end, limit or codify QI (/state)"
    else:
        criterion = kb.criteria.get(criterion_id or "")
        if criterion is None:
            raise KeyError(f"unknown criterion: {criterion_id}")
        categories = VERDICT_CATEGORIES
        tiles = {j.id: _verdict_tile(j, criterion.id) for j in js}
        group = next((g.label for g in kb.rubric.groups if g.id == criterion.group), criterion.group)
        title = f"Current law: {criterion.label}"
        subtitle = f"Verdict on the law in force (not bills), {group} criterion ({scorer} rubric)."
        intro = f"Tile map of {place}: current law's verdict on '{criterion.label}' (bills are not counted)."
        legend_title, note = "Current law: verdict", "n/v = not yet verified. Bills are not counted."
    missing_category = {"current-law": "none", "legislation": "nobill", "criterion": "unknown"}[kind]
    for missing in (i for i in ids if i not in kb.jurisdictions):
        tiles[missing] = Tile(missing_category, f"{missing.upper()}\nn/v")
    names = {k: name for k, (name, _) in categories.items()}
    order = list(categories)
    by_code = sorted(js, key=lambda j: j.postal)
    groups = {k: [j for j in by_code if tiles[j.id].category == k] for k in order}
    summary = tuple(f"{names[k]} ({len(g)}): {', '.join(j.postal for j in g) or '-'}" for k, g in groups.items())
    return MapData(
        title=title,
        subtitle=subtitle,
        layer=layer,
        tiles=tiles,
        legend=tuple(LegendEntry(k, names[k]) for k in order),
        legend_title=legend_title,
        legend_note=note,
        alt_text=_alt_text(intro, kind, groups, names),
        summary_lines=(subtitle, *summary),
    )
