"""An immutable, validated knowledge-base snapshot with its lookup indexes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from bot.kb.lookup import Entry, Index
from bot.kb.schema import ActionPrompt, Criterion, GlossaryEntry, Jurisdiction, Rubric


def jurisdiction_keys(j: Jurisdiction) -> list[str]:
    """Every word that looks a jurisdiction up."""
    return [j.id, j.name, j.postal, *([j.ap_style] if j.ap_style else []), *j.aliases]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, as loaded from one version of ``knowledge/``."""

    rubric: Rubric
    jurisdictions: dict[str, Jurisdiction]
    glossary: dict[str, GlossaryEntry]
    version: str
    files: dict[str, str] = field(default_factory=dict, repr=False)  # jurisdiction id -> relative path
    actions: dict[str, ActionPrompt] = field(default_factory=dict)  # reviewed calls to action, by id
    digests: dict[str, str] = field(default_factory=dict, repr=False)  # jurisdiction id -> hash of its file
    shared_digest: str = ""  # hash of the rubric and glossary files

    def state_key(self, jid: str) -> tuple[str, str]:
        """What a jurisdiction's own reply depends on: its file and the shared files (not the whole base)."""
        return self.digests.get(jid) or self.version, self.shared_digest or self.version

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        """Criteria by id, in rubric order."""
        return {c.id: c for c in self.rubric.criteria}

    def criteria_in(self, group: str) -> list[Criterion]:
        """The criteria of one group ("end" or "start"), in rubric order."""
        return [c for c in self.rubric.criteria if c.group == group]

    @cached_property
    def sorted_jurisdictions(self) -> list[Jurisdiction]:
        """Jurisdictions by name."""
        return sorted(self.jurisdictions.values(), key=lambda j: j.name)

    @cached_property
    def jurisdiction_index(self) -> Index:
        """Lookup over states, DC and cities."""
        return Index(Entry(j.id, j.name, tuple(jurisdiction_keys(j))) for j in self.jurisdictions.values())

    @cached_property
    def criterion_index(self) -> Index:
        """Lookup over rubric criteria."""
        return Index(Entry(c.id, c.label, (c.id, c.label, c.short, *c.aliases)) for c in self.rubric.criteria)

    @cached_property
    def glossary_index(self) -> Index:
        """Lookup over glossary terms."""
        return Index(Entry(e.id, e.term, (e.id, e.term, *e.aliases)) for e in self.glossary.values())

    def index(self, what: str) -> Index:
        """The lookup for "jurisdiction", "criterion" or "term"."""
        return {
            "jurisdiction": self.jurisdiction_index,
            "criterion": self.criterion_index,
            "term": self.glossary_index,
        }[what]
