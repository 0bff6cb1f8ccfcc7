"""A resident's conversation context: kept in the store (both backends), read by the
matcher for follow-ups, expiring after `context_minutes`, cleared by /start; and the
dialogue evaluation (`eval` on dialogue files, `ask --json --dialogue`)."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.admin.ask import run_ask
from bot.admin.dialogues import ask_conversation, read_conversations, summarize_dialogues
from bot.config import Config
from bot.context import Context
from bot.dialogue import Dialogue, TextMessage, User
from bot.dialogue.language import choose_language
from bot.dialogue.settings import DialogueSettings
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
DIALOGUES = ROOT / "tests" / "data" / "dialogues" / "follow-ups.yaml"
OUR_DIALOGUES = sorted((ROOT / "tests" / "data" / "dialogues").glob("*.yaml"))
ALICE = User("test:alice")
BOB = User("test:bob")


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(KNOWLEDGE, MatcherSettings())


def ask(dialogue: Dialogue, user: User, text: str) -> str:
    return dialogue.handle(user, TextMessage(text)).text


def reply_after(live: LiveKnowledge, store: Store, *questions: str) -> str:
    """One resident's conversation: the reply to its last question."""
    dialogue = Dialogue(live, store)
    replies = [ask(dialogue, ALICE, question) for question in questions]
    return replies[-1]


# --- the store ----------------------------------------------------------------------------


def test_a_context_written_is_read_back_at_once_and_by_another_process(any_db: str) -> None:
    now = time.time()
    context = Context("xiaohe-fresh-market", "xiaohe", ("a", "b"), "孝和的食行生鲜", "zh", now)
    first = Store(any_db)
    try:
        assert first.context(ALICE.id) == Context()
        assert first.set_context(ALICE.id, context)
        assert first.context(ALICE.id) == context  # still queued: seen all the same
        assert first.flush(10)
    finally:
        first.close()
    second = Store(any_db)  # a second web worker, or the bot after a restart
    try:
        assert second.context(ALICE.id) == context
        assert second.context(BOB.id) == Context()
    finally:
        second.close()


def test_a_context_read_falls_back_to_the_last_one_when_the_database_fails(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = Context("xinhua-calligraphy", "xinhua", (), "书法班", "zh", time.time())
    store.set_context(ALICE.id, context)
    store.flush(10)
    assert store.context(ALICE.id) == context
    monkeypatch.setattr(store, "_read", lambda what, default, action: default)
    assert store.context(ALICE.id) == context


def test_an_old_context_keeps_only_its_language() -> None:
    context = Context("xinhua-calligraphy", "xinhua", (), "书法班", "en", at=1000.0)
    assert context.as_of(1000.0 + 60, 1800) == context
    aged = context.as_of(1000.0 + 1801, 1800)
    assert not aged.has_topic and aged.lang == "en"


def test_the_language_rule_is_one_pure_function() -> None:
    rule = {"hint": None, "default": "zh"}
    assert choose_language(chosen="zh", text="where is the library", last="en", **rule) == "zh"
    assert choose_language(chosen=None, text="where is the library", last="zh", **rule) == "en"
    assert choose_language(chosen=None, text=None, last="en", **rule) == "en"
    assert choose_language(chosen=None, text=None, last=None, hint="en-GB", default="zh") == "en"


# --- follow-ups in the chat -----------------------------------------------------------------


def test_a_follow_up_is_answered_from_the_last_fact_with_the_detail_first(
    live: LiveKnowledge, store: Store
) -> None:
    dialogue = Dialogue(live, store)
    assert "食行生鲜" in ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    reply = ask(dialogue, ALICE, "伊拉一天多少单")
    answer = live.current.kb.fact("xiaohe-fresh-market").answer.zh  # type: ignore[union-attr]
    assert "14.86" in reply and reply.index("14.86") < reply.index(answer[:12])


def test_a_detail_the_last_fact_lacks_is_declined_bound_to_that_fact(
    live: LiveKnowledge, store: Store
) -> None:
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "新华居委的书法班是怎么回事")
    reply = dialogue.handle(ALICE, TextMessage("要付钞票伐"))
    assert "我只知道" in reply.text and "书法" in reply.text
    assert any("xinhua-calligraphy" in b.payload for row in reply.buttons for b in row)


def test_another_committee_named_alone_gets_the_same_kind_of_fact(
    live: LiveKnowledge, store: Store
) -> None:
    dialogue = Dialogue(live, store)
    assert "890" in ask(dialogue, ALICE, "建二居委便民服务一年有多少人参加")
    assert "360" in ask(dialogue, ALICE, "那合一呢")


def test_each_resident_has_their_own_conversation(live: LiveKnowledge, store: Store) -> None:
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    ask(dialogue, BOB, "新华居委的书法班是怎么回事")
    assert "14.86" in ask(dialogue, ALICE, "伊拉一天多少单")
    assert "14.86" not in ask(dialogue, BOB, "伊拉一天多少单")


def test_a_restarted_bot_reads_the_follow_up_in_the_stored_context(
    live: LiveKnowledge, tmp_path: Path
) -> None:
    path = tmp_path / "bot.sqlite3"
    before = Store(path)
    ask(Dialogue(live, before), ALICE, "孝和的食行生鲜是啥")
    before.close()
    after = Store(path)
    try:
        assert "14.86" in ask(Dialogue(live, after), ALICE, "伊拉一天多少单")
    finally:
        after.close()


def test_the_context_expires_and_start_clears_it(live: LiveKnowledge, store: Store) -> None:
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    aged = replace(store.context(ALICE.id), at=time.time() - 31 * 60)
    store.set_context(ALICE.id, aged)
    assert "14.86" not in ask(dialogue, ALICE, "伊拉一天多少单")

    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    dialogue.handle(ALICE, TextMessage("/start"))
    assert not store.context(ALICE.id).has_topic
    assert "14.86" not in ask(dialogue, ALICE, "伊拉一天多少单")


def test_the_lifetime_is_a_setting(live: LiveKnowledge, store: Store) -> None:
    dialogue = Dialogue(live, store, settings=DialogueSettings(context_minutes=90))
    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    store.set_context(ALICE.id, replace(store.context(ALICE.id), at=time.time() - 60 * 60))
    assert "14.86" in ask(dialogue, ALICE, "伊拉一天多少单")


def test_a_question_of_its_own_is_not_dragged_back_to_the_last_topic(
    live: LiveKnowledge, store: Store
) -> None:
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    assert "16" in ask(dialogue, ALICE, "淮海中路街道一共有几个居委会")
    assert "食行生鲜" not in ask(dialogue, ALICE, "医保卡掉了去哪里补办")


# --- evaluation ----------------------------------------------------------------------------


def test_our_dialogues_keep_their_figures(live: LiveKnowledge) -> None:
    """Our own conversations (tests/data/dialogues/): follow-ups read in context."""
    matcher = live.current.matcher
    conversations = [c for path in OUR_DIALOGUES for c in read_conversations(path)]
    summary = summarize_dialogues([ask_conversation(matcher, c) for c in conversations])
    misses = summary["misses"]
    # measured 98.7 / 95.2 / 1.6 / 96.1 (157 conversations, 250 follow-ups, with fresh-4
    # and fresh-5, which scored 87.3 / 8.5 and 86.4 / 7.6 wrong when measured once before
    # tuning); before the close topics, the anchoring names and the verb-only rule, 9.5%
    # of follow-ups were wrong (送到家 read as 建二's 送到家门口 services, 啥人来教 as the
    # calligraphy class …). The bars leave two or three turns of room: words other tests
    # register in jieba (a process-wide dictionary) shift a segmentation or two when this
    # runs after them.
    assert summary["first"]["share"] >= 0.95, misses
    assert summary["followup"]["share"] >= 0.93, misses
    assert summary["followup_wrong"]["share"] <= 0.025, misses
    assert summary["declined_detail"]["share"] >= 0.9, misses


def test_without_context_the_same_dialogues_fall_short(live: LiveKnowledge) -> None:
    """What the figures above guard: asked one by one, the follow-ups fail."""
    matcher = live.current.matcher
    alone = [replace(c, turns=[t]) for c in read_conversations(DIALOGUES) for t in c.turns[1:]]
    summary = summarize_dialogues([ask_conversation(matcher, c) for c in alone])
    assert summary["first"]["share"] < 0.8  # each follow-up judged on its own


def test_ask_dialogue_keeps_one_conversation_per_user(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"user": 1, "text": "孝和的食行生鲜是啥"},
        {"user": 2, "text": "新华居委的书法班是怎么回事"},
        {"user": 1, "text": "伊拉一天多少单"},
        {"user": 2, "text": "要付钞票伐"},
    ]
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert run_ask(Config(knowledge_dir=KNOWLEDGE), None, as_json=True, dialogue=True) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["context"] is None for r in records] == [True, True, False, False]
    assert records[2]["fact_id"] == "xiaohe-fresh-market" and "14.86" in records[2]["answer"]
    assert records[2]["context"]["used"] and records[2]["context"]["why"]
    assert records[3]["outcome"] == "declined"
    assert records[3]["related"][0]["fact_id"] == "xinhua-calligraphy"


def test_another_committee_named_after_a_detail_asks_that_detail_of_it(
    live: LiveKnowledge, store: Store
) -> None:
    """那合一呢 after 要付钞票伐: the fee of 合一's service, which the article does not give."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "孝和的食行生鲜是啥")
    assert "我只知道" in ask(dialogue, ALICE, "要付钞票伐")
    reply = ask(dialogue, ALICE, "那合一呢")
    assert "我只知道" in reply and "合一" in reply


def test_a_committee_named_alone_without_the_same_service_gets_what_it_does(
    live: LiveKnowledge, store: Store
) -> None:
    """新华有伐 after the grocery app: 新华 has none, so what 新华 does, never 孝和's."""
    reply = reply_after(live, store, "孝和的食行生鲜是啥", "新华有伐")
    assert "新华" in reply and "食行生鲜" not in reply and "不知道" not in reply


def test_a_follow_up_in_a_close_topics_words_stays_with_the_last_committee(
    live: LiveKnowledge, store: Store
) -> None:
    """配药 (a 助医 word) after 建二's doorstep service, which lists 健康医疗: synonyms.yaml
    calls the two close, so it is 建二's service, not declined for want of the word."""
    dialogue = Dialogue(live, store)
    assert "民心在线" in ask(dialogue, ALICE, "建二那边上门服务有啥")
    reply = ask(dialogue, ALICE, "配药有人帮忙伐")
    assert "民心在线" in reply and "12345" not in reply


def test_attendance_in_person_times_is_no_count_of_activities(
    live: LiveKnowledge, store: Store
) -> None:
    """How many activities 合一 held (32), then 建二呢: 建二's 890人次 counts people who
    took part, not activities, so the bot says it does not know rather than give it."""
    dialogue = Dialogue(live, store)
    assert "32" in ask(dialogue, ALICE, "合一居委为老服务一年弄了几次活动")
    reply = ask(dialogue, ALICE, "建二呢")
    assert "890" not in reply and "12345" in reply


def test_a_name_only_the_last_committee_uses_keeps_the_question_there(
    live: LiveKnowledge, store: Store
) -> None:
    """丰裕里 is 复四's lane: asking how old its houses are stays with 复四, although 房子
    is a word of 瑞华's relocation disputes."""
    reply = reply_after(live, store, "复四的议事会叫啥", "丰裕里那些房子老不老")
    assert "瑞华" not in reply and "近百年" in reply


def test_who_teaches_asks_of_the_last_class_not_of_another_that_teaches(
    live: LiveKnowledge, store: Store
) -> None:
    """啥人来教 names nothing but a verb: it asks who teaches 建六's holiday class, not
    the calligraphy class whose answer happens to say 教."""
    reply = reply_after(live, store, "建六寒暑假班是啥", "是啥人来教的")
    assert "建六" in reply and "书法" not in reply


def test_besides_the_last_fact_asks_another_of_the_committee(
    live: LiveKnowledge, store: Store
) -> None:
    dialogue = Dialogue(live, store)
    assert "阅览室" in ask(dialogue, ALICE, "合二的阅览室是啥辰光有的")
    reply = ask(dialogue, ALICE, "除了看书 还有别的活动伐")
    other = live.current.kb.fact("heer-culture-activities")
    assert other is not None and other.answer.zh[:12] in reply


def test_a_noun_with_a_place_ending_is_known_by_its_noun(live: LiveKnowledge, store: Store) -> None:
    """队里有点啥人 after the green team: 队里 is the team (队), so it asks who is in it."""
    reply = reply_after(live, store, "复兴居委的护绿队是干啥的", "队里有点啥人")
    assert "护绿队" in reply and "12345" not in reply


@pytest.mark.parametrize("question", ["where can I learn calligraphy", "阿拉想学书法 到啥地方去学"])
def test_where_in_a_full_question_asks_which_committee_not_the_last_ones_address(
    live: LiveKnowledge, store: Store, question: str
) -> None:
    """After the grocery app, "where can I learn calligraphy" is a question of its own:
    its "where" asks which committee, not the exact address of the last fact."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "孝和的网上菜场哪能用")
    reply = ask(dialogue, ALICE, question)
    assert "书法" in reply or "alligraphy" in reply
    assert "食行生鲜" not in reply and "Shixing" not in reply


def test_an_english_how_many_of_a_thing_is_answered_by_that_count(
    live: LiveKnowledge, store: Store
) -> None:
    """ "how many registered users" asks a count of users, which the grocery fact gives
    (475 registered users), though no asking word lists "registered"."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "What did the Xiaohe committee do about buying food?")
    assert "475" in ask(dialogue, ALICE, "how many registered users are there now?")


def test_that_team_points_back_to_the_last_one(live: LiveKnowledge, store: Store) -> None:
    """那支队伍 after 建二's volunteers: 那支 points back (it was read as a word of its
    own, and repaired into one of 复三's)."""
    reply = reply_after(live, store, "建二居委上门服务的是啥人", "那支队伍叫啥名字")
    assert "民心在线" in reply and "复三" not in reply


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("顺六的俪童荟是做啥的", "弄堂里堆物有人管伐"),
        ("复兴的护绿队是做啥的", "弄堂里乱堆东西哪能办"),
    ],
)
def test_a_team_that_cleans_stairwells_does_not_take_the_lanes_clutter(
    live: LiveKnowledge, store: Store, first: str, then: str
) -> None:
    """Clutter in the lanes is 志成's work even after a team whose answer says 楼道:
    close topics are read from the last fact, not lent to the whole committee."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, first)
    assert "志成" in ask(dialogue, ALICE, then)


def test_besides_never_gives_the_last_fact_again(live: LiveKnowledge, store: Store) -> None:
    dialogue = Dialogue(live, store)
    first = ask(dialogue, ALICE, "建四的睿德会做啥")
    assert first[:20] not in ask(dialogue, ALICE, "除了健身还有啥")


def test_another_committee_named_with_a_thing_of_its_own_gets_that_thing(
    live: LiveKnowledge, store: Store
) -> None:
    """合二的阅览室呢 after a green team: 合二's reading room, not its overview; the words
    the question brings are asked of the committee with the last question's."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "复兴居委有啥绿化的队伍")
    room = live.current.kb.fact("heer-reading-room")
    assert room is not None and room.answer.zh[:12] in ask(dialogue, ALICE, "合二的阅览室呢")


def test_a_shanghainese_how_long_in_a_follow_up_asks_how_often(
    live: LiveKnowledge, store: Store
) -> None:
    """多少辰光…一趟 is 多长时间…一趟: the reading room's fact says no how often."""
    reply = reply_after(live, store, "合二阅览室是做啥的", "读书会多少辰光聚一趟")
    assert "我只知道" in reply  # declined, the reading room offered as what is known


def test_a_committee_asked_of_a_topic_none_of_its_facts_has_is_declined(
    live: LiveKnowledge, store: Store
) -> None:
    """大华呢 after 有书法班吗 (and 合二有没有): 大华 has no class; before, its newspaper
    group was given, sharing a tag with the class."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "新华有学书法的班伐")
    assert "合二" in ask(dialogue, ALICE, "合二有没有")
    reply = ask(dialogue, ALICE, "大华呢")
    assert "没有收录" in reply and "大华居委" in reply  # declined, 大华 offered
    assert "读报" not in reply and "夕阳红" not in reply
    ask(dialogue, BOB, "孝和网上买菜哪能弄")
    reply = ask(dialogue, BOB, "合一呢")  # 合一 has no grocery service
    assert "没有收录" in reply and "助餐" not in reply


def test_a_quoted_name_of_the_last_committee_still_finds_the_others_like_it(
    live: LiveKnowledge, store: Store
) -> None:
    """那建四呢 after 顺六's 俪童荟: the name is 顺六's own, so 建四's team of the same
    kind is what is meant, not a decline."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "顺六俪童荟是搞啥的")
    assert "睿德会" in ask(dialogue, ALICE, "那建四呢")


def test_a_committee_whose_overview_only_its_name_finds_lacks_the_last_topic(
    live: LiveKnowledge, store: Store
) -> None:
    """复兴呢 after 志成's platform where residents talk things over: 复兴 has no such
    platform; its overview, found by its name alone, is no answer."""
    reply = reply_after(live, store, "志成有大家坐下来一道商量事体的平台伐", "复兴呢")
    assert "没有收录" in reply and "护绿" not in reply and "三引领" not in reply


def test_a_verb_only_another_committee_uses_does_not_make_a_new_question(
    live: LiveKnowledge, store: Store
) -> None:
    """啥人来教小囡 after 建六's holiday class: the children are the class's; 来教 is a
    doing, not 新华's calligraphy."""
    reply = reply_after(live, store, "建六寒暑假有给小囡的活动伐", "啥人来教小囡")
    assert "退休教师" in reply and "书法" not in reply


def test_a_follow_up_choice_the_last_fact_speaks_of_neither_side_of_is_declined(
    live: LiveKnowledge, store: Store
) -> None:
    """打篮球还是打排球 after 建四's sports team: the answer names no sport."""
    reply = reply_after(live, store, "建四的睿德会是做什么的", "伊拉是打篮球还是打排球")
    assert "12345" in reply and "睿德会" in reply  # declined, the team offered


def test_another_committee_asked_whether_it_has_the_last_topic_is_declined(
    live: LiveKnowledge, store: Store
) -> None:
    """大华有这种调解的伐 after 瑞华's mediation studio: 大华 has no mediation, so not its
    newspaper group nor its overview; 合二有伐 after a calligraphy class still finds 合二's."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "瑞华的金牌调解工作室是做啥的")
    reply = ask(dialogue, ALICE, "大华有这种调解的伐")
    assert "12345" in reply and "读报" not in reply  # declined, with the city's hotline
    ask(dialogue, BOB, "新华的书法班啥人教")
    assert "合二" in ask(dialogue, BOB, "合二有书法班伐")


def test_shanghainese_besides_and_where_to_in_a_follow_up(
    live: LiveKnowledge, store: Store
) -> None:
    """除脱 is 除了: another of the committee's facts. 停到哪里 asks a place, which 志成's
    fact does not give. 送到楼上 asks whether it comes to the home."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "合二的阅览室是做啥的")
    assert "读书会" in ask(dialogue, ALICE, "除脱看书还有啥")
    ask(dialogue, BOB, "志成弄堂里的杂物是哪能清掉的")
    assert "我只知道" in ask(dialogue, BOB, "脚踏车后来停到哪里")
    carol = User("test:carol")
    ask(dialogue, carol, "孝和网上买菜是哪能一回事")
    assert "我只知道" in ask(dialogue, carol, "菜好送到楼上伐")


def test_an_english_switch_after_a_romanised_name_finds_the_same_kind_of_team(
    live: LiveKnowledge, store: Store
) -> None:
    """What about Jiansi? after Shunliu's Litonghui: the name is Shunliu's own, so Jiansi's
    team of the same kind (Ruidehui) is meant, in English as in Chinese."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "What is Litonghui in Shunliu?")
    assert "Ruidehui" in ask(dialogue, ALICE, "What about Jiansi?")


def test_a_known_service_verb_asked_after_another_topic_is_a_question_of_its_own(
    live: LiveKnowledge, store: Store
) -> None:
    """帮人调解矛盾的有伐 after the calligraphy class: 调解 is 瑞华's service, not a doing
    that leans on the class."""
    dialogue = Dialogue(live, store)
    ask(dialogue, ALICE, "新华书法班啥人教")
    assert "金牌调解工作室" in ask(dialogue, ALICE, "帮人调解矛盾的有伐")


def test_an_english_when_about_they_leans_on_the_last_answer(
    live: LiveKnowledge, store: Store
) -> None:
    """When do they meet? after Xicheng's women's group: they are that group, whose fact
    gives no time; not the calligraphy class, which also meets."""
    reply = reply_after(
        live, store, "Tell me about Yuandefang, the women's group in Xicheng", "When do they meet?"
    )
    assert "Xinhua" not in reply and "don't have" in reply


def test_a_detail_the_overview_lacks_is_asked_of_the_one_fact_that_gives_it(
    live: LiveKnowledge, store: Store
) -> None:
    """After 合一's overview, 'how many times a year' is its elderly care's 32 times; only
    that fact of 合一 gives a count of times, so it is no guess."""
    reply = reply_after(live, store, "合一居委平常为老人做点啥", "一年到头搞过几次")
    assert "32" in reply and "12345" not in reply


def test_a_detail_no_fact_of_the_committee_gives_is_still_declined_after_its_overview(
    live: LiveKnowledge, store: Store
) -> None:
    reply = reply_after(live, store, "合一居委平常为老人做点啥", "几点钟开门")
    assert "12345" in reply


def test_a_class_of_another_subject_is_not_the_last_class(
    live: LiveKnowledge, store: Store
) -> None:
    """建六's holiday class shares only 班 (and 来) with the calligraphy class: asked 建六呢
    after 新华's class and 合二's, it has none, and says so rather than giving its
    holiday class."""
    questions = ("新华那个书法班是怎么开起来的", "合二也有伐", "那建六呢")
    reply = reply_after(live, store, *questions)
    assert "12345" in reply and "建六" in reply  # declined, what 建六 does offered


def test_a_shanghainese_when_ending_in_ge_asks_of_a_past_beginning(
    live: LiveKnowledge, store: Store
) -> None:
    """个 ends a sentence as 的 does: 啥辰光开出来个 asks when it happened, a date."""
    reply = reply_after(live, store, "合二阅览室是做啥个", "啥辰光开出来个")
    assert "2018年初" in reply and "12345" not in reply


def test_other_committees_asked_of_a_topic_of_its_own_leave_the_last_question(
    live: LiveKnowledge, store: Store
) -> None:
    """有读书会伐 after 大华's newspaper group: the book club is asked of the others, not
    blurred by what the newspaper group reads."""
    reply = reply_after(live, store, "大华读报组一般读点啥", "别的居委有读书会伐")
    assert "读书会" in reply and "12345" not in reply


def test_what_else_they_did_asks_beyond_the_last_fact(live: LiveKnowledge, store: Store) -> None:
    """伊拉还做了点啥事体 after 睿德会's sports: what else (文明养宠), not the sports again;
    事体 (a thing, a matter) is no topic of its own."""
    reply = reply_after(live, store, "建四睿德会是做啥个", "伊拉还做了点啥事体")
    assert "文明养宠" in reply


def test_other_committees_after_a_question_without_a_topic_ask_the_last_facts_topic(
    live: LiveKnowledge, store: Store
) -> None:
    """Other committees? after "Who comes to learn with them?" asks of the calligraphy
    class the conversation is about, which that question never named."""
    questions = ("Is there a calligraphy class in Xinhua?", "Who comes to learn with them?")
    reply = reply_after(live, store, *questions, "Do other committees run one?")
    assert "Heer" in reply and "12345" not in reply


def test_a_shanghainese_ge_ren_is_the_people_counted_not_a_topic(
    live: LiveKnowledge, store: Store
) -> None:
    """参加个人 is 参加的人 (个 as 的): asked after 民心在线, it asks how many took part,
    not about a new thing called 个人."""
    reply = reply_after(live, store, "建二民心在线服务队是做啥个", "参加个人有几化")
    assert "890" in reply and "12345" not in reply


def test_how_big_a_group_is_asks_how_many_it_counts(live: LiveKnowledge, store: Store) -> None:
    """How large is a team? is answered by its numbers of people (more than 40 members),
    not declined as a detail of no kind."""
    reply = reply_after(
        live, store, "What is Yuandefang in Xicheng?", "How large is the group now?"
    )
    assert "40" in reply and "12345" not in reply


def test_a_follow_up_with_ne_and_nothing_asked_asks_the_last_questions_detail(
    live: LiveKnowledge, store: Store
) -> None:
    """换算到一日呢 after how many orders: the same number asked again, per day (14.86),
    not declined for asking nothing."""
    reply = reply_after(live, store, "孝和食行生鲜一共有几单", "换算到一日呢")
    assert "14.86" in reply and "12345" not in reply
