"""Every tuning value of the matcher, in one place (as Datasette keeps its SETTINGS).

What the *bot* does with a match (answer, ask, decline) is configured in
`MatcherSettings` and fitted in knowledge/calibration.yaml; how a question is
*scored* is tuned here. A sweep or an experiment swaps in another `Scoring`:

    Matcher(kb, scoring=replace(Scoring(), union_credit=0.7))
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _kind_weights() -> dict[str, float]:
    return {"phrasing": 1.0, "title": 0.95, "tag": 0.75, "answer": 0.75}


@dataclass(frozen=True)
class Scoring:
    # --- what a match on each kind of document is worth ----------------------
    kind_weight: dict[str, float] = field(default_factory=_kind_weights)
    """Per document kind. Answers are long and written for reading, not asking, so
    they count least; a phrasing is how residents ask, so it counts fully."""
    lone_character_discount: float = 0.5
    """A lone known character (买, 学) is what jieba leaves over of a phrasing, rarely
    the point of a question."""
    everyday_floor: float = 0.3
    """The weight left to the commonest Chinese words (问题, 家, 看) by jieba's frequencies."""
    everyday_rarity: tuple[float, float] = (6.0, 9.0)
    """log(corpus size / frequency) at which a word is everyday (weighs everyday_floor)
    and from which it is specific (weighs fully); linear in between."""
    query_recall_exponent: float = 0.75
    """How much covering the question matters against covering the phrasing (1: only
    the question; 0: only the phrasing)."""
    union_credit: float = 0.8
    """A fact matched only across several of its documents counts a bit less."""
    core_miss_cap: float = 0.5
    """The most such a match may score when none of its words is the fact's core (买 +
    手机 for the vegetable market), unless a word points at that fact alone."""
    core_bonus: float = 0.3
    """Lift towards 100 for the share of the question that is a fact's core."""
    essential_share: float = 0.2
    """The question's weakest terms, together under this share of its weight, do not
    make a fact a candidate on their own (keeps large knowledge bases fast)."""
    max_documents_per_term: int = 150
    """A term in more documents than this makes only this many candidates, those it
    lifts highest alone, plus the named committee's (老人 is in thousands of documents
    of a city's base; the shipped base's commonest term is in 100)."""
    max_scored_documents: int = 600
    """Candidates come from the question's rarer terms first; once this many are found,
    the commoner terms only add to their scores (a long question stays cheap)."""

    # --- committees named in the question ----------------------------------------
    other_named_phrasing: float = 0.85
    """A phrasing naming its committee, for a question that names none or another."""
    named_elsewhere: float = 0.7
    """Other committees' facts, when the question names a committee."""
    named_overview_score: float = 95.0
    """"What does <committee> do?": its overview."""
    named_other_facts_score: float = 75.0
    """…and that committee's other facts, as options."""
    named_mismatch_score: float = 50.0
    """Named a committee, asked about something it does not do: its overview as an option."""
    named_fact_floor: float = 35.0
    """A named committee's own fact from this score goes first."""

    # --- the resident's street (a base of several streets) ---------------------------
    other_street: float = 0.85
    """Other streets' facts, for a resident who chose a street (or whose home committee
    is in one): a district's streets offer the same services under the same phrasings,
    and a resident means their own. Their own street's scores are left as they are, so
    the calibrated decision reads them as in a one-street base."""

    # --- typo repair ----------------------------------------------------------------
    pinyin_match_credit: float = 0.9
    """A homophone is probably, not certainly, the word meant."""
    fuzzy_min_ratio: float = 75.0
    """rapidfuzz ratio below which a near-spelling is not trusted."""
    near_sound_min_ratio: float = 80.0
    """The same for pinyin spellings (律帅 lv suai ~ 律师 lv si)."""
    near_sound_credit: float = 0.8
    common_word_frequency: int = 50
    """jieba frequency from which a Chinese word is what the resident meant, never a
    misspelling of a known one (笑话, xiaohua, is not 小孩, xiaohai)."""
    lone_syllable_credit: float = 0.7
    """"ban" typed alone could be 班 or a dozen other characters."""
    compound_min_frequency: int = 3
    """jieba frequency from which an unknown string is a dictionary word, not a typo."""
    compound_part_credit: float = 0.5
    """垃圾 inside 垃圾车: the same word, not the same thing."""
    thesaurus_credit: float = 0.5
    """An unknown word read as a near-synonym the knowledge base uses (看书 → 读书)."""
    longest_known_word: int = 8
    """Characters: the longest piece an unknown word is split into."""
    longest_pinyin_run: int = 6
    """Words: the longest run whose pinyin may spell one known term."""

    # --- bounds on the work one message may cause ---------------------------------
    max_question_chars: int = 200
    """The matcher reads this many characters of a question; a longer one is cut (a
    resident's question is rarely over 60; a 1 MB paste must not cost seconds)."""
    kinds_at_build: int = 1000
    """Facts: up to this many, what each answer gives is read when the index is built;
    beyond, at each fact's first use (jieba's tagger is slow on a city's base)."""
    list_share: float = 0.55
    """"Which committees …": a committee is listed when its best fact scores this share of
    the best one's (and at least the lowest score that may be offered)."""
    max_listed: int = 8
    """The most committees one list reply names."""
    keyword_words: int = 4
    """English of at most this many words and no question word is a keyword query."""
    keyword_coverage: float = 0.6
    """The share of a keyword query's weight the best fact must cover to be offered."""
