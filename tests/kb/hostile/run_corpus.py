#!/usr/bin/env python3
"""Run every hostile case through ``qibot kb validate`` in one process with bounded memory and time per case.

Prints one JSON line per case: exit code, whether a traceback or crash happened, seconds, output lines.
Memory is capped with RLIMIT_AS (a case that needs more raises MemoryError, recorded as a crash); each case
has an alarm (a hang is recorded as a timeout).

    python3 tests/kb/hostile/run_corpus.py CORPUS_DIR [--seconds 10] [--memory-mib 1536]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))


class CaseTimeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--memory-mib", type=int, default=1536)
    args = parser.parse_args()
    limit = args.memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    from bot.cli import main as qibot  # imported under the limits

    manifest = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        (knowledge / "jurisdictions").mkdir(parents=True)
        for name in ("rubric.yaml", "glossary.yaml"):
            shutil.copy(ROOT / "knowledge" / name, knowledge / name)
        for case, meta in sorted(manifest.items()):
            target = knowledge / "jurisdictions" / meta["file"]
            shutil.copy(args.corpus / "cases" / f"{case}.yaml", target)
            out, err = io.StringIO(), io.StringIO()
            started = time.perf_counter()
            outcome: dict = {"case": case}
            signal.alarm(args.seconds)
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    outcome["code"] = qibot(["kb", "validate", str(knowledge)])
            except CaseTimeout:
                outcome["code"], outcome["timeout"] = None, True
            except BaseException as exc:
                outcome["code"], outcome["crash"] = None, f"{type(exc).__name__}: {traceback.format_exc()[-600:]}"
            finally:
                signal.alarm(0)
            outcome["seconds"] = round(time.perf_counter() - started, 3)
            text = out.getvalue() + err.getvalue()
            outcome["traceback"] = "Traceback (most recent call last)" in text
            outcome["lines"] = text.splitlines()[:5]
            target.unlink()
            print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
