"""The web chat: a phone page and a small JSON API over the same dialogue layer.

A front end as thin as `bot/telegram`: HTTP in, `Incoming` to `Dialogue.handle`,
the `Reply` out as JSON (or as a server-rendered page without JavaScript).
Nothing here imports `telegram`.
"""
