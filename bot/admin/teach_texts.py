"""What teaching says to admins, in both languages (command line, Telegram, web /admin)."""

from __future__ import annotations

from bot.kb.model import Text

TAUGHT = Text(
    zh="✓ 已学会:“{question}” → {label}({fact_id},{file})",
    en="✓ Taught: “{question}” → {label} ({fact_id}, {file})",
)
ALREADY = Text(
    zh="✓ “{question}” 已经是 {label}({fact_id})的问法,没有改动",
    en="✓ “{question}” is already a phrasing of {label} ({fact_id}); nothing changed",
)
REFUSED = Text(zh="✗ 没有学:{reason}", en="✗ Not taught: {reason}")
# What became of the follow-ups of a teach: only what happened, never "told" for a
# message nobody has received yet.
FOLLOWUPS_SENT_TELEGRAM = Text(zh="已发给 {n} 位(Telegram)。", en="Sent to {n} on Telegram.")
FOLLOWUPS_QUEUED_TELEGRAM = Text(
    zh="{n} 位(Telegram)由运行中的机器人在半分钟内发出(还没有发)。",
    en="{n} on Telegram: not sent yet; the running bot sends them within half a minute.",
)
FOLLOWUPS_FAILED_TELEGRAM = Text(
    zh="{n} 位(Telegram)这次没有发出,机器人稍后再试。",
    en="{n} on Telegram could not be sent this time; the bot tries again later.",
)
FOLLOWUPS_QUEUED_WECHAT = Text(
    zh="{n} 位(微信)由网页服务在半分钟内用客服消息发出(还没有发;"
    "超过 48 小时的,居民下次发消息时看到)。",
    en="{n} on WeChat: not sent yet; the web server sends them within half a minute as "
    "customer-service messages (after 48 hours, with the resident's next reply).",
)
FOLLOWUPS_NEXT_VISIT = Text(
    zh="{n} 位下次打开网页时会看到(网页开着的一分钟内看到)。",
    en="{n} will see it when they next open the web chat (within a minute if it is open).",
)
UNDONE = Text(
    zh="↩ 已撤销:“{question}” 不再是 {fact_id} 的问法",
    en="↩ Undone: “{question}” is no longer a phrasing of {fact_id}",
)
NOTHING_TO_UNDO = Text(zh="没有可以撤销的学习记录。", en="There is no teach to undo.")
IGNORED = Text(zh="已忽略:“{question}”", en="Ignored: “{question}”")
NO_GROUPS = Text(
    zh="最近{days}天没有需要教的问题。", en="No unanswered questions in the last {days} days."
)
GROUP = Text(
    zh="[{n}/{total}] {count} 次:“{example}”", en="[{n}/{total}] asked {count}×: “{example}”"
)
ALSO_ASKED = Text(zh="  类似问法:{variants}", en="  also asked as: {variants}")
WALK_HELP = Text(
    zh="  输入编号教给该条目,e 加新问法 改写,s 跳过,u 撤销上一次,q 退出",
    en="  type a number to teach it to that fact, e and a wording to change it, s to skip, "
    "u to undo the last teach, q to quit",
)
NO_NEAREST = Text(zh="  (没有接近的条目)", en="  (no fact is near)")
WALK_DONE = Text(zh="全部看完了。", en="That was the last group.")
TEACH_BUTTON = Text(zh="➕ {label}", en="➕ {label}")
ANOTHER_FACT = Text(zh="其他条目…", en="another fact…")
IGNORE = Text(zh="忽略", en="ignore")
BACK = Text(zh="« 居委列表", en="« committees")
PICK_COMMITTEE = Text(
    zh="“{example}”应该由哪个居委的条目回答?", en="Which committee's fact answers “{example}”?"
)
PICK_FACT = Text(zh="把“{example}”教给哪个条目?", en="Teach “{example}” to which fact?")
GROUP_GONE = Text(
    zh="这组问题已经不在列表里了(已经教过或忽略了?)。发送 /unanswered 查看最新的。",
    en="That group is no longer listed (taught or ignored already?). Send /unanswered for the "
    "current list.",
)
UNANSWERED_HEADER = Text(
    zh="最近{days}天没能回答的问题:共 {total} 组,下面是前 {shown} 组。点 ➕ 把问题教给该条目。",
    en="Unanswered questions of the last {days} days: {total} groups, the first {shown} below. "
    "Press ➕ to teach a question to that fact.",
)
WORDING = Text(
    zh="  将写入的问法:“{wording}”", en="  the wording that will be written: “{wording}”"
)
EDIT_HELP_CLI = Text(
    zh="  要改写这句问法(比如删掉电话号码、姓名),输入 e 加新的问法,例如:e 有没有上门理发",
    en="  to change the wording (e.g. drop a name), type e and the new wording: e is there …",
)
EDIT_HELP_TELEGRAM = Text(
    zh="要改写这句问法(比如删掉姓名),发送:/wording {log_id} 新的问法",
    en="To change the wording (e.g. drop a name), send: /wording {log_id} new wording",
)
WORDING_SET = Text(
    zh="好的,将写入:“{wording}”。现在点那组问题下面的 ➕ 按钮。",
    en="OK, the wording to write is now “{wording}”. Press a ➕ button under that group.",
)
WORDING_USAGE = Text(
    zh="用法:/wording 编号 新的问法(编号见 /unanswered 每组下面的提示)",
    en="Usage: /wording NUMBER new wording (the number is under each group of /unanswered)",
)
OTHERS_TITLE = Text(
    zh="  这组里的其他问法(可能是别的事):",
    en="  other wordings in this group (may be another matter):",
)
TICK_PROMPT = Text(
    zh="  问过上面哪些问法的居民也要通知?输入编号(如 1 3),直接回车都不通知",
    en="  which of these wordings' askers should be told too? numbers (e.g. 1 3), Enter for none",
)
TICK_BUTTON = Text(zh="{box} 也通知:{wording}", en="{box} also tell: {wording}")
