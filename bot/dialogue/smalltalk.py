"""Small talk: greetings and thanks get a friendly word, not a declined question."""

from __future__ import annotations

from bot.dialogue import texts
from bot.kb.model import Text
from bot.match import normalize

# Whole messages (normalised, spaces removed) that are small talk, not questions.
GREETINGS = frozenset(
    {
        "你好",
        "您好",
        "你好啊",
        "您好啊",
        "嗨",
        "哈喽",
        "哈啰",
        "早",
        "早上好",
        "上午好",
        "中午好",
        "下午好",
        "晚上好",
        "在吗",
        "在不在",
        "hi",
        "hello",
        "hey",
        "hiya",
        "helo",
        "hallo",
        "nihao",
        "goodmorning",
        "goodafternoon",
        "goodevening",
    }
)
THANKS = frozenset(
    {
        "谢谢",
        "谢谢你",
        "谢谢您",
        "谢谢侬",
        "谢谢侬啊",
        "多谢侬",
        "谢啦",
        "多谢",
        "多谢了",
        "感谢",
        "非常感谢",
        "太感谢了",
        "谢谢了",
        "好的谢谢",
        "好的谢谢你",
        "thanks",
        "thank",
        "thankyou",
        "thanksalot",
        "thx",
        "ty",
        "thankyouverymuch",
        "xiexie",
    }
)


def small_talk(text: str) -> Text | None:
    """The reply to a whole message that is a greeting or thanks, else None."""
    key = normalize(text, drop_filler=False).replace(" ", "")
    if key in GREETINGS:
        return texts.GREETING
    if key in THANKS:
        return texts.THANKS
    return None
