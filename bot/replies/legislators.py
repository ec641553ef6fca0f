"""`/legislators`: a seat's current members from the Open States snapshot, or where to find one's district."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlparse

from bot.kb.lookup import Entry
from bot.people.directory import Directory
from bot.people.model import Chamber, Legislator, chamber_key
from bot.replies.fit import clip, neutralize_mentions
from bot.replies.model import Link, Page, Reply, Tone
from bot.replies.templates import Templates

MAX_MEMBER_LINKS = 8  # a New Hampshire district can have 10 members; Discord shows 5 buttons a row
DISTRICT_SUGGESTIONS = 3


def _md(text: str) -> str:
    """Data text shown inside markdown: no mentions, no stray formatting characters."""
    return neutralize_mentions(text).replace("*", "").replace("_", "\\_").replace("`", "'")


@lru_cache(maxsize=512)
def _fixed(t: Templates, key: str, **context: str) -> str:
    """Templates whose output depends only on the locale and a word or two: rendered once (a Jinja render costs
    tens of microseconds; a seat's reply would otherwise render one per member)."""
    return t.render(key, **context)


def source_footer(directory: Directory, t: Templates) -> str:
    """ "Open States data (CC0), openstates/people 934bf09a94a3 of 2026-08-05"."""
    return _fixed(t, "legislators.footer", commit=directory.source_commit[:12], date=directory.source_date[:10])


def chamber_name(state: str, chamber: Chamber, t: Templates) -> str:
    """ "House", "Assembly", "House of Delegates", "Senate", "Council", "Legislature"."""
    return _fixed(t, f"legislators.chamber.{chamber_key(state, chamber)}")


def title_text(person: Legislator, t: Templates) -> str:
    """The member's title in the reply's language ("Senator" -> "Senador/a")."""
    return _fixed(t, f"legislators.titles.{person.title.casefold().replace(' ', '_')}")


def _member(person: Legislator, t: Templates) -> dict[str, str]:
    return {
        "name": _md(person.name),
        "title": title_text(person, t),
        "party": _md(person.party) or _fixed(t, "legislators.no_party"),
        "email": person.email or "",
        "phone": person.phone or "",
        "committees": ", ".join(_md(c) for c in person.committees),
    }


def members_reply(
    directory: Directory, state: str, state_name: str, chamber: Chamber, district: str, t: Templates
) -> Reply:
    """The seat's current members: party, email and phone as text, a link button to each one's page."""
    members = directory.members(state, chamber, district)
    seat = members[0].district
    title = t.render(
        "legislators.title", state=state_name, chamber=chamber_name(state, chamber, t), district=seat,
        numbered=seat[:1].isdigit(),
    )  # fmt: skip
    body = t.render("legislators.members", members=[_member(p, t) for p in members])
    links = tuple(
        Link(clip(t.render("legislators.page_button", name=p.name), 80), p.website)
        for p in members[:MAX_MEMBER_LINKS]
        if p.website
    )
    return Reply(
        kind="legislators",
        pages=(Page(title, body, footer=source_footer(directory, t)),),
        links=links,
        meta={"state": state, "chamber": chamber, "district": members[0].district,
              "members": ",".join(p.id for p in members)},
    )  # fmt: skip


def find_reply(directory: Directory, state: str, state_name: str, chamber: Chamber | None, t: Templates) -> Reply:
    """No district given: the legislature's own lookup page, and why a ZIP code alone is not enough."""
    page = directory.find_page(state)
    body = t.render(
        "legislators.find_body",
        state=state_name,
        official=bool(page and page.official),
        host=urlparse(page.url).netloc if page else "",
        example=_example(directory, state, chamber),
    )
    links = (Link(t.render("legislators.find_button", state=state_name), page.url),) if page else ()
    return Reply(
        kind="legislators_find",
        pages=(Page(t.render("legislators.find_title", state=state_name), body, footer=source_footer(directory, t)),),
        links=links,
        meta={"state": state},
    )


def _example(directory: Directory, state: str, chamber: Chamber | None) -> str:
    """A real command for this state, e.g. "/legislators CT house 113"."""
    chambers = [chamber] if chamber else directory.chambers(state)
    if not chambers:
        return ""
    districts = directory.districts(state, chambers[0])
    first = districts[0] if districts else ""
    return f"/legislators {state.upper()} {chamber_word(state, chambers[0])} {first}".strip()


def not_in_data_reply(directory: Directory, state: str, state_name: str, t: Templates) -> Reply:
    """A body Open States does not hold (the New York City Council): say so plainly, link its own page."""
    page = directory.not_in_data(state)
    body = t.render(
        "legislators.not_in_data_body", state=state_name, body_name=page.name if page else state_name,
        part_of=(page.part_of.upper() if page and page.part_of else ""),
    )  # fmt: skip
    links = (Link(t.render("legislators.not_in_data_button"), page.url),) if page else ()
    return Reply(
        kind="legislators_not_in_data",
        pages=(Page(t.render("legislators.not_in_data_title", state=state_name), body),),
        links=links,
        private=False,
        meta={"state": state},
    )


def bad_chamber_reply(directory: Directory, state: str, state_name: str, query: str, t: Templates) -> Reply:
    """A chamber the state does not have (or a word that is not a chamber)."""
    options = ", ".join(_chamber_words(directory, state))
    body = t.render("legislators.bad_chamber", query=clip(query, 40), state=state_name, options=options)
    return _error(t, body, meta={"state": state})


def need_chamber_reply(directory: Directory, state: str, state_name: str, t: Templates) -> Reply:
    """A district without a chamber, in a state with two."""
    options = ", ".join(_chamber_words(directory, state))
    return _error(t, t.render("legislators.need_chamber", state=state_name, options=options), meta={"state": state})


def nearest_districts(directory: Directory, state: str, chamber: Chamber, query: str) -> list[str]:
    """The chamber's districts closest to a mistyped one ("did you mean"), best first."""
    if not query.strip():
        return []
    from rapidfuzz import process  # on the first mistyped district: most processes never need it

    ranked = process.extract(query, directory.districts(state, chamber), limit=DISTRICT_SUGGESTIONS)
    return [district for district, _, _ in ranked]


def bad_district_reply(
    directory: Directory, state: str, state_name: str, chamber: Chamber, query: str, t: Templates
) -> Reply:
    """No current member for this district: suggest the nearest real districts ("did you mean")."""
    suggestions = nearest_districts(directory, state, chamber, query)
    joined = f" {t.render('not_found.or')} ".join(filter(None, [", ".join(suggestions[:-1]), suggestions[-1]])) \
        if suggestions else ""  # fmt: skip
    body = t.render(
        "legislators.bad_district", query=clip(query, 40), state=state_name,
        chamber=chamber_name(state, chamber, t), count=len(directory.districts(state, chamber)), suggestions=joined,
    )  # fmt: skip
    return _error(t, body, meta={"state": state, "chamber": chamber, "suggestions": ",".join(suggestions)})


def chamber_word(state: str, chamber: Chamber) -> str:
    """The word a member types for this chamber (house, assembly, senate, council, legislature)."""
    key = chamber_key(state, chamber)
    return "house" if key == "delegates" else key


def _chamber_words(directory: Directory, state: str) -> list[str]:
    return [chamber_word(state, c) for c in directory.chambers(state)]


def _error(t: Templates, body: str, meta: dict[str, str]) -> Reply:
    return Reply(
        kind="not_found", pages=(Page(t.render("not_found.title"), body),), private=True, tone=Tone.ERROR, meta=meta
    )


def unknown_state_reply(query: str, suggestions: tuple[Entry, ...], t: Templates) -> Reply:
    """A state that matched nothing: the knowledge base's own "Did you mean …?"."""
    from bot.replies.build import not_found_reply

    return not_found_reply(query, "jurisdiction", suggestions, t)


def usage_reply(t: Templates) -> Reply:
    """``/legislators`` with no state (and no saved district)."""
    return _error(t, t.render("legislators.need_state"), meta={})
