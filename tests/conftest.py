"""Shared fixtures: the real knowledge base, loaded once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb.loader import DEFAULT_ROOT, load_knowledge
from bot.kb.snapshot import KnowledgeBase
from bot.replies.responder import Responder

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` keep each module that shares a module-scoped fixture (an e2e bot, the
    hostile corpus's one validation run) in one worker, so the fixture is made once; other tests spread."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        if any(d.scope in ("module", "package") for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


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
