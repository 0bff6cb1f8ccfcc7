"""The WeChat Official Account (公众号) front end: the developer message callback at
`/wechat` and the account's API (customer-service messages, the custom menu).

Thin over `bot.dialogue`, as `bot.telegram` and `bot.web` are: wechatpy does the
protocol (signatures, AES, parsing, replies); this package turns a push into `Incoming`
and a `Reply` into WeChat's text, with its links for buttons and its byte limit.
"""
