"""Liveness for operators and container health checks: the bot writes a heartbeat file while it is
connected to the gateway, recording whether the database answered; ``qibot health`` reads it.

No discord imports: the check runs in a separate short-lived process (the container's HEALTHCHECK).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT_FILE = "heartbeat.json"


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str


def write_heartbeat(data_dir: Path, *, gateway: bool, database: bool, latency_ms: float | None) -> None:
    """Atomically record this moment's state (a crash never leaves a torn file)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    state = {
        "time": time.time(),
        "gateway": gateway,
        "database": database,
        "latency_ms": latency_ms,
        "pid": os.getpid(),
    }
    fd, tmp = tempfile.mkstemp(prefix=".heartbeat.", dir=data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(tmp, data_dir / HEARTBEAT_FILE)


def check_heartbeat(data_dir: Path, *, max_age: float, now: float | None = None) -> Health:
    """Healthy when a recent heartbeat saw the gateway connected and the database answering."""
    path = data_dir / HEARTBEAT_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        age = (now or time.time()) - float(state["time"])
    except FileNotFoundError:
        return Health(False, f"no heartbeat yet at {path} (is the bot running and connected?)")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Health(False, f"unreadable heartbeat {path}: {exc}")
    if age > max_age:
        return Health(False, f"last heartbeat {age:.0f}s ago (limit {max_age:.0f}s): the bot is stalled or stopped")
    if not state.get("gateway"):
        return Health(False, "not connected to the Discord gateway")
    if not state.get("database"):
        return Health(False, "the database is not answering")
    latency = state.get("latency_ms")
    return Health(
        True,
        f"ok: heartbeat {age:.0f}s ago, gateway latency {latency:.0f} ms"
        if latency is not None
        else f"ok: heartbeat {age:.0f}s ago",
    )
