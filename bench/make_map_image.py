"""Write the README's example map: the /map PNG for the current knowledge base, plus its alt text.

Run: .venv/bin/python bench/make_map_image.py [--layer legislation | --criterion attorney-fees] [--out docs/map.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.kb.loader import load_knowledge
from bot.render.tilemap import render_map
from bot.replies.maptext import map_text
from bot.replies.responder import templates_for

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", default="current-law", choices=["current-law", "legislation"])
    parser.add_argument("--criterion", default=None, help="colour current law by this criterion's verdict")
    parser.add_argument("--locale", default="en", help="the language of the image's words (en, es)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "map.png")
    args = parser.parse_args(argv)
    kb = load_knowledge()
    if args.criterion is not None and args.criterion not in kb.criteria:
        parser.error(f"unknown criterion {args.criterion!r}; one of: {', '.join(kb.criteria)}")
    layer = f"criterion:{args.criterion}" if args.criterion else args.layer
    t = templates_for(args.locale)
    png, data = render_map(kb, layer, t)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"wrote {args.out} ({len(png)} bytes, knowledge base version {kb.version})")
    print(f"alt text: {map_text(kb, data, t).alt_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
