"""Shared fixtures: the real knowledge base, loaded once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.kb.loader import DEFAULT_ROOT, load_knowledge
from bot.kb.snapshot import KnowledgeBase
from bot.replies.responder import Responder

ROOT = Path(__file__).resolve().parents[1]


# Modules whose tests share a module-scoped fixture that is costly to make twice (besides every e2e module,
# which shares one fake Discord and one bot process).
SHARED_MODULES = ("tests/kb/test_hostile_corpus.py",)


def shares_module_fixtures(path: str) -> bool:
    """True for a test module whose tests must run in one xdist worker, so its fixtures are made once."""
    return path.startswith("tests/e2e/") or path in SHARED_MODULES


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook; without xdist (`-p no:xdist`) it is never called
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n 2 --dist loadgroup`` (``dev.py test``): a module from ``shares_module_fixtures`` is one unit of
    work; every other test is scheduled on its own. (pytest-xdist's ``xdist_group`` mark has no effect
    under pytest 9, whose items no longer take a rewritten node id, so the groups are decided here.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if shares_module_fixtures(path) else super()._split_scope(nodeid)

    return ModuleGroups(config, log)


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
