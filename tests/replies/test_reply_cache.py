"""The reply cache is sized from the knowledge base and shared by the Discord locales of one language."""

from __future__ import annotations

import dataclasses

from bot.kb.snapshot import KnowledgeBase
from bot.replies.responder import Responder, languages, reply_cache_size


def test_cache_holds_every_reply_of_the_knowledge_base(kb: KnowledgeBase) -> None:
    assert set(languages()) == {"en", "es"}
    size = reply_cache_size(kb)
    assert size >= (len(kb.jurisdictions) + len(kb.criteria) + len(kb.glossary)) * 2
    bigger = dataclasses.replace(
        kb, jurisdictions={f"{jid}-{k}": j for k in range(10) for jid, j in kb.jurisdictions.items()}, version="x"
    )
    assert reply_cache_size(bigger) > size + 9 * len(kb.jurisdictions) * 2, "it grows with the jurisdictions"

    responder = Responder(lambda: kb)
    for jid in kb.jurisdictions:
        for locale in ("en-US", "es-ES"):
            responder.state(jid, locale)
    first = responder.state("ct", "en-US")
    assert responder.state("ct", "en-US") is first, "every state reply in both languages stays cached"
    assert responder.cache_size == size


def test_locales_of_one_language_share_replies(kb: KnowledgeBase) -> None:
    responder = Responder(lambda: kb)
    assert responder.state("ct", "es-ES") is responder.state("ct", "es-419")
    assert responder.state("ct", "en-GB") is responder.state("ct", "en-US") is responder.state("ct", "fr")
    assert responder.state("ct", "es-ES") is not responder.state("ct", "en-US")
