"""Everything the Telegram layer says on its own, in both languages.

What residents read in a conversation is `bot.dialogue.texts`; this catalogue holds
what only Telegram needs: the command menu, flood and error notices, and the admins'
commands. Pick the language with `bot.dialogue.language.lang_from_hint` (one rule for
every layer), then `TEXT.in_lang(lang).format(...)`.
"""

from __future__ import annotations

from bot.kb.model import Text

# --- residents ------------------------------------------------------------------------

SLOW_DOWN = Text(
    zh="您发消息有点快,请稍等片刻再问。",
    en="You are sending messages a little fast; please wait a moment before asking again.",
)
APOLOGY = Text(
    zh="抱歉,出了点问题,请稍后再试。",
    en="Sorry, something went wrong. Please try again in a moment.",
)

COMMANDS: tuple[tuple[str, Text], ...] = (
    ("start", Text(zh="开始:按主题浏览", en="Start: browse by topic")),
    ("help", Text(zh="怎么提问", en="How to ask")),
    ("committees", Text(zh="16 个居委", en="The 16 residents' committees")),
    ("mycommittee", Text(zh="我的居委", en="My committee")),
    (
        "committee",
        Text(zh="查某个居委,例如 /committee 孝和", en="One committee, e.g. /committee Xiaohe"),
    ),
    ("lang", Text(zh="切换语言:/lang en 或 /lang zh", en="Language: /lang en or /lang zh")),
    ("followups", Text(zh="有答案时通知我(off 关闭)", en="Answer notices (off: stop them)")),
    ("ask", Text(zh="在群里提问:/ask 问题", en="Ask in a group: /ask your question")),
)
"""The command menu Telegram shows residents: (command, description)."""

# --- admins ---------------------------------------------------------------------------

ADMIN_COMMANDS: tuple[tuple[str, Text], ...] = (
    ("reload", Text(zh="重新加载知识库", en="Reload the knowledge")),
    ("unanswered", Text(zh="没答上的问题,点按钮教会机器人", en="Unanswered: teach with a tap")),
    ("wording", Text(zh="改写要教的问法", en="Change the wording to teach")),
    ("undo", Text(zh="撤销我上一次教的问法", en="Undo my last teach")),
    ("stats", Text(zh="使用统计", en="Usage figures")),
)
"""The commands only street staff see in their menu."""

REFUSAL = Text(
    zh="抱歉,这个命令只供街道工作人员使用。",
    en="Sorry, this command is for street staff only.",
)
BOT_ERROR = Text(
    zh="⚠️ 机器人出错 / bot error: {error}",
    en="⚠️ 机器人出错 / bot error: {error}",
)
"""Sent to every admin at once, so it carries both languages."""

STATS = Text(
    zh=(
        "今天的提问:{today}\n"
        "本周的提问:{week}(已回答:{share})\n"
        "本周反馈:👍 {helpful_week}  👎 {unhelpful_week}\n"
        "累计反馈:👍 {helpful_total}  👎 {unhelpful_total}"
    ),
    en=(
        "Questions today: {today}\n"
        "Questions this week: {week} (answered: {share})\n"
        "Feedback this week: 👍 {helpful_week}  👎 {unhelpful_week}\n"
        "Feedback in total: 👍 {helpful_total}  👎 {unhelpful_total}"
    ),
)

RELOADED = Text(
    zh="知识库已重新加载:{committees} 个居委、{facts} 条信息、{phrasings} 种问法。",
    en="Knowledge reloaded: {committees} committees, {facts} facts, {phrasings} phrasings.",
)
RELOAD_FAILED = Text(
    zh="知识库加载失败,居民仍在使用上一版知识库。请修改以下问题:",
    en="Reloading the knowledge failed; residents are still answered from the previous version.",
)
"""The first line of a failed reload's notice; one "• problem" line follows per error.
For bot/telegram/reloading.py, which still spells both out itself."""

# --- hand-offs: residents' messages to staff (bot/telegram/handoffs.py) ----------------

HANDOFF_REPLY_BUTTON = Text(zh="✍️ 回复", en="✍️ Reply")
HANDOFF_PROMPT = Text(
    zh="请输入给居民的回复(留言 #{id}),发出去就是最终回复;发一个命令(如 /start)就取消。",
    en="Type your answer to the resident (message #{id}); what you send is final. Send a "
    "command (e.g. /start) to cancel.",
)
HANDOFF_TOO_LONG = Text(
    zh="回复太长了(最多 {limit} 个字),请缩短后再发。",
    en="That answer is too long (at most {limit} characters); please shorten it and send again.",
)
HANDOFF_GONE = Text(
    zh="这条留言已经有人回复过了,或者已经不在了。",
    en="This message has been answered already, or is gone.",
)
HANDOFF_SENT = Text(zh="✓ 已发给居民(留言 #{id})。", en="✓ Sent to the resident (message #{id}).")
HANDOFF_SAVED = Text(
    zh="✓ 已保存(留言 #{id})。居民下次打开聊天时会看到。",
    en="✓ Saved (message #{id}). The resident sees it at their next visit.",
)
HANDOFF_BLOCKED = Text(
    zh="没送到:这位居民屏蔽了机器人(留言 #{id})。",
    en="Not delivered: this resident blocked the bot (message #{id}).",
)
HANDOFF_TAKEN = Text(
    zh="✓ 已保存(留言 #{id});另一个运行中的机器人正在发给居民。",
    en="✓ Saved (message #{id}); another running bot is sending it to the resident.",
)
HANDOFF_LATER = Text(
    zh="暂时没发出去,机器人稍后会再试(留言 #{id})。",
    en="Not sent yet; the bot will try again shortly (message #{id}).",
)
