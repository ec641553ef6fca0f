"""Settings: environment over .env, a .env read as a shell would (python-dotenv), one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings, read_env_file


def test_env_file_comments_quotes_and_export(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('QIBOT_LOG_LEVEL=DEBUG # a comment\nexport QIBOT_DEV_GUILD_ID="123"\n# QIBOT_X=1\n\nBAD LINE\n')
    assert read_env_file(str(env)) == {"QIBOT_LOG_LEVEL": "DEBUG", "QIBOT_DEV_GUILD_ID": "123"}
    assert read_env_file(str(tmp_path / "missing")) == {}


def test_environment_wins_over_env_file_and_bad_values_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("QIBOT_LOG_LEVEL=ERROR\nQIBOT_DEV_GUILD_ID=5\n")
    monkeypatch.setenv("QIBOT_LOG_LEVEL", "debug")
    settings = load_settings(env_file=str(env))
    assert settings.log_level == "DEBUG" and settings.dev_guild_id == 5
    env.write_text("QIBOT_DEV_GUILD_ID=not-a-number\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=str(env))
    assert str(caught.value).startswith("bad setting QIBOT_DEV_GUILD_ID") and "\n" not in str(caught.value)
