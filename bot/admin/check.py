"""`python -m bot check`: validate the knowledge base and lint it."""

from __future__ import annotations

from collections import defaultdict

from bot.config import Config
from bot.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge
from bot.match import Matcher, normalize


def run_check(config: Config, *, quiet: bool = False) -> int:
    try:
        kb = load_knowledge(config.knowledge_dir)
    except KnowledgeBaseError as exc:
        print(f"✗ {len(exc.problems)} problem(s) in {config.knowledge_dir}:")
        for problem in exc.problems:
            print(f"  {problem}")
        return 1
    if not quiet:
        print_summary(kb)
    warnings = lint(kb, Matcher(kb, config.matcher))
    for warning in warnings:
        print(f"  warning: {warning}")
    if not quiet:
        print(f"✓ knowledge base is valid ({len(warnings)} warning(s))")
    return 0


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
    return [*_shared_phrasings(kb), *_phrasings_matching_elsewhere(kb, matcher)]


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


def _phrasings_matching_elsewhere(kb: KnowledgeBase, matcher: Matcher) -> list[str]:
    """A phrasing whose best match is another committee's fact: residents asking it that
    way get the wrong committee."""
    warnings = []
    for fact in kb.facts:
        if fact.overview:
            continue  # overviews are reached by naming the committee
        for phrasing in fact.phrasings:
            best = matcher.match(phrasing).best
            if best is not None and best.fact.committee_id != fact.committee_id:
                warnings.append(
                    f"{fact.id}: its phrasing “{phrasing}” matches {best.fact.id} better "
                    f"({best.score:.0f})"
                )
    return warnings
