"""The language rule of every front end: short Latin tokens keep a conversation's
language; a real sentence in the other language switches it; an English question is
answered in English either way."""

from __future__ import annotations

import pytest

from bot.dialogue.language import (
    answer_language,
    choose_language,
    conversation_language,
    switches_language,
)

# (message, in a Chinese conversation it switches to …, … in an English one)
TABLE = [
    ("OK", None, None),
    ("ok", None, None),
    ("Ok!", None, None),
    ("okay", None, None),
    ("ok ok", None, None),
    ("OK thanks", None, None),
    ("hi", None, None),
    ("Hi!", None, None),
    ("hello", None, None),
    ("bye", None, None),
    ("thx", None, None),
    ("yes", None, None),
    ("1", None, None),
    ("12", None, None),
    ("2?", None, None),
    ("a b c", None, None),
    ("QR code", None, None),
    ("https://example.org/a/b", None, None),
    ("www.example.org", None, None),
    ("see example.org", None, None),
    ("xiaohe", None, None),
    ("Xiaohe", None, None),
    ("xiao he", None, None),
    ("xiaohe juwei", None, None),
    ("maicai", None, None),
    ("Huaihai Road", None, None),
    ("👍", None, None),
    ("?!", None, None),
    ("is it ok", None, None),
    ("where can I buy vegetables", "en", None),
    ("how do I apply", "en", None),
    ("I need a doctor", "en", None),
    ("help me please", "en", None),
    ("where is xiaohe", "en", None),
    ("what time does it open", "en", None),
    ("tell me about 孝和", "en", None),
    ("thank you", "en", None),
    ("OK 谢谢", None, "zh"),
    ("好", None, "zh"),
    ("哪里可以买菜", None, "zh"),
    ("孝和居委在哪里 ok", None, "zh"),
]


@pytest.mark.parametrize(("text", "from_zh", "from_en"), TABLE)
def test_what_switches_a_conversation(text: str, from_zh: str | None, from_en: str | None) -> None:
    assert switches_language(text, "zh") == from_zh
    assert switches_language(text, "en") == from_en


def test_the_table_is_long_enough_and_mostly_short_tokens() -> None:
    assert len(TABLE) >= 30
    assert sum(1 for _, zh, en in TABLE if zh is None and en is None) >= 25


@pytest.mark.parametrize("text", ["where can I buy vegetables", "library", "calligraphy"])
def test_an_english_question_gets_english_in_a_chinese_conversation(text: str) -> None:
    assert answer_language(text, "zh") == "en"


@pytest.mark.parametrize("text", ["OK", "hi", "1", "xiaohe", "https://example.org"])
def test_a_token_is_answered_in_the_conversations_language(text: str) -> None:
    assert answer_language(text, "zh") == "zh"
    assert answer_language(text, "en") == "en"


def test_ok_after_chinese_keeps_the_conversation_chinese_and_a_sentence_switches_it() -> None:
    """What the stored context keeps (`conversation_language`) and what each message is
    answered in (`choose_language`), turn by turn."""
    rule = {"hint": "zh-CN", "default": "zh"}
    last = None
    answers = []
    for text in ["哪里可以买菜", "OK", None, "library", None, "where is the library", None]:
        answers.append(choose_language(chosen=None, text=text, last=last, **rule))  # type: ignore[arg-type]
        last = conversation_language(text=text, last=last, **rule)  # type: ignore[arg-type]
    assert answers == ["zh", "zh", "zh", "en", "zh", "en", "en"]
