"""Teaching a question: the phrasing lands in the fact's own file, the diff only adds lines,
the knowledge base stays valid, and nothing is written when the teach is refused."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.kb.teach as teach_module
from bot.kb import KnowledgeBase, load_knowledge
from bot.kb.teach import MAX_PHRASING_CHARS, TeachError, _same, teach, untaught

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
FACT = "xiaohe-fresh-market"
QUESTION = "孝和能不能在网上订菜"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def xiaohe(knowledge: Path) -> Path:
    return knowledge / "committees" / "xiaohe.yaml"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def diff_ops(before: bytes, after: bytes) -> set[str]:
    lines = difflib.SequenceMatcher(
        None, before.decode().splitlines(), after.decode().splitlines(), autojunk=False
    )
    return {tag for tag, *_ in lines.get_opcodes() if tag != "equal"}


def added_lines(before: bytes, after: bytes) -> list[str]:
    return [
        line[1:]
        for line in difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines())
        if line.startswith("+") and not line.startswith("+++")
    ]


def test_teach_adds_one_line_to_the_facts_own_list_and_the_knowledge_stays_valid(
    knowledge: Path,
) -> None:
    before = snapshot(knowledge)
    taught = teach(QUESTION, FACT, knowledge, by="tg:1")
    assert taught.added and taught.lang == "zh" and taught.file == xiaohe(knowledge)
    after = snapshot(knowledge)
    changed = [name for name in after if after[name] != before[name]]
    assert changed == ["committees/xiaohe.yaml"]
    old, new = before["committees/xiaohe.yaml"], after["committees/xiaohe.yaml"]
    assert diff_ops(old, new) == {"insert"}
    assert added_lines(old, new) == [f"        - {QUESTION}"]
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None and fact.phrasings_zh[-1] == QUESTION
    assert not [p for p in knowledge.rglob(".*")], "no temporary file left behind"


def test_an_english_question_goes_to_the_english_list(knowledge: Path) -> None:
    taught = teach("  can I order   vegetables online? ", FACT, knowledge)
    assert taught.lang == "en" and taught.phrasing == "can I order vegetables online?"
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None and fact.phrasings_en[-1] == "can I order vegetables online?"


@pytest.mark.parametrize("question", ["yes", "12:30 open?", "#1 market: where", "'quoted"])
def test_a_question_yaml_would_misread_is_quoted_and_read_back_as_typed(
    knowledge: Path, question: str
) -> None:
    teach(question, FACT, knowledge, lang="en")
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None and fact.phrasings_en[-1] == question


def test_teaching_twice_writes_nothing_new(knowledge: Path) -> None:
    teach(QUESTION, FACT, knowledge)
    once = snapshot(knowledge)
    again = teach(f" {QUESTION} ", FACT, knowledge)
    assert not again.added
    assert snapshot(knowledge) == once


def test_an_existing_phrasing_is_not_added_again(knowledge: Path) -> None:
    before = snapshot(knowledge)
    assert not teach("附近哪里能买到新鲜蔬菜", FACT, knowledge).added
    assert snapshot(knowledge) == before


@pytest.mark.parametrize(
    ("question", "fact_id", "message"),
    [
        (QUESTION, "xiaohe-fresh-markt", "unknown fact id 'xiaohe-fresh-markt' (did you mean"),
        ("   ", FACT, "empty"),
        ("?!。", FACT, "empty"),
        ("买菜" * (MAX_PHRASING_CHARS // 2 + 1), FACT, f"at most {MAX_PHRASING_CHARS}"),
    ],
)
def test_refused_teaches_say_why_and_write_nothing(
    knowledge: Path, question: str, fact_id: str, message: str
) -> None:
    before = snapshot(knowledge)
    with pytest.raises(TeachError, match=message.replace("(", r"\(")):
        teach(question, fact_id, knowledge)
    assert snapshot(knowledge) == before


def test_undo_restores_the_file_byte_for_byte(knowledge: Path) -> None:
    before = snapshot(knowledge)
    zh = teach(QUESTION, FACT, knowledge)
    en = teach("vegetables delivered to the lane?", FACT, knowledge)
    assert untaught(en.fact_id, en.phrasing, en.lang, knowledge)
    assert untaught(zh.fact_id, zh.phrasing, zh.lang, knowledge)
    assert snapshot(knowledge) == before
    assert not untaught(zh.fact_id, zh.phrasing, zh.lang, knowledge), "already gone"


def test_undo_keeps_what_was_edited_since(knowledge: Path) -> None:
    taught = teach(QUESTION, FACT, knowledge)
    path = xiaohe(knowledge)
    edited = path.read_text().replace("    phone:\n", "    phone: 021-1234 5678\n", 1)
    path.write_text(edited)
    assert untaught(taught.fact_id, taught.phrasing, taught.lang, knowledge)
    assert path.read_text() == edited.replace(f"        - {QUESTION}\n", "")
    assert load_knowledge(knowledge).committee("xiaohe").contact.phone == "021-1234 5678"


def test_an_edit_saved_while_teaching_is_kept_and_the_teach_redone_on_it(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin saves the file (fills the phone) while the teach is between read and write."""
    path = xiaohe(knowledge)
    theirs = path.read_text().replace("    phone:\n", "    phone: 021-1234 5678\n", 1)
    validate = teach_module._validate
    calls = []

    def admin_saves_meanwhile(root: Path, file: Path, content: bytes) -> KnowledgeBase:
        calls.append(content)
        if len(calls) == 1:
            path.write_text(theirs)
        return validate(root, file, content)

    monkeypatch.setattr(teach_module, "_validate", admin_saves_meanwhile)
    teach(QUESTION, FACT, knowledge)
    assert len(calls) == 2, "the edit was redone on the admin's version"
    assert diff_ops(theirs.encode(), path.read_bytes()) == {"insert"}
    kb = load_knowledge(knowledge)
    assert kb.committee("xiaohe").contact.phone == "021-1234 5678"  # type: ignore[union-attr]
    assert QUESTION in kb.fact(FACT).phrasings_zh  # type: ignore[union-attr]


def test_a_teach_that_would_leave_the_knowledge_invalid_writes_nothing(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin's save meanwhile breaks the file (a misspelt field): the teach, redone on
    it, fails validation and writes nothing; their file stays as they saved it."""
    path = xiaohe(knowledge)
    broken = path.read_text().replace("    answer:\n", "    answr:\n", 1)
    validate = teach_module._validate

    def admin_saves_meanwhile(root: Path, file: Path, content: bytes) -> KnowledgeBase:
        if path.read_text() != broken:
            path.write_text(broken)
        return validate(root, file, content)

    monkeypatch.setattr(teach_module, "_validate", admin_saves_meanwhile)
    with pytest.raises(TeachError, match=r"(?s)would be invalid.*answr"):
        teach(QUESTION, FACT, knowledge)
    assert path.read_text() == broken


def test_a_broken_knowledge_base_is_refused_before_any_edit(knowledge: Path) -> None:
    path = xiaohe(knowledge)
    path.write_text(path.read_text().replace("    answer:\n", "    answr:\n", 1))
    before = snapshot(knowledge)
    with pytest.raises(TeachError, match="invalid already"):
        teach(QUESTION, FACT, knowledge)
    assert snapshot(knowledge) == before


def test_a_street_fact_is_taught_in_street_yaml(knowledge: Path) -> None:
    street_fact = load_knowledge(knowledge).street_facts[0]
    taught = teach("街道有多少个居委会呀", street_fact.id, knowledge)
    assert taught.file == knowledge / "street.yaml"
    fact = load_knowledge(knowledge).fact(street_fact.id)
    assert fact is not None and "街道有多少个居委会呀" in fact.phrasings_zh


def test_a_file_with_windows_line_ends_and_a_bom_keeps_them(knowledge: Path) -> None:
    path = xiaohe(knowledge)
    original = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    teach(QUESTION, FACT, knowledge)
    new = path.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") and new.count(b"\r\n") == original.count(b"\r\n") + 1
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_a_one_line_list_is_refused_with_how_to_fix_it(knowledge: Path) -> None:
    path = xiaohe(knowledge)
    text = path.read_text()
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None
    block = "      en:\n" + "".join(f"        - {p}\n" for p in fact.phrasings_en)
    flow = "      en: [" + ", ".join(fact.phrasings_en) + "]\n"
    assert block in text
    path.write_text(text.replace(block, flow, 1))
    before = snapshot(knowledge)
    with pytest.raises(TeachError, match="one phrasing per line"):
        teach("vegetables at my door?", FACT, knowledge)
    assert snapshot(knowledge) == before


# --- any question: refused, or taught exactly as typed -------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.text(min_size=1, max_size=60))
def test_any_question_is_refused_or_read_back_exactly_with_lines_only_added(
    knowledge: Path, question: str
) -> None:
    path = xiaohe(knowledge)
    before = path.read_bytes()
    try:
        taught = teach(question, FACT, knowledge)
    except TeachError:
        assert path.read_bytes() == before
        return
    after = path.read_bytes()
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None
    phrasings = fact.phrasings_zh if taught.lang == "zh" else fact.phrasings_en
    assert _same(taught.phrasing) in {_same(p) for p in phrasings}
    if taught.added:
        assert diff_ops(before, after) == {"insert"}
        assert untaught(taught.fact_id, taught.phrasing, taught.lang, knowledge)
        assert path.read_bytes() == before
