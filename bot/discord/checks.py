"""Local role checks, applied on top of Discord's default permissions (server admins can change those)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.discord.app import QiBot


def member_has_configured_role(interaction: discord.Interaction[QiBot], kind: str) -> bool:
    """True when the member holds one of the configured moderator/organizer roles.

    Raises NoPrivateMessage in DMs and MissingAnyRole otherwise (the central handler explains both).
    """
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    settings = interaction.client.settings
    allowed = settings.moderator_role_ids if kind == "moderator" else settings.organizer_role_ids
    if kind == "organizer":
        allowed = [*allowed, *settings.moderator_role_ids]
    held = {role.id for role in interaction.user.roles}
    if not held.intersection(allowed):
        raise app_commands.MissingAnyRole(list(allowed))
    return True
