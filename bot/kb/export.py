"""Open data: the whole knowledge base as one JSON document (``qibot kb export``).

The document's shape is described by ``docs/knowledge-export.schema.json``; current law and bills are
separate keys, so nobody building a map or a spreadsheet from it can mistake a bill for law.
"""

from __future__ import annotations

import json
from typing import Any

from bot.kb.schema import Bill, Evidence, Jurisdiction
from bot.kb.scoring import scores_of
from bot.kb.snapshot import KnowledgeBase

FORMAT_VERSION = 1


def _verdict(v: Evidence) -> dict[str, Any]:
    return {
        "verdict": v.verdict.value,
        "points": v.verdict.points,
        "reason": v.reason,
        "source": v.source,
        "quote": v.quote,
        "verified_on": v.verified_on.isoformat(),
        "confidence": v.confidence.value,
        "scored_by": v.scored_by.value,
    }


def _score(verdicts: dict[str, Evidence], kb: KnowledgeBase) -> dict[str, Any]:
    end, start = scores_of(verdicts, kb.rubric)
    return {
        "end": end.points,
        "end_out_of": end.out_of,
        "start": start.points,
        "start_out_of": start.out_of,
        "unknown": end.unknown + start.unknown,
    }


def bill_identity(b: Bill) -> dict[str, Any]:
    """What names a bill and says where it stands; ``is_law`` is true only for an enacted bill."""
    return {"number": b.number, "title": b.title, "year": b.year, "status": b.status.value, "is_law": b.status.is_law}


def _bill(b: Bill, kb: KnowledgeBase) -> dict[str, Any]:
    published = b.endqi_score
    return {
        **bill_identity(b),
        "status_source": b.status_source,
        "status_verified_on": b.status_verified_on.isoformat(),
        "text_url": b.text_url,
        "score": None
        if published is None
        else {"end": published.end, "start": published.start, "source": published.source},
        "verdicts": {cid: _verdict(v) for cid, v in b.verdicts.items()},
    }


def jurisdiction_document(j: Jurisdiction, kb: KnowledgeBase) -> dict[str, Any]:
    """One jurisdiction: current law (verdicts for every criterion, unknown included) and bills apart."""
    verdicts: dict[str, Any] = {}
    for cid in kb.criteria:
        v = j.current_law.verdicts.get(cid)
        verdicts[cid] = _verdict(v) if v else {"verdict": "unknown", "points": None}
        if v is not None and v.scope is not None:
            verdicts[cid]["scope"] = v.scope.value
    sources = {j.summary_source} if j.summary_source else set()
    sources |= {v.source for v in j.current_law.verdicts.values() if v.source}
    sources |= {f.source for f in j.facts}
    return {
        "id": j.id,
        "name": j.name,
        "kind": j.kind,
        "postal": j.postal,
        "summary": j.summary,
        "current_law": {
            "score": _score(dict(j.current_law.verdicts), kb),
            "reforms": [
                {
                    "number": r.number,
                    "title": r.title,
                    "year": r.year,
                    "act": r.act,
                    "citation": r.citation,
                    "effect": r.effect.value,
                    "text_url": r.text_url,
                    "source": r.source,
                }
                for r in j.current_law.reforms
            ],
            "verdicts": verdicts,
        },
        "bills": [_bill(b, kb) for b in j.bills],
        "facts": [
            {
                "topic": f.topic.value,
                "text": f.text,
                "quote": f.quote,
                "source": f.source,
                "verified_on": f.verified_on.isoformat(),
                "confidence": f.confidence.value,
            }
            for f in j.facts
        ],
        "sources": sorted(sources),
    }


def export_document(kb: KnowledgeBase) -> dict[str, Any]:
    """The whole knowledge base as plain JSON-ready data."""
    return {
        "format_version": FORMAT_VERSION,
        "knowledge_version": kb.version,
        "rubric": {
            "name": kb.rubric.name,
            "scorer": kb.rubric.scorer,
            "criteria": [
                {"id": c.id, "group": c.group, "label": c.label, "standard": c.standard, "source": c.source.url}
                for c in kb.rubric.criteria
            ],
        },
        "note": (
            "current_law is the law in force; bills are not law unless is_law is true. State law reaches "
            "state-law claims only: federal 42 U.S.C. § 1983 suits keep qualified immunity in every state."
        ),
        "jurisdictions": [jurisdiction_document(j, kb) for j in kb.sorted_jurisdictions],
    }


def export_json(kb: KnowledgeBase) -> str:
    """The export as indented JSON text."""
    return json.dumps(export_document(kb), ensure_ascii=False, indent=2) + "\n"


__all__ = ["export_document", "export_json", "jurisdiction_document"]
