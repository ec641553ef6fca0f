"""`qibot ask` from the on-disk answer cache: the same answer as a fresh load, invalidated by any change to
the knowledge files, rebuilt silently when damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.boot
from bot import cli, quickask
from bot.kb.loader import load_knowledge
from bot.render.text import render_text
from bot.replies.responder import Responder

LINES = ["/state CT", "/state conneticut", "/state new york city", "/criterion fees", "/explain 1983"]
LINES += ["/about", "/help", ""]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QIBOT_CACHE_DIR", str(folder))
    return folder


def ask(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, int]:
    code = cli.main(["ask", *argv])
    return capsys.readouterr().out, code


def fresh(root: Path, line: str, locale: str) -> tuple[str, int]:
    """What `qibot ask` printed and returned before the cache: a full load, then the answer."""
    kb = load_knowledge(root)
    reply = Responder(lambda: kb).ask(line, locale)
    return render_text(reply) + "\n", 2 if reply.kind in ("not_found", "usage") and reply.private else 0


def no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root: Path) -> None:
        raise AssertionError("the cached answer should not load the knowledge base")

    monkeypatch.setattr(bot.boot, "load_or_explain", refuse)


def test_a_cached_answer_is_the_fresh_answer(kb_copy: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    first, code = ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    assert code == 0 and "Connecticut" in first
    expected = {(line, loc): fresh(kb_copy, line, loc) for line in LINES for loc in ("en", "es-ES")}
    no_loading(monkeypatch)
    for (line, locale), answer in expected.items():
        assert ask(capsys, line, "--knowledge", str(kb_copy), "--locale", locale) == answer, (line, locale)


def test_what_the_cache_does_not_hold_takes_the_full_path(kb_copy: Path, capsys) -> None:
    ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    assert ask(capsys, "/state zzzz", "--knowledge", str(kb_copy)) == fresh(kb_copy, "/state zzzz", "en")
    assert ask(capsys, "/compare CO NM", "--knowledge", str(kb_copy)) == fresh(kb_copy, "/compare CO NM", "en")


def test_a_changed_knowledge_file_invalidates_the_cache(kb_copy: Path, capsys) -> None:
    before, _ = ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    ct = kb_copy / "jurisdictions" / "ct.yaml"
    ct.write_text(ct.read_text().replace("police accountability law", "police-accountability law", 1))
    after, _ = ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    assert after != before
    assert "police-accountability law" in after.replace("\n", " ")
    assert (after, 0) == fresh(kb_copy, "/state CT", "en")


def test_a_corrupt_cache_is_rebuilt(kb_copy: Path, cache: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    [file] = cache.glob("ask-*.pickle")
    for damage in (b"", b"not a pickle", file.read_bytes()[:1000]):
        file.write_bytes(damage)
        assert ask(capsys, "/state CT", "--knowledge", str(kb_copy)) == (expected, 0)
        assert quickask.lookup(kb_copy, "/state CT", "en") == (expected.removesuffix("\n"), 0), "rebuilt"


def test_a_cache_others_may_write_is_never_unpickled(kb_copy: Path, cache: Path, capsys) -> None:
    """A pickle runs code when loaded: a cache file (or folder) another user could write is ignored."""
    expected, _ = ask(capsys, "/state CT", "--knowledge", str(kb_copy))
    [file] = cache.glob("ask-*.pickle")
    assert quickask.lookup(kb_copy, "/state CT", "en") is not None
    file.chmod(0o666)
    assert quickask.lookup(kb_copy, "/state CT", "en") is None, "a group- or world-writable cache is not read"
    file.chmod(0o600)
    cache.chmod(0o777)
    assert quickask.lookup(kb_copy, "/state CT", "en") is None, "nor one in a folder others may write"
    cache.chmod(0o700)
    assert quickask.lookup(kb_copy, "/state CT", "en") is not None
    assert ask(capsys, "/state CT", "--knowledge", str(kb_copy)) == (expected, 0)
