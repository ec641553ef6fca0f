"""The console and `qibot ask` run as subprocesses, with no Discord token, through the same code path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | env
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def test_ask_state_answers_once() -> None:
    result = _run(["ask", "/state CT"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Connecticut: qualified immunity")
    assert "Checked " in result.stdout or "Not reviewed yet" in result.stdout
    assert "Law in force:" in result.stdout


def test_ask_map_is_text_and_kb_is_discord_only() -> None:
    result = _run(["ask", "/map"])
    assert result.returncode == 0, result.stderr
    assert "current law" in result.stdout and "Bills are never counted" in result.stdout
    result = _run(["ask", "/map legislation"])
    assert "Bills failed" in result.stdout
    result = _run(["ask", "/kb edit"])
    assert "is a Discord command" in result.stdout


def test_ask_criterion_by_alias() -> None:
    result = _run(["ask", "/criterion fees"])
    assert result.returncode == 0, result.stderr
    assert "Starts attorney fees" in result.stdout
    assert "Wyoming" in result.stdout


def test_ask_unknown_state_is_short_and_not_a_traceback() -> None:
    result = _run(["ask", "/state Texs"])
    assert result.returncode == 2
    assert "Did you mean Texas" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_console_without_token_reads_commands() -> None:
    result = _run([], stdin="/state conneticut\n/explain 1983\n/bogus\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "offline console" in result.stdout
    assert "Connecticut: qualified immunity" in result.stdout
    assert "Section 1983" in result.stdout
    assert "Unknown command “bogus”" in result.stdout


def test_refuses_to_start_on_an_invalid_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "jurisdictions").mkdir()
    (tmp_path / "jurisdictions" / "ct.yaml").write_text("id: ct\nname: [broken\n")
    result = _run(["ask", "/state CT"], QIBOT_KNOWLEDGE_PATH=str(tmp_path))
    assert result.returncode == 1
    assert "invalid" in result.stderr and "not starting" in result.stderr
    assert "ct.yaml:2" in result.stderr or "ct.yaml:3" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    assert _run(["kb", "validate"]).returncode == 0
    result = _run(["kb", "validate", str(tmp_path)])
    assert result.returncode == 1
    assert "rubric.yaml: error: missing file" in result.stdout


def test_run_without_token_says_so_in_one_line() -> None:
    result = _run(["run"])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "qibot: DISCORD_TOKEN is not set; `qibot run` needs a bot token (or run `qibot` for the console)"
    ]


def test_bad_setting_stops_startup_with_one_line() -> None:
    result = _run(["run"], DISCORD_TOKEN="x", QIBOT_MODERATOR_ROLE_IDS="mods")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("qibot: bad setting QIBOT_MODERATOR_ROLE_IDS")
    assert "x" not in lines[0].split("QIBOT_MODERATOR_ROLE_IDS")[0]


@pytest.mark.parametrize("level", ["BOGUS", "10", "debug please"])
def test_bad_log_level_is_one_line(level: str) -> None:
    result = _run(["kb", "validate"], QIBOT_LOG_LEVEL=level)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qibot: bad setting QIBOT_LOG_LEVEL")
    ok = _run(["kb", "validate"], QIBOT_LOG_LEVEL="")
    assert ok.returncode == 0, "an empty level means the default"


def test_unreachable_discord_is_retried_with_one_line_each_and_sigterm_exits_cleanly(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QIBOT_")} | {
        "DISCORD_TOKEN": "x",
        "QIBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",  # nothing listens on port 9
        "QIBOT_DATA_DIR": str(tmp_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        seen = []
        while not any(line.startswith("qibot: cannot reach Discord (") for line in seen) and len(seen) < 40:
            seen.append(proc.stderr.readline())  # the operator's log lines come first; the test's timeout bounds it
        first = "".join(seen)
        line = next(x for x in seen if x.startswith("qibot: cannot reach Discord ("))
        assert "retrying in" in line
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
    finally:
        proc.kill()
    assert proc.returncode == 0, rest
    assert "Traceback" not in first + rest


def test_mentions_are_shown_inert_in_the_console() -> None:
    from bot.render.text import render_text
    from bot.replies.model import Field, Page, Reply

    page = Page("@everyone title", "hi @here <@123> <@&456> <@!789> <#42>", (Field("<@1>", "@everyone"),))
    reply = Reply("t", (page,))
    text = render_text(reply)
    assert "@everyone" not in text and "@here" not in text and "<@" not in text and "<#" not in text
    assert "@\u200beveryone" in text and "@user" in text and "@role" in text and "#channel" in text


@pytest.mark.parametrize("locale", ["../../etc/passwd", "x" * 10_000, "es/../../en", ""])
def test_a_locale_that_is_not_a_language_falls_back_to_english(locale: str) -> None:
    result = _run(["ask", "--locale", locale, "/state CT"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Connecticut: qualified immunity")
    assert "Traceback" not in result.stderr
