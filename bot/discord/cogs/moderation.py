"""/kb: moderators keep the knowledge base true (edit, preview, history, revert, reports, reload, validate)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import edits, limits
from bot import worker as offload
from bot.discord.checks import member_has_configured_role
from bot.discord.locale import reply_locale
from bot.discord.respond import NO_PINGS, deliver, deliver_text, say_private
from bot.discord.transformers import Criterion, Jurisdiction
from bot.kb import editor
from bot.kb.issues import Issue
from bot.replies.fit import clip
from bot.store import StoreConflict

log = logging.getLogger(__name__)
WORDS = {"yes": "Yes", "partial": "Partial", "no": "No", "unknown": "Unknown", None: "(none)"}


def explain_issues(issues: list[Issue], limit: int = 8) -> str:
    """Findings as a short list: file:line, field, message and fix."""
    lines = [
        f"• `{i.file}{':' + str(i.line) if i.line else ''}` {i.field or ''}: {i.message}"
        + (f" (fix: {i.hint})" if i.hint else "")
        for i in issues[:limit]
    ]
    more = f"\n… and {len(issues) - limit} more" if len(issues) > limit else ""
    return clip("\n".join(lines) + more, limits.MESSAGE_CONTENT - 200)


class EditModal(discord.ui.Modal):
    """Prefilled with the current verdict; submitting validates like a file, then writes and swaps."""

    def __init__(self, jid: str, name: str, cid: str, label: str, entry: dict | None, sha: str) -> None:
        # Each opening gets its own custom_id: discord.py keys open modals by custom_id alone, so two
        # moderators editing the same entry must never share one (the second would replace the first).
        nonce = secrets.token_hex(6)
        super().__init__(
            title=clip(f"Edit {name}: {label}", limits.MODAL_TITLE),
            custom_id=f"qibot:kbedit:{jid}:{cid}:{sha}:{nonce}",
        )
        entry = entry or {}
        self.jid, self.cid, self.sha = jid, cid, sha
        self.verdict = discord.ui.TextInput(
            label="Verdict: yes, partial, no or unknown", default=entry.get("verdict", "unknown"), max_length=10
        )
        self.points = discord.ui.TextInput(
            label="Points: 1, 0.5 or 0 (empty when unknown)",
            default=str(entry.get("points", "")),
            required=False,
            max_length=4,
        )
        self.reason = discord.ui.TextInput(
            label="Reason (one line, neutral)",
            style=discord.TextStyle.paragraph,
            default=entry.get("reason"),
            max_length=limits.REASON,
        )
        self.quote = discord.ui.TextInput(
            label="Quote, exactly as in the source (optional)",
            style=discord.TextStyle.paragraph,
            default=entry.get("quote"),
            required=False,
            max_length=limits.QUOTE,
        )
        self.source = discord.ui.TextInput(label="Source URL", default=entry.get("source"), max_length=limits.URL)
        for item in (self.verdict, self.points, self.reason, self.quote, self.source):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        cog: Moderation = interaction.client.get_cog("Moderation")  # type: ignore[assignment]
        await cog.submit_edit(interaction, self)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await interaction.client.tree.on_error(interaction, error)  # type: ignore[arg-type]


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderation(commands.GroupCog, group_name="kb", group_description="Moderators: keep the knowledge base true"):
    """Knowledge-base moderation. Discord hides the group from non-moderators; every command also checks
    the configured moderator roles locally."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.warm_when_quiet(offload.warm)  # type: ignore[attr-defined]  # start the worker process early
        seconds = self.bot.settings.watch_seconds  # type: ignore[attr-defined]
        if seconds:
            self.watch.change_interval(seconds=seconds)
            self.watch.start()

    async def cog_unload(self) -> None:
        self.watch.cancel()
        offload.shutdown()

    @tasks.loop(seconds=60)
    async def watch(self) -> None:
        """Poll the files; reload when they change. An invalid change keeps the old data and is logged."""
        if await asyncio.to_thread(self.live.changed_on_disk):
            result = self.live.apply(await offload.reload(self.live.root, self.live()))
            if result.errors:
                log.warning("watcher: kept version %s; %s", result.version, result.errors[0])

    @watch.before_loop
    async def _first_watch_after_one_interval(self) -> None:
        await asyncio.sleep(self.bot.settings.watch_seconds)  # type: ignore[attr-defined]

    @watch.error
    async def _watch_failed(self, error: BaseException) -> None:
        log.error("watcher: reload failed: %s", error)
        self.watch.restart()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return member_has_configured_role(interaction, "moderator")

    @property
    def live(self):
        return self.bot.knowledge  # type: ignore[attr-defined]

    @property
    def lock_file(self):
        return self.bot.settings.data_dir / "kb-edit.lock"  # type: ignore[attr-defined]

    @app_commands.command(name="edit", description="Edit one verdict in a form; validated, then live at once")
    @app_commands.describe(jurisdiction="State, DC or NYC", criterion="Rubric criterion")
    async def edit(self, interaction: discord.Interaction, jurisdiction: Jurisdiction, criterion: Criterion) -> None:
        kb = self.live()
        root = self.live.root
        entry = editor.current_entry(root, jurisdiction, criterion)
        sha = editor.current_sha(root, jurisdiction)[:12]
        modal = EditModal(
            jurisdiction, kb.jurisdictions[jurisdiction].postal, criterion, kb.criteria[criterion].short, entry, sha
        )
        await interaction.response.send_modal(modal)

    async def submit_edit(self, interaction: discord.Interaction, form: EditModal) -> None:
        member_has_configured_role(interaction, "moderator")  # checked again on submit: roles can change
        points_text = form.points.value.strip()
        try:
            points = float(points_text) if points_text else None
        except ValueError:
            await say_private(
                interaction, f"Points must be 1, 0.5, 0 or empty, not “{clip(points_text, 20)}”.", "invalid"
            )
            return
        values = {
            "verdict": form.verdict.value,
            "points": points,
            "reason": form.reason.value,
            "quote": form.quote.value.strip(),
            "source": form.source.value.strip(),
        }
        await interaction.response.defer(ephemeral=True, thinking=True)  # validation runs off the event loop
        try:
            root, sha, live = self.live.root, form.sha, self.live()
            plan, replies = await offload.plan(
                editor.plan_edit, live, root, form.jid, form.cid, values, expected_sha=sha
            )
        except editor.EditConflict as exc:
            await say_private(interaction, await self._conflict_text(exc, None, values, form), "conflict")
            return
        except editor.EditInvalid as exc:
            await say_private(
                interaction,
                "Not saved: the edit would make the knowledge base invalid.\n" + explain_issues(exc.issues),
                "invalid",
            )
            return
        await self._apply(interaction, plan, "edit", None, replies)

    async def _apply(
        self,
        interaction: discord.Interaction,
        plan: editor.EditPlan,
        action: str,
        reverts: int | None,
        replies: dict | None = None,
    ) -> None:
        store = self.bot.store  # type: ignore[attr-defined]

        async def work() -> str:
            applied = await edits.apply_plan(
                store,
                self.live,
                plan,
                user_id=interaction.user.id,
                guild_id=interaction.guild_id,
                action=action,
                reverts_id=reverts,
                lock_file=self.lock_file,
                git=self.bot.git,  # type: ignore[attr-defined]
                author_name=interaction.user.display_name,
            )
            self.bot.responder.prime(applied.plan.kb, replies or {})  # type: ignore[attr-defined]
            if self.bot.git is not None:  # type: ignore[attr-defined]
                self.bot.request_push()  # type: ignore[attr-defined]
            await self._notice(interaction, applied)
            before, after = (plan.before or {}).get("verdict"), (plan.after or {}).get("verdict")
            label = applied.plan.kb.criteria[plan.criterion].short
            return (
                f"Saved change #{applied.change_id}: {plan.jurisdiction.upper()} · {label}: "
                f"{WORDS.get(before, before)} → {WORDS.get(after, after)}. "
                f"Live now (version {applied.plan.kb.version})."
            )

        try:
            await deliver_text(interaction, work, defer_after=self.bot.settings.defer_after_seconds)  # type: ignore[attr-defined]
        except editor.EditConflict as exc:
            await say_private(interaction, await self._conflict_text(exc, plan), "conflict")
            return
        self.bot.log_interaction(interaction, f"kb {action}", "ok")  # type: ignore[attr-defined]

    async def _conflict_text(
        self,
        exc: editor.EditConflict,
        plan: editor.EditPlan | None,
        typed: dict | None = None,
        form: EditModal | None = None,
    ) -> str:
        """Never a silent overwrite: show what this moderator typed and what is saved now."""
        jid, cid = (plan.jurisdiction, plan.criterion) if plan else (form.jid, form.cid)  # type: ignore[union-attr]
        mine = typed if typed is not None else (plan.after if plan else None) or {}
        saved = await asyncio.to_thread(editor.current_entry, self.live.root, jid, cid) or {}

        def show(entry: dict) -> str:
            verdict = WORDS.get(entry.get("verdict"), entry.get("verdict"))
            return f"{verdict}: “{clip(str(entry.get('reason') or ''), 300)}” ({entry.get('source') or '-'})"

        return clip(
            f"Conflict: {exc}. Nothing was saved.\nYour version: {show(mine)}\nSaved now: {show(saved)}",
            limits.MESSAGE_CONTENT,
        )

    async def _notice(self, interaction: discord.Interaction, applied: edits.Applied) -> None:
        """Post "CT · attorney fees: No → Partial, by @mod, source …" to the change channel, if configured."""
        channel_id = self.bot.settings.change_channel_id  # type: ignore[attr-defined]
        if not channel_id:
            return
        plan = applied.plan
        before, after = (plan.before or {}), (plan.after or {})
        label = plan.kb.criteria[plan.criterion].short
        text = (
            f"{plan.jurisdiction.upper()} · {label}: {WORDS.get(before.get('verdict'))} → "
            f"{WORDS.get(after.get('verdict'))}, by {interaction.user.mention}"
            + (f", source <{after['source']}>" if after.get("source") else "")
            + f" (change #{applied.change_id})"
        )
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            await channel.send(text, allowed_mentions=NO_PINGS)  # type: ignore[union-attr]
        except discord.HTTPException as exc:
            log.warning("could not post the change notice to %s: %s", channel_id, exc)

    @app_commands.command(name="preview", description="See a jurisdiction's reply as members would, privately")
    @app_commands.describe(jurisdiction="State, DC or NYC")
    async def preview(self, interaction: discord.Interaction, jurisdiction: Jurisdiction) -> None:
        locale = reply_locale(interaction)
        await deliver(
            interaction,
            self.bot.responder.state(jurisdiction, locale),
            public=False,  # type: ignore[attr-defined]
            defer_after=self.bot.settings.defer_after_seconds,
            locale=locale,
        )  # type: ignore[attr-defined]

    @app_commands.command(name="history", description="Who changed what, when: before and after")
    @app_commands.describe(jurisdiction="State, DC or NYC")
    async def history(self, interaction: discord.Interaction, jurisdiction: Jurisdiction) -> None:
        changes = await self.bot.store.changes(jurisdiction, limit=10)  # type: ignore[attr-defined]
        if not changes:
            await say_private(interaction, f"No edits to {jurisdiction.upper()} have been made from Discord.")
            return
        lines = []
        for c in changes:
            b, a = c.before or {}, c.after or {}
            what = f"{WORDS.get(b.get('verdict'))} → {WORDS.get(a.get('verdict'))}"
            extra = f" (revert of #{c.reverts_id})" if c.reverts_id else ""
            lines.append(f"#{c.id} <t:{int(c.created_at.timestamp())}:f> <@{c.user_id}> {c.criterion}: {what}{extra}")
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="revert", description="Restore the verdict a change replaced (recorded as a change)")
    @app_commands.describe(change="The change number from /kb history")
    async def revert(self, interaction: discord.Interaction, change: app_commands.Range[int, 1]) -> None:
        found = await self.bot.store.change(change)  # type: ignore[attr-defined]
        if found is None:
            await say_private(interaction, f"There is no change #{change}.", "not-found")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            plan, replies = await offload.plan(
                editor.plan_restore, self.live(), self.live.root, found.jurisdiction, found.criterion, found.before,
                expect=found.after,
            )
        except editor.EditConflict as exc:
            await say_private(interaction, f"Conflict: {exc}. Nothing was changed.", "conflict")
            return
        except editor.EditInvalid as exc:
            await say_private(
                interaction, "Cannot revert: the result would be invalid.\n" + explain_issues(exc.issues), "invalid"
            )
            return
        await self._apply(interaction, plan, "revert", found.id, replies)

    @app_commands.command(name="reports", description="Members' reports waiting for a moderator")
    async def reports(self, interaction: discord.Interaction) -> None:
        queue = await self.bot.store.reports("open", limit=15)  # type: ignore[attr-defined]
        if not queue:
            await say_private(interaction, "No open reports.")
            return
        kb = self.live()
        lines = []
        for r in queue:
            name = kb.jurisdictions[r.jurisdiction].name if r.jurisdiction in kb.jurisdictions else r.jurisdiction
            note = f": “{clip(r.note, 150)}”" if r.note else ""
            lines.append(f"#{r.id} <t:{int(r.created_at.timestamp())}:R> {name} by <@{r.user_id}>{note}")
        lines.append("Close one with `/kb close-report`.")
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="close-report", description="Resolve or dismiss a member's report, with a note")
    @app_commands.describe(report="Report number from /kb reports", action="Resolved (fixed) or dismissed", note="Why")
    async def close_report(
        self,
        interaction: discord.Interaction,
        report: app_commands.Range[int, 1],
        action: Literal["resolve", "dismiss"],
        note: app_commands.Range[str, 1, 1000],
    ) -> None:
        status = "resolved" if action == "resolve" else "dismissed"
        try:
            await self.bot.store.close_report(report, status=status, by=interaction.user.id, note=note)  # type: ignore[attr-defined]
        except StoreConflict as exc:
            await say_private(interaction, f"{exc}.", "conflict")
            return
        await say_private(interaction, f"Report #{report} {status}.")

    @app_commands.command(name="reload", description="Load changed files; an invalid change keeps the old data live")
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = self.live.apply(await offload.reload(self.live.root, self.live()))
        if result.errors:
            await say_private(
                interaction,
                "Kept the old data live; the files have errors:\n" + explain_issues(result.errors),
                "invalid",
            )
        elif result.swapped:
            await say_private(interaction, f"Reloaded: {result.diff.headline()}. Live version {result.version}.")
        else:
            await say_private(interaction, f"No changes on disk; version {result.version} stays live.")

    @app_commands.command(name="validate", description="Check the files on disk without loading them")
    async def validate(self, interaction: discord.Interaction) -> None:
        from bot.kb.issues import Severity

        await interaction.response.defer(ephemeral=True, thinking=True)
        kb, issues = await offload.reload(self.live.root, self.live())
        errors = [i for i in issues if i.severity is Severity.ERROR]
        if kb is None:
            await say_private(interaction, f"{len(errors)} error(s):\n" + explain_issues(errors), "invalid")
        else:
            await say_private(interaction, f"Valid: {len(kb.jurisdictions)} jurisdictions, version {kb.version}.")


    @app_commands.command(name="status", description="Live version, and whether Discord edits reached git")
    async def status(self, interaction: discord.Interaction) -> None:
        kb, git = self.live(), self.bot.git  # type: ignore[attr-defined]
        lines = [f"Live knowledge base: version {kb.version}, {len(kb.jurisdictions)} jurisdictions."]
        if git is None:
            lines.append("Git: off (QIBOT_GIT_COMMIT is not set); /kb history is the record of Discord edits.")
        else:
            pending = await asyncio.to_thread(git.pending)
            lines.append(f"Git: commits on {git.branch or 'the current branch'}; {len(pending)} not pushed yet.")
            state = git.state
            if state.last_error:
                lines.append(f"Last push failed ({state.failures} in a row; retrying): {clip(state.last_error, 300)}")
            elif state.last_ok:
                lines.append(f"Last push succeeded <t:{int(state.last_ok)}:R>.")
        await say_private(interaction, "\n".join(lines))

    @app_commands.command(name="gaps", description="What current law is not yet verified, fewest known first")
    async def gaps(self, interaction: discord.Interaction) -> None:
        from bot.kb.coverage import TARGET_PER_JURISDICTION, coverage

        report = coverage(self.live())
        short = {c.id: c.short for c in self.live().rubric.criteria}
        lines = [
            f"Current law known: {report.known} of {report.cells} cells ({report.share:.0%}); "
            f"{len(report.below())} jurisdiction(s) below {TARGET_PER_JURISDICTION}/9; "
            f"sources on the rejected list: {report.rejected_sources}.",
            "Fewest known first (research these next):",
        ]
        for row in sorted(report.rows, key=lambda r: (r.known, r.name))[:12]:
            missing = [short[c.criterion] for c in row.cells if c.verdict.value == "unknown"]
            if missing:
                lines.append(f"• **{row.name}** {row.known}/9: {', '.join(missing)}")
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Moderation(bot))
