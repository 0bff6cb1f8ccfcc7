"""Reading a question into weighted terms, mending the typos residents make.

Unknown words are split into known parts where that is trustworthy, homophone
typos are mended through pinyin (麦菜 → 买菜, 树法班 → 书法班), typed pinyin is
read (shufa ban), and near-spellings go through rapidfuzz (律帅 → 律师).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import jieba
from rapidfuzz import fuzz, process

from bot.match.index import Index
from bot.match.normalize import cjk_count, fuzzy_syllable, looks_like_pinyin, split_syllables
from bot.match.scoring import Scoring
from bot.match.syllables import SYLLABLES
from bot.match.thesaurus import neighbours
from bot.match.tokenize import (
    NOTHING_READ,
    ZH_STOPWORDS,
    PinyinKeys,
    Token,
    pinyin_key,
    pinyin_readings,
)
from bot.match.types import QueryTerm

# two to four words of one pinyin syllable each, such as "li tong hui"
_SYLLABLE_RUN = re.compile(
    r"\b(?:(?:" + "|".join(sorted(SYLLABLES, key=len, reverse=True)) + r")\b ?){2,4}"
)

MAX_RUNS_READ = 24
"""At most this many runs of one question are read aloud with pypinyin, the costly step of
typo repair. A resident's question needs a handful, and so do 200 random characters (3 to
14), since only runs whose characters can sound like a known term are read; 200 characters
chosen to sound like known terms would need about 95. Past the allowance the rest of the
question is taken as written: no input costs much more than a question."""


@dataclass
class _Allowance:
    """How many more runs of this question may be read with pypinyin."""

    left: int = MAX_RUNS_READ

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


class QuestionReader:
    """Turns a question (normalised, committee names blanked) into weighted terms."""

    def __init__(self, index: Index, scoring: Scoring) -> None:
        self.index = index
        self.scoring = scoring
        self.known_sounds = PinyinKeys(index.by_pinyin)

    def terms(self, text: str) -> list[QueryTerm]:
        """The question's terms after typo repair, each with its weight."""
        text = self._join_spelt_names(text)
        if not cjk_count(text) and self._is_pinyin(text):
            pieces = self._pinyin_tokens(text)
        else:
            pieces = self._repair(self.index.tokenizer.segments(text))
        merged: dict[str, QueryTerm] = {}
        for token, credit in pieces:
            if not token.term:
                continue  # a stopword
            if token.compound_part:
                credit *= self.scoring.compound_part_credit
            term = self._known_neighbour(token.term)
            if term != token.term:
                credit *= self.scoring.thesaurus_credit
            known = merged.get(term)
            if known is None or known.credit < credit:
                merged[term] = QueryTerm(term, self.index.weight(term), credit, token.surface)
        return list(merged.values())

    def _known_neighbour(self, term: str) -> str:
        """An unknown Chinese word as its heaviest near-synonym the knowledge base uses
        (看书 → 读书), or as itself."""
        if self._known(term) or not cjk_count(term):
            return term
        tokenizer = self.index.tokenizer
        known = {
            canonical
            for word in neighbours().get(term, ())
            if (canonical := tokenizer.term(word) or "") and self._known(canonical)
        }
        return max(sorted(known), key=self.index.weight, default=term)

    def _join_spelt_names(self, text: str) -> str:
        """A name spelt as separate syllables in an English question ("the Li Tong Hui
        team") joined into the word the knowledge base uses (litonghui), padded so that
        offsets stay valid."""

        def join(match: re.Match[str]) -> str:
            words = match.group(0).split()
            for size in range(len(words), 1, -1):
                joined = "".join(words[:size])
                if joined in self.index.idf:
                    rest = " ".join(words[size:])
                    spelt = " ".join(words[:size])
                    return joined + " " * (len(spelt) - len(joined)) + (" " + rest if rest else "")
            return match.group(0)

        return _SYLLABLE_RUN.sub(join, text)

    def _is_pinyin(self, text: str) -> bool:
        words = text.split()
        english = self.index.english_words
        return bool(words) and looks_like_pinyin(words) and not any(w in english for w in words)

    # --- typo repair ---------------------------------------------------------
    def _known(self, term: str) -> bool:
        return term in self.index.idf

    def _repair(self, segments: list[Token]) -> list[tuple[Token, float]]:
        """Split unknown words into known parts, then mend homophones and near-spellings."""
        pieces: list[Token] = []
        for segment in segments:
            unknown_chinese = segment.term and not self._known(segment.term)
            if unknown_chinese and cjk_count(segment.surface) == len(segment.surface) > 1:
                pieces.extend(self._split_unknown(segment))
            else:
                pieces.append(segment)
        loosened = self._characters_of_unknown(pieces)
        repaired = _regroup_unrepaired(self._repair_homophones(loosened))
        mended = [self._typed_pinyin_word(token, credit) for token, credit in repaired]
        return [
            self._near_spelling(token)
            if credit == 1.0 and self._is_unknown(token)
            else (token, credit)
            for token, credit in mended
        ]

    def _typed_pinyin_word(self, token: Token, credit: float) -> tuple[Token, float]:
        """A pinyin word typed inside a Chinese question (动迁矛盾 tiaojie)."""
        item = (token, credit)
        word = token.term
        if not word.isascii() or self._known(word) or word in self.index.english_words:
            return item
        syllables = split_syllables(word)
        if syllables is None or len(syllables) < 2:
            return item
        term = self.index.by_pinyin.get(tuple(fuzzy_syllable(s) for s in syllables))
        if term is None:
            return item
        return Token(term, token.surface, token.start, token.end), self.scoring.pinyin_match_credit

    def _is_unknown(self, token: Token) -> bool:
        return bool(token.term) and not self._known(token.term)

    def _characters_of_unknown(self, pieces: list[Token]) -> list[Token]:
        """Unknown strings as single characters, so pinyin repair can look inside them
        (树法班). A dictionary word stays whole: it may be mended as a whole (调节 →
        调解), but 老年大学 is not 老年 plus something misspelt."""
        result = []
        for piece in pieces:
            word = piece.surface
            if (
                self._is_unknown(piece)
                and _is_odd_string(word, self.scoring.compound_min_frequency)
                and 1 < len(word) == cjk_count(word)
            ):
                result += [
                    Token(char, char, piece.start + i, piece.start + i + 1, loose=True)
                    for i, char in enumerate(word)
                ]
            else:
                result.append(piece)
        return result

    def _split_unknown(self, segment: Token) -> list[Token]:
        """An unknown word in known parts where that is trustworthy. An odd string
        (我想学, a typo) is split freely. A dictionary word (垃圾车, 绿化带) means
        something of its own: a known part of it counts only half."""
        parts = self._decompose(segment)
        if _is_odd_string(segment.surface, self.scoring.compound_min_frequency) or len(parts) == 1:
            return parts
        if not any(len(p.term) > 1 and self._known(p.term) for p in parts):
            return [segment]
        return [replace(p, compound_part=True) if self._known(p.term) else p for p in parts]

    def _decompose(self, segment: Token) -> list[Token]:
        """Split an unknown Chinese word into known terms, stopwords and leftover runs
        (我想学 → 我/想/学), covering as many characters with known words as possible.

        A split that only finds lone known characters next to unknown ones (买药 →
        买 + 药) is not trusted: the word stays whole, as the unknown word it is."""
        text = segment.surface
        tokens = [
            Token(self.index.tokenizer.term(text[begin:end]) or "", text[begin:end],
                  segment.start + begin, segment.start + end)
            for begin, end in self._cheapest_cuts(text)
        ]  # fmt: skip
        fully_known = all(not t.term or self._known(t.term) for t in tokens)
        has_known_word = any(len(t.term) > 1 and self._known(t.term) for t in tokens)
        if not (fully_known or has_known_word):
            return [segment]
        return _merge_unknown_runs(tokens, self._known)

    def _cheapest_cuts(self, text: str) -> list[tuple[int, int]]:
        """(begin, end) of each piece of the split with the fewest unknown characters, then
        the fewest pieces; an unknown piece longer than one character is never chosen."""
        n = len(text)
        # best[i] = (unknown characters, pieces, where the last piece begins) for text[:i]
        best: list[tuple[int, int, int]] = [(0, 0, 0)] + [(n + 1, 0, 0)] * n
        for end in range(1, n + 1):
            for begin in range(max(0, end - self.scoring.longest_known_word), end):
                unknown = 0 if self._known_piece(text[begin:end]) else end - begin
                if unknown > 1:
                    unknown = n + 1
                cost = (best[begin][0] + unknown, best[begin][1] + 1)
                if cost < best[end][:2]:
                    best[end] = (*cost, begin)
        cuts = []
        end = n
        while end > 0:
            cuts.append((best[end][2], end))
            end = best[end][2]
        return cuts[::-1]

    def _known_piece(self, piece: str) -> bool:
        return self._known(self.index.tokenizer.term(piece) or "") or piece in ZH_STOPWORDS

    def _repair_homophones(self, pieces: list[Token]) -> list[tuple[Token, float]]:
        """Replace runs of words whose pinyin spells a known term (麦菜 → 买菜, 才 in 买才).

        A run starts and ends on word boundaries (so 人帮 is never cut out of
        有没有人帮忙) and must contain something unknown or split."""
        result: list[tuple[Token, float]] = []
        allowance = _Allowance()
        i = 0
        while i < len(pieces):
            found = self._pinyin_run(pieces, i, allowance)
            if found is None:
                result.append((pieces[i], 1.0))
                i += 1
                continue
            term, j = found
            surface = "".join(p.surface for p in pieces[i:j])
            credit = 1.0 if surface == term else self.scoring.pinyin_match_credit
            result.append((Token(term, surface, pieces[i].start, pieces[j - 1].end), credit))
            i = j
        return result

    def _mendable(self, piece: Token) -> bool:
        """A piece that may be a typo: a loose character, or an unknown word that is not
        an everyday one (问题 is not a typo for 文体)."""
        if piece.loose:
            return True
        return (
            bool(piece.term)
            and not self._known(piece.term)
            and self.index.everyday(piece.term) == 1.0
        )

    def _pinyin_run(
        self, pieces: list[Token], i: int, allowance: _Allowance
    ) -> tuple[str, int] | None:
        """The longest known term spelt by the pinyin of pieces[i:j], if the run has
        something unknown in it. The run is read as a whole, so 调 in 调节 is tiao.

        A run is read only when some reading of its characters is a known term's
        (`known_sounds`, cheap), and only while the question's allowance lasts."""
        best = None
        surface = ""
        sounds = NOTHING_READ  # the readings of the run so far that begin a known term's
        for j in range(i, min(len(pieces), i + self.scoring.longest_pinyin_run)):
            surface += pieces[j].surface
            sounds = self.known_sounds.extend(sounds, pieces[j].surface)
            if not sounds:
                break  # no known term sounds like this, however the run goes on
            run = pieces[i : j + 1]
            if not run[0].term:
                break  # a run starts on content, not on 是 or 的
            if not any(self._mendable(p) for p in run) or sounds.isdisjoint(self.known_sounds.keys):
                continue  # nothing here needs mending, or no reading of it is a term
            if not allowance.take():
                break
            readings = pinyin_readings(surface)  # the run read as a whole, most likely first
            if not readings:
                break  # not all Chinese characters
            term = next(filter(None, map(self.index.by_pinyin.get, readings)), None)
            if term:
                best = (term, j + 1)
        return best

    def _pinyin_tokens(self, text: str) -> list[tuple[Token, float]]:
        """A question typed in pinyin ("shufa ban"): greedy longest known terms, then
        known one-character terms, dropping pinyin stopwords (juweihui, nali)."""
        index = self.index
        syllables = index.tokenizer.pinyin_words(text)
        tokens: list[tuple[Token, float]] = []
        position = 0
        while position < len(syllables):
            for length in range(
                min(self.scoring.longest_pinyin_run, len(syllables) - position), 1, -1
            ):
                window = tuple(syllables[position : position + length])
                term = index.by_pinyin.get(window)
                if term or window in index.stopword_pinyin:
                    if term:
                        token = Token(term, term, position, position + length)
                        tokens.append((token, self.scoring.pinyin_match_credit))
                    position += length
                    break
            else:
                lone = syllables[position]
                if lone in index.stopword_syllables:
                    position += 1  # de, le, ma …
                    continue
                term = index.by_syllable.get(lone)
                credit = self.scoring.lone_syllable_credit if term else 1.0
                tokens.append((Token(term or lone, lone, position, position + 1), credit))
                position += 1
        return tokens

    def _near_spelling(self, token: Token) -> tuple[Token, float]:
        """The known term closest in spelling (or in sound) to an unknown one."""
        term = token.term
        chinese = cjk_count(term) > 0
        if len(term) < (2 if chinese else 4):
            return token, 1.0
        if chinese and not _is_odd_string(term, self.scoring.common_word_frequency):
            return token, 1.0
        # a Chinese typo swaps a character; a longer or shorter word is another word
        # (买手机 is not 手机), while English misspellings also drop or double letters
        slack = 0 if chinese else 1
        hits = process.extract(
            term,
            self.index.vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=self.scoring.fuzzy_min_ratio,
            limit=5,
        )
        for known, ratio, _ in hits:
            if abs(len(known) - len(term)) <= slack:
                return Token(known, token.surface, token.start, token.end), ratio / 100
        if chinese:
            sound = self._near_sound(term)
            if sound:
                return Token(
                    sound, token.surface, token.start, token.end
                ), self.scoring.near_sound_credit
        return token, 1.0

    def _near_sound(self, term: str) -> str | None:
        """A known term of the same length whose pinyin is nearly the same (律帅 → 律师)."""
        key = pinyin_key(term)
        if len(key) != len(term):
            return None
        spellings = self.index.by_syllable_count.get(len(key), {})  # "lv si" -> 律师
        hits = process.extract(
            " ".join(key),
            list(spellings),
            scorer=fuzz.ratio,
            score_cutoff=self.scoring.near_sound_min_ratio,
        )
        for spelling, _, _ in hits:
            if _one_slip(key, tuple(spelling.split())):
                return spellings[spelling]
        return None


def _is_odd_string(word: str, min_frequency: int) -> bool:
    """Not a word of jieba's dictionary: a typo, a run-together phrase (我想学), a name."""
    return jieba.dt.FREQ.get(word, 0) < min_frequency


def _regroup_unrepaired(tokens: list[tuple[Token, float]]) -> list[tuple[Token, float]]:
    """Join the characters of an unknown word back where pinyin found nothing in them
    (树法班 → 书法 + 班, but 护照 stays 护照)."""
    result: list[tuple[Token, float]] = []
    for token, credit in tokens:
        previous = result[-1][0] if result else None
        if previous and previous.loose and token.loose and previous.end == token.start:
            surface = previous.surface + token.surface
            result[-1] = (Token(surface, surface, previous.start, token.end, loose=True), 1.0)
        else:
            result.append((token, credit))
    return result


def _one_slip(typed: tuple[str, ...], known: tuple[str, ...]) -> bool:
    """Exactly one syllable differs, not the first, and it keeps its initial (帅 shuai
    for 师 shi): the kind of slip an input method makes, not a different word."""
    differing = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    return (
        len(differing) == 1
        and differing[0] > 0
        and typed[differing[0]][0] == known[differing[0]][0]
    )


def _merge_unknown_runs(tokens: list[Token], known: Callable[[str], bool]) -> list[Token]:
    """Join neighbouring unknown pieces (手/机 → 手机) so they count as one word."""
    merged: list[Token] = []
    for token in tokens:
        previous = merged[-1] if merged else None
        if (
            previous
            and previous.term
            and token.term
            and not known(previous.term)
            and not known(token.term)
        ):
            surface = previous.surface + token.surface
            merged[-1] = Token(surface, surface, previous.start, token.end)
        else:
            merged.append(token)
    return merged
