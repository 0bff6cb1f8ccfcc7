"""Details the knowledge base rarely records: a fee, opening hours, a phone number.

A question about the fee of the calligraphy class shares every topic word with
the calligraphy fact, and yet the fact cannot answer it. Such a question is
declined with the fact offered as "what I do know", unless the fact's answer
(or its committee's filled contact field) does mention the detail.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _words(chinese: str, english: str = "") -> tuple[str, ...]:
    """Chinese words separated by spaces, English phrases separated by '|'."""
    return (*chinese.split(), *filter(None, (p.strip() for p in english.split("|"))))


DETAILS = (
    Detail(
        Text("费用", "the fee"),
        asks=_words(
            "学费 费用 收费 收钱 多少钱 价格 价钱 会费 报名费 配送费 运费 要钱 付钱 交钱"
            " 几钿 贵不贵",
            "fee|fees|cost|costs|price|charge|pay for",
        ),
        told_by=_words("免费 收费 学费 费用", "free of charge|fee"),
    ),
    Detail(
        Text("开放时间", "the opening hours"),
        asks=_words(
            "几点 开门 关门 开放时间 营业时间 上班时间 几点钟",
            "opening hours|open on|what time|when does it open|when is it open|hours",
        ),
        told_by=_words("开放时间 营业时间 点到", "opening hours|o'clock"),
        contact_field="hours",
    ),
    Detail(
        Text("电话", "the phone number"),
        asks=_words(
            "电话 号码 手机号 联系方式 怎么联系 微信号",
            "phone|telephone|number to call|contact number|wechat id",
        ),
        told_by=_words("电话", "phone number|telephone"),
        contact_field="phone",
    ),
    Detail(
        Text("具体地址", "the exact address"),
        asks=_words(
            "地址 门牌 在哪条路 几号楼 几楼 哪栋楼", "address|which road|which street|which floor"
        ),
        told_by=_words("地址", "address"),
        contact_field="address",
    ),
    Detail(
        Text("具体日子", "the exact days"),
        asks=_words(
            "礼拜几 星期几 每周几 几号开始 哪几天 哪一天 坐班", "what day|which day|which days"
        ),
        told_by=_words("每周 每月 礼拜 星期", "every week|every month|weekly"),
    ),
    Detail(
        Text("现在是否还在办", "whether it still runs today"),
        asks=_words(
            "还在做 还在搞 还在办 还招人 还开着 还有伐 还在伐 还能去",
            "still running|still open|still working|still going|still on|anymore",
        ),
        told_by=(),
    ),
    Detail(
        Text("报名办法", "how to sign up"),
        asks=_words(
            "怎么报名 如何报名 哪能报名 报名方式 在哪报名",
            "how to sign up|how do i sign up|how to register|how do i register|how to apply",
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
            "养老金 退休金 社保 医保 公积金 户口 落户 护照 签证 驾照 停车位 车位 停车费 租房"
            " 房租 招聘 找工作 公交 地铁 出租车 快递 罚款 罚钱 低保 办卡 借书证",
            "pension|social insurance|medical insurance|hukou|passport|visa|driving licence"
            "|driving license|parking|rent|apartment|hiring|job|jobs|bus|metro|subway|taxi"
            "|delivery|fine|fines",
        ),
        told_by=(),
    ),
    Detail(
        Text("退款办法", "refunds"),
        asks=_words("退款 退钱 退费 赔偿", "refund|money back|compensation"),
        told_by=_words("退款", "refund"),
    ),
)


def asked_details(normalized_question: str) -> tuple[Detail, ...]:
    """The details a normalised question asks for."""
    padded = f" {normalized_question} "
    return tuple(
        detail for detail in DETAILS if any(_mentions(padded, word) for word in detail.asks)
    )


def unanswered_detail(
    details: tuple[Detail, ...], fact: Fact, committee: Committee | None
) -> Detail | None:
    """The first asked detail that neither the fact's answer nor a filled contact gives."""
    answer = f" {fact.answer.zh} {fact.answer.en.casefold()} "
    for detail in details:
        if _contact_gives(committee, detail):
            continue
        if not any(_mentions(answer, word) for word in detail.told_by):
            return detail
    return None


def _contact_gives(committee: Committee | None, detail: Detail) -> bool:
    field = detail.contact_field
    return bool(field and committee is not None and getattr(committee.contact, field))


def _mentions(padded_text: str, word: str) -> bool:
    """Chinese words match anywhere; English words only as whole words."""
    if word.isascii():
        return f" {word} " in padded_text
    return word in padded_text
