#!/usr/bin/env python3
"""Generate the hostile knowledge-base corpus from the real files, into a folder (the tests use a temporary one).

Each case is one jurisdiction file that a careless moderator, a hostile contributor or a broken disk could
produce; ``manifest.json`` says what the validator must do with it: ``error`` (exit 1, a line naming the file,
and the field where one is given), ``ok`` (still valid) or ``any`` (either, but never a crash or a hang).

    python3 tests/kb/hostile/make_corpus.py OUT_DIR
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from pathlib import Path

KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge" / "jurisdictions"
BASES = ("co", "wv", "ct", "oh", "nyc")
cases: dict[str, dict] = {}
OUT = Path(".")


def add(name: str, base: str, content: str | bytes, expect: str, field: str | None = None) -> None:
    path = OUT / "cases" / f"{name}.yaml"
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    cases[name] = {"file": f"{base}.yaml", "expect": expect, **({"field": field} if field else {})}


def text_of(base: str) -> str:
    return (KNOWLEDGE / f"{base}.yaml").read_text(encoding="utf-8")


def replace_first(text: str, pattern: str, new: str) -> str:
    result, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert count, pattern
    return result


def main(out: Path) -> dict[str, dict]:
    """Write ``out/cases/*.yaml`` and ``out/manifest.json``; return the manifest."""
    global OUT
    OUT = out
    cases.clear()
    shutil.rmtree(out / "cases", ignore_errors=True)
    (out / "cases").mkdir(parents=True)
    rng = random.Random(20261130)
    for base in BASES:
        text = text_of(base)
        # impossible dates
        for n, date in enumerate(["2026-02-30", "2026-13-01", "0000-01-01", "2026-00-10", "2026-01-32", "2025-02-29",
                                  "2026-04-31", "1900-02-29"]):  # fmt: skip
            add(f"date-{base}-{n}", base, replace_first(text, r"verified_on: \S+", f"verified_on: {date}"), "error",
                "verified_on")  # fmt: skip
        # explicit tags with bad values
        for n, tagged in enumerate(["!!float abc", "!!int abc", "!!bool maybe", "!!timestamp foo", "!!binary @@@",
                                    "!!python/object:os.system ls", "!custom x", "!!set {a: 1}"]):  # fmt: skip
            field = None if "@" in tagged else "kind"  # "@" cannot start a YAML token: a syntax error, by line
            add(f"tag-{base}-{n}", base, replace_first(text, r"^kind: .*$", f"kind: {tagged}"), "error", field)
        # integers too large to read
        for n, digits in enumerate([5000, 4301, 100_000]):
            add(f"bigint-{base}-{n}", base, replace_first(text, r"^postal: .*$", "postal: " + "9" * digits), "error")
        # nesting
        for n, depth in enumerate([41, 200, 1000, 20_000]):
            add(f"nest-flow-{base}-{n}", base, text + "extra: " + "[" * depth + "]" * depth + "\n", "error")
        for n, depth in enumerate([45, 120]):
            block = "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
            add(f"nest-block-{base}-{n}", base, text + block, "error")
        # duplicate keys at every top-level key, and inside a verdict
        for key in re.findall(r"^([a-z_]+):", text, flags=re.MULTILINE):
            line = next(x for x in text.splitlines() if x.startswith(f"{key}:"))
            add(f"dupkey-{base}-{key}", base, text + line + "\n", "error", key)
        if "    verdict: " in text:
            dup = replace_first(text, r"^(      verdict: .*)$", r"\1\n      verdict: 'no'")
            add(f"dupkey-{base}-verdict", base, dup, "error")
        # anchors, aliases, merge keys, a small billion laughs
        add(f"alias-{base}-0", base, replace_first(text, r"^summary: ", "summary: &s ") + "extra: *s\n", "error")
        add(f"alias-{base}-1", base, text + "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "error")
        add(f"alias-{base}-2", base, text + "m: {<<: {x: 1}}\n", "error")
        laughs = "a0: &a0 [lol, lol]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 30))
        add(f"alias-{base}-3", base, text + laughs, "error")
        # size and line length
        add(f"size-{base}-0", base, text + "# " + "x" * 300_000 + "\n", "error")
        add(f"size-{base}-1", base, text + "# pad\n" * 60_000, "error")
        add(f"size-{base}-2", base, text + "long: " + "y" * 30_000 + "\n", "error")
        # unknown keys
        add(f"unknown-{base}-0", base, text + "".join(f"k{i}: 1\n" for i in range(20_000)), "error")
        add(f"unknown-{base}-1", base, text + "sumary: typo\n", "error", "sumary")
        # encodings
        add(f"enc-{base}-latin1", base, text.encode("utf-8").replace(b"\xc2\xa7", b"\xa7"), "any")
        add(f"enc-{base}-utf16", base, text.encode("utf-16"), "error")
        add(f"enc-{base}-bom", base, "\ufeff" + text, "ok")
        add(f"enc-{base}-nul", base, text.replace("summary:", "summary:\x00", 1), "error")
        add(f"enc-{base}-badbytes", base, text.encode() + b"\xff\xfe\xfd\n", "error")
        # control and direction characters in what members read
        for n, char in enumerate(["\u202e", "\u200b", "\u2066", "\x07", "\ufeff", "\u200f"]):
            field = None if char == "\x07" else "name"  # YAML itself refuses C0 controls: reported by line
            add(f"chars-{base}-{n}", base, replace_first(text, r"^name: (.*)$", rf"name: \1{char}"), "error", field)
        # confusable aliases
        for n, alias in enumerate(["cоlorado", "сo", "ｃｏ", "co\u0301lo"]):  # Cyrillic, fullwidth, combining
            add(f"confusable-{base}-{n}", base, replace_first(text, r"^kind: ", f"aliases: [{alias}]\nkind: "), "any")
        # URL schemes
        urls = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "ftp://x.org/a", "https://",
                "http://localhost", "https://exa mple.org/a", "//example.org/x"]
        for n, url in enumerate(urls):
            add(f"url-{base}-{n}", base, replace_first(text, r"^summary_source: .*$", f"summary_source: {url}"),
                "error", "summary_source")  # fmt: skip
        # Jinja in data is plain text: valid, never rendered
        add(f"jinja-{base}-0", base, replace_first(text, r"^name: (.*)$", r"name: '\1 {{ 7 * 7 }} {% if x %}'"), "ok")
        # type confusion
        for n, (pattern, new, field) in enumerate([
            (r"^name: .*$", "name: [a, b]", "name"),
            (r"^review:$", "review: 3\nold_review:", None),
            (r"^kind: .*$", "kind: {x: 1}", "kind"),
            (r"^kind: ", "aliases: yes\nkind: ", "aliases"),
            (r"^name: .*$", "name: 12", "name"),
            (r"^name: .*$", "name: ''", "name"),
            (r"^name: .*$", "name:", "name"),
            (r"^id: .*$", "id: ../../etc/passwd", "id"),
        ]):  # fmt: skip
            add(f"type-{base}-{n}", base, replace_first(text, pattern, new), "error", field)
        # over-long fields
        add(f"long-{base}-0", base, replace_first(text, r"^name: .*$", "name: " + "N" * 1000), "error", "name")
        add(f"long-{base}-1", base, replace_first(text, r"^summary: .*$", "summary: " + "s " * 3000), "error",
            "summary")  # fmt: skip
        # empty, comment-only, null, several documents, truncated
        add(f"empty-{base}-0", base, "", "error")
        add(f"empty-{base}-1", base, "# only a comment\n", "error")
        add(f"empty-{base}-2", base, "null\n", "error")
        add(f"empty-{base}-3", base, text + "---\nid: other\n", "error")
        for n in range(6):
            cut = rng.randrange(10, len(text) - 10)
            add(f"truncated-{base}-{n}", base, text[:cut], "any")
        # random byte damage
        raw = text.encode("utf-8")
        for n in range(6):
            damaged = bytearray(raw)
            for _ in range(rng.randrange(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            add(f"bytes-{base}-{n}", base, bytes(damaged), "any")
    (out / "manifest.json").write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return dict(cases)


if __name__ == "__main__":
    print(f"wrote {len(main(Path(sys.argv[1])))} cases")
