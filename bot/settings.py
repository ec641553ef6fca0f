"""Configuration from the environment and an optional `.env` file, converted and checked by msgspec.

(python-dotenv reads .env; msgspec turns the strings into typed, bounded values. pydantic was used here until
the bot process stopped loading it: msgspec costs ~1 MiB and ~10 ms where pydantic cost ~5 MiB and ~130 ms
of every start.)"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

from bot.kb.paths import DEFAULT_ROOT

PREFIX = "QIBOT_"
ALIASES = {"discord_token": "DISCORD_TOKEN", "database_url": "DATABASE_URL"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
Positive = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]


def default_data_dir() -> Path:
    """Where state lives when QIBOT_DATA_DIR is not set: the user's data folder, never the current one."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qibot"


class SettingsError(Exception):
    """A missing or bad setting, explained in one line."""


class _Bad(ValueError):
    """A setting that breaks a rule of its own: the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


class Secret:
    """A value never shown in a repr, a log line or a traceback (the bot token, the member salt)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the bot reads from its environment. Names are upper-case with a QIBOT_ prefix
    (QIBOT_DEV_GUILD_ID, ...), except DISCORD_TOKEN and DATABASE_URL."""

    discord_token: Secret | None = None
    dev_guild_id: int | None = None
    moderator_role_ids: list[int] = msgspec.field(default_factory=list)
    organizer_role_ids: list[int] = msgspec.field(default_factory=list)
    log_level: str = "INFO"
    shard_count: Annotated[int, msgspec.Meta(ge=1)] | None = None
    shard_ids: list[int] = msgspec.field(default_factory=list)
    knowledge_path: Path = DEFAULT_ROOT
    database_url: str | None = None
    data_dir: Path = msgspec.field(default_factory=default_data_dir)  # database, heartbeat, edit lock
    public_cooldown_rate: Annotated[int, msgspec.Meta(ge=1)] = 3
    public_cooldown_seconds: Positive = 30.0
    defer_after_seconds: Annotated[float, msgspec.Meta(gt=0, lt=3)] = 1.5
    change_channel_id: int | None = None
    heartbeat_seconds: Positive = 30.0  # how often the health heartbeat is written
    shutdown_seconds: Positive = 8.0  # SIGTERM: how long in-flight writes may finish
    git_commit: bool = False  # commit each Discord edit in the knowledge folder's git working copy
    git_branch: str | None = None  # refuse to commit unless the working copy is on this branch
    git_remote: str | None = None  # push the branch here after each commit (retried; never blocks an edit)
    git_backoff_scale: Positive = 1.0  # tests shorten the push retry backoff
    watch_seconds: NonNegative = 0.0  # poll knowledge/ for changed files; 0 = off
    scheduler_seconds: NonNegative = 15.0  # how often to look for due posts; 0 = off
    schedule_grace_minutes: NonNegative = 60.0  # a missed run later than this is skipped
    clock_offset_file: Path | None = None  # seconds to add to the clock (operators and tests)
    # Salt of the keyed hash that stands for a member in call-outcome counts. Unset: one is generated and kept
    # in the database's meta table (fine for most; set it to keep the salt out of a database backup).
    member_salt: Secret | None = None
    # Where discord.py connects; only tests and local fakes change these.
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    @property
    def member_salt_bytes(self) -> bytes | None:
        return self.member_salt.get_secret_value().encode() if self.member_salt else None

    @property
    def store_url(self) -> str:
        """The database URL with its driver (asyncpg, aiosqlite): DATABASE_URL, or an embedded SQLite file in the
        data directory."""
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


FIELDS = Settings.__struct_fields__
_ID_LISTS = ("moderator_role_ids", "organizer_role_ids", "shard_ids")


def _decode(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not convert itself."""
    if kind is Secret and isinstance(value, str):
        return Secret(value)
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise ValueError(f"expected text, got {type(value).__name__}")  # msgspec reports it with the field


def _env_name(field: str) -> str:
    return ALIASES.get(field) or (PREFIX + field.upper() if field else "settings")


def _checked(settings: Settings) -> Settings:
    """The rules that span fields or need words of their own."""
    if settings.log_level not in LOG_LEVELS:
        raise _Bad("log_level", "must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if settings.member_salt is not None and len(settings.member_salt.get_secret_value()) < 16:
        raise _Bad("member_salt", "must be at least 16 characters")
    if settings.shard_ids and settings.shard_count is None:
        raise _Bad("shard_ids", "QIBOT_SHARD_IDS needs QIBOT_SHARD_COUNT")
    if settings.shard_count and any(s >= settings.shard_count for s in settings.shard_ids):
        raise _Bad("shard_ids", "every QIBOT_SHARD_IDS entry must be below QIBOT_SHARD_COUNT")
    return settings


def make_settings(values: Mapping[str, Any]) -> Settings:
    """Settings from field values (strings from the environment, or typed values), converted and checked;
    raises :class:`SettingsError` naming the variable."""
    prepared: dict[str, Any] = {}
    for name, value in values.items():
        if name in _ID_LISTS and isinstance(value, str):
            try:
                value = [int(part) for part in value.replace(",", " ").split()]
            except ValueError:
                raise SettingsError(f"bad setting {_env_name(name)}: give ids as numbers separated by commas") from None
        elif name in _ID_LISTS and isinstance(value, int):
            value = [value]
        elif name == "log_level" and isinstance(value, str):
            value = value.upper()
        prepared[name] = value
    try:
        return _checked(msgspec.convert(prepared, Settings, strict=False, dec_hook=_decode))
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at `$.")
        field = where.rstrip("`").split(".")[0].split("[")[0]
        raise SettingsError(f"bad setting {_env_name(field)}: {problem.replace('`', '')}") from None
    except _Bad as exc:
        raise SettingsError(f"bad setting {_env_name(exc.field)}: {exc.problem}") from None


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
    for name in FIELDS:
        for key in (ALIASES.get(name), PREFIX + name.upper()):
            if key and environ.get(key, "") != "":
                found[name] = environ[key]
                break
    return found


def load_settings(*, require_token: bool = False, env_file: str = ".env") -> Settings:
    """Read the settings (environment over .env), raising :class:`SettingsError` with one clear line."""
    settings = make_settings(settings_from(read_env_file(env_file)) | settings_from(os.environ))
    if require_token and (settings.discord_token is None or not settings.discord_token.get_secret_value().strip()):
        raise SettingsError("DISCORD_TOKEN is not set; `qibot run` needs a bot token (or run `qibot` for the console)")
    return settings
