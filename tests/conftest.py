"""Shared fixtures: the real knowledge base, loaded once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb.loader import DEFAULT_ROOT, load_knowledge
from bot.kb.snapshot import KnowledgeBase
from bot.replies.responder import Responder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(DEFAULT_ROOT)


@pytest.fixture(scope="session")
def responder(kb: KnowledgeBase) -> Responder:
    return Responder(lambda: kb)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, target)
    return target
