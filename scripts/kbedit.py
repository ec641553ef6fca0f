"""Small helpers for scripted knowledge-base edits (load and dump in the migration's style)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from migrate_law_and_bills import Dumper

ROOT = Path(__file__).resolve().parents[1] / "knowledge" / "jurisdictions"


def load(jid: str) -> dict:
    return yaml.safe_load((ROOT / f"{jid}.yaml").read_text(encoding="utf-8"))


def dump(jid: str, data: dict) -> None:
    path = ROOT / f"{jid}.yaml"
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
                     if line.startswith("#"))
    body = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(normalize(header + body), encoding="utf-8")


def normalize(text: str) -> str:
    """Re-emit YAML in the editor's own layout, so a later /kb edit changes only the lines it edits."""
    import io

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bot.kb.editor import _yaml

    rt = _yaml()
    out = io.StringIO()
    rt.dump(rt.load(text), out)
    return out.getvalue()
