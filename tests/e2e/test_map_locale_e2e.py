"""The real bot against the local fake Discord: Spanish command localisations in the synced payload,
Spanish replies for Spanish members, /map with a PNG attachment, alt text and a text summary, and the
moderator-only /settings language with its per-server default."""

from __future__ import annotations

import pytest

from tests.e2e.harness import MOD_ROLE, OTHER_ROLE, BotProcess, embed_of
from tests.fakediscord import FakeDiscord, InteractionHandle

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64
SPANISH = ("es-ES", "es-419")
PNG = b"\x89PNG\r\n\x1a\n"
MAPPER = 222_000_000_000_000_001  # its own member, so the public-reply rate limit of earlier tests does not apply


async def test_synced_commands_carry_spanish_localisations(fake: FakeDiscord, bot: BotProcess) -> None:
    commands = await fake.wait_synced()
    assert {"state", "map", "settings"} <= {c["name"] for c in commands}
    for command in commands:
        for locale in SPANISH:
            assert command["name_localizations"][locale], command["name"]
            assert command["description_localizations"][locale], command["name"]
        for option in command.get("options", []):
            for locale in SPANISH:
                name = option["name_localizations"][locale]
                assert name == name.lower() and " " not in name and 1 <= len(name) <= 32
                assert 1 <= len(option["description_localizations"][locale]) <= 100
    state = fake.find_command("state")
    assert state["name_localizations"] == {"es-ES": "estado", "es-419": "estado"}
    map_command = fake.find_command("map")
    assert map_command["name_localizations"]["es-419"] == "mapa"
    assert {o["name"] for o in map_command["options"]} == {"layer", "criterion", "public"}
    layer = next(o for o in map_command["options"] if o["name"] == "layer")
    assert {c["value"] for c in layer["choices"]} == {"current-law", "legislation"}
    assert all(c["name_localizations"]["es-419"] for c in layer["choices"])


async def test_state_in_spanish_for_a_spanish_member(fake: FakeDiscord, bot: BotProcess) -> None:
    for locale in SPANISH:
        callback = await (await fake.inject_command("state", {"jurisdiction": "CT"}, locale=locale)).wait_response()
        assert callback.type == 4
        embed = embed_of(callback.data)
        assert embed["title"] == "Connecticut: inmunidad calificada"
        assert "**La ley vigente obtiene** Eliminar 2/4 · Iniciar " in embed["description"]
        assert "**Ley vigente:** Public Act 20-1" in embed["description"]
        names = [f["name"] for f in embed["fields"]]
        assert names[0] == "Ley vigente, criterio por criterio"
        assert "No, **Inmunidad calificada policial**" in embed["fields"][0]["value"]
        assert "Verificado" in embed["footer"]["text"]
    english = await (await fake.inject_command("state", {"jurisdiction": "CT"})).wait_response()
    assert embed_of(english.data)["title"] == "Connecticut: qualified immunity"


async def _map_message(fake: FakeDiscord, handle: InteractionHandle) -> tuple[dict, list, list]:
    """(message data, attachments as sent with their descriptions, uploaded files), deferred or not."""
    callback = await handle.wait_response()
    assert callback.type in (4, 5)
    assert handle.latency is not None and handle.latency < 3.0
    if callback.type == 4:
        return callback.data, callback.data.get("attachments", []), callback.files
    followup = await handle.wait_followup()
    request = fake.requests_to("POST", f"/webhooks/*/{handle.token}")[-1]
    return followup, (request.json or {}).get("attachments", []), request.files


async def test_map_sends_a_png_with_alt_text_and_a_summary(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("map", {}, user=MAPPER)
    message, attachments, files = await _map_message(fake, handle)
    assert files and files[0].data.startswith(PNG)
    assert files[0].filename.endswith(".png")
    assert attachments and attachments[0]["description"].startswith("Tile map of the 50 states")
    assert not (message.get("flags", 0) & EPHEMERAL), "maps are public by default"
    content = message["content"]
    assert "Qualified immunity map: current law" in content and "not bills" in content
    assert "WV" in content and "CT" in content and "Not yet verified" in content
    assert "current law" in attachments[0]["description"]
    assert message.get("allowed_mentions", {"parse": []}) == {"parse": []}
    await bot.wait_line("command=map")

    again = await (await fake.inject_command("map", {}, user=MAPPER)).wait_response()
    assert again.type == 4, "a cached map is answered at once"
    assert again.files and again.data["attachments"][0]["description"]


async def test_map_by_criterion_in_english_and_spanish(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("map", {"criterion": "attorney-fees"}, user=MAPPER + 1)
    message, attachments, files = await _map_message(fake, handle)
    assert files and files[0].data.startswith(PNG)
    assert "Starts attorney fees" in attachments[0]["description"]
    content = message["content"]
    assert "Starts attorney fees" in content
    for word in ("Yes (", "Partial (", "No (", "Not yet verified ("):
        assert word in content

    spanish = await fake.inject_command("map", {"criterion": "fees", "public": False}, locale="es-419")
    message, attachments, files = await _map_message(fake, spanish)
    assert files
    assert message.get("flags", 0) & EPHEMERAL
    assert attachments[0]["description"].startswith("Mapa en mosaico")
    for word in ("Sí (", "Parcial (", "No (", "Aún sin verificar (", "Empieza a cubrir los honorarios de abogados"):
        assert word in message["content"]


async def test_map_legislation_layer_keeps_failed_bills_apart(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("map", {"layer": "legislation"}, user=MAPPER + 2)
    message, attachments, files = await _map_message(fake, handle)
    assert files and files[0].data.startswith(PNG)
    assert files[0].filename == "qi-map-legislation.png"
    assert "legislation" in attachments[0]["description"]
    content = message["content"]
    failed = next(line for line in content.splitlines() if line.startswith("Bills failed ("))
    assert "WV" in failed, "West Virginia's HB 3027 failed: it is a failed bill, not a law"
    enacted = next(line for line in content.splitlines() if line.startswith("QI law enacted"))
    assert "WV" not in enacted and "CO" in enacted and "NM" in enacted


async def test_settings_language_is_for_moderators_only(fake: FakeDiscord, bot: BotProcess) -> None:
    denied = await (
        await fake.inject_command("settings language", {"language": "es"}, roles=[OTHER_ROLE])
    ).wait_response()
    assert denied.data["flags"] & EPHEMERAL
    assert "permission" in denied.data["content"]
    line = await bot.wait_line("command=settings language")
    assert "outcome=denied" in line


async def test_server_default_applies_to_members_without_templates(fake: FakeDiscord, bot: BotProcess) -> None:
    before = await (await fake.inject_command("state", {"jurisdiction": "CT"}, locale="fr")).wait_response()
    assert embed_of(before.data)["title"] == "Connecticut: qualified immunity"

    ok = await (await fake.inject_command("settings language", {"language": "es"}, roles=[MOD_ROLE])).wait_response()
    if ok.type == 5:
        pytest.fail("a one-row settings write should not need to defer")
    assert ok.data["flags"] & EPHEMERAL
    assert "Español" in ok.data["content"]

    french = await (await fake.inject_command("state", {"jurisdiction": "CT"}, locale="fr")).wait_response()
    assert embed_of(french.data)["title"] == "Connecticut: inmunidad calificada"
    english = await (await fake.inject_command("state", {"jurisdiction": "CT"}, locale="en-US")).wait_response()
    assert embed_of(english.data)["title"] == "Connecticut: qualified immunity", "English members keep English"
