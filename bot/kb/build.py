"""Turn checked YAML documents into model objects, then check references across files.

Each problem names the file, the line and the field, so an admin can fix a hand edit
without reading code; every problem is collected, none stops the others being found.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.kb.messages import say, unknown
from bot.kb.model import (
    Committee,
    Contact,
    Fact,
    Source,
    SourceDocument,
    Street,
    Tag,
    Text,
)
from bot.yamlfile import Checker, PathKey, Problem, YamlDocument

MIN_PHRASINGS = {"zh": 6, "en": 3}
FACT_FIELDS_REQUIRED = ("id", "title", "answer", "tags", "phrasings", "source")
FACT_FIELDS_OPTIONAL = ("overview", "see_also", "draft")


@dataclass
class _FactRef:
    """Where a fact was defined, for cross-file checks."""

    fact: Fact
    checker: Checker
    path: PathKey


StreetParts = tuple[Street, Text, dict[str, Text], tuple[Tag, ...], tuple[Fact, ...]]


class Builder:
    """Turns checked YAML data into model objects and remembers what to cross-check."""

    def __init__(self, problems: list[Problem], street: str | None = None) -> None:
        self.problems = problems
        self.street_id = street
        """The street folder being read (several-streets layout), else None."""
        self.fact_refs: list[_FactRef] = []
        self.alias_owners: dict[str, list[tuple[str, Checker, PathKey]]] = {}
        self.theme_refs: list[tuple[str, Checker, PathKey]] = []
        self.synonym_words: dict[str, tuple[Checker, PathKey]] = {}
        self.related_topics: tuple[frozenset[str], ...] = ()
        """synonyms.yaml's close topics, read with its groups."""
        self.source_refs: list[tuple[str, Checker, PathKey]] = []
        self.sources: dict[str, SourceDocument] = {}

    # --- street.yaml -------------------------------------------------------
    def street(self, doc: YamlDocument) -> StreetParts | None:
        check = Checker(doc, self.problems)
        top = check.mapping(
            doc.data,
            (),
            required=("street", "fallback", "sources", "themes", "tags"),
            optional=("facts", "emergency"),
        )
        if top is None:
            return None
        street = self._street_info(check, top.get("street"))
        fallback = self._text_pair(check, top.get("fallback"), ("fallback",))
        self.sources = self._sources(check, top.get("sources"))
        themes = self._themes(check, top.get("themes"))
        tags = self._tags(check, top.get("tags"))
        facts = self._facts(check, top.get("facts") or [], ("facts",), committee_id=None)
        if street is None or fallback is None:
            return None
        return street, fallback, themes, tags, facts

    def _street_info(self, check: Checker, value: Any) -> Street | None:
        path: PathKey = ("street",)
        fields = ("name", "english_name", "district", "city", "slogan", "committee_count")
        info = check.mapping(value, path, required=fields)
        if info is None:
            return None
        count = info.get("committee_count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            check.report((*path, "committee_count"), say("not_count"))
            count = 0
        texts = {key: check.text(info.get(key), (*path, key)) for key in fields[:-1]}
        if any(text is None for text in texts.values()):
            return None
        return Street(committee_count=count, **texts)  # type: ignore[arg-type]

    def _sources(self, check: Checker, value: Any) -> dict[str, SourceDocument]:
        sources = check.mapping(value, ("sources",), optional=tuple(value or {}))
        result = {}
        for key, entry in (sources or {}).items():
            path: PathKey = ("sources", key)
            if check.mapping(entry, path, required=("title", "published")) is not None:
                title = check.text(entry.get("title"), (*path, "title"))
                published = check.text(entry.get("published"), (*path, "published"))
                if title and published:
                    result[key] = SourceDocument(title, published)
        return result

    def _themes(self, check: Checker, value: Any) -> dict[str, Text]:
        themes = check.mapping(value, ("themes",), optional=tuple(value or {}))
        result = {}
        for key, entry in (themes or {}).items():
            text = self._text_pair(check, entry, ("themes", key))
            if text is not None:
                result[key] = text
        return result

    def _tags(self, check: Checker, value: Any) -> tuple[Tag, ...]:
        tags = check.mapping(value, ("tags",), optional=tuple(value or {}))
        result = []
        for name, entry in (tags or {}).items():
            path: PathKey = ("tags", name)
            if check.mapping(entry, path, required=("en",), optional=("menu",)) is None:
                continue
            english = check.text(entry.get("en"), (*path, "en"))
            menu = check.boolean(entry.get("menu"), (*path, "menu"))
            if english:
                result.append(Tag(name=name, en=english, menu=menu))
        return tuple(result)

    # --- synonyms.yaml -----------------------------------------------------
    def synonyms(self, doc: YamlDocument) -> tuple[tuple[str, ...], ...]:
        check = Checker(doc, self.problems)
        top = check.mapping(doc.data, (), required=("groups",), optional=("related",))
        if top is None:
            return ()
        groups_value = top.get("groups")
        if not isinstance(groups_value, list):
            check.report(("groups",), say("not_word_groups"))
            return ()
        groups = []
        for i, group in enumerate(groups_value):
            words = check.text_list(group, ("groups", i), min_items=2)
            for j, word in enumerate(words):
                key = word.casefold()
                if key in self.synonym_words:
                    check.report(("groups", i, j), say("word_in_two_groups", word=word))
                self.synonym_words[key] = (check, ("groups", i, j))
            if len(words) >= 2:
                groups.append(words)
        self.related_topics = self._related(check, top.get("related"), tuple(groups))
        return tuple(groups)

    def _related(
        self, check: Checker, value: Any, groups: tuple[tuple[str, ...], ...]
    ) -> tuple[frozenset[str], ...]:
        """synonyms.yaml's optional `related`: lists of close topics (看病 and 医疗), each
        word a word of some group, read as its group's first word."""
        if value is None:
            return ()
        if not isinstance(value, list):
            check.report(("related",), say("not_word_groups"))
            return ()
        canonical = {word.casefold(): group[0] for group in groups for word in group}
        related = (self._close_topics(check, entry, i, canonical) for i, entry in enumerate(value))
        return tuple(heads for heads in related if len(heads) >= 2)

    @staticmethod
    def _close_topics(
        check: Checker, entry: Any, i: int, canonical: dict[str, str]
    ) -> frozenset[str]:
        words = check.text_list(entry, ("related", i), min_items=2)
        for j, word in enumerate(words):
            if word.casefold() not in canonical:
                check.report(("related", i, j), say("related_not_a_group_word", word=word))
        return frozenset(canonical[w.casefold()] for w in words if w.casefold() in canonical)

    # --- committees/*.yaml -------------------------------------------------
    def committee(self, doc: YamlDocument, committee_id: str) -> Committee | None:
        check = Checker(doc, self.problems)
        top = check.mapping(doc.data, (), required=("committee", "facts"))
        if top is None:
            return None
        names = self._committee_names(check, top.get("committee"))
        entries = top.get("facts")
        facts = self._facts(check, entries, ("facts",), committee_id=committee_id)
        if names is None:
            return None
        committee = Committee(id=committee_id, facts=facts, street=self.street_id, **names)
        for name, path in _name_paths(committee):
            self.alias_owners.setdefault(name.casefold(), []).append((committee_id, check, path))
        # a fact with a problem of its own may be the overview: count only whole files
        whole = isinstance(entries, list) and len(facts) == len(entries)
        if whole and facts and sum(fact.overview for fact in facts) != 1:
            check.report(("facts",), say("one_overview"))
        return committee

    def _committee_names(self, check: Checker, value: Any) -> dict[str, Any] | None:
        """The `committee:` block as Committee's fields, or None if a name is missing."""
        path: PathKey = ("committee",)
        text_fields = ("name", "short_name", "english_name", "theme")
        names = check.mapping(value, path, required=text_fields, optional=("aliases", "contact"))
        if names is None:
            return None
        fields: dict[str, Any] = {
            key: check.text(names.get(key), (*path, key)) for key in text_fields
        }
        if fields["theme"]:
            self.theme_refs.append((fields["theme"], check, (*path, "theme")))
        fields["aliases"] = check.text_list(names.get("aliases"), (*path, "aliases"))
        fields["contact"] = self._contact(check, names.get("contact"), (*path, "contact"))
        return None if any(fields[key] is None for key in text_fields) else fields

    def _contact(self, check: Checker, value: Any, path: PathKey) -> Contact:
        if value is None:
            return Contact()
        fields = ("address", "phone", "hours")
        if check.mapping(value, path, optional=fields) is None:
            return Contact()
        values = {key: check.text(value.get(key), (*path, key), required=False) for key in fields}
        return Contact(**values)

    # --- facts (both kinds of file) ------------------------------------------
    def _facts(
        self, check: Checker, value: Any, path: PathKey, committee_id: str | None
    ) -> tuple[Fact, ...]:
        if not isinstance(value, list):
            check.report(path, say("not_fact_list"))
            return ()
        facts = (
            self._fact(check, entry, (*path, i), committee_id) for i, entry in enumerate(value)
        )
        return tuple(fact for fact in facts if fact is not None)

    def _fact(
        self, check: Checker, value: Any, path: PathKey, committee_id: str | None
    ) -> Fact | None:
        entry = check.mapping(
            value, path, required=FACT_FIELDS_REQUIRED, optional=FACT_FIELDS_OPTIONAL
        )
        if entry is None:
            return None
        fact_id = check.text(entry.get("id"), (*path, "id"))
        title = self._text_pair(check, entry.get("title"), (*path, "title"))
        answer = self._text_pair(check, entry.get("answer"), (*path, "answer"))
        tags = check.text_list(entry.get("tags"), (*path, "tags"), min_items=1)
        phrasings = self._phrasings(check, entry.get("phrasings"), (*path, "phrasings"))
        source = self._source(check, entry.get("source"), (*path, "source"))
        overview = check.boolean(entry.get("overview"), (*path, "overview"))
        see_also = check.text_list(entry.get("see_also"), (*path, "see_also"))
        if check.boolean(entry.get("draft"), (*path, "draft")):  # imported, not reviewed yet
            check.report((*path, "draft"), say("draft_not_served"))
        if None in (fact_id, title, answer, phrasings, source):
            return None
        fact = Fact(
            id=fact_id,  # type: ignore[arg-type]
            committee_id=committee_id,
            title=title,  # type: ignore[arg-type]
            answer=answer,  # type: ignore[arg-type]
            tags=tags,
            phrasings_zh=phrasings[0],  # type: ignore[index]
            phrasings_en=phrasings[1],  # type: ignore[index]
            source=source,  # type: ignore[arg-type]
            overview=overview,
            see_also=see_also,
            street=self.street_id,
        )
        self.fact_refs.append(_FactRef(fact, check, path))
        return fact

    def _phrasings(
        self, check: Checker, value: Any, path: PathKey
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        if check.mapping(value, path, required=("zh", "en")) is None:
            return None
        zh = check.text_list(value.get("zh"), (*path, "zh"), min_items=MIN_PHRASINGS["zh"])
        en = check.text_list(value.get("en"), (*path, "en"), min_items=MIN_PHRASINGS["en"])
        return zh, en

    def _source(self, check: Checker, value: Any, path: PathKey) -> Source | None:
        # `lines`: where in the article, as `python -m bot import` writes it
        if check.mapping(value, path, required=("article", "section"), optional=("lines",)) is None:
            return None
        article = check.text(value.get("article"), (*path, "article"))
        section = check.text(value.get("section"), (*path, "section"))
        if article is None or section is None:
            return None
        self.source_refs.append((article, check, (*path, "article")))
        return Source(self.qualified(article), section)

    def qualified(self, key: str) -> str:
        """A committee's or source's key made unique across streets (`<street>/<key>`)."""
        return f"{self.street_id}/{key}" if self.street_id else key

    def _text_pair(self, check: Checker, value: Any, path: PathKey) -> Text | None:
        if check.mapping(value, path, required=("zh", "en")) is None:
            return None
        zh = check.text(value.get("zh"), (*path, "zh"))
        en = check.text(value.get("en"), (*path, "en"))
        return Text(_join_folded_lines(zh), en) if zh and en else None

    # --- checks that need every file ---------------------------------------
    def check_cross_references(self, street: StreetParts | None) -> None:
        self.check_unique_ids()
        self.check_street_references(street)

    def check_street_references(self, street: StreetParts | None) -> None:
        """What must hold within one street: names, tags, themes, sources, see_also."""
        self._check_aliases()
        if street is None:
            return  # street.yaml is broken: its own errors are reported already
        _, _, themes, tags, _ = street
        self._check_fact_references({tag.name for tag in tags})
        for theme, checker, path in self.theme_refs:
            if theme not in themes:
                checker.report(path, unknown("theme", theme, themes))
        for article, checker, path in self.source_refs:
            if article not in self.sources:
                checker.report(path, unknown("source", article, self.sources))

    def _check_fact_references(self, tag_names: set[str]) -> None:
        fact_ids = {ref.fact.id for ref in self.fact_refs}
        for ref in self.fact_refs:
            for i, tag in enumerate(ref.fact.tags):
                if tag not in tag_names:
                    ref.checker.report((*ref.path, "tags", i), unknown("tag", tag, tag_names))
            for i, other in enumerate(ref.fact.see_also):
                if other not in fact_ids:
                    ref.checker.report((*ref.path, "see_also", i), unknown("fact", other, fact_ids))

    def check_unique_ids(self) -> None:
        """Fact ids are unique across the whole base: logs and buttons name facts by id."""
        counts = Counter(ref.fact.id for ref in self.fact_refs)
        first_place: dict[str, str] = {}
        for ref in self.fact_refs:
            fact_id = ref.fact.id
            place = f"{ref.checker.document.file}:{ref.checker.document.line_of(ref.path)}"
            if counts[fact_id] > 1 and fact_id in first_place:
                ref.checker.report(
                    (*ref.path, "id"), say("id_used", fact_id=fact_id, place=first_place[fact_id])
                )
            first_place.setdefault(fact_id, place)

    def _check_aliases(self) -> None:
        for name, owners in self.alias_owners.items():
            committees = sorted({owner for owner, _, _ in owners})
            if len(committees) > 1:
                # at the later file's own line of the name, so `check` shows where to fix it
                _, checker, path = owners[-1]
                checker.report(
                    path, say("name_shared", name=name, committees=", ".join(committees))
                )


def _name_paths(committee: Committee) -> list[tuple[str, PathKey]]:
    """Each name of a committee with where it is written in the file."""
    fields = ("name", "short_name", "english_name")
    return [
        *((getattr(committee, key), ("committee", key)) for key in fields),
        *((alias, ("committee", "aliases", i)) for i, alias in enumerate(committee.aliases)),
    ]


_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’"
_PUNCT = re.escape(",.;:!?()[]\"'")
_FOLDED_SPACE = re.compile(
    f"(?<=[{_CJK}])\\s+(?=[{_CJK}{_PUNCT}])|(?<=[{_CJK}{_PUNCT}])\\s+(?=[{_CJK}])"
)


def _join_folded_lines(chinese: str) -> str:
    """YAML's folded blocks (`>-`) join lines with a space, which Chinese does not use."""
    return _FOLDED_SPACE.sub("", chinese)
