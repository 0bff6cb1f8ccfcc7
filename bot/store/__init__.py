"""The bot's storage: residents' preferences and conversation context, the question log
and feedback.

`Store` is the SQLite backend, the default. Its public methods are the interface any
other backend (PostgreSQL, for several machines) offers: they never block a reply and
never raise after start-up; start-up problems raise `StoreError` with one clear line.
"""

from bot.store.keys import ENV_SECRET, user_log_key
from bot.store.model import (
    FeedbackEntry,
    LoggedQuestion,
    Preferences,
    Stats,
    StoreError,
    new_log_id,
)
from bot.store.opening import MIGRATIONS, reset_damaged_database
from bot.store.sqlite import Store

__all__ = [
    "ENV_SECRET",
    "MIGRATIONS",
    "FeedbackEntry",
    "LoggedQuestion",
    "Preferences",
    "Stats",
    "Store",
    "StoreError",
    "new_log_id",
    "reset_damaged_database",
    "user_log_key",
]
