"""Idempotency keys for messages: the same logical post always carries the same nonce, and Discord (asked to
enforce it) returns the first message instead of creating a second when a POST is retried after a 5xx."""

from __future__ import annotations

import hashlib

NONCE_LENGTH = 25  # Discord's limit for a string nonce


def message_nonce(*parts: object) -> str:
    """A stable nonce of at most 25 characters for one logical message, e.g. ("run", schedule_id, run_at)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return digest[:NONCE_LENGTH]
