"""Spanish names and descriptions for the slash commands, from ``responses/commands.es.yaml``.

discord.py asks the translator for every command, group, option and choice string when it builds the
payload it syncs; the answers become ``name_localizations`` / ``description_localizations`` for es-ES and
es-419. A string missing from the catalogue stays English (and tests/replies/test_locales.py fails).
"""

from __future__ import annotations

import re
from pathlib import Path

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.kb.yamlio import parse_yaml_file
from bot.replies.language import DEFAULT_ROOT

CATALOGUE = DEFAULT_ROOT / "commands.es.yaml"
SPANISH = (discord.Locale.spain_spanish, discord.Locale.latin_american_spanish)
# Discord's rule for command and option names (the letters include accented ones), lower case only.
NAME = re.compile(r"^[-_\w]{1,32}$")
SECTIONS = {
    Where.command_name: "names",
    Where.group_name: "names",
    Where.parameter_name: "names",
    Where.command_description: "descriptions",
    Where.group_description: "descriptions",
    Where.parameter_description: "descriptions",
    Where.choice_name: "choices",
}


def load_catalogue(path: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    """The catalogue's three sections, checked against Discord's limits; raises ValueError naming the entry."""
    data = parse_yaml_file(path).data or {}
    catalogue: dict[str, dict[str, str]] = {}
    for section in ("names", "descriptions", "choices"):
        entries = {str(k): str(v).strip() for k, v in (data.get(section) or {}).items()}
        for english, spanish in entries.items():
            if section == "names" and not (NAME.fullmatch(spanish) and spanish == spanish.lower()):
                raise ValueError(f"{path.name}: names.{english}: “{spanish}” is not a valid Discord name")
            if section != "names" and not 1 <= len(spanish) <= 100:
                raise ValueError(f"{path.name}: {section}.{english}: must be 1-100 characters")
        catalogue[section] = entries
    return catalogue


class QiTranslator(app_commands.Translator):
    """Translates command strings for Spanish locales (es-ES and es-419); other locales stay English."""

    def __init__(self, path: Path = CATALOGUE) -> None:
        self.catalogue = load_catalogue(path)

    def lookup(self, message: str, where: Where) -> str | None:
        """The Spanish for one English string in its place (name, description or choice), or None."""
        section = SECTIONS.get(where)
        return self.catalogue[section].get(message) if section else None

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        if locale not in SPANISH:
            return None
        return self.lookup(string.message, context.location)
