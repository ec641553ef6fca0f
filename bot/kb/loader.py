"""Load ``knowledge/`` into a validated snapshot, or report every problem with file, line and field."""

from __future__ import annotations

import hashlib
import logging
import stat
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from bot.kb import checks
from bot.kb.issues import Issue, KnowledgeBaseInvalid, Severity
from bot.kb.paths import DEFAULT_ROOT
from bot.kb.schema import ActionPrompt, Glossary, Jurisdiction, Rubric
from bot.kb.snapshot import KnowledgeBase
from bot.kb.validate import ValidationError, problem, validate
from bot.kb.yamlio import MAX_BYTES, LazyLines, LineIndex, ParsedYaml, YamlSyntaxError, parse_yaml_text

log = logging.getLogger(__name__)
Model = TypeVar("Model")


_HINTS = {
    "missing": "add this field",
    "extra_forbidden": "remove it, or check its spelling against knowledge/README.md",
    "unexpected_keyword_argument": "remove it, or check its spelling against knowledge/README.md",
    "string_too_long": "shorten it",
    "string_too_short": "give it a value",
    "enum": "use one of the listed values",
    "literal_error": "use one of the listed values",
    "date_from_datetime_parsing": "write an ISO date such as 2026-11-25",
    "date_parsing": "write an ISO date such as 2026-11-25",
    "date_type": "write an ISO date such as 2026-11-25",
    "string_pattern_mismatch": "use lower-case words joined by hyphens (ids) or capitals (postal)",
    "float_parsing": "use 0, 0.5 or 1",
    "dict_type": "this must be a mapping (key: value lines)",
    "dataclass_type": "this must be a mapping (key: value lines)",
    "list_type": "this must be a list",
}


MAX_ISSUES_PER_FILE = 30


def issues_from_validation(file: str, parsed: ParsedYaml, error: ValidationError) -> list[Issue]:
    """Turn pydantic errors into issues that point at lines (the first few; a summary line for the rest)."""
    found = []
    errors = error.errors(include_url=False)
    if len(errors) > MAX_ISSUES_PER_FILE:
        more = len(errors) - MAX_ISSUES_PER_FILE
        found.append(Issue(file=file, message=f"… and {more} more problem(s) in this file", hint="fix these first"))
    for err in errors[:MAX_ISSUES_PER_FILE]:
        field, message = problem(err)
        found.append(
            Issue(
                file=file,
                line=parsed.line_of(tuple(err["loc"])),
                field=field or "(file)",
                message=message,
                hint=_HINTS.get(err["type"]),
            )
        )
    return found


def parse_model(model: type[Model], file: str, text: str) -> tuple[Model | None, ParsedYaml | None, list[Issue]]:
    """Parse YAML text and validate it against ``model``."""
    try:
        parsed = parse_yaml_text(text)
    except YamlSyntaxError as exc:
        hint = exc.hint or "fix the YAML syntax at that line"
        return None, None, [Issue(file=file, line=exc.line, field=exc.field, message=str(exc), hint=hint)]
    if not isinstance(parsed.data, dict):
        return None, parsed, [Issue(file=file, line=1, message="the file must hold a mapping (key: value lines)")]
    try:
        return validate(model, parsed.data), parsed, []
    except ValidationError as exc:
        return None, parsed, issues_from_validation(file, parsed, exc)


_VALID: OrderedDict[tuple[str, str, str], object] = OrderedDict()  # (model, file, text hash) -> model
_VALID_SIZE = 1024
_valid_lock = threading.Lock()


def parse_model_cached(model: type[Model], file: str, text: str) -> tuple[Model | None, LineIndex | None, list[Issue]]:
    """:func:`parse_model`, remembering files that were valid: an unchanged file is not parsed again.

    Models are immutable, so a cached one is safe to share; cross-file checks still run every time.
    """
    key = (model.__name__, file, hashlib.sha256(text.encode()).hexdigest())
    with _valid_lock:
        hit = _VALID.get(key)
        if hit is not None:
            _VALID.move_to_end(key)
            return hit, LazyLines(text), []  # type: ignore[return-value]
    obj, parsed, found = parse_model(model, file, text)
    if obj is None:
        return None, parsed, found
    with _valid_lock:
        _VALID[key] = obj
        while len(_VALID) > _VALID_SIZE:
            _VALID.popitem(last=False)
    return obj, LazyLines(text), found


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def _read(path: Path, root: Path) -> tuple[str, str | None, list[Issue]]:
    """A file's text, if it is a regular file inside the knowledge folder and not too large."""
    rel = _rel(path, root)
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root.resolve()):
            return rel, None, [Issue(rel, "links to a file outside the knowledge folder; not read",
                                     hint="copy the file into knowledge/ instead of linking it")]  # fmt: skip
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            return rel, None, [Issue(rel, "is not a regular file; not read", hint="replace it with a YAML file")]
        if info.st_size > MAX_BYTES:
            return rel, None, [Issue(rel, f"the file is too large ({info.st_size // 1024} KB; the limit is "
                                     f"{MAX_BYTES // 1024} KB)", hint="split or shorten it")]  # fmt: skip
        data = real.read_bytes()
        return rel, data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return rel, None, [Issue(rel, f"is not UTF-8 text (byte {exc.start})", hint="save the file as UTF-8")]
    except OSError as exc:
        return rel, None, [Issue(file=rel, message=f"cannot read the file: {exc.strerror or exc}")]
    except RuntimeError as exc:  # a symlink loop
        return rel, None, [Issue(file=rel, message=f"cannot read the file: {exc}")]


def collect(root: Path, overrides: Mapping[Path, str] | None = None) -> tuple[KnowledgeBase | None, list[Issue]]:
    """Load and check everything under ``root``; return the snapshot (None on errors) and all findings.

    ``overrides`` maps file paths to replacement text, to validate an edit before it is written.
    """
    root = root.resolve()
    overrides = {Path(p).resolve(): text for p, text in (overrides or {}).items()}
    issues: list[Issue] = []
    digest = hashlib.sha256()
    if not root.is_dir():
        return None, [Issue(file=str(root), message="knowledge folder not found", hint="pass the path to knowledge/")]

    file_digests: dict[str, str] = {}

    def load_one(model: type[Model], path: Path) -> tuple[Model | None, LineIndex | None, str]:
        read_issues: list[Issue]
        text: str | None
        if path.resolve() in overrides:
            rel, text, read_issues = _rel(path, root), overrides[path.resolve()], []
        else:
            rel, text, read_issues = _read(path, root)
        issues.extend(read_issues)
        if text is None:
            return None, None, rel
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
        file_digests[rel] = hashlib.sha256(text.encode()).hexdigest()[:16]
        obj, parsed, found = parse_model_cached(model, rel, text)  # a valid result keeps text, not the node tree
        issues.extend(found)
        return obj, parsed, rel

    rubric = glossary = None
    rubric_path, glossary_path = root / "rubric.yaml", root / "glossary.yaml"
    for path, name in ((rubric_path, "rubric.yaml"), (glossary_path, "glossary.yaml")):
        if not path.is_file():
            issues.append(Issue(file=name, message="missing file", hint=f"restore knowledge/{name}"))
    if rubric_path.is_file():
        rubric, rubric_yaml, rubric_rel = load_one(Rubric, rubric_path)
        if rubric is not None:
            issues.extend(checks.check_rubric(rubric, rubric_rel, rubric_yaml))
    if glossary_path.is_file():
        glossary, glossary_yaml, glossary_rel = load_one(Glossary, glossary_path)
        if glossary is not None:
            issues.extend(checks.check_glossary(glossary, glossary_rel, glossary_yaml))

    jurisdictions: dict[str, tuple[Jurisdiction, LineIndex, str]] = {}
    files = sorted((root / "jurisdictions").glob("*.yaml"))
    if not files:
        issues.append(Issue(file="jurisdictions/", message="no jurisdiction files found"))
    for path in files:
        obj, parsed, rel = load_one(Jurisdiction, path)
        if obj is None or parsed is None:
            continue
        if obj.id != path.stem:
            issues.append(
                Issue(
                    rel,
                    f"id '{obj.id}' does not match the file name",
                    parsed.line_of(("id",)),
                    "id",
                    f"rename the file to {obj.id}.yaml or set id: {path.stem}",
                )
            )
        elif obj.id in jurisdictions:
            issues.append(Issue(rel, f"duplicate id '{obj.id}'", parsed.line_of(("id",)), "id"))
        else:
            jurisdictions[obj.id] = (obj, parsed, rel)

    actions: dict[str, ActionPrompt] = {}
    for path in sorted((root / "actions").glob("*.yaml")):
        prompt, parsed, rel = load_one(ActionPrompt, path)
        if prompt is None or parsed is None:
            continue
        bills = {jid: {b.number for b in j.bills} for jid, (j, _, _) in jurisdictions.items()}
        issues.extend(checks.check_action(prompt, parsed, rel, path.stem, set(jurisdictions), bills))
        actions[prompt.id] = prompt

    issues.extend(checks.check_jurisdictions(jurisdictions, rubric))
    issues.extend(checks.check_alias_collisions(jurisdictions))

    if any(i.severity is Severity.ERROR for i in issues) or rubric is None or glossary is None:
        return None, issues
    kb = KnowledgeBase(
        rubric=rubric,
        jurisdictions={jid: j for jid, (j, _, _) in jurisdictions.items()},
        glossary={e.id: e for e in glossary.entries},
        version=digest.hexdigest()[:12],
        files={jid: rel for jid, (_, _, rel) in jurisdictions.items()},
        actions=actions,
        digests={jid: file_digests[rel] for jid, (_, _, rel) in jurisdictions.items()},
        shared_digest=hashlib.sha256(
            "".join(file_digests.get(name, "") for name in (rubric_rel, glossary_rel)).encode()
        ).hexdigest()[:16],
    )
    return kb, issues


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Load a valid knowledge base or raise :class:`KnowledgeBaseInvalid` with every finding."""
    kb, issues = collect(root or DEFAULT_ROOT)
    for issue in issues:
        if issue.severity is Severity.WARNING:
            log.debug("knowledge base: %s", issue)
    if kb is None:
        raise KnowledgeBaseInvalid(issues)
    return kb
