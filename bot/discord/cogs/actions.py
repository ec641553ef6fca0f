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
from pydantic import ValidationError

from bot import limits
from bot.actions import sandbox
from bot.actions.clock import OffsetClock, SystemClock
from bot.actions.render import ActionMessage, render_prompt
from bot.actions.scheduler import ChannelUnavailable, Scheduler
from bot.discord.checks import member_has_configured_role
from bot.discord.ratelimits import prune_idle_buckets
from bot.discord.respond import NO_PINGS, say_private
from bot.discord.transformers import Jurisdiction
from bot.kb.schema import ActionPrompt
from bot.nonce import message_nonce
from bot.render.discord_embeds import action_message
from bot.replies.fit import clip
from bot.replies.templates import TemplateProblem
from bot.store import StoreConflict, times
from bot.store.actions import Claim

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


class CreatePromptModal(discord.ui.Modal, title="New call to action"):
    name = discord.ui.TextInput(
        label="Short name (letters, digits, hyphens)", max_length=40, placeholder="testify-hb-6004"
    )
    heading = discord.ui.TextInput(label="Title", max_length=200)
    text = discord.ui.TextInput(
        label="Text ({{ jurisdiction.name }} etc. allowed)", style=discord.TextStyle.paragraph, max_length=1500
    )
    links = discord.ui.TextInput(
        label="Links, one per line: Label | https://…",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1200,
    )
    when = discord.ui.TextInput(label="Event time, optional (2026-03-01T18:00-05:00)", required=False, max_length=40)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        cog: Actions = interaction.client.get_cog("Actions")  # type: ignore[assignment]
        await cog.create_prompt(interaction, self)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await interaction.client.tree.on_error(interaction, error)  # type: ignore[arg-type]


@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class Actions(commands.GroupCog, group_name="action", group_description="Organizers: calls to action"):
    """Calls to action. Discord hides the group by default; every command also checks the organizer roles."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        settings = bot.settings  # type: ignore[attr-defined]
        clock = OffsetClock(settings.clock_offset_file) if settings.clock_offset_file else SystemClock()
        self.scheduler = Scheduler(
            bot.store,
            clock,
            self.post_run,
            self.tell_organizer,  # type: ignore[attr-defined]
            grace=dt.timedelta(minutes=settings.schedule_grace_minutes),
            pacer=bot.pacer,  # type: ignore[attr-defined]
        )
        self._prompt_names: dict[int, list[str]] = {}
        self._rendered: dict[tuple[str, str | None, str], ActionMessage] = {}
        super().__init__()

    async def cog_load(self) -> None:
        asyncio.get_running_loop().run_in_executor(None, sandbox.worker.warm)  # start the render worker early
        every = self.bot.settings.scheduler_seconds  # type: ignore[attr-defined]
        if every and self.bot.store is not None:  # type: ignore[attr-defined]
            self.tick.change_interval(seconds=every)
            self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()
        sandbox.worker.close()

    @tasks.loop(seconds=15)
    async def tick(self) -> None:
        """Post due runs; a database that is down is logged and tried again next tick."""
        await self.scheduler.tick_safely()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return member_has_configured_role(interaction, "organizer")

    # ----------------------------------------------------------------- prompts

    async def find_prompt(self, guild_id: int, name: str) -> ActionPrompt:
        kb = self.bot.knowledge()  # type: ignore[attr-defined]
        if name in kb.actions:
            return kb.actions[name]
        for prompt in await self.bot.store.prompts(guild_id):  # type: ignore[attr-defined]
            if prompt.id == name:
                return prompt
        raise PromptNotFound(name)

    async def render(self, guild_id: int, name: str, jurisdiction: str | None) -> ActionMessage:
        prompt = await self.find_prompt(guild_id, name)
        return await asyncio.to_thread(render_prompt, prompt, self.bot.knowledge(), jurisdiction)  # type: ignore[attr-defined]

    async def _in_time(self, interaction: discord.Interaction, work: Awaitable[T]) -> T:
        """Await ``work``; if it takes longer than the defer threshold (a render worker starting on a busy
        host), defer first so Discord's 3-second deadline is never missed. Replies then go as follow-ups."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.bot.settings.defer_after_seconds)  # type: ignore[attr-defined]
        if not done and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        return await task

    async def _rendered_or_say(self, interaction, prompt: str, jurisdiction: str | None) -> ActionMessage | None:
        try:
            return await self._in_time(interaction, self.render(interaction.guild_id, prompt, jurisdiction))
        except PromptNotFound:
            await say_private(
                interaction, f"There is no prompt named “{clip(prompt, 40)}”. See `/action list`.", "not-found"
            )
        except TemplateProblem as exc:
            await say_private(
                interaction,
                f"The prompt's text could not be rendered: {clip(str(exc.__cause__), 300)}",
                "template-error",
            )
        return None

    async def _may_post(self, interaction: discord.Interaction, channel: discord.TextChannel) -> bool:
        """Check the bot's own permissions in ``channel`` and say clearly what is missing."""
        missing = missing_permissions(channel, interaction.guild.me)  # type: ignore[union-attr]
        if missing:
            await say_private(
                interaction, f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}.", "forbidden"
            )
        return not missing

    async def prompt_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = list(self.bot.knowledge().actions)  # type: ignore[attr-defined]
        guild = interaction.guild_id or 0
        if guild not in self._prompt_names:
            try:
                self._prompt_names[guild] = [p.id for p in await self.bot.store.prompts(guild)]  # type: ignore[attr-defined]
            except Exception:
                self._prompt_names[guild] = []
        names += self._prompt_names[guild]
        ranked = sorted(n for n in names if current.lower() in n)
        return [app_commands.Choice(name=n, value=n) for n in ranked[: limits.AUTOCOMPLETE_CHOICES]]

    @app_commands.command(name="preview", description="See exactly what a call to action will post, privately")
    @app_commands.describe(prompt="Prompt name", jurisdiction="Fill in a state's data (optional)")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def preview(
        self, interaction: discord.Interaction, prompt: str, jurisdiction: Jurisdiction | None = None
    ) -> None:
        msg = await self._rendered_or_say(interaction, prompt, jurisdiction)
        if msg is None:
            return
        await say_private(interaction, "Preview (only you can see this):", **action_message(msg))

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
        interaction: discord.Interaction,
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
            role_id = await self.bot.store.guild_setting(interaction.guild_id, "ping_role_id")  # type: ignore[attr-defined]
            if not role_id:
                await say_private(
                    interaction,
                    "This server allows no role to be pinged by calls to action; "
                    "a moderator can set one with `/action allow-ping`.",
                    "no-ping-role",
                )
                return
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)])
        try:
            nonce = message_nonce("post", prompt, jurisdiction, channel.id, interaction.id)  # a retried POST posts once
            sent = await channel.send(content, allowed_mentions=mentions, nonce=nonce, **action_message(msg))
        except discord.Forbidden:
            await say_private(interaction, f"Discord refused: I may not post in {channel.mention}.", "forbidden")
            return
        except discord.NotFound:
            await say_private(interaction, "That channel no longer exists.", "not-found")
            return
        await say_private(interaction, f"Posted in {channel.mention}: {sent.jump_url}")

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
        interaction: discord.Interaction,
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
            await say_private(interaction, f"{exc}.", "bad-time")
            return
        if not await self._may_post(interaction, channel):
            return
        now = self.scheduler.clock.now()
        runs = times.upcoming(local, tz, repeat, now - dt.timedelta(seconds=1), 3)
        if not runs:
            await say_private(interaction, "That time has already passed; pick a future time.", "bad-time")
            return
        schedule_id = await self.bot.store.add_schedule(  # type: ignore[attr-defined]
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
        lines = [f"Scheduled #{schedule_id}: “{prompt}” in {channel.mention}, {repeat}, {tz.key}. Next runs:"]
        lines += [f"• <t:{int(r.timestamp())}:F> ({r.astimezone(tz):%a %Y-%m-%d %H:%M %Z})" for r in runs]
        await say_private(interaction, "\n".join(lines))

    @schedule.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        from zoneinfo import available_timezones

        pool = COMMON_ZONES + sorted(available_timezones() - set(COMMON_ZONES))
        found = [z for z in pool if current.lower().replace(" ", "_") in z.lower()]
        return [app_commands.Choice(name=z, value=z) for z in found[: limits.AUTOCOMPLETE_CHOICES]]

    @app_commands.command(name="list", description="Prompts and schedules for this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        kb = self.bot.knowledge()  # type: ignore[attr-defined]
        own = await self.bot.store.prompts(interaction.guild_id)  # type: ignore[attr-defined]
        schedules = await self.bot.store.schedules(interaction.guild_id)  # type: ignore[attr-defined]
        lines = [
            "**Reviewed prompts:** " + (", ".join(sorted(kb.actions)) or "none"),
            "**This server's prompts:** " + (", ".join(p.id for p in own) or "none"),
            "**Schedules:**",
        ]
        for s in schedules:
            when = f"<t:{int(s.next_run_at.timestamp())}:F>" if s.next_run_at else "-"
            note = f" ({s.status}: {s.status_note})" if s.status != "active" else ""
            lines.append(f"#{s.id} {s.prompt} in <#{s.channel_id}>, {s.repeat}, next {when}{note}")
        if not schedules:
            lines.append("none")
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="cancel", description="Cancel a schedule")
    @app_commands.describe(schedule="Schedule number from /action list")
    async def cancel(self, interaction: discord.Interaction, schedule: app_commands.Range[int, 1]) -> None:
        done = await self.bot.store.set_schedule_status(
            schedule,
            "cancelled",
            f"by {interaction.user.id}",  # type: ignore[attr-defined]
            guild_id=interaction.guild_id,
        )
        await say_private(
            interaction, f"Schedule #{schedule} cancelled." if done else f"There is no schedule #{schedule} here."
        )

    @app_commands.command(name="resume", description="Resume a paused schedule (after fixing the channel)")
    @app_commands.describe(schedule="Schedule number from /action list")
    async def resume(self, interaction: discord.Interaction, schedule: app_commands.Range[int, 1]) -> None:
        done = await self.bot.store.set_schedule_status(schedule, "active", None, guild_id=interaction.guild_id)  # type: ignore[attr-defined]
        await say_private(
            interaction, f"Schedule #{schedule} resumed." if done else f"There is no schedule #{schedule} here."
        )

    @app_commands.command(name="create", description="Create this server's own call to action (a form)")
    async def create(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(CreatePromptModal())

    async def create_prompt(self, interaction: discord.Interaction, form: CreatePromptModal) -> None:
        member_has_configured_role(interaction, "organizer")  # checked again on submit: roles can change
        links = []
        for line in form.links.value.splitlines():
            if line.strip():
                label, _, url = line.partition("|")
                links.append({"label": label.strip(), "url": url.strip()})
        data = {
            "id": form.name.value.strip().lower(),
            "title": form.heading.value,
            "text": form.text.value,
            "links": links,
            "event_time": form.when.value.strip() or None,
        }
        try:
            prompt = ActionPrompt.model_validate(data)
            await self._in_time(interaction, asyncio.to_thread(render_prompt, prompt, self.bot.knowledge(), None))  # type: ignore[attr-defined]
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            await say_private(
                interaction, f"Not saved: {where}: {first['msg'].removeprefix('Value error, ')}.", "invalid"
            )
            return
        except TemplateProblem as exc:
            await say_private(
                interaction, f"Not saved: the text has a template error: {clip(str(exc.__cause__), 300)}", "invalid"
            )
            return
        if prompt.id in self.bot.knowledge().actions:  # type: ignore[attr-defined]
            await say_private(
                interaction, f"Not saved: “{prompt.id}” is a reviewed prompt's name; pick another.", "conflict"
            )
            return
        try:
            await self.bot.store.save_prompt(interaction.guild_id, prompt, interaction.user.id)  # type: ignore[attr-defined]
        except StoreConflict as exc:
            await say_private(interaction, f"Not saved: {exc}.", "conflict")
            return
        self._prompt_names.pop(interaction.guild_id, None)
        await say_private(interaction, f"Saved “{prompt.id}”. Preview it with `/action preview {prompt.id}`.")

    @app_commands.command(name="delete", description="Delete one of this server's own prompts")
    @app_commands.describe(prompt="Prompt name")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def delete(self, interaction: discord.Interaction, prompt: str) -> None:
        done = await self.bot.store.delete_prompt(interaction.guild_id, prompt)  # type: ignore[attr-defined]
        self._prompt_names.pop(interaction.guild_id, None)
        await say_private(
            interaction,
            f"Deleted “{prompt}”." if done else f"“{clip(prompt, 40)}” is not one of this server's prompts.",
        )

    @app_commands.command(name="allow-ping", description="Moderators: the one role calls to action may ping (or none)")
    @app_commands.describe(role="The role organizers may ping; leave empty to allow none")
    async def allow_ping(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        member_has_configured_role(interaction, "moderator")
        await self.bot.store.set_guild_setting(interaction.guild_id, ping_role_id=role.id if role else None)  # type: ignore[attr-defined]
        await say_private(
            interaction, f"Calls to action may ping {role.mention}." if role else "Calls to action ping nobody."
        )

    # ----------------------------------------------------------------- the scheduler's side

    async def render_for_run(self, guild_id: int, name: str, jurisdiction: str | None) -> ActionMessage:
        """Render for a scheduled post, reusing the message while prompt, jurisdiction and data are unchanged
        (many channels posting one prompt at the same minute render it once)."""
        prompt = await self.find_prompt(guild_id, name)
        kb = self.bot.knowledge()  # type: ignore[attr-defined]
        key = (prompt.model_dump_json(), jurisdiction or prompt.jurisdiction, kb.version)
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
        try:
            nonce = message_nonce("run", sched.id, claim.run_at.isoformat())  # a retried POST posts once
            sent = await channel.send(allowed_mentions=NO_PINGS, nonce=nonce, **action_message(msg, late_for=late_for))
        except discord.NotFound as exc:
            raise ChannelUnavailable(f"channel <#{sched.channel_id}> no longer exists") from exc
        except discord.Forbidden as exc:
            raise ChannelUnavailable(f"I may not post in <#{sched.channel_id}> any more") from exc
        finally:
            prune_idle_buckets(self.bot.http)
        return sent.id

    async def tell_organizer(self, claim: Claim, reason: str) -> None:
        user = self.bot.get_user(claim.schedule.created_by) or await self.bot.fetch_user(claim.schedule.created_by)
        await user.send(
            f"Your scheduled call to action #{claim.schedule.id} (“{claim.schedule.prompt}”) is paused: "
            f"{reason}. Fix it, then use `/action resume {claim.schedule.id}`, or `/action cancel`.",
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Actions(bot))
