"""A neutral reply: what to say, independent of where it is shown (Discord embed or terminal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tone(StrEnum):
    """Colour hint for renderers; never the only carrier of meaning."""

    NEUTRAL = "neutral"
    YES = "yes"
    PARTIAL = "partial"
    NO = "no"
    UNKNOWN = "unknown"
    ERROR = "error"


@dataclass(frozen=True)
class Link:
    """A labelled link (a link button on Discord)."""

    label: str
    url: str


@dataclass(frozen=True)
class Field:
    """A named block of text (an embed field on Discord)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Page:
    """One screenful; long replies have several and renderers page through them."""

    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""

    def __len__(self) -> int:
        """Characters as Discord counts them for the 6000 total."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True)
class Reply:
    """Everything a command answers with."""

    kind: str
    pages: tuple[Page, ...]
    links: tuple[Link, ...] = ()
    private: bool = False
    tone: Tone = Tone.NEUTRAL
    subject: str | None = None  # the jurisdiction a "Report a problem" button refers to
    meta: dict[str, str] = field(default_factory=dict)
