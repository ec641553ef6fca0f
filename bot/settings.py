"""Configuration from the environment and an optional `.env` file, validated by pydantic.

(pydantic validates; python-dotenv reads .env. pydantic-settings was left out: it costs ~6 MiB of resident
memory per process for what a dozen lines do here.)"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from bot.kb.paths import DEFAULT_ROOT

IdList = list[int]
PREFIX = "QIBOT_"
ALIASES = {"discord_token": "DISCORD_TOKEN", "database_url": "DATABASE_URL"}


def default_data_dir() -> Path:
    """Where state lives when QIBOT_DATA_DIR is not set: the user's data folder, never the current one."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qibot"


class SettingsError(Exception):
    """A missing or bad setting, explained in one line."""


class Settings(BaseModel):
    """Everything the bot reads from its environment. Names are upper-case with a QIBOT_ prefix
    (QIBOT_DEV_GUILD_ID, ...), except DISCORD_TOKEN and DATABASE_URL."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    discord_token: SecretStr | None = None
    dev_guild_id: int | None = None
    moderator_role_ids: IdList = Field(default_factory=list)
    organizer_role_ids: IdList = Field(default_factory=list)
    log_level: str = "INFO"
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: IdList = Field(default_factory=list)
    knowledge_path: Path = DEFAULT_ROOT
    database_url: str | None = None
    data_dir: Path = Field(default_factory=lambda: default_data_dir())  # database, heartbeat, edit lock
    public_cooldown_rate: int = Field(default=3, ge=1)
    public_cooldown_seconds: float = Field(default=30.0, gt=0)
    defer_after_seconds: float = Field(default=1.5, gt=0, lt=3)
    change_channel_id: int | None = None
    heartbeat_seconds: float = Field(default=30.0, gt=0)  # how often the health heartbeat is written
    shutdown_seconds: float = Field(default=8.0, gt=0)  # SIGTERM: how long in-flight writes may finish
    git_commit: bool = False  # commit each Discord edit in the knowledge folder's git working copy
    git_branch: str | None = None  # refuse to commit unless the working copy is on this branch
    git_remote: str | None = None  # push the branch here after each commit (retried; never blocks an edit)
    git_backoff_scale: float = Field(default=1.0, gt=0)  # tests shorten the push retry backoff
    watch_seconds: float = Field(default=0.0, ge=0)  # poll knowledge/ for changed files; 0 = off
    scheduler_seconds: float = Field(default=15.0, ge=0)  # how often to look for due posts; 0 = off
    schedule_grace_minutes: float = Field(default=60.0, ge=0)  # a missed run later than this is skipped
    clock_offset_file: Path | None = None  # seconds to add to the clock (operators and tests)
    # Salt of the keyed hash that stands for a member in call-outcome counts. Unset: one is generated and kept
    # in the database's meta table (fine for most; set it to keep the salt out of a database backup).
    member_salt: SecretStr | None = Field(default=None, min_length=16)
    # Where discord.py connects; only tests and local fakes change these.
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    @field_validator("moderator_role_ids", "organizer_role_ids", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @model_validator(mode="after")
    def _shards_consistent(self) -> Settings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("QIBOT_SHARD_IDS needs QIBOT_SHARD_COUNT")
        if self.shard_count and any(s >= self.shard_count for s in self.shard_ids):
            raise ValueError("every QIBOT_SHARD_IDS entry must be below QIBOT_SHARD_COUNT")
        return self

    @property
    def member_salt_bytes(self) -> bytes | None:
        return self.member_salt.get_secret_value().encode() if self.member_salt else None

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL: DATABASE_URL, or an embedded SQLite file in the data directory."""
        if self.database_url:
            url = self.database_url
            for prefix, driver in (
                ("postgres://", "postgresql+asyncpg://"),
                ("postgresql://", "postgresql+asyncpg://"),
            ):
                if url.startswith(prefix):
                    return driver + url[len(prefix) :]
            return url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'qibot.db').resolve()}"


def read_env_file(path: str = ".env") -> dict[str, str]:
    """A .env file's values, read by python-dotenv (``KEY=DEBUG # comment`` is DEBUG; quotes, ``export``
    and escapes as a shell would have them). A missing file is no values."""
    from dotenv import dotenv_values

    if not os.path.isfile(path):
        return {}
    return {key: value for key, value in dotenv_values(path, encoding="utf-8").items() if value is not None}


def settings_from(environ: Mapping[str, str]) -> dict[str, str]:
    """The Settings fields found in an environment mapping."""
    found = {}
    for name in Settings.model_fields:
        for key in (ALIASES.get(name), PREFIX + name.upper()):
            if key and environ.get(key, "") != "":
                found[name] = environ[key]
                break
    return found


def load_settings(*, require_token: bool = False, env_file: str = ".env") -> Settings:
    """Read the settings (environment over .env), raising :class:`SettingsError` with one clear line."""
    try:
        settings = Settings(**(settings_from(read_env_file(env_file)) | settings_from(os.environ)))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        name = ALIASES.get(field) or (PREFIX + field.upper() if field else "settings")
        raise SettingsError(f"bad setting {name}: {first['msg'].removeprefix('Value error, ')}") from None
    if require_token and (settings.discord_token is None or not settings.discord_token.get_secret_value().strip()):
        raise SettingsError("DISCORD_TOKEN is not set; `qibot run` needs a bot token (or run `qibot` for the console)")
    return settings
