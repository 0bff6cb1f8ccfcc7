"""`python -m bot check`: validate the knowledge base and lint it."""

from __future__ import annotations

from collections import defaultdict

from bot.admin import texts
from bot.config import Config
from bot.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge
from bot.match import Matcher, normalize
from bot.text import Lang, Text


def run_check(config: Config, *, quiet: bool = False, lang: Lang = "zh") -> int:
    try:
        kb = load_knowledge(config.knowledge_dir)
    except KnowledgeBaseError as exc:
        folder = config.knowledge_dir
        print(texts.CHECK_PROBLEMS.fill(count=len(exc.problems), folder=folder).in_lang(lang))
        for problem in exc.problems:
            print(f"  {problem.in_lang(lang)}")
        return 1
    if not quiet:
        print_summary(kb, lang)
    warnings = lint(kb, Matcher(kb, config.matcher))
    for warning in warnings:
        print(texts.CHECK_WARNING.fill(warning=warning).in_lang(lang))
    if not quiet:
        print(texts.CHECK_VALID.fill(count=len(warnings)).in_lang(lang))
    return 0


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
        row = texts.CHECK_COMMITTEE_ROW.fill(
            label=label, facts=len(committee.facts), phrasings=count
        )
        print(row.in_lang(lang))


def lint(kb: KnowledgeBase, matcher: Matcher) -> list[Text]:
    """Warnings an admin should look at, none of which stops the bot."""
    return [
        *_merged_aliases(kb),
        *_merged_phrasings(kb),
        *_shared_phrasings(kb),
        *_phrasings_matching_elsewhere(kb, matcher),
    ]


def _merged_aliases(kb: KnowledgeBase) -> list[Text]:
    """`[孝和居委会,孝和居民区]` typed with a Chinese comma is one name, not two."""
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
    owners: dict[str, set[str]] = defaultdict(set)
    for fact in kb.facts:
        for phrasing in fact.phrasings:
            owners[normalize(phrasing)].add(fact.id)
    return [
        texts.SHARED_PHRASING.fill(phrasing=phrasing, facts=", ".join(sorted(fact_ids)))
        for phrasing, fact_ids in sorted(owners.items())
        if len(fact_ids) > 1
    ]


def _phrasings_matching_elsewhere(kb: KnowledgeBase, matcher: Matcher) -> list[Text]:
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
                    texts.MATCHES_ELSEWHERE.fill(
                        fact=fact.id, phrasing=phrasing, other=best.fact.id, score=best.score
                    )
                )
    return warnings
