"""Running the bot: long polling (default) or a webhook, until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from bot.config import Config
from bot.telegram.app import build_application

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
FOREVER = -1
"""bootstrap_retries: keep retrying getMe/deleteWebhook while Telegram is unreachable."""


def run_bot(
    config: Config,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    poll_timeout: float = 10.0,
) -> None:
    """Serve until stopped; the store is closed on the way out, whatever happened."""
    # imported here so that `python -m bot run` without a token fails fast, before
    # the knowledge base and the matcher are built
    from bot.dialogue import Dialogue
    from bot.match.live import LiveKnowledge
    from bot.store import Store
    from bot.teachlog import TeachJournal

    knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(config.db_path)
    journal = TeachJournal(config.db_path, store.user_key)
    try:
        dialogue = Dialogue(
            knowledge, store, default_language=config.default_language, journal=journal
        )
        application = build_application(config, knowledge, store, dialogue)
        if webhook_url:
            path = urlsplit(webhook_url).path.lstrip("/")
            logger.info("serving a webhook on %s:%d/%s", listen, port, path)
            application.run_webhook(
                listen=listen,
                port=port,
                url_path=path,
                webhook_url=webhook_url,
                # Telegram echoes this header, so requests from anyone else are refused
                secret_token=secrets.token_urlsafe(32),
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=FOREVER,
            )
        else:
            logger.info("long polling (timeout %gs)", poll_timeout)
            application.run_polling(
                timeout=timedelta(seconds=poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=FOREVER,
            )
    finally:
        journal.close()
        store.close()
        logger.info("stopped; store closed")
