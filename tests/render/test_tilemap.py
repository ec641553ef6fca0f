"""The tile-map renderer: layout, colours read back from the PNG, labels, alt text and caching."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys

import pytest
from PIL import Image

from bot.kb.loader import DEFAULT_ROOT, load_knowledge
from bot.kb.schema import Jurisdiction
from bot.kb.snapshot import KnowledgeBase
from bot.kb.us import JURISDICTIONS
from bot.render import tilemap
from bot.render.tilemap import HEIGHT, WIDTH, clear_cache, contrast, render_map, render_png, text_colour, tile_box
from bot.replies.maplayers import CITY_INSETS, GRID_COLS, GRID_ROWS, HIGHLIGHT, PALETTE, TILE_LAYOUT, map_data
from bot.replies.maptext import category_name, map_text
from bot.replies.responder import templates_for

EN, ES = templates_for("en"), templates_for("es")

CRITERIA = [c.id for c in load_knowledge(DEFAULT_ROOT).rubric.criteria]
LAYERS = ["current-law", "legislation", *(f"criterion:{c}" for c in CRITERIA)]
VERDICT_WORDS = {"yes": "Yes", "partial": "Partial", "no": "No", "unknown": "n/v"}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def _expected_legislation(j: Jurisdiction) -> tuple[str, str]:
    qi = {"ends-qi", "limits-qi", "codifies-qi"}
    statuses = {b.status.value for b in j.bills}
    if any(r.effect.value in qi for r in j.current_law.reforms) or any(
        b.status.value in ("passed", "enacted") and b.effect.value in qi for b in j.bills
    ):
        return "passed", "Passed"
    for status, category, word in (("pending", "pending", "Pending"), ("study", "study", "Study")):
        if status in statuses:
            return category, word
    if statuses & {"failed", "vetoed"}:
        return "failed", "Failed"
    return ("unverified", "n/v") if "unknown" in statuses else ("nobill", "None")


def _expected(kb: KnowledgeBase, j: Jurisdiction, layer: str) -> tuple[str, str]:
    """(category, value word) worked out from the raw data, without the scoring helpers."""
    if layer == "legislation":
        return _expected_legislation(j)
    if layer.startswith("criterion:"):
        entry = j.current_law.verdicts.get(layer.partition(":")[2])
        verdict = entry.verdict.value if entry else "unknown"
        return verdict, VERDICT_WORDS[verdict]
    points = {"end": [], "start": []}
    for c in kb.rubric.criteria:
        entry = j.current_law.verdicts.get(c.id)
        if entry and entry.verdict.value != "unknown":
            points[c.group].append({"yes": 1.0, "partial": 0.5, "no": 0.0}[entry.verdict.value])
    known = len(points["end"]) + len(points["start"])
    if not known:
        return "none", "n/v"
    if known * 2 < len(kb.rubric.criteria):
        return "partly", f"{known}/{len(kb.rubric.criteria)} known"
    end, start = sum(points["end"]), sum(points["start"])
    n_end = sum(c.group == "end" for c in kb.rubric.criteria)
    n_start = len(kb.rubric.criteria) - n_end
    total = end + start
    category = "s0" if total == 0 else "s1" if total <= 2 else "s2" if total <= 4 else "s3" if total <= 6 else "s4"
    return category, f"{end:g}/{n_end}·{start:g}/{n_start}"


def test_layout_covers_states_and_dc_once_within_grid() -> None:
    expected = {jid for jid, (_, kind, _) in JURISDICTIONS.items() if kind != "city"}
    assert set(TILE_LAYOUT) == expected
    assert len(TILE_LAYOUT) == 51
    cells = list(TILE_LAYOUT.values())
    assert len(set(cells)) == len(cells)
    assert all(0 <= col < GRID_COLS and 0 <= row < GRID_ROWS for col, row in cells)
    assert TILE_LAYOUT["ak"] == (0, 0)
    assert TILE_LAYOUT["me"] == (GRID_COLS - 1, 0)
    assert TILE_LAYOUT["hi"][1] == GRID_ROWS - 1
    assert TILE_LAYOUT["fl"][1] == GRID_ROWS - 1


def test_tile_boxes_are_on_canvas_and_do_not_overlap() -> None:
    boxes = {jid: tile_box(jid) for jid in [*TILE_LAYOUT, *CITY_INSETS]}
    assert set(CITY_INSETS) == {jid for jid, (_, kind, _) in JURISDICTIONS.items() if kind == "city"}
    for x0, y0, x1, y1 in boxes.values():
        assert 0 <= x0 < x1 <= WIDTH
        assert 0 <= y0 < y1 <= HEIGHT
    items = list(boxes.items())
    for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(items):
        for b, (bx0, by0, bx1, by1) in items[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, (a, b)


def test_palette_is_distinct_with_grey_unknown_and_readable_text() -> None:
    scores = [PALETTE[k] for k in ("s0", "s1", "s2", "s3", "s4", "partly", "none")]
    verdicts = [PALETTE[k] for k in ("yes", "partial", "no", "unknown")]
    legislation = [PALETTE[k] for k in ("passed", "pending", "study", "failed", "unverified", "nobill")]
    assert len(set(scores)) == len(scores)
    assert len(set(verdicts)) == len(verdicts)
    assert len(set(legislation)) == len(legislation)
    for key in ("unknown", "none", "partly", "nobill"):
        r, g, b = _rgb(PALETTE[key])
        assert r == g == b
    for colour in PALETTE.values():
        assert contrast(text_colour(colour), colour) >= 4.5, colour


@pytest.mark.parametrize("layer", LAYERS)
def test_render_colours_labels_and_alt_text(kb: KnowledgeBase, layer: str) -> None:
    png, data = render_map(kb, layer, EN)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT)
    image = image.convert("RGB")

    expected_counts: dict[str, int] = {}
    for jid in [*TILE_LAYOUT, *CITY_INSETS]:
        j = kb.jurisdictions[jid]
        category, word = _expected(kb, j, layer)
        expected_counts[category] = expected_counts.get(category, 0) + 1
        x0, y0, x1, y1 = tile_box(jid)
        pixels = [image.getpixel(p) for p in ((x0 + 3, y0 + 3), (x1 - 4, y1 - 4), (x0 + 3, (y0 + y1) // 2))]
        pixels += [image.getpixel((x0 + 2 + n, y0 + 9)) for n in range(12)]
        if category in tilemap.HATCHED:  # partly known: fill plus diagonal hatching, never a score colour
            assert set(pixels) <= {_rgb(PALETTE[category]), _rgb("#9A9A9A")}, jid
            assert len(set(pixels)) == 2, jid
        else:
            assert all(p == _rgb(PALETTE[category]) for p in pixels[:3]), (jid, pixels[:3])
        label = data.tiles[jid].label
        assert j.postal in label
        assert label == f"{j.postal}\n{word}"

    text = map_text(kb, data, EN)  # the image's alt text and caption, built from the same data
    assert len(text.alt_text) <= 1024
    counts_text = re.search(r"per category: (.*?)\.(?: |$)", text.alt_text).group(1)
    counts = dict(part.rsplit(": ", 1) for part in counts_text.split("; "))
    names = {entry.key: category_name(entry.key, data, EN) for entry in data.legend}
    assert counts == {names[k]: str(expected_counts.get(k, 0)) for k in names}
    top = next((k for k in HIGHLIGHT[data.layer_kind] if expected_counts.get(k)), None)
    if top is not None:
        members = [kb.jurisdictions[jid] for jid in data.tiles if _expected(kb, kb.jurisdictions[jid], layer)[0] == top]
        assert all(j.name in text.alt_text or j.postal in text.alt_text for j in members)
    assert ("current law" in text.alt_text) == (layer != "legislation")
    assert ("legislation" in text.alt_text) == (layer == "legislation")
    assert sum(expected_counts.values()) == 52
    lines = text.content.splitlines()
    assert any(line.startswith(f"{names[k]} ({n})") for k, n in expected_counts.items() for line in lines)


def test_the_image_speaks_the_readers_language(kb: KnowledgeBase) -> None:
    """Title, legend, tile words and the city label come from the catalogue: Spanish for Spanish readers."""
    english, spanish = map_data(kb, "legislation", EN), map_data(kb, "legislation", ES)
    assert english.title != spanish.title and spanish.title == ES.render("map.png.legislation.title")
    assert [e.name for e in spanish.legend] == [ES.render(f"map.legend.{e.key}") for e in spanish.legend]
    assert spanish.city_label == ES.render("map.png.city_inset")
    assert any(t.label.endswith(ES.render("map.tile.nobill")) for t in spanish.tiles.values())
    assert spanish.tiles.keys() == english.tiles.keys()
    assert [t.category for t in spanish.tiles.values()] == [t.category for t in english.tiles.values()]
    clear_cache()
    assert render_map(kb, "legislation", EN)[0] != render_map(kb, "legislation", ES)[0]


def test_unknown_criterion_is_an_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError):
        map_data(kb, "no-such-criterion", EN)
    with pytest.raises(KeyError):
        map_data(kb, "criterion:no-such-criterion", EN)


def test_cache_returns_identical_bytes_per_version(kb: KnowledgeBase) -> None:
    clear_cache()
    first, data = render_map(kb, "criterion:attorney-fees", EN)
    again, data_again = render_map(kb, "criterion:attorney-fees", EN)
    assert again is first
    assert data_again is data
    assert render_map(kb, None, EN)[0] is not first
    other = dataclasses.replace(kb, version=kb.version + "-other")
    fresh, _ = render_map(other, "criterion:attorney-fees", EN)
    assert fresh is not first
    assert fresh == render_png(map_data(kb, "criterion:attorney-fees", EN))


def test_module_does_not_import_discord() -> None:
    code = f"import sys, {tilemap.__name__}; assert not [m for m in sys.modules if m.split('.')[0] == 'discord']"
    subprocess.run([sys.executable, "-c", code], check=True)
