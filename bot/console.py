"""The offline console: type `/state CT` and read the reply as text, through the same code as on Discord."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.render.text import render_text
from bot.replies.responder import Responder

BANNER = (
    "qibot offline console (no DISCORD_TOKEN set). Try /state CT, /criterion fees, /compare CO NM,\n"
    "/map, /map legislation, /explain qualified-immunity, /about, /help. /kb and /action live on Discord.\n"
    "Type quit or press Ctrl-D to leave."
)


def run_console(responder: Responder, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Read commands line by line until EOF or `quit`; answer each one."""
    interactive = stdin.isatty()
    print(BANNER, file=stdout)
    while True:
        if interactive:
            stdout.write("qibot> ")
            stdout.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:  # Ctrl-C leaves quietly, like Ctrl-D
            print(file=stdout)
            return 0
        if not line:
            return 0
        line = line.strip()
        if line.lower() in ("quit", "exit", "/quit", "/exit"):
            return 0
        if not line:
            continue
        print(render_text(responder.ask(line)), file=stdout)
        print(file=stdout)
        stdout.flush()
