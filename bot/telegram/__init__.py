"""The Telegram front end: python-telegram-bot wiring over the dialogue layer.

The only package that imports `telegram`; everything it says comes from `bot.dialogue`.
"""
