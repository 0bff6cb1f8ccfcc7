"""Map a resident's question onto the facts of the knowledge base.

The pipeline, one step per function:
  normalise → find committee names → tokens (jieba, synonyms, stopwords)
  → repair typos (homophones via pinyin, near-spellings via rapidfuzz)
  → score facts (weighted term overlap with each document of a fact)
  → decide: answered / clarify / declined.

Scores run 0–100. A fact scores high when the question's *weighted* terms are
covered by one of its phrasings (or, a little less, by the fact as a whole):
an unknown content word in the question (护照 in 护照怎么办理, 买手机 in
哪里可以买手机) pulls the score down, which is what makes the bot decline rather
than guess.
"""

from __future__ import annotations

import copy
import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

import jieba
from rapidfuzz import fuzz, process

from bot.kb.calibration import DecisionModel
from bot.kb.model import KnowledgeBase
from bot.match.calibration import UNCALIBRATED, decide, evidence, probability
from bot.match.details import Detail, asked_details, unanswered_detail
from bot.match.index import DOC_KIND_WEIGHT, Index, build_index, everyday_discount
from bot.match.normalize import (
    cjk_count,
    detect_language,
    fuzzy_syllable,
    looks_like_pinyin,
    normalize,
    split_syllables,
)
from bot.match.tokenize import GENERIC_TERMS, ZH_STOPWORDS, Token, pinyin_key, pinyin_readings
from bot.match.types import Guards, Match, MatcherSettings, MatchResult, QueryTerm

PINYIN_MATCH_CREDIT = 0.9  # a homophone is probably, not certainly, the word meant
FUZZY_MIN_RATIO = 75  # rapidfuzz ratio below which a near-spelling is not trusted
NEAR_SOUND_MIN_RATIO = 80  # the same for pinyin spellings (律帅 lv suai ~ 律师 lv si)
NEAR_SOUND_CREDIT = 0.8
LONE_SYLLABLE_CREDIT = 0.7  # "ban" typed alone could be 班 or a dozen other characters
OTHER_NAMED_PHRASING = 0.85  # a phrasing naming its committee, for a question that does not
CORE_MISS_CAP = 0.5  # words spread over phrasings, none of them a core term: "did you mean" at best
CORE_BONUS = 0.3  # lift towards 100 for the share of the question that is a fact's core
NAMED_ELSEWHERE = 0.7  # other committees' facts, when the question names a committee
ESSENTIAL_SHARE = 0.2  # see _essential_terms
SPLIT_SHARE = 0.4  # see _split_between_committees
COMPOUND_MIN_FREQUENCY = 3  # jieba frequency from which an unknown string is a word
COMPOUND_PART_CREDIT = 0.5  # 垃圾 inside 垃圾车: the same word, not the same thing
QUERY_RECALL_EXPONENT = 0.75  # how much covering the question matters vs. the phrasing
UNION_CREDIT = 0.8  # a fact matched only across several phrasings counts a bit less
NAMED_OVERVIEW_SCORE = 95.0
NAMED_MISMATCH_SCORE = 50.0  # named a committee, asked about something it does not do
NAMED_FACT_FLOOR = 35.0  # a named committee's own fact from this score goes first


class Matcher:
    """Scores questions against one knowledge base. Immutable after construction."""

    def __init__(self, kb: KnowledgeBase, settings: MatcherSettings | None = None) -> None:
        self.settings = settings or MatcherSettings()
        self.index: Index = build_index(kb)

    @property
    def kb(self) -> KnowledgeBase:
        return self.index.kb

    def with_settings(self, settings: MatcherSettings) -> Matcher:
        """The same index with other thresholds, without rebuilding it."""
        clone = copy.copy(self)
        clone.settings = settings
        return clone

    # --- public API ----------------------------------------------------------
    def match(self, question: str) -> MatchResult:
        """Rank the facts for `question` and decide what the bot should do."""
        normalized = normalize(question)
        lang = detect_language(question)
        names = self.index.committee_names
        named = names.find(normalized)
        named_id = named[0][1] if named else None
        text = names.blank(normalized)
        terms = self.query_terms(text)
        candidates = self.rank(terms, named_id)
        limit = max(self.settings.max_alternatives, 3)
        result = MatchResult(
            question=question,
            normalized=normalized,
            lang=lang,
            outcome="declined",
            candidates=tuple(candidates[:limit]),
            named_committee=named_id,
        )
        if not candidates:
            return result
        features = evidence(candidates, terms, self.index, named_id, lang)
        return self._decide(replace(result, evidence=features), candidates, terms)

    def query_terms(self, text: str) -> list[QueryTerm]:
        """The question's terms after typo repair, each with its weight."""
        if not cjk_count(text) and self._is_pinyin(text):
            pieces = self._pinyin_tokens(text)
        else:
            pieces = self._repair(self.index.tokenizer.segments(text))
        merged: dict[str, QueryTerm] = {}
        for token, credit in pieces:
            if not token.term:
                continue  # a stopword
            if token.compound_part:
                credit *= COMPOUND_PART_CREDIT
            weight = self.index.weight(token.term)
            known = merged.get(token.term)
            if known is None or known.credit < credit:
                merged[token.term] = QueryTerm(token.term, weight, credit, token.surface)
        return list(merged.values())

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
        return Token(term, token.surface, token.start, token.end), PINYIN_MATCH_CREDIT

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
                and _is_odd_string(word)
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
        if _is_odd_string(segment.surface) or len(parts) == 1:
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
        n = len(text)
        # best[i] = (unknown characters, pieces) for text[:i], with the cut points
        best: list[tuple[int, int, int]] = [(0, 0, 0)] + [(n + 1, 0, 0)] * n
        for end in range(1, n + 1):
            for begin in range(max(0, end - 8), end):
                piece = text[begin:end]
                known = self._known(self.index.tokenizer.term(piece) or "") or piece in ZH_STOPWORDS
                unknown = 0 if known else (end - begin if end - begin == 1 else n + 1)
                cost = (best[begin][0] + unknown, best[begin][1] + 1)
                if cost < best[end][:2]:
                    best[end] = (*cost, begin)
        cuts = []
        end = n
        while end > 0:
            begin = best[end][2]
            cuts.append((begin, end))
            end = begin
        tokens = []
        for begin, end in reversed(cuts):
            piece = text[begin:end]
            term = self.index.tokenizer.term(piece) or ""
            tokens.append(Token(term, piece, segment.start + begin, segment.start + end))
        fully_known = all(not t.term or self._known(t.term) for t in tokens)
        has_known_word = any(len(t.term) > 1 and self._known(t.term) for t in tokens)
        if not (fully_known or has_known_word):
            return [segment]
        return _merge_unknown_runs(tokens, self._known)

    def _repair_homophones(self, pieces: list[Token]) -> list[tuple[Token, float]]:
        """Replace runs of words whose pinyin spells a known term (麦菜 → 买菜, 才 in 买才).

        A run starts and ends on word boundaries (so 人帮 is never cut out of
        有没有人帮忙) and must contain something unknown or split."""
        result: list[tuple[Token, float]] = []
        i = 0
        while i < len(pieces):
            found = self._pinyin_run(pieces, i)
            if found is None:
                result.append((pieces[i], 1.0))
                i += 1
                continue
            term, j = found
            surface = "".join(p.surface for p in pieces[i:j])
            credit = 1.0 if surface == term else PINYIN_MATCH_CREDIT
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
            and everyday_discount(piece.term) == 1.0
        )

    def _pinyin_run(self, pieces: list[Token], i: int) -> tuple[str, int] | None:
        """The longest known term spelt by the pinyin of pieces[i:j], if the run has
        something unknown in it. The run is read as a whole, so 调 in 调节 is tiao."""
        best = None
        surface = ""
        for j in range(i, min(len(pieces), i + 6)):
            surface += pieces[j].surface
            readings = pinyin_readings(surface)
            if not readings:
                break  # not all Chinese characters
            run = pieces[i : j + 1]
            if not run[0].term:
                break  # a run starts on content, not on 是 or 的
            if not any(self._mendable(p) for p in run):
                continue  # nothing here needs mending
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
            for length in range(min(6, len(syllables) - position), 1, -1):
                window = tuple(syllables[position : position + length])
                term = index.by_pinyin.get(window)
                if term or window in index.stopword_pinyin:
                    if term:
                        token = Token(term, term, position, position + length)
                        tokens.append((token, PINYIN_MATCH_CREDIT))
                    position += length
                    break
            else:
                lone = syllables[position]
                if lone in index.stopword_syllables:
                    position += 1  # de, le, ma …
                    continue
                term = index.by_syllable.get(lone)
                credit = LONE_SYLLABLE_CREDIT if term else 1.0
                tokens.append((Token(term or lone, lone, position, position + 1), credit))
                position += 1
        return tokens

    def _near_spelling(self, token: Token) -> tuple[Token, float]:
        """The known term closest in spelling (or in sound) to an unknown one."""
        term = token.term
        chinese = cjk_count(term) > 0
        if len(term) < (2 if chinese else 4):
            return token, 1.0
        # a Chinese typo swaps a character; a longer or shorter word is another word
        # (买手机 is not 手机), while English misspellings also drop or double letters
        slack = 0 if chinese else 1
        hits = process.extract(
            term, self.index.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO, limit=5
        )
        for known, ratio, _ in hits:
            if abs(len(known) - len(term)) <= slack:
                return Token(known, token.surface, token.start, token.end), ratio / 100
        if chinese:
            sound = self._near_sound(term)
            if sound:
                return Token(sound, token.surface, token.start, token.end), NEAR_SOUND_CREDIT
        return token, 1.0

    def _near_sound(self, term: str) -> str | None:
        """A known term of the same length whose pinyin is nearly the same (律帅 → 律师)."""
        key = pinyin_key(term)
        if len(key) != len(term):
            return None
        spellings = self.index.by_syllable_count.get(len(key), {})  # "lv si" -> 律师
        hits = process.extract(
            " ".join(key), list(spellings), scorer=fuzz.ratio, score_cutoff=NEAR_SOUND_MIN_RATIO
        )
        for spelling, _, _ in hits:
            if _one_slip(key, tuple(spelling.split())):
                return spellings[spelling]
        return None

    # --- scoring -------------------------------------------------------------
    def rank(self, terms: list[QueryTerm], named_committee: str | None = None) -> list[Match]:
        """All facts that share a term with the question, best first."""
        index = self.index
        total = sum(term.weight for term in terms)
        topical = [t for t in terms if t.term not in GENERIC_TERMS]
        if named_committee and not topical:
            return self._named_overview(named_committee, terms)
        if total == 0:
            return []
        best_doc, union = self._score_documents(terms, total, named_committee)
        matches = []
        for fact_index, (doc_score, doc_number) in best_doc.items():
            fact = index.facts[fact_index]
            if fact.overview and fact.committee_id != named_committee:
                continue  # overviews answer "what does X do?", only when X is named
            union_recall = sum(union[fact_index].values()) / total
            union_score = UNION_CREDIT * union_recall
            if not any(t.term in index.core_terms[fact_index] for t in terms) and not any(
                self._points_at_one_fact(term) for term in union[fact_index]
            ):
                # words gathered from several phrasings, none of them what the fact is
                # about nor its alone (买 + 手机 for the vegetable market): not enough
                union_score = min(union_score, CORE_MISS_CAP)
            score = max(doc_score, union_score)
            core_share = (
                sum(t.weight * t.credit for t in terms if t.term in index.core_terms[fact_index])
                / total
            )
            score += (1 - score) * CORE_BONUS * core_share
            doc = index.documents[doc_number]
            shared_terms = tuple(sorted(union[fact_index], key=lambda t: -index.weight(t)))
            kind = doc.kind if doc_score >= union_score else "several"
            matches.append(Match(fact, round(100 * score, 1), doc.text, shared_terms, kind))
        ranked = heapq.nlargest(len(matches), matches, key=lambda m: (m.score, -len(m.fact.id)))
        return self._prefer_named(ranked, named_committee, terms) if named_committee else ranked

    def _points_at_one_fact(self, term: str) -> bool:
        """A specific Chinese word (窗台绿化, 天然氧吧) that only one fact uses, if only in its
        answer: strong evidence. English has no everyday-word list to tell "phone" from it."""
        return (
            self.index.fact_frequency.get(term) == 1
            and cjk_count(term) >= 2
            and everyday_discount(term) == 1.0
        )

    def _prefer_named(
        self, ranked: list[Match], committee_id: str, terms: list[QueryTerm]
    ) -> list[Match]:
        """The resident named a committee: its matching fact first. If it has none, its
        overview as a low-scored option beside the facts that do match (did you mean…)."""
        own = [m for m in ranked if m.fact.committee_id == committee_id]
        others = [m for m in ranked if m.fact.committee_id != committee_id]
        others = [replace(m, score=round(m.score * NAMED_ELSEWHERE, 1)) for m in others]
        if own and own[0].score >= NAMED_FACT_FLOOR:
            return own + others
        overview = self._named_overview(committee_id, terms)[:1]
        # what the overview really shares with the question: often only the name
        really = {m.fact.id: m.shared_terms for m in own}
        unsure = [
            replace(m, score=NAMED_MISMATCH_SCORE, shared_terms=really.get(m.fact.id, ()))
            for m in overview
        ]
        return unsure + others

    def _score_documents(
        self, terms: list[QueryTerm], total: float, named_committee: str | None
    ) -> tuple[dict[int, tuple[float, int]], dict[int, dict[str, float]]]:
        """Per fact: its best document's score and number, and the best credit each
        question term earned in any of its documents (for the across-phrasings score).

        Term at a time: the postings of the essential terms pick the candidate
        documents, the weak terms are only looked up in those."""
        documents = self.index.documents
        gained: dict[int, float] = defaultdict(float)  # doc -> weight * credit shared
        shared: dict[int, float] = defaultdict(float)  # doc -> weight shared
        union: dict[int, dict[str, float]] = defaultdict(dict)
        essential = set(_essential_terms(terms, total))

        def share(doc_number: int, term: QueryTerm) -> None:
            doc = documents[doc_number]
            credited = term.weight * term.credit
            gained[doc_number] += credited
            shared[doc_number] += term.weight
            seen = union[doc.fact_index]
            credited *= DOC_KIND_WEIGHT[doc.kind]
            if credited > seen.get(term.term, 0.0):
                seen[term.term] = credited

        for term in terms:
            if term.term in essential:
                for doc_number in self.index.postings.get(term.term, ()):
                    share(doc_number, term)
        candidates = list(gained)
        for term in terms:
            if term.term not in essential:
                for doc_number in candidates:
                    if term.term in documents[doc_number].terms:
                        share(doc_number, term)

        best_doc: dict[int, tuple[float, int]] = {}
        for doc_number in candidates:
            doc = documents[doc_number]
            recall = gained[doc_number] / total
            precision = shared[doc_number] / doc.total_weight
            score = DOC_KIND_WEIGHT[doc.kind] * recall**QUERY_RECALL_EXPONENT
            score *= precision ** (1 - QUERY_RECALL_EXPONENT)
            if doc.names_committee and doc.names_committee != named_committee:
                score *= OTHER_NAMED_PHRASING
            if score > best_doc.get(doc.fact_index, (0.0, -1))[0]:
                best_doc[doc.fact_index] = (score, doc_number)
        return best_doc, union

    def _named_overview(self, committee_id: str, terms: list[QueryTerm]) -> list[Match]:
        committee = self.kb.committee(committee_id)
        if committee is None or committee.overview is None:
            return []
        overview = committee.overview
        others = [
            Match(fact, NAMED_OVERVIEW_SCORE - 20, fact.title.zh, (), "name")
            for fact in committee.facts
            if fact is not overview
        ]
        shared = (committee.short_name, *(t.term for t in terms))
        return [Match(overview, NAMED_OVERVIEW_SCORE, committee.name, shared, "name"), *others]

    # --- the decision --------------------------------------------------------
    @property
    def decision(self) -> DecisionModel:
        return self.kb.decision or UNCALIBRATED

    def _decide(
        self, result: MatchResult, candidates: list[Match], terms: list[QueryTerm]
    ) -> MatchResult:
        """Answer, ask "did you mean…" or decline, from the calibrated probabilities."""
        settings, model = self.settings, self.decision
        best = candidates[0]
        confident = probability(model.answer, result.evidence)
        plausible = probability(model.offer, result.evidence)
        answer_at = _first_set(settings.answer_confidence, model.answer_at)
        clarify_at = _first_set(settings.clarify_confidence, model.clarify_at)
        guards = Guards(
            offerable=best.score >= settings.clarify_threshold,
            too_close=self.too_close(best, candidates, terms),
            missing_detail=self.unknown_detail(result.normalized, best) is not None,
        )
        outcome = decide(confident, plausible, answer_at, clarify_at, guards)
        # a question about the fee of a class the knowledge base describes: what it knows
        offered = guards.offerable and plausible >= clarify_at
        related = (best,) if guards.missing_detail and offered else ()
        return replace(
            result, outcome=outcome, confidence=round(confident, 3), related=related, guards=guards
        )

    def unknown_detail(self, normalized: str, best: Match) -> Detail | None:
        """A detail the question asks for (a fee, hours) that the best fact does not give."""
        details = asked_details(normalized)
        if not details:
            return None
        return unanswered_detail(details, best.fact, self.kb.committee_of(best.fact))

    def too_close(self, best: Match, candidates: list[Match], terms: list[QueryTerm]) -> bool:
        """Another committee's fact is as good, or owns much of what the best leaves out."""
        rival = next(
            (m for m in candidates[1:] if m.fact.committee_id != best.fact.committee_id), None
        )
        if rival and best.score - rival.score < self.settings.clarify_margin:
            return True
        return _split_between_committees(best, candidates, terms)


def _first_set(value: float | None, default: float) -> float:
    return default if value is None else value


def _split_between_committees(best: Match, candidates: list[Match], terms: list[QueryTerm]) -> bool:
    """True when much of what the best fact leaves out of the question is what another
    committee's fact is about (宠物 at one, 医院 at another: 宠物医院 is neither)."""
    weight = {t.term: t.weight for t in terms}
    total = sum(weight.values())
    uncovered = weight.keys() - set(best.shared_terms)
    for other in candidates[1:]:
        if other.fact.committee_id == best.fact.committee_id:
            continue
        taken = sum(weight[t] for t in uncovered.intersection(other.shared_terms))
        if total and taken / total >= SPLIT_SHARE:
            return True
    return False


def _is_odd_string(word: str) -> bool:
    """Not a word of jieba's dictionary: a typo, a run-together phrase (我想学), a name."""
    return jieba.dt.FREQ.get(word, 0) < COMPOUND_MIN_FREQUENCY


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


def _essential_terms(terms: list[QueryTerm], total: float) -> list[str]:
    """The terms a fact must share at least one of to be worth scoring. The question's
    weakest terms, together under ESSENTIAL_SHARE of its weight, cannot lift a fact to a
    "did you mean" on their own, and skipping facts that only share those keeps a large
    knowledge base fast (老人 is in thousands of phrasings)."""
    ordered = sorted(terms, key=lambda t: t.weight)
    weak = 0.0
    skipped = 0
    for term in ordered:
        if weak + term.weight >= ESSENTIAL_SHARE * total:
            break
        weak += term.weight
        skipped += 1
    return [t.term for t in ordered[skipped:]]


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


def explain(match: Match) -> str:
    """One line an admin can read: score, phrasing, shared terms."""
    terms = ", ".join(match.shared_terms) or "-"
    return f"{match.score:5.1f}  {match.fact.id}  ← “{match.phrasing}”  [{terms}]"


__all__ = ["Matcher", "explain"]
