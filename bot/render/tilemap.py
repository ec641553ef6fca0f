"""A U.S. tile-grid map for ``/map``, drawn with Pillow (no Discord imports); what it says comes from
``bot.replies.maplayers``.

Three kinds of layer: current law's score (default), where legislation stands, and current law's
verdict on one criterion. Bills never colour a current-law layer. Every state and DC is one equal
square on a 12 x 8 grid; New York City is a separate, labelled city inset. Each tile shows its postal
code and its score, verdict or status word (or "3/9 known", hatched, when fewer than half the criteria
are verified), so colour is never the only carrier of meaning.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.kb.snapshot import KnowledgeBase
from bot.replies.maplayers import (
    CITY_INSETS,
    GRID_COLS,
    HATCHED,
    PALETTE,
    TILE_LAYOUT,
    MapData,
    Tile,
    map_data,
)
from bot.replies.templates import Templates

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont


# Canvas geometry (pixels).
WIDTH, HEIGHT = 1200, 800
PITCH = 86  # grid cell size, tile plus gap
TILE = 80
GRID_X = (WIDTH - GRID_COLS * PITCH) // 2
GRID_Y = 100
CITY_TILE = 72
_CITY_BOX = (GRID_X + 10 * PITCH + 6, GRID_Y + 6 * PITCH + 3, GRID_X + 12 * PITCH - 3, GRID_Y + 8 * PITCH - 3)
_LEGEND_BOX = (GRID_X + PITCH + 3, GRID_Y + 3, GRID_X + 6 * PITCH - 9, GRID_Y + 2 * PITCH - 9)

BACKGROUND = "#FFFFFF"
INK = "#1A1A1A"
LIGHT_INK = "#FFFFFF"
CACHE_SIZE = 32


def tile_box(jid: str) -> tuple[int, int, int, int]:
    """The (x0, y0, x1, y1) pixel box of a jurisdiction's tile, city insets included."""
    if jid in CITY_INSETS:
        x0 = (_CITY_BOX[0] + _CITY_BOX[2] - CITY_TILE) // 2 + CITY_INSETS.index(jid) * (CITY_TILE + 8)
        y0 = _CITY_BOX[1] + 36
        return x0, y0, x0 + CITY_TILE, y0 + CITY_TILE
    col, row = TILE_LAYOUT[jid]
    x0, y0 = GRID_X + col * PITCH, GRID_Y + row * PITCH
    return x0, y0, x0 + TILE, y0 + TILE


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(fill: str) -> str:
    """Dark or light ink, whichever contrasts more with the fill."""
    return INK if contrast(INK, fill) >= contrast(LIGHT_INK, fill) else LIGHT_INK


FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSansCondensed.ttf"  # Latin-1 and more: "Aún", "rúbrica"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont  # Pillow loads on the first render, not at start-up

    return ImageFont.truetype(str(FONT), size=size)


def _fit_font(
    draw: ImageDraw.ImageDraw, text: str, size: int, width: int
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    while size > 10 and draw.textlength(text, font=_font(size)) > width:
        size -= 1
    return _font(size)


def _draw_tile(draw: ImageDraw.ImageDraw, jid: str, tile: Tile) -> None:
    x0, y0, x1, y1 = box = tile_box(jid)
    fill = PALETTE[tile.category]
    draw.rectangle(box, fill=fill)
    if tile.category in HATCHED:
        _hatch(draw, box)
    ink = text_colour(fill)
    code, _, value = tile.label.partition("\n")
    inner = x1 - x0 - 12
    cx, h = (x0 + x1) / 2, y1 - y0
    draw.text((cx, y0 + h * 0.38), code, fill=ink, font=_fit_font(draw, code, int(h * 0.36), inner), anchor="mm")
    draw.text((cx, y0 + h * 0.74), value, fill=ink, font=_fit_font(draw, value, int(h * 0.2), inner), anchor="mm")


def _hatch(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], step: int = 10) -> None:
    """Diagonal lines over a box: "partly known" is told by pattern as well as by colour and label."""
    x0, y0, x1, y1 = box
    for offset in range(-(y1 - y0), x1 - x0, step):
        start = (x0 + max(offset, 0), y0 + max(-offset, 0))
        length = min(x1 - start[0], y1 - start[1])
        draw.line((start, (start[0] + length, start[1] + length)), fill="#9A9A9A", width=2)


def render_png(data: MapData) -> bytes:
    """Draw the map as a PNG (in memory)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((WIDTH / 2, 34), data.title, fill=INK, font=_fit_font(draw, data.title, 34, WIDTH - 40), anchor="mm")
    draw.text(
        (WIDTH / 2, 72), data.subtitle, fill=INK, font=_fit_font(draw, data.subtitle, 19, WIDTH - 40), anchor="mm"
    )
    for jid, tile in data.tiles.items():
        _draw_tile(draw, jid, tile)

    lx0, ly0, lx1, ly1 = _LEGEND_BOX
    draw.rectangle(_LEGEND_BOX, outline="#888888", width=1)
    draw.text((lx0 + 12, ly0 + 10), data.legend_title, fill=INK, font=_font(18))
    note_font = _fit_font(draw, data.legend_note, 14, lx1 - lx0 - 24)
    draw.text((lx0 + 12, ly1 - 10), data.legend_note, fill=INK, font=note_font, anchor="ls")
    per_col = max(3, -(-len(data.legend) // 2))  # two columns, always inside the box
    step = 32 if per_col <= 3 else 25
    swatch = 24 if per_col <= 3 else 20
    col_w = (lx1 - lx0 - 24) // 2
    for i, entry in enumerate(data.legend):
        x = lx0 + 12 + (i // per_col) * col_w
        y = ly0 + (38 if per_col <= 3 else 34) + (i % per_col) * step
        draw.rectangle((x, y, x + swatch, y + swatch), fill=PALETTE[entry.key], outline="#555555")
        if entry.key in HATCHED:
            _hatch(draw, (x, y, x + swatch, y + swatch), step=7)
        name_font = _fit_font(draw, entry.name, 17 if per_col <= 3 else 15, col_w - swatch - 14)
        draw.text((x + swatch + 8, y + swatch // 2), entry.name, fill=INK, font=name_font, anchor="lm")

    draw.rectangle(_CITY_BOX, outline="#888888", width=1)
    city_x = (_CITY_BOX[0] + _CITY_BOX[2]) / 2
    draw.text((city_x, _CITY_BOX[1] + 14), data.city_label, fill=INK, font=_font(17), anchor="mm")
    for jid, name in data.city_names.items():
        x0, _, x1, y1 = tile_box(jid)
        draw.text(((x0 + x1) / 2, y1 + 16), name, fill=INK, font=_font(15), anchor="mm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


_cache: OrderedDict[tuple[str, str, str], tuple[bytes, MapData]] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached render."""
    with _cache_lock:
        _cache.clear()


def is_cached(kb: KnowledgeBase, layer: str | None, t: Templates) -> bool:
    """True when ``render_map(kb, layer, t)`` would answer from the cache (no drawing)."""
    with _cache_lock:
        return (kb.version, layer or "current-law", t.locale) in _cache


def render_map(kb: KnowledgeBase, layer: str | None, t: Templates) -> tuple[bytes, MapData]:
    """The PNG and its data in ``t``'s language, cached (LRU) by knowledge-base version, layer and language."""
    key = (kb.version, layer or "current-law", t.locale)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = map_data(kb, layer, t)
    result = (render_png(data), data)
    with _cache_lock:
        result = _cache.setdefault(key, result)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result
