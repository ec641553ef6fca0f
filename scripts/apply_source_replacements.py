#!/usr/bin/env python3
"""Apply researched replacements for sources on rejected hosts (issue 12).

Each result names the item (`where`: current_law.verdicts.<criterion>, facts[n], current_law.reforms[n].<key>,
bills[n].<key>), its new source, and whether the old quote is on the new page (else a new exact quote).
Items without a replacement are left for `scripts/fix_sources.py` (verdict -> unknown, fact dropped).

    python3 scripts/apply_source_replacements.py RESULT.json [RESULT.json ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from kbedit import dump, load

from bot.kb.sourcetiers import Tier, host_of, tier


def target(doc: dict, where: str) -> tuple[dict, str] | None:
    """(the mapping that holds the URL, the key of the URL) for a `where` path."""
    if where.startswith("current_law.verdicts."):
        entry = doc.get("current_law", {}).get("verdicts", {}).get(where.split(".", 2)[2])
        return (entry, "source") if entry else None
    match = re.fullmatch(r"(facts|bills|current_law\.reforms)\[(\d+)\](?:\.(\w+))?", where)
    if not match:
        return None
    kind, index, key = match.group(1), int(match.group(2)), match.group(3) or "source"
    items = doc.get("current_law", {}).get("reforms", []) if kind == "current_law.reforms" else doc.get(kind, [])
    return (items[index], key) if index < len(items) else None


def apply(result: dict) -> str:
    new = result.get("new_source")
    if not new or tier(new) is Tier.REJECTED:
        return "no replacement"
    doc = load(result["id"])
    found = target(doc, result["where"])
    if found is None:
        return "item not found"
    entry, key = found
    old = entry.get(key)
    if old != result.get("old_source") and old is not None and result.get("old_source"):
        return f"source changed since ({old})"
    entry[key] = new
    if key == "source" and "quote" in entry and not result.get("quote_on_new_page"):
        if result.get("new_quote"):
            entry["quote"] = " ".join(str(result["new_quote"]).split())
        else:
            entry.pop("quote")
            if entry.get("confidence") == "high":
                entry["confidence"] = "medium"
    if entry.get("confidence") == "high" and entry.get("scored_by") == "our-reading" and tier(new) is not Tier.PRIMARY:
        entry["confidence"] = "medium"
    if "verdict" in entry:
        note = f"Source replaced on 2026-11-30 (was {host_of(old or '')}): {result.get('note') or ''}".strip()
        entry["note"] = (f"{entry.get('note', '')} {note}".strip())[:1990]
    dump(result["id"], doc)
    return "replaced"


def main(paths: list[str]) -> int:
    counts: dict[str, int] = {}
    for path in paths:
        for result in json.loads(Path(path).read_text(encoding="utf-8")):
            outcome = apply(result)
            counts[outcome] = counts.get(outcome, 0) + 1
            print(f"{result['id']} {result['where']}: {outcome}")
    print(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
