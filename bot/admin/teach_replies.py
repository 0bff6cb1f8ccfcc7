"""The admin teach flow as `Reply`s with buttons, for any chat front end (Telegram).

A group: its count and example, "➕ title(committee)" for each nearest fact, "another
fact…" (committee, then fact pickers) and "ignore". Buttons name the group by one of
its logged questions, so a press still means the same group after new questions came.
"""

from __future__ import annotations

from bot.admin import teach_texts as texts
from bot.admin.teaching import TeachGroup
from bot.dialogue import render
from bot.dialogue.payloads import Kind, encode, ref
from bot.dialogue.types import Button, Reply
from bot.kb.model import Committee, KnowledgeBase, Lang
from bot.report import channels_text

STREET = "-"
"""The committee argument of the street's own facts in the picker."""


def group_reply(kb: KnowledgeBase, group: TeachGroup, n: int, total: int, lang: Lang) -> Reply:
    text = texts.GROUP.in_lang(lang).format(
        n=n, total=total, count=group.count, example=group.example
    )
    if group.channels:
        text += f" · {channels_text(group.channels, lang)}"
    if len(group.variants) > 1:
        text += (
            "\n"
            + texts.ALSO_ASKED.in_lang(lang)
            .format(variants=" / ".join(group.variants[1:4]))
            .strip()
        )
    buttons = [
        Button(
            texts.TEACH_BUTTON.in_lang(lang).format(label=near.label),
            teach_ref(kb, group.log_id, near.fact_id),
        )
        for near in group.nearest
        if kb.fact(near.fact_id) is not None
    ]
    buttons += [
        Button(texts.ANOTHER_FACT.in_lang(lang), encode(Kind.TEACH_COMMITTEES, group.log_id)),
        Button(texts.IGNORE.in_lang(lang), encode(Kind.IGNORE, group.log_id)),
    ]
    return Reply(text, buttons=render.rows(buttons, per_row=1), lang=lang)


def teach_ref(kb: KnowledgeBase, log_id: int, fact_id: str) -> str:
    fact = kb.fact(fact_id)
    position = kb.facts.index(fact) if fact else 0
    return ref(Kind.TEACH, log_id, name=fact_id, position=position)


def committee_picker(kb: KnowledgeBase, group: TeachGroup, lang: Lang) -> Reply:
    """ "Another fact…": the street and the committees, two per row."""
    buttons = [
        Button(render.street_name(kb, lang), encode(Kind.TEACH_COMMITTEE, group.log_id, STREET))
    ]
    buttons += [
        Button(
            render.name(c, lang),
            ref(Kind.TEACH_COMMITTEE, group.log_id, name=c.id, position=kb.committees.index(c)),
        )
        for c in kb.committees
    ]
    text = texts.PICK_COMMITTEE.in_lang(lang).format(example=group.example)
    return Reply(text, buttons=render.rows(buttons, per_row=2), lang=lang, replace_previous=True)


def fact_picker(
    kb: KnowledgeBase, group: TeachGroup, committee: Committee | None, lang: Lang
) -> Reply:
    """The facts of one committee (None: the street's), each teaching the group to it."""
    facts = committee.facts if committee else kb.street_facts
    buttons = [
        Button(
            texts.TEACH_BUTTON.in_lang(lang).format(label=render.fact_label(kb, fact, lang)),
            teach_ref(kb, group.log_id, fact.id),
        )
        for fact in facts
    ]
    buttons.append(Button(texts.BACK.in_lang(lang), encode(Kind.TEACH_COMMITTEES, group.log_id)))
    text = texts.PICK_FACT.in_lang(lang).format(example=group.example)
    return Reply(text, buttons=render.rows(buttons, per_row=1), lang=lang, replace_previous=True)
