"""The admin teach flow as `Reply`s with buttons, for any chat front end (Telegram).

A group: its count and example, the wording that will be written (and how to change
it: /wording), a tick button for each of its other wordings (ticked: those askers are
told too), "➕ title(committee)" for each nearest fact, "another fact…" (committee,
then fact pickers) and "ignore". Buttons name the group by one of its logged
questions, so a press still means the same group after new questions came.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from bot.admin import teach_texts as texts
from bot.admin.teaching import TeachGroup
from bot.dialogue import render
from bot.dialogue.payloads import Kind, encode, ref
from bot.dialogue.types import Button, Reply
from bot.kb.model import Committee, KnowledgeBase, Lang
from bot.report import channels_text

STREET = "-"
"""The committee argument of the street's own facts in the picker."""


def group_reply(
    kb: KnowledgeBase,
    group: TeachGroup,
    n: int,
    total: int,
    lang: Lang,
    *,
    wording: str | None = None,
    ticked: Collection[str] = (),
) -> Reply:
    """One group's message: `wording` is what a teach writes (default the example),
    `ticked` the other wordings' forms whose askers are told too."""
    text = texts.GROUP.in_lang(lang).format(
        n=n, total=total, count=group.count, example=group.example
    )
    if group.channels:
        text += f" · {channels_text(group.channels, lang)}"
    text += "\n" + texts.WORDING.in_lang(lang).format(wording=wording or group.example).strip()
    text += "\n" + texts.EDIT_HELP_TELEGRAM.in_lang(lang).format(log_id=group.log_id)
    buttons = tick_buttons(group, ticked, lang)
    buttons += [
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


def tick_buttons(group: TeachGroup, ticked: Collection[str], lang: Lang) -> list[Button]:
    """A toggle per other wording of the group: ☐ untold, ☑ told too."""
    return [
        Button(
            texts.TICK_BUTTON.in_lang(lang).format(
                box="☑" if form in ticked else "☐", wording=_short(wording)
            ),
            encode(Kind.TICK, group.log_id, form_tag(form)),
        )
        for form, wording in group.others
    ]


def form_tag(form: str) -> str:
    """A short stable name of a form for a button (forms may be 200 characters)."""
    return hashlib.sha256(form.encode()).hexdigest()[:10]


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
