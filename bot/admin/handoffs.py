"""Residents' messages to staff as staff read them, for every front end (Telegram's notice,
the /admin queue): transport-free, so a new admin page can reuse it as it stands."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.handoffs import Handoff, Turn
from bot.kb.model import KnowledgeBase, Lang, Text

CHANNELS = {
    "tg": Text(zh="Telegram", en="Telegram"),
    "web": Text(zh="网页聊天", en="web chat"),
    "console": Text(zh="命令行聊天", en="console chat"),
    "wechat": Text(zh="微信", en="WeChat"),
}
HEADING = Text(
    zh="📨 居民留言 #{id}({channel},{ago})",
    en="📨 Message from a resident #{id} ({channel}, {ago})",
)
EARLIER = Text(zh="之前问的:", en="Asked before:")
ANSWERED_WITH = Text(zh="→ {title}", en="→ {title}")
NOT_ANSWERED = Text(zh="→ 没有回答", en="→ not answered")
AGO_MINUTES = Text(zh="{n} 分钟前", en="{n} min ago")
AGO_HOURS = Text(zh="{n} 小时前", en="{n} h ago")
NEXT_VISIT = Text(
    zh="居民用的是{channel}:回复会在他下次打开聊天时显示。",
    en="The resident used the {channel}: the answer is shown at their next visit.",
)
AT_ONCE = Text(
    zh="回复会马上发到居民的 Telegram。", en="The answer goes to their Telegram at once."
)


@dataclass(frozen=True)
class QueueItem:
    """One open hand-off, ready to show: what the resident wrote and the turns before."""

    id: int
    heading: str
    message: str
    earlier: tuple[str, ...]
    delivery: str


def channel_name(channel: str, lang: Lang) -> str:
    text = CHANNELS.get(channel)
    return text.in_lang(lang) if text else channel


def _ago(opened_at: float, lang: Lang, now: float) -> str:
    minutes = max(0, int((now - opened_at) // 60))
    if minutes < 120:
        return AGO_MINUTES.in_lang(lang).format(n=minutes)
    return AGO_HOURS.in_lang(lang).format(n=minutes // 60)


def _turn_line(kb: KnowledgeBase, turn: Turn, lang: Lang) -> str:
    fact = kb.fact(turn.fact_id) if turn.fact_id and turn.outcome == "answered" else None
    result = (
        ANSWERED_WITH.in_lang(lang).format(title=fact.title.in_lang(lang))
        if fact
        else NOT_ANSWERED.in_lang(lang)
    )
    return f"· {turn.question} {result}"


def queue_item(
    kb: KnowledgeBase, handoff: Handoff, lang: Lang, now: float | None = None
) -> QueueItem:
    now = time.time() if now is None else now
    channel = channel_name(handoff.channel, lang)
    heading = HEADING.in_lang(lang).format(
        id=handoff.id, channel=channel, ago=_ago(handoff.opened_at, lang, now)
    )
    delivery = (
        AT_ONCE.in_lang(lang)
        if handoff.channel == "tg"
        else NEXT_VISIT.in_lang(lang).format(channel=channel)
    )
    earlier = tuple(_turn_line(kb, turn, lang) for turn in handoff.turns)
    return QueueItem(handoff.id, heading, handoff.message, earlier, delivery)


def notice_text(item: QueueItem, lang: Lang) -> str:
    """The plain-text notice admins get (Telegram)."""
    lines = [item.heading, f"“{item.message}”"]
    if item.earlier:
        lines += ["", EARLIER.in_lang(lang), *item.earlier]
    lines += ["", item.delivery]
    return "\n".join(lines)
