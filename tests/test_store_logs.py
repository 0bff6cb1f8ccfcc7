"""Logs name residents by the keyed hash the database uses, never by a raw id (tg:5001)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakebotapi import message_update
from telegram import Update
from tgsupport import RecordingRequest

from bot.config import SHIPPED_KNOWLEDGE, Config, RateLimit, TelegramSettings
from bot.dialogue import Dialogue
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store, user_log_key
from bot.telegram.app import build_application

RESIDENT = 5001


def test_the_log_key_is_the_stored_key(tmp_path: Path) -> None:
    before = user_log_key(f"tg:{RESIDENT}")
    assert str(RESIDENT) not in before
    store = Store(tmp_path / "bot.sqlite3", env={})
    try:
        assert user_log_key(f"tg:{RESIDENT}") == store.user_key(f"tg:{RESIDENT}")
    finally:
        store.close()


async def test_flood_limit_lines_carry_the_hashed_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(
        knowledge_dir=SHIPPED_KNOWLEDGE,
        db_path=tmp_path / "bot.sqlite3",
        token="123456:TEST-secret-token-abcdef",
        telegram=TelegramSettings(user_rate_limit=RateLimit(messages=1, seconds=60)),
    )
    knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
    store = Store(config.db_path, env={})
    request = RecordingRequest()
    app = build_application(
        config,
        knowledge,
        store,
        Dialogue(knowledge, store),
        request=request,
        get_updates_request=request,
        watch_knowledge=False,
    )
    await app.initialize()
    try:
        with caplog.at_level(logging.INFO):
            for text in ("你好", "你好", "你好"):
                await app.process_update(Update.de_json(message_update(RESIDENT, text), app.bot))
    finally:
        await app.shutdown()
        store.close()
    flood = [r.getMessage() for r in caplog.records if "flood limit" in r.getMessage()]
    assert len(flood) == 2
    assert all(store.user_key(f"tg:{RESIDENT}") in line for line in flood)
    assert f"tg:{RESIDENT}" not in caplog.text
