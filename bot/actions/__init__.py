"""Calls to action: rendering prompts, and scheduling their posts (no discord)."""
