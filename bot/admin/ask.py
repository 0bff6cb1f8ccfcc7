"""`python -m bot ask`: what the bot would answer, and why, for admins and scripts."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from typing import Any

from bot.config import Config
from bot.context import NO_CONTEXT, Context
from bot.dialogue import texts
from bot.dialogue.choice import choose
from bot.dialogue.context import after_question
from bot.dialogue.conversation import MAX_QUESTION_CHARS
from bot.dialogue.emergency import emergency_reply
from bot.dialogue.handoff import asks_for_person
from bot.dialogue.settings import DEFAULT
from bot.kb import KnowledgeBase, KnowledgeBaseError
from bot.match import Matcher, MatchResult, detect_language, explain
from bot.match.cache import load_index


def result_record(result: MatchResult, kb: KnowledgeBase) -> dict[str, Any]:
    """The JSON shape of one answer (documented in the README)."""
    chosen = _chosen(result, kb)
    return {
        "question": result.question,
        "answered": result.answered,
        "outcome": result.outcome,
        "committee": chosen["committee"],
        "fact_id": chosen["fact_id"],
        "answer": _answer(result, kb),
        "lang": result.lang,
        "score": result.best.score if result.best else 0.0,
        "matched_phrasing": chosen["matched_phrasing"],
        "shared_terms": chosen["shared_terms"],
        "confidence": result.confidence,
        "evidence": {name: round(value, 3) for name, value in result.evidence.items()},
        "context": _context_record(result),
        "related": [
            {"committee": _short_name(kb, m.fact.committee_id), "fact_id": m.fact.id}
            for m in result.related
        ],
        "alternatives": [
            {
                "committee": _short_name(kb, match.fact.committee_id),
                "fact_id": match.fact.id,
                "score": match.score,
            }
            for match in result.candidates[1:4]
        ],
    }


def _context_record(result: MatchResult) -> dict[str, Any] | None:
    """How the conversation so far shaped the reading (None: there was no context)."""
    use = result.context
    if use is None:
        return None
    return {"used": use.how != "fresh", "how": use.how, "why": use.why, "fact_id": use.fact_id}


def _chosen(result: MatchResult, kb: KnowledgeBase) -> dict[str, Any]:
    """The fact the bot answers or offers first (none when it declines), and why."""
    best = result.best if result.outcome != "declined" else None
    if best is None:
        return {"committee": None, "fact_id": None, "matched_phrasing": None, "shared_terms": []}
    return {
        "committee": _short_name(kb, best.fact.committee_id),
        "fact_id": best.fact.id,
        "matched_phrasing": best.phrasing,
        "shared_terms": list(best.shared_terms),
    }


def _answer(result: MatchResult, kb: KnowledgeBase) -> str | None:
    """What the bot would say: the answer, nothing yet (it asks back), or the fallback."""
    best = result.best
    if best and result.outcome == "answered":
        answer = best.fact.answer.in_lang(result.lang)
        return f"{result.detail_span}\n\n{answer}" if result.detail_span else answer
    if result.outcome == "clarify":
        return None
    return kb.fallback.in_lang(result.lang)


def _short_name(kb: KnowledgeBase, committee_id: str | None) -> str | None:
    committee = kb.committee(committee_id)
    return committee.short_name if committee else None


def run_ask(config: Config, question: str | None, *, as_json: bool, dialogue: bool = False) -> int:
    try:
        index = load_index(config.knowledge_dir)  # the on-disk cache when it fits
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    kb = index.kb
    matcher = Matcher(kb, config.matcher, index=index)
    if dialogue:
        return _ask_dialogue(matcher, sys.stdin, as_json=as_json)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in questions:
        if len(text) > MAX_QUESTION_CHARS:  # the bot refuses these unmatched: so does ask
            print(too_long(text, as_json=as_json), flush=True)
            continue
        if not _first_step(kb, text, as_json=as_json):
            _print_result(matcher.match(text), kb, as_json=as_json)
    return 0


def _first_step(kb: KnowledgeBase, text: str, *, as_json: bool) -> bool:
    """An emergency or a request for a person is answered before any matching, as the
    bot does: printed, and True."""
    first = first_step_record(kb, text)
    if first is None:
        return False
    print(json.dumps(first, ensure_ascii=False) if as_json else first["answer"], flush=True)
    return True


def _print_result(result: MatchResult, kb: KnowledgeBase, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result_record(result, kb), ensure_ascii=False), flush=True)
    else:
        print(describe(result, kb), flush=True)


def _ask_dialogue(matcher: Matcher, lines: Iterable[str], *, as_json: bool) -> int:
    """JSON lines {"user": ID, "text": QUESTION}: one conversation per user, kept as the
    chat keeps it (bot.dialogue.context), each answer printed as it comes."""
    contexts: dict[str, Context] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            user, text = str(message["user"]), str(message["text"])
        except (ValueError, KeyError, TypeError):
            print(f'line {number}: expected {{"user": ID, "text": QUESTION}}', file=sys.stderr)
            return 1
        if len(text) > MAX_QUESTION_CHARS:
            print(too_long(text, as_json=as_json), flush=True)
            continue
        if _first_step(matcher.kb, text, as_json=as_json):
            continue  # answered before matching; the conversation's topic stays
        context = contexts.get(user, NO_CONTEXT)
        result = matcher.match(text, context=context)
        choice = choose(result, None, DEFAULT)
        contexts[user] = after_question(context, result, choice, result.lang, time.time())
        _print_result(result, matcher.kb, as_json=as_json)
    return 0


def first_step_record(kb: KnowledgeBase, text: str) -> dict[str, Any] | None:
    """What ask says of a message the bot answers before matching: an emergency (the reply
    residents see, numbers and all) or a request for a person (no hand-off is opened)."""
    lang = detect_language(text)
    reply = emergency_reply(kb, text, lang)
    if reply is not None:
        return {"question": text, "answered": True, "outcome": "emergency",
                "answer": reply.text, "lang": lang}  # fmt: skip
    if asks_for_person(kb.handoff_words, text):
        return {"question": text, "answered": True, "outcome": "handoff",
                "answer": texts.HANDOFF_ASK_SAYS.in_lang(lang), "lang": lang}  # fmt: skip
    return None


def too_long(text: str, *, as_json: bool) -> str:
    """What ask says of a question longer than the bot answers, without matching it."""
    shown = text[:40] + "…"
    if as_json:
        record = {"question": shown, "answered": False, "outcome": "too_long", "length": len(text)}
        return json.dumps(record, ensure_ascii=False)
    return (
        f"Q: {shown}\n\n→ too long ({len(text)} characters): the bot asks for a question "
        f"of at most {MAX_QUESTION_CHARS} characters and matches nothing\n"
    )


def describe(result: MatchResult, kb: KnowledgeBase) -> str:
    """A readable account of one match, for an admin at a terminal."""
    lines = [
        f"Q: {result.question}",
        f"   normalised: {result.normalized}   language: {result.lang}",
    ]
    if result.named_committee:
        lines.append(f"   names the committee: {result.named_committee}")
    if result.context is not None:
        use = result.context
        used = "used" if use.how != "fresh" else "not used"
        lines.append(f"   context {used} ({use.how}, last fact {use.fact_id or '-'}): {use.why}")
    lines += ["", _verdict(result, kb), ""]
    if result.related:
        lines.append(f"   offered as related: {result.related[0].fact.id} (a detail it lacks)")
    lines += _why(result)
    lines.append("top candidates:")
    lines += [f"  {explain(match)}" for match in result.candidates[:3]] or ["  (none)"]
    return "\n".join(lines) + "\n"


def _verdict(result: MatchResult, kb: KnowledgeBase) -> str:
    best = result.best
    if result.outcome == "answered" and best:
        return best.fact.answer.in_lang(result.lang)
    if result.outcome == "clarify":
        return "→ would ask “did you mean…” with the candidates below"
    return f"→ declined; fallback: {kb.fallback.in_lang(result.lang)}"


def _why(result: MatchResult) -> list[str]:
    """The decision's confidence and evidence, and what the best candidate matched."""
    lines = [f"outcome: {result.outcome}   confidence: {result.confidence:.2f}"]
    if result.evidence:
        evidence = ", ".join(f"{name} {value:.2f}" for name, value in result.evidence.items())
        lines.append(f"evidence: {evidence}")
    best = result.best
    if best:
        lines.append(f"score: {best.score:.1f}   matched phrasing: “{best.phrasing}”")
        lines.append(f"shared terms: {', '.join(best.shared_terms) or '-'}")
    return lines
