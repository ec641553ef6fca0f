#!/usr/bin/env python3
"""Make the knowledge base honest about its sources (issue 12): a verdict without a source, or resting on a
rejected host, becomes unknown with a moderator note; facts on rejected hosts are dropped; published scores
name their page; ``confidence: high`` on our own reading needs a primary source."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from kbedit import ROOT, dump, load

from bot.kb.sourcetiers import Tier, tier

UNKNOWN_REASON = "Not yet verified: the sources checked so far do not settle this."


def fix(jid: str) -> list[str]:
    d = load(jid)
    log = []
    for cid, v in (d.get("current_law", {}).get("verdicts") or {}).items():
        src = v.get("source")
        bad = src is None or tier(src) is Tier.REJECTED
        if v["verdict"] != "unknown" and bad:
            why = "no source cited" if src is None else f"source {src} is on the rejected list"
            v["note"] = f"Was '{v['verdict']}' ({why}): {v['reason']} {v.get('note', '')}".strip()
            v.update(verdict="unknown", reason=UNKNOWN_REASON, confidence="low")
            v.pop("points", None), v.pop("quote", None), v.pop("scope", None)
            if src is not None:
                v.pop("source")
            log.append(f"{cid}: made unknown ({why})")
        elif (v.get("confidence") == "high" and v.get("scored_by") == "our-reading" and src
              and tier(src) is not Tier.PRIMARY):
            v["confidence"] = "medium"
    for bill in d.get("bills") or []:
        score = bill.get("endqi_score")
        if score is not None and "source" not in score:
            score["source"] = f"https://endqi.org/state/{'ny' if jid == 'nyc' else jid}"
        if str(bill.get("year")).lower() in ("unknown", "none", ""):
            bill.pop("year", None)
    facts = d.get("facts") or []
    kept = [f for f in facts if tier(f["source"]) is not Tier.REJECTED]
    for f in facts:
        if f not in kept:
            log.append(f"dropped fact on a rejected host ({f['source']}): {f['text'][:70]}…")
    if kept != facts:
        d["facts"] = kept
    dump(jid, d)
    return log


if __name__ == "__main__":
    for path in sorted(ROOT.glob("*.yaml")):
        for line in fix(path.stem):
            print(f"{path.stem}: {line}")
