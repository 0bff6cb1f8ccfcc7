"""A fake WeChat for the tests, written from WeChat's documentation, not from the project
nor wechatpy: a client that signs (and in safe mode encrypts) pushes the way WeChat's
servers do, and a fake API server on 127.0.0.1 (token, custom send, menu create).

Safe mode, as documented: AES key = base64decode(EncodingAESKey + "="); AES-256-CBC with
IV = key[:16]; plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID,
PKCS#7-padded to 32-byte blocks; msg_signature = sha1(sorted(token, timestamp, nonce,
Encrypt)).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = "huaihaiTestToken1"
APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_0123456789ab"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_key_bytes(encoding_aes_key: str = AES_KEY) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


def encrypt(xml: str, *, key: bytes, appid: str, random16: bytes | None = None) -> str:
    body = xml.encode()
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, key: bytes) -> tuple[str, str]:
    """The XML and the AppID inside a safe-mode message."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


@dataclass
class Resident:
    """One WeChat user of the account."""

    openid: str
    msg_ids: int = field(default_factory=lambda: secrets.randbelow(10**12) * 1000)

    def next_id(self) -> int:
        self.msg_ids += 1
        return self.msg_ids


@dataclass
class Push:
    """One signed request as WeChat would send it."""

    query: dict[str, str]
    body: bytes


@dataclass
class WeChatServer:
    """What WeChat's servers do towards the bot: sign, encrypt, push, read replies."""

    token: str = TOKEN
    appid: str = APPID
    aes_key: str = AES_KEY
    safe_mode: bool = False
    clock_offset: float = 0.0

    def signed(self, **extra: str) -> dict[str, str]:
        timestamp = str(int(time.time() + self.clock_offset))
        nonce = str(secrets.randbelow(10**9))
        query = {
            "signature": sha1_sorted(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        query.update(extra)
        return query

    def verification(self, echostr: str) -> dict[str, str]:
        return self.signed(echostr=echostr)

    def message_xml(self, resident: Resident, kind: str, fields: str, msg_id: int | None) -> str:
        msg = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
        return (
            f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
            f"<FromUserName>{cdata(resident.openid)}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{cdata(kind)}</MsgType>"
            f"{fields}{msg}</xml>"
        )

    def text(self, resident: Resident, content: str, msg_id: int | None = None) -> str:
        msg_id = resident.next_id() if msg_id is None else msg_id
        return self.message_xml(resident, "text", f"<Content>{cdata(content)}</Content>", msg_id)

    def voice(self, resident: Resident, recognition: str | None) -> str:
        fields = f"<MediaId>{cdata('media1')}</MediaId><Format>{cdata('amr')}</Format>"
        if recognition is not None:
            fields += f"<Recognition>{cdata(recognition)}</Recognition>"
        return self.message_xml(resident, "voice", fields, resident.next_id())

    def image(self, resident: Resident) -> str:
        fields = (
            f"<PicUrl>{cdata('http://127.0.0.1/p.jpg')}</PicUrl><MediaId>{cdata('m')}</MediaId>"
        )
        return self.message_xml(resident, "image", fields, resident.next_id())

    def event(self, resident: Resident, event: str, key: str = "") -> str:
        fields = f"<Event>{cdata(event)}</Event>"
        if key:
            fields += f"<EventKey>{cdata(key)}</EventKey>"
        return self.message_xml(resident, "event", fields, None)

    def push(self, xml: str) -> Push:
        """`xml` signed, and in safe mode encrypted, as WeChat posts it."""
        if not self.safe_mode:
            return Push(self.signed(), xml.encode())
        encrypted = encrypt(xml, key=aes_key_bytes(self.aes_key), appid=self.appid)
        query = self.signed(encrypt_type="aes")
        query["msg_signature"] = sha1_sorted(
            self.token, query["timestamp"], query["nonce"], encrypted
        )
        body = (
            f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
            f"<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        )
        return Push(query, body.encode())

    def read_reply(self, body: str) -> dict[str, str]:
        """A passive reply's fields (decrypted and its signature checked in safe mode);
        {} for `success` or an empty body."""
        if body.strip() in ("", "success"):
            return {}
        fields = xml_fields(body)
        if "Encrypt" in fields:
            expected = sha1_sorted(
                self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            )
            assert fields["MsgSignature"] == expected, "the reply's msg_signature is wrong"
            inner, appid = decrypt(fields["Encrypt"], key=aes_key_bytes(self.aes_key))
            assert appid == self.appid
            fields = xml_fields(inner)
        return fields


def xml_fields(xml: str) -> dict[str, str]:
    """The top-level fields of a flat WeChat XML message (CDATA or plain)."""
    fields = {}
    for name, value in re.findall(r"<(\w+)>(.*?)</\1>", xml.strip()[5:-6], re.S):
        match = re.fullmatch(r"<!\[CDATA\[(.*)\]\]>", value, re.S)
        fields[name] = match.group(1) if match else value
    return fields


# --- the API -------------------------------------------------------------------------------


class FakeWeChatApi:
    """WeChat's API on 127.0.0.1: /cgi-bin/token, /cgi-bin/message/custom/send and
    /cgi-bin/menu/create, with tokens that can be made to expire."""

    def __init__(self) -> None:
        self.tokens_issued = 0
        self.current_token = ""
        self.sent: list[dict[str, Any]] = []
        self.menus: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.errors_for: dict[str, int] = {}
        """openid -> the errcode custom send answers for it."""
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeWeChatApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_token(self) -> None:
        """The next call with the current token gets 42001 (as after two hours)."""
        with self.lock:
            self.current_token = "expired-" + self.current_token

    def texts_to(self, openid: str) -> list[str]:
        with self.lock:
            return [m["text"]["content"] for m in self.sent if m["touser"] == openid]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(fake.handle("GET", self.path, b""))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                self._answer(fake.handle("POST", self.path, self.rfile.read(length)))

            def _answer(self, result: dict[str, Any]) -> None:
                body = json.dumps(result).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def handle(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append(parts.path)
            if parts.path == "/cgi-bin/token":
                if query.get("appid") != APPID or query.get("secret") != SECRET:
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                self.tokens_issued += 1
                self.current_token = f"TOKEN{self.tokens_issued}-{secrets.token_hex(8)}"
                return {"access_token": self.current_token, "expires_in": 7200}
            offered = query.get("access_token", "")
            if offered != self.current_token or not offered:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            document = json.loads(body or b"{}")
            if parts.path == "/cgi-bin/message/custom/send":
                errcode = self.errors_for.get(document.get("touser", ""), 0)
                if errcode:
                    return {"errcode": errcode, "errmsg": "refused"}
                self.sent.append(document)
                return {"errcode": 0, "errmsg": "ok"}
            if parts.path == "/cgi-bin/menu/create":
                self.menus.append(document)
                return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40066, "errmsg": "invalid url"}
