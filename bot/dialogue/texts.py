"""Everything the bot says on its own (not from the knowledge base), in both languages.

Plain text only: front ends send these without a parse mode. Which language a
reply is in is decided once, in `bot.dialogue.language`.
"""

from __future__ import annotations

from bot.kb.model import Text

WELCOME = Text(
    zh=(
        "您好!我是“幸福淮海家”居民助手,可以回答关于淮海中路街道16个居委会服务的问题,"
        "比如买菜、为老服务、文化活动、法律调解。\n"
        "直接打字提问就行,也可以点下面的主题看看。发送 /help 查看全部用法。"
    ),
    en=(
        "Hello! I'm the Happy Huaihai Home resident assistant. I answer questions about the "
        "services of the 16 residents' committees of Huaihai Middle Road Street: groceries, help "
        "for older people, culture, legal advice and more.\n"
        "Just type your question, or pick a topic below. Send /help to see everything I can do."
    ),
)

HELP = Text(
    zh=(
        "直接用文字提问,例如“哪里可以买菜”“有没有法律咨询”。\n"
        "/start 主题菜单\n"
        "/committees 16个居委会\n"
        "/committee 名称 查看某个居委,例如 /committee 孝和\n"
        "/mycommittee 设置您所在的居委,回答时优先告诉您本居委的服务\n"
        "/lang zh 或 /lang en 切换中文/英文\n"
        "/followups off 不再接收“现在有答案了”的通知(on 重新打开)\n"
        "想找工作人员:发“转人工”或“我要留言 + 您的事”\n"
        "/help 本说明"
    ),
    en=(
        'Just type your question, e.g. "where can I buy vegetables" or "is there legal advice".\n'
        "/start topic menu\n"
        "/committees the 16 residents' committees\n"
        "/committee NAME one committee, e.g. /committee Xiaohe\n"
        "/mycommittee set your own committee; answers then put its services first\n"
        "/lang zh or /lang en switch between Chinese and English\n"
        '/followups off stop "there is an answer now" messages (on to turn them back on)\n'
        'To reach the staff: send "talk to a person" or "leave a message" and what it is about\n'
        "/help this help"
    ),
)

TOPIC_MENU = Text(zh="请选择一个主题:", en="Pick a topic:")
TOPIC_FACTS = Text(zh="“{topic}”相关的服务:", en="Services about {topic}:")
COMMITTEE_LIST = Text(
    zh="淮海中路街道的16个居委会,点一个看看它的服务:",
    en="The 16 residents' committees of Huaihai Middle Road Street. Pick one to see its services:",
)
COMMITTEE_FACTS = Text(zh="{name}的服务:", en="Services of the {name}:")
COMMITTEE_NOT_FOUND = Text(
    zh="没有找到叫“{name}”的居委。请从下面选择:",
    en='I could not find a committee called "{name}". Please pick one below:',
)
COMMITTEE_NOT_FOUND_UNNAMED = Text(
    zh="没有找到这个居委。请从下面选择:",
    en="I could not find that committee. Please pick one below:",
)
COMMITTEE_NO_FACTS = Text(zh="{name}暂时没有收录服务信息。", en="No services of the {name} yet.")

MY_COMMITTEE_ASK = Text(
    zh="请选择您所在的居委。回答问题时,我会优先告诉您本居委的服务。",
    en="Which committee do you live in? I'll put its services first when I answer.",
)
MY_COMMITTEE_CURRENT = Text(zh="现在记住的是:{name}。", en="Currently saved: {name}.")
MY_COMMITTEE_SAVED = Text(
    zh="好的,已记住您所在的是{name}。",
    en="Got it: you live in the {name}.",
)
SAVE_FAILED = Text(
    zh="抱歉,暂时没能保存,请稍后再试。",
    en="Sorry, I couldn't save that just now. Please try again later.",
)

LANG_ASK = Text(zh="请选择语言 / Choose a language:", en="Choose a language / 请选择语言:")
LANG_SET = Text(zh="好的,以后用中文回答。", en="OK, I'll answer in English from now on.")
LANG_AUTO = Text(
    zh="好的,以后用您提问的语言回答。",
    en="OK, I'll answer in the language of your question.",
)

YOUR_COMMITTEE = Text(zh="你所在的{name}:", en="Your committee, {name}:")
OTHER_COMMITTEES = Text(
    zh="其他居委也有类似的服务:{names}。",
    en="Other committees with similar services: {names}.",
)
LISTED = Text(
    zh="这些居委有相关的服务:{names}。点一个看看:",
    en="These committees have something on that: {names}. Pick one:",
)
DETAIL_FIRST = Text(zh="👉 {detail}", en="👉 {detail}")
DID_YOU_MEAN = Text(zh="您是想问:", en="Did you mean:")
NONE_OF_THESE = Text(zh="都不是", en="None of these")
NONE_REPLY = Text(
    zh="抱歉,这个问题我还没有收录。{fallback}",
    en="Sorry, I don't have that yet. {fallback}",
)
DETAIL_UNKNOWN = Text(
    zh="{detail}我这里没有收录。关于“{title}”我只知道这些,点下面看看。\n{fallback}",
    en="I don't have {detail}. About “{title}” I only know this: tap below.\n{fallback}",
)
DECLINED = Text(
    zh=(
        "抱歉,这个问题我暂时还不知道答案。您可以发送 /committees 查看各居委的服务,"
        "或从下面的主题里找找。\n{fallback}"
    ),
    en=(
        "Sorry, I don't know the answer to that yet. Send /committees to browse each "
        "committee's services, or look through the topics below.\n{fallback}"
    ),
)

HELPFUL = Text(zh="👍 有帮助", en="👍 Helpful")
NOT_HELPFUL = Text(zh="👎 没帮助", en="👎 Not helpful")
THANKS_HELPFUL = Text(zh="谢谢您的反馈!", en="Thank you for the feedback!")
THANKS_NOT_HELPFUL = Text(
    zh="谢谢反馈,我们会改进。{fallback}",
    en="Thanks for telling us; we'll improve it. {fallback}",
)

GREETING = Text(
    zh="您好!有什么关于居委会服务的问题,直接问我就行。发送 /start 可以看主题菜单。",
    en="Hello! Ask me anything about the residents' committees' services. Send /start for topics.",
)
THANKS = Text(zh="不客气!还有问题随时问我。", en="You're welcome! Ask me any time.")

EMPTY = Text(
    zh="请用文字输入您的问题,例如“哪里可以买菜”。发送 /help 查看用法。",
    en='Please type your question in words, e.g. "where can I buy vegetables". Send /help.',
)
TOO_LONG = Text(
    zh="问题有点长,请用一两句话提问(500字以内)。",
    en="That's a bit long. Please ask in a sentence or two (under 500 characters).",
)
NON_TEXT = Text(
    zh="请用文字提问 / Please type your question.", en="Please type your question / 请用文字提问."
)
UNKNOWN_COMMAND = Text(
    zh="我不认识这个命令。发送 /help 查看可以用的命令。",
    en="I don't know that command. Send /help to see what I can do.",
)
CHANGED = Text(
    zh="这一项已经更新了,请重新提问,或发送 /start 查看最新的菜单。",
    en="This item has changed. Please ask again, or send /start to see the current menu.",
)
ERROR = Text(
    zh="抱歉,我这边出了点问题,请稍后再试。",
    en="Sorry, something went wrong on my side. Please try again later.",
)

BACK_TO_TOPICS = Text(zh="« 主题菜单", en="« Topics")
BACK_TO_COMMITTEES = Text(zh="« 居委列表", en="« Committees")

CONTACT_LABELS = {
    "address": Text(zh="地址", en="Address"),
    "phone": Text(zh="电话", en="Phone"),
    "hours": Text(zh="办公时间", en="Hours"),
}
SOURCE = Text(zh="来源:{source}", en="Source: {source}")

STAFF_ONLY = Text(zh="这个按钮只供街道工作人员使用。", en="This button is for street staff only.")

# --- follow-ups: an answer to a question the bot could not answer before ---------------
FOLLOW_UP = Text(
    zh="您之前问的“{question}”,现在有答案了:\n\n{answer}",
    en="You asked “{question}” earlier; there is an answer now:\n\n{answer}",
)
FOLLOWUPS_OFF = Text(
    zh="好的,以后不再发送“现在有答案了”的通知。发送 /followups on 可以重新打开。",
    en='OK, no more "there is an answer now" messages. Send /followups on to turn them back on.',
)
FOLLOWUPS_ON = Text(
    zh="好的,您问过而我答不上的问题,有了答案会告诉您。",
    en="OK: when a question I could not answer gets an answer, I will tell you.",
)
FOLLOWUPS_ASK = Text(
    zh="您问过而我答不上的问题,有了答案时我会告诉您。发送 /followups off 关闭,/followups on 打开。",
    en="When a question I could not answer gets an answer, I tell you. "
    "Send /followups off to stop that, /followups on to turn it back on.",
)

# --- emergencies (bot/dialogue/emergency.py; the numbers are in street.yaml) ---------
EMERGENCY_CALL_NOW = Text(
    zh="🆘 紧急情况,请现在就打电话:",
    en="🆘 Emergency: call now:",
)
EMERGENCY_NUMBER = Text(zh="☎️ {number} {label}", en="☎️ {number} {label}")
EMERGENCY_NO_CALL = Text(
    zh="这个机器人不能替您打电话,请马上拨打。",
    en=" This bot cannot call for you: dial now.",
)

# --- reaching a person (bot/dialogue/handoff.py) ------------------------------------
HANDOFF_STAFF = Text(zh="{street}的工作人员", en="the staff of {street}")
HANDOFF_OPENED = Text(
    zh=(
        "好的,您的留言(#{id})已经转给{staff}。只有街道和居委的工作人员能看到它,"
        "他们会看到这条消息和您刚才问的几个问题。\n"
        "回复可能要一个工作日,会发到您现在用的这个聊天里。想补充什么,"
        "再发一条“我要留言:……”就会加到同一条留言里。"
    ),
    en=(
        "Done: your message (#{id}) has gone to {staff}. Only the street's and the committees' "
        "staff can see it; they see this message and the last few questions you asked.\n"
        "An answer may take a working day; it will come to this chat. To add something, send "
        '"leave a message: …" and it joins the same message.'
    ),
)
HANDOFF_ADDED = Text(
    zh="已经加到您的留言 #{id} 里了,工作人员回复时会一起看到。",
    en="Added to your message #{id}; the staff will see it with the rest.",
)
HANDOFF_LIMITED = Text(
    zh="您今天已经留言好几次了,请等工作人员回复。着急的话:{fallback}",
    en="You have left several messages today; please wait for the staff's answer. If it is "
    "urgent: {fallback}",
)
HANDOFF_FAILED = Text(
    zh="抱歉,留言现在存不下来,没有转给工作人员。请过一会儿再试,或者:{fallback}",
    en="Sorry, your message could not be saved and has not reached the staff. Please try "
    "again in a while, or: {fallback}",
)
HANDOFF_UNAVAILABLE = Text(
    zh="这里还不能转给工作人员。{fallback}",
    en="Messages to the staff cannot be left here. {fallback}",
)
HANDOFF_ASK_SAYS = Text(
    zh="(转给工作人员:机器人会开一条留言,告诉居民谁会看到、回复可能要一个工作日)",
    en="(a hand-off: the bot opens a message to staff and tells the resident who sees it "
    "and that an answer may take a working day)",
)
"""What `python -m bot ask` shows for a request for a person, which it does not open."""
HANDOFF_ANSWER = Text(
    zh="工作人员回复了您的留言 #{id}(“{message}”):\n{answer}",
    en='The staff answered your message #{id} ("{message}"):\n{answer}',
)
