"""The page's script as an old phone's browser would see it."""

from __future__ import annotations

from importlib.resources import files

import esprima
import pytest

SCRIPT = files("bot.web").joinpath("static/chat.js").read_text(encoding="utf-8")


def test_the_script_is_es2017_so_older_wechat_webviews_run_it() -> None:
    esprima.parseScript(SCRIPT)  # raises on ?. ?? class fields, catch without binding …


@pytest.mark.parametrize("snippet", ["var a = b?.c;", "var a = b ?? c;", "try {} catch {}"])
def test_the_es2017_check_catches_newer_syntax(snippet: str) -> None:
    with pytest.raises(esprima.Error):
        esprima.parseScript(snippet)


def test_the_script_never_inserts_html() -> None:
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in SCRIPT
