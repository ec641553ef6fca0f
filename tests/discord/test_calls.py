"""Call buttons: custom ids fit Discord's 100 characters and round-trip; whom a prompt calls."""

from __future__ import annotations

from bot.discord.cogs.calls import OutcomeButton, long_id, short_id, wants_other_chamber
from bot.kb.schema import ActionPrompt
from bot.kb.validate import validate
from bot.store.members import MemberDistrict


def _call(chamber: str) -> ActionPrompt:
    return validate(ActionPrompt,
        {"id": "c", "kind": "call-script", "title": "T", "text": "x", "script": "y", "chamber": chamber}
    )


def test_open_states_ids_are_shortened_and_restored() -> None:
    long = "ocd-person/9b751b3f-3f56-43dd-8eab-1cfdb81d7b34"
    assert short_id(long) == "~9b751b3f-3f56-43dd-8eab-1cfdb81d7b34"
    assert long_id(short_id(long)) == long
    assert long_id(short_id("other-id")) == "other-id"


def test_the_longest_outcome_custom_id_fits() -> None:
    button = OutcomeButton("a" * 40, "ocd-person/9b751b3f-3f56-43dd-8eab-1cfdb81d7b34", "voicemail", who="x" * 200)
    assert len(button.item.custom_id) <= 100
    assert len(button.item.label) <= 80
    assert OutcomeButton.__discord_ui_compiled_template__.fullmatch(button.item.custom_id)


def test_a_prompt_for_one_chamber_asks_for_that_chamber() -> None:
    lower, upper, council = (MemberDistrict("ct", c, "1") for c in ("lower", "upper", "legislature"))
    assert not wants_other_chamber(_call("both"), upper)
    assert wants_other_chamber(_call("upper"), lower)
    assert not wants_other_chamber(_call("upper"), upper)
    assert not wants_other_chamber(_call("lower"), council), "a unicameral seat is always the one to call"


async def test_a_button_error_reaches_the_central_handler() -> None:
    from bot.discord.errors import reported
    from bot.store import StoreUnavailable

    seen: list[Exception] = []

    class Tree:
        async def on_error(self, interaction: object, error: Exception) -> None:
            seen.append(error)

    class Interaction:
        client = type("Client", (), {"tree": Tree()})()

    class Item:
        @reported
        async def callback(self, interaction: object) -> None:
            raise StoreUnavailable("database down")

    await Item().callback(Interaction())
    assert isinstance(seen[0], StoreUnavailable)
