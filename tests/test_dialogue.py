"""One conversation turn, driven directly: menus, odd inputs, home committee, payloads.

Most tests use the shipped knowledge with a scripted matcher, so they test the
dialogue's decisions, not the matcher's current scores.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml

from bot.context import Context
from bot.dialogue import (
    MAX_PAYLOAD_BYTES,
    ButtonPress,
    Dialogue,
    NonText,
    Reply,
    TextMessage,
    User,
)
from bot.kb import KnowledgeBase, load_knowledge
from bot.match import LiveKnowledge, Match, MatcherSettings, MatchResult, detect_language, normalize
from bot.match.live import Snapshot
from bot.store import Store

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
ALICE = User("test:alice")


class ScriptedMatcher:
    """Returns the MatchResult scripted for a question; anything else is declined."""

    def __init__(self) -> None:
        self.script: dict[str, MatchResult] = {}
        self.calls: list[str] = []

    def match(
        self, question: str, *, street: str | None = None, context: Context | None = None
    ) -> MatchResult:
        self.calls.append(question)
        if question in self.script:
            return self.script[question]
        return MatchResult(question, normalize(question), detect_language(question), "declined")


class FakeKnowledge:
    """Stands in for LiveKnowledge: `.current` snapshot and `.settings`."""

    def __init__(
        self, kb: KnowledgeBase, matcher: ScriptedMatcher, settings: MatcherSettings | None = None
    ) -> None:
        self.settings = settings or MatcherSettings()
        self.current = Snapshot(kb=kb, matcher=matcher)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture
def matcher() -> ScriptedMatcher:
    return ScriptedMatcher()


@pytest.fixture
def dialogue(kb: KnowledgeBase, matcher: ScriptedMatcher, store: Store) -> Dialogue:
    return Dialogue(FakeKnowledge(kb, matcher), store)  # type: ignore[arg-type]


def script(
    matcher: ScriptedMatcher,
    kb: KnowledgeBase,
    question: str,
    outcome: str,
    candidates: list[tuple[str, float, tuple[str, ...]]],
    *,
    named: str | None = None,
) -> None:
    matches = []
    for fact_id, score, terms in candidates:
        fact = kb.fact(fact_id)
        assert fact is not None, fact_id
        matches.append(Match(fact=fact, score=score, phrasing=question, shared_terms=terms))
    matcher.script[question] = MatchResult(
        question=question,
        normalized=normalize(question),
        lang=detect_language(question),
        outcome=outcome,  # type: ignore[arg-type]
        candidates=tuple(matches),
        named_committee=named,
    )


def say(dialogue: Dialogue, text: str, user: User = ALICE) -> Reply:
    return check(dialogue.handle(user, TextMessage(text)))


def press(dialogue: Dialogue, payload: str, user: User = ALICE) -> Reply:
    return check(dialogue.handle(user, ButtonPress(payload)))


def check(reply: Reply) -> Reply:
    """What every reply must satisfy, whatever the input."""
    assert isinstance(reply, Reply)
    assert reply.text.strip()
    assert len(reply.text) <= 4096
    assert "Traceback" not in reply.text
    for button in reply.flat_buttons:
        assert len(button.payload.encode()) <= MAX_PAYLOAD_BYTES
        assert button.label
    return reply


def button(reply: Reply, label_part: str) -> str:
    found = [b.payload for b in reply.flat_buttons if label_part in b.label]
    assert found, f"no button with {label_part!r} in {[b.label for b in reply.flat_buttons]}"
    return found[0]


# --- odd inputs -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀😀", "\x00\x07", "。。。!!", "\u200b"])
def test_empty_or_meaningless_input_gets_a_hint(dialogue, matcher, store, text):
    reply = say(dialogue, text)
    assert "/help" in reply.text
    assert matcher.calls == []  # never reaches the matcher
    assert store.questions(0) == []


def test_very_long_input_gets_a_short_hint(dialogue, matcher):
    reply = say(dialogue, "买" * 4096)
    assert "500" in reply.text
    assert len(reply.text) < 200
    assert matcher.calls == []


def test_control_characters_inside_a_question_are_dropped(dialogue, matcher, kb):
    script(matcher, kb, "哪里 买菜", "answered", [("xiaohe-fresh-market", 90, ("买菜",))])
    reply = say(dialogue, "哪里\x00买菜\x07")
    assert "食行生鲜" in reply.text


def test_non_text_asks_for_words(dialogue):
    reply = check(dialogue.handle(ALICE, NonText("sticker")))
    assert "请用文字提问" in reply.text
    assert "please type your question" in reply.text.lower()


@pytest.mark.parametrize(
    "text", ["你好", "您好!", "谢谢", "谢谢你!", "谢谢侬!", "hello", "Hi!", "thanks", "Thank you"]
)
def test_greetings_and_thanks_get_a_friendly_reply_not_a_decline(dialogue, kb, store, text):
    reply = say(dialogue, text)
    assert kb.fallback.zh not in reply.text and kb.fallback.en not in reply.text
    assert store.questions(0) == []


def test_greeting_answers_in_the_greetings_language(dialogue):
    assert say(dialogue, "hello").lang == "en"
    assert say(dialogue, "你好").lang == "zh"


def test_a_failing_matcher_gives_an_apology_not_an_exception(dialogue, matcher):
    def broken(question: str) -> MatchResult:
        raise RuntimeError("boom")

    matcher.match = broken  # type: ignore[method-assign]
    reply = say(dialogue, "哪里可以买菜")
    assert "稍后再试" in reply.text


def test_a_broken_database_does_not_break_replies(dialogue, matcher, kb, store):
    script(matcher, kb, "哪里可以买菜", "answered", [("xiaohe-fresh-market", 90, ("买菜",))])
    store.close()
    reply = say(dialogue, "哪里可以买菜")
    assert "食行生鲜" in reply.text
    assert not reply.asks_feedback  # nothing logged, so nothing to rate
    assert "保存" in press(dialogue, "home:xiaohe").text


# --- menus ------------------------------------------------------------------------------


def test_start_shows_welcome_and_topic_menu(dialogue, kb):
    reply = say(dialogue, "/start")
    labels = [b.label for b in reply.flat_buttons]
    assert labels == [tag.name for tag in kb.menu_tags]
    assert "/help" in reply.text


def test_start_in_english_for_an_english_client(dialogue, kb):
    reply = say(dialogue, "/start", User("test:bob", language_code="en-GB"))
    assert [b.label for b in reply.flat_buttons] == [tag.en for tag in kb.menu_tags]
    assert reply.lang == "en"


def test_topic_then_fact_shows_the_fact_with_committee_and_source(dialogue, kb):
    topic = press(dialogue, button(say(dialogue, "/start"), "买菜与便民"))
    assert topic.replace_previous
    fact = press(dialogue, button(topic, "食行生鲜"))
    assert "食行生鲜" in fact.text
    assert "孝和居委" in fact.text
    assert "来源:" in fact.text
    # no contact is filled in the shipped knowledge, so no empty contact lines either
    assert "电话" not in fact.text and "地址" not in fact.text


def test_every_menu_path_keeps_payloads_short_and_texts_plain(dialogue, kb):
    """Walk every topic, fact and committee; `press` checks each reply's limits."""
    seen = set()
    queue = [b.payload for b in say(dialogue, "/start").flat_buttons]
    queue += [b.payload for b in say(dialogue, "/committees").flat_buttons]
    while queue:
        payload = queue.pop()
        if payload in seen:
            continue
        seen.add(payload)
        reply = press(dialogue, payload)
        assert "这一项已经更新了" not in reply.text, payload
        assert "**" not in reply.text and "<b>" not in reply.text
        queue += [b.payload for b in reply.flat_buttons]
    committee_facts = {f"f:{f.id}" for f in kb.facts if f.committee_id and not f.overview}
    assert committee_facts <= seen


def test_committees_lists_all_sixteen_two_per_row(dialogue, kb):
    reply = say(dialogue, "/committees")
    assert len(reply.flat_buttons) == len(kb.committees) == 16
    assert all(len(row) <= 2 for row in reply.buttons)
    overview = press(dialogue, button(reply, "孝和"))
    assert "孝和居委" in overview.text
    assert any(b.payload == "f:xiaohe-fresh-market" for b in overview.flat_buttons)


@pytest.mark.parametrize(
    "name",
    ["孝和", "孝和居委", "孝和居委会", "Xiaohe", "xiaohe", "XIAOHE committee", "孝禾", "xiaoeh"],
)
def test_committee_by_name_alias_english_pinyin_or_typo(dialogue, name):
    reply = say(dialogue, f"/committee {name}")
    assert "孝和居委" in reply.text or "Xiaohe" in reply.text
    assert "没有找到" not in reply.text


def test_committee_name_with_an_arabic_digit(dialogue):
    assert "复三居委" in say(dialogue, "/committee 复3").text


def test_committee_not_found_offers_the_list(dialogue):
    reply = say(dialogue, "/committee 火星")
    assert "没有找到" in reply.text
    assert len(reply.flat_buttons) == 16


def test_help_and_unknown_command(dialogue):
    assert "/mycommittee" in say(dialogue, "/help").text
    assert "/help" in say(dialogue, "/frobnicate").text
    assert "/committees" in say(dialogue, "/help@HuaihaiBot").text


# --- free-text questions ----------------------------------------------------------------


def test_answered_question_has_feedback_buttons_that_record(dialogue, matcher, kb, store):
    script(matcher, kb, "哪里可以买菜", "answered", [("xiaohe-fresh-market", 92, ("买菜",))])
    reply = say(dialogue, "哪里可以买菜")
    assert "食行生鲜" in reply.text
    assert reply.asks_feedback
    thanks = press(dialogue, button(reply, "👍"))
    assert "谢谢" in thanks.text
    (logged,) = store.questions(0)
    assert logged.outcome == "answered" and logged.fact_id == "xiaohe-fresh-market"
    assert [(f.fact_id, f.helpful) for f in store.feedback(0)] == [("xiaohe-fresh-market", True)]
    press(dialogue, button(reply, "👎"))
    assert [f.helpful for f in store.feedback(0)] == [False]  # the last vote counts


def test_feedback_on_someone_elses_answer_is_ignored(dialogue, matcher, kb, store):
    script(matcher, kb, "哪里可以买菜", "answered", [("xiaohe-fresh-market", 92, ("买菜",))])
    reply = say(dialogue, "哪里可以买菜")
    press(dialogue, button(reply, "👍"), User("test:mallory"))
    assert store.feedback(0) == []


def test_clarify_offers_up_to_three_options_and_none(dialogue, matcher, kb, store):
    options = [
        ("fuxing-green-team", 80, ("绿化",)),
        ("zhicheng-clear-lanes", 79, ("绿化",)),
        ("jiansi-civility", 78, ("绿化",)),
        ("heer-reading-room", 77, ("绿化",)),
    ]
    script(matcher, kb, "绿化", "clarify", options)
    reply = say(dialogue, "绿化")
    assert reply.text.startswith("您是想问")
    assert len(reply.flat_buttons) == 4  # three facts + 都不是
    assert reply.flat_buttons[-1].label == "都不是"
    picked = press(dialogue, reply.flat_buttons[1].payload)
    assert kb.fact("zhicheng-clear-lanes").title.zh in picked.text  # type: ignore[union-attr]
    assert picked.asks_feedback
    (logged,) = store.questions(0)
    assert logged.outcome == "clarify" and logged.chosen_fact_id == "zhicheng-clear-lanes"


@pytest.mark.parametrize("configured", [1, 2, 5])
def test_did_you_mean_offers_the_configured_number_of_options(kb, matcher, store, configured):
    knowledge = FakeKnowledge(kb, matcher, MatcherSettings(max_alternatives=configured))
    dialogue = Dialogue(knowledge, store)  # type: ignore[arg-type]
    facts = [fact.id for fact in kb.facts if fact.committee_id and not fact.overview][:6]
    options = [(fact_id, 90 - n, ("老人",)) for n, fact_id in enumerate(facts)]
    script(matcher, kb, "老人服务", "clarify", options)
    reply = say(dialogue, "老人服务")
    assert len(reply.flat_buttons) == configured + 1  # the options and 都不是


def test_none_of_these_logs_unanswered_and_gives_fallback(dialogue, matcher, kb, store):
    script(
        matcher,
        kb,
        "绿化",
        "clarify",
        [("fuxing-green-team", 80, ()), ("zhicheng-clear-lanes", 79, ())],
    )
    reply = say(dialogue, "绿化")
    none = press(dialogue, button(reply, "都不是"))
    assert "12345" in none.text
    (logged,) = store.questions(0)
    assert logged.unanswered and logged.rejected


def test_declined_question_gives_fallback_and_topics(dialogue, kb, store):
    reply = say(dialogue, "今天天气怎么样")
    assert kb.fallback.zh in reply.text
    assert "/committees" in reply.text
    assert len(reply.flat_buttons) == len(kb.menu_tags)
    (logged,) = store.questions(0)
    assert logged.outcome == "declined" and logged.question == "今天天气怎么样"


def test_declined_english_question_answers_in_english(dialogue, kb):
    reply = say(dialogue, "what is the weather like today")
    assert kb.fallback.en in reply.text
    assert reply.lang == "en"


# --- home committee ---------------------------------------------------------------------

ELDERLY = [
    ("jianer-volunteer-services", 80, ("老人", "服务")),
    ("heyi-elderly-care", 72, ("老人", "服务")),
    ("fusan-senior-teams", 71, ("老人", "服务")),
]


def test_home_committee_fact_comes_first_when_several_committees_are_close(
    dialogue, matcher, kb, store
):
    script(matcher, kb, "老人有什么服务", "answered", ELDERLY)
    saved = press(dialogue, "home:heyi")
    assert "合一居委" in saved.text
    reply = say(dialogue, "老人有什么服务")
    assert reply.text.startswith("你所在的合一居委")
    heyi_title = kb.fact("heyi-elderly-care").title.zh  # type: ignore[union-attr]
    assert reply.text.index(heyi_title) < reply.text.index("建二居委")
    assert "其他居委也有类似的服务" in reply.text
    assert any(b.payload == "f:jianer-volunteer-services" for b in reply.flat_buttons)
    assert store.questions(0)[-1].fact_id == "heyi-elderly-care"


def test_home_committee_in_english(dialogue, matcher, kb):
    script(matcher, kb, "services for old people", "answered", ELDERLY)
    press(dialogue, "home:heyi")
    reply = say(dialogue, "services for old people")
    assert reply.text.startswith("Your committee, Heyi")


def test_home_committee_does_not_override_a_different_service(dialogue, matcher, kb):
    # heyi's fact is close in score but did not match what the best one matched
    script(
        matcher,
        kb,
        "哪里可以买菜",
        "answered",
        [("xiaohe-fresh-market", 90, ("买菜",)), ("heyi-elderly-care", 85, ("哪里",))],
    )
    press(dialogue, "home:heyi")
    reply = say(dialogue, "哪里可以买菜")
    assert reply.text.startswith("食行生鲜")


def test_home_committee_resolves_a_did_you_mean_between_committees(dialogue, matcher, kb):
    script(matcher, kb, "老人", "clarify", [(f, 90, ("老人",)) for f, _, _ in ELDERLY])
    press(dialogue, "home:fusan")
    reply = say(dialogue, "老人")
    assert reply.text.startswith("你所在的复三居委")


def test_a_named_committee_beats_the_home_committee(dialogue, matcher, kb):
    script(matcher, kb, "建二的老人服务", "answered", ELDERLY, named="jianer")
    press(dialogue, "home:heyi")
    reply = say(dialogue, "建二的老人服务")
    assert not reply.text.startswith("你所在的")


def test_mycommittee_shows_the_current_choice(dialogue):
    press(dialogue, "home:xiaohe")
    assert "孝和居委" in say(dialogue, "/mycommittee").text


# --- language ---------------------------------------------------------------------------


def test_reply_follows_the_question_language_until_lang_is_set(dialogue, matcher, kb, store):
    script(matcher, kb, "哪里可以买菜", "answered", [("xiaohe-fresh-market", 92, ("买菜",))])
    script(matcher, kb, "where can I buy vegetables", "answered", [("xiaohe-fresh-market", 92, ())])
    assert "Shixing Fresh" in say(dialogue, "where can I buy vegetables").text
    assert "食行生鲜:家门口" in say(dialogue, "哪里可以买菜").text
    assert say(dialogue, "/lang en").lang == "en"
    reply = say(dialogue, "哪里可以买菜")
    assert reply.lang == "en" and "Shixing Fresh" in reply.text
    assert store.preferences(ALICE.id).language == "en"
    say(dialogue, "/lang zh")
    assert "食行生鲜:家门口" in say(dialogue, "where can I buy vegetables").text


def test_lang_without_argument_offers_buttons(dialogue):
    reply = say(dialogue, "/lang")
    assert {b.payload for b in reply.flat_buttons} == {"lang:zh", "lang:en", "lang:auto"}
    assert press(dialogue, "lang:en").lang == "en"


# --- stale and forged buttons -----------------------------------------------------------


CHANGED = "这一项已经更新了"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("f:no-such-fact", CHANGED),
        ("c:mars", CHANGED),
        ("t:no-such-topic", CHANGED),
        ("home:mars", CHANGED),
        ("p:1:gone", CHANGED),
        ("zzz", CHANGED),
        ("", CHANGED),
        ("fb:?:1", CHANGED),
        ("fb:+:abc", CHANGED),
        ("p:1", CHANGED),
        ("f:", CHANGED),
        ("m:extra", CHANGED),
        ("lang:klingon", "请选择语言"),
        # digits int() refuses, numbers beyond SQLite's integers, positions out of range
        ("fb:+:²", CHANGED),
        ("fb:-:99999999999999999999999", CHANGED),
        ("fb:+:-1", CHANGED),
        ("f:#²", CHANGED),
        ("f:#99999", CHANGED),
        ("t:#-1", CHANGED),
        ("c:#16", CHANGED),
        ("n:²", "12345"),  # "none of these" still helps, it just records nothing
        ("p:²:xiaohe-fresh-market", "食行生鲜"),
    ],
)
def test_stale_or_garbled_payloads_get_a_polite_reply(dialogue, store, payload, expected):
    reply = press(dialogue, payload)
    assert expected in reply.text
    assert "出了点问题" not in reply.text  # handled, not caught as an error
    assert store.feedback(0) == []


def test_items_named_by_position_resolve_to_the_same_item(dialogue, kb):
    """Names too long for a button fall back to positions ("#3"), which must work too."""
    index = kb.facts.index(kb.fact("xiaohe-fresh-market"))
    assert "食行生鲜" in press(dialogue, f"f:#{index}").text
    assert "孝和居委" in press(dialogue, f"c:#{kb.committees.index(kb.committee('xiaohe'))}").text
    topic = press(dialogue, f"t:#{kb.tags.index(kb.menu_tags[0])}")
    assert topic.replace_previous and topic.flat_buttons


def test_every_button_kind_has_a_handler():
    from bot.dialogue.conversation import BUTTONS
    from bot.dialogue.payloads import Kind, decode, encode

    assert set(BUTTONS) == set(Kind)
    for kind in Kind:
        payload = decode(encode(kind, *["x"] * kind.arity))
        assert payload is not None and payload.kind is kind


def test_a_link_in_a_committee_name_is_not_echoed(dialogue):
    reply = say(dialogue, "/committee@HuaihaiBot 请加群 t.me/joinchat/EVIL 领补贴")
    assert "t.me" not in reply.text and "EVIL" not in reply.text and "加群" not in reply.text
    assert "没有找到" in reply.text or "could not find" in reply.text
    assert len(reply.flat_buttons) == 16
    assert "“火星”" in say(dialogue, "/committee 火星").text  # a plain name still is


def test_a_megabyte_command_is_refused_quickly(dialogue, matcher):
    started = time.monotonic()
    reply = say(dialogue, "/committee " + "孝和居委" * 250_000)
    assert time.monotonic() - started < 30  # a hang bound; the figure: benchmarks/worst_inputs.py
    assert "500" in reply.text
    assert matcher.calls == []


def test_button_of_a_fact_removed_by_a_reload_says_it_changed(tmp_path, store):
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, directory)
    live = LiveKnowledge(directory, MatcherSettings())
    dialogue = Dialogue(live, store)
    old_button = button(say(dialogue, "/committee 孝和"), "食行生鲜")

    path = directory / "committees" / "xiaohe.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["facts"] = [f for f in data["facts"] if f["id"] != "xiaohe-fresh-market"]
    data["facts"][0]["tags"] = ["买菜与便民"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert live.reload().ok

    reply = press(dialogue, old_button)
    assert "这一项已经更新了" in reply.text


# --- concurrency ------------------------------------------------------------------------


def test_concurrent_turns_from_many_users(dialogue, matcher, kb, store):
    script(matcher, kb, "哪里可以买菜", "answered", [("xiaohe-fresh-market", 92, ("买菜",))])
    errors: list[BaseException] = []

    def chat(n: int) -> None:
        try:
            user = User(f"test:user{n}")
            for _ in range(10):
                reply = dialogue.handle(user, TextMessage("哪里可以买菜"))
                dialogue.handle(user, ButtonPress(button(reply, "👍")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.questions(0)) == 80
    assert store.stats().helpful_total == 80


@pytest.mark.parametrize(
    ("question", "says", "fact_label"),
    [
        ("新华书法班学费多少钱", "费用我这里没有收录", "新华书法班"),
        ("How much does the calligraphy class cost?", "I don't have the fee", "Calligraphy"),
        ("翠湖天地那个律师电话多少", "电话我这里没有收录", "法律顾问"),
    ],
)
def test_a_detail_the_knowledge_lacks_is_declined_with_the_fact_one_tap_away(
    tmp_path, store, question, says, fact_label
):
    live = LiveKnowledge(KNOWLEDGE, MatcherSettings())
    dialogue = Dialogue(live, store)
    reply = say(dialogue, question)
    assert says in reply.text and "12345" in reply.text
    shown = press(dialogue, button(reply, fact_label))
    assert fact_label.casefold() in shown.text.casefold()
