"""`python -m bot qr`: a poster that scans back to the address, with its caption."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.web.qr import CAPTION, chinese_font

URL = "https://chat.huaihai.example/"


@pytest.mark.skipif(  # CI installs the font, so there its absence is a failure
    chinese_font() is None and not os.environ.get("CI"),
    reason="needs a Chinese font: apt-get install -y fonts-wqy-microhei",
)
def test_qr_poster_scans_to_the_url_and_has_a_caption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "poster.png"
    assert main(["qr", URL, "--out", str(out)]) == 0
    poster = Image.open(out)
    assert [code.text for code in zxingcpp.read_barcodes(poster)] == [URL]
    width, height = poster.size
    caption_band = poster.convert("L").crop((0, width, width, height))
    assert caption_band.getextrema()[0] < 64  # dark strokes of the caption below the code
    printed = capsys.readouterr().out
    assert "█" in printed and CAPTION in printed


def test_qr_refuses_something_that_is_not_an_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "poster.png"
    assert main(["qr", "淮海中路", "--out", str(out)]) == 2
    assert "not a web address" in capsys.readouterr().err
    assert not out.exists()
