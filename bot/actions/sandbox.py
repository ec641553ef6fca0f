"""Organizers' templates render with bounded work: a sandbox that refuses huge powers, repetitions and
ranges (also at compile time, where Jinja would fold constants), an output cap, and a worker process that is
killed when a render runs past its time limit. The sandbox stops escapes; these bounds stop work.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from functools import lru_cache
from multiprocessing.pool import Pool
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

MAX_RANGE = 1000
MAX_POWER = 64
MAX_OUTPUT = 6000
TIME_LIMIT = 2.0


class TemplateTooCostly(TemplateError):
    """A template that would take too long or produce too much; refused with a reason."""


def bounded_range(*args: int) -> range:
    """``range`` with at most MAX_RANGE items."""
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SecurityError(f"range() of {len(r)} items; at most {MAX_RANGE}")
    return r


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with ``**`` and ``*`` checked before they run (and so never folded at compile time)."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > MAX_POWER:
                raise SecurityError(f"powers above {MAX_POWER} are not allowed")
            if isinstance(left, int | float) and abs(left) > 1 and abs(right) * math.log2(abs(left)) > 256:
                raise SecurityError("numbers this large are not allowed")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                    raise SecurityError("repeating text or lists past the output limit is not allowed")
            if isinstance(left, int) and isinstance(right, int) and max(abs(left), abs(right)) > 10**15:
                raise SecurityError("numbers this large are not allowed")
        return super().call_binop(context, operator, left, right)


def make_bounded_environment() -> BoundedSandbox:
    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.globals["range"] = bounded_range
    return env


COMPILED_CACHE = 256  # compiled templates kept in the worker, by source


@lru_cache(maxsize=1)
def _environment() -> BoundedSandbox:
    return make_bounded_environment()


@lru_cache(maxsize=COMPILED_CACHE)
def _compiled(source: str) -> Template:
    """Compile once per source: a schedule posting to many channels renders the same template each time."""
    return _environment().from_string(source)


def _render(source: str, context: dict[str, Any], max_output: int) -> str:
    """Compile (cached) and render in the worker; stop as soon as the output passes ``max_output``."""
    try:
        template = _compiled(source)
        out: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            out.append(chunk)
            size += len(chunk)
            if size > max_output:
                raise TemplateTooCostly(f"the text would be longer than {max_output} characters")
        return "".join(out)
    except TemplateError:
        raise
    except Exception as exc:  # 1/0, int("x"), ...: the organizer's mistake, said as a template error
        raise TemplateError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


class RenderWorker:
    """One spawned worker process; a render past the time limit kills it and the next call starts another."""

    def __init__(self) -> None:
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def render(self, source: str, context: dict[str, Any], *, timeout: float = TIME_LIMIT,
               max_output: int = MAX_OUTPUT) -> str:  # fmt: skip
        with self._lock:
            if self._pool is None:
                self._pool = multiprocessing.get_context("spawn").Pool(1)
            result = self._pool.apply_async(_render, (source, context, max_output))
            try:
                return result.get(timeout)
            except multiprocessing.TimeoutError:
                self._pool.terminate()  # the only way to stop a runaway render
                self._pool = None
                raise TemplateTooCostly(f"the template took longer than {timeout:g} s to render") from None

    def warm(self) -> None:
        """Start the worker now (a spawn takes a moment), so the first post does not wait for it."""
        self.render("", {})

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool = None


worker = RenderWorker()


def render_bounded(source: str, context: dict[str, Any], **limits: Any) -> str:
    """Render an organizer's template with bounded work (blocking: call it from a thread in async code)."""
    return worker.render(source, context, **limits)
