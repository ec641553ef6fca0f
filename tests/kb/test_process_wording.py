"""The validator keeps research-process wording out of text members read, and leaves legal language alone."""

from __future__ import annotations

import pytest

from bot.kb.checks import PROCESS_WORDING

RESEARCH_NOTES = [
    "endqi's item was cut off in the stored copy.",
    "The stored status page shows it referred to Senate Judiciary.",
    "We could not confirm whether the law applies to sheriffs.",
    "We found no Hawaii law that makes an officer pay.",
    "Its outcome was not found.",
    "Final outcome not found.",
    "Its outcome was not read.",
    "Their outcome was not confirmed.",
    "no civil liability for failing to intervene was found.",
    "no other D.C. law making police disciplinary records public was found.",
    "but no law was confirmed that assures full payment",
    "(year not shown on the page read)",
    "Its number and year were not shown in the excerpt read.",
    "It did not address qualified immunity in the reports read.",
    "$250,000 per person in the versions read",
    "RSMo 590.502 (officers' bill of rights; not read)",
    "chapter number not seen",
    "2021 law (bill number not confirmed)",
    "20 V.S.A. § 2370, per a statute mirror; not confirmed on the official host",
    "(AI-written summary; final outcome not confirmed)",
    "Only introduction and referral were shown.",
]
LEGAL_LANGUAGE = [
    "No Alabama law makes an officer found liable pay part of a judgment.",
    "tort claims failed where no clearly established right of which a reasonable person would have known was shown.",
    "Nebraska's civil rights statute has been read not to apply to government actors.",
    "endqi.org found the law does not ensure officers are held individually accountable.",
    "violations of due process, privacy, and search and seizure.",
    "Its outcome is not yet verified.",
    "No law making officers civilly liable for failing to intervene has been identified.",
    "Not yet verified: the sources checked so far do not settle this.",
]


@pytest.mark.parametrize("text", RESEARCH_NOTES)
def test_research_wording_is_caught(text: str) -> None:
    assert PROCESS_WORDING.search(text), text


@pytest.mark.parametrize("text", LEGAL_LANGUAGE)
def test_legal_language_passes(text: str) -> None:
    assert PROCESS_WORDING.search(text) is None, PROCESS_WORDING.search(text)
