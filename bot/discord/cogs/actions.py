"""/action: organizers preview, post and schedule calls to action; the scheduler posts due runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable
from typing import Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import limits
from bot.actions import sandbox
from bot.actions.clock import OffsetClock, SystemClock
from bot.actions.render import ActionMessage, PromptInvalid, checked_prompt, render_prompt
from bot.actions.scheduler import ChannelUnavailable, Scheduler
from bot.discord.app import QiBot
from bot.discord.checks import member_has_configured_role
from bot.discord.cogs.calls import call_button_view
from bot.discord.locale import server_words, words
from bot.discord.ratelimits import prune_idle_buckets
from bot.discord.respond import NO_PINGS, deliver_text, in_time, say, say_private
from bot.discord.transformers import Jurisdiction
from bot.kb.schema import ActionPrompt
from bot.nonce import message_nonce
from bot.people.model import parse_chamber
from bot.render.discord_embeds import action_message
from bot.replies.fit import clip
from bot.replies.templates import TemplateProblem, Templates
from bot.store import StoreConflict, times
from bot.store.actions import Claim
from bot.store.members import OUTCOMES

log = logging.getLogger(__name__)
T = TypeVar("T")
RENDERED_CACHE = 256  # scheduled messages kept, by prompt, jurisdiction and knowledge-base version
COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "UTC",
    "Europe/Madrid",
    "America/Mexico_City",
]
NEEDED = ("view_channel", "send_messages", "embed_links")


class PromptNotFound(Exception):
    pass


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    perms = channel.permissions_for(me)
    return [p.replace("_", " ") for p in NEEDED if not getattr(perms, p)]


class CreatePromptModal(discord.ui.Modal):
    """The organizer's form, labelled in their language."""

    def __init__(self, t: Templates, call: bool = False) -> None:
        super().__init__(title=clip(t.render("actions.form.title"), limits.MODAL_TITLE))
        self.call = call  # a call script: the last two fields are the script and the chamber to call
        self.name = discord.ui.TextInput(
            label=t.render("actions.form.name"), max_length=40, placeholder="testify-hb-6004"
        )
        self.heading = discord.ui.TextInput(label=t.render("actions.form.heading"), max_length=200)
        self.text = discord.ui.TextInput(
            label=t.render("actions.form.text"), style=discord.TextStyle.paragraph, max_length=1500
        )
        self.links = discord.ui.TextInput(
            label=t.render("actions.form.script" if call else "actions.form.links"),
            style=discord.TextStyle.paragraph,
            required=call,
            max_length=1500 if call else 1200,
        )
        self.when = discord.ui.TextInput(
            label=t.render("actions.form.chamber" if call else "actions.form.when"),
            required=False,
            max_length=40,
            default="both" if call else None,
        )
        for item in (self.name, self.heading, self.text, self.links, self.when):
            self.add_item(item)

    def prompt_data(self) -> dict[str, object]:
        """What the form says, as an ActionPrompt's fields (validated by the caller)."""
        data: dict[str, object] = {
            "id": self.name.value.strip().lower(),
            "title": self.heading.value,
            "text": self.text.value,
        }
        if self.call:
            typed = self.when.value.strip()
            chamber = parse_chamber(typed) if typed.casefold() not in ("", "both") else "both"
            data.update(kind="call-script", script=self.links.value, chamber=chamber or typed)
            return data
        links = []
        for line in self.links.value.splitlines():
            if line.strip():
                label, _, url = line.partition("|")
                links.append({"label": label.strip(), "url": url.strip()})
        data.update(links=links, event_time=self.when.value.strip() or None)
        return data

    async def on_submit(self, interaction: discord.Interaction[QiBot]) -> None:
        cog: Actions = interaction.client.get_cog("Actions")
        await cog.create_prompt(interaction, self)

    async def on_error(self, interaction: discord.Interaction[QiBot], error: Exception) -> None:
        await interaction.client.tree.on_error(interaction, error)


@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class Actions(commands.GroupCog, group_name="action", group_description="Organizers: calls to action"):
    """Calls to action. Discord hides the group by default; every command also checks the organizer roles."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        settings = bot.settings
        clock = OffsetClock(settings.clock_offset_file) if settings.clock_offset_file else SystemClock()
        self.scheduler = Scheduler(
            bot.store,
            clock,
            self.post_run,
            self.tell_organizer,
            grace=dt.timedelta(minutes=settings.schedule_grace_minutes),
            pacer=bot.pacer,  # type: ignore[attr-defined]
        )
        self._prompt_names: dict[int, list[str]] = {}
        self._rendered: dict[tuple[str, str | None, str], ActionMessage] = {}
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.warm_when_quiet(sandbox.worker.warm)  # start the render worker once the bot is quiet
        every = self.bot.settings.scheduler_seconds
        if every and self.bot.store is not None:
            self.tick.change_interval(seconds=every)
            self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()
        sandbox.worker.close()

    @tasks.loop(seconds=15)
    async def tick(self) -> None:
        """Post due runs; a database that is down is logged and tried again next tick."""
        await self.scheduler.tick_safely()

    @tick.before_loop
    async def _tick_once_connected(self) -> None:
        await self.bot.wait_until_ready()  # a post needs the gateway; none is due before the client is ready

    async def interaction_check(self, interaction: discord.Interaction[QiBot]) -> bool:
        return member_has_configured_role(interaction, "organizer")

    # ----------------------------------------------------------------- prompts

    async def find_prompt(self, guild_id: int, name: str) -> ActionPrompt:
        kb = self.bot.knowledge()
        if name in kb.actions:
            return kb.actions[name]
        for prompt in await self.bot.store.prompts(guild_id):
            if prompt.id == name:
                return prompt
        raise PromptNotFound(name)

    async def render(self, guild_id: int, name: str, jurisdiction: str | None) -> ActionMessage:
        prompt = await self.find_prompt(guild_id, name)
        return await asyncio.to_thread(render_prompt, prompt, self.bot.knowledge(), jurisdiction)

    @staticmethod
    def message_kwargs(msg: ActionMessage, t: Templates, late_for: int | None = None) -> dict:
        """What to send for a call to action; a call-script prompt gets its "Call your legislators" button."""
        kwargs = action_message(msg, t, late_for=late_for)
        if msg.call:
            kwargs["view"] = call_button_view(msg.prompt_id, t.locale, kwargs.get("view"))
        return kwargs

    async def _in_time(self, interaction: discord.Interaction[QiBot], work: Awaitable[T]) -> T:
        """Await ``work``; if it takes longer than the defer threshold (a render worker starting on a busy
        host), defer first so Discord's 3-second deadline is never missed. Replies then go as follow-ups."""
        result, _ = await in_time(interaction, work, defer_after=self.bot.settings.defer_after_seconds)
        return result

    async def _rendered_or_say(self, interaction, prompt: str, jurisdiction: str | None) -> ActionMessage | None:
        try:
            return await self._in_time(interaction, self.render(interaction.guild_id, prompt, jurisdiction))
        except PromptNotFound:
            await say(interaction, "actions.no_prompt", "not-found", name=clip(prompt, 40))
        except TemplateProblem as exc:
            await say(interaction, "actions.template_failed", "template-error", error=clip(str(exc.__cause__), 300))
        return None

    async def _may_post(self, interaction: discord.Interaction[QiBot], channel: discord.TextChannel) -> bool:
        """Check the bot's own permissions in ``channel`` and say clearly what is missing."""
        missing = missing_permissions(channel, interaction.guild.me)
        if missing:
            await say(
                interaction, "actions.cannot_post", "forbidden", channel=channel.mention, missing=", ".join(missing)
            )
        return not missing

    async def prompt_autocomplete(
        self, interaction: discord.Interaction[QiBot], current: str
    ) -> list[app_commands.Choice[str]]:
        names = list(self.bot.knowledge().actions)
        guild = interaction.guild_id or 0
        if guild not in self._prompt_names:
            try:
                self._prompt_names[guild] = [p.id for p in await self.bot.store.prompts(guild)]
            except Exception:
                self._prompt_names[guild] = []
        names += self._prompt_names[guild]
        ranked = sorted(n for n in names if current.lower() in n)
        return [app_commands.Choice(name=n, value=n) for n in ranked[: limits.AUTOCOMPLETE_CHOICES]]

    @app_commands.command(name="preview", description="See exactly what a call to action will post, privately")
    @app_commands.describe(prompt="Prompt name", jurisdiction="Fill in a state's data (optional)")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def preview(
        self, interaction: discord.Interaction[QiBot], prompt: str, jurisdiction: Jurisdiction | None = None
    ) -> None:
        msg = await self._rendered_or_say(interaction, prompt, jurisdiction)
        if msg is None:
            return
        t = words(interaction)
        await say_private(interaction, t.render("actions.preview"), **self.message_kwargs(msg, t))

    @app_commands.command(name="post", description="Post a call to action in a channel now")
    @app_commands.describe(
        prompt="Prompt name",
        channel="Where to post",
        jurisdiction="Fill in a state's data",
        ping="Ping the role this server allows for calls to action (if one is set)",
    )
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def post(
        self,
        interaction: discord.Interaction[QiBot],
        prompt: str,
        channel: discord.TextChannel,
        jurisdiction: Jurisdiction | None = None,
        ping: bool = False,
    ) -> None:
        msg = await self._rendered_or_say(interaction, prompt, jurisdiction)
        if msg is None:
            return
        if not await self._may_post(interaction, channel):
            return
        content, mentions = None, NO_PINGS
        if ping:
            role_id = await self.bot.store.guild_setting(interaction.guild_id, "ping_role_id")
            if not role_id:
                await say(interaction, "actions.no_ping_role", "no-ping-role")
                return
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)])
        try:
            nonce = message_nonce("post", prompt, jurisdiction, channel.id, interaction.id)  # a retried POST posts once
            public_words = server_words(self.bot, interaction.guild_id)  # the channel reads the server's language
            sent = await channel.send(
                content, allowed_mentions=mentions, nonce=nonce, **self.message_kwargs(msg, public_words)
            )
        except discord.Forbidden:
            await say(interaction, "actions.refused", "forbidden", channel=channel.mention)
            return
        except discord.NotFound:
            await say(interaction, "actions.channel_gone", "not-found")
            return
        await say(interaction, "actions.posted", channel=channel.mention, url=sent.jump_url)

    @app_commands.command(name="schedule", description="Post a call to action later: once, daily or weekly")
    @app_commands.describe(
        prompt="Prompt name",
        channel="Where to post",
        when="Local date and time, e.g. 2026-12-01 18:00",
        timezone="IANA time zone, e.g. America/New_York",
        repeat="once, daily or weekly",
        jurisdiction="Fill in a state's data",
    )
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction[QiBot],
        prompt: str,
        channel: discord.TextChannel,
        when: str,
        timezone: str,
        repeat: Literal["once", "daily", "weekly"] = "once",
        jurisdiction: Jurisdiction | None = None,
    ) -> None:
        if await self._rendered_or_say(interaction, prompt, jurisdiction) is None:
            return
        try:
            tz, local = times.zone(timezone), times.parse_local(when)
        except times.BadTime as exc:
            await say(interaction, "actions.bad_time", "bad-time", error=exc)
            return
        if not await self._may_post(interaction, channel):
            return
        now = self.scheduler.clock.now()
        runs = times.upcoming(local, tz, repeat, now - dt.timedelta(seconds=1), 3)
        if not runs:
            await say(interaction, "actions.past", "bad-time")
            return
        schedule_id = await self.bot.store.add_schedule(
            guild_id=interaction.guild_id,
            channel_id=channel.id,
            prompt=prompt,
            jurisdiction=jurisdiction,
            timezone=tz.key,
            local_time=local,
            repeat=repeat,
            first_run=runs[0],
            created_by=interaction.user.id,
        )
        t = words(interaction)
        lines = [
            t.render(
                "actions.scheduled",
                id=schedule_id,
                prompt=prompt,
                channel=channel.mention,
                repeat=t.render(f"actions.repeat.{repeat}"),
                zone=tz.key,
            )
        ]
        lines += [
            t.render(
                "actions.run_line", when=f"<t:{int(r.timestamp())}:F>", local=f"{r.astimezone(tz):%Y-%m-%d %H:%M %Z}"
            )
            for r in runs
        ]
        await say_private(interaction, "\n".join(lines))

    @schedule.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[QiBot], current: str
    ) -> list[app_commands.Choice[str]]:
        from zoneinfo import available_timezones

        pool = COMMON_ZONES + sorted(available_timezones() - set(COMMON_ZONES))
        found = [z for z in pool if current.lower().replace(" ", "_") in z.lower()]
        return [app_commands.Choice(name=z, value=z) for z in found[: limits.AUTOCOMPLETE_CHOICES]]

    @app_commands.command(name="list", description="Prompts and schedules for this server")
    async def list_(self, interaction: discord.Interaction[QiBot]) -> None:
        kb = self.bot.knowledge()
        own = await self.bot.store.prompts(interaction.guild_id)
        schedules = await self.bot.store.schedules(interaction.guild_id)
        t = words(interaction)
        none = t.render("actions.list.none")
        lines = [
            t.render("actions.list.reviewed", names=", ".join(sorted(kb.actions)) or none),
            t.render("actions.list.own", names=", ".join(p.id for p in own) or none),
            t.render("actions.list.schedules"),
        ]
        for s in schedules:
            lines.append(
                t.render(
                    "actions.list.schedule",
                    id=s.id,
                    prompt=s.prompt,
                    channel=f"<#{s.channel_id}>",
                    repeat=t.render(f"actions.repeat.{s.repeat}"),
                    when=f"<t:{int(s.next_run_at.timestamp())}:F>" if s.next_run_at else "-",
                    status=s.status if s.status != "active" else None,
                    note=s.status_note,
                )
            )
        if not schedules:
            lines.append(none)
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="cancel", description="Cancel a schedule")
    @app_commands.describe(schedule="Schedule number from /action list")
    async def cancel(self, interaction: discord.Interaction[QiBot], schedule: app_commands.Range[int, 1]) -> None:
        done = await self.bot.store.set_schedule_status(
            schedule,
            "cancelled",
            f"by {interaction.user.id}",
            guild_id=interaction.guild_id,
        )
        await say(interaction, "actions.cancelled" if done else "actions.no_schedule", id=schedule)

    @app_commands.command(name="resume", description="Resume a paused schedule (after fixing the channel)")
    @app_commands.describe(schedule="Schedule number from /action list")
    async def resume(self, interaction: discord.Interaction[QiBot], schedule: app_commands.Range[int, 1]) -> None:
        done = await self.bot.store.set_schedule_status(schedule, "active", None, guild_id=interaction.guild_id)
        await say(interaction, "actions.resumed" if done else "actions.no_schedule", id=schedule)

    @app_commands.command(name="create", description="Create this server's own call to action (a form)")
    @app_commands.describe(kind="A post, or a call script that shows each member their own legislators")
    async def create(
        self, interaction: discord.Interaction[QiBot], kind: Literal["post", "call-script"] = "post"
    ) -> None:
        await interaction.response.send_modal(CreatePromptModal(words(interaction), call=kind == "call-script"))

    async def create_prompt(self, interaction: discord.Interaction[QiBot], form: CreatePromptModal) -> None:
        member_has_configured_role(interaction, "organizer")  # checked again on submit: roles can change
        try:
            data, kb = form.prompt_data(), self.bot.knowledge()
            prompt = await self._in_time(interaction, asyncio.to_thread(checked_prompt, data, kb))
        except PromptInvalid as exc:
            await say(interaction, "actions.not_saved_field", "invalid", field=exc.field, problem=exc.problem)
            return
        except TemplateProblem as exc:
            await say(interaction, "actions.not_saved_template", "invalid", error=clip(str(exc.__cause__), 300))
            return
        if prompt.id in self.bot.knowledge().actions:
            await say(interaction, "actions.reviewed_name", "conflict", name=prompt.id)
            return
        try:
            await self.bot.store.save_prompt(interaction.guild_id, prompt, interaction.user.id)
        except StoreConflict as exc:
            await say(interaction, "actions.not_saved", "conflict", problem=exc)
            return
        self._prompt_names.pop(interaction.guild_id, None)
        await say(interaction, "actions.saved", name=prompt.id)

    @app_commands.command(name="delete", description="Delete one of this server's own prompts")
    @app_commands.describe(prompt="Prompt name")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def delete(self, interaction: discord.Interaction[QiBot], prompt: str) -> None:
        done = await self.bot.store.delete_prompt(interaction.guild_id, prompt)
        self._prompt_names.pop(interaction.guild_id, None)
        await say(interaction, "actions.deleted" if done else "actions.not_own", name=clip(prompt, 40))

    @app_commands.command(name="stats", description="Call outcomes of a call prompt by day and outcome, privately")
    @app_commands.describe(prompt="Prompt name")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def stats(self, interaction: discord.Interaction[QiBot], prompt: str) -> None:
        t = words(interaction)
        guild_id = interaction.guild_id or 0

        async def tally() -> str:
            days = await self.bot.store.outcome_tally(guild_id, prompt)
            name = clip(prompt, 40)
            if not days:
                return t.render("stats.none", prompt=name)
            totals = dict.fromkeys(OUTCOMES, 0)
            lines = [t.render("stats.title", prompt=name), "```", t.render("stats.header")]
            for day, counts in days.items():
                lines.append(t.render("stats.row", day=day.isoformat(), **counts))
                for outcome, n in counts.items():
                    totals[outcome] += n
            lines += [t.render("stats.total", **totals), "```"]
            return clip("\n".join(lines), limits.MESSAGE_CONTENT)

        await deliver_text(interaction, tally, defer_after=self.bot.settings.defer_after_seconds)
        self.bot.log_interaction(interaction, None, "ok")

    @app_commands.command(name="allow-ping", description="Moderators: the one role calls to action may ping (or none)")
    @app_commands.describe(role="The role organizers may ping; leave empty to allow none")
    async def allow_ping(self, interaction: discord.Interaction[QiBot], role: discord.Role | None = None) -> None:
        member_has_configured_role(interaction, "moderator")
        await self.bot.store.set_guild_setting(interaction.guild_id, ping_role_id=role.id if role else None)
        if role:
            await say(interaction, "actions.ping_role", role=role.mention)
        else:
            await say(interaction, "actions.ping_none")

    # ----------------------------------------------------------------- the scheduler's side

    async def render_for_run(self, guild_id: int, name: str, jurisdiction: str | None) -> ActionMessage:
        """Render for a scheduled post, reusing the message while prompt, jurisdiction and data are unchanged
        (many channels posting one prompt at the same minute render it once)."""
        prompt = await self.find_prompt(guild_id, name)
        kb = self.bot.knowledge()  # type: ignore[attr-defined]
        key = (repr(prompt), jurisdiction or prompt.jurisdiction, kb.version)  # a dataclass repr shows every field
        if (msg := self._rendered.get(key)) is None:
            msg = await asyncio.to_thread(render_prompt, prompt, kb, jurisdiction)
            if len(self._rendered) >= RENDERED_CACHE:
                self._rendered.pop(next(iter(self._rendered)))
            self._rendered[key] = msg
        return msg

    async def post_run(self, claim: Claim) -> int:
        """Post one scheduled run; ChannelUnavailable pauses the schedule."""
        sched = claim.schedule
        msg = await self.render_for_run(sched.guild_id, sched.prompt, sched.jurisdiction)
        channel = self.bot.get_partial_messageable(sched.channel_id, guild_id=sched.guild_id)
        late_for = int(claim.run_at.timestamp()) if claim.late else None
        t = server_words(self.bot, sched.guild_id)
        try:
            nonce = message_nonce("run", sched.id, claim.run_at.isoformat())  # a retried POST posts once
            sent = await channel.send(
                allowed_mentions=NO_PINGS, nonce=nonce, **self.message_kwargs(msg, t, late_for=late_for)
            )
        except discord.NotFound as exc:
            raise ChannelUnavailable(t.render("actions.reason_gone", channel=f"<#{sched.channel_id}>")) from exc
        except discord.Forbidden as exc:
            raise ChannelUnavailable(t.render("actions.reason_forbidden", channel=f"<#{sched.channel_id}>")) from exc
        finally:
            prune_idle_buckets(self.bot.http)
        return sent.id

    async def tell_organizer(self, claim: Claim, reason: str) -> None:
        user = self.bot.get_user(claim.schedule.created_by) or await self.bot.fetch_user(claim.schedule.created_by)
        t = server_words(self.bot, claim.schedule.guild_id)
        text = t.render("actions.paused", id=claim.schedule.id, prompt=claim.schedule.prompt, reason=reason)
        await user.send(text, allowed_mentions=NO_PINGS)


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Actions(bot))
