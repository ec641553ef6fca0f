#!/usr/bin/env python3
"""Merge researched current law (issue 12) into the knowledge base.

Reads research files (``<id>.yaml`` with ``current_law``, ``reforms``, ``bills``, ``source_fixes``) from a
folder and updates ``knowledge/jurisdictions/<id>.yaml``: each researched criterion replaces the current-law
verdict (an ``unknown`` never overwrites a known verdict), reforms and bills are merged by number, and
better sources replace weak ones. Prints each research file's ``problems`` for a moderator to check.

    python3 scripts/merge_research.py /path/to/research [ids...]
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kbedit import ROOT, dump, load

POINTS = {"yes": 1, "partial": 0.5, "no": 0}
QI = ("qi-law-enforcement", "qi-public-employees", "qi-state-constitution")
VERDICT_KEYS = ("verdict", "points", "reason", "quote", "source", "verified_on", "confidence", "scored_by",
                "scope", "rests_on", "standard_applied", "note", "i18n")
REFORM_KEYS = ("number", "title", "year", "act", "citation", "effect", "text_url", "source", "amendments",
               "endqi_score")
BILL_KEYS = ("number", "title", "year", "session", "status", "status_source", "status_quote", "status_verified_on",
             "effect", "text_url", "endqi_score", "verdicts", "note")


def key(number: str) -> str:
    return re.sub(r"[\s.]+", "", str(number)).lower()


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def verdict_entry(cid: str, r: dict, old: dict | None, checked: dt.date, city: bool) -> dict:
    v = str(r.get("verdict", "unknown")).lower()
    out: dict = {"verdict": v}
    if v in POINTS:
        out["points"] = POINTS[v]
    out["reason"] = one_line(r.get("reason") or "Not yet verified: the sources checked so far do not settle this.")
    if r.get("quote") and v != "unknown":
        out["quote"] = one_line(r["quote"]).strip('"')
    if r.get("source"):
        out["source"] = str(r["source"]).strip()
    out["verified_on"] = checked
    confidence = str(r.get("confidence", "low")).lower()
    if confidence == "high" and "quote" not in out:
        confidence = "medium"
    out["confidence"] = confidence if v != "unknown" else "low"
    out["scored_by"] = r.get("scored_by", "our-reading")
    if cid in QI and v in ("yes", "partial"):
        out["scope"] = "city-law-claims" if city else "state-law-claims"
    if old and old.get("rests_on") and out["scored_by"] == "endqi":
        out["rests_on"] = old["rests_on"]
    if r.get("standard_applied") and out["scored_by"] == "our-reading":
        out["standard_applied"] = one_line(r["standard_applied"])
    if r.get("note"):
        out["note"] = one_line(r["note"])
    elif v == "unknown":
        out["note"] = "Researched on 2026-11-30; no source read settles this criterion."
    if v == "unknown":  # what research could not read belongs in the moderator note, not in member text
        out["note"] = one_line(f"{r.get('reason', '')} {out['note']}")
        out["reason"] = "Not yet verified: the sources checked so far do not settle this."
    if len(out.get("note", "")) > 1990:
        out["note"] = out["note"][:1985].rsplit(" ", 1)[0] + " …"
    if old and old.get("i18n") and old.get("reason") == out["reason"]:
        out["i18n"] = old["i18n"]
    return {k: out[k] for k in VERDICT_KEYS if k in out}


def merge_list(existing: list[dict], found: list[dict], keys: tuple[str, ...], defaults: dict) -> list[dict]:
    by_key = {key(item["number"]): item for item in existing}
    for item in found or []:
        if not item.get("number"):
            continue
        item = {k: v for k, v in item.items() if k in keys and v not in (None, "", [])}
        target = by_key.get(key(item["number"]))
        if target is None:
            target = {**defaults, **item}
            existing.append(target)
            by_key[key(item["number"])] = target
        else:
            for k, v in item.items():
                if k in ("status", "status_source", "text_url", "act", "citation", "amendments") or k not in target:
                    target[k] = v
        for k, v in list(target.items()):
            if isinstance(v, str):
                target[k] = one_line(v)
    return [{k: item[k] for k in keys if k in item} for item in existing]


def apply_fixes(text: str, fixes: list[dict]) -> str:
    for fix in fixes or []:
        old, new = fix.get("old"), fix.get("new")
        if old and new and old != new:
            text = text.replace(str(old), str(new))
    return text


def merge(jid: str, research: dict, checked: dt.date) -> list[str]:
    d = load(jid)
    city = d.get("kind") == "city"
    law = d.setdefault("current_law", {})
    verdicts = law.setdefault("verdicts", {})
    for cid, r in (research.get("current_law") or {}).items():
        if not isinstance(r, dict):
            continue
        old = verdicts.get(cid)
        if str(r.get("verdict", "unknown")).lower() == "unknown" and old and old.get("verdict") != "unknown":
            continue
        verdicts[cid] = verdict_entry(cid, r, old, checked, city)
    law["verdicts"] = dict(sorted(verdicts.items(), key=lambda kv: CRITERIA.index(kv[0]) if kv[0] in CRITERIA else 99))
    reforms = merge_list(law.get("reforms", []), research.get("reforms"), REFORM_KEYS, {"effect": "other"})
    if reforms:
        law["reforms"] = reforms
        d["current_law"] = {"reforms": reforms, "verdicts": law["verdicts"]}
    bills = merge_list(d.get("bills", []), research.get("bills"), BILL_KEYS,
                       {"status_verified_on": checked, "effect": "other"})
    for bill in bills:
        bill.setdefault("status_verified_on", checked)
        if not bill.get("status_source"):
            bill["status_source"] = bill.get("text_url") or d.get("summary_source")
    if bills:
        order = list(d)
        d["bills"] = bills
        if "bills" not in order:
            at = order.index("current_law") + 1
            d = {k: d[k] for k in [*order[:at], "bills", *order[at:]]}
    known = sum(v.get("verdict") != "unknown" for v in d["current_law"]["verdicts"].values())
    d["review"] = {"status": "reviewed" if known >= 7 else "partial",
                   "note": f"Current law researched criterion by criterion on {checked.isoformat()}; each verdict's "
                           "note says what was read. Bills are listed apart and never decide current law."}
    dump(jid, d)
    path = ROOT / f"{jid}.yaml"
    path.write_text(apply_fixes(path.read_text(encoding="utf-8"), research.get("source_fixes")), encoding="utf-8")
    return [one_line(p) for p in research.get("problems") or []]


CRITERIA = [c["id"] for c in yaml.safe_load((ROOT.parent / "rubric.yaml").read_text(encoding="utf-8"))["criteria"]]


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    ids = argv[1:] or sorted(p.stem for p in folder.glob("*.yaml") if (ROOT / p.name).exists())
    checked = dt.date(2026, 11, 30)
    for jid in ids:
        research = yaml.safe_load((folder / f"{jid}.yaml").read_text(encoding="utf-8"))
        for problem in merge(jid, research, checked):
            print(f"{jid}: problem: {problem}")
        print(f"{jid}: merged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
