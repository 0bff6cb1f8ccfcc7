"""Turning normalised text into weighted matching terms.

Chinese is segmented with jieba (with the knowledge base's names as a user
dictionary so 食行生鲜 stays whole), English is lower-cased and lightly stemmed,
stopwords are dropped, and every word is mapped through the synonym groups onto
one canonical term. Each term also carries its pinyin, which is how homophone
typos (麦菜 → 买菜) and typed pinyin (maicai) find their way back.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from bot.kb.colloquial import Colloquial
from bot.match.normalize import cjk_count, fuzzy_syllable, normalize, split_syllables

logger = logging.getLogger(__name__)

# Words that appear in almost any question and say nothing about the topic.
# Words of jieba's dictionary that residents here never mean and that swallow the start
# of a word they do: 阿拉姆 (a name) turns 阿拉姆妈 (阿拉 + 姆妈, "our mum") into 阿拉姆 + 妈.
NOT_WORDS_HERE = ("阿拉姆",)
ZH_STOPWORDS = frozenset(
    """
    的 了 吗 么 吧 呢 啊 呀 哦 嘛 啦 我 我们 你 你们 您 他 她 它 他们 咱
    咱们 大家 自己 是 在 有 没 没有 有没有 有无 哪里 哪儿 哪 哪个 哪些 哪家
    那里 这里 什么 啥 怎么 怎么样 怎样 如何 咋 可以 可 能 能不能 能否 可不可以
    会 要 想 想要 请问 请 一下 谁 和 与 跟 及 也 都 就 还 去 到 这 那
    这个 那个 个 些 一些 多少 几 几个 为什么 给 让 被 把 对 从 上 里 中 着
    过 又 很 太 该 应该 需要 找 告诉 知道 问 问问 居委 居委会 居民区 居委会的
    吗 不 是不是 有人 人 个人 地方 一个 现在 平时 一直 还有 或者 吗 呗 得 地 我住
    住在 我家住 如果 的话 因为 所以 但是 然后 比较 特别 非常 一点 点 些 儿 嗯
    好 好的 行 之 其 等 位 怎么办 咋办 怎么弄 干嘛 干啥 每周 每月 每天 每年
    每个月 每个 每次 几次 几节 几点 几号 哪天 什么时候 时候 多久 多长时间
    上去 下来 下去 进来 进去 出来 过来 起来 多 很多 好多 蛮多 老多
    """.split()
)
EN_STOPWORDS = frozenset(
    """
    a an the is are was were be been am do does did doing i me my we our you your he she it they
    them their his her its this that these those there here what which who whom whose where when
    why how can could would should will shall may might must to of in on at by for with about
    from into near any some anyone someone somebody anybody something anything is there please
    tell me know get got have has had and or but if so not no yes just also too very much many
    more most one ones up out over than then only own same such let us like want need help find
    look looking go going way thing things somewhere anywhere someplace place places close
    nearby near around really actually maybe ok okay hi hello thanks thank all now that's bye
    cannot cant dont wont anymore keep hear hearing heard well
    """.split()
)
# Words that, next to a committee's name, only ask "what do you do?".
GENERIC_TERMS = frozenset(
    """
    服务 活动 介绍 工作 项目 情况 事情 做 干 干什么 做什么 有啥 内容 特色 主要 住 我家 附近 这边
    那边 联系 提供 开展 办 搞 了解 讲讲 说说 看看 都 哪些 什么样 service offer provide activity
    about do information info live tell run work project committee neighbourhood neighborhood
    resident community
    """.split()
)

MAX_READINGS = 16  # enough for two or three polyphonic characters in a run

_LATIN_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_CJK_RUN_RE = re.compile(r"[\u3400-\u9fff]+")


# (suffix, replacement, shortest word it applies to, endings that keep it)
_STEM_RULES = (
    ("ies", "y", 4, ()),
    ("sses", "ss", 4, ()),
    ("ches", "ch", 4, ()),
    ("shes", "sh", 4, ()),
    ("ing", "", 6, ("xing", "jing", "qing")),  # Shixing, Minxin … are pinyin, not -ing
    ("ed", "", 5, ()),
    ("s", "", 4, ("ss", "us", "is")),
)


def stem(word: str) -> str:
    """A deliberately small English stemmer: plurals and -ing/-ed, nothing clever."""
    for suffix, replacement, shortest, keep in _STEM_RULES:
        if word.endswith(suffix) and len(word) >= shortest:
            return word if word.endswith(keep) else word[: -len(suffix)] + replacement
    return word


@lru_cache(maxsize=65536)
def pinyin_key(term: str) -> tuple[str, ...]:
    """Toneless, accent-folded syllables of a Chinese term (empty for non-Chinese)."""
    if not cjk_count(term):
        return ()
    return tuple(fuzzy_syllable(s) for s in lazy_pinyin(term) if s.isascii() and s.isalpha())


@lru_cache(maxsize=65536)
def pinyin_readings(text: str) -> tuple[tuple[str, ...], ...]:
    """Every way to read a Chinese text aloud, most likely first (重 is zhong or chong):
    a typist picks characters by sound, so a typo may use either reading."""
    likely = pinyin_key(text)
    if len(likely) != len(text):
        return ()
    options = [
        [fuzzy_syllable(s) for s in readings if s.isascii() and s.isalpha()] or [likely[i]]
        for i, readings in enumerate(pinyin(text, style=Style.NORMAL, heteronym=True))
    ]
    readings = [likely]
    for combination in itertools.islice(itertools.product(*options), MAX_READINGS):
        if combination not in readings:
            readings.append(combination)
    return tuple(readings)


@lru_cache(maxsize=65536)
def char_syllables(char: str) -> tuple[str, ...]:
    """Every reading of one character, toneless and folded as `pinyin_key` folds them,
    straight from pypinyin's dictionary: a few microseconds, where asking pypinyin
    itself costs a hundred. These are the readings `pinyin_readings` gives a character
    alone and, but for 5 of pypinyin's 143,861 phrase readings (names such as 乐亭), in
    any phrase."""
    readings = pinyin_dict.get(ord(char), "") if len(char) == 1 else ""
    folded = []
    for reading in filter(None, readings.split(",")):
        # NFD parts the tone mark from its vowel; ü (u + diaeresis) is spelt v, as pypinyin does
        plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        if plain.isascii() and plain.isalpha():
            folded.append(fuzzy_syllable(plain))
    return tuple(dict.fromkeys(folded))


class PinyinKeys:
    """A set of pinyin keys and every beginning of one, to rule out cheaply (from the
    characters' readings, never asking pypinyin) that a text may be read as a key.

    Typo repair asks, for each run of a question's words, whether the run sounds like a
    known term; reading the run with pypinyin is what costs, so a run is read only once
    some reading of its characters can still become a key. For most runs none can, and
    the work of a question stays proportional to its length."""

    def __init__(self, keys: Iterable[tuple[str, ...]]) -> None:
        self.keys = frozenset(keys)
        self.beginnings = frozenset(key[:size] for key in self.keys for size in range(len(key) + 1))

    def extend(self, readings: frozenset[tuple[str, ...]], text: str) -> frozenset[tuple[str, ...]]:
        """The readings of (what was read) + `text` that still begin some key."""
        for char in text:
            if not readings:
                break
            syllables = char_syllables(char)
            readings = frozenset(
                longer
                for reading in readings
                for syllable in syllables
                if (longer := (*reading, syllable)) in self.beginnings
            )
        return readings

    def may_spell(self, text: str) -> bool:
        """Whether some reading of `text` is a key (if so, `pinyin_readings` may say which)."""
        return not self.keys.isdisjoint(self.extend(NOTHING_READ, text))


NOTHING_READ: frozenset[tuple[str, ...]] = frozenset({()})
"""The readings of an empty text: one, of no syllables."""


@dataclass(frozen=True)
class Token:
    term: str  # canonical term after synonyms
    surface: str  # what was written
    start: int  # offset in the normalised text
    end: int
    loose: bool = False  # a character split out of an unknown word, for typo repair
    compound_part: bool = False  # a known word inside an unknown dictionary word


def configure_jieba_cache() -> None:
    """Put jieba's dictionary cache somewhere writable and persistent (start-up speed)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache_dir = Path(base) / "huaihai-bot"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(cache_dir)
    except OSError:
        logger.info("no writable cache directory; jieba will use the system temp dir")
    jieba.setLogLevel(logging.WARNING)


class Tokenizer:
    """Normalised text → canonical terms, with synonyms and a user dictionary."""

    def __init__(
        self,
        synonym_groups: Iterable[Iterable[str]],
        user_words: Iterable[str],
        colloquial: Colloquial | None = None,
    ) -> None:
        colloquial = colloquial or Colloquial()
        self.particles = frozenset(colloquial.follow_up_words("question_particles"))
        self.colloquial = {normalize(w, drop_filler=False): v for w, v in colloquial.words.items()}
        self.fillers = frozenset(normalize(w, drop_filler=False) for w in colloquial.fillers)
        self.colloquial_characters = frozenset(w for w in self.colloquial if len(w) == 1)
        self.doubled_verbs = frozenset(colloquial.follow_up_words("doubled_verbs"))
        self.synonyms: dict[str, str] = {}
        self.phrases: list[tuple[str, str]] = []  # multi-word English synonyms
        self._read_synonyms(synonym_groups)
        known = {*user_words, *self.synonyms, *self.colloquial, *self.fillers}
        # sorted: jieba's state after registering depends on the order, and an index
        # loaded from the cache must leave it as a build in any process would
        self.registered = tuple(sorted(word for word in known if cjk_count(word) >= 2))
        self.frequencies: tuple[tuple[str, int], ...] = ()
        self.register_words()

    def _read_synonyms(self, synonym_groups: Iterable[Iterable[str]]) -> None:
        """Each word of a group as the group's first (its canonical term); a phrase of
        several words goes to `phrases`, replaced before segmenting, longest first."""
        for group in synonym_groups:
            words = [normalize(word, drop_filler=False) for word in group]
            canonical = self._canonical_form(words[0])
            for word in words:
                if " " in word:
                    self.phrases.append((word, canonical))
                else:
                    self.synonyms[self._canonical_form(word)] = canonical
        self.phrases.sort(key=lambda pair: len(pair[0]), reverse=True)

    def register_words(self) -> None:
        """Tell jieba the knowledge base's words, so it keeps them whole. For an index
        loaded from the cache, replay the frequencies the build gave them: jieba's state
        is not part of the index, and working them out again costs seconds in a city."""
        configure_jieba_cache()
        for word in NOT_WORDS_HERE:
            jieba.del_word(word)
        if self.frequencies:
            for word, frequency in self.frequencies:
                jieba.add_word(word, frequency)
            return
        for word in self.registered:
            # just frequent enough to stay whole: a made-up high frequency would
            # make the word look like an everyday one to everyday_discount()
            jieba.suggest_freq(word, tune=True)
        self.frequencies = tuple((word, jieba.dt.FREQ[word]) for word in self.registered)

    @staticmethod
    def _canonical_form(word: str) -> str:
        return stem(word) if word.isascii() else word

    def segments(self, normalized: str) -> list[Token]:
        """Every word of a normalised text with its offsets; stopwords get an empty term."""
        text = normalized
        for phrase, canonical in self.phrases:
            if phrase in text:
                # keep offsets stable: pad the replacement to the phrase's length
                padded = _pad(canonical, phrase).replace("\\", "\\\\")
                text = re.sub(rf"\b{re.escape(phrase)}\b", padded, text)
        result = []
        position = 0
        pieces = _particles_apart(jieba.lcut(text, HMM=True), self.particles)
        pieces = _characters_apart(pieces, self.colloquial_characters)
        for piece, length in _said_once(pieces, self.colloquial, self.doubled_verbs):
            start, position = position, position + length
            surface = piece.strip().strip("_")
            for word in self._mandarin(surface):
                result.append(Token(self.term(word) or "", word, start, position))
        return result

    def _mandarin(self, word: str) -> list[str]:
        """A colloquial word as the Mandarin words it stands for (阿拉 → 我们); a filler
        as nothing; any other word as itself."""
        if not word or word in self.fillers:
            return []
        mandarin = self.colloquial.get(word)
        if mandarin is None:
            return [word]
        return [part for chunk in mandarin.split() for part in jieba.lcut(chunk) if part.strip()]

    def in_mandarin(self, normalized: str) -> str:
        """The Chinese of a normalised text with its colloquial words in Mandarin (证哪能办
        → 证怎么办), for finding asking words that are written in Mandarin."""
        return "".join(
            token.surface for token in self.segments(normalized) if not token.surface.isascii()
        )

    def tokens(self, normalized: str) -> list[Token]:
        """The meaningful tokens of a normalised text: stopwords removed, synonyms applied."""
        return [token for token in self.segments(normalized) if token.term]

    def term(self, word: str) -> str | None:
        """The canonical term for one word, or None for a stopword or noise."""
        if word in ZH_STOPWORDS or word in EN_STOPWORDS:
            return None
        if word.isascii():
            if len(word) < 2 or not _LATIN_RE.fullmatch(word):
                return None
            word = stem(word)
            if word in EN_STOPWORDS:
                return None
        elif not cjk_count(word):
            return None
        return self.synonyms.get(word, word)

    def pinyin_words(self, normalized: str) -> list[str]:
        """Latin words of a question typed in pinyin, split into syllables."""
        words = _LATIN_RE.findall(normalized)
        syllables: list[str] = []
        for word in words:
            syllables.extend(split_syllables(word) or ())
        return [fuzzy_syllable(s) for s in syllables]


def _particles_apart(pieces: list[str], particles: frozenset[str]) -> list[str]:
    """A word jieba made up of a word and a question particle (班伐, which typo repair
    would read as 办法; colloquial.yaml's `question_particles`) as the two: no dictionary
    word ends in 伐 or 吗 that way."""
    result: list[str] = []
    for piece in pieces:
        if len(piece) >= 2 and piece[-1] in particles and piece not in jieba.dt.FREQ:
            result.extend((piece[:-1], piece[-1]))
        else:
            result.append(piece)
    return result


def _characters_apart(pieces: list[str], characters: frozenset[str]) -> list[str]:
    """A word jieba guessed (no dictionary word) around a one-character colloquial word
    (陪伊去, 帮伊: 伊 is 他) as its parts, so the colloquial word is read and the verb
    next to it is its own word."""
    result: list[str] = []
    for piece in pieces:
        if len(piece) < 2 or jieba.dt.FREQ.get(piece) or not characters.intersection(piece):
            result.append(piece)
            continue
        result.extend(part for part in _splitter(characters).split(piece) if part)
    return result


@lru_cache(maxsize=16)  # once per knowledge base's set, kept out of the pickled index
def _splitter(characters: frozenset[str]) -> re.Pattern[str]:
    return re.compile("(" + "|".join(map(re.escape, sorted(characters))) + ")")


def _said_once(
    pieces: list[str], colloquial: dict[str, str], verbs: frozenset[str]
) -> list[tuple[str, int]]:
    """Each piece with its length in the text, a doubled verb or adjective said once:
    residents soften a request by doubling (讲讲闲话, 看看书, 陪陪, 开开心心) where the base
    says it plainly (讲闲话, 看书, 陪, 开心). 讲讲 + 闲话 join when 讲闲话 is a word, colloquial
    or jieba's (看看 + 病 → 看病). `verbs`: colloquial.yaml's `doubled_verbs`."""
    result: list[tuple[str, int]] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        once = _once(piece, verbs)
        following = pieces[i + 1] if i + 1 < len(pieces) else ""
        if once is not None and len(once) == 1 and _a_word(once + following, colloquial):
            result.append((once + following, len(piece) + len(following)))
            i += 2
            continue
        result.append((once or piece, len(piece)))
        i += 1
    return result


def _a_word(text: str, colloquial: dict[str, str]) -> bool:
    """A colloquial word or one in jieba's dictionary (看病, 讲闲话)."""
    return text in colloquial or bool(jieba.dt.FREQ.get(text))


_DOUBLED = re.compile(r"([\u4e00-\u9fff])\1([\u4e00-\u9fff]?)\2?")


def _once(piece: str, verbs: frozenset[str]) -> str | None:
    """看看 → 看, 看看书 → 看书, 开开心心 → 开心; None for anything else, and for a doubled
    noun (妈妈, 天天), which is a word of its own."""
    match = _DOUBLED.fullmatch(piece)
    if match is None:
        return None
    first, second = match.group(1), match.group(2)
    if len(piece) == 4:  # AABB: a word said twice over, when AB is one (开心)
        return first + second if jieba.dt.FREQ.get(first + second) else None
    if first not in verbs:
        return None  # a doubled noun (妈妈, 宝宝) or adverb (天天) is a word of its own
    return first + piece[2:]


def _pad(canonical: str, phrase: str) -> str:
    # The canonical term replaces the phrase; underscores keep the text length so
    # token offsets still point into the normalised question.
    return canonical + "_" * max(0, len(phrase) - len(canonical))
