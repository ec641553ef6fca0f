"""Bot state (reports, edit history, schedules, subscriptions) behind one small async store."""

from bot.store.store import Store, StoreConflict, StoreUnavailable

__all__ = ["Store", "StoreConflict", "StoreUnavailable"]
