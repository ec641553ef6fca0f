"""The `qibot` command line: console, ask, run, and knowledge-base tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.kb.paths import DEFAULT_ROOT

if TYPE_CHECKING:
    from bot.kb.snapshot import KnowledgeBase
    from bot.settings import Settings

log = logging.getLogger("qibot")


def load_or_explain(root: Path) -> KnowledgeBase | None:
    """bot.boot.load_or_explain, imported when needed (a cached `qibot ask` never loads the knowledge base)."""
    from bot.boot import load_or_explain as load

    return load(root)


def _knowledge_root(arg: str | None = None) -> Path:
    return Path(arg or os.environ.get("QIBOT_KNOWLEDGE_PATH") or DEFAULT_ROOT)


def _settings_or_explain() -> Settings | None:
    """The settings, or None after printing the one-line reason they are bad."""
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        print(f"qibot: {exc}", file=sys.stderr)
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.kb.issues import Severity
    from bot.kb.loader import collect

    root = _knowledge_root(args.path)
    kb, issues = collect(root)
    shown = [i for i in issues if args.warnings or i.severity is Severity.ERROR]
    for issue in shown:
        print(issue)
    errors = sum(i.severity is Severity.ERROR for i in issues)
    warnings = len(issues) - errors
    if kb is None:
        print(f"invalid: {errors} error(s), {warnings} warning(s) in {root}", file=sys.stderr)
        return 1
    print(
        f"ok: {len(kb.jurisdictions)} jurisdictions, {len(kb.rubric.criteria)} criteria, "
        f"{len(kb.glossary)} glossary terms, {warnings} warning(s); version {kb.version}"
    )
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import run_console
    from bot.replies.responder import Responder

    kb = load_or_explain(_knowledge_root(getattr(args, "knowledge", None)))
    if kb is None:
        return 1
    return run_console(Responder(lambda: kb))


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one line: from the on-disk answer cache when it is current (bot/quickask.py), else by loading
    the knowledge base, which then refreshes the cache."""
    from bot import quickask

    root, line = _knowledge_root(args.knowledge), " ".join(args.line)
    cached = quickask.lookup(root, line, args.locale)
    if cached is not None:
        print(cached[0])
        return cached[1]
    from bot.render.text import render_text
    from bot.replies.responder import Responder

    kb = load_or_explain(root)
    if kb is None:
        return 1
    reply = Responder(lambda: kb).ask(line, args.locale)
    print(render_text(reply), flush=True)
    quickask.build(root, kb)
    return quickask.exit_status(reply)


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed between two knowledge folders (for a pull-request description)."""
    from bot.kb.diff import diff_kb

    snapshots = []
    for path in (args.old, args.new):
        kb = load_or_explain(Path(path))
        if kb is None:
            return 1
        snapshots.append(kb)
    print(diff_kb(*snapshots).markdown())
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """Write (or with --check, verify) knowledge/SOURCES.md."""
    from bot.kb.sources import sources_markdown
    from bot.people.directory import people_root, read_meta

    root = _knowledge_root(args.path)
    kb = load_or_explain(root)
    if kb is None:
        return 1
    text, target = sources_markdown(kb, read_meta(people_root(root))), root / "SOURCES.md"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run `qibot kb sources`", file=sys.stderr)
            return 1
        print(f"{target} is current")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print what current law is known, per jurisdiction and criterion, with totals."""
    from bot.kb.coverage import coverage, coverage_text

    kb = load_or_explain(_knowledge_root(args.path))
    if kb is None:
        return 1
    print(coverage_text(coverage(kb)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole knowledge base as one JSON document (schema: docs/knowledge-export.schema.json)."""
    from bot.kb.export import export_json

    kb = load_or_explain(_knowledge_root(args.path))
    if kb is None:
        return 1
    text = export_json(kb)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_pending(args: argparse.Namespace) -> int:
    """List knowledge-base commits made from Discord that the remote does not have yet."""
    from bot.kb.gitsync import GitError, GitSync

    settings = _settings_or_explain()
    if settings is None:
        return 2
    git = GitSync(_knowledge_root(args.path), settings.git_branch, args.remote or settings.git_remote)
    if not git.available():
        print("qibot: the knowledge folder is not a git working copy on the configured branch", file=sys.stderr)
        return 1
    if not git.remote:
        print("qibot: no remote configured (QIBOT_GIT_REMOTE or --remote)", file=sys.stderr)
        return 1
    try:
        pending = git.pending()
    except GitError as exc:
        print(f"qibot: git: {exc}", file=sys.stderr)
        return 1
    for line in pending:
        print(line)
    print(f"{len(pending)} commit(s) not pushed to {git.remote}", file=sys.stderr)
    return 0


def cmd_scaffold(args: argparse.Namespace) -> int:
    from bot.kb.scaffold import scaffold_missing

    for path in scaffold_missing(_knowledge_root(args.path)):
        print(f"wrote {path}")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the running bot's heartbeat is recent, connected and its database answers (HEALTHCHECK)."""
    from bot.health import check_heartbeat

    settings = _settings_or_explain()
    if settings is None:
        return 2
    health = check_heartbeat(settings.data_dir, max_age=args.max_age or settings.heartbeat_seconds * 3 + 10)
    print(f"qibot health: {health.message}", file=sys.stdout if health.ok else sys.stderr)
    return 0 if health.ok else 1


def cmd_people_build(args: argparse.Namespace) -> int:
    """Trim a checkout of openstates/people into knowledge/people/ (nothing is written on an error)."""
    import datetime as dt
    import time

    from bot.people.build import run
    from bot.people.checks import PeopleDataInvalid

    started = time.perf_counter()
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
        built, sizes, stale = run(
            Path(args.path), out=Path(args.out) if args.out else None, commit=args.commit,
            commit_date=args.commit_date, as_of=as_of,
        )  # fmt: skip
    except PeopleDataInvalid as exc:
        print(f"qibot people build: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"qibot people build: --as-of: {exc}", file=sys.stderr)
        return 2
    for entry in stale:
        print(f"qibot people build: correction not needed any more (the source changed): {entry}", file=sys.stderr)
    counts = built.meta["counts"]
    print(
        f"ok: {counts['legislators']} seat-holders in {counts['states']} jurisdictions (the states and DC), "
        f"{counts['committees']} judiciary/public-safety committees; source {built.meta['commit'][:12]} "
        f"({built.meta['commit_date']}); " + ", ".join(f"{name} {size:,} bytes" for name, size in sizes.items())
        + f"; {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_people_check(args: argparse.Namespace) -> int:
    """Load and check the shipped snapshot (what the bot reads)."""
    from bot.people.checks import PeopleDataInvalid
    from bot.people.directory import DEFAULT_PEOPLE_ROOT, read_directory

    root = Path(args.path) if args.path else DEFAULT_PEOPLE_ROOT
    try:
        directory = read_directory(root)
    except PeopleDataInvalid as exc:
        print(f"qibot people check: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {len(directory)} seat-holders in {len(directory.states())} jurisdictions (the states and DC); "
          f"source {directory.source_commit[:12]} ({directory.source_date})")  # fmt: skip
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.discord.main import run_bot

    return run_bot()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qibot", description="Where qualified immunity stands in each U.S. state, and why."
    )
    parser.add_argument("--log-level", default=os.environ.get("QIBOT_LOG_LEVEL", "WARNING"))
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("console", help="the offline console (default without DISCORD_TOKEN)")
    p.add_argument("--knowledge", help="knowledge folder (default: knowledge/)")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("ask", help='answer one command and exit, e.g. qibot ask "/state CT"')
    p.add_argument("line", nargs="+")
    p.add_argument("--knowledge")
    p.add_argument("--locale", default="en")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("health", help="exit 0 when the running bot is connected and its database answers")
    p.add_argument("--max-age", type=float, help="seconds a heartbeat stays fresh (default: 3 x interval + 10)")
    p.set_defaults(func=cmd_health)

    kb = sub.add_parser("kb", help="knowledge-base tools").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("validate", help="check every file; exit 1 on errors")
    p.add_argument("path", nargs="?")
    p.add_argument("--warnings", action="store_true", help="also show warnings")
    p.set_defaults(func=cmd_validate)
    p = kb.add_parser("diff", help="summarise what changed between two knowledge folders (for a PR)")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(func=cmd_diff)
    p = kb.add_parser("sources", help="write knowledge/SOURCES.md (every source by jurisdiction)")
    p.add_argument("path", nargs="?")
    p.add_argument("--check", action="store_true", help="fail if SOURCES.md is not current")
    p.set_defaults(func=cmd_sources)
    p = kb.add_parser("coverage", help="what current law is known, per jurisdiction and criterion")
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_coverage)
    p = kb.add_parser("export", help="the whole knowledge base as one JSON document (open data)")
    p.add_argument("path", nargs="?")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)
    p = kb.add_parser("pending", help="knowledge commits made from Discord that are not pushed yet")
    p.add_argument("path", nargs="?")
    p.add_argument("--remote", help="the remote to compare with (default: QIBOT_GIT_REMOTE)")
    p.set_defaults(func=cmd_pending)
    p = kb.add_parser("scaffold", help='write "not reviewed yet" files for missing jurisdictions')
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_scaffold)

    people = sub.add_parser("people", help="the legislator snapshot (Open States, CC0)")
    people_sub = people.add_subparsers(dest="people_command", required=True)
    p = people_sub.add_parser("build", help="trim a checkout of openstates/people into knowledge/people/")
    p.add_argument("path", help="a checkout of https://github.com/openstates/people (or its data/ folder)")
    p.add_argument("--out", help="folder to write (default: knowledge/people/)")
    p.add_argument("--commit", help="the source commit, when PATH is not a git checkout")
    p.add_argument("--commit-date", help="the source commit's date (ISO 8601), when PATH is not a git checkout")
    p.add_argument("--as-of", help="keep roles in force on this day, YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_people_build)
    p = people_sub.add_parser("check", help="load and check the shipped snapshot")
    p.add_argument("path", nargs="?", help="default: knowledge/people/")
    p.set_defaults(func=cmd_people_check)
    return parser


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = (args.log_level or "").strip().upper() or "WARNING"  # an empty QIBOT_LOG_LEVEL means the default
    if level not in LOG_LEVELS:
        source = "--log-level" if "--log-level" in (argv or sys.argv) else "QIBOT_LOG_LEVEL"
        print(f"qibot: bad setting {source}: {args.log_level!r}; use one of {', '.join(LOG_LEVELS)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        args.func = cmd_run if os.environ.get("DISCORD_TOKEN") else cmd_console
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `qibot ask … | head`: the reader left; exit quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
