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
HANDOFFS_LINE = Text(
    zh="转给工作人员的留言:{opened} 条(未回复 {open},已回复 {answered};回复时间中位数 {median})",
    en="Hand-offs to staff: {opened} (open {open}, answered {answered}; median time to "
    "answer {median})",
)
MINUTES = Text(zh="{n} 分钟", en="{n} min")
HOURS = Text(zh="{n} 小时", en="{n} h")
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

CHANNELS = Text(zh="渠道", en="channels")
CHANNEL_NAMES = {
    "tg": Text(zh="Telegram", en="Telegram"),
    "web": Text(zh="网页", en="web"),
    "console": Text(zh="控制台", en="console"),
    "wechat": Text(zh="微信", en="WeChat"),
}
"""How admins read the front end a question came from (others show their own id)."""
UNKNOWN_CHANNEL = Text(zh="未记录", en="not recorded")

QUESTION_COLUMNS = (COUNT, EXAMPLE, NEAREST, SCORE, CHANNELS)
TOP_COLUMNS = (COUNT, FACT, TITLE)
FEEDBACK_COLUMNS = (HELPFUL, UNHELPFUL, FACT, TITLE)
ACTIONS = Text(
    zh="谁做了什么(教会、忽略、撤销、重新加载)",
    en="Who did what (taught, ignored, undid, reloaded)",
)
WHEN = Text(zh="时间", en="when")
WHO = Text(zh="管理员", en="admin")
WHAT = Text(zh="操作", en="action")
DETAIL = Text(zh="内容", en="detail")
ACTION_COLUMNS = (WHEN, WHO, WHAT, DETAIL)
ACTION_NAMES = {
    "teach": Text(zh="教会", en="taught"),
    "ignore": Text(zh="忽略", en="ignored"),
    "undo": Text(zh="撤销", en="undid"),
    "reload": Text(zh="重新加载", en="reloaded"),
    "login": Text(zh="登录", en="logged in"),
    "logout": Text(zh="退出登录", en="logged out"),
    "answer": Text(zh="回复留言", en="answered a message"),
    "publish": Text(zh="发布草稿", en="published a draft"),
}

# --- python -m bot check ------------------------------------------------------------------

CHECK_PROBLEMS = Text(zh="✗ {folder} 里有 {count} 个问题:", en="✗ {count} problem(s) in {folder}:")
CHECK_VALID = Text(
    zh="✓ 知识库没有问题({count} 个提醒)", en="✓ knowledge base is valid ({count} warning(s))"
)
CHECK_SUMMARY = Text(
    zh="{committees} 个居委,{facts} 条服务,{phrasings} 句问法,{groups} 组同义词",
    en="{committees} committees, {facts} facts, {phrasings} phrasings, {groups} synonym groups",
)
CHECK_STREET = Text(zh="街道", en="street")
"""The row of street-level facts (not tied to a committee)."""
CHECK_STREET_ROW = Text(zh="  {label:<16} {facts:>2} 条服务", en="  {label:<16} {facts:>2} facts")
CHECK_COMMITTEE_ROW = Text(
    zh="  {label:<16} {facts:>2} 条服务,{phrasings:>3} 句问法",
    en="  {label:<16} {facts:>2} facts, {phrasings:>3} phrasings",
)
CHECK_WARNING = Text(zh="  提醒:{warning}", en="  warning: {warning}")
LINT_SAMPLED = Text(
    zh="  说明:跨居委的检查只抽查了 {distinct:,} 句不同问法中的 {asked:,} 句(均匀抽样)",
    en="  note: the cross-committee lint asked {asked:,} of the {distinct:,} distinct "
    "phrasings, an even sample",
)
MERGED_ALIAS = Text(
    zh="{committee}:别名“{alias}”里有中文逗号,会被当成一个名称;"
    "要写两个名称,请用英文逗号加空格分开:[名称一, 名称二]",
    en="{committee}: the alias “{alias}” holds a Chinese comma, so it is one name; "
    "to write two, separate them with an ASCII comma and a space: [name one, name two]",
)
MERGED_PHRASING = Text(
    zh="{fact}:问法“{phrasing}”像是两句连在了一起;下一行的 '- ' 是不是多缩进了一个空格?",
    en="{fact}: the phrasing “{phrasing}” looks like two run together; is the next line's "
    "'- ' indented one space too far?",
)
SHARED_PHRASING = Text(
    zh="问法“{phrasing}”同时在几条服务下:{facts}",
    en="the phrasing “{phrasing}” is under several facts: {facts}",
)
MATCHES_ELSEWHERE = Text(
    zh="{fact}:它的问法“{phrasing}”更像 {other}(得分 {score:.0f}),这样问会得到别的居委的回答",
    en="{fact}: its phrasing “{phrasing}” matches {other} better ({score:.0f}); asked this way, "
    "residents get another committee's answer",
)
INVALID_CONFIG = Text(zh="错误:配置文件有问题:", en="error: invalid configuration:")
INVALID_KNOWLEDGE = Text(zh="错误:知识库有问题:", en="error: the knowledge base is invalid:")

# --- python -m bot eval ---------------------------------------------------------------------

CANNOT = Text(zh="无法{doing}:{reason}", en="cannot {doing}: {reason}")
DOING = {"evaluate": Text(zh="评估", en="evaluate"), "calibrate": Text(zh="校准", en="calibrate")}
EVAL_NOT_A_LIST = Text(
    zh="{path}:应该是一个问题列表(每条以 - q: 开头)", en="{path}: expected a list of cases"
)
EVAL_CASE_FIELDS = Text(
    zh="{path}:第 {number} 条需要 'q'(问题)和 'expect'(应由哪个居委回答)",
    en="{path}: case {number} needs 'q' and 'expect'",
)
EVAL_UNKNOWN_FIGURE = Text(
    zh="--min:未知的指标 {name!r}(可以用:{known})",
    en="--min: unknown figure {name!r} (known: {known})",
)
EVAL_NOT_A_NUMBER = Text(
    zh="--min:{name} 后面要写一个数字,现在是 {value!r}",
    en="--min: {name} needs a number, got {value!r}",
)
EVAL_SHORTFALL = Text(
    zh="未达标:{name} {percent:.1f}% {relation} {bound:g}%",
    en="below the bar: {name} {percent:.1f}% is {relation} {bound:g}%",
)
EVAL_ABOVE = Text(zh="高于上限", en="above")
EVAL_BELOW = Text(zh="低于下限", en="below")
EVAL_SETS = Text(zh="问题集 / 类别", en="set / category")
EVAL_OVERALL = Text(zh="总计", en="overall")
EVAL_LEGEND = Text(
    zh="first = 第一次回复就答对(占范围内的问题);within2 = 两步之内答对;"
    "wrong = 直接答错(占全部问题);declined = 范围外的问题直接说不知道;"
    "english = 英文问题用英文回答",
    en="first = first reply right (of in-scope); within2 = right within two steps; "
    "wrong = wrong outright answers (of all); declined = out-of-scope declined outright; "
    "english = English answered in English",
)
EVAL_MISS = Text(
    zh="  {flag}:{question!r}  应为 {expected},实际 {got}"
    "({outcome},{fact},得分 {score:.1f},p {confidence:.2f})",
    en="  {flag}: {question!r}  expected {expected}, got {got} "
    "({outcome}, {fact}, score {score:.1f}, p {confidence:.2f})",
)
EVAL_DIALOGUE_FIELDS = Text(
    zh="{path}:第 {number} 段对话需要 'turns'(按顺序问的问题,每个有 q 和 expect)",
    en="{path}: dialogue {number} needs 'turns' (its questions in order, each with q and expect)",
)
EVAL_DIALOGUES = Text(zh="对话集 / 类型", en="dialogues / pattern")
EVAL_DIALOGUE_LEGEND = Text(
    zh="first = 对话第一句答对;followup = 追问答对;followup_wrong = 追问直接答错;"
    "declined_detail = 知识库没有的细节说不知道",
    en="first = first turns right; followup = follow-ups right; followup_wrong = follow-ups "
    "answered wrongly; declined_detail = details the knowledge base lacks declined",
)
EVAL_DIALOGUE_MISS = Text(
    zh="  {flag}:第 {turn} 句 {question!r}  应为 {expected},实际 {got}"
    "({outcome},{fact},上下文 {context})",
    en="  {flag}: turn {turn} {question!r}  expected {expected}, got {got} "
    "({outcome}, {fact}, context {context})",
)
EVAL_WRONG = Text(zh="答错", en="WRONG")
EVAL_MISSED = Text(zh="没答对", en="miss")
EVAL_DECLINE = Text(zh="说不知道", en="decline")

# --- python -m bot run ----------------------------------------------------------------------

NO_TOKEN = Text(
    zh="错误:没有机器人令牌。请先设置环境变量 {env}(例如 export {env}=123:ABC,Windows 上"
    ' $env:{env}="123:ABC"),或者先不用 Telegram 试试:python -m bot chat',
    en="error: no bot token; set {env} (e.g. export {env}=123:ABC), "
    "or try the bot without Telegram: python -m bot chat",
)
TEACH_USAGE = Text(
    zh='用法:python -m bot teach "问题" 条目ID,或 python -m bot teach --undo(撤销上一次)',
    en='usage: python -m bot teach "QUESTION" FACT_ID, or python -m bot teach --undo',
)
