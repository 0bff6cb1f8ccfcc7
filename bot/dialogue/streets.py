"""The resident's street, in a knowledge base of several streets: /street to choose it
(as /mycommittee chooses the home committee), and "which street?" when a question names
a committee that several streets have. With one street none of this is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue import render, texts
from bot.dialogue.payloads import Kind, encode
from bot.dialogue.types import Button, Reply
from bot.kb.model import Committee, KnowledgeBase, Lang, Street, Text
from bot.match import MatchResult
from bot.store import Preferences

if TYPE_CHECKING:
    from bot.dialogue.conversation import Dialogue, _Turn

STREET_ASK = Text(
    zh="请选择您所在的街道。回答问题时,我会优先告诉您本街道的服务。",
    en="Which street do you live in? I'll put its services first when I answer.",
)
STREET_CURRENT = Text(zh="现在记住的是:{name}。", en="Currently saved: {name}.")
STREET_SAVED = Text(zh="好的,已记住您在{name}。", en="Got it: you live in {name}.")
WHICH_STREET = Text(
    zh="好几个街道都有这个居委,您问的是哪个街道的?(发送 /street 选好您的街道,以后就不用再问了)",
    en="Several streets have a committee of that name. Which street do you mean? "
    "(Choose yours once with /street and I won't ask again.)",
)


COMMITTEE_LIST = Text(
    zh="点一个居委看看它的服务:", en="Pick a residents' committee to see its services:"
)


def committee_list_text(kb: KnowledgeBase, lang: Lang) -> str:
    """The heading of /committees: the shipped street's own, or one for any street."""
    return (COMMITTEE_LIST if kb.several_streets else texts.COMMITTEE_LIST).in_lang(lang)


def resident_street(kb: KnowledgeBase, prefs: Preferences) -> str | None:
    """The street whose facts go first for this resident: the one they chose, else their
    home committee's; None with one street."""
    if not kb.several_streets:
        return None
    if kb.street_by_id(prefs.street) is not None:
        return prefs.street
    home = kb.committee(prefs.home_committee)
    return home.street if home else None


def clarify_heading(result: MatchResult, default: Text) -> Text:
    """ "Which street?" for a question naming a committee several streets have."""
    return WHICH_STREET if result.namesakes else default


def committee_in_street(dialogue: Dialogue, turn: _Turn, committee: Committee, lang: Lang) -> Reply:
    """/committee NAME: the committee of that name in the resident's street; "which
    street?" when several streets have one and the resident's is none of them."""
    kb = turn.kb
    namesakes = [c for c in kb.committees if c.name == committee.name]
    street = resident_street(kb, turn.prefs)
    own = [c for c in namesakes if c.street == street]
    if len(namesakes) == 1 or own:
        return dialogue._committee(turn, own[0] if own else committee, lang)
    buttons = tuple(
        (Button(render.place(kb, c, lang), render.committee_ref(kb, c, Kind.COMMITTEE)),)
        for c in namesakes
    )
    return Reply(WHICH_STREET.in_lang(lang), buttons=buttons, lang=lang)


def street_command(dialogue: Dialogue, turn: _Turn, arg: str, lang: Lang) -> Reply:
    """/street [name]: choose the street (a base of several streets only)."""
    kb = turn.kb
    if not kb.several_streets:
        return Reply(texts.UNKNOWN_COMMAND.in_lang(lang), lang=lang)
    named = _street_named(kb, arg) if arg else None
    if named is not None:
        return _save(dialogue, turn, named, lang)
    text = STREET_ASK.in_lang(lang)
    current = kb.street_by_id(turn.prefs.street)
    if current is not None:
        text += "\n" + STREET_CURRENT.in_lang(lang).format(name=current.display_name(lang))
    buttons = tuple(
        (Button(street.display_name(lang), encode(Kind.STREET, street.id)),)
        for street in kb.streets
    )
    return Reply(text, buttons=buttons, lang=lang)


def street_button(
    dialogue: Dialogue, turn: _Turn, args: tuple[str, ...], lang: Lang
) -> Reply | None:
    """The street pressed under /street; None when that street is gone."""
    street = turn.kb.street_by_id(args[0]) if turn.kb.several_streets else None
    return _save(dialogue, turn, street, lang) if street else None


def _save(dialogue: Dialogue, turn: _Turn, street: Street, lang: Lang) -> Reply:
    if not dialogue.store.set_street(turn.user.id, street.id):
        return Reply(texts.SAVE_FAILED.in_lang(lang), lang=lang)
    name = street.display_name(lang)
    return Reply(STREET_SAVED.in_lang(lang).format(name=name), lang=lang, replace_previous=True)


def _street_named(kb: KnowledgeBase, arg: str) -> Street | None:
    """The street `arg` names: its folder, its name with or without 街道, its English name."""
    wanted = arg.strip().casefold().removesuffix("街道").removesuffix(" street")
    for street in kb.streets:
        spellings = (street.id, street.name, street.english_name)
        keys = {s.casefold().removesuffix("街道").removesuffix(" street") for s in spellings}
        if wanted in keys:
            return street
    return None
