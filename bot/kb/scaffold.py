"""Create honest "not reviewed yet" files for jurisdictions that have none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.kb.us import EXTRA_ALIASES, JURISDICTIONS

FEDERAL_SOURCE = "https://constitutioncenter.org/the-constitution/supreme-court-case-library/harlow-v-fitzgerald"
FEDERAL_QUOTE = (
    "government officials performing discretionary functions generally are shielded from liability for civil "
    "damages insofar as their conduct does not violate clearly established statutory or constitutional rights "
    "of which a reasonable person would have known."
)


def placeholder_yaml(jid: str, today: dt.date) -> str:
    """The YAML text of a not-reviewed jurisdiction: no verdicts, only what holds everywhere."""
    name, kind, ap_style = JURISDICTIONS[jid]
    postal = jid.upper()
    return f"""id: {jid}
name: {name}
kind: {kind}
postal: {postal}
ap_style: {ap_style}
aliases: [{", ".join(EXTRA_ALIASES.get(jid, []))}]
review:
  status: not-reviewed
  note: {name}'s own law on qualified immunity has not been reviewed yet; every verdict is unknown.
summary: >-
  Not reviewed yet. What holds everywhere: federal qualified immunity applies to federal civil-rights
  claims under 42 U.S.C. § 1983 in {name}, as in every state.
facts:
  - topic: qi-defence
    text: Federal qualified immunity applies to federal civil-rights claims under 42 U.S.C. § 1983 in every state.
    quote: >-
      {FEDERAL_QUOTE}
    source: {FEDERAL_SOURCE}
    verified_on: {today.isoformat()}
    confidence: high
"""


def scaffold_missing(root: Path, today: dt.date | None = None) -> list[Path]:
    """Write a placeholder for each of the 52 jurisdictions without a file; return the files written."""
    folder = root / "jurisdictions"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for jid in JURISDICTIONS:
        path = folder / f"{jid}.yaml"
        if not path.exists():
            path.write_text(placeholder_yaml(jid, today or dt.date.today()), encoding="utf-8")
            written.append(path)
    return written
