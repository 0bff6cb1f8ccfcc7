"""What the admin tools print for people, in both languages: the question report.

`python -m bot report` prints it in the configured default language, and /unanswered
in the admin's. Pick the language with `bot.dialogue.language.lang_from_hint`.
"""

from __future__ import annotations

from bot.kb.model import Text

REPORT_TITLE = Text(
    zh="提问报告:{since} 至 {until}(最近{days}天)",
    en="Question report: {since} to {until} (last {days} days)",
)
REPORT_TOTAL = Text(
    zh="共 {total} 个问题,已回答 {answered} 个({share})",
    en="{total} questions, {answered} answered ({share})",
)
UNANSWERED = Text(zh="没能回答的问题", en="Questions the bot could not answer")
CLARIFIED = Text(zh="需要追问“您是想问”的问题", en='Questions that needed "did you mean"')
TOP_FACTS = Text(zh="问得最多的条目", en="Facts asked most")
FEEDBACK = Text(zh="每个条目的反馈", en="Feedback per fact")
NONE = Text(zh="(无)", en="(none)")
MORE = Text(zh="……另有 {n} 组", en="… and {n} more")
REMOVED_FACT = Text(zh="(已删除 / removed)", en="(已删除 / removed)")
"""The title of a fact no longer in the knowledge base (stored in the report itself)."""

COUNT = Text(zh="次数", en="count")
EXAMPLE = Text(zh="例句", en="example")
NEAREST = Text(zh="最接近的条目", en="nearest fact")
SCORE = Text(zh="得分", en="score")
FACT = Text(zh="条目", en="fact")
TITLE = Text(zh="标题", en="title")
HELPFUL = Text(zh="👍", en="👍")
UNHELPFUL = Text(zh="👎", en="👎")

QUESTION_COLUMNS = (COUNT, EXAMPLE, NEAREST, SCORE)
TOP_COLUMNS = (COUNT, FACT, TITLE)
FEEDBACK_COLUMNS = (HELPFUL, UNHELPFUL, FACT, TITLE)
