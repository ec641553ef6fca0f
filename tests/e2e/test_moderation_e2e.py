"""Moderators through the local fake Discord: role checks, the edit form, history, revert, reports,
reload, conflicts, and a database that is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.harness import MOD_ROLE, OTHER_ROLE, ROLES, ROOT, TOKEN, BotProcess, bot_env, embed_of, running_bot
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64
GENERAL, CHANGES = 222_000_000_000_000_001, 222_000_000_000_000_002


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    channels = [{"id": GENERAL, "name": "general"}, {"id": CHANGES, "name": "kb-changes"}]
    async with FakeDiscord(token=TOKEN, roles=ROLES, channels=channels, heartbeat_interval_ms=500) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake: FakeDiscord, data_dir: Path, knowledge: Path) -> AsyncIterator[BotProcess]:
    env = bot_env(fake, data_dir, QIBOT_KNOWLEDGE_PATH=str(knowledge), QIBOT_CHANGE_CHANNEL_ID=str(CHANGES))
    async with running_bot(fake, env) as process:
        yield process


async def _open_editor(fake: FakeDiscord, jurisdiction: str, criterion: str, **ctx):
    handle = await fake.inject_command("kb edit", {"jurisdiction": jurisdiction, "criterion": criterion}, **ctx)
    return await handle.wait_response()


def _inputs(modal) -> dict[str, dict]:
    return {row["components"][0]["custom_id"]: row["components"][0] for row in modal.data["components"]}


async def test_kb_group_is_hidden_by_default_and_guild_only(fake: FakeDiscord, bot: BotProcess) -> None:
    await fake.wait_synced(10)
    kb = fake.find_command("kb")
    assert int(kb["default_member_permissions"]) == 1 << 5  # manage_guild
    assert {o["name"] for o in kb["options"]} >= {
        "edit",
        "preview",
        "history",
        "revert",
        "reports",
        "close-report",
        "reload",
        "validate",
        "gaps",
    }
    assert kb.get("contexts") in (None, [0]) or kb.get("dm_permission") is False


@pytest.mark.parametrize("roles", [[], [OTHER_ROLE]], ids=["no-role", "wrong-role"])
async def test_edit_denied_without_the_moderator_role(fake: FakeDiscord, bot: BotProcess, roles: list[int]) -> None:
    callback = await _open_editor(fake, "CT", "fees", roles=roles)
    assert callback.type == 4
    assert callback.data["flags"] & EPHEMERAL
    assert "permission" in callback.data["content"]


async def test_edit_denied_in_dms(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("kb reload", {}, dm=True)
    callback = await handle.wait_response()
    assert callback.data["flags"] & EPHEMERAL
    assert "only works in a server" in callback.data["content"]


async def test_edit_flow_history_notice_and_revert(fake: FakeDiscord, bot: BotProcess, knowledge: Path) -> None:
    import yaml

    def fees_in_file() -> str:
        doc = yaml.safe_load((knowledge / "jurisdictions" / "ca.yaml").read_text())
        return str(doc["current_law"]["verdicts"]["attorney-fees"]["verdict"])

    start = fees_in_file()
    word = {"yes": "Yes", "no": "No", "unknown": "Not yet verified"}[start]
    modal = await _open_editor(fake, "California", "attorney-fees", roles=[MOD_ROLE])
    assert modal.type == 9
    inputs = _inputs(modal)
    values = [i.get("value") for i in inputs.values()]
    assert values[0] == start, "prefilled with the current verdict"
    ids = list(inputs)
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"],
        {
            ids[0]: "partial",
            ids[1]: "0.5",
            ids[2]: "Fees are discretionary under the Bane Act (test).",
            ids[3]: "",
            ids[4]: "https://endqi.org/state/ca",
        },
        roles=[MOD_ROLE],
    )
    text = await _answer_text(submit)
    assert f"Saved change #1: CA · Attorney fees: {word} → Partial" in text
    assert 'verdict: "partial"' in (knowledge / "jurisdictions" / "ca.yaml").read_text()

    state = await (await fake.inject_command("state", {"jurisdiction": "CA"})).wait_response()
    assert any("Partial, **Attorney fees**" in f["value"] for f in embed_of(state.data)["fields"])

    notice = await fake.wait_channel_message(CHANGES)
    assert notice["content"].startswith(f"CA · Attorney fees: {word} → Partial, by <@")
    assert "source <https://endqi.org/state/ca>" in notice["content"]
    posted = fake.requests_to("POST", f"/channels/{CHANGES}/messages")[-1].json
    assert posted["allowed_mentions"] == {"parse": []}

    history = await (await fake.inject_command("kb history", {"jurisdiction": "ca"}, roles=[MOD_ROLE])).wait_response()
    assert "#1" in history.data["content"]
    assert f"attorney-fees: {word} → Partial" in history.data["content"]

    text = await _answer_text(await fake.inject_command("kb revert", {"change": 1}, roles=[MOD_ROLE]))
    assert f"Saved change #2: CA · Attorney fees: Partial → {word}" in text
    assert fees_in_file() == start
    again = await _answer_text(await fake.inject_command("kb revert", {"change": 1}, roles=[MOD_ROLE]))
    assert "Conflict" in again


async def test_invalid_edit_says_what_is_wrong_and_saves_nothing(
    fake: FakeDiscord, bot: BotProcess, knowledge: Path
) -> None:
    before = (knowledge / "jurisdictions" / "tx.yaml").read_text()
    modal = await _open_editor(fake, "TX", "caps", roles=[MOD_ROLE])
    ids = list(_inputs(modal))
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"],
        {ids[0]: "maybe", ids[1]: "", ids[2]: "r", ids[3]: "", ids[4]: "not a url"},
        roles=[MOD_ROLE],
    )
    content = await _answer_text(submit)
    assert content.startswith("Not saved")
    assert "tx.yaml:" in content
    assert "current_law.verdicts.no-damages-caps.verdict" in content
    assert (knowledge / "jurisdictions" / "tx.yaml").read_text() == before


async def _answer_text(handle) -> str:
    """The private text answer of an interaction, whether it was answered at once or deferred first."""
    callback = await handle.wait_response()
    if callback.type == 5:
        return (await handle.wait_followup(10))["content"]
    return callback.data["content"]


async def test_two_moderators_editing_the_same_entry_at_once(fake: FakeDiscord, bot: BotProcess) -> None:
    """Both forms open on one entry: each has its own custom_id, one save wins, the other sees both versions."""
    first = await _open_editor(fake, "WY", "fees", roles=[MOD_ROLE], user=301)
    second = await _open_editor(fake, "WY", "fees", roles=[MOD_ROLE], user=302)
    assert first.data["custom_id"] != second.data["custom_id"], "two openings never share a form id"
    one, two = list(_inputs(first)), list(_inputs(second))
    submits = await asyncio.gather(
        fake.inject_modal_submit(
            first.data["custom_id"],
            {one[0]: "unknown", one[1]: "", one[2]: "First moderator's text.", one[3]: "", one[4]: "https://example.org/a"},
            roles=[MOD_ROLE],
            user=301,
        ),
        fake.inject_modal_submit(
            second.data["custom_id"],
            {two[0]: "unknown", two[1]: "", two[2]: "Second moderator's text.", two[3]: "", two[4]: "https://example.org/b"},
            roles=[MOD_ROLE],
            user=302,
        ),
    )
    texts = await asyncio.gather(*(_answer_text(h) for h in submits))
    assert sum(t.startswith("Saved change") for t in texts) == 1, texts
    conflict = next(t for t in texts if t.startswith("Conflict"))
    winner = "First" if texts[0].startswith("Saved") else "Second"
    loser = "Second" if winner == "First" else "First"
    assert "Nothing was saved" in conflict
    assert f"Your version: Not yet verified: “{loser} moderator's text.”" in conflict
    assert f"Saved now: Not yet verified: “{winner} moderator's text.”" in conflict
    assert all(h.errors == [] for h in submits)


async def test_a_form_submitted_after_losing_the_role_is_refused(
    fake: FakeDiscord, bot: BotProcess, knowledge: Path
) -> None:
    before = (knowledge / "jurisdictions" / "mt.yaml").read_text()
    modal = await _open_editor(fake, "MT", "fees", roles=[MOD_ROLE], user=303)
    ids = list(_inputs(modal))
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"],
        {ids[0]: "unknown", ids[1]: "", ids[2]: "Should not save.", ids[3]: "", ids[4]: "https://example.org/mt"},
        roles=[OTHER_ROLE],  # a moderator removed the role while the form was open
        user=303,
    )
    text = await _answer_text(submit)
    assert "permission" in text
    assert (knowledge / "jurisdictions" / "mt.yaml").read_text() == before


async def test_two_members_reporting_the_same_state_at_once(fake: FakeDiscord, bot: BotProcess) -> None:
    state = await fake.inject_command("state", {"jurisdiction": "ID"})
    await state.wait_response()
    forms = [await (await fake.inject_component(state.original, "qibot:report:id", user=u)).wait_response()
             for u in (401, 402)]
    assert forms[0].data["custom_id"] != forms[1].data["custom_id"]
    notes = [f["components"][0]["components"][0]["custom_id"] for f in (forms[0].data, forms[1].data)]
    submits = await asyncio.gather(*(
        fake.inject_modal_submit(form.data["custom_id"], {note: f"Report from member {u}."}, user=u)
        for form, note, u in zip(forms, notes, (401, 402), strict=True)
    ))
    for handle in submits:
        callback = await handle.wait_response()
        assert callback.type in (4, 5)
    queue = await _answer_text(await fake.inject_command("kb reports", {}, roles=[MOD_ROLE]))
    assert "Report from member 401." in queue and "Report from member 402." in queue


async def test_reload_keeps_old_data_on_a_bad_file(fake: FakeDiscord, bot: BotProcess, knowledge: Path) -> None:
    path = knowledge / "jurisdictions" / "vt.yaml"
    good = path.read_text()
    path.write_text(good.replace("kind: state", "kind: [state"))
    try:
        bad = await _deferred_text(await fake.inject_command("kb reload", {}, roles=[MOD_ROLE]))
        assert "Kept the old data live" in bad
        assert "vt.yaml:" in bad
        still = await (await fake.inject_command("state", {"jurisdiction": "VT"})).wait_response()
        assert embed_of(still.data)["title"].startswith("Vermont")
    finally:
        path.write_text(good.replace("S.254", "S. 254", 1))
    ok = await _deferred_text(await fake.inject_command("kb reload", {}, roles=[MOD_ROLE]))
    assert ok.startswith("Reloaded:")
    valid = await _deferred_text(await fake.inject_command("kb validate", {}, roles=[MOD_ROLE]))
    assert valid.startswith("Valid:")


async def _deferred_text(handle) -> str:
    """The private text of a command that defers first (validation runs in a worker thread)."""
    callback = await handle.wait_response()
    assert callback.type == 5, "moderator commands that read files defer at once"
    assert callback.data["flags"] & EPHEMERAL
    return (await handle.wait_followup(10))["content"]


async def test_reports_queue_resolve(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("state", {"jurisdiction": "NM"})
    await handle.wait_response()
    modal = await (await fake.inject_component(handle.original, "qibot:report:nm")).wait_response()
    note_id = modal.data["components"][0]["components"][0]["custom_id"]
    await (await fake.inject_modal_submit(modal.data["custom_id"], {note_id: "Cap figure outdated?"})).wait_response()
    queue = await (await fake.inject_command("kb reports", {}, roles=[MOD_ROLE])).wait_response()
    assert "New Mexico" in queue.data["content"]
    assert "Cap figure outdated?" in queue.data["content"]
    line = next(x for x in queue.data["content"].splitlines() if "Cap figure outdated?" in x)
    report_id = int(line.split()[0].lstrip("#"))
    closed = await (
        await fake.inject_command(
            "kb close-report", {"report": report_id, "action": "resolve", "note": "Checked: current."}, roles=[MOD_ROLE]
        )
    ).wait_response()
    assert closed.data["content"] == f"Report #{report_id} resolved."
    after = await (await fake.inject_command("kb reports", {}, roles=[MOD_ROLE])).wait_response()
    assert f"#{report_id} " not in after.data["content"], "a closed report leaves the queue"
    assert "Cap figure outdated?" not in after.data["content"]


async def test_gaps_lists_what_current_law_lacks(fake: FakeDiscord, bot: BotProcess) -> None:
    denied = await (await fake.inject_command("kb gaps", {}, roles=[OTHER_ROLE])).wait_response()
    assert "permission" in denied.data["content"]
    callback = await (await fake.inject_command("kb gaps", {}, roles=[MOD_ROLE])).wait_response()
    assert callback.data["flags"] & EPHEMERAL
    content = callback.data["content"]
    assert content.startswith("Current law known: ") and " of 468 cells" in content
    from bot.kb.coverage import coverage
    from bot.kb.loader import load_knowledge

    fewest = min(coverage(load_knowledge(ROOT / "knowledge")).rows, key=lambda r: (r.known, r.name))
    assert f"**{fewest.name}** {fewest.known}/9" in content, "the jurisdiction with the fewest known is listed first"


async def test_database_down_edits_fail_clearly_lookups_work(
    fake: FakeDiscord, bot: BotProcess, tmp_path: Path, knowledge: Path
) -> None:
    """A second bot process whose database is unreachable."""
    await bot.stop()
    env = bot_env(
        fake, tmp_path, QIBOT_KNOWLEDGE_PATH=str(knowledge), DATABASE_URL="postgresql://nobody@127.0.0.1:9/none"
    )
    down = await BotProcess.start(env)
    try:
        await down.wait_ready(30)
        state_handle = await fake.inject_command("state", {"jurisdiction": "CO"})
        state = await state_handle.wait_response()
        assert embed_of(state.data)["title"].startswith("Colorado")
        before = (knowledge / "jurisdictions" / "co.yaml").read_text()
        modal = await _open_editor(fake, "CO", "records", roles=[MOD_ROLE])
        ids = list(_inputs(modal))
        submit = await fake.inject_modal_submit(
            modal.data["custom_id"],
            {ids[0]: "unknown", ids[1]: "", ids[2]: "Test.", ids[3]: "", ids[4]: "https://example.org/co"},
            roles=[MOD_ROLE],
        )
        callback = await submit.wait_response(5)
        text = callback.data.get("content") or (await submit.wait_followup(10))["content"]
        assert "database is unavailable" in text
        assert (knowledge / "jurisdictions" / "co.yaml").read_text() == before

        report = await fake.inject_component(state_handle.original, "qibot:report:co")
        form = await report.wait_response()
        note_id = form.data["components"][0]["components"][0]["custom_id"]
        sent = await fake.inject_modal_submit(form.data["custom_id"], {note_id: "Check the cap."})
        answer = await sent.wait_response(5)
        text = answer.data.get("content") or (await sent.wait_followup(10))["content"]
        assert "database is unavailable" in text
        assert answer.data["flags"] & EPHEMERAL
        assert "Traceback" not in down.output.split("store: database")[0]
    finally:
        await down.stop()

