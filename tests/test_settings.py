"""Settings: environment over .env, a .env read as a shell would (python-dotenv), one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings, make_settings, read_env_file


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


def test_environment_strings_become_typed_values(tmp_path: Path) -> None:
    settings = make_settings(
        {
            "discord_token": "secret-token",
            "moderator_role_ids": "1, 2 3",
            "shard_count": "4",
            "shard_ids": "0,3",
            "data_dir": str(tmp_path),
            "git_commit": "true",
            "defer_after_seconds": "2.5",
            "member_salt": "s" * 16,
        }
    )
    assert settings.moderator_role_ids == [1, 2, 3] and settings.shard_ids == [0, 3] and settings.shard_count == 4
    assert settings.data_dir == tmp_path and settings.git_commit is True and settings.defer_after_seconds == 2.5
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == "secret-token"
    assert "secret-token" not in repr(settings) and "s" * 16 not in repr(settings)  # never in a log line


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"log_level": "loud"}, "QIBOT_LOG_LEVEL: must be DEBUG, INFO"),
        ({"defer_after_seconds": "3"}, "QIBOT_DEFER_AFTER_SECONDS"),
        ({"public_cooldown_rate": "0"}, "QIBOT_PUBLIC_COOLDOWN_RATE"),
        ({"watch_seconds": "-1"}, "QIBOT_WATCH_SECONDS"),
        ({"git_commit": "maybe"}, "QIBOT_GIT_COMMIT"),
        ({"organizer_role_ids": "12, x"}, "QIBOT_ORGANIZER_ROLE_IDS"),
        ({"shard_ids": "1"}, "QIBOT_SHARD_IDS: QIBOT_SHARD_IDS needs QIBOT_SHARD_COUNT"),
        ({"shard_count": "2", "shard_ids": "2"}, "QIBOT_SHARD_IDS: every QIBOT_SHARD_IDS entry must be below"),
        ({"member_salt": "short"}, "QIBOT_MEMBER_SALT: must be at least 16 characters"),
        ({"discord_token": 5}, "DISCORD_TOKEN"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(values: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        make_settings(values)
    message = str(caught.value)
    assert message.startswith("bad setting ") and named in message and "\n" not in message, message
