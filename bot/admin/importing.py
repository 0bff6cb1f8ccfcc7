"""`python -m bot import ARTICLE.txt`: a new article as draft facts for the admins to review.

A street office publishes a review or a notice every few months; each is a dozen facts.
The article is split into one paragraph per committee, found by the committee names and
aliases the knowledge base already knows (a line that is only a name starts its
committee's paragraph; a numbered heading such as "2.提升…" ends it). Each paragraph
becomes one draft in `knowledge/drafts/<article>.yaml`: a title, the paragraph as its
answer (for the admin to shorten), its source lines, and its key terms as phrasing
candidates. Drafts are never served: the loader does not read `drafts/`, and a fact
marked `draft: true` in a committee file is refused by `check`. `publish` moves one
reviewed draft into its committee file (bot/kb/publish.py).
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jieba
import jieba.posseg
import yaml

from bot.kb.loader import KnowledgeBaseError, load_knowledge
from bot.kb.model import Committee, KnowledgeBase
from bot.kb.publish import DRAFTS_FOLDER, TeachError, drafts, publish
from bot.match.tokenize import configure_jieba_cache

KEY_TERMS = 6
TITLE_CHARS = 24
_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}\s*[.、.]\s*\S")
_HEADING_SLACK = 4
"""A heading line may hold a few characters beside the name (居委会, a colon)."""
_SENTENCE_END = re.compile(r"[。!?;!?;]")
_TERM_POS = ("n", "nz", "vn", "nw", "nt", "ns", "l", "i")
"""Parts of speech a phrasing candidate may be: nouns, noun-verbs, set phrases."""
_STOP_TERMS = frozenset({"居委", "居委会", "居民", "社区", "开展", "活动", "通过", "进行"})
DRAFT_HEADER = """\
# 草稿:由 python -m bot import 从文章 {article} 导入,还没有上线,居民看不到。
# 审核每一条:把 answer 缩短成居民爱读的回答,补上英文(en),phrasings 按居民会怎么问
# 来写(中文至少 6 句,英文至少 3 句),tags 用 street.yaml 里的标签。
# 然后发布:python -m bot import --publish 草稿id,
# 或在管理页面 /admin 的“导入文章的草稿”里点“审核完了,发布”。
# Drafts imported from {article}; not served. Review, then publish each one.
"""


@dataclass(frozen=True)
class Section:
    """One committee's paragraph of the article, with its 1-based line numbers."""

    committee: Committee
    first_line: int
    last_line: int
    text: str


def split_article(text: str, kb: KnowledgeBase, street: str | None = None) -> list[Section]:
    """The committee paragraphs of `text`, in article order."""
    committees = [c for c in kb.committees if street is None or c.street == street]
    sections: list[Section] = []
    current: Committee | None = None
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _heading_committee(line, committees)
        if heading is not None or _NUMBERED_HEADING.match(line):
            _close(sections, current, body)
            current, body = heading, []
        elif current is not None and line.strip():
            body.append((number, line.strip()))
    _close(sections, current, body)
    return sections


def _heading_committee(line: str, committees: list[Committee]) -> Committee | None:
    stripped = line.strip()
    for committee in committees:
        for name in (committee.name, *committee.aliases):
            if name in stripped and len(stripped) <= len(name) + _HEADING_SLACK:
                return committee
    return None


def _close(
    sections: list[Section], committee: Committee | None, body: list[tuple[int, str]]
) -> None:
    if committee is not None and body:
        text = "".join(line for _, line in body)
        sections.append(Section(committee, body[0][0], body[-1][0], text))


def key_terms(paragraph: str, names: frozenset[str], count: int = KEY_TERMS) -> list[str]:
    """The paragraph's most telling nouns, leaving out committee names.

    A word weighs its count in the paragraph times its rarity in jieba's dictionary (a
    TF-IDF with the dictionary as the corpus; jieba.analyse does the same but leaves its
    IDF file open)."""
    configure_jieba_cache()
    counts: Counter[str] = Counter(
        pair.word
        for pair in jieba.posseg.cut(paragraph)
        if pair.flag in _TERM_POS and len(pair.word) > 1 and pair.word not in _STOP_TERMS
    )
    total = jieba.dt.total

    def weight(word: str) -> float:
        return counts[word] * math.log(total / (jieba.dt.FREQ.get(word, 0) + 1))

    ranked = sorted(counts, key=weight, reverse=True)
    return [word for word in ranked if not _in_names(word, names)][:count]


def _in_names(term: str, names: frozenset[str]) -> bool:
    return any(term in name for name in names)


def committee_names(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(name for c in kb.committees for name in (c.name, c.short_name, *c.aliases))


def draft_title(paragraph: str) -> str:
    """The first sentence, cut to a title's length, for the admin to rewrite."""
    first = _SENTENCE_END.split(paragraph, maxsplit=1)[0].strip()
    return first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS] + "…"


def draft_record(
    section: Section, article: str, number: int, names: frozenset[str]
) -> dict[str, object]:
    committee = section.committee
    stem = committee.id.rpartition("/")[2]
    terms = key_terms(section.text, names)
    return {
        "id": f"{stem}-{article}-{number}",
        "committee": committee.id,
        "draft": True,
        "title": {"zh": draft_title(section.text), "en": ""},
        "answer": {"zh": section.text, "en": ""},
        "tags": [],
        "phrasings": {"zh": [f"{committee.short_name}{t}" for t in terms], "en": []},
        "source": {
            "article": article,
            "section": committee.name,
            "lines": f"{section.first_line}-{section.last_line}",
        },
    }


def article_id(path: Path) -> str:
    """The draft file's and the ids' name for the article: its file stem, made id-safe."""
    return re.sub(r"[^0-9a-z]+", "-", path.stem.casefold()).strip("-") or "article"


def write_drafts(
    kb_dir: Path, article_path: Path, sections: list[Section], names: frozenset[str]
) -> Path:
    article = article_id(article_path)
    records = [draft_record(s, article, n, names) for n, s in enumerate(sections, start=1)]
    folder = kb_dir / DRAFTS_FOLDER
    folder.mkdir(exist_ok=True)
    out = folder / f"{article}.yaml"
    body = yaml.safe_dump({"drafts": records}, allow_unicode=True, sort_keys=False, width=100)
    out.write_text(DRAFT_HEADER.format(article=article_path.name) + body, encoding="utf-8")
    return out


def run_import(kb_dir: Path, article_path: Path, street: str | None) -> int:
    """Exit 0 with the drafts written, 1 when the base is invalid or nothing was found."""
    try:
        kb = load_knowledge(kb_dir)
        text = article_path.read_text(encoding="utf-8-sig")
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"错误:读不了文章 {article_path}:{exc}", file=sys.stderr)
        return 1
    sections = split_article(text, kb, street)
    if not sections:
        print(f"错误:{article_path} 里没有找到知识库认识的居委名称,没有写草稿", file=sys.stderr)
        return 1
    out = write_drafts(kb_dir, article_path, sections, committee_names(kb))
    print(f"已写入 {len(sections)} 条草稿:{out}(审核后再发布,居民暂时看不到)")
    for section in sections:
        print(f"  {section.committee.name}:第 {section.first_line}-{section.last_line} 行")
    return 0


def run_publish(kb_dir: Path, draft_id: str) -> int:
    """Exit 0 when the draft is live (a running bot reloads it within seconds), else 1."""
    try:
        published = publish(kb_dir, draft_id)
    except TeachError as exc:
        print(f"错误:{exc.message.zh}", file=sys.stderr)
        return 1
    print(f"✓ 已发布:{published.fact_id} → {published.file}(运行中的机器人几秒内自动加载)")
    return 0


def run_list_drafts(kb_dir: Path) -> int:
    try:
        waiting = drafts(kb_dir)
    except TeachError as exc:
        print(f"错误:{exc.message.zh}", file=sys.stderr)
        return 1
    if not waiting:
        print("没有待审核的草稿")
    for draft in waiting:
        title = draft.record.get("title")
        zh_title = title.get("zh", "") if isinstance(title, dict) else ""
        print(f"{draft.id}\t{draft.committee_id}\t{zh_title}")
    return 0
