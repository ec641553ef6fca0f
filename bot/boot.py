"""Start-up helpers shared by the command line and the Discord entry point (no discord imports)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.kb.issues import KnowledgeBaseInvalid, Severity
from bot.kb.loader import load_knowledge
from bot.kb.snapshot import KnowledgeBase


def load_or_explain(root: Path) -> KnowledgeBase | None:
    """Load the knowledge base, or print why it is invalid (the bot refuses to start on it)."""
    try:
        return load_knowledge(root)
    except KnowledgeBaseInvalid as exc:
        errors = [i for i in exc.issues if i.severity is Severity.ERROR]
        print(
            f"qibot: the knowledge base at {root} is invalid ({len(errors)} error(s)); not starting.", file=sys.stderr
        )
        for issue in errors[:20]:
            print(f"  {issue}", file=sys.stderr)
        if len(errors) > 20:
            print(f"  … and {len(errors) - 20} more; run `qibot kb validate {root}`", file=sys.stderr)
        return None
