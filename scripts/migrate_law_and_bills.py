#!/usr/bin/env python3
"""One-off migration (issue 11): split each jurisdiction's ``headline_law``/``verdicts`` into
``current_law`` (the law in force) and ``bills`` (what tried to change it).

Rules:
- a headline law or other law with status ``passed`` becomes a ``current_law.reforms`` entry; when the
  headline law passed, its verdicts rate the law in force and stay in ``current_law.verdicts``;
- a failed, pending or study bill becomes a ``bills`` entry that keeps its verdicts and endqi's score;
  current law for those criteria is then not yet verified (no entry), never the bill's verdict;
- jurisdictions without a headline law keep their verdicts: they were already our reading of current law;
- research-process wording ("cut off", "stored copy", ...) moves out of member-facing reasons into
  moderator-only ``note`` fields; ``confidence: high`` without a quote becomes ``medium``.

Run once from the repository root: ``python3 scripts/migrate_law_and_bills.py``. Prints what changed.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1] / "knowledge" / "jurisdictions"
QI_CRITERIA = ("qi-law-enforcement", "qi-public-employees", "qi-state-constitution")
PROCESS_WORDS = re.compile(
    r"cut off|stored copy|stored page|truncated|our copy|contradicts itself|search result|the stored",
    re.IGNORECASE,
)
NUMBER = re.compile(r"^((?:Public Act|Local Law|[A-Z]{1,4}\.?)\s?[\d.][\w.-]*(?:\s*/\s*[A-Z]{1,4}\.?\s?\d[\w.-]*)?)")


class Dumper(yaml.SafeDumper):
    """Block style; long strings folded so reviewers read them as paragraphs; no anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > 90 and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _str)


def split_name(name: str) -> tuple[str, str | None]:
    """("HB 3027 (2021), Protecting ...") -> ("HB 3027", "Protecting ...")."""
    match = NUMBER.match(name)
    if not match:
        return name, None
    number = match.group(1).strip()
    rest = name[match.end() :].strip()
    rest = re.sub(r"^\(\d{4}\)", "", rest).strip().lstrip(",").strip()
    rest = re.sub(r"^\((.*)\)$", r"\1", rest).strip()
    return number, rest or None


def clean_reason(reason: str) -> tuple[str, str | None]:
    """Drop research-process wording from a member-facing reason; return (reason, moved note)."""
    if not PROCESS_WORDS.search(reason):
        return reason, None
    cleaned = re.sub(r"\s*\([^()]*\)", lambda m: "" if PROCESS_WORDS.search(m.group(0)) else m.group(0), reason)
    sentences = re.split(r"(?<=[.;])\s+", cleaned)
    kept = [s for s in sentences if not PROCESS_WORDS.search(s)]
    text = " ".join(kept).strip()
    text = re.sub(r"\s+:", ":", text)
    return (text or "See the quoted source."), reason


def migrate_verdict(v: dict, *, law: bool, scope: str | None, rests_on: str | None, log: list[str]) -> dict:
    out = dict(v)
    if out["verdict"] == "unknown":
        out["note"] = " ".join(out["reason"].split())
        out["reason"] = "Not yet verified: the sources checked so far do not settle this."
        out.pop("quote", None)
        out.pop("points", None)
    else:
        reason, moved = clean_reason(" ".join(out["reason"].split()))
        if moved:
            out["reason"], out["note"] = reason, moved
            log.append(f"moved research wording to note: {moved[:80]}…")
    if out.get("confidence") == "high" and not out.get("quote") and out["verdict"] != "unknown":
        out["confidence"] = "medium"
    if law and scope and out["verdict"] in ("yes", "partial"):
        out["scope"] = scope
    if law and rests_on and out.get("scored_by") == "endqi":
        out["rests_on"] = [rests_on]
    order = ["verdict", "points", "reason", "quote", "source", "verified_on", "confidence", "scored_by",
             "scope", "rests_on", "note", "i18n"]
    return {k: out[k] for k in order if k in out} | {k: val for k, val in out.items() if k not in order}


def latest_date(d: dict) -> dt.date:
    dates = [v["verified_on"] for v in (d.get("verdicts") or {}).values()]
    dates += [f["verified_on"] for f in d.get("facts") or []]
    return max(dates) if dates else dt.date(2026, 11, 25)


def to_reform(law: dict, score: dict | None) -> dict:
    number, title = split_name(law["name"])
    reform = {"number": number, "title": title, "year": law.get("year"), "citation": law.get("citation"),
              "effect": law.get("effect", "other"), "text_url": law.get("url"), "source": law["source"]}
    if score:
        reform["endqi_score"] = score
    return {k: v for k, v in reform.items() if v is not None}


def to_bill(law: dict, verdicts: dict, score: dict | None, checked: str) -> dict:
    number, title = split_name(law["name"])
    bill = {"number": number, "title": title, "year": law.get("year"), "status": law["status"],
            "status_source": law["source"], "status_verified_on": checked, "effect": law.get("effect", "other"),
            "text_url": law.get("url")}
    if score:
        bill["endqi_score"] = score
    if verdicts:
        bill["verdicts"] = verdicts
    if law.get("note"):
        bill["note"] = law["note"]
    return {k: v for k, v in bill.items() if v is not None}


def migrate(d: dict) -> tuple[dict, list[str]]:
    log: list[str] = []
    head = d.pop("headline_law", None)
    score = d.pop("stated_score", None)
    old = d.pop("verdicts", None) or {}
    others = d.pop("other_laws", None) or []
    checked = latest_date({"verdicts": old, "facts": d.get("facts")})
    scope = "city-law-claims" if d["kind"] == "city" else "state-law-claims"
    reforms, bills, current = [], [], {}
    if head and head["status"] == "passed":
        number, _ = split_name(head["name"])
        reforms.append(to_reform(head, score))
        current = {cid: migrate_verdict(v, law=True, scope=scope if cid in QI_CRITERIA else None,
                                        rests_on=number, log=log) for cid, v in old.items()}
    elif head:
        bill_verdicts = {cid: migrate_verdict(v, law=False, scope=None, rests_on=None, log=log)
                         for cid, v in old.items()}
        bills.append(to_bill(head, bill_verdicts, score, checked))
        known = sum(v["verdict"] != "unknown" for v in old.values())
        log.append(f"{known} verdicts moved from current law to bill {split_name(head['name'])[0]} ({head['status']})")
    else:
        current = {cid: migrate_verdict(v, law=True, scope=scope if cid in QI_CRITERIA else None,
                                        rests_on=None, log=log) for cid, v in old.items()}
    for law in others:
        if law["status"] == "passed":
            reforms.append(to_reform(law, None))
        else:
            bills.append(to_bill(law, {}, None, checked))
    out = {}
    for key, value in d.items():
        out[key] = value
        if key == "summary_source" or (key == "summary" and "summary_source" not in d):
            out["current_law"] = {"reforms": reforms, "verdicts": current}
            out["bills"] = bills
    if not out["current_law"]["reforms"]:
        del out["current_law"]["reforms"]
    if not out["bills"]:
        del out["bills"]
    return out, log


def main() -> int:
    for path in sorted(ROOT.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if "current_law" in data:
            continue
        new, log = migrate(data)
        header = "".join(line for line in text.splitlines(keepends=True)[:5] if line.startswith("#"))
        body = yaml.dump(new, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
        path.write_text(header + body, encoding="utf-8")
        for line in log:
            print(f"{path.stem}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
