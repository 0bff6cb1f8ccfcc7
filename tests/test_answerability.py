"""What a question asks for and what a fact's answer gives (bot/match/answerability.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue import Dialogue, TextMessage, User
from bot.kb.asking import Kind, parse_asking
from bot.kb.loader import KnowledgeBaseError, load_knowledge
from bot.kb.model import Contact, KnowledgeBase
from bot.match import LiveKnowledge, Matcher, MatcherSettings
from bot.match.answerability import asked_kinds, detail_span, either_or, given_kinds
from bot.store import Store
from bot.yamlfile import load_yaml

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(SHIPPED)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("那个护绿队一共有多少个队员", Kind.PEOPLE_COUNT),
        ("去年搞了几次活动", Kind.TIMES_COUNT),
        ("阅览室哪一年开的", Kind.DATE),
        ("书法课多久上一次", Kind.FREQUENCY),
        ("读报组几天碰一趟头", Kind.FREQUENCY),  # days between meetings: how often
        ("调解员姓什么", Kind.PERSON_NAME),
        ("办公室地址在哪条路", Kind.PLACE),
        ("上课要付钱伐", Kind.PRICE),
        ("暑假班怎么报名", Kind.PROCEDURE),
        ("阅览室几点开门", Kind.HOURS),
        ("有没有年龄限制", Kind.PROPERTY),
        ("What does the class cost?", Kind.PRICE),
        ("What is the mediator's name?", Kind.PERSON_NAME),
    ],
)
def test_a_question_asks_the_kind_its_words_ask(question: str, kind: Kind) -> None:
    assert kind in asked_kinds(question)


def test_a_plain_topic_question_asks_no_detail() -> None:
    assert asked_kinds("合二阅览室是做什么的") == frozenset()


def test_counts_dates_and_names_are_read_from_the_answer(kb: KnowledgeBase) -> None:
    market = kb.fact("xiaohe-fresh-market")  # 475位注册用户, 3304人次, 2018年6月
    calligraphy = kb.fact("xinhua-calligraphy")  # 每月上四次课, 张建强老师
    assert market is not None and calligraphy is not None
    assert {Kind.PEOPLE_COUNT, Kind.TIMES_COUNT, Kind.DATE} <= given_kinds(market, "zh")
    assert {Kind.FREQUENCY, Kind.PERSON_NAME} <= given_kinds(calligraphy, "zh")
    assert Kind.PRICE not in given_kinds(calligraphy, "zh")
    assert Kind.HOURS not in given_kinds(calligraphy, "zh")


def test_a_committee_name_is_no_person_name(kb: KnowledgeBase) -> None:
    sports = kb.fact("jiansi-sports")  # jieba tags 向建四(居委) as a person's name
    assert sports is not None
    names = [name for c in kb.committees for name in c.all_names]
    assert Kind.PERSON_NAME not in given_kinds(sports, "zh", not_names=names)


def test_a_filled_contact_field_gives_its_kind(kb: KnowledgeBase) -> None:
    fact = kb.fact("heer-reading-room")
    assert fact is not None
    assert Kind.HOURS not in given_kinds(fact, "zh")
    assert Kind.HOURS in given_kinds(fact, "zh", contact=Contact(hours="9:00-17:00"))


def test_the_detail_span_is_the_clause_that_gives_it(kb: KnowledgeBase) -> None:
    fact = kb.fact("heyi-elderly-care")
    assert fact is not None
    span = detail_span(fact, Kind.PEOPLE_COUNT, "zh")
    assert span is not None and "360余人次" in span and "助洁" not in span
    english = detail_span(fact, Kind.PEOPLE_COUNT, "en")
    assert english is not None and "360" in english
    assert detail_span(fact, Kind.PRICE, "zh") is None


def test_a_broken_details_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "details.yaml"
    path.write_text("kinds:\n  price:\n    label: {zh: 费用, en: fee}\n    asks: [Fee]\n")
    problems: list = []
    parse_asking(load_yaml(path), problems)
    assert problems and problems[0].line == 4


def test_check_rejects_an_unknown_kind(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SHIPPED, tmp_path / "knowledge")
    details = tmp_path / "knowledge" / "details.yaml"
    details.write_text(details.read_text(encoding="utf-8").replace("  hours:", "  hourz:"))
    with pytest.raises(KnowledgeBaseError, match="hourz"):
        load_knowledge(tmp_path / "knowledge")


# --- the matcher and the replies that use it ------------------------------------------
@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


def test_a_detail_the_best_fact_gives_is_answered_and_one_it_lacks_declined(
    matcher: Matcher,
) -> None:
    given = matcher.match("新华的书法课每月有几回")
    assert given.answered and given.best is not None
    assert given.best.fact.id == "xinhua-calligraphy"
    lacking = matcher.match("新华的书法课学一期付多少钱")
    assert lacking.outcome == "declined" and lacking.guards.missing_detail is not None
    assert [m.fact.id for m in lacking.related] == ["xinhua-calligraphy"]


def test_which_committees_is_answered_with_every_committee_that_has_it(
    matcher: Matcher,
) -> None:
    result = matcher.match("有书法班的是哪几个居委")
    assert result.answered and result.listing
    assert {"xinhua", "heer"} <= {m.committee_id for m in result.candidates}
    assert len({m.committee_id for m in result.candidates}) == len(result.candidates)


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("reading club", "heer-reading-room"),
        ("dog owners etiquette", "jiansi-civility"),
        ("calligraphy teacher", "xinhua-calligraphy"),
    ],
)
def test_a_few_english_keywords_reach_the_right_fact(
    matcher: Matcher, question: str, fact_id: str
) -> None:
    result = matcher.match(question)
    assert result.outcome != "declined"
    assert result.best is not None and result.best.fact.id == fact_id


def test_the_reply_leads_with_the_detail_asked(kb: KnowledgeBase, store: Store) -> None:
    live = LiveKnowledge(SHIPPED, MatcherSettings())
    reply = Dialogue(live, store).handle(
        User("test:detail"), TextMessage("建二的服务队一年服务多少人")
    )
    first_lines = reply.text.split("\n\n")[1]  # after the title and the committee
    assert "890人次" in first_lines and first_lines.startswith("👉")


@pytest.mark.parametrize(
    "question",
    [
        "阿拉屋里的停车证哪能办",  # 哪能办: the Mandarin asking word 证怎么办, in Shanghainese
        "助动车牌照到啥地方去上",  # a licence plate: a city matter
        "复兴的护绿队哪能报名参加",  # "residents may join" says nothing of how to join
        "新华书法班在哪个房间",  # which room: an exact place the fact does not give
        "翠湖天地的律师一个星期来几天",  # days a week: how often, which it does not say
        "复三的志愿服务日放在月头还是月尾",  # which of two, cut by jieba into 月 + 头
        "睿德会最早是哪一年搞起来的",  # when it began: the answer's 2018 is what it did
        "大华读报组是啥年份弄起来的",
        "参加读报组要报名伐",  # whether one must sign up: no word on signing up
        "夕阳红读报组领头的是哪位阿姨",  # its leader: the answer names no post
        "合一助餐的饭菜是哪一家饭堂烧的",  # which canteen (哪 + 一家): none is spoken of
        "读报组是哪一位退休干部组织的",  # which cadre: none is spoken of
        "新华书法班的笔墨要自家掏腰包伐",  # 掏腰包: paying out of one's own pocket
        "is the calligraphy class free",
        "张建强老师教书法做了几年了",  # how long he has done it: not said
        "食行生鲜好付现金伐",  # how to pay: not said
        "食行生鲜的小菜质量哪能",  # the quality of the food: not said
        "老人想买火车票 社区有人帮伐",  # train tickets: a city matter, not grocery shopping
        "志成一共摆了几盆花",  # how many pots (几 + a measure word): no count of pots
        "复四丰裕里改造搞了几个月",  # how many months it took: not said
        "建六假期班结束有考试伐",  # an exam or a certificate: not said
        "翠湖天地那位律师是男是女",  # a man or a woman: not said
        "do the Fuxing green volunteers get a subsidy",  # an allowance: no fee is said
        "what paper does the Dahua reading group take",  # which newspaper: none is named
        "复四搞议事会的钱是街道出的伐",  # who pays (钱是…出): no answer says
    ],
)
def test_a_near_topic_detail_the_article_never_gives_is_declined(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).outcome == "declined"


def test_a_committee_name_with_a_numeral_is_no_count(matcher: Matcher) -> None:
    """复四居委 holds 四 before 居: no answer to how many residents' representatives."""
    result = matcher.match("丰裕里议事会里有几个居民代表")
    assert result.outcome == "declined"
    assert matcher.match("淮海中路街道一共有几个居委").answered  # 16个居民区居委会


def test_how_many_residential_areas_is_answered_with_the_sixteen(matcher: Matcher) -> None:
    """The article's 16个居民区居委会: the English answer names the areas too, so a count
    of residential areas is given, as a count of committees is."""
    for question in ("how many residential areas does the street have", "how many committees"):
        result = matcher.match(question)
        assert result.answered and result.best is not None, question
        assert result.best.fact.id == "street-committees", question


@pytest.mark.parametrize(
    ("question", "not_asked"),
    [
        ("合一居委有为老伐", Kind.AGE),  # 为老 (for the elderly) + 伐, no "is it old"
        ("夜里睡不着找啥人", Kind.HOURS),  # the night is the topic, not opening hours
        ("有私人医生上门伐", Kind.PROPERTY),  # a private doctor, no private lessons
        ("小囡考试前有补课伐", Kind.PROPERTY),  # exams are the topic, no exam is asked of
        ("how big is the reading room", Kind.PEOPLE_COUNT),  # a room's size, no head count
    ],
)
def test_a_topic_word_is_not_read_as_asking_a_detail(question: str, not_asked: Kind) -> None:
    assert not_asked not in asked_kinds(question)


def test_an_exhibition_is_not_called_a_prize(matcher: Matcher) -> None:
    result = matcher.match("新华书法班的学员办过展览伐")
    assert result.outcome == "declined" and result.guards.missing_detail is not None
    assert "展览" in result.guards.missing_detail.zh


@pytest.mark.parametrize("question", ["哪几个居委有人在弄绿化种花", "哪些居委和动迁拆违的事有关"])
def test_which_committees_gets_the_list_even_when_the_two_are_close(
    matcher: Matcher, question: str
) -> None:
    """Two committees close to each other make a single answer doubtful, and yet a list
    of both is exactly what "which committees" asks for."""
    result = matcher.match(question)
    assert result.answered and result.listing
    assert len({m.committee_id for m in result.candidates}) >= 2


def test_haotou_is_shanghainese_for_a_month(matcher: Matcher) -> None:
    """每个号头 is every month (电话号头 is a phone number): no phone number is asked."""
    result = matcher.match("复三每个号头有志愿者服务日伐")
    assert result.answered and result.best is not None
    assert result.best.fact.id == "fusan-volunteer-days"


@pytest.mark.parametrize(
    "question",
    [
        "合一助餐有菜单伐",  # which dishes: no answer names them
        "大华读报组读的是啥报纸",  # which newspapers
        "合一的饭好送到屋里来伐",  # brought to the home: the article says no such thing
        "志成的花架是啥人出钱搭的",  # who paid: no answer says
        "孝和取菜的机器放在小区哪里",  # where a thing stands: no address is given
        "参加媛德坊对年龄有要求伐",  # an age requirement
    ],
)
def test_a_detail_next_to_the_topic_is_declined_with_the_fact_offered(
    matcher: Matcher, question: str
) -> None:
    """The resident hears "关于… 我只知道…" with the committee's fact, never that fact as
    if it answered the question."""
    result = matcher.match(question)
    assert result.outcome == "declined", question
    assert result.guards.missing_detail is not None and result.related, question


def test_a_service_that_comes_to_the_door_is_answered_when_asked_so(matcher: Matcher) -> None:
    """建二's volunteers bring their services to the doorstep: asked whether they come,
    the resident gets them."""
    result = matcher.match("建二的服务送到家门口伐")
    assert result.answered and result.best is not None
    assert result.best.fact.id == "jianer-volunteer-services"


def test_regularly_is_no_answer_to_how_often(kb: KnowledgeBase, matcher: Matcher) -> None:
    """睿德会 trains 定期 (regularly): that says no how often, so "how often do they
    train" is declined rather than answered with it."""
    team = kb.fact("jiansi-sports")
    assert team is not None
    assert Kind.FREQUENCY not in given_kinds(team, "zh")
    result = matcher.match("建四睿德会多久训练一次")
    assert result.outcome == "declined" and result.related


@pytest.mark.parametrize(
    "question",
    [
        "张建强老师还在世伐",  # whether a person is alive: no answer says
        "书法班上半天上课还是下半天",  # morning or afternoon: no hours are given
        "张建强老师收私人学生伐",  # private pupils
    ],
)
def test_a_yes_or_no_about_a_person_or_a_time_the_article_never_gives_is_declined(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).outcome == "declined", question


def test_an_unknown_word_that_only_asks_is_no_topic_of_the_question(matcher: Matcher) -> None:
    """年数 in 有多少年数 asks how old; read as a topic the base lacks, it weighed as much
    as a rare word and the question was declined."""
    reading = matcher.read("丰裕里房子有多少年数")
    assert "年数" not in {t.term for t in reading.terms}
    result = matcher.match("丰裕里房子有多少年数")
    assert result.outcome != "declined" and result.best is not None
    assert result.best.fact.id == "fusi-fengyuli-council"


def test_when_a_team_began_is_given_only_by_a_date_tied_to_its_beginning(
    kb: KnowledgeBase, matcher: Matcher
) -> None:
    """合二阅览室 was built in early 2018 (2018年初建起来): that answers when it began. 媛德坊
    grew from 10-odd members at its founding to 40-odd in 2018: a year, but not when it
    was founded, so that is declined."""
    room, women = kb.fact("heer-reading-room"), kb.fact("xicheng-yuandefang")
    assert room is not None and women is not None
    assert Kind.FOUNDED in given_kinds(room, "zh") and Kind.FOUNDED in given_kinds(room, "en")
    assert Kind.FOUNDED not in given_kinds(women, "zh")
    assert matcher.match("合二阅览室啥辰光建起来的").answered
    assert matcher.match("媛德坊是哪一年成立的").outcome == "declined"


@pytest.mark.parametrize(
    "question",
    [
        "孝和取菜的柜子具体在哪",  # the exact place of a thing: not given
        "合一助餐烧的是啥 咸淡哪能",  # what is cooked, how it tastes
        "厂里拖欠工资 劳动仲裁去哪里",  # a labour dispute: the city's, not a committee's
        "新天地那块哪家咖啡馆好",  # 新天地 the shopping quarter, not the committee's work
        "食行生鲜买菜满多少起送",  # a minimum order is a fee
        "合二读书会最近在看什么书",  # which book: no answer names one
        "顺六的清洁行动清掉了多少件杂物",  # a count of things the answer never numbers
        "建六那个假期班这个月开不开",  # this month's plans: the base describes 2018
        "复三做志愿的那天大家到哪里集合",  # a meeting point
        "Is Xinhua's calligraphy class for free?",  # a fee, in English
        "Do I need to sign up for Jianliu's holiday class?",  # how to join: not given
        "contact for the Ruihua mediation studio",  # contact details the base does not hold
    ],
)
def test_more_details_next_to_a_topic_are_declined(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).outcome == "declined", question


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("新华书法班收小学生伐", "xinhua-calligraphy"),  # children come: no private pupils
        ("物业合同纠纷新天地的律师好帮忙伐", "xintiandi-property-lawyer"),  # no city matter
        ("合一有送饭的服务伐", "heyi-elderly-care"),  # meal help, not a delivery asked
        ("媛德坊是怎么组建起来的", "xicheng-yuandefang"),  # how, not when, it began
    ],
)
def test_an_asking_word_does_not_decline_what_the_article_answers(
    matcher: Matcher, question: str, fact_id: str
) -> None:
    result = matcher.match(question)
    assert result.outcome != "declined" and result.best is not None, question
    assert result.best.fact.id == fact_id, question


def test_an_answer_naming_a_city_matter_does_not_give_it(matcher: Matcher) -> None:
    """大华's answer speaks of a cultural 'delivery'; a question about deliveries to old
    people's homes is not answered with its newspaper group."""
    result = matcher.match("Is there any delivery of services to old people's homes?")
    assert not (result.answered and result.best and result.best.fact.id == "dahua-newspaper-group")


@pytest.mark.parametrize(
    "question",
    ["合一的助餐是送饭上门还是到食堂去吃", "复兴护绿队种的是月季还是茶花"],
)
def test_an_either_or_the_answer_speaks_of_neither_side_of_is_declined(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).outcome == "declined", question


def test_an_either_or_the_answer_speaks_of_is_answered(matcher: Matcher) -> None:
    result = matcher.match("新华书法班用毛笔还是钢笔")
    assert result.answered and result.best is not None
    assert "毛笔" in result.best.fact.answer.zh


@pytest.mark.parametrize(
    ("question", "offered"),
    [
        ("助行是有人推轮椅还是派车子接送", {"轮椅", "车子"}),
        ("阅览室上午还是下午开", {"上午", "下午"}),  # not the room itself
        ("我到现在还是搞勿清爽", set()),  # 还是 says "still"
        ("书法班还是有伐", set()),
    ],
)
def test_an_either_or_offers_the_two_things_beside_its_joining_word(
    question: str, offered: set[str]
) -> None:
    assert set(either_or(question)) == offered


def test_a_name_asked_of_a_thing_the_answer_names_nothing_beside_is_declined(
    matcher: Matcher,
) -> None:
    """孝和's answer names its app (“食行生鲜”), not the compound where goods are fetched."""
    assert matcher.match("孝和那个生鲜柜放的小区叫什么名字").outcome == "declined"


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("新华书法班的老师叫啥名字", "张建强"),
        ("复三那个三微项目叫什么", "温暖夕阳红"),  # a quoted name holding a comma
    ],
)
def test_a_name_the_answer_gives_beside_the_thing_is_answered(
    matcher: Matcher, question: str, name: str
) -> None:
    result = matcher.match(question)
    assert result.answered and result.best is not None, question
    assert name in result.best.fact.answer.zh


def test_an_english_count_in_words_answers_how_many(matcher: Matcher) -> None:
    """The English answer says 'three relocation sites' in words, not in digits: a count
    of the sites is given, as the Chinese 三个动迁地块 gives it."""
    result = matcher.match("how many relocation sites does Ruihua have")
    assert result.answered and result.best is not None
    assert result.best.fact.id == "ruihua-mediation"


def test_wanting_to_sign_up_is_no_question_of_how(matcher: Matcher) -> None:
    """好参加伐 我想报名 asks to join, which the team's fact answers; only 要报名伐 (must
    one sign up) asks a procedure."""
    result = matcher.match("护绿队好参加伐 我想报名")
    assert result.answered and result.best is not None
    assert result.best.fact.id == "fuxing-green-team"


def test_which_one_does_not_decline_what_the_answer_speaks_of(matcher: Matcher) -> None:
    """哪个老师: the calligraphy class's teacher is named; 哪个居委 is the question itself
    (a plain noun, details.yaml's plain_nouns), so both are answered."""
    for question, fact_id in (
        ("新华书法班是哪个老师在教", "xinhua-calligraphy"),
        ("附近哪个居委有书法班", "xinhua-calligraphy"),
    ):
        result = matcher.match(question)
        assert result.answered and result.best is not None, question
        assert result.best.fact.id == fact_id, question


def test_the_plain_nouns_of_which_are_the_admins_data(tmp_path: Path) -> None:
    """Taken out of plain_nouns, 团队 is a thing asked which one of: 新华哪个团队在教书法 is
    then declined, since the class's answer speaks of no 团队."""
    import shutil

    shutil.copytree(SHIPPED, tmp_path / "knowledge")
    details = tmp_path / "knowledge" / "details.yaml"
    text = details.read_text(encoding="utf-8")
    details.write_text(text.replace(" 团队, 组织,", " 组织,"), encoding="utf-8")
    edited = Matcher(load_knowledge(tmp_path / "knowledge"))
    assert Matcher(load_knowledge(SHIPPED)).match("新华哪个团队在教书法").answered
    assert edited.match("新华哪个团队在教书法").outcome == "declined"


def test_a_meal_asked_in_other_words_is_the_meal_service_the_answer_speaks_of(
    matcher: Matcher,
) -> None:
    """中饭 asks whether a meal comes with it; 合一's answer speaks of meals as 吃饭 and
    助餐, which is the same thing in other words, so the meal service is the answer.
    A class whose answer speaks of no meal still declines."""
    result = matcher.match("住在合一 一个人烧勿动了 中饭有人帮忙伐")
    assert result.answered and result.best is not None
    assert result.best.fact.id == "heyi-elderly-care"
    assert matcher.match("新华书法班管中饭伐").outcome == "declined"
