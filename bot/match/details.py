"""Details the knowledge base rarely records: a fee, opening hours, a phone number.

A question about the fee of the calligraphy class shares every topic word with
the calligraphy fact, and yet the fact cannot answer it. Such a question is
declined with the fact offered as "what I do know", unless the fact's answer
(or its committee's filled contact field) does mention the detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bot.kb.model import Committee, Fact, Text


@dataclass(frozen=True)
class Detail:
    label: Text
    """What the bot calls it when it says it does not have it."""
    asks: tuple[str, ...]
    """Words (normalised: simplified, lower case) that ask for this detail."""
    told_by: tuple[str, ...]
    """Words in an answer that show it does give this detail."""
    contact_field: str | None = None
    """The committee contact field that gives it, when filled."""
    told_pattern: str = ""
    """A regular expression that also shows an answer gives it (每月15号)."""

    @cached_property
    def asked_in(self) -> re.Pattern[str]:
        """One expression for every asking word: a scan per detail, not per word."""
        return _words_pattern(self.asks)


def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Chinese words anywhere; English words only as whole words."""
    chinese = [re.escape(w) for w in words if not w.isascii()]
    english = [re.escape(w) for w in words if w.isascii()]
    parts = [*chinese]
    if english:
        parts.append(r"(?<![a-z])(?:" + "|".join(english) + r")(?![a-z])")
    return re.compile("|".join(parts) or r"(?!)")  # (?!) never matches


def _words(chinese: str, english: str = "") -> tuple[str, ...]:
    """Chinese words separated by spaces, English phrases separated by '|'."""
    return (*chinese.split(), *filter(None, (p.strip() for p in english.split("|"))))


DETAILS = (
    Detail(
        Text("费用", "the fee"),
        asks=_words(
            "学费 费用 收费 收钱 多少钱 价格 价钱 会费 报名费 配送费 运费 要钱 付钱 交钱"
            " 几钿 贵不贵 贵伐 便宜 多少钞票 收钞票 要钞票 付钞票 花了多少 补偿标准 多少一平方"
            " 经费 房价",
            "fee|fees|cost|costs|price|charge|pay for|cheap|cheaper|expensive|how much per"
            "|how much is it|how much does",
        ),
        told_by=_words("免费 收费 学费 费用", "free of charge|fee"),
    ),
    Detail(
        Text("开放时间", "the opening hours"),
        asks=_words(
            "几点 开门 关门 开放时间 营业时间 上班时间 几点钟 24小时",
            "opening hours|open on|what time|when does it open|when is it open|hours",
        ),
        told_by=_words("开放时间 营业时间 点到", "opening hours|o'clock"),
        contact_field="hours",
    ),
    Detail(
        Text("电话", "the phone number"),
        asks=_words(
            "电话 号码 手机号 联系方式 怎么联系 微信号",
            "phone number|telephone|number to call|contact number|wechat id|call them|phone of"
            "|phone for",
        ),
        told_by=_words("电话", "phone number|telephone"),
        contact_field="phone",
    ),
    Detail(
        Text("具体地址", "the exact address"),
        asks=_words(
            "地址 门牌 在哪条路 哪条马路 哪几条 几号楼 几楼 哪栋楼 怎么走 哪能走 怎么过去"
            " 办公室在 办公地点",
            "address|which road|which roads|which street|which floor|how do i get to|directions to",
        ),
        told_by=_words("地址", "address"),
        contact_field="address",
    ),
    Detail(
        Text("具体日子", "the exact days"),
        asks=_words(
            "礼拜几 星期几 每周几 几号 哪几天 哪一天 坐班 周末 礼拜六 礼拜天 星期六 星期天 下趟"
            " 下次 下一次 下回 提前几天 多久 完工 竣工",
            "what day|which day|which days|weekend|weekends|saturday|sunday|next time|how often"
            "|when is the next|finished by",
        ),
        told_by=(),
        told_pattern=(
            r"每(?:月|周|星期|礼拜)[一二三四五六日天\d]|\d+号|周[一二三四五六日]"
            r"|每(?:月|周|年)[^,。]{0,3}?[一二三四五六七八九十\d]+次|times a (?:month|week)"
        ),
    ),
    Detail(
        Text("现在是否还在办", "whether it still runs today"),
        asks=_words(
            "还在做 还在搞 还在办 还招人 还开着 还有伐 还在伐 还能去 还能用 现在还",
            "still running|still open|still working|still going|still on",
        ),
        told_by=(),
    ),
    Detail(
        Text("报名办法", "how to sign up"),
        asks=_words(
            "怎么报名 如何报名 哪能报名 报名方式 在哪报名 要啥条件 什么条件 有啥条件 有什么要求"
            " 带啥材料 带什么材料 要啥材料 什么材料 啥证件 自己带 自家带",
            "how to sign up|how do i sign up|how to register|how do i register|how to apply"
            "|requirements",
        ),
        told_by=_words("报名", "sign up|register"),
    ),
    Detail(
        Text("截止时间", "the deadline"),
        asks=_words("截止 报名时间 几号报名", "deadline|sign up by|last day"),
        told_by=_words("截止", "deadline"),
    ),
    Detail(
        # city matters next to a committee's work that no committee fact covers: a
        # question about the pension of an older resident is not about elderly care
        Text("这方面的信息", "information on that"),
        asks=_words(
            "养老金 退休金 退休工资 社保 医保 公积金 户口 落户 护照 签证 驾照 停车位 车位 停车费"
            " 租房 房租 招聘 找工作 公交 地铁 出租车 快递 罚款 罚钱 低保 办卡 借书证 老年卡"
            " 敬老卡 交通卡 饭店 菜馆 饭馆 馆子 小笼 好吃 上网 wifi 密码 修理 维修 报修"
            # not a bare 坏了: 绿化带被破坏了 is the green team's business
            " 找人修 啥人修 谁来修 去哪修 哪里修 买手机 手机店",
            "pension|social insurance|medical insurance|hukou|passport|visa|driving licence"
            "|driving license|parking spot|parking space|parking lot|car park|parking fee"
            "|rent|apartment|hiring|job|jobs|bus|metro|subway|taxi"
            "|delivery|fine|fines|senior card|restaurant|restaurants|xiaolongbao|wi-fi|wifi"
            "|password|buy a phone|new phone|phone shop",
        ),
        told_by=(),
    ),
    Detail(
        # the knowledge base describes one year (2018): not this year's or next year's plans
        Text("今年和以后的安排", "this year's or later plans"),
        asks=_words(
            # not a bare 今年: "小囡今年读初中" says when, it does not ask about this year
            "今年还 今年有没有 今年办不办 今年啥辰光 明年 下个月 下半年 "
            + " ".join(f"{year}年" for year in range(2019, 2041)),
            "this year|next year|next month|" + "|".join(map(str, range(2019, 2041))),
        ),
        told_by=(),
    ),
    Detail(
        # "how many members does it have": only an answer that counts people says
        Text("具体人数", "how many people exactly"),
        asks=_words(
            # not a bare 几个人: "寻几个人一道练" looks for company
            "有几个人 一共几个人 总共几个人 几个人参加 多少人 几个组员 多少组员 多少队员"
            " 几个队员 多少成员 几个成员 多少会员 几个会员 几位 住了多少 多少户",
            "how many members|how many people|how many volunteers",
        ),
        told_by=(),
        told_pattern=(
            r"[\d一二三四五六七八九十百千万两]+\s*[余多]?(?:人|名|位|户)"
            r"|\d+ (?:people|members|residents(?!')|volunteers|times)"
        ),
    ),
    Detail(
        Text("工作人员的情况", "staff details"),
        asks=_words(
            "主任 书记 工作人员 队长 组长 负责人 姓啥 姓什么",
            "director|secretary|staff|who works|leader|surname",
        ),
        told_by=_words("主任 书记 队长 组长 负责人", "director|secretary|leader"),
    ),
    Detail(
        Text("参加的条件", "who may take part"),
        asks=_words("资格 证明 符合条件 够条件", "eligible|eligibility|qualify|proof"),
        told_by=_words("资格 条件", "eligible"),
    ),
    Detail(
        Text("预约办法", "how to book"),
        asks=_words("预订 预约 提前订", "book in advance|reservation|reserve"),
        told_by=_words("预约 预订", "book"),
    ),
    Detail(
        Text("具体是哪家单位", "which organisation exactly"),
        asks=_words(
            "哪家律师 哪家事务所 哪家律所 哪个律师事务所 哪家公司 哪家单位 哪家医院",
            "which law firm|which company|name of the firm",
        ),
        told_by=(),
        # "请律师事务所派了律师" says a firm helps, not which: only a quoted name tells
        told_pattern=r"[“「][^”」]{1,20}[”」](?:律师事务所|事务所|公司|医院)",
    ),
    Detail(
        # how long a class term or a loan lasts: the facts say what, rarely for how long
        Text("时长", "how long it lasts"),
        asks=_words(
            "几天 多长时间 几个钟头 几个小时 上几天 借几天", "how long|how many days|how many hours"
        ),
        told_by=(),
        # "每一周" is how often, "40周年" an anniversary: neither says how long
        told_pattern=(
            r"(?<!每)[\d一二三四五六七八九十两]+\s*(?:天|周(?!年)|个月|小时|钟头)"
            r"|\d+ (?:days|weeks|hours)"
        ),
    ),
    Detail(
        Text("用什么语言", "the language it is held in"),
        asks=_words("英语 英文 外语 普通话 上海话教", "in english|english-speaking|speak english"),
        told_by=_words("英语 英文", "english"),
    ),
    Detail(
        Text("管不管饭", "whether meals are provided"),
        asks=_words("管饭 午饭 中饭 管不管饭 供饭", "lunch|meals provided|give the kids food"),
        told_by=_words("餐 饭", "meal|meals|lunch"),
    ),
    Detail(
        Text("建成年份", "when it was built"),
        asks=_words(
            "哪一年造 哪年造 啥辰光造 哪一年建 哪年建成 建于哪年", "when was it built|year built"
        ),
        told_by=(),
        told_pattern=r"\d{4}\s*年\s*(?:建|造)|built in",
    ),
    Detail(
        Text("退款办法", "refunds"),
        asks=_words("退款 退钱 退费 退钞票 注销 退订 取消订单", "refund|money back|unsubscribe"),
        told_by=_words("退款", "refund"),
    ),
)


OTHER_STREET = Detail(
    Text("其他街道的信息", "other streets' services"),
    asks=(),
    told_by=(),
)
# A street is named after a place: 外滩, 老西门, 打浦桥, 南京东路 (not 代表街道, 我们街道).
_STREET_RE = re.compile(
    r"([\u4e00-\u9fff]{1,4}[路门桥滩园东西南北寺汇浦镇港山湾坊里口街塘泾洲庄嘴渡])街道"
    # Huaihai Middle Road subdistrict, or Huaihai Road Middle subdistrict
    r"|([a-z]+)(?: road)?(?: (?:middle|east|west|north|south))?(?: road)? (?:sub-?district|jiedao)"
)
_NOT_A_NAME = frozenset({"the", "this", "that", "our", "my", "your", "which", "a", "what"})


def asked_details(
    normalized_question: str, street_names: tuple[str, ...] = ()
) -> tuple[Detail, ...]:
    """The details a normalised question asks for; `street_names` are this street's own
    names (a question naming another street is about somewhere this bot does not know)."""
    asked = [detail for detail in DETAILS if detail.asked_in.search(normalized_question)]
    if _names_other_street(normalized_question, street_names):
        asked.append(OTHER_STREET)
    return tuple(asked)


def _names_other_street(text: str, street_names: tuple[str, ...]) -> bool:
    for match in _STREET_RE.finditer(text):
        name = match.group(1) or match.group(2)
        # 淮海街道 and 我们淮海中路街道 are this street: its name's first two characters
        if name not in _NOT_A_NAME and not any(own[:2] in name for own in street_names):
            return True
    return False


def unanswered_detail(
    details: tuple[Detail, ...], fact: Fact, committee: Committee | None, question: str = ""
) -> Detail | None:
    """The first asked detail that neither the fact's answer nor a filled contact gives.
    `question` (normalised) lets an answer that speaks of the very thing asked about count
    as giving it (孝和's market answer tells what its 工作人员 do)."""
    answer = f" {fact.answer.zh} {fact.answer.en.casefold()} "
    for detail in details:
        if _contact_gives(committee, detail) or _speaks_of_what_was_asked(answer, detail, question):
            continue
        if not _tells(answer, detail):
            return detail
    return None


def _speaks_of_what_was_asked(answer: str, detail: Detail, question: str) -> bool:
    return any(_mentions(answer, asked.group(0)) for asked in detail.asked_in.finditer(question))


def _tells(answer: str, detail: Detail) -> bool:
    if any(_mentions(answer, word) for word in detail.told_by):
        return True
    return bool(detail.told_pattern) and re.search(detail.told_pattern, answer) is not None


def _contact_gives(committee: Committee | None, detail: Detail) -> bool:
    field = detail.contact_field
    return bool(field and committee is not None and getattr(committee.contact, field))


def _mentions(padded_text: str, word: str) -> bool:
    """Chinese words match anywhere; English words only as whole words."""
    if word.isascii():
        return f" {word} " in padded_text
    return word in padded_text
