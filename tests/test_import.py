"""`python -m bot import`: a new article becomes drafts, and a reviewed draft goes live.

The article is tests/data/article-test-2019.txt, made up for these tests (it says so in
its first line) in the style of the source article; none of it is knowledge.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient
from test_web_api import ask, csrf_of, watched_app

from bot.cli import main
from bot.kb.loader import KnowledgeBaseError, load_knowledge
from bot.store import Store

ARTICLE = Path(__file__).parent / "data" / "article-test-2019.txt"
DRAFT_ID = "xiaohe-article-test-2019-1"


@pytest.fixture
def knowledge(knowledge_copy: Path) -> Path:
    return knowledge_copy


def import_article(knowledge: Path) -> list[dict]:
    assert main(["import", str(ARTICLE), "--knowledge", str(knowledge)]) == 0
    (drafts_file,) = (knowledge / "drafts").iterdir()
    return yaml.safe_load(drafts_file.read_text(encoding="utf-8"))["drafts"]


def test_an_article_becomes_one_draft_per_committee_paragraph(knowledge: Path) -> None:
    drafts = import_article(knowledge)
    assert [d["committee"] for d in drafts] == ["xiaohe", "ruihua", "jianliu"]
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    for draft in drafts:
        assert draft["draft"] is True
        first, last = (int(n) for n in draft["source"]["lines"].split("-"))
        paragraph = "".join(line.strip() for line in lines[first - 1 : last])
        assert draft["answer"]["zh"] == paragraph, "the answer is the paragraph, to shorten"
        assert draft["title"]["zh"] and draft["phrasings"]["zh"]
    xiaohe = drafts[0]["phrasings"]["zh"]
    assert any("剪纸" in p for p in xiaohe), "key terms are the phrasing candidates"
    assert not any(p.endswith(("孝和", "居委")) for p in xiaohe)
    # a paragraph of two lines is one draft
    assert drafts[2]["source"]["lines"] == "15-16"


def test_drafts_are_never_served(knowledge: Path) -> None:
    import_article(knowledge)
    kb = load_knowledge(knowledge)
    assert kb.fact(DRAFT_ID) is None
    assert main(["check", "--fast", "--knowledge", str(knowledge)]) == 0


def test_a_draft_pasted_with_its_flag_is_refused_with_file_and_line(knowledge: Path) -> None:
    path = knowledge / "committees" / "xiaohe.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  - id: xiaohe-overview\n", "  - id: xiaohe-overview\n    draft: true\n"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as refused:
        load_knowledge(knowledge)
    (problem,) = refused.value.problems
    assert "xiaohe.yaml" in str(problem) and "draft" in str(problem)


def review(knowledge: Path) -> None:
    """What an admin does before publishing: English, a tag, phrasings, the source."""
    (drafts_file,) = (knowledge / "drafts").iterdir()
    header = "".join(
        line
        for line in drafts_file.read_text(encoding="utf-8").splitlines(True)
        if line.startswith("#")
    )
    data = yaml.safe_load(drafts_file.read_text(encoding="utf-8"))
    draft = data["drafts"][0]
    draft["title"] = {"zh": "孝和剪纸角", "en": "Paper-cutting corner"}
    draft["answer"]["en"] = "A paper-cutting corner (test data)."
    draft["tags"] = ["文化学习"]
    draft["phrasings"]["zh"] = [
        "孝和哪里学剪纸",
        "剪纸角在哪",
        "想学剪窗花",
        "剪纸活动",
        "孝和剪纸角",
        "剪纸课",
    ]
    draft["phrasings"]["en"] = ["paper cutting", "where to learn paper cutting", "paper-cut class"]
    drafts_file.write_text(
        header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    street = knowledge / "street.yaml"
    street.write_text(
        street.read_text(encoding="utf-8").replace(
            "sources:\n",
            "sources:\n  article-test-2019:\n    title: 测试文章\n    published: 2019-12-31\n",
        ),
        encoding="utf-8",
    )


def test_publishing_refuses_a_draft_that_is_not_reviewed(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_article(knowledge)
    before = (knowledge / "committees" / "xiaohe.yaml").read_bytes()
    assert main(["import", "--publish", DRAFT_ID, "--knowledge", str(knowledge)]) == 1
    refusal = capsys.readouterr().err
    assert "xiaohe.yaml" in refusal and "answer.en" in refusal
    assert (knowledge / "committees" / "xiaohe.yaml").read_bytes() == before


@pytest.mark.slow
def test_a_published_draft_answers_in_a_running_web_chat(tmp_path: Path, store: Store) -> None:
    directory = tmp_path / "knowledge"
    app = watched_app(directory, store)
    import_article(directory)
    review(directory)
    committee_file = directory / "committees" / "xiaohe.yaml"
    before = committee_file.read_text(encoding="utf-8")
    with TestClient(app) as client:
        token = csrf_of(client)
        assert "剪纸" not in ask(client, "孝和哪里学剪纸", token).json()["text"]
        assert main(["import", "--publish", DRAFT_ID, "--knowledge", str(directory)]) == 0
        deadline = time.monotonic() + 20  # the watcher's interval is 2 s; this bounds a hang
        while "剪纸角" not in (reply := ask(client, "孝和哪里学剪纸", token).json()["text"]):
            assert time.monotonic() < deadline, f"not answered after publishing: {reply}"
            time.sleep(0.3)
    after = committee_file.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n")), "comments and facts kept; lines only added"
    remaining = yaml.safe_load(next((directory / "drafts").iterdir()).read_text(encoding="utf-8"))
    assert DRAFT_ID not in [d["id"] for d in remaining["drafts"]]


def test_staff_publish_a_reviewed_draft_from_the_admin_page(knowledge: Path, store: Store) -> None:
    from test_web_admin import NAME, PASSWORD, log_in
    from test_web_admin import csrf_of as admin_csrf

    from bot.admin.accounts import Accounts
    from bot.dialogue import Dialogue
    from bot.match import LiveKnowledge
    from bot.match.types import MatcherSettings
    from bot.web.app import create_app
    from bot.web.guard import RateLimits

    import_article(knowledge)
    Accounts(store).add(NAME, PASSWORD)
    live = LiveKnowledge(knowledge, MatcherSettings())
    app = create_app(
        Dialogue(live, store), limits=RateLimits(100, 10.0), csrf_secret="s" * 32, close_store=False
    )
    with TestClient(app) as client:
        log_in(client)
        page = client.get("/admin").text
        assert f'name="draft" value="{DRAFT_ID}"' in page and "测试剪纸角" in page
        form = {"csrf": admin_csrf(page), "draft": DRAFT_ID}
        unreviewed = client.post("/admin/publish", data=form)
        assert "没有发布" in unreviewed.text and "answer.en" in unreviewed.text
        review(knowledge)
        done = client.post("/admin/publish", data=form)
        assert "已发布" in done.text and "已重新加载" in done.text
        assert f'value="{DRAFT_ID}"' not in done.text, "no longer a draft"
        assert "剪纸角" in ask(client, "孝和哪里学剪纸", csrf_of(client)).json()["text"]
