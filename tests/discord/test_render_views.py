"""Discord rendering without a network: embeds and views within every limit, no pings, stateless buttons."""

from __future__ import annotations

import discord
import pytest

from bot import limits
from bot.discord.app import QiBot
from bot.discord.views import PageButton, ReportButton, reply_view
from bot.kb.live import LiveKnowledge
from bot.kb.loader import DEFAULT_ROOT
from bot.kb.snapshot import KnowledgeBase
from bot.render.discord_embeds import page_embed
from bot.replies import build
from bot.replies.responder import templates_for
from bot.settings import make_settings

EN = templates_for("en")


def _all_replies(kb: KnowledgeBase):
    for jid in kb.jurisdictions:
        yield build.state_reply(kb, jid, EN)
    for cid in kb.criteria:
        yield build.criterion_reply(kb, cid, EN)
    for term in kb.glossary:
        yield build.explain_reply(kb, term, EN)
    yield build.compare_reply(kb, ["co", "nm", "ct"], EN)
    yield build.about_reply(kb, EN)


async def test_every_page_embed_and_view_is_within_discord_limits(kb: KnowledgeBase) -> None:
    for reply in _all_replies(kb):
        for index in range(len(reply.pages)):
            embed = page_embed(reply, index)
            assert len(embed) <= limits.EMBED_TOTAL
            assert len(embed.fields) <= limits.EMBED_FIELDS
            view = reply_view(reply, index, "en-US")
            if view is None:
                continue
            assert view.is_finished(), "views are stopped so discord.py keeps no per-message state"
            components = view.to_components()
            assert len(components) <= limits.ROWS_PER_MESSAGE
            for row in components:
                assert len(row["components"]) <= limits.BUTTONS_PER_ROW
                for button in row["components"]:
                    assert len(button.get("label", "")) <= limits.BUTTON_LABEL
                    assert len(button.get("custom_id", "")) <= 100
                    assert ("url" in button) != ("custom_id" in button)


def test_state_reply_has_report_and_source_buttons(kb: KnowledgeBase) -> None:
    reply = build.state_reply(kb, "ct", EN)
    view = reply_view(reply, 0, "en-US")
    buttons = [b for row in view.to_components() for b in row["components"]]
    assert any(b.get("custom_id") == "qibot:report:ct" for b in buttons)
    urls = [b["url"] for b in buttons if "url" in b]
    assert urls
    assert all(u.startswith("http") for u in urls)


def test_pager_custom_ids_round_trip(kb: KnowledgeBase) -> None:
    reply = build.criterion_reply(kb, "attorney-fees", EN)
    assert len(reply.pages) > 1, "the 52-jurisdiction view pages"
    view = reply_view(reply, 0, "es-419")
    ids = [b["custom_id"] for row in view.to_components() for b in row["components"] if "custom_id" in b]
    assert ids[:2] == ["qibot:pg:criterion:attorney-fees:0:es-419:p", "qibot:pg:criterion:attorney-fees:1:es-419:n"]
    for custom_id in ids[:2]:
        assert PageButton.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert ReportButton.__discord_ui_compiled_template__.fullmatch("qibot:report:nyc")


def test_no_reply_can_ping(kb: KnowledgeBase) -> None:
    """Embeds never ping, and the bot-wide default is AllowedMentions.none()."""
    bot = QiBot(make_settings({"discord_token": "x"}), LiveKnowledge(DEFAULT_ROOT, kb), None)
    mentions = bot.allowed_mentions
    assert mentions.everyone is False
    assert mentions.users is False
    assert mentions.roles is False


@pytest.mark.asyncio
async def test_command_payload_snapshot(kb: KnowledgeBase) -> None:
    """Names, option types and description lengths as they will be synced."""
    bot = QiBot(make_settings({"discord_token": "x"}), LiveKnowledge(DEFAULT_ROOT, kb), None)
    for extension in ("bot.discord.cogs.lookup", "bot.discord.cogs.about"):
        await bot.load_extension(extension)
    payload = {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    assert set(payload) >= {"state", "criterion", "compare", "explain", "about"}
    for command in payload.values():
        assert 1 <= len(command["name"]) <= 32
        assert 1 <= len(command["description"]) <= 100
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100
    state = {o["name"]: o for o in payload["state"]["options"]}
    assert state["jurisdiction"]["type"] == discord.AppCommandOptionType.string.value
    assert state["jurisdiction"]["required"] is True
    assert state["jurisdiction"]["autocomplete"] is True
    assert state["public"]["type"] == discord.AppCommandOptionType.boolean.value
    assert state["public"].get("required", False) is False
    compare = [o["name"] for o in payload["compare"]["options"]]
    assert compare == ["first", "second", "third", "public"]
    await bot.http.close()  # never logged in: nothing else to close


async def test_buttons_follow_the_reply_language(kb: KnowledgeBase) -> None:
    reply = build.criterion_reply(kb, "attorney-fees", templates_for("es-ES"))
    labels = [b.get("label") for row in reply_view(reply, 0, "es-ES").to_components() for b in row["components"]]
    assert labels[:2] == ["◀ Anterior", "Siguiente ▶"]
    state = build.state_reply(kb, "ct", templates_for("es-419"))
    labels = [b.get("label") for row in reply_view(state, 0, "es-419").to_components() for b in row["components"]]
    assert "Informar de un problema" in labels
