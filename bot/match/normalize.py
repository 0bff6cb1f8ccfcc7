"""Text normalisation and language detection, shared by the index and the questions.

The same `normalize()` runs over the knowledge base at index time and over every
question, so both sides meet in one form: NFKC (full-width → half-width),
traditional → simplified, case-folded, emoji/punctuation/control characters
turned into spaces, filler words removed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from bot.kb.model import Lang
from bot.match.syllables import SYLLABLES

_T2S = opencc.OpenCC("t2s")

# Politeness and filler that carry no meaning for matching. Removed as whole
# phrases, longest first, so 请问一下 goes before 请问.
FILLER_PHRASES = sorted(
    [
        "请问一下",
        "请问",
        "麻烦问一下",
        "麻烦",
        "打扰一下",
        "你好",
        "您好",
        "一下",
        "谢谢",
        "啊",
        "呢",
        "呀",
        "哦",
        "嘛",
        "啦",
        "哈",
        "吧",
        "咯",
        "噢",
    ],
    key=len,
    reverse=True,
)
_FILLER_RE = re.compile("|".join(map(re.escape, FILLER_PHRASES)))
_CONTRACTIONS = {
    "can't": "cannot",
    "won't": "will not",
    "n't": " not",
    "'s": "",
    "'re": " are",
    "'m": " am",
    "'ll": " will",
    "'ve": " have",
    "'d": " would",
}
_CONTRACTION_RE = re.compile(r"can't|won't|n't|'s|'re|'m|'ll|'ve|'d")
_SYLLABLE_APOSTROPHE_RE = re.compile(r"(?<=[a-z])['’](?=[a-z])")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[a-z]+")
# Keep letters, digits, CJK ideographs and the decimal point inside numbers (14.86).
_NOISE_RE = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[^\w.\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])+")


def to_simplified(text: str) -> str:
    return str(_T2S.convert(text))


@lru_cache(maxsize=4096)
def normalize(text: str, *, drop_filler: bool = True) -> str:
    """The canonical form of a question or phrasing (see module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = to_simplified(text).casefold().replace("_", " ")
    text = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(0)], text)
    text = _SYLLABLE_APOSTROPHE_RE.sub("", text)  # Jian'er, He'er: one romanised name
    text = _NOISE_RE.sub(" ", text)
    if drop_filler:
        text = _FILLER_RE.sub(" ", text)
    return " ".join(text.split())


def cjk_count(text: str) -> int:
    return len(_CJK_RE.findall(text))


def detect_language(text: str) -> Lang:
    """Chinese when the text has Chinese characters (or is typed pinyin), else English.

    A question that is mostly English words around a Chinese name ("tell me
    about 孝和") is English.
    """
    normalized = normalize(text, drop_filler=False)
    words = _LATIN_WORD_RE.findall(normalized)
    cjk = cjk_count(normalized)
    if cjk and len(words) >= 2 and (sum(map(len, words)) > 2 * cjk or words[0] in _ENGLISH_OPENERS):
        return "en"
    if cjk:
        return "zh"
    if words and looks_like_pinyin(words):
        return "zh"
    return "en" if words else "zh"


# A question that opens with one of these and goes on in English ("what is 媛德坊") is
# English, however long the Chinese name in it.
_ENGLISH_OPENERS = frozenset(
    "what whats how where when who which why is are does do can could tell any please".split()
)
# Words that are valid pinyin but are far likelier to be English in a question.
_ENGLISH_LOOKALIKES = frozenset(
    "a an ah ai are as bad ban be bean beg bin can change chang dang die dig dong e er fan gang"
    " hang he hen i in is it long man me men pin ran sang she so tang ten tie to wang we yang"
    " you zen".split()
)


def looks_like_pinyin(words: list[str]) -> bool:
    """True when every word splits into pinyin syllables and they do not read as English:
    "maicai" and "shufa ban" are pinyin, "can he" is not."""
    splits = [split_syllables(word) for word in words]
    if not all(splits):
        return False
    english_like = sum(word in _ENGLISH_LOOKALIKES for word in words)
    multi_syllable = sum(
        len(split or ()) >= 2
        for word, split in zip(words, splits, strict=True)
        if word not in _ENGLISH_LOOKALIKES
    )
    return multi_syllable >= 1 or english_like * 2 < len(words)


@lru_cache(maxsize=4096)
def split_syllables(word: str) -> tuple[str, ...] | None:
    """Split typed pinyin ("shufaban") into syllables, fewest first; None if it cannot."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in SYLLABLES:
                candidate = (*head, word[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]


def fuzzy_syllable(syllable: str) -> str:
    """Fold the sounds that southern speakers and pinyin typists mix up: zh/z, ch/c,
    sh/s, eng/en, ing/in, and l/n at the start."""
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and syllable[-3] in "ei":
        syllable = syllable[:-1]
    return syllable
