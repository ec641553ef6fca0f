"""Bot state (reports, edit history, schedules, subscriptions, saved districts, call outcomes) behind one
small async store."""

from bot.store.base import StoreConflict, StoreUnavailable
from bot.store.store import Store

__all__ = ["Store", "StoreConflict", "StoreUnavailable"]
