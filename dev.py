#!/usr/bin/env python3
"""Set up and run qibot with nothing but Python 3.11+ and pip.

    python3 dev.py run    # the bot: offline console without DISCORD_TOKEN, Discord with it
    python3 dev.py test   # lint, import layers, types, validate the knowledge base and SOURCES.md, run the tests

Creates ./.venv on first use and reinstalls whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".qibot-installed"


def ensure_venv() -> None:
    """Create the virtual environment and install the project with its dev tools, once per pyproject change."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*cmd: str) -> int:
    return subprocess.run(cmd, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "run":
        return run(str(BIN / "qibot"), *argv[1:])
    checks = ([str(BIN / "ruff"), "check", "."], [str(BIN / "lint-imports")], [str(BIN / "mypy")],
              [str(BIN / "qibot"), "kb", "validate"], [str(BIN / "qibot"), "kb", "sources", "--check"],
              [str(BIN / "qibot"), "people", "check"])
    for step in checks:
        code = run(*step)
        if code:
            return code
    return run(str(BIN / "python"), "-m", "pytest", *argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
