"""How replies look: fact text, button labels and payloads, rows of buttons.

Pure functions of the knowledge base and the language; no store, no state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.dialogue import texts
from bot.dialogue.payloads import Kind, encode, ref
from bot.dialogue.types import Button, Reply
from bot.kb.model import Committee, Fact, KnowledgeBase, Lang, Tag, Text
from bot.match import Match

Rows = tuple[tuple[Button, ...], ...]


# --- text -----------------------------------------------------------------------------


def fact_text(kb: KnowledgeBase, fact: Fact, lang: Lang, *, lead: str | None = None) -> str:
    """A fact as residents read it: title, committee, answer, filled contacts, source.
    `lead`: the clause that gives the detail asked for (890人次), shown first."""
    committee = kb.committee_of(fact)
    where = place(kb, committee, lang) if committee else street_name(kb, lang, fact.street)
    lines = [fact.title.in_lang(lang), where, ""]
    if lead:
        lines += [texts.DETAIL_FIRST.in_lang(lang).format(detail=lead), ""]
    lines.append(fact.answer.in_lang(lang))
    contact = committee.contact.filled() if committee else []
    if contact:
        lines.append("")
        lines += [
            f"{texts.CONTACT_LABELS[field].in_lang(lang)}{colon(lang)}{value}"
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
    return f"{street_name(kb, lang, fact.street)} · {section}"


def name(committee: Committee, lang: Lang) -> str:
    return committee.display_name(lang)


def place(kb: KnowledgeBase, committee: Committee, lang: Lang) -> str:
    """The committee's name, and its street's when the base has several (复兴 is in two)."""
    label = name(committee, lang)
    street = kb.street_by_id(committee.street) if kb.several_streets else None
    return f"{label} · {street.display_name(lang)}" if street else label


def names(kb: KnowledgeBase, committees: Iterable[Committee], lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(place(kb, c, lang) for c in committees)


def colon(lang: Lang) -> str:
    return ": " if lang == "en" else ":"


def street_name(kb: KnowledgeBase, lang: Lang, street_id: str | None = None) -> str:
    """The street's name: `street_id`'s in a base of several, else the base's own."""
    return (kb.street_by_id(street_id) or kb.street).display_name(lang)


def fact_label(kb: KnowledgeBase, fact: Fact, lang: Lang) -> str:
    """A fact's title, with its committee's short name when the title does not say it."""
    committee = kb.committee_of(fact)
    title = fact.title.in_lang(lang)
    if committee and committee.short_name not in title and committee.english_name not in title:
        short = committee.english_name if lang == "en" else committee.short_name
        if kb.several_streets:
            short += f" · {street_name(kb, lang, committee.street)}"
        return f"{title} ({short})" if lang == "en" else f"{title}({short})"
    return title


# --- payloads of knowledge items -------------------------------------------------------


def fact_ref(kb: KnowledgeBase, fact: Fact, kind: Kind = Kind.FACT, *args: object) -> str:
    return ref(kind, *args, name=fact.id, position=kb.facts.index(fact))


def tag_ref(kb: KnowledgeBase, tag: Tag) -> str:
    return ref(Kind.TOPIC, name=tag.name, position=kb.tags.index(tag))


def committee_ref(kb: KnowledgeBase, committee: Committee, kind: Kind) -> str:
    return ref(kind, name=committee.id, position=kb.committees.index(committee))


# --- buttons ------------------------------------------------------------------------------


def rows(buttons: Iterable[Button], *, per_row: int) -> Rows:
    items = list(buttons)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


def fact_button(kb: KnowledgeBase, fact: Fact, lang: Lang, label: str | None = None) -> Button:
    return Button(label or fact_label(kb, fact, lang), fact_ref(kb, fact))


def fact_rows(kb: KnowledgeBase, facts: Iterable[Fact], lang: Lang) -> Rows:
    return rows((fact_button(kb, fact, lang) for fact in facts), per_row=1)


def topic_rows(kb: KnowledgeBase, lang: Lang) -> Rows:
    buttons = [Button(tag.label(lang), tag_ref(kb, tag)) for tag in kb.menu_tags]
    return rows(buttons, per_row=2)


def committee_rows(kb: KnowledgeBase, lang: Lang, kind: Kind) -> Rows:
    buttons = [Button(place(kb, c, lang), committee_ref(kb, c, kind)) for c in kb.committees]
    return rows(buttons, per_row=2)


def back_rows(kb: KnowledgeBase, fact: Fact, lang: Lang) -> Rows:
    committee = kb.committee_of(fact)
    buttons = [Button(texts.BACK_TO_TOPICS.in_lang(lang), encode(Kind.MENU))]
    if committee:
        label = f"« {name(committee, lang)}"
        buttons.append(Button(label, committee_ref(kb, committee, Kind.COMMITTEE)))
    return (tuple(buttons),)


def feedback_row(log_id: int, lang: Lang) -> tuple[Button, ...]:
    return (
        Button(texts.HELPFUL.in_lang(lang), encode(Kind.FEEDBACK, "+", log_id)),
        Button(texts.NOT_HELPFUL.in_lang(lang), encode(Kind.FEEDBACK, "-", log_id)),
    )


# --- replies ------------------------------------------------------------------------------


def answer(
    kb: KnowledgeBase,
    fact: Fact,
    others: Sequence[Match],
    lang: Lang,
    log_id: int | None,
    *,
    home_first: bool,
    lead: str | None = None,
) -> Reply:
    """An answered question: the fact (led by the detail asked for), other committees'
    similar services, 👍/👎."""
    parts = []
    committee = kb.committee_of(fact)
    if home_first and committee:
        home_name = committee.english_name if lang == "en" else committee.name
        parts.append(texts.YOUR_COMMITTEE.in_lang(lang).format(name=home_name))
    parts.append(fact_text(kb, fact, lang, lead=lead))
    similar = [(m.fact, c) for m in others if (c := kb.committee_of(m.fact))]
    buttons: list[tuple[Button, ...]] = []
    if similar:
        parts.append(
            texts.OTHER_COMMITTEES.in_lang(lang).format(
                names=names(kb, (c for _, c in similar), lang)
            )
        )
        buttons += rows(
            (
                fact_button(
                    kb, other, lang, f"{place(kb, c, lang)}{colon(lang)}{other.title.in_lang(lang)}"
                )
                for other, c in similar
            ),
            per_row=1,
        )
    if log_id is not None:
        buttons.append(feedback_row(log_id, lang))
    return Reply(
        "\n\n".join(parts), buttons=tuple(buttons), lang=lang, asks_feedback=log_id is not None
    )


def did_you_mean(
    kb: KnowledgeBase,
    options: Sequence[Match],
    lang: Lang,
    log_id: int | None,
    *,
    heading: Text = texts.DID_YOU_MEAN,
) -> Reply:
    """The options of a question the matcher could not decide, and "none of these"."""
    buttons = [
        Button(
            fact_label(kb, m.fact, lang),
            fact_ref(kb, m.fact, Kind.PICK, log_id) if log_id is not None else fact_ref(kb, m.fact),
        )
        for m in options
    ]
    buttons.append(Button(texts.NONE_OF_THESE.in_lang(lang), encode(Kind.NONE_FITS, log_id or 0)))
    return Reply(heading.in_lang(lang), buttons=rows(buttons, per_row=1), lang=lang)


def listing(kb: KnowledgeBase, matches: Sequence[Match], lang: Lang) -> Reply:
    """ "Which committees …": every committee with a matching fact, one button each."""
    committees = [c for m in matches if (c := kb.committee_of(m.fact))]
    text = texts.LISTED.in_lang(lang).format(names=names(kb, committees, lang))
    return Reply(text, buttons=fact_rows(kb, [m.fact for m in matches], lang), lang=lang)


def detail_unknown(kb: KnowledgeBase, detail: Text, fact: Fact, lang: Lang, fallback: str) -> Reply:
    """ "报名费我这里没有;关于新华书法班我只知道这些…": the detail asked for is not known,
    the fact it belongs to is, one tap away."""
    text = texts.DETAIL_UNKNOWN.in_lang(lang).format(
        detail=detail.in_lang(lang), title=fact.title.in_lang(lang), fallback=fallback
    )
    return Reply(text, buttons=fact_rows(kb, [fact], lang), lang=lang)
