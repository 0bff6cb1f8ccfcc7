"""`python -m bot check`: validate the knowledge base and lint it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.config import Config
from bot.kb import Fact, KnowledgeBase, KnowledgeBaseError
from bot.match import Match, Matcher, normalize
from bot.match.cache import load_index

LINT_LIMIT = 20_000
"""The most distinct phrasings the cross-committee lint asks the matcher about (a minute
or two); a larger base gets an even sample of them, and check says so."""


def run_check(config: Config, *, quiet: bool = False, fast: bool = False) -> int:
    try:
        index = load_index(config.knowledge_dir)  # validates, unless cached (see load_index)
    except KnowledgeBaseError as exc:
        print(f"✗ {len(exc.problems)} problem(s) in {config.knowledge_dir}:")
        for problem in exc.problems:
            print(f"  {problem}")
        return 1
    kb = index.kb
    if not quiet:
        print_summary(kb)
    warnings = _shared_phrasings(kb)
    if not fast:
        warnings += _cross_committee(Matcher(kb, config.matcher, index=index))
    for warning in warnings:
        print(f"  warning: {warning}")
    if not quiet:
        print(f"✓ knowledge base is valid ({len(warnings)} warning(s))")
    return 0


def _cross_committee(matcher: Matcher) -> list[str]:
    """The lint that asks the matcher every phrasing (the slow part of a check)."""
    lint = phrasings_matching_elsewhere(matcher)
    if lint.asked < lint.distinct:
        print(
            f"  note: the cross-committee lint asked {lint.asked:,} of the "
            f"{lint.distinct:,} distinct phrasings, an even sample"
        )
    return lint.warnings


def print_summary(kb: KnowledgeBase) -> None:
    print(
        f"{len(kb.committees)} committees, {len(kb.facts)} facts, {kb.phrasing_count} phrasings, "
        f"{len(kb.synonym_groups)} synonym groups"
    )
    print(f"  {'街道 street':<16} {len(kb.street_facts):>2} facts")
    for committee in kb.committees:
        count = sum(len(fact.phrasings) for fact in committee.facts)
        label = f"{committee.short_name} {committee.english_name}"
        print(f"  {label:<16} {len(committee.facts):>2} facts, {count:>3} phrasings")


def lint(kb: KnowledgeBase, matcher: Matcher) -> list[str]:
    """Warnings an admin should look at, none of which stops the bot."""
    return [*_shared_phrasings(kb), *phrasings_matching_elsewhere(matcher).warnings]


def _shared_phrasings(kb: KnowledgeBase) -> list[str]:
    owners: dict[str, set[str]] = defaultdict(set)
    for fact in kb.facts:
        for phrasing in fact.phrasings:
            owners[normalize(phrasing)].add(fact.id)
    return [
        f"the phrasing “{phrasing}” is under several facts: {sorted(fact_ids)}"
        for phrasing, fact_ids in sorted(owners.items())
        if len(fact_ids) > 1
    ]


@dataclass(frozen=True)
class CrossCommitteeLint:
    warnings: list[str]
    asked: int
    """Distinct phrasings the matcher was asked about…"""
    distinct: int
    """…of this many."""


def phrasings_matching_elsewhere(matcher: Matcher, limit: int = LINT_LIMIT) -> CrossCommitteeLint:
    """Phrasings whose best match is another committee's fact: residents asking them that
    way get the wrong committee.

    Linear in the base: each distinct phrasing is asked once (many committees share
    哪里可以买菜), and beyond `limit` distinct ones an even sample is asked."""
    owned = [
        (fact, phrasing)
        for fact in matcher.kb.facts
        if not fact.overview  # overviews are reached by naming the committee
        for phrasing in fact.phrasings
    ]
    distinct = list(dict.fromkeys(phrasing for _, phrasing in owned))
    step = max(1.0, len(distinct) / limit)
    asked = {distinct[int(n * step)] for n in range(min(limit, len(distinct)))}
    best_of: dict[str, Match | None] = {}
    warnings = []
    for fact, phrasing in owned:
        if phrasing in asked:
            if phrasing not in best_of:
                best_of[phrasing] = matcher.match(phrasing).best
            warning = _elsewhere(fact, phrasing, best_of[phrasing])
            if warning:
                warnings.append(warning)
    return CrossCommitteeLint(warnings, len(asked), len(distinct))


def _elsewhere(fact: Fact, phrasing: str, best: Match | None) -> str | None:
    if best is None or best.fact.committee_id == fact.committee_id:
        return None
    return f"{fact.id}: its phrasing “{phrasing}” matches {best.fact.id} better ({best.score:.0f})"
