"""What only the WeChat front end says (the dialogue's own words are in bot/dialogue)."""

from bot.text import Text

NO_RECOGNITION = Text(
    zh="抱歉,公众号暂时还听不懂这条语音,请打字提问。",
    en="Sorry, this account cannot listen to that voice message yet; please type your question.",
)
SLOW_DOWN = Text(
    zh="您发消息有点快,请稍等片刻再问。",
    en="You are sending messages a little fast; please wait a moment before asking again.",
)
MENU_TOPICS = Text(zh="服务", en="Services")
MENU_MORE_TOPICS = Text(zh="更多服务", en="More")
MENU_COMMITTEES = Text(zh="居委", en="Committees")
MENU_COMMITTEE_LIST = Text(zh="居委列表", en="All committees")
MENU_MY_COMMITTEE = Text(zh="我的居委", en="My committee")
MENU_HELP = Text(zh="使用帮助", en="Help")
MENU_ENGLISH = Text(zh="English", en="中文")
