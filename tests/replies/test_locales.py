"""Spanish: every English template key and every command string has Spanish; Spanish replies fit Discord's
limits; statute quotes stay in their original English and are marked; translated knowledge is used."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot import limits
from bot.discord.app import EXTENSIONS, QiBot
from bot.discord.locale import reply_locale
from bot.discord.translator import NAME, QiTranslator, load_catalogue
from bot.kb.live import LiveKnowledge
from bot.kb.loader import DEFAULT_ROOT
from bot.kb.snapshot import KnowledgeBase
from bot.render.tilemap import render_map
from bot.replies import build
from bot.replies.fit import clip
from bot.replies.maptext import map_text
from bot.replies.responder import templates_for
from bot.replies.templates import Templates
from bot.settings import make_settings
from tests.replies.test_replies_fit_limits import assert_fits

ES = templates_for("es-ES")
EN = templates_for("en")
SPANISH_LOCALES = ("es-ES", "es-419")
QUOTE_MARK = "(cita original en inglés)"
VERDICT_WORDS = {"yes": "Sí", "partial": "Parcial", "no": "No", "unknown": "Aún sin verificar"}


# ------------------------------------------------------------------ completeness


def test_spanish_defines_every_english_template_key() -> None:
    english, spanish = Templates.load("en"), Templates.load("es")
    assert spanish.locale == "es"
    missing = sorted(english.keys() - spanish.keys())
    assert not missing, f"responses/es.yaml lacks: {missing}"
    assert not sorted(spanish.keys() - english.keys()), "es.yaml has keys English does not"


def test_both_spanish_locales_load_spanish_templates() -> None:
    for locale in SPANISH_LOCALES:
        assert templates_for(locale).locale == "es"
        assert templates_for(locale).render("words.verdict.yes") == "Sí"


def test_verdict_words_are_spelled_out() -> None:
    for key, word in VERDICT_WORDS.items():
        assert ES.render(f"words.verdict.{key}") == word


async def _loaded_bot(kb: KnowledgeBase):
    bot = QiBot(make_settings({"discord_token": "x"}), LiveKnowledge(DEFAULT_ROOT, kb), None)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    await bot.tree.set_translator(QiTranslator())
    return bot


def _walk(command) -> list:
    """A command or group and everything under it."""
    found = [command]
    for child in getattr(command, "commands", []):
        found.extend(_walk(child))
    return found


@pytest.mark.asyncio
async def test_every_command_string_has_spanish(kb: KnowledgeBase) -> None:
    """Names, descriptions, options and choices of every command (groups and subcommands included)."""
    bot = await _loaded_bot(kb)
    translator = bot.tree.translator
    assert isinstance(translator, QiTranslator)
    place = app_commands.TranslationContextLocation
    missing: list[str] = []
    checked = 0
    try:
        assert {c.name for c in bot.tree.get_commands()} >= {"state", "map", "settings", "kb"}
        for top in bot.tree.get_commands():
            for command in _walk(top):
                is_group = isinstance(command, app_commands.Group)
                strings = [
                    (place.group_name if is_group else place.command_name, command.name),
                    (place.group_description if is_group else place.command_description, command.description),
                ]
                for parameter in getattr(command, "parameters", []):
                    strings += [
                        (place.parameter_name, parameter.name),
                        (place.parameter_description, parameter.description),
                    ]
                    strings += [(place.choice_name, choice.name) for choice in parameter.choices]
                for where, english in strings:
                    for locale in SPANISH_LOCALES:
                        context = app_commands.TranslationContext(where, command)
                        spanish = await translator.translate(
                            app_commands.locale_str(english), discord.Locale(locale), context
                        )
                        checked += 1
                        if not spanish:
                            missing.append(f"{locale} {where.name}: {english!r}")
                        elif where in (place.command_name, place.group_name, place.parameter_name):
                            assert NAME.fullmatch(spanish) and spanish == spanish.lower(), spanish
                        else:
                            assert 1 <= len(spanish) <= 100, spanish
        assert not missing, "no Spanish in responses/commands.es.yaml for:\n" + "\n".join(missing)
        assert checked > 100

        # The payload discord.py syncs carries the localisations for both Spanish locales.
        for top in bot.tree.get_commands():
            payload = await top.get_translated_payload(bot.tree, translator)
            for locale in SPANISH_LOCALES:
                assert payload["name_localizations"][locale]
                assert payload["description_localizations"][locale]
            for option in payload.get("options", []):
                for locale in SPANISH_LOCALES:
                    assert option["name_localizations"][locale], (top.name, option["name"])
                    assert option["description_localizations"][locale], (top.name, option["name"])
    finally:
        await bot.http.close()  # never logged in: nothing else to close


@pytest.mark.asyncio
async def test_other_locales_stay_english(kb: KnowledgeBase) -> None:
    translator = QiTranslator()
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, None)
    assert await translator.translate(app_commands.locale_str("state"), discord.Locale.french, context) is None
    assert await translator.translate(app_commands.locale_str("state"), discord.Locale.spain_spanish, context)


def test_catalogue_rejects_names_discord_would_refuse(tmp_path: Path) -> None:
    bad = tmp_path / "commands.es.yaml"
    bad.write_text("names:\n  state: Estado Civil\ndescriptions: {}\nchoices: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"names\.state"):
        load_catalogue(bad)
    assert load_catalogue()["names"]["state"] == "estado"


def test_every_criterion_and_glossary_entry_is_translated(kb: KnowledgeBase) -> None:
    for criterion in kb.rubric.criteria:
        es = criterion.i18n.get("es")
        assert es and es.label and es.short and es.standard, criterion.id
    for entry in kb.glossary.values():
        es = entry.i18n.get("es")
        assert es and es.term and es.text, entry.id


# ------------------------------------------------------------------ limits


def test_every_spanish_state_criterion_and_glossary_reply_fits(kb: KnowledgeBase) -> None:
    for jid in kb.jurisdictions:
        reply = build.state_reply(kb, jid, ES)
        assert_fits(reply)
        text = "\n".join(p.title + p.description + "".join(f.name + f.value for f in p.fields) for p in reply.pages)
        assert "{{" not in text and "{%" not in text
    for cid in kb.criteria:
        reply = build.criterion_reply(kb, cid, ES)
        assert_fits(reply)
        text = "\n".join(f.value for p in reply.pages for f in p.fields)
        for j in kb.jurisdictions.values():
            assert j.name in text, f"{j.name} missing from Spanish /criterion {cid}"
    for term in kb.glossary:
        assert_fits(build.explain_reply(kb, term, ES))
    assert_fits(build.about_reply(kb, ES))
    assert_fits(build.usage_reply(ES, ES.render("usage.unknown", command="x")))
    assert_fits(build.not_found_reply("Texs", "jurisdiction", (), ES))


def test_every_spanish_compare_fits(kb: KnowledgeBase) -> None:
    ids = sorted(kb.jurisdictions)
    for a, b in itertools.combinations(ids, 2):
        assert_fits(build.compare_reply(kb, [a, b], ES))
    longest = sorted(ids, key=lambda jid: -sum(len(v.reason) for v in kb.jurisdictions[jid].verdicts.values()))[:3]
    assert_fits(build.compare_reply(kb, longest, ES))


@pytest.mark.parametrize("locale", ["en", "es-ES", "es-419"])
def test_map_text_fits_and_spells_out_every_category(kb: KnowledgeBase, locale: str) -> None:
    t = templates_for(locale)
    for layer in ("current-law", "legislation", *(f"criterion:{c}" for c in kb.criteria)):
        _, data = render_map(kb, layer, t)
        text = map_text(kb, data, t)
        assert 0 < len(text.content) <= limits.MESSAGE_CONTENT
        assert 0 < len(text.alt_text) <= 1024
        for j in kb.jurisdictions.values():
            assert re.search(rf"\b{j.postal}\b", text.content), (layer, j.postal)
        if layer.startswith("criterion:"):
            for key in VERDICT_WORDS:
                assert t.render("map.not_verified" if key == "unknown" else f"words.verdict.{key}") in text.content
        if layer == "legislation":
            for key in ("passed", "pending", "failed", "nobill"):
                assert t.render(f"map.legislation.{key}") in text.content
    if locale.startswith("es"):
        _, data = render_map(kb, "criterion:attorney-fees", t)
        content = map_text(kb, data, t).content
        assert kb.criteria["attorney-fees"].i18n["es"].label in content
        assert "Sí (" in content and "Aún sin verificar (" in content
        assert "ley vigente" in content


# ------------------------------------------------------------------ quotes and translated knowledge


def test_statute_quotes_stay_english_and_are_marked(kb: KnowledgeBase) -> None:
    quoted = 0
    for jid, j in kb.jurisdictions.items():
        fields = [f for p in build.state_reply(kb, jid, ES).pages for f in p.fields]
        for criterion in kb.rubric.criteria:
            v = j.verdicts.get(criterion.id)
            if v is None or not v.quote:
                continue
            name = f"{VERDICT_WORDS[v.verdict.value]}: {criterion.i18n['es'].label}"
            field = next(f for f in fields if f.name.endswith(name))
            start = clip(v.quote, 80).removesuffix("…")
            assert start in field.value, (jid, criterion.id)
            assert QUOTE_MARK in field.value
            quoted += 1
    assert quoted > 20
    for entry in kb.glossary.values():
        body = build.explain_reply(kb, entry.id, ES).pages[0].description
        assert body.startswith(entry.i18n["es"].text)
        if entry.quote:
            assert entry.quote in body and QUOTE_MARK in body
    for criterion in kb.rubric.criteria:
        page = build.criterion_reply(kb, criterion.id, ES).pages[0]
        assert page.title == criterion.i18n["es"].label
        assert f"“{criterion.source.quote}” {QUOTE_MARK}" in page.description
        assert page.description.startswith(criterion.i18n["es"].standard)


def test_spanish_state_reply_uses_translated_labels_and_spelled_out_verdicts(kb: KnowledgeBase) -> None:
    reply = build.state_reply(kb, "ct", ES)
    page = reply.pages[0]
    assert page.title == "Connecticut: inmunidad calificada"
    assert "**La ley vigente obtiene**" in page.description
    assert page.fields[0].name == "Ley vigente, criterio por criterio"
    names = [f.name for p in reply.pages[1:] for f in p.fields]
    j = kb.jurisdictions["ct"]
    for criterion in kb.rubric.criteria:
        if criterion.id in j.verdicts:
            word = VERDICT_WORDS[j.verdicts[criterion.id].verdict.value]
            assert any(n.endswith(f" {word}: {criterion.i18n['es'].label}") for n in names), criterion.id
    english = build.state_reply(kb, "ct", EN)
    assert english.pages[0].fields[0].name == "Current law, criterion by criterion", "English is unchanged"
    assert any(f.name.endswith(kb.rubric.criteria[0].label) for p in english.pages[1:] for f in p.fields)


# ------------------------------------------------------------------ which language


def _interaction(locale: str, guild_id: int | None, defaults: dict[int, str | None]):
    client = SimpleNamespace(guild_locales=defaults)
    return SimpleNamespace(locale=discord.Locale(locale), guild_id=guild_id, client=client)


def test_reply_locale_prefers_the_member_then_the_server_default() -> None:
    defaults = {1: "es", 2: None}
    assert reply_locale(_interaction("es-ES", 1, defaults)) == "es-ES"
    assert reply_locale(_interaction("es-419", 2, defaults)) == "es-419"
    assert reply_locale(_interaction("fr", 1, defaults)) == "es", "no French templates: the server default"
    assert reply_locale(_interaction("fr", 2, defaults)) == "fr", "no default: English fallback via the member's"
    assert reply_locale(_interaction("fr", None, defaults)) == "fr"
    assert reply_locale(_interaction("en-US", 1, defaults)) == "en-US", "English members keep English"
    assert templates_for("fr").locale == "en"
