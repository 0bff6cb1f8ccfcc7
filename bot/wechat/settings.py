"""The Official Account's settings, from the environment only (they are secrets).

A malformed value is one line naming the variable (`WeChatConfigError`), never the
value itself.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

ENV_TOKEN = "WECHAT_TOKEN"
ENV_APPID = "WECHAT_APPID"
ENV_AES_KEY = "WECHAT_AES_KEY"
ENV_SECRET = "WECHAT_SECRET"
ENV_API_BASE = "WECHAT_API_BASE"

DEFAULT_API_BASE = "https://api.weixin.qq.com"
AES_KEY_CHARS = 43
_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")  # what 服务器配置 accepts for a Token
_APPID = re.compile(r"wx[0-9A-Za-z]{16}")
_SECRET = re.compile(r"[0-9A-Za-z]{16,64}")


class WeChatConfigError(Exception):
    """A WECHAT_* variable is malformed; the message names it and never holds its value."""


@dataclass(frozen=True)
class WeChatSettings:
    """What the callback and the API need. Only `token` is required: without an AES key
    safe mode is off, without a secret no customer-service message can be sent."""

    token: str | None
    """The Token typed into 服务器配置: it signs every push (None: no /wechat endpoint;
    the API alone, for `wechat-menu`)."""
    appid: str | None = None
    """The account's AppID: the API's user name, and checked inside every safe-mode push."""
    aes_key: str | None = None
    """The 43-character EncodingAESKey (safe mode)."""
    secret: str | None = None
    """The AppSecret: fetches the API's access token."""
    api_base: str = DEFAULT_API_BASE
    """Where the API is (a fake on 127.0.0.1 in tests)."""

    @property
    def can_send(self) -> bool:
        """True when customer-service messages can be sent (AppID and AppSecret set)."""
        return bool(self.appid and self.secret)

    def __repr__(self) -> str:  # never the secrets, even in a traceback
        return f"WeChatSettings(appid={self.appid!r}, safe_mode={self.aes_key is not None})"


def settings_from_env(env: Mapping[str, str]) -> WeChatSettings:
    """The settings; `token` is None when WECHAT_TOKEN is unset (no endpoint)."""
    token = _matching(env, ENV_TOKEN, _TOKEN, "3-32 letters or digits (as 服务器配置 asks)")
    appid = _matching(env, ENV_APPID, _APPID, "wx followed by 16 letters or digits")
    aes_key = env.get(ENV_AES_KEY, "").strip() or None
    if aes_key is not None:
        _check_aes_key(aes_key)
        if appid is None:
            raise WeChatConfigError(f"{ENV_AES_KEY} is set: safe mode also needs {ENV_APPID}")
    secret = _matching(env, ENV_SECRET, _SECRET, "the AppSecret: 16-64 letters or digits")
    api_base = _api_base(env)
    return WeChatSettings(token, appid, aes_key, secret, api_base)


def _matching(env: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str) -> str | None:
    """The variable's value (None if unset), refused unless it is `what` it must be."""
    value = env.get(name, "").strip() or None
    if value is not None and not pattern.fullmatch(value):
        raise WeChatConfigError(f"{name} must be {what}")
    return value


def _api_base(env: Mapping[str, str]) -> str:
    api_base = env.get(ENV_API_BASE, "").strip().rstrip("/") or DEFAULT_API_BASE
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise WeChatConfigError(f"{ENV_API_BASE} must be an http(s) URL such as {DEFAULT_API_BASE}")
    return api_base


def _check_aes_key(key: str) -> None:
    if len(key) != AES_KEY_CHARS or not re.fullmatch(r"[A-Za-z0-9+/]+", key):
        raise WeChatConfigError(f"{ENV_AES_KEY} must be the 43-character EncodingAESKey")
    try:
        decoded = base64.b64decode(key + "=", validate=True)
    except binascii.Error:
        decoded = b""
    if len(decoded) != 32:
        raise WeChatConfigError(f"{ENV_AES_KEY} is not a valid EncodingAESKey (base64 of 32 bytes)")
