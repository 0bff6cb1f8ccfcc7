"""WeChat's callback protocol, over wechatpy: signatures, replays, safe XML, safe mode.

wechatpy checks the signatures, decrypts and encrypts (safe mode), parses pushes and
renders replies; this module adds what a public endpoint needs around it: a replayed
timestamp is refused, and no XML reaches the parser with a DTD (defusedxml refuses
entity declarations, so neither XXE nor a "billion laughs" bomb can expand).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.wechat.settings import WeChatSettings

MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW = 300
"""Seconds a push's timestamp may be off: an older one is a replay."""


class Refused(Exception):
    """A push that is not served: `status` 403 (not WeChat's, or a replay) or 400."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """The query string WeChat signs each request with."""

    signature: str
    timestamp: str
    nonce: str
    encrypted: bool = False
    msg_signature: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Envelope:
        return cls(
            signature=query.get("signature", ""),
            timestamp=query.get("timestamp", ""),
            nonce=query.get("nonce", ""),
            encrypted=query.get("encrypt_type", "raw") == "aes",
            msg_signature=query.get("msg_signature", ""),
        )


class Protocol:
    """Checks, opens and answers pushes for one account."""

    def __init__(self, settings: WeChatSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.appid)
            if settings.aes_key and settings.appid
            else None
        )

    def verify(self, envelope: Envelope) -> None:
        """Refuse a request WeChat did not sign, or one signed too long ago (a replay)."""
        try:
            check_signature(
                self.settings.token, envelope.signature, envelope.timestamp, envelope.nonce
            )
        except InvalidSignatureException:
            raise Refused(403, "bad signature") from None
        if not envelope.timestamp.isdigit() or (
            abs(self._clock() - int(envelope.timestamp)) > MAX_CLOCK_SKEW
        ):
            raise Refused(403, "timestamp too far off (a replay?)")

    def open(self, envelope: Envelope, body: bytes) -> BaseMessage:
        """The push in `body` (decrypted in safe mode), parsed by wechatpy."""
        if len(body) > MAX_BODY_BYTES:
            raise Refused(413, "body too large")
        xml = safe_xml(body)
        if envelope.encrypted:
            xml = safe_xml(self._decrypt(envelope, xml).encode())
        try:
            message = parse_message(xml)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise Refused(400, "not a WeChat message") from None
        if not message or not message.source:
            raise Refused(400, "a message without a sender")
        return message

    def _decrypt(self, envelope: Envelope, xml: str) -> str:
        if self._crypto is None:
            raise Refused(400, "safe mode push, but WECHAT_AES_KEY is not set")
        try:
            return str(
                self._crypto.decrypt_message(
                    xml, envelope.msg_signature, envelope.timestamp, envelope.nonce
                )
            )
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature") from None
        except InvalidAppIdException:
            raise Refused(403, "the push is for another AppID") from None
        except Exception:  # a damaged ciphertext: base64, padding, length, UTF-8
            raise Refused(400, "the encrypted push cannot be read") from None

    def reply_xml(self, message: BaseMessage, text: str) -> str:
        """A passive text reply to `message`, rendered by wechatpy (not yet encrypted)."""
        return str(TextReply(message=message, content=text).render())

    def seal(self, envelope: Envelope, xml: str) -> str:
        """The reply as WeChat expects it: encrypted in safe mode, else as it is."""
        if not envelope.encrypted or self._crypto is None:
            return xml
        return str(self._crypto.encrypt_message(xml, envelope.nonce, envelope.timestamp))

    def echo(self, envelope: Envelope, echostr: str) -> str:
        """URL verification (GET): the echostr, once the signature is right."""
        self.verify(envelope)
        return echostr


def safe_xml(body: bytes) -> str:
    """`body` as text, once defusedxml has parsed it with DTDs and entities forbidden."""
    try:
        defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
        return body.decode("utf-8")
    except (DefusedXmlException, ParseError, UnicodeDecodeError, ValueError):
        raise Refused(400, "not well-formed XML without a DTD") from None
