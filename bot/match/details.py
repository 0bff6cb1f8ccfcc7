"""Details a fact cannot give: the decision's rule, not a list of words.

A question about the fee of the calligraphy class shares every topic word with the
calligraphy fact, and yet the fact cannot answer it. Which kinds of information a
question asks and a fact gives is read in `answerability` (the asking words are data,
knowledge/details.yaml); here the two meet: the first asked kind the best fact does not
give is what the bot says it does not know. A question naming another street is about
somewhere this bot does not know at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.kb.asking import Kind
from bot.kb.model import Text

OTHER_STREET = Text("其他街道的信息", "other streets' services")
# A street is named after a place: 外滩, 老西门, 打浦桥, 南京东路 (not 代表街道, 我们街道).
_STREET_RE = re.compile(
    r"([\u4e00-\u9fff]{1,4}[路门桥滩园东西南北寺汇浦镇港山湾坊里口街塘泾洲庄嘴渡])街道"
    # Huaihai Middle Road subdistrict, or Huaihai Road Middle subdistrict
    r"|([a-z]+)(?: road)?(?: (?:middle|east|west|north|south))?(?: road)? (?:sub-?district|jiedao)"
)
_NOT_A_NAME = frozenset({"the", "this", "that", "our", "my", "your", "which", "a", "what"})


def names_other_street(normalized_question: str, street_names: tuple[str, ...]) -> bool:
    """The question names a street that is not this one (`street_names`: its own names)."""
    for match in _STREET_RE.finditer(normalized_question):
        name = match.group(1) or match.group(2)
        if name not in _NOT_A_NAME and not any(_is_own(name, own) for own in street_names):
            return True
    return False


def _is_own(name: str, own: str) -> bool:
    """淮海街道 and 我们淮海中路街道 are this street: its name's first two characters; an
    English name is this street's only when it holds the whole name (xujiahui holds hu)."""
    return own in name if own.isascii() else own[:2] in name


def unanswered_kind(
    asked: Mapping[Kind, tuple[str, ...]], given: frozenset[Kind], answer: str
) -> Kind | None:
    """The first asked kind the fact does not give. An answer that speaks of the very
    thing asked (the asking word itself: 工作人员, 报名) counts as giving it."""
    padded = f" {answer} "
    for kind, words in asked.items():
        if kind in given:
            continue
        # a committee's answer that names a city matter ("cultural delivery") gives none
        if kind is not Kind.CITY_MATTER and any(_mentions(padded, word) for word in words):
            continue
        return kind
    return None


def _mentions(padded_text: str, word: str) -> bool:
    """Chinese words match anywhere; English words only as whole words."""
    if word.isascii():
        return f" {word} " in padded_text
    return word in padded_text
