"""The flood rule lives in `bot.dialogue.flood`, shared with the web chat; kept importable here."""

from bot.dialogue.flood import FloodGate, Verdict

__all__ = ["FloodGate", "Verdict"]
