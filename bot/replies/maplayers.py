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
from bot.replies.build import tr
from bot.replies.templates import Templates

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

# Category keys in legend order, and their fill colours. Scores: viridis ramp; verdicts and bill status:
# Okabe-Ito. Every name a person reads comes from responses/<language>.yaml (map.legend.*, words.verdict.*).
SCORE_RANGES = {"s4": "6.5-9", "s3": "4.5-6", "s2": "2.5-4", "s1": "0.5-2", "s0": "0"}
SCORE_ORDER = (*SCORE_RANGES, "partly", "none")
VERDICT_ORDER = ("yes", "partial", "no", "unknown")
LEGISLATION_ORDER = ("passed", "pending", "study", "failed", "unverified", "nobill")
PALETTE: dict[str, str] = {
    "s4": "#FDE725",
    "s3": "#5EC962",
    "s2": "#21918C",
    "s1": "#3B528B",
    "s0": "#440154",
    "partly": "#E4E4E4",
    "none": GREY,
    "yes": "#0072B2",
    "partial": "#E69F00",
    "no": "#CC79A7",
    "unknown": GREY,
    "passed": "#0072B2",
    "pending": "#E69F00",
    "study": "#56B4E9",
    "failed": "#CC79A7",
    "unverified": "#E4E4E4",
    "nobill": GREY,
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
    city_label: str
    city_names: dict[str, str]

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


def legend_name(key: str, layer_kind: str, t: Templates) -> str:
    """A category's short name for the image's legend."""
    if layer_kind == "criterion" and key != "unknown":
        return t.render(f"words.verdict.{key}")
    if key in SCORE_RANGES:
        return t.render("map.legend.points", range=SCORE_RANGES[key])
    return t.render(f"map.legend.{key}")


def _score_tile(kb: KnowledgeBase, j: Jurisdiction, t: Templates) -> Tile:
    end, start = total_score(j, kb.rubric)
    total = end.out_of + start.out_of
    known = total - end.unknown - start.unknown
    if known == 0:
        return Tile("none", f"{j.postal}\n{t.render('map.tile.nv')}")
    if known * 2 < total:  # partly known is never drawn as a low score
        return Tile("partly", f"{j.postal}\n{t.render('map.tile.known', known=known, total=total)}")
    value = f"{_points(end.points)}/{end.out_of}·{_points(start.points)}/{start.out_of}"
    return Tile(score_bin(end.points + start.points), f"{j.postal}\n{value}")


def _verdict_tile(j: Jurisdiction, criterion_id: str, t: Templates) -> Tile:
    verdict = verdict_of(j, criterion_id)
    if verdict is Verdict.UNKNOWN:
        return Tile("unknown", f"{j.postal}\n{t.render('map.tile.nv')}")
    return Tile(verdict.value, f"{j.postal}\n{t.render(f'words.verdict.{verdict.value}')}")


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


def _legislation_tile(j: Jurisdiction, t: Templates) -> Tile:
    category = legislation_category(j)
    return Tile(category, f"{j.postal}\n{t.render(f'map.tile.{category}')}")


def map_data(kb: KnowledgeBase, layer: str | None, t: Templates) -> MapData:
    """Categorise every mapped jurisdiction on one layer: current law's score (default), where legislation
    stands, or current law's verdict on one criterion (``criterion:<id>``); every word in ``t``'s language."""
    kind, criterion_id = parse_layer(layer)
    layer = f"criterion:{criterion_id}" if criterion_id else kind
    ids = [*TILE_LAYOUT, *CITY_INSETS]
    js = [kb.jurisdictions[i] for i in ids if i in kb.jurisdictions]
    scorer = kb.rubric.scorer
    order: tuple[str, ...]
    if kind == "current-law":
        order = SCORE_ORDER
        tiles = {j.id: _score_tile(kb, j, t) for j in js}
        n_end, n_start = len(kb.criteria_in("end")), len(kb.criteria_in("start"))
        out_of = n_end + n_start
        words = {"out_of": out_of, "scorer": scorer, "n_end": n_end, "n_start": n_start}
    elif kind == "legislation":
        order = LEGISLATION_ORDER
        tiles = {j.id: _legislation_tile(j, t) for j in js}
        words = {}
    else:
        criterion = kb.criteria.get(criterion_id or "")
        if criterion is None:
            raise KeyError(f"unknown criterion: {criterion_id}")
        order = VERDICT_ORDER
        tiles = {j.id: _verdict_tile(j, criterion.id, t) for j in js}
        group = t.render(f"words.group.{criterion.group}")
        words = {"label": tr(criterion, "label", t), "group": group, "scorer": scorer}
    missing_category = {"current-law": "none", "legislation": "nobill", "criterion": "unknown"}[kind]
    for missing in (i for i in ids if i not in kb.jurisdictions):
        tiles[missing] = Tile(missing_category, f"{missing.upper()}\n{t.render('map.tile.nv')}")
    png = f"map.png.{kind}"
    return MapData(
        title=t.render(f"{png}.title", **words),
        subtitle=t.render(f"{png}.subtitle", **words),
        layer=layer,
        tiles=tiles,
        legend=tuple(LegendEntry(k, legend_name(k, kind, t)) for k in order),
        legend_title=t.render(f"{png}.legend", **words),
        legend_note=t.render(f"{png}.note", **words),
        city_label=t.render("map.png.city_inset"),
        city_names={jid: kb.jurisdictions[jid].name for jid in CITY_INSETS if jid in kb.jurisdictions},
    )
