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
from bot.discord.app import QiBot
from bot.discord.checks import member_has_configured_role
from bot.discord.locale import reply_locale, server_words, words
from bot.discord.respond import NO_PINGS, deliver, reply_private, say, say_private
from bot.discord.transformers import Criterion, Jurisdiction
from bot.kb import editor
from bot.kb.issues import Issue
from bot.replies import changes
from bot.replies.fit import clip
from bot.replies.templates import Templates
from bot.store import StoreConflict

log = logging.getLogger(__name__)


def verdict_word(verdict: object, t: Templates) -> str:
    """A stored verdict ("partial", or None for no entry) as the member-facing word."""
    if verdict in ("yes", "partial", "no", "unknown"):
        return t.render(f"words.verdict.{verdict}")
    return t.render("kb.none") if verdict is None else str(verdict)


def explain_issues(issues: list[Issue], t: Templates, limit: int = 8) -> str:
    """Findings as a short list: file:line, field, message and fix."""
    lines = [
        t.render(
            "kb.issue",
            where=f"{i.file}{':' + str(i.line) if i.line else ''}",
            field=i.field or "",
            message=i.message,
            hint=i.hint,
        )
        for i in issues[:limit]
    ]
    if len(issues) > limit:
        lines.append(t.render("kb.more", count=len(issues) - limit))
    return clip("\n".join(lines), limits.MESSAGE_CONTENT - 200)


class EditModal(discord.ui.Modal):
    """Prefilled with the current verdict; submitting validates like a file, then writes and swaps."""

    def __init__(self, t: Templates, jid: str, name: str, cid: str, label: str, entry: dict | None, sha: str) -> None:
        # Each opening gets its own custom_id: discord.py keys open modals by custom_id alone, so two
        # moderators editing the same entry must never share one (the second would replace the first).
        nonce = secrets.token_hex(6)
        super().__init__(
            title=clip(t.render("kb.form.title", name=name, label=label), limits.MODAL_TITLE),
            custom_id=f"qibot:kbedit:{jid}:{cid}:{sha}:{nonce}",
        )
        entry = entry or {}
        self.jid, self.cid, self.sha = jid, cid, sha
        self.verdict = discord.ui.TextInput(
            label=t.render("kb.form.verdict"), default=entry.get("verdict", "unknown"), max_length=10
        )
        self.points = discord.ui.TextInput(
            label=t.render("kb.form.points"),
            default=str(entry.get("points", "")),
            required=False,
            max_length=4,
        )
        self.reason = discord.ui.TextInput(
            label=t.render("kb.form.reason"),
            style=discord.TextStyle.paragraph,
            default=entry.get("reason"),
            max_length=limits.REASON,
        )
        self.quote = discord.ui.TextInput(
            label=t.render("kb.form.quote"),
            style=discord.TextStyle.paragraph,
            default=entry.get("quote"),
            required=False,
            max_length=limits.QUOTE,
        )
        self.source = discord.ui.TextInput(
            label=t.render("kb.form.source"), default=entry.get("source"), max_length=limits.URL
        )
        for item in (self.verdict, self.points, self.reason, self.quote, self.source):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[QiBot]) -> None:
        cog: Moderation = interaction.client.get_cog("Moderation")
        await cog.submit_edit(interaction, self)

    async def on_error(self, interaction: discord.Interaction[QiBot], error: Exception) -> None:
        await interaction.client.tree.on_error(interaction, error)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderation(commands.GroupCog, group_name="kb", group_description="Moderators: keep the knowledge base true"):
    """Knowledge-base moderation. Discord hides the group from non-moderators; every command also checks
    the configured moderator roles locally."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.warm_when_quiet(offload.warm)  # start the worker process once the bot is quiet
        seconds = self.bot.settings.watch_seconds
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
        await asyncio.sleep(self.bot.settings.watch_seconds)

    @watch.error
    async def _watch_failed(self, error: BaseException) -> None:
        log.error("watcher: reload failed: %s", error)
        self.watch.restart()

    async def interaction_check(self, interaction: discord.Interaction[QiBot]) -> bool:
        return member_has_configured_role(interaction, "moderator")

    @property
    def live(self):
        return self.bot.knowledge

    @property
    def lock_file(self):
        return self.bot.settings.data_dir / "kb-edit.lock"

    @app_commands.command(name="edit", description="Edit one verdict in a form; validated, then live at once")
    @app_commands.describe(jurisdiction="State, DC or NYC", criterion="Rubric criterion")
    async def edit(
        self, interaction: discord.Interaction[QiBot], jurisdiction: Jurisdiction, criterion: Criterion
    ) -> None:
        kb = self.live()
        root = self.live.root
        entry = editor.current_entry(root, jurisdiction, criterion)
        sha = editor.current_sha(root, jurisdiction)[:12]
        modal = EditModal(
            words(interaction),
            jurisdiction,
            kb.jurisdictions[jurisdiction].postal,
            criterion,
            kb.criteria[criterion].short,
            entry,
            sha,
        )
        await interaction.response.send_modal(modal)

    async def submit_edit(self, interaction: discord.Interaction[QiBot], form: EditModal) -> None:
        member_has_configured_role(interaction, "moderator")  # checked again on submit: roles can change
        points_text = form.points.value.strip()
        try:
            points = float(points_text) if points_text else None
        except ValueError:
            await say(interaction, "kb.bad_points", "invalid", value=clip(points_text, 20))
            return
        values = {
            "verdict": form.verdict.value,
            "points": points,
            "reason": form.reason.value,
            "quote": form.quote.value.strip(),
            "source": form.source.value.strip(),
        }
        await interaction.response.defer(ephemeral=True, thinking=True)  # validation runs off the event loop
        t = words(interaction)
        try:
            applied = await self.editing.edit(
                form.jid,
                form.cid,
                values,
                expected_sha=form.sha,
                user_id=interaction.user.id,
                guild_id=interaction.guild_id,
                author_name=interaction.user.display_name,
            )
        except editor.EditConflict as exc:
            await say_private(interaction, await self._conflict_text(t, exc, form.jid, form.cid, values), "conflict")
            return
        except editor.EditInvalid as exc:
            await say(interaction, "kb.invalid_edit", "invalid", issues=explain_issues(exc.issues, t))
            return
        await self._applied(interaction, applied, "edit")

    @property
    def editing(self) -> edits.EditService:
        """The one editing service (plan in the worker, apply, revert)."""
        store = self.bot.store
        if store is None:
            raise RuntimeError("the moderation cog needs the store")
        return edits.EditService(store, self.live, self.lock_file, self.bot.git)

    async def _applied(self, interaction: discord.Interaction[QiBot], applied: edits.Applied, action: str) -> None:
        """After an edit or revert is live: serve its prebuilt replies, push, tell the channel and the moderator."""
        plan = applied.plan
        self.bot.responder.prime(plan.kb, applied.replies)
        if self.bot.git is not None:
            self.bot.request_push()
        await self._notice(interaction, applied)
        t = words(interaction)
        text = t.render(
            "kb.saved",
            id=applied.change_id,
            code=plan.jurisdiction.upper(),
            label=plan.kb.criteria[plan.criterion].short,
            before=verdict_word((plan.before or {}).get("verdict"), t),
            after=verdict_word((plan.after or {}).get("verdict"), t),
            version=plan.kb.version,
        )
        await reply_private(interaction, text)
        self.bot.log_interaction(interaction, f"kb {action}", "ok")

    async def _conflict_text(
        self, t: Templates, exc: editor.EditConflict, jid: str, cid: str, mine: dict | None
    ) -> str:
        """Never a silent overwrite: show what this moderator asked for and what is saved now."""
        saved = await asyncio.to_thread(editor.current_entry, self.live.root, jid, cid) or {}

        def show(entry: dict) -> str:
            reason = clip(str(entry.get("reason") or ""), 300)
            verdict = verdict_word(entry.get("verdict"), t)
            return t.render("kb.entry", verdict=verdict, reason=reason, source=entry.get("source") or "-")

        text = t.render("kb.conflict", error=exc, mine=show(mine or {}), saved=show(saved))
        return clip(text, limits.MESSAGE_CONTENT)

    async def _notice(self, interaction: discord.Interaction[QiBot], applied: edits.Applied) -> None:
        """Post "CT · attorney fees: No → Partial, by @mod, source …" to the change channel, if configured."""
        channel_id = self.bot.settings.change_channel_id
        if not channel_id:
            return
        plan = applied.plan
        before, after = (plan.before or {}), (plan.after or {})
        t = server_words(self.bot, interaction.guild_id)  # a channel everyone on the team reads
        text = t.render(
            "kb.notice",
            code=plan.jurisdiction.upper(),
            label=plan.kb.criteria[plan.criterion].short,
            before=verdict_word(before.get("verdict"), t),
            after=verdict_word(after.get("verdict"), t),
            user=interaction.user.mention,
            source=after.get("source"),
            id=applied.change_id,
        )
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("could not post the change notice to %s: %s", channel_id, exc)

    @app_commands.command(name="preview", description="See a jurisdiction's reply as members would, privately")
    @app_commands.describe(jurisdiction="State, DC or NYC")
    async def preview(self, interaction: discord.Interaction[QiBot], jurisdiction: Jurisdiction) -> None:
        locale = reply_locale(interaction)
        await deliver(
            interaction,
            self.bot.responder.state(jurisdiction, locale),
            public=False,
            defer_after=self.bot.settings.defer_after_seconds,
            locale=locale,
        )

    @app_commands.command(name="history", description="Who changed what, when: before and after")
    @app_commands.describe(jurisdiction="State, DC or NYC")
    async def history(self, interaction: discord.Interaction[QiBot], jurisdiction: Jurisdiction) -> None:
        changes = await self.bot.store.changes(jurisdiction, limit=10)
        if not changes:
            await say(interaction, "kb.no_history", code=jurisdiction.upper())
            return
        t = words(interaction)
        lines = [
            t.render(
                "kb.history_line",
                id=c.id,
                when=f"<t:{int(c.created_at.timestamp())}:f>",
                user=f"<@{c.user_id}>",
                criterion=c.criterion,
                before=verdict_word((c.before or {}).get("verdict"), t),
                after=verdict_word((c.after or {}).get("verdict"), t),
                reverts=c.reverts_id,
            )
            for c in changes
        ]
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="revert", description="Restore the verdict a change replaced (recorded as a change)")
    @app_commands.describe(change="The change number from /kb history")
    async def revert(self, interaction: discord.Interaction[QiBot], change: app_commands.Range[int, 1]) -> None:
        found = await self.bot.store.change(change)
        if found is None:
            await say(interaction, "kb.no_change", "not-found", id=change)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = words(interaction)
        try:
            applied = await self.editing.revert(
                found, user_id=interaction.user.id, guild_id=interaction.guild_id,
                author_name=interaction.user.display_name,
            )  # fmt: skip
        except editor.EditConflict as exc:
            await say(interaction, "kb.revert_conflict", "conflict", error=exc)
            return
        except editor.EditInvalid as exc:
            await say(interaction, "kb.revert_invalid", "invalid", issues=explain_issues(exc.issues, t))
            return
        await self._applied(interaction, applied, "revert")

    @app_commands.command(name="reports", description="Members' reports waiting for a moderator")
    async def reports(self, interaction: discord.Interaction[QiBot]) -> None:
        queue = await self.bot.store.reports("open", limit=15)
        if not queue:
            await say(interaction, "kb.no_reports")
            return
        kb, t = self.live(), words(interaction)
        lines = []
        for r in queue:
            name = kb.jurisdictions[r.jurisdiction].name if r.jurisdiction in kb.jurisdictions else r.jurisdiction
            lines.append(
                t.render(
                    "kb.report_line",
                    id=r.id,
                    when=f"<t:{int(r.created_at.timestamp())}:R>",
                    name=name,
                    user=f"<@{r.user_id}>",
                    note=clip(r.note, 150) if r.note else None,
                )
            )
        lines.append(t.render("kb.reports_footer"))
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))

    @app_commands.command(name="close-report", description="Resolve or dismiss a member's report, with a note")
    @app_commands.describe(report="Report number from /kb reports", action="Resolved (fixed) or dismissed", note="Why")
    async def close_report(
        self,
        interaction: discord.Interaction[QiBot],
        report: app_commands.Range[int, 1],
        action: Literal["resolve", "dismiss"],
        note: app_commands.Range[str, 1, 1000],
    ) -> None:
        status = "resolved" if action == "resolve" else "dismissed"
        try:
            await self.bot.store.close_report(report, status=status, by=interaction.user.id, note=note)
        except StoreConflict as exc:
            await say(interaction, "kb.store_conflict", "conflict", error=exc)
            return
        await say(interaction, f"kb.report_{status}", id=report)

    @app_commands.command(name="reload", description="Load changed files; an invalid change keeps the old data live")
    async def reload(self, interaction: discord.Interaction[QiBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = self.live.apply(await offload.reload(self.live.root, self.live()))
        if result.errors:
            await say(interaction, "kb.kept_old", "invalid", issues=explain_issues(result.errors, words(interaction)))
        elif result.swapped:
            await say(
                interaction,
                "kb.reloaded",
                headline=changes.headline(result.diff, words(interaction)),
                version=result.version,
            )
        else:
            await say(interaction, "kb.unchanged", version=result.version)

    @app_commands.command(name="validate", description="Check the files on disk without loading them")
    async def validate(self, interaction: discord.Interaction[QiBot]) -> None:
        from bot.kb.issues import Severity

        await interaction.response.defer(ephemeral=True, thinking=True)
        kb, issues = await offload.reload(self.live.root, self.live())
        errors = [i for i in issues if i.severity is Severity.ERROR]
        if kb is None:
            issues = explain_issues(errors, words(interaction))
            await say(interaction, "kb.errors", "invalid", count=len(errors), issues=issues)
        else:
            await say(interaction, "kb.valid", count=len(kb.jurisdictions), version=kb.version)

    @app_commands.command(name="status", description="Live version, and whether Discord edits reached git")
    async def status(self, interaction: discord.Interaction[QiBot]) -> None:
        kb, git = self.live(), self.bot.git
        t = words(interaction)
        lines = [t.render("kb.status.live", version=kb.version, count=len(kb.jurisdictions))]
        if git is None:
            lines.append(t.render("kb.status.git_off"))
        else:
            pending = await asyncio.to_thread(git.pending)
            branch = git.branch or t.render("kb.status.current_branch")
            lines.append(t.render("kb.status.git_on", branch=branch, pending=len(pending)))
            state = git.state
            if state.last_error:
                error = clip(state.last_error, 300)
                lines.append(t.render("kb.status.push_failed", failures=state.failures, error=error))
            elif state.last_ok:
                lines.append(t.render("kb.status.push_ok", when=f"<t:{int(state.last_ok)}:R>"))
        await say_private(interaction, "\n".join(lines))

    @app_commands.command(name="gaps", description="What current law is not yet verified, fewest known first")
    async def gaps(self, interaction: discord.Interaction[QiBot]) -> None:
        from bot.kb.coverage import TARGET_PER_JURISDICTION, coverage

        report = coverage(self.live())
        short = {c.id: c.short for c in self.live().rubric.criteria}
        t = words(interaction)
        lines = [
            t.render(
                "kb.gaps.head",
                known=report.known,
                cells=report.cells,
                share=f"{report.share:.0%}",
                below=len(report.below()),
                target=TARGET_PER_JURISDICTION,
                rejected=report.rejected_sources,
            ),
            t.render("kb.gaps.fewest"),
        ]
        for row in sorted(report.rows, key=lambda r: (r.known, r.name))[:12]:
            missing = [short[c.criterion] for c in row.cells if c.verdict.value == "unknown"]
            if missing:
                lines.append(t.render("kb.gaps.line", name=row.name, known=row.known, missing=", ".join(missing)))
        await say_private(interaction, clip("\n".join(lines), limits.MESSAGE_CONTENT))


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Moderation(bot))
