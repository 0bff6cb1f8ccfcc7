"""One conversation turn: a resident's message or button press in, a `Reply` out.

Transport-free: the console chat and the Telegram layer both call
`Dialogue.handle()`, so the same question gets the same answer in both.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.dialogue import payloads, texts
from bot.dialogue.committees import find_committee
from bot.dialogue.types import (
    Button,
    ButtonPress,
    Incoming,
    NonText,
    Reply,
    TextMessage,
    User,
)
from bot.kb.model import LANGS, Committee, Fact, KnowledgeBase, Lang, Tag, Text
from bot.match import LiveKnowledge, Match, MatchResult, Outcome, detect_language, normalize
from bot.match.live import Snapshot
from bot.store import Preferences, Store

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4096  # Telegram's message limit
MAX_QUESTION_CHARS = 500
MAX_OPTIONS = 3
SIMILAR_WINDOW = 15.0
"""Facts of other committees within this many points of the best (and above the clarify
threshold) count as "similar services": wider than the clarify margin, because an answered
question by definition has no runner-up within that margin."""
_REMEMBERED_USERS = 10_000

# Whole messages (normalised, spaces removed) that are small talk, not questions.
GREETINGS = frozenset(
    {
        "你好",
        "您好",
        "你好啊",
        "您好啊",
        "嗨",
        "哈喽",
        "哈啰",
        "早",
        "早上好",
        "上午好",
        "中午好",
        "下午好",
        "晚上好",
        "在吗",
        "在不在",
        "hi",
        "hello",
        "hey",
        "hiya",
        "helo",
        "hallo",
        "nihao",
        "goodmorning",
        "goodafternoon",
        "goodevening",
    }
)
THANKS = frozenset(
    {
        "谢谢",
        "谢谢你",
        "谢谢您",
        "谢啦",
        "多谢",
        "多谢了",
        "感谢",
        "非常感谢",
        "太感谢了",
        "谢谢了",
        "好的谢谢",
        "好的谢谢你",
        "thanks",
        "thank",
        "thankyou",
        "thanksalot",
        "thx",
        "ty",
        "thankyouverymuch",
        "xiexie",
    }
)


@dataclass(frozen=True)
class _Turn:
    """What one turn works with: a single snapshot of the knowledge, read once."""

    snapshot: Snapshot
    user: User
    prefs: Preferences

    @property
    def kb(self) -> KnowledgeBase:
        return self.snapshot.kb


class Dialogue:
    """Turns residents' messages into replies; safe to call from several threads."""

    def __init__(
        self, knowledge: LiveKnowledge, store: Store, *, default_language: Lang = "zh"
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.default_language = default_language
        # The language of each user's last question, so buttons and commands answer in it.
        self._last_lang: OrderedDict[str, Lang] = OrderedDict()
        self._lang_lock = threading.Lock()

    # --- entry point --------------------------------------------------------

    def handle(self, user: User, incoming: Incoming) -> Reply:
        """Answer one message or button press; never raises."""
        turn = _Turn(self.knowledge.current, user, self.store.preferences(user.id))
        try:
            reply = self._dispatch(turn, incoming)
        except Exception:
            logger.exception("turn failed for %s", type(incoming).__name__)
            lang = self._lang(turn)
            reply = Reply(texts.ERROR.in_lang(lang), lang=lang)
        return _fit(reply)

    def _dispatch(self, turn: _Turn, incoming: Incoming) -> Reply:
        if isinstance(incoming, TextMessage):
            return self._text(turn, incoming.text)
        if isinstance(incoming, ButtonPress):
            return self._button(turn, incoming.payload)
        if isinstance(incoming, NonText):
            lang = self._lang(turn)
            return Reply(texts.NON_TEXT.in_lang(lang), lang=lang)
        raise TypeError(f"unexpected incoming {incoming!r}")

    # --- language -----------------------------------------------------------

    def _lang(self, turn: _Turn, question_lang: Lang | None = None) -> Lang:
        """A stored /lang choice, else the question's language, else the last one seen."""
        if turn.prefs.language:
            return turn.prefs.language
        user_id = turn.user.id
        with self._lang_lock:
            if question_lang:
                self._last_lang[user_id] = question_lang
                self._last_lang.move_to_end(user_id)
                while len(self._last_lang) > _REMEMBERED_USERS:
                    self._last_lang.popitem(last=False)
                return question_lang
            if user_id in self._last_lang:
                return self._last_lang[user_id]
        hint = (turn.user.language_code or "").lower()
        if hint.startswith("en"):
            return "en"
        if hint.startswith("zh"):
            return "zh"
        return self.default_language

    # --- text ---------------------------------------------------------------

    def _text(self, turn: _Turn, raw: str) -> Reply:
        text = clean_text(raw)
        if text.startswith("/"):
            return self._command(turn, text)
        if len(text) > MAX_QUESTION_CHARS:
            lang = self._lang(turn, detect_language(text[:MAX_QUESTION_CHARS]))
            return Reply(texts.TOO_LONG.in_lang(lang), lang=lang)
        if not any(ch.isalnum() for ch in text):
            lang = self._lang(turn)
            return Reply(texts.EMPTY.in_lang(lang), lang=lang)
        small_talk = _small_talk(text)
        if small_talk:
            lang = self._lang(turn, detect_language(text))
            return Reply(small_talk.in_lang(lang), lang=lang)
        return self._question(turn, text)

    def _question(self, turn: _Turn, text: str) -> Reply:
        result = turn.snapshot.matcher.match(text)
        lang = self._lang(turn, result.lang)
        candidates = list(result.candidates)
        home = self._home_choice(turn, result, candidates)
        if home is not None:
            chosen, others = home
            log_id = self._log(turn, result, "answered", chosen)
            return self._answer(turn, chosen.fact, others, lang, log_id, home_first=True)
        if result.outcome == "answered" and candidates:
            best = candidates[0]
            log_id = self._log(turn, result, "answered", best)
            others = self._similar(candidates, best)
            return self._answer(turn, best.fact, others, lang, log_id, home_first=False)
        if result.outcome == "clarify" and candidates:
            log_id = self._log(turn, result, "clarify", candidates[0])
            return self._did_you_mean(turn, candidates[:MAX_OPTIONS], lang, log_id)
        self._log(turn, result, "declined", candidates[0] if candidates else None)
        return self._declined(turn, lang)

    def _log(
        self, turn: _Turn, result: MatchResult, outcome: Outcome, match: Match | None
    ) -> int | None:
        return self.store.log_question(
            turn.user.id,
            question=result.question,
            normalized=result.normalized,
            outcome=outcome,
            fact_id=match.fact.id if match else None,
            score=match.score if match else None,
            lang=result.lang,
        )

    def _alike(self, reference: Match, other: Match) -> bool:
        """`other` offers something like `reference`: close in score and matching every term
        the reference matched (when the matcher reports terms)."""
        if other.score < self.knowledge.settings.clarify_threshold:
            return False
        if abs(reference.score - other.score) > SIMILAR_WINDOW:
            return False
        return set(reference.shared_terms) <= set(other.shared_terms)

    def _similar(self, candidates: Sequence[Match], chosen: Match) -> list[Match]:
        """The best fact of each other committee that offers something like `chosen`."""
        alike = [m for m in candidates if self._alike(chosen, m)]
        return _one_per_committee(alike, exclude=chosen.committee_id)

    def _home_choice(
        self, turn: _Turn, result: MatchResult, candidates: Sequence[Match]
    ) -> tuple[Match, list[Match]] | None:
        """The home committee's fact and the other committees' similar ones, when the
        candidates offer the same kind of service in several committees, home among them."""
        home = turn.prefs.home_committee
        if not home or not candidates or result.outcome == "declined":
            return None
        if result.named_committee and result.named_committee != home:
            return None  # the resident asked about another committee by name
        if result.outcome == "clarify":
            # the matcher already judged the options too close to choose between
            options = candidates[:MAX_OPTIONS]
            chosen = next((m for m in options if m.committee_id == home), None)
            if chosen is None or len({m.committee_id for m in options}) < 2:
                return None
        else:
            best = candidates[0]
            chosen = next(
                (m for m in candidates if m.committee_id == home and self._alike(best, m)), None
            )
            if chosen is None:
                return None
        if result.outcome == "clarify":
            others = _one_per_committee(candidates[:MAX_OPTIONS], exclude=home)
        else:
            others = self._similar(candidates, chosen)
        return (chosen, others) if others else None

    # --- replies to questions -----------------------------------------------

    def _answer(
        self,
        turn: _Turn,
        fact: Fact,
        others: Sequence[Match],
        lang: Lang,
        log_id: int | None,
        *,
        home_first: bool,
    ) -> Reply:
        parts = []
        committee = turn.kb.committee_of(fact)
        if home_first and committee:
            name = committee.english_name if lang == "en" else committee.name
            parts.append(texts.YOUR_COMMITTEE.in_lang(lang).format(name=name))
        parts.append(fact_text(turn.kb, fact, lang))
        rows: list[tuple[Button, ...]] = []
        other_committees = [c for m in others if (c := turn.kb.committee_of(m.fact))]
        if other_committees:
            names = ("、" if lang == "zh" else ", ").join(_name(c, lang) for c in other_committees)
            parts.append(texts.OTHER_COMMITTEES.in_lang(lang).format(names=names))
            rows.extend(
                _rows(
                    [
                        _fact_button(
                            m.fact,
                            lang,
                            label=f"{_name(c, lang)}{_colon(lang)}{m.fact.title.in_lang(lang)}",
                        )
                        for m, c in zip(others, other_committees, strict=False)
                    ],
                    per_row=1,
                )
            )
        if log_id is not None:
            rows.append(_feedback_row(log_id, lang))
        return Reply(
            "\n\n".join(parts),
            buttons=tuple(row for row in rows if row),
            lang=lang,
            asks_feedback=log_id is not None,
        )

    def _did_you_mean(
        self, turn: _Turn, options: Sequence[Match], lang: Lang, log_id: int | None
    ) -> Reply:
        buttons = []
        for match in options:
            label = _fact_label(turn.kb, match.fact, lang)
            payload = payloads.encode("p", log_id, match.fact.id) if log_id is not None else ""
            if not payload or not payloads.fits(payload):
                payload = _fact_payload(turn.kb, match.fact)
            buttons.append(Button(label, payload))
        none_payload = payloads.encode("n", log_id) if log_id is not None else "n:0"
        buttons.append(Button(texts.NONE_OF_THESE.in_lang(lang), none_payload))
        return Reply(texts.DID_YOU_MEAN.in_lang(lang), buttons=_rows(buttons, per_row=1), lang=lang)

    def _declined(self, turn: _Turn, lang: Lang) -> Reply:
        text = texts.DECLINED.in_lang(lang).format(fallback=turn.kb.fallback.in_lang(lang))
        return Reply(text, buttons=_topic_rows(turn.kb, lang), lang=lang)

    # --- commands -----------------------------------------------------------

    def _command(self, turn: _Turn, text: str) -> Reply:
        head, _, arg = text.partition(" ")
        name = head[1:].split("@", 1)[0].casefold()  # "/start@HuaihaiBot" in groups
        arg = arg.strip()
        lang = self._lang(turn, detect_language(arg) if arg and name == "committee" else None)
        if name == "start":
            return Reply(texts.WELCOME.in_lang(lang), buttons=_topic_rows(turn.kb, lang), lang=lang)
        if name == "help":
            return Reply(texts.HELP.in_lang(lang), lang=lang)
        if name == "committees":
            return self._committee_list(turn, lang)
        if name == "committee":
            if not arg:
                return self._committee_list(turn, lang)
            committee = find_committee(turn.kb, arg)
            if committee is None:
                return Reply(
                    texts.COMMITTEE_NOT_FOUND.in_lang(lang).format(name=arg[:50]),
                    buttons=_committee_rows(turn.kb, lang, "c"),
                    lang=lang,
                )
            return self._committee(turn, committee, lang)
        if name == "mycommittee":
            return self._my_committee(turn, lang)
        if name == "lang":
            return self._set_lang(turn, arg.casefold(), lang)
        return Reply(texts.UNKNOWN_COMMAND.in_lang(lang), lang=lang)

    def _committee_list(self, turn: _Turn, lang: Lang, *, replace_previous: bool = False) -> Reply:
        return Reply(
            texts.COMMITTEE_LIST.in_lang(lang),
            buttons=_committee_rows(turn.kb, lang, "c"),
            lang=lang,
            replace_previous=replace_previous,
        )

    def _committee(self, turn: _Turn, committee: Committee, lang: Lang) -> Reply:
        overview = committee.overview
        facts = [fact for fact in committee.facts if not fact.overview]
        parts = [fact_text(turn.kb, overview, lang) if overview else _name(committee, lang)]
        if facts:
            parts.append(texts.COMMITTEE_FACTS.in_lang(lang).format(name=_name(committee, lang)))
        elif not overview:
            parts.append(texts.COMMITTEE_NO_FACTS.in_lang(lang).format(name=_name(committee, lang)))
        buttons = [_fact_button(fact, lang, kb=turn.kb) for fact in facts]
        back = Button(texts.BACK_TO_COMMITTEES.in_lang(lang), "cs")
        return Reply("\n\n".join(parts), buttons=(*_rows(buttons, per_row=1), (back,)), lang=lang)

    def _my_committee(self, turn: _Turn, lang: Lang) -> Reply:
        text = texts.MY_COMMITTEE_ASK.in_lang(lang)
        current = turn.kb.committee(turn.prefs.home_committee)
        if current:
            text += "\n" + texts.MY_COMMITTEE_CURRENT.in_lang(lang).format(
                name=_name(current, lang)
            )
        return Reply(text, buttons=_committee_rows(turn.kb, lang, "home"), lang=lang)

    def _set_lang(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        choice = {"zh": "zh", "cn": "zh", "中文": "zh", "en": "en", "english": "en", "英文": "en"}
        if arg in ("auto", "自动"):
            saved = self.store.set_language(turn.user.id, None)
            return Reply((texts.LANG_AUTO if saved else texts.SAVE_FAILED).in_lang(lang), lang=lang)
        new = choice.get(arg)
        if new not in LANGS:
            buttons = (
                Button("中文", "lang:zh"),
                Button("English", "lang:en"),
                Button("自动 / Auto", "lang:auto"),
            )
            return Reply(texts.LANG_ASK.in_lang(lang), buttons=(buttons,), lang=lang)
        new_lang: Lang = "en" if new == "en" else "zh"
        if not self.store.set_language(turn.user.id, new_lang):
            return Reply(texts.SAVE_FAILED.in_lang(lang), lang=lang)
        return Reply(texts.LANG_SET.in_lang(new_lang), lang=new_lang)

    # --- buttons ------------------------------------------------------------

    def _button(self, turn: _Turn, raw: str) -> Reply:
        lang = self._lang(turn)
        payload = payloads.decode(raw)
        if payload is None:
            return self._changed(lang)
        kind, args = payload.kind, payload.args
        kb = turn.kb
        if kind == "m":
            return Reply(
                texts.TOPIC_MENU.in_lang(lang),
                buttons=_topic_rows(kb, lang),
                lang=lang,
                replace_previous=True,
            )
        if kind == "cs":
            return self._committee_list(turn, lang, replace_previous=True)
        if kind == "t":
            return self._topic(turn, args[0], lang)
        if kind == "f":
            fact = _fact_from_payload(kb, args[0])
            if fact is None:
                return self._changed(lang)
            return Reply(fact_text(kb, fact, lang), buttons=_back_rows(kb, fact, lang), lang=lang)
        if kind == "c":
            committee = kb.committee(args[0])
            return self._committee(turn, committee, lang) if committee else self._changed(lang)
        if kind == "home":
            return self._save_home(turn, args[0], lang)
        if kind == "lang":
            return self._set_lang(turn, args[0], lang)
        if kind == "p":
            return self._picked(turn, args[0], args[1], lang)
        if kind == "n":
            return self._none_fits(turn, args[0], lang)
        if kind == "fb":
            return self._feedback(turn, args[0], args[1], lang)
        return self._changed(lang)

    def _changed(self, lang: Lang) -> Reply:
        return Reply(texts.CHANGED.in_lang(lang), lang=lang)

    def _topic(self, turn: _Turn, tag_ref: str, lang: Lang) -> Reply:
        tag = _tag_from_payload(turn.kb, tag_ref)
        tagged = turn.kb.facts_tagged(tag.name) if tag else ()
        # a topic lists services; committee overviews are reached through /committees
        facts = [fact for fact in tagged if not fact.overview] or list(tagged)
        if tag is None or not facts:
            return self._changed(lang)
        buttons = [_fact_button(fact, lang, kb=turn.kb) for fact in facts]
        back = Button(texts.BACK_TO_TOPICS.in_lang(lang), "m")
        return Reply(
            texts.TOPIC_FACTS.in_lang(lang).format(topic=tag.label(lang)),
            buttons=(*_rows(buttons, per_row=1), (back,)),
            lang=lang,
            replace_previous=True,
        )

    def _save_home(self, turn: _Turn, committee_id: str, lang: Lang) -> Reply:
        committee = turn.kb.committee(committee_id)
        if committee is None:
            return self._changed(lang)
        if not self.store.set_home_committee(turn.user.id, committee.id):
            return Reply(texts.SAVE_FAILED.in_lang(lang), lang=lang)
        return Reply(
            texts.MY_COMMITTEE_SAVED.in_lang(lang).format(name=_name(committee, lang)),
            lang=lang,
            replace_previous=True,
        )

    def _picked(self, turn: _Turn, log_ref: str, fact_id: str, lang: Lang) -> Reply:
        fact = turn.kb.fact(fact_id)
        if fact is None:
            return self._changed(lang)
        log_id = _int(log_ref)
        recorded = log_id is not None and self.store.record_choice(log_id, turn.user.id, fact.id)
        rows = _back_rows(turn.kb, fact, lang) if not recorded else ()
        if recorded and log_id is not None:
            rows = (_feedback_row(log_id, lang),)
        return Reply(
            fact_text(turn.kb, fact, lang), buttons=rows, lang=lang, asks_feedback=recorded
        )

    def _none_fits(self, turn: _Turn, log_ref: str, lang: Lang) -> Reply:
        log_id = _int(log_ref)
        if log_id:
            self.store.record_rejection(log_id, turn.user.id)
        text = texts.NONE_REPLY.in_lang(lang).format(fallback=turn.kb.fallback.in_lang(lang))
        return Reply(text, buttons=_topic_rows(turn.kb, lang), lang=lang)

    def _feedback(self, turn: _Turn, sign: str, log_ref: str, lang: Lang) -> Reply:
        log_id = _int(log_ref)
        if sign not in "+-" or log_id is None:
            return self._changed(lang)
        helpful = sign == "+"
        self.store.record_feedback(log_id, turn.user.id, helpful)
        if helpful:
            return Reply(texts.THANKS_HELPFUL.in_lang(lang), lang=lang)
        fallback = turn.kb.fallback.in_lang(lang)
        return Reply(texts.THANKS_NOT_HELPFUL.in_lang(lang).format(fallback=fallback), lang=lang)


# --- helpers ------------------------------------------------------------------


def clean_text(raw: str) -> str:
    """Control and format characters become spaces; whitespace is collapsed."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw)
    return " ".join(text.split())


def _one_per_committee(matches: Iterable[Match], *, exclude: str | None) -> list[Match]:
    """The first match of each committee other than `exclude` (street facts left out)."""
    seen = {exclude}
    kept = []
    for match in matches:
        if match.committee_id is not None and match.committee_id not in seen:
            seen.add(match.committee_id)
            kept.append(match)
    return kept


def _small_talk(text: str) -> Text | None:
    key = normalize(text, drop_filler=False).replace(" ", "")
    if key in GREETINGS:
        return texts.GREETING
    if key in THANKS:
        return texts.THANKS
    return None


def _name(committee: Committee, lang: Lang) -> str:
    return committee.display_name(lang)


def fact_text(kb: KnowledgeBase, fact: Fact, lang: Lang) -> str:
    """A fact as residents read it: title, committee, answer, filled contacts, source."""
    committee = kb.committee_of(fact)
    where = _name(committee, lang) if committee else _street_name(kb, lang)
    lines = [fact.title.in_lang(lang), where, "", fact.answer.in_lang(lang)]
    contact = committee.contact.filled() if committee else []
    if contact:
        lines.append("")
        lines += [
            f"{texts.CONTACT_LABELS[field].in_lang(lang)}{_colon(lang)}{value}"
            for field, value in contact
        ]
    lines += ["", texts.SOURCE.in_lang(lang).format(source=source_title(kb, fact, lang))]
    return "\n".join(lines)


def source_title(kb: KnowledgeBase, fact: Fact, lang: Lang = "zh") -> str:
    """The title of the document a fact comes from, without its subtitle."""
    document = kb.sources.get(fact.source.article)
    if document:
        return document.title.split("——")[0].strip()
    committee = kb.committee_of(fact)
    section = fact.source.section
    if lang == "en" and committee and section == committee.name:
        section = committee.display_name("en")
    return f"{_street_name(kb, lang)} · {section}"


def _colon(lang: Lang) -> str:
    return ": " if lang == "en" else ":"


def _street_name(kb: KnowledgeBase, lang: Lang) -> str:
    return kb.street.english_name if lang == "en" else kb.street.name


def _fact_label(kb: KnowledgeBase, fact: Fact, lang: Lang) -> str:
    committee = kb.committee_of(fact)
    title = fact.title.in_lang(lang)
    if committee and committee.short_name not in title and committee.english_name not in title:
        short = committee.english_name if lang == "en" else committee.short_name
        return f"{title} ({short})" if lang == "en" else f"{title}({short})"
    return title


def _fact_payload(kb: KnowledgeBase, fact: Fact) -> str:
    payload = payloads.encode("f", fact.id)
    if payloads.fits(payload):
        return payload
    # An id too long for Telegram: fall back to its position (may go stale on reload).
    logger.warning("fact id %r too long for a button; using its position", fact.id)
    return payloads.encode("f", f"#{kb.facts.index(fact)}")


def _fact_from_payload(kb: KnowledgeBase, ref: str) -> Fact | None:
    if ref.startswith("#") and ref[1:].isdigit():
        index = int(ref[1:])
        return kb.facts[index] if index < len(kb.facts) else None
    return kb.fact(ref)


def _fact_button(
    fact: Fact, lang: Lang, *, kb: KnowledgeBase | None = None, label: str | None = None
) -> Button:
    if label is None:
        label = _fact_label(kb, fact, lang) if kb else fact.title.in_lang(lang)
    payload = payloads.encode("f", fact.id)
    if not payloads.fits(payload) and kb is not None:
        payload = _fact_payload(kb, fact)
    return Button(label, payload)


def _tag_payload(kb: KnowledgeBase, tag: Tag) -> str:
    payload = payloads.encode("t", tag.name)
    if payloads.fits(payload):
        return payload
    return payloads.encode("t", f"#{kb.tags.index(tag)}")


def _tag_from_payload(kb: KnowledgeBase, ref: str) -> Tag | None:
    if ref.startswith("#") and ref[1:].isdigit():
        index = int(ref[1:])
        return kb.tags[index] if index < len(kb.tags) else None
    return kb.tag(ref)


def _topic_rows(kb: KnowledgeBase, lang: Lang) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(tag.label(lang), _tag_payload(kb, tag)) for tag in kb.menu_tags]
    return _rows(buttons, per_row=2)


def _committee_rows(kb: KnowledgeBase, lang: Lang, kind: str) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(_name(c, lang), payloads.encode(kind, c.id)) for c in kb.committees]
    return _rows([b for b in buttons if payloads.fits(b.payload)], per_row=2)


def _back_rows(kb: KnowledgeBase, fact: Fact, lang: Lang) -> tuple[tuple[Button, ...], ...]:
    committee = kb.committee_of(fact)
    buttons = [Button(texts.BACK_TO_TOPICS.in_lang(lang), "m")]
    if committee:
        buttons.append(Button(f"« {_name(committee, lang)}", payloads.encode("c", committee.id)))
    return (tuple(buttons),)


def _feedback_row(log_id: int, lang: Lang) -> tuple[Button, ...]:
    return (
        Button(texts.HELPFUL.in_lang(lang), payloads.encode("fb", "+", log_id)),
        Button(texts.NOT_HELPFUL.in_lang(lang), payloads.encode("fb", "-", log_id)),
    )


def _rows(buttons: Iterable[Button], *, per_row: int) -> tuple[tuple[Button, ...], ...]:
    items = list(buttons)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _fit(reply: Reply) -> Reply:
    if len(reply.text) <= MAX_REPLY_CHARS:
        return reply
    return replace(reply, text=reply.text[: MAX_REPLY_CHARS - 1] + "…")
