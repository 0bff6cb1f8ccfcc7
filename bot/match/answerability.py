"""What a question asks for, and what a fact can answer.

A question about the fee of the calligraphy class shares every topic word with the
calligraphy fact, yet the fact cannot answer it: it says how often the class meets and
who teaches it, not what it costs. This module reads

- which *kinds* of information a question asks for (`asked_kinds`: a count of people,
  a date, a fee …, from the asking words of knowledge/details.yaml), and
- which kinds a fact's answer gives (`given_kinds`: numbers with a unit of people or
  times, dates and times of year read by jieba's part-of-speech tags, person names,
  the committee's filled contact fields),

so a question asking a kind the best fact lacks is declined with that fact offered as
related, and one it gives is answered leading with that detail (`detail_span`).

Stable API (other modules build on it): `Kind`, `asked_kinds`, `given_kinds`,
`detail_span`. Add to it; do not change these signatures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

import jieba

from bot.kb.asking import AskingWords, Kind, load_shipped_asking
from bot.kb.model import Contact, Fact, Lang
from bot.match.normalize import normalize
from bot.match.tokenize import EN_STOPWORDS, GENERIC_TERMS

__all__ = [
    "Kind",
    "asked_kinds",
    "asked_words",
    "asks_for_a_list",
    "counts_what_is_asked",
    "detail_span",
    "either_or",
    "given_for_the_question",
    "given_kinds",
    "kinds_in_text",
    "names_another_thing",
    "quoted_names",
    "years_named",
]

# --- numbers with a unit (mechanism: the grammar of a count, not a word list) ----------
_NUMBER = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s*(?:余|多|来)?\s*"
_PEOPLE_ZH = re.compile(_NUMBER + r"(?:人次|人|名|位|户)")
_TIMES_ZH = re.compile(r"(?<!每)" + _NUMBER + r"(?:次|场|单|趟|期|回)")
_YEAR_ZH = re.compile(r"(?:19|20)\d{2}\s*年|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?")
_WEEKDAY_ZH = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天]|每月\s*\d{1,2}\s*[号日]")
_FREQUENCY_ZH = re.compile(
    r"每(?:个)?(?:月|周|星期|礼拜|天|日|年)|逢年过节|一(?:周|月|年)[一两二三四五六\d]次"
)  # not 定期 (regularly): it says no how often
_DURATION_ZH = re.compile(r"(?<!每)" + _NUMBER + r"(?:天|周(?!年)|个月|小时|钟头)")
_AGE_ZH = re.compile(r"(?<!\d)(?:近|约)?" + _NUMBER + r"年(?:历史|了|来|的历史)|老牌")
_HOURS_ZH = re.compile(r"\d{1,2}\s*[点:：]\s*\d{0,2}|上午|下午|早上\d|晚上\d")
_PLACE_ZH = re.compile(r"\d+\s*(?:号(?!楼?人)|弄|室|楼)|[路街]\s*\d+")
_PHONE = re.compile(r"(?<!\d)(?:\d{3,4}-?)?\d{7,8}(?!\d)")
_QUOTED_NAME = re.compile(r"[“「\"]([^”」\"]{1,20})[”」\"]")
_ORGANISATION_ZH = re.compile(r"[“「][^”」]{1,20}[”」](?:律师事务所|事务所|公司|医院)")
_FOUNDED_ZH = re.compile(
    r"(?:19|20)\d{2}\s*年(?:初|底|末|\s*\d{1,2}\s*月)?[^。;]{0,40}?"
    r"(?:成立|建成|建起|建立|上线|开办|开设|组建|启动)"
    r"|(?:成立|建成|建立|上线|开办)(?:于|在)\s*(?:19|20)\d{2}"
)
_FOUNDED_EN = re.compile(
    r"\b(?:opened|founded|set up|started|launched|built|established|began)\b[^.]{0,30}?"
    r"\b(?:19|20)\d{2}\b|\b(?:since|in) (?:early |late |the end of )?(?:19|20)\d{2}\b[^.]{0,40}?"
    r"\b(?:opened|founded|set up|started|launched|went online)\b"
)
_LATER_YEAR = re.compile(r"20(?:19|[2-9]\d)\s*年|\b20(?:19|[2-9]\d)\b")

_PEOPLE_EN = re.compile(
    r"\b\d[\d,]*\+?\s+(?:more\s+)?(?:people|residents(?!')|members|users|volunteers|seniors"
    r"|elderly|person-times|visits|women|households)\b"
)
_TIMES_EN = re.compile(r"\b\d+\s+(?:times|sessions|events|orders|activities)\b|\btwice\b")
_YEAR_EN = re.compile(
    r"\b(?:19|20)\d{2}\b|\b(?:january|february|march|april|may|june|july|august|september"
    r"|october|november|december)\b"
)
_WEEKDAY_EN = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b")
_FREQUENCY_EN = re.compile(
    r"\b(?:every|each)\s+(?:day|week|month|year)\b|\b(?:times|once|twice)\s+a\s+"
    r"(?:week|month|year)\b|\b(?:weekly|monthly)\b"
)
_DURATION_EN = re.compile(r"\b\d+\s+(?:days|weeks|months|hours)\b")
_AGE_EN = re.compile(r"\b(?:century|centuries|\d+ years old|\d+-year)\b|long-standing")
_HOURS_EN = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|o'clock|opening hours")

# jieba's part-of-speech tags: m numeral, t time word, nr person name, ns place name
_TIME_WORD = re.compile(r"[年月日节假季]|年初|年底|年末")
_PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
_PLACE_TAGS = frozenset({"ns"})
RARE_WORD = 100
"""jieba knows some names (张建强: 2, 张建国: 13); a common word (沙龙: 160, 文明: 6584) is none."""
_CONTACT_KINDS = {"address": Kind.PLACE, "phone": Kind.PHONE, "hours": Kind.HOURS}

# a clause: what a reply can lead with
_CLAUSE_END_ZH = re.compile(r"(?<=[。;!?])")
_PHRASE_END_ZH = re.compile(r"[,,。;;!?!?]")
_SENTENCE_END_EN = re.compile(r"(?<=[.;!?])\s+")


# --- what a question asks ------------------------------------------------------------
def asked_kinds(question: str, asking: AskingWords | None = None) -> frozenset[Kind]:
    """The kinds of information `question` asks for (raw or normalised text).
    `asking`: the knowledge base's asking words; None: the shipped details.yaml."""
    return frozenset(asked_words(question, asking))


def asked_words(question: str, asking: AskingWords | None = None) -> dict[Kind, tuple[str, ...]]:
    """Each asked kind with the asking words that showed it (在哪条路, 多少钱)."""
    words = asking if asking is not None else _shipped()
    return dict(_asked_in(normalize(question), words))


@lru_cache(maxsize=4096)
def _asked_in(text: str, words: AskingWords) -> tuple[tuple[Kind, tuple[str, ...]], ...]:
    """asked_words, kept per question: a follow-up asks it again of each fact it weighs
    (AskingWords hash by identity, so a reloaded base is read afresh)."""
    found: dict[Kind, tuple[str, ...]] = {}
    for kind, entry in words.kinds.items():
        hits = tuple(dict.fromkeys(m.group(0) for m in entry.asked_in.finditer(text)))
        if hits:
            found[kind] = hits
    if Kind.CHOICE in found:
        # the two things offered; none when the joining word says "still" (我还是搞勿清爽)
        _asked_as_things(found, Kind.CHOICE, either_or(text, words.kinds[Kind.CHOICE].asks))
    found = _without_parts(found)
    if Kind.WHICH in found:
        # the thing asked which one of; none when it is a plain one (哪个居委, 哪个地方)
        things = which_things(text, words.kinds[Kind.WHICH].asks, words.plain_nouns)
        _asked_as_things(found, Kind.WHICH, things)
    return tuple(found.items())


def _asked_as_things(
    found: dict[Kind, tuple[str, ...]], kind: Kind, things: tuple[str, ...]
) -> None:
    """A kind asked by the things the question names (轮椅 or 车子, 食堂), which an answer
    must speak of (given_for_the_question); not asked when it names none."""
    if things:
        found[kind] = things
    else:
        del found[kind]


_WHICH_GAP = 2
"""Words between the question word and its thing: 哪个退休干部, 哪位教书法的老师."""


def which_things(
    text: str, question_words: tuple[str, ...], plain: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The things a question asks which one of (哪家食堂送来的: 食堂)."""
    tagged = _tagged(text)
    things = []
    for at in range(len(tagged)):
        after = _after_a_question_word(tagged, at, question_words)
        thing = _thing_at(tagged[after : after + 1 + _WHICH_GAP]) if after else None
        if thing and thing not in plain and thing not in GENERIC_TERMS:
            things.append(thing)
    return tuple(dict.fromkeys(things))


def _after_a_question_word(
    tagged: tuple[tuple[str, str], ...], at: int, question_words: tuple[str, ...]
) -> int:
    """Where the words after a question word at `at` begin; 0 when there is none. jieba
    keeps 哪家 whole but cuts 哪一家 into 哪 + 一家, so a question word may span two."""
    word = tagged[at][0]
    if word in question_words:
        return at + 1
    if word == "哪" and at + 1 < len(tagged) and word + tagged[at + 1][0] in question_words:
        return at + 2
    return 0


def _thing_at(words: Iterable[tuple[str, str]]) -> str | None:
    """The first word of `words` that names something, if it is a noun: a time or a place
    word (哪个月, 哪个地方) asks a kind of its own."""
    for word, tag in words:
        if _is_thing(word, tag):
            return None if tag.startswith(("t", "s")) else word
    return None


_THING_TAGS = ("n", "t", "s", "o", "j", "vn")
"""jieba's tags of what a choice offers: nouns (n, nr, ns, nz …), time words (t), place
words (s), sounds (o: 乒乓), abbreviations (j) and verbal nouns (vn: 免费)."""
_PHRASE_TAGS = ("v", "a", "m", *_THING_TAGS)
"""A side of a choice is a run of these (推轮椅, 去食堂吃, 月头); a pronoun, a particle, a
preposition or a space ends it."""
_SIDE_CHARACTERS = 6


def either_or(text: str, joining: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The things an either-or question offers (有人推轮椅还是有车子接送: 轮椅, 车子);
    empty unless each side names one of two characters or more: 我到现在还是搞勿清爽
    offers nothing, 还是 says "still" there."""
    if joining is None:  # the shipped details.yaml's
        choice = _shipped().kinds.get(Kind.CHOICE)
        joining = choice.asks if choice else ()
    tagged = _tagged(text)
    for at, (word, _tag) in enumerate(tagged):
        if word in joining:
            after, length = _side(tagged[at + 1 :], _SIDE_CHARACTERS)
            # the two sides are alike: 阅览室上午还是下午开 offers 上午 or 下午
            before, _ = _side(reversed(tagged[:at]), length + 1, backwards=True)
            if before and after:
                return tuple(dict.fromkeys((*before, *after)))
    return ()


def _side(
    words: Iterable[tuple[str, str]], most: int, *, backwards: bool = False
) -> tuple[tuple[str, ...], int]:
    """The things named by the phrase the words begin (of `most` characters at most),
    and the phrase's length; `backwards`: the words run from the joining word back."""
    things, length, single = [], 0, ""
    for word, tag in words:
        if not tag.startswith(_PHRASE_TAGS) or length + len(word) > most:
            break
        length += len(word)
        if _is_thing(word, tag):
            things.append(word)
        elif single and tag.startswith(("m", *_THING_TAGS)) and len(word) == 1:
            # two characters jieba cut apart make one thing: 月 + 头
            things.append(word + single if backwards else single + word)
        single = word if len(word) == 1 else ""
    return tuple(things), length


def _is_thing(word: str, tag: str) -> bool:
    return tag.startswith(_THING_TAGS) and len(word) >= 2


def asks_for_a_list(question: str, asking: AskingWords | None = None) -> bool:
    """The question asks which (or how many) committees do something: 哪几个居委有书法班."""
    words = asking if asking is not None else _shipped()
    return words.list_asked_in.search(normalize(question)) is not None


def _without_parts(found: dict[Kind, tuple[str, ...]]) -> dict[Kind, tuple[str, ...]]:
    """A kind whose every asking word is part of another kind's is not asked: 多长时间
    inside 多长时间学一次 asks how often, not how long."""
    every = [hit for hits in found.values() for hit in hits]
    return {
        kind: hits
        for kind, hits in found.items()
        if not all(any(hit != other and hit in other for other in every) for hit in hits)
    }


@lru_cache(maxsize=1)
def _shipped() -> AskingWords:
    return load_shipped_asking()


_COUNT_ASKED_ZH = re.compile(r"(?:几|多少)\s*个?\s*([\u4e00-\u9fff])")
_COUNT_OF = (
    r"(?:\d+(?:\.\d+)?\s*(?:余|多|来)?\s*个?"
    r"|[一二两三四五六七八九十百千万]+\s*(?:余|多|来)?\s*个)\s*"
)
"""A count before a noun: 16个居委, 16居委; in Chinese numerals 个 must follow, since a
committee's name holds one (复四居委 is no count of 居委)."""
_COUNT_ASKED_EN = re.compile(r"how many ((?:[a-z]+ ?){1,3})")
_COUNT_EN = (
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
    r"\s+(?:\S+\s+){0,2}"
)
"""A count before a noun in English, in digits or in words (three relocation sites); not
"one", which is mostly a pronoun (one of the volunteers)."""


def counts_what_is_asked(question: str, fact: Fact) -> bool:
    """The question asks how many of something (几个居委, how many committees) and the
    answer gives a number of that very thing (16个居民区居委会, 16 committees)."""
    # each line on its own: a question's Mandarin reading (几化 → 多少) is a line of its
    # own, and a count asked at the end of one line is not of the next line's first word
    lines = [normalize(line) for line in question.splitlines()]
    for noun in (noun for line in lines for noun in _COUNT_ASKED_ZH.findall(line)):
        if re.search(_COUNT_OF + re.escape(noun), fact.answer.zh):
            return True
    text = " ".join(lines)
    english = fact.answer.en.casefold()
    for nouns in _COUNT_ASKED_EN.findall(text):
        for noun in nouns.split():
            if noun in EN_STOPWORDS:
                continue  # how many sites are there: 'are' is counted nowhere
            if re.search(_COUNT_EN + re.escape(noun[:5]), english):
                return True
    return False


_NAME_OF = re.compile(
    r"([\u4e00-\u9fff]{1,4})(?:分别|都|一般)?(?:叫啥|叫什么|叫个啥|叫做啥|的名字|名字叫|是啥名字|啥名字)"
)
"""The thing whose name is asked: 三个动迁地块分别叫啥名字 asks the plots' names."""


def names_another_thing(question: str, fact: Fact, asking: AskingWords | None = None) -> bool:
    """The question asks the name of a thing the answer speaks of (地块), and no phrase
    (between commas) that speaks of it gives a name: the names the answer gives (刘秀军,
    “金牌调解工作室”) are of other things."""
    things = _things_named(normalize(question))
    spoken_of = [p for p in _phrases(fact.answer.zh) if any(t in p for t in things)]
    if not spoken_of:
        return False  # the answer does not speak of it: any name it gives may be its
    words = asking if asking is not None else _shipped()
    return not any(_has_name(phrase, words) for phrase in spoken_of)


def given_for_the_question(
    given: frozenset[Kind] | set[Kind],
    asked: Mapping[Kind, tuple[str, ...]],
    question: str,
    fact: Fact,
    asking: AskingWords | None = None,
) -> set[Kind]:
    """The kinds the fact gives for this very question: no name when the name asked is
    another thing's; which of two when it speaks of one of them."""
    kinds = set(given)
    if _NAMES & asked.keys() and names_another_thing(question, fact, asking):
        kinds -= _NAMES  # the plots' names, where the answer names only its mediator
    for kind in _GIVEN_BY_SPEAKING_OF:
        if any(thing in fact.answer.zh for thing in asked.get(kind, ())):
            kinds.add(kind)
    return kinds


_NAMES = frozenset({Kind.NAME, Kind.PERSON_NAME})
_GIVEN_BY_SPEAKING_OF = (Kind.CHOICE, Kind.WHICH)
"""Kinds asked by the things a question names (是上门还是去食堂, 哪家医院), given by an
answer that speaks of one of them, in the words asked."""


@lru_cache(maxsize=1024)
def _things_named(question: str) -> tuple[str, ...]:
    """The things whose names a (normalised) question asks: 地块 in 三个地块分别叫啥."""
    return tuple(
        word
        for found in _NAME_OF.findall(question)
        for word, tag in _tagged(found)
        if _is_thing(word, tag)
    )


@lru_cache(maxsize=4096)
def _phrases(answer: str) -> tuple[str, ...]:
    """The answer's phrases between commas; a quoted name keeps its commas
    (“温暖夕阳红,幸福晚年乐” is one name)."""
    held = _QUOTED_NAME.sub(lambda quoted: quoted.group(0).replace(",", "、"), answer)
    return tuple(_PHRASE_END_ZH.split(held))


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def years_named(text: str) -> frozenset[str]:
    """The years a text names (2018)."""
    return frozenset(_YEAR.findall(text))


# --- what a fact gives ---------------------------------------------------------------
def given_kinds(
    fact: Fact,
    lang: Lang,
    *,
    contact: Contact | None = None,
    asking: AskingWords | None = None,
    not_names: Iterable[str] = (),
) -> frozenset[Kind]:
    """The kinds of information the fact's answer gives (its Chinese answer, which is
    the source, and for `lang` "en" its English one too), and those its committee's
    filled `contact` fields give. `not_names`: committee names, which jieba may read as
    a person's (向建四). Computed once per fact: the index keeps them."""
    words = asking if asking is not None else _shipped()
    kinds = set(_kinds_of(fact.answer.zh, "zh", words))
    if Kind.PERSON_NAME in kinds and not person_names(fact.answer.zh, words, not_names):
        kinds -= {Kind.PERSON_NAME}
        if not _QUOTED_NAME.search(fact.answer.zh):
            kinds -= {Kind.NAME}
    if lang == "en":
        kinds |= _kinds_of(fact.answer.en, "en", words)
    if contact is not None:
        kinds |= {kind for name, kind in _CONTACT_KINDS.items() if getattr(contact, name)}
    return frozenset(kinds)


def kinds_in_text(text: str, lang: Lang, asking: AskingWords | None = None) -> frozenset[Kind]:
    """The kinds a piece of answer text gives (a fact's answer, one of its clauses)."""
    return frozenset(_kinds_of(text, lang, asking if asking is not None else _shipped()))


def _kinds_of(text: str, lang: Lang, words: AskingWords) -> frozenset[Kind]:
    return _cached_kinds(text, lang, words)


@lru_cache(maxsize=4096)
def _cached_kinds(text: str, lang: Lang, words: AskingWords) -> frozenset[Kind]:
    readers = _ZH_READERS if lang == "zh" else _EN_READERS
    folded = text if lang == "zh" else text.casefold()
    kinds = {kind for kind, reads in readers.items() if reads(folded, words)}
    kinds |= {
        k for k, entry in words.kinds.items() if entry.told_by and entry.told_in.search(folded)
    }
    return frozenset(kinds)


def _pattern(regex: re.Pattern[str]) -> Callable[[str, AskingWords], bool]:
    return lambda text, _words: regex.search(text) is not None


def _has_time_word(text: str, _words: AskingWords) -> bool:
    """A date: a year or a month (2018年, 6月), or a time word by jieba (年初, 暑假, 国庆)."""
    if _YEAR_ZH.search(text):
        return True
    return any(tag == "t" and _TIME_WORD.search(word) for word, tag in _tagged(text))


def _has_person_name(text: str, words: AskingWords) -> bool:
    return bool(person_names(text, words))


def person_names(
    text: str, words: AskingWords | None = None, not_names: Iterable[str] = ()
) -> tuple[str, ...]:
    """Person names in Chinese text: jieba tags them nr, and they are no common word
    (文明 is tagged nr too), start with a common surname (knowledge/details.yaml) and
    hold none of `not_names` (向建四居委 is tagged 向建四)."""
    surnames = (words if words is not None else _shipped()).surnames
    others = tuple(not_names)
    return tuple(
        word
        for word, tag in _tagged(text)
        if tag in _PERSON_TAGS
        and 2 <= len(word) <= 4
        and word[0] in surnames
        and jieba.dt.FREQ.get(word, 0) < RARE_WORD
        and not any(name in word for name in others)
    )


def quoted_names(text: str) -> tuple[str, ...]:
    """The names an answer quotes (“食行生鲜”, “俪童荟”)."""
    return tuple(_QUOTED_NAME.findall(text))


def _has_name(text: str, words: AskingWords) -> bool:
    return bool(quoted_names(text)) or _has_person_name(text, words)


def _has_place(text: str, _words: AskingWords) -> bool:
    """An address: a number with 号/弄/室/楼. A place name (ns) alone is not one: every
    answer names 淮海中路 or 黄浦区."""
    return _PLACE_ZH.search(text) is not None


@lru_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    # imported here: the tagger's tables take a third of a second to load, and a warm
    # start reads every fact's kinds from the index cache without it
    import jieba.posseg

    return tuple((pair.word, pair.flag) for pair in jieba.posseg.cut(text))


_ZH_READERS: dict[Kind, Callable[[str, AskingWords], bool]] = {
    Kind.PEOPLE_COUNT: _pattern(_PEOPLE_ZH),
    Kind.TIMES_COUNT: _pattern(_TIMES_ZH),
    Kind.DATE: _has_time_word,
    Kind.WEEKDAY: _pattern(_WEEKDAY_ZH),
    Kind.FREQUENCY: _pattern(_FREQUENCY_ZH),
    Kind.DURATION: _pattern(_DURATION_ZH),
    Kind.AGE: _pattern(_AGE_ZH),
    Kind.HOURS: _pattern(_HOURS_ZH),
    Kind.PLACE: _has_place,
    Kind.PHONE: _pattern(_PHONE),
    Kind.PERSON_NAME: _has_person_name,
    Kind.NAME: _has_name,
    Kind.ORGANISATION: _pattern(_ORGANISATION_ZH),
    Kind.LATER: _pattern(_LATER_YEAR),
    Kind.FOUNDED: _pattern(_FOUNDED_ZH),
}
_EN_READERS: dict[Kind, Callable[[str, AskingWords], bool]] = {
    Kind.PEOPLE_COUNT: _pattern(_PEOPLE_EN),
    Kind.TIMES_COUNT: _pattern(_TIMES_EN),
    Kind.DATE: _pattern(_YEAR_EN),
    Kind.WEEKDAY: _pattern(_WEEKDAY_EN),
    Kind.FREQUENCY: _pattern(_FREQUENCY_EN),
    Kind.DURATION: _pattern(_DURATION_EN),
    Kind.AGE: _pattern(_AGE_EN),
    Kind.HOURS: _pattern(_HOURS_EN),
    Kind.PHONE: _pattern(_PHONE),
    Kind.LATER: _pattern(_LATER_YEAR),
    Kind.FOUNDED: _pattern(_FOUNDED_EN),
}


# --- the detail first ----------------------------------------------------------------
def detail_span(
    fact: Fact, kind: Kind, lang: Lang, *, asking: AskingWords | None = None
) -> str | None:
    """The sentence (or clause) of the fact's answer in `lang` that gives `kind`, so a
    reply can lead with it; None when the answer does not give it."""
    text = fact.answer.en if lang == "en" else fact.answer.zh
    for clause in _clauses(text, lang):
        if kind in kinds_in_text(clause, lang, asking):
            return clause
    if lang == "en" and kind in kinds_in_text(fact.answer.zh, "zh", asking):
        return _english_clause_for(fact, kind, asking)
    return None


def _clauses(text: str, lang: Lang) -> Iterable[str]:
    splitter = _SENTENCE_END_EN if lang == "en" else _CLAUSE_END_ZH
    return [part.strip() for part in splitter.split(text) if part.strip()]


def _english_clause_for(fact: Fact, kind: Kind, asking: AskingWords | None) -> str | None:
    """The English sentence in the same position as the Chinese one that gives `kind`
    (the English answer says it in words the English readers may not catch)."""
    zh = list(_clauses(fact.answer.zh, "zh"))
    en = list(_clauses(fact.answer.en, "en"))
    position = next((i for i, c in enumerate(zh) if kind in kinds_in_text(c, "zh", asking)), None)
    if position is None or not en:
        return None
    return en[min(round(position * len(en) / len(zh)), len(en) - 1)]
