"""The bot starts from a validated snapshot on disk only when it holds exactly the knowledge files (and the code
that validated them); any change is validated again, and a damaged or foreign cache is never trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import bot.kb.loader
from bot import boot
from bot.kb.snapshot import KnowledgeBase


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    return folder / "kb-snapshot.pickle"


def no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root: Path | None = None) -> KnowledgeBase:
        raise AssertionError("a start from a current snapshot must not parse or validate the files")

    monkeypatch.setattr(bot.kb.loader, "load_knowledge", refuse)


def test_the_second_start_reads_the_snapshot_the_first_validated(
    kb_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = boot.load_or_explain(kb_copy, cache=cache)
    assert first is not None and cache.is_file()
    no_validation(monkeypatch)
    second = boot.load_or_explain(kb_copy, cache=cache)
    assert second is not None and second is not first
    assert second.version == first.version
    assert second.jurisdictions == first.jurisdictions and second.rubric == first.rubric
    assert second.jurisdiction_index.resolve("conneticut").id == "ct"


def test_a_changed_file_is_validated_again(kb_copy: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert boot.load_or_explain(kb_copy, cache=cache) is not None
    ct = kb_copy / "jurisdictions" / "ct.yaml"
    ct.write_text(ct.read_text().replace("name: Connecticut", "name: [not, a, name]", 1))
    assert boot.load_or_explain(kb_copy, cache=cache) is None  # the stored snapshot is not for these bytes
    assert "ct.yaml" in capsys.readouterr().err


def test_a_valid_change_replaces_the_snapshot(kb_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = boot.load_or_explain(kb_copy, cache=cache)
    ct = kb_copy / "jurisdictions" / "ct.yaml"
    ct.write_text(ct.read_text().replace("name: Connecticut", "name: Connecticut State", 1))
    after = boot.load_or_explain(kb_copy, cache=cache)
    assert before is not None and after is not None
    assert after.version != before.version and after.jurisdictions["ct"].name == "Connecticut State"
    no_validation(monkeypatch)
    again = boot.load_or_explain(kb_copy, cache=cache)
    assert again is not None and again.version == after.version


def test_a_change_to_the_validating_code_is_a_miss(
    kb_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = tmp_path / "kb-code"
    shutil.copytree(boot._KB_CODE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(boot, "_KB_CODE", code)
    key = boot.snapshot_key(kb_copy)
    (code / "checks.py").write_text((code / "checks.py").read_text() + "\n# a new rule\n")
    assert boot.snapshot_key(kb_copy) != key


@pytest.mark.parametrize("damage", [b"", b"not a pickle", None])
def test_a_damaged_snapshot_is_rebuilt(kb_copy: Path, cache: Path, damage: bytes | None) -> None:
    expected = boot.load_or_explain(kb_copy, cache=cache)
    assert expected is not None
    cache.write_bytes(cache.read_bytes()[:2000] if damage is None else damage)
    rebuilt = boot.load_or_explain(kb_copy, cache=cache)
    assert rebuilt is not None and rebuilt.version == expected.version
    assert len(cache.read_bytes()) > 2000  # written again


def test_a_snapshot_others_may_write_is_never_unpickled(
    kb_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert boot.load_or_explain(kb_copy, cache=cache) is not None
    loaded: list[Path] = []
    real = bot.kb.loader.load_knowledge
    monkeypatch.setattr(bot.kb.loader, "load_knowledge", lambda root=None: loaded.append(root) or real(root))
    for item, mode, safe in ((cache, 0o666, 0o600), (cache.parent, 0o777, 0o700)):
        item.chmod(mode)
        assert boot.load_or_explain(kb_copy, cache=cache) is not None
        item.chmod(safe)
    assert len(loaded) == 2  # validated from the files both times


def test_without_a_cache_nothing_is_written(kb_copy: Path, tmp_path: Path) -> None:
    assert boot.load_or_explain(kb_copy) is not None
    assert not list(tmp_path.rglob("*.pickle"))


START_PATH = """
import sys
from pathlib import Path
import bot.discord.main, bot.discord.app
from bot.discord.app import EXTENSIONS
import importlib
for extension in EXTENSIONS:
    importlib.import_module(extension)
from bot.boot import load_or_explain
from bot.replies.responder import Responder
from bot.settings import load_settings
load_settings()
kb = load_or_explain(Path(sys.argv[1]), cache=Path(sys.argv[2]), in_child=True)
Responder(lambda: kb).warm()
assert kb.jurisdiction_index.resolve("conneticut").id == "ct"
print(" ".join(sorted(m for m in ("pydantic", "pydantic_core", "bot.kb.loader", "bot.kb.checks") if m in sys.modules)))
"""


@pytest.mark.parametrize("stored", [True, False], ids=["snapshot", "first-start"])
def test_the_bot_process_never_loads_the_validator(kb_copy: Path, cache: Path, stored: bool) -> None:
    """pydantic and the loader cost the bot process ~15 MiB and ~0.3 s; it imports neither, from a current
    snapshot or on the first start after a change (a child validates; the worker validates edits; an
    organizer's own prompt loads pydantic in a thread)."""
    import subprocess
    import sys

    if stored:
        assert boot.load_or_explain(kb_copy, cache=cache) is not None
    run = subprocess.run(
        [sys.executable, "-c", START_PATH, str(kb_copy), str(cache)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == ""
    assert cache.is_file()


def test_a_child_validates_a_miss_and_says_what_is_wrong(
    kb_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    no_validation(monkeypatch)  # in this process: the child does it
    first = boot.load_or_explain(kb_copy, cache=cache, in_child=True)
    assert first is not None and first.jurisdictions["ct"].name == "Connecticut"
    ct = kb_copy / "jurisdictions" / "ct.yaml"
    ct.write_text(ct.read_text().replace("name: Connecticut", "name: [not, a, name]", 1))
    assert boot.load_or_explain(kb_copy, cache=cache, in_child=True) is None
    err = capfd.readouterr().err
    assert "is invalid" in err and "ct.yaml" in err
