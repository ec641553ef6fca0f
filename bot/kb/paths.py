"""Where the shipped knowledge base lives (a module of its own, so settings need not import the loader)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "knowledge"
