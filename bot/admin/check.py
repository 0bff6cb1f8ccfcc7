"""`python -m bot check`: validate the knowledge base and lint it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.admin import texts
from bot.admin.streets import chosen_street
from bot.config import Config
from bot.kb import Fact, KnowledgeBase, KnowledgeBaseError
from bot.match import Match, Matcher, normalize
from bot.match.cache import load_index
from bot.text import Lang, Text

LINT_LIMIT = 20_000
"""The most distinct phrasings the cross-committee lint asks the matcher about (a minute
or two); a larger base gets an even sample of them, and check says so."""


def run_check(
    config: Config,
    *,
    quiet: bool = False,
    fast: bool = False,
    lang: Lang = "zh",
    street: str | None = None,
) -> int:
    """Validate the whole base (the bot loads every street), then summarise and lint it,
    or only `street` of a base of several."""
    try:
        index = load_index(config.knowledge_dir)  # validates, unless cached (see load_index)
    except KnowledgeBaseError as exc:
        folder = config.knowledge_dir
        print(texts.CHECK_PROBLEMS.fill(count=len(exc.problems), folder=folder).in_lang(lang))
        for problem in exc.problems:
            print(f"  {problem.in_lang(lang)}")
        return 1
    usable, street = chosen_street(index.kb, street, lang)
    if not usable:
        return 2
    kb = index.kb.in_street(street) if street else index.kb
    if not quiet:
        print_summary(kb, lang)
    warnings = quick_lint(kb)
    if not fast:
        matcher = Matcher(index.kb, config.matcher, index=index)
        warnings += _cross_committee(matcher, lang, street)
    for warning in warnings:
        print(texts.CHECK_WARNING.fill(warning=warning).in_lang(lang))
    if not quiet:
        print(texts.CHECK_VALID.fill(count=len(warnings)).in_lang(lang))
    return 0


def _cross_committee(matcher: Matcher, lang: Lang, street: str | None = None) -> list[Text]:
    """The lint that asks the matcher every phrasing (the slow part of a check)."""
    lint = phrasings_matching_elsewhere(matcher, street=street)
    if lint.asked < lint.distinct:
        print(texts.LINT_SAMPLED.fill(asked=lint.asked, distinct=lint.distinct).in_lang(lang))
    return lint.warnings


def print_summary(kb: KnowledgeBase, lang: Lang = "zh") -> None:
    summary = texts.CHECK_SUMMARY.fill(
        committees=len(kb.committees),
        facts=len(kb.facts),
        phrasings=kb.phrasing_count,
        groups=len(kb.synonym_groups),
    )
    print(summary.in_lang(lang))
    street = texts.CHECK_STREET_ROW.fill(label=texts.CHECK_STREET, facts=len(kb.street_facts))
    print(street.in_lang(lang))
    for committee in kb.committees:
        count = sum(len(fact.phrasings) for fact in committee.facts)
        label = f"{committee.short_name} {committee.english_name}"
        if kb.several_streets:
            label = f"{committee.street}/{label}"
        row = texts.CHECK_COMMITTEE_ROW.fill(
            label=label, facts=len(committee.facts), phrasings=count
        )
        print(row.in_lang(lang))


def lint(kb: KnowledgeBase, matcher: Matcher) -> list[Text]:
    """Warnings an admin should look at, none of which stops the bot."""
    return [*quick_lint(kb), *phrasings_matching_elsewhere(matcher).warnings]


def quick_lint(kb: KnowledgeBase) -> list[Text]:
    """The warnings that need no matcher (what `check --fast` still gives)."""
    return [*_merged_aliases(kb), *_merged_phrasings(kb), *_shared_phrasings(kb)]


def _merged_aliases(kb: KnowledgeBase) -> list[Text]:
    """`[孝和居委会，孝和居民区]` typed with a Chinese comma is one name, not two."""
    return [
        texts.MERGED_ALIAS.fill(committee=committee.id, alias=alias)
        for committee in kb.committees
        for alias in committee.aliases
        if "\uff0c" in alias or "\u3001" in alias  # ， and 、: one name to YAML
    ]


def _merged_phrasings(kb: KnowledgeBase) -> list[Text]:
    """A list item indented one space too far is valid YAML: it silently joins the line
    above as "… - …", and neither phrasing matches any more."""
    return [
        texts.MERGED_PHRASING.fill(fact=fact.id, phrasing=phrasing)
        for fact in kb.facts
        for phrasing in fact.phrasings
        if " - " in phrasing
    ]


def _shared_phrasings(kb: KnowledgeBase) -> list[Text]:
    """A phrasing under several facts of one street (streets of a district share
    phrasings on purpose: the resident's street tells them apart)."""
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for fact in kb.facts:
        for phrasing in fact.phrasings:
            owners[(fact.street or "", normalize(phrasing))].add(fact.id)
    return [
        texts.SHARED_PHRASING.fill(phrasing=phrasing, facts=", ".join(sorted(fact_ids)))
        for (_, phrasing), fact_ids in sorted(owners.items())
        if len(fact_ids) > 1
    ]


@dataclass(frozen=True)
class CrossCommitteeLint:
    warnings: list[Text]
    asked: int
    """Distinct phrasings the matcher was asked about…"""
    distinct: int
    """…of this many."""


def phrasings_matching_elsewhere(
    matcher: Matcher, limit: int = LINT_LIMIT, *, street: str | None = None
) -> CrossCommitteeLint:
    """Phrasings whose best match is another committee's fact: residents asking them that
    way get the wrong committee.

    Linear in the base: each distinct phrasing is asked once (many committees share
    哪里可以买菜), and beyond `limit` distinct ones an even sample is asked. Each is asked
    as a resident of the fact's street would ask it (only `street`'s facts, if given)."""
    owned = _owned_phrasings(matcher.kb.in_street(street) if street else matcher.kb)
    distinct = list(dict.fromkeys(phrasing for _, phrasing in owned))
    step = max(1.0, len(distinct) / limit)
    asked = {distinct[int(n * step)] for n in range(min(limit, len(distinct)))}
    best_of: dict[tuple[str, str | None], Match | None] = {}
    warnings = []
    for fact, phrasing in owned:
        if phrasing in asked:
            key = (phrasing, fact.street)
            if key not in best_of:
                best_of[key] = matcher.match(phrasing, street=fact.street).best
            warning = _elsewhere(fact, phrasing, best_of[key])
            if warning:
                warnings.append(warning)
    return CrossCommitteeLint(warnings, len(asked), len(distinct))


def _owned_phrasings(kb: KnowledgeBase) -> list[tuple[Fact, str]]:
    return [
        (fact, phrasing)
        for fact in kb.facts
        if not fact.overview  # overviews are reached by naming the committee
        for phrasing in fact.phrasings
    ]


def _elsewhere(fact: Fact, phrasing: str, best: Match | None) -> Text | None:
    if best is None or best.fact.committee_id == fact.committee_id:
        return None
    return texts.MATCHES_ELSEWHERE.fill(
        fact=fact.id, phrasing=phrasing, other=best.fact.id, score=best.score
    )
