"""Reading a question in the conversation so far.

Residents talk: after an answer about 孝和's grocery app they ask 伊拉一天多少单, 那合一呢 or
要付钞票伐, with no topic of their own. Such a follow-up is still answered from a fact of
the knowledge base, or declined; context only says which fact it is about. The readings,
tried in this order (READINGS):

- 别的居委有伐: the last question (or this one) of the committees other than the last;
- a committee named alone (那合一呢, what about Heyi?): the last question asked again of
  it, or the "did you mean" option of that committee; named with words of its own, the
  question is its own. Either way, when none of that committee's facts has the last
  topic (大华呢 or 大华有这种调解的伐, after 瑞华's mediation), it is declined with its
  overview offered;
- after the street's overview, a committee's answer stands on its own;
- a question of its own: weighty words the last committee never uses that are what
  another fact is about, or a noun the base does not know (医保卡), or nothing that leans
  on the context at all (侬好); with 呢 (睿德会呢) the last question's detail goes with it.
  Not a question of its own: one holding a name only the last committee uses (丰裕里),
  one naming nothing but verbs (啥人来教), one whose words synonyms.yaml's `related`
  calls close to the last fact's (配药 after 健康医疗), and a bare "when" that the fact
  found on its own by a verb cannot answer (一般什么时候送到家);
- otherwise a follow-up: read against the last committee's facts, the last fact first
  (除了…还有啥: any other of them); a detail it asks is answered from that fact, leading
  with it, or declined with the fact offered ("关于… 我只知道…") (followanswer.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.context import Context
from bot.kb.model import Fact, KnowledgeBase, Text
from bot.match.answerability import quoted_names
from bot.match.followanswer import (
    asks_a_detail,
    bound_to_fact,
    gives_what_is_asked,
    lacks_the_time_asked,
)
from bot.match.followwords import (
    asking_spans,
    asking_text,
    asks_city_matter,
    fact_terms,
    follow_up_asking,
    function_word,
    jieba_tag,
    known_noun,
    names_a_thing,
    only_an_action,
    only_of,
    refers_back,
    said,
    switches,
    topical,
    with_close_topics,
    words,
)
from bot.match.tokenize import GENERIC_TERMS
from bot.match.types import ContextUse, Guards, Match, MatchResult, QueryTerm, Reading

if TYPE_CHECKING:
    from bot.match.index import Index
    from bot.match.matcher import Matcher

OTHER_FACT_LEAD = 10.0
"""Points by which another fact of the last committee must beat the last fact to be the
one a follow-up means."""


NOT_ITS_TOPIC = Text("这个居委有没有这项服务", "whether this committee offers that")
"""What the bot does not know when a committee is asked for a topic none of its facts has."""


@dataclass(frozen=True)
class _Scene:
    """One question and the conversation it is read in."""

    matcher: Matcher
    reading: Reading
    fresh: MatchResult
    """The question matched on its own."""
    context: Context
    street: str | None
    last: Fact | None
    committee: str | None
    """The last committee, when it is still in the knowledge base."""

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    def use(self, how: str, why: str) -> ContextUse:
        return ContextUse(how, why, self.context.fact_id)

    def on_its_own(self, why: str) -> MatchResult:
        return replace(self.fresh, context=self.use("fresh", why))


def read_in_context(
    matcher: Matcher, reading: Reading, fresh: MatchResult, context: Context, street: str | None
) -> MatchResult:
    """`fresh` (the question matched on its own), or the question read in `context`."""
    kb = matcher.kb
    last = kb.fact(context.fact_id) if context.fact_id else None
    committee = context.committee_id if kb.committee(context.committee_id) else None
    if last is None and committee is None:
        return fresh
    scene = _Scene(matcher, reading, fresh, context, street, last, committee)
    for reading_of in READINGS:
        result = reading_of(scene)
        if result is not None:
            return result
    return _follow_up(scene)


# --- other committees --------------------------------------------------------------------


def _other_committees(scene: _Scene) -> MatchResult | None:
    """别的居委有伐, 还有啥居委也弄楼道的: the question, with what the last one asked (less
    the last committee's own names: 俪童荟), of the committees other than the last one."""
    reading, matcher = scene.reading, scene.matcher
    markers = said(reading.question, words(scene.kb, "other_committees"))
    if not markers:
        return None
    terms = [t for t in reading.terms if not any((t.surface or t.term) in w for w in markers)]
    asked = _with_the_last_question(scene, replace(reading, named=None, terms=tuple(terms)))
    ranked = matcher.ranker.rank(list(asked.terms), None, scene.street)
    others = [m for m in ranked if m.committee_id not in (None, scene.context.committee_id)]
    result = matcher.judge(asked, scene.street, ranked=others)
    return replace(result, context=scene.use("elsewhere", "other committees than the last one"))


def _with_the_last_question(scene: _Scene, reading: Reading) -> Reading:
    """`reading` with the last question's terms (less the last committee's own names; with
    the last fact's title when that question named nothing the fact is about) and the
    details it asked. With a topic of its own, `reading` keeps its own asking, and takes
    the last question's words only if that question spoke of the same topic."""
    context, index = scene.context, scene.matcher.index
    if not context.question:
        return reading
    earlier = _last_topic(scene, scene.matcher.read(context.question, scene.street))
    mine = {t.term for t in reading.terms}
    added = [
        t
        for t in earlier.terms
        if t.term not in mine and not only_of(index, t.term, context.committee_id)
    ]
    own_topic = {t.term for t in topical(index, reading)}
    if own_topic:  # a topic of its own (也弄楼道的, 有读书会伐): its own asking, and the last
        # question's words only if it spoke of that topic too (清洁楼道, not 读报组)
        if own_topic.isdisjoint(t.term for t in earlier.terms):
            return reading
        return replace(reading, terms=(*reading.terms, *added))
    asked = {**earlier.asked, **reading.asked}
    return replace(reading, terms=(*reading.terms, *added), asked=asked)


def _last_topic(scene: _Scene, earlier: Reading) -> Reading:
    """The last question, with the last fact's title in its words when none of the
    question's topical words is a core term of that fact (Who comes to learn there?:
    'come' is weighty, yet the calligraphy class is not about it)."""
    last, matcher = scene.last, scene.matcher
    if last is None:
        return earlier
    index = matcher.index
    number = index.fact_numbers.get(last.id)
    if number is None or any(t.term in index.core_terms[number] for t in topical(index, earlier)):
        return earlier
    title = matcher.read(last.title.in_lang(scene.reading.lang), scene.street)
    return replace(earlier, terms=(*earlier.terms, *title.terms))


# --- a committee named ----------------------------------------------------------------


def _committee_named(scene: _Scene) -> MatchResult | None:
    """那合一呢, what about Heyi: the last question of the committee named (its "did you
    mean" option when there was one); named with words of its own: a question of its own."""
    reading, context = scene.reading, scene.context
    if reading.named is None:
        return None
    picked = _option_of(scene)
    if picked is not None:
        return picked
    if not _only_a_committee_named(scene):
        return _named_with_words_of_its_own(scene)
    use = scene.use("switch", "only a committee named: the last question asked of it")
    earlier, again = _asked_again(scene)
    # what is asked: this question and the last one, in the base's words too (付钞票 → 付钱)
    both = f"{reading.normalized} {context.question}"
    asked = replace(
        reading,
        normalized=both,
        terms=(*reading.terms, *earlier.terms),
        asked={**earlier.asked, **reading.asked},
    )
    topic = _topic_of(scene, earlier, anywhere=True)
    found = again.answered and again.best is not None and _shares_the_topic(topic, again.best)
    if not found and _committee_lacks(scene, topic):
        # 大华呢 after 有书法班吗: 大华 has no class, whatever tags its facts share (or its
        # overview, found by its name alone)
        return _lacking(scene, again, "only a committee named, which lacks the last topic")
    candidates = again.candidates if again.answered else _same_tag_or_overview(scene, asked)
    if not candidates:
        return replace(again, context=use)
    candidates = _same_kind_first(scene, asked, candidates)
    # the fact was found for the last question asked of this committee: vouched for
    result = bound_to_fact(scene.matcher, asked, candidates, use, vouched=True)
    return replace(result, normalized=reading.normalized)


def _shares_the_topic(topic: list[str], found: Match) -> bool:
    """The fact found for the last question shares a word of its `topic`, or a word of
    two characters or more, not only a character beside it (寒暑假班 shares 班 with
    书法班, and 来: no calligraphy). Every English word is longer: this guards Chinese."""
    return any(term in topic or len(term) > 1 for term in found.shared_terms)


def _same_tag_or_overview(scene: _Scene, asked: Reading) -> tuple[Match, ...]:
    """The last question finds nothing of the committee named: its fact of the last
    fact's tags, else its overview (what it does); none when the last question asked a
    detail (who teaches it), which nothing of that committee then gives."""
    committee = scene.kb.committee(scene.reading.named)
    if committee is None or asks_a_detail(scene.matcher, asked):
        return ()
    facts = _facts_to_try(scene, ())
    tags = set(scene.last.tags) if scene.last else set()
    fact = next((f for f in facts if tags.intersection(f.tags)), None) or committee.overview
    if fact is None:
        return ()
    lang = scene.reading.lang
    return (Match(fact, scene.matcher.scoring.named_fact_floor, fact.title.in_lang(lang)),)


def _named_with_words_of_its_own(scene: _Scene) -> MatchResult:
    """A committee named with words of its own: a question of its own, unless those words
    are the last topic, which that committee lacks (大华有伐这种调解的地方 after 瑞华's
    mediation): then it is declined, not given that committee's overview."""
    reading = scene.reading
    if reading.named != scene.context.committee_id and _lacks_the_topic(scene, reading):
        why = "names another committee with the last topic, which it lacks"
        return _lacking(scene, scene.fresh, why)
    return scene.on_its_own("names its own committee and topic")


def _lacking(scene: _Scene, result: MatchResult, why: str) -> MatchResult:
    """Declined: the committee named has nothing on the last topic; its overview is
    offered as what is known of it ("…我这里没有收录。关于“大华居委”我只知道这些")."""
    declined = replace(result, outcome="declined", confidence=0.0, context=scene.use("switch", why))
    committee = scene.kb.committee(scene.reading.named)
    overview = committee.overview if committee is not None else None
    if overview is None:
        return declined
    lang = scene.reading.lang
    offered = Match(overview, scene.matcher.scoring.named_fact_floor, overview.title.in_lang(lang))
    return replace(declined, guards=Guards(missing_detail=NOT_ITS_TOPIC), related=(offered,))


def _only_a_committee_named(scene: _Scene) -> bool:
    """那合一呢: another committee named, and nothing else to ask of it but the last question."""
    reading, context = scene.reading, scene.context
    elliptical = not reading.terms or switches(scene.kb, reading)
    return elliptical and reading.named != context.committee_id and bool(context.question)


def _lacks_the_topic(scene: _Scene, earlier: Reading, *, anywhere: bool = False) -> bool:
    """The topic of `earlier` (the last question, or this one) is in none of the named
    committee's facts: asked of it, it finds nothing, rather than its fact of the same
    tags. `anywhere`: a thing the base knows counts even when the last fact never speaks
    of it (the last turn may have declined it: 西成有伐体育团队, then 那新天地呢)."""
    return _committee_lacks(scene, _topic_of(scene, earlier, anywhere))


def _committee_lacks(scene: _Scene, topic: list[str]) -> bool:
    """None of the named committee's facts speaks of the `topic` (there is one)."""
    committee = scene.kb.committee(scene.reading.named)
    if committee is None or not topic:
        return False
    theirs = _committee_terms(scene.matcher.index, committee.facts)
    return not any(term in theirs for term in topic)


def _topic_of(scene: _Scene, earlier: Reading, anywhere: bool) -> list[str]:
    """The things `earlier` asks about that the last fact speaks of (书法班, 买菜), less
    the names it quotes (俪童荟: that committee's own, not a topic) and what a count
    counts (colloquial.yaml's `counted`); `anywhere`: and the Chinese nouns the base
    knows."""
    last, index = scene.last, scene.matcher.index
    if last is None:
        return []
    last_terms = _fact_terms_of(index, last.id)
    core = index.core_terms[index.fact_numbers[last.id]]
    quoted = quoted_names(last.answer.zh)
    title = f"{last.title.zh} {last.title.en.casefold()}"

    counted = words(scene.kb, "counted")  # 人次: asked of another committee, its own count

    def topic(term: QueryTerm) -> bool:
        if term.term in counted or _a_name(index, term, quoted):
            return False
        if term.term in last_terms:
            return _a_thing(term, core, title)
        return anywhere and term.term in index.idf and _a_chinese_noun(term)

    return [t.term for t in topical(index, earlier) if topic(t)]


def _a_name(index: Index, term: QueryTerm, quoted: tuple[str, ...]) -> bool:
    """A name the last fact quotes (俪童荟), or a romanised one (litonghui: no English
    word of the base): a committee's own, so no topic another committee lacks."""
    return term.term in quoted or (term.term.isascii() and term.term not in index.english_words)


def _a_thing(term: QueryTerm, core: frozenset[str], title: str) -> bool:
    """What the last fact is about (its core terms: women, not benefited; a word of its
    title: 调解 of 金牌调解工作室), or a Chinese noun it speaks of (平台). English words
    have no part of speech here."""
    surface = term.surface or term.term
    if term.term in core or (surface in title and len(surface) >= 2):
        return True
    return _a_chinese_noun(term)


def _a_chinese_noun(term: QueryTerm) -> bool:
    """A Chinese noun, or a verb used as one (体育), as typed or as the base words it
    (women → 女性)."""
    words = {term.term, term.surface or term.term}
    return any(not w.isascii() and (names_a_thing(w) or jieba_tag(w) == "vn") for w in words)


def _same_kind_first(
    scene: _Scene, asked: Reading, candidates: tuple[Match, ...]
) -> tuple[Match, ...]:
    """The named committee's fact that gives what the last question asked (890人次 →
    合一's 360人次): among the candidates first, then its facts of the last fact's tags,
    then the rest; the candidates as they are when none gives it."""
    text = asking_text(asked)
    giving = next(
        (
            f
            for f in _facts_to_try(scene, candidates)
            if gives_what_is_asked(scene.matcher, f, text, asked.lang)
        ),
        None,
    )
    if giving is None or giving is candidates[0].fact:
        return candidates
    chosen = Match(giving, candidates[0].score, giving.title.in_lang(asked.lang), (), "context")
    return (chosen, *(m for m in candidates if m.fact is not giving))


def _facts_to_try(scene: _Scene, candidates: tuple[Match, ...]) -> list[Fact]:
    """The named committee's facts: the candidates', then those of the last fact's tags."""
    named = scene.reading.named
    committee = scene.kb.committee(named)
    facts = [m.fact for m in candidates if m.committee_id == named]
    if committee is None:
        return facts
    tags = set(scene.last.tags) if scene.last else set()
    rest = [f for f in committee.facts if f not in facts and not f.overview]
    return facts + sorted(rest, key=lambda f: not tags.intersection(f.tags))


def _option_of(scene: _Scene) -> MatchResult | None:
    """The last "did you mean" offered a fact of the committee now named: that one."""
    reading = scene.reading
    for fact_id in scene.context.options:
        fact = scene.kb.fact(fact_id)
        if fact is not None and fact.committee_id == reading.named:
            match = Match(fact, 100.0, fact.title.in_lang(reading.lang), (), "option")
            use = ContextUse("option", "names the committee of a “did you mean” option", fact_id)
            return MatchResult(
                question=reading.question,
                normalized=reading.normalized,
                lang=reading.lang,
                outcome="answered",
                candidates=(match,),
                named_committee=reading.named,
                confidence=1.0,
                context=use,
            )
    return None


def _asked_again(scene: _Scene) -> tuple[Reading, MatchResult]:
    """The last question as read, and asked again of the committee now named."""
    reading = scene.reading
    earlier = scene.matcher.read(scene.context.question, scene.street)
    asked = {**earlier.asked, **reading.asked}
    # 合二的议事平台呢: the words it brings (议事平台) with the last question's
    mine = {t.term for t in reading.terms}
    terms = (*reading.terms, *(t for t in earlier.terms if t.term not in mine))
    again = replace(
        earlier,
        question=reading.question,
        lang=reading.lang,
        named=reading.named,
        asked=asked,
        terms=terms,
    )
    return earlier, scene.matcher.judge(again, scene.street)


# --- a question of its own ---------------------------------------------------------------


def _after_the_street(scene: _Scene) -> MatchResult | None:
    """After the street's overview, which names every committee: a committee's answer."""
    if scene.committee is None and scene.fresh.answered:
        return scene.on_its_own("answered on its own after a street-wide answer")
    return None


def _of_its_own(scene: _Scene) -> MatchResult | None:
    """A question of its own, matched on its own; with 呢, the last question's detail too."""
    own = _own_topic(scene)
    if not own or _answered_without_what_is_asked(scene):
        return None
    if switches(scene.kb, scene.reading):
        carried = _carried_detail(scene)
        if carried is not None:
            return carried
    return scene.on_its_own(f"a topic of its own ({', '.join(own)})")


def _answered_without_what_is_asked(scene: _Scene) -> bool:
    """The fact found on its own gives no time, and the question asks when (一般啥辰光
    送到家: a doorstep service, which says no time): no question of its own, then, but
    one that leans on the conversation. (The other kinds a question asks, the matcher's
    own decision weighs already.)"""
    fresh, reading = scene.fresh, scene.reading
    if not fresh.answered or fresh.best is None:
        return False
    if not all(only_an_action(scene.kb, term) for term in fresh.best.shared_terms):
        return False  # 律师啥辰光来: found by a thing of its own, it stays its own
    text = asking_text(reading)
    return lacks_the_time_asked(scene.matcher, fresh.best.fact, text, reading.lang)


def _own_topic(scene: _Scene) -> list[str]:
    """The words that make the question one of its own (see the module docstring)."""
    kb, reading = scene.kb, scene.reading
    text = asking_text(reading)
    if asks_city_matter(kb, text):
        return ["(a city matter)"]
    known = _terms_of(scene)
    asking = (*asking_spans(kb, text), *follow_up_asking(kb, reading))
    own = _own_words(scene, known, asking)
    if own or asking or refers_back(kb, reading) or switches(kb, reading):
        return own
    shared = [t for t in reading.terms if t.term in known and t.term not in GENERIC_TERMS]
    return [] if shared else ["(nothing in it leans on the last answer)"]


def _own_words(scene: _Scene, known: frozenset[str], asking: tuple[str, ...]) -> list[str]:
    """Weighty words the last committee never uses: what the fresh match is about, or
    a noun the base does not know (unless the question points back)."""
    index, reading = scene.matcher.index, scene.reading
    terms = topical(index, reading)
    if any(only_of(index, t.term, scene.committee) for t in terms):
        return []  # a name only the last committee uses (丰裕里) anchors it there
    nothing = (frozenset[str](), frozenset[str]())
    about = _what_it_is_about(scene) if _names_things(scene.kb, terms) else nothing
    lenient = refers_back(scene.kb, reading)
    return [
        term.surface or term.term
        for term in _unheard(terms, known, asking)
        if _another_topic(scene, term, about, lenient)
        or (not lenient and _unknown_noun(index, term))
    ]


def _unheard(
    terms: list[QueryTerm], known: frozenset[str], asking: tuple[str, ...]
) -> list[QueryTerm]:
    """The terms the last committee never uses that are no part of an asking word."""
    return [t for t in terms if t.term not in known and not _asks(t.surface or t.term, asking)]


def _unknown_noun(index: Index, term: QueryTerm) -> bool:
    """A noun the base does not know (医保卡): a topic of its own, unless pointed back."""
    return not known_noun(index, term.term) and names_a_thing(term.surface or term.term)


def _names_things(kb: KnowledgeBase, terms: list[QueryTerm]) -> bool:
    """Something besides verbs: 啥人来教 names nothing, so it asks of the last answer."""
    return any(not only_an_action(kb, t.surface or t.term) for t in terms)


def _asks(surface: str, asking: tuple[str, ...]) -> bool:
    """The word is (part of) an asking word: 钱 of 多少钱."""
    return any(surface in word or word in surface for word in asking)


def _another_topic(
    scene: _Scene,
    term: QueryTerm,
    about: tuple[frozenset[str], frozenset[str]],
    points_back: bool,
) -> bool:
    """What the fresh match is about: a name of its committee, or a core word that is
    no mere "how" (具体, 平常: jieba's function words; 丰裕里's 丰裕 is a name all the same)
    and no mere doing (来教 of 啥人来教小囡, after a class for children; 调解, a word
    jieba knows, is a topic)."""
    core, names = about
    surface = term.surface or term.term
    if not jieba_tag(surface) and only_an_action(scene.kb, surface):
        return False  # 来教, a word jieba does not know of 来 and a verb: a doing, no topic
    if points_back and surface.isascii():
        # "When do they meet?": they are the last answer's; an English word, which has
        # no part of speech here, makes a question of its own only as a romanised name
        return term.term in names and term.term not in scene.matcher.index.english_words
    return term.term in names or (term.term in core and not function_word(surface))


def _what_it_is_about(scene: _Scene) -> tuple[frozenset[str], frozenset[str]]:
    """The words the fact found on its own shares with the question that are what it is
    about: its core terms, and words no other committee's facts use (刘秀军, 无违创建)."""
    fresh, index = scene.fresh, scene.matcher.index
    best = fresh.best
    if best is None or fresh.outcome == "declined":
        return frozenset(), frozenset()
    core = index.core_terms[index.fact_numbers[best.fact.id]]
    shared = best.shared_terms
    names = frozenset(t for t in shared if only_of(index, t, best.committee_id))
    return core.intersection(shared), names


def _terms_of(scene: _Scene) -> frozenset[str]:
    """Every term of the last fact's documents and of its committee's facts, with the
    topics synonyms.yaml calls close to the last fact's (看病 beside 健康医疗)."""
    index = scene.matcher.index
    owner = scene.kb.committee(scene.committee)
    last_terms = _fact_terms_of(index, scene.last.id) if scene.last else frozenset()
    # close topics of the last fact only: a word its committee uses elsewhere (楼道 in
    # a team's answer) must not make every close topic that committee's
    terms = with_close_topics(scene.kb, last_terms)
    return terms | _committee_terms(index, owner.facts if owner is not None else ())


def _committee_terms(index: Index, facts: Iterable[Fact]) -> frozenset[str]:
    """Every term of the documents of `facts` (one committee's)."""
    return frozenset[str]().union(*(_fact_terms_of(index, fact.id) for fact in facts))


def _fact_terms_of(index: Index, fact_id: str) -> frozenset[str]:
    number = index.fact_numbers.get(fact_id)
    return fact_terms(index, number) if number is not None else frozenset()


def _carried_detail(scene: _Scene) -> MatchResult | None:
    """A new subject with 呢 (睿德会呢): what the last question asked (how many people),
    asked of the fact the new subject names."""
    fresh, reading = scene.fresh, scene.reading
    earlier = asking_spans(scene.kb, scene.context.question)
    if not earlier or not fresh.answered or fresh.best is None:
        return None
    asked = replace(reading, normalized=" ".join((reading.normalized, *earlier)))
    use = scene.use("switch", "another subject with 呢: the last question's detail asked of it")
    result = bound_to_fact(scene.matcher, asked, fresh.candidates, use)
    return replace(result, normalized=reading.normalized)


# --- a follow-up ---------------------------------------------------------------------------


def _from_the_last_committee(scene: _Scene) -> MatchResult | None:
    """Matched on its own to a fact of the last committee: that fact, if it gives what
    is asked."""
    fresh, committee = scene.fresh, scene.committee
    if not (fresh.answered and fresh.best and committee) or fresh.best.committee_id != committee:
        return None
    use = scene.use("follow-up", "answered on its own from the last committee")
    return bound_to_fact(scene.matcher, scene.reading, fresh.candidates, use, vouched=True)


def _asking_as_the_last_question(scene: _Scene, reading: Reading) -> Reading:
    """摊到每天呢 after 一共下了几单: with 呢 and nothing asked of its own, the question
    asks what the last one asked (a number), narrowed by the words it brings (每天)."""
    if not switches(scene.kb, reading) or asks_a_detail(scene.matcher, reading):
        return reading
    earlier = asking_spans(scene.kb, scene.context.question)
    if not earlier:
        return reading
    return replace(reading, normalized=" ".join((reading.normalized, *earlier)))


def _follow_up(scene: _Scene) -> MatchResult:
    """The question read as about the last committee: the fact the question fits best
    among its facts, else the last fact; then whether that fact gives what is asked."""
    reading, committee, matcher = scene.reading, scene.committee, scene.matcher
    reading = _asking_as_the_last_question(scene, reading)
    scoped = replace(reading, named=committee) if committee else reading
    ranked = matcher.ranker.rank(list(scoped.terms), committee, scene.street)
    best = _fact_meant(scene, ranked)
    if best is None:
        return scene.fresh
    about_last = scene.last is not None and best.fact.id == scene.last.id
    why = "no topic of its own: read as about the last " + ("fact" if about_last else "committee")
    rest = [m for m in ranked if m.fact.id != best.fact.id]
    return bound_to_fact(matcher, scoped, (best, *rest[:2]), scene.use("follow-up", why))


def _fact_meant(scene: _Scene, ranked: list[Match]) -> Match | None:
    """Another fact of the committee when the question fits it clearly better than the
    last fact (有书法班伐 after its reading room), else the last fact; after an overview,
    the one fact of the committee that gives the detail asked."""
    last, floor = scene.last, scene.matcher.scoring.named_fact_floor
    if said(scene.reading.question, words(scene.kb, "besides")):
        besides = _besides_the_last(scene, ranked)
        if besides is not None:
            return besides
    lead = next((m for m in ranked if _another_fact_of(scene, m)), None)
    at_last = _the_last_fact(scene, ranked)
    beaten = floor if last is None else max(floor, _score(at_last) + OTHER_FACT_LEAD)
    if lead is not None and lead.score > beaten:
        return lead
    if last is None:
        return None
    meant = at_last or Match(last, floor, last.title.in_lang(scene.reading.lang), (), "context")
    return _detail_beyond_the_overview(scene, ranked, meant)


def _detail_beyond_the_overview(scene: _Scene, ranked: list[Match], meant: Match) -> Match:
    """After a committee's overview, a detail it does not give (一年搞了几趟活动) is asked
    of the one fact of that committee that gives it; `meant` (the last fact) otherwise,
    and when none or several do (which of them would be a guess)."""
    matcher, reading = scene.matcher, scene.reading
    if not meant.fact.overview or not asks_a_detail(matcher, reading):
        return meant
    if gives_what_is_asked(matcher, meant.fact, reading.question, reading.lang):
        return meant
    fact = _the_one_fact_giving(scene, meant.fact.committee_id)
    if fact is None:
        return meant
    ranked_match = next((m for m in ranked if m.fact.id == fact.id), None)
    title = fact.title.in_lang(reading.lang)
    return ranked_match or Match(fact, meant.score, title, (), "context")


def _the_one_fact_giving(scene: _Scene, committee_id: str | None) -> Fact | None:
    """The committee's only fact (not its overview) that gives the detail asked."""
    committee = scene.kb.committee(committee_id) if committee_id else None
    matcher, question, lang = scene.matcher, scene.reading.question, scene.reading.lang
    giving = [
        fact
        for fact in (committee.facts if committee else ())
        if not fact.overview and gives_what_is_asked(matcher, fact, question, lang)
    ]
    return giving[0] if len(giving) == 1 else None


def _besides_the_last(scene: _Scene, ranked: list[Match]) -> Match | None:
    """除了看书还有啥: the committee's fact the question fits best that is not the last
    one (its overview when nothing else fits)."""
    last_id = scene.last.id if scene.last else None
    return next(
        (m for m in ranked if m.committee_id == scene.committee and m.fact.id != last_id), None
    )


def _the_last_fact(scene: _Scene, ranked: list[Match]) -> Match | None:
    last = scene.last
    return next((m for m in ranked if m.fact.id == last.id), None) if last else None


def _score(match: Match | None) -> float:
    return match.score if match else 0.0


def _another_fact_of(scene: _Scene, match: Match) -> bool:
    """A fact of the last committee that a follow-up may mean (not its overview)."""
    fact = match.fact
    return fact.committee_id == scene.committee and match.kind != "name" and not fact.overview


READINGS: tuple[Callable[[_Scene], MatchResult | None], ...] = (
    _other_committees,
    _committee_named,
    _after_the_street,
    _of_its_own,
    _from_the_last_committee,
)
"""The readings tried in turn before a follow-up (None: this one does not apply)."""
