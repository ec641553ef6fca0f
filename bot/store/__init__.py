"""Bot state (reports, edit history, schedules, subscriptions) behind one small async store."""

from bot.store.store import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable"]
