"""The Official Account's API, through wechatpy's `WeChatClient`: the access token,
customer-service messages (`/cgi-bin/message/custom/send`) and the custom menu.

wechatpy caches the token until a minute before it expires. On 40001, 40014 or 42001
(the token is invalid or expired: another process fetched a new one, or the clock
jumped) the token is fetched again and the call retried once; wechatpy's own retry
would loop for as long as the errors come. Errors are logged with their `errcode`,
never with the token (which is in every request's URL) nor the resident's openid.
The calls block (requests): callers on the event loop use `asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.wechat.settings import WeChatSettings

T = TypeVar("T")

logger = logging.getLogger(__name__)
logging.getLogger("urllib3").setLevel(logging.WARNING)  # its debug lines hold the token URL

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
"""Invalid credential, invalid access token, access token expired: fetch a new one."""
OUT_OF_WINDOW = 45015
"""The resident's last message is over 48 hours old: no customer-service message."""
UNSUBSCRIBED = 43004
TIMEOUT = 10.0


class WeChatApiError(Exception):
    """A call failed; `errcode` is WeChat's (None: the network, or no JSON)."""

    def __init__(self, what: str, errcode: int | None) -> None:
        super().__init__(f"WeChat API {what} failed: errcode {errcode}")
        self.errcode = errcode


class _TimeoutSession(requests.Session):
    """requests has no default timeout; wechatpy's token fetch passes none."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        if kwargs["timeout"] is None:
            kwargs["timeout"] = TIMEOUT
        return super().request(*args, **kwargs)


class _Client(WeChatClient):
    """wechatpy's client at `api_base` (WECHAT_API_BASE), without its endless retry."""

    def __init__(self, settings: WeChatSettings) -> None:
        super().__init__(settings.appid, settings.secret, timeout=TIMEOUT, auto_retry=False)
        self._http = _TimeoutSession()
        self.API_BASE_URL = f"{settings.api_base}/cgi-bin/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class WeChatApi:
    """The calls the bot makes; safe to share between threads."""

    def __init__(self, settings: WeChatSettings) -> None:
        if not settings.can_send:
            raise ValueError("the API needs WECHAT_APPID and WECHAT_SECRET")
        self._client = _Client(settings)
        self._refreshing = threading.Lock()

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (raises WeChatApiError)."""
        self._call("custom send", lambda: self._client.message.send_text(openid, text))

    def create_menu(self, menu: dict[str, Any]) -> None:
        self._call("menu create", lambda: self._client.menu.create(menu))

    def _call(self, what: str, action: Callable[[], T]) -> T:
        used = self._token()
        try:
            return self._once(what, action)
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            logger.info("WeChat API %s: errcode %s, fetching a new access token", what, exc.errcode)
            self._refresh(what, used)
            return self._once(what, action)

    def _token(self) -> str | None:
        token = self._client.session.get(self._client.access_token_key)
        return str(token) if token else None

    def _refresh(self, what: str, failed: str | None) -> None:
        with self._refreshing:  # one fetch, however many calls saw the same token fail
            if self._token() not in (None, failed):
                return  # another call fetched a new one meanwhile
            self._client.session.delete(self._client.access_token_key)
            self._once(f"{what} (token)", self._client.fetch_access_token)

    def _once(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except WeChatClientException as exc:
            errcode = exc.errcode if isinstance(exc.errcode, int) else None
            logger.warning("WeChat API %s failed: errcode %s", what, errcode)
            raise WeChatApiError(what, errcode) from None
        except (requests.RequestException, ValueError) as exc:
            # the exception's text holds the URL, and so the token: only its kind is logged
            logger.warning("WeChat API %s failed: %s", what, type(exc).__name__)
            raise WeChatApiError(what, None) from None
