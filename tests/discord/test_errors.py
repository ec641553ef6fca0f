"""An interaction answered after Discord's deadline is recognised as expired (not retried, no traceback)."""

from __future__ import annotations

from types import SimpleNamespace

import discord
from discord import app_commands

from bot.discord.errors import expired


def _not_found(code: int) -> discord.NotFound:
    response = SimpleNamespace(status=404, reason="Not Found")
    return discord.NotFound(response, {"code": code, "message": "Unknown"})  # type: ignore[arg-type]


def test_an_unknown_interaction_is_expired() -> None:
    command = SimpleNamespace(name="state")
    error = app_commands.CommandInvokeError(command, _not_found(10062))  # type: ignore[arg-type]
    assert expired(error)
    assert expired(_not_found(10062))


def test_other_errors_are_not_expired() -> None:
    assert not expired(_not_found(10008))  # Unknown Message: a real problem, reported as before
    assert not expired(RuntimeError("boom"))
