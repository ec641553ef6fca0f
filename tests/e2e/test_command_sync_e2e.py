"""Commands are synced only when their definition changed (the payload's hash is kept in the data dir)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.harness import ROLES, ROOT, TOKEN, bot_env, running_bot
from tests.fakediscord import FakeDiscord


async def test_a_restart_with_the_same_commands_does_not_sync_and_a_changed_definition_does(tmp_path: Path) -> None:
    responses = tmp_path / "responses"
    shutil.copytree(ROOT / "responses", responses)
    data = tmp_path / "data"
    async with FakeDiscord(token=TOKEN, roles=ROLES) as fake:
        env = bot_env(fake, data, QIBOT_RESPONSES_PATH=str(responses))
        async with running_bot(fake, env) as first:
            await fake.wait_synced(10)
            await first.wait_line("synced", 10)
        assert fake.sync_count == 1

        async with running_bot(fake, env) as second:
            await second.wait_line("commands unchanged", 10)
            handle = await fake.inject_command("state", {"jurisdiction": "ct"})
            await handle.wait_response(10)  # the commands Discord kept still work
        assert fake.sync_count == 1, "an unchanged definition was synced again"

        catalogue = responses / "commands.es.yaml"
        catalogue.write_text(catalogue.read_text().replace("state: estado", "state: estado-actual", 1))
        async with running_bot(fake, env):
            await fake.wait_synced(10, count=2)
        assert fake.sync_count == 2
        state = fake.find_command("state")
        assert state["name_localizations"]["es-ES"] == "estado-actual"
