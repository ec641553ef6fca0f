"""Configuration from the environment and an optional `.env` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.kb.loader import DEFAULT_ROOT

IdList = Annotated[list[int], NoDecode]


class SettingsError(Exception):
    """A missing or bad setting, explained in one line."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Names are upper-case with a QIBOT_ prefix."""

    model_config = SettingsConfigDict(env_prefix="QIBOT_", env_file=".env", extra="ignore")

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "QIBOT_DISCORD_TOKEN")
    )
    dev_guild_id: int | None = None
    moderator_role_ids: IdList = Field(default_factory=list)
    organizer_role_ids: IdList = Field(default_factory=list)
    log_level: str = "INFO"
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: IdList = Field(default_factory=list)
    knowledge_path: Path = DEFAULT_ROOT
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "QIBOT_DATABASE_URL"))
    data_dir: Path = Path(".")
    public_cooldown_rate: int = Field(default=3, ge=1)
    public_cooldown_seconds: float = Field(default=30.0, gt=0)
    defer_after_seconds: float = Field(default=1.5, gt=0, lt=3)
    change_channel_id: int | None = None
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


def load_settings(*, require_token: bool = False) -> Settings:
    """Read the settings, raising :class:`SettingsError` with one clear line on any problem."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = "QIBOT_" + "_".join(str(p) for p in first["loc"]).upper() if first["loc"] else "settings"
        raise SettingsError(f"bad setting {name}: {first['msg'].removeprefix('Value error, ')}") from None
    if require_token and (settings.discord_token is None or not settings.discord_token.get_secret_value().strip()):
        raise SettingsError("DISCORD_TOKEN is not set; `qibot run` needs a bot token (or run `qibot` for the console)")
    return settings
