"""Transformers that normalise what members type into knowledge-base ids, with autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import limits
from bot.discord.errors import LookupMiss

if TYPE_CHECKING:
    from bot.discord.app import QiBot


class KBTransformer(app_commands.Transformer):
    """Turns "conn", "Connecticut" or "conneticut" into "ct"; misses raise LookupMiss with suggestions."""

    what = "jurisdiction"

    def _index(self, interaction: discord.Interaction[QiBot]):
        bot: QiBot = interaction.client
        return bot.responder.kb.index(self.what)

    async def transform(self, interaction: discord.Interaction[QiBot], value: str) -> str:
        found = self._index(interaction).resolve(value)
        if found.id is None:
            raise LookupMiss(value, self.what, found.suggestions)
        return found.id

    async def autocomplete(self, interaction: discord.Interaction[QiBot], value: str) -> list[app_commands.Choice[str]]:
        entries = self._index(interaction).complete(value, limits.AUTOCOMPLETE_CHOICES)
        return [app_commands.Choice(name=_choice_name(e.display, e.id, self.what), value=e.id) for e in entries]


def _choice_name(display: str, eid: str, what: str) -> str:
    name = f"{display} ({eid.upper()})" if what == "jurisdiction" else display
    return name[: limits.CHOICE_NAME]


class JurisdictionTransformer(KBTransformer):
    what = "jurisdiction"


class CriterionTransformer(KBTransformer):
    what = "criterion"


class TermTransformer(KBTransformer):
    what = "term"


Jurisdiction = app_commands.Transform[str, JurisdictionTransformer]
Criterion = app_commands.Transform[str, CriterionTransformer]
Term = app_commands.Transform[str, TermTransformer]
