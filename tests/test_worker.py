"""Work sent to the worker process comes back complete: only changed jurisdictions travel, the rest are
filled in from the live snapshot, and the edited jurisdiction's replies arrive built."""

from __future__ import annotations

from pathlib import Path

from bot import worker as offload
from bot.kb import editor
from bot.kb.loader import collect, load_knowledge
from bot.replies import build
from bot.replies.responder import Responder, templates_for

FEES = {"verdict": "partial", "points": 0.5, "reason": "Offload test.", "quote": "", "source": "https://endqi.org/state/ca"}


async def test_reload_in_the_worker_equals_a_local_load(kb_copy: Path) -> None:
    live = load_knowledge(kb_copy)
    (kb_copy / "jurisdictions" / "co.yaml").write_text(
        (kb_copy / "jurisdictions" / "co.yaml").read_text().replace("name: Colorado", "name: Colorado (test)")
    )
    kb, _ = await offload.reload(kb_copy, live)
    local, _ = collect(kb_copy)
    assert kb is not None and local is not None
    assert kb.version == local.version
    assert kb.jurisdictions == local.jurisdictions
    assert kb.jurisdictions["co"].name == "Colorado (test)"
    assert kb.jurisdictions["ct"] is live.jurisdictions["ct"], "an unchanged jurisdiction is the live object"
    stripped, _ = offload.collect_changes(kb_copy, dict(live.digests))
    assert stripped is not None
    assert [jid for jid, j in stripped.jurisdictions.items() if j is not None] == ["co"], "only the change travels"


async def test_planned_edit_comes_back_complete_with_its_replies(kb_copy: Path) -> None:
    live = load_knowledge(kb_copy)
    plan, replies = await offload.plan(editor.plan_edit, live, kb_copy, "ca", "attorney-fees", FEES, expected_sha=None)
    assert set(plan.kb.jurisdictions) == set(live.jurisdictions)
    assert plan.kb.jurisdictions["ca"].verdicts["attorney-fees"].reason == "Offload test."
    assert set(replies) == {("ca", "en"), ("ca", "es")}
    responder = Responder(lambda: plan.kb)
    responder.prime(plan.kb, replies)
    assert responder.state("ca") is replies[("ca", "en")], "the primed reply is served, not rebuilt"
    assert replies[("ca", "en")] == build.state_reply(plan.kb, "ca", templates_for("en"))
