"""Addresses a front end needs later (a Telegram chat, a WeChat openid), sealed at rest.

Fernet with a key derived from the store's keyed user hash and a purpose, so each table's
addresses have their own key and none can be read without the store's secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

logger = logging.getLogger(__name__)


class Sealer:
    """Seals and opens small JSON dicts; `purpose` names what they are, in log lines too."""

    def __init__(self, user_key: Callable[[str], str], purpose: str, what: str) -> None:
        digest = hashlib.sha256(user_key(purpose).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._what = what

    def seal(self, address: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(address).encode()).decode()

    def open(self, sealed: str | None) -> dict[str, Any] | None:
        """The address, or None when there is none or it was sealed with another key."""
        if not sealed:
            return None
        try:
            value = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            logger.warning("%s cannot be read (another key?)", self._what)
            return None
        return value if isinstance(value, dict) else None
