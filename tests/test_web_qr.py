"""`python -m bot qr`: a print-ready poster whose PDF scans back to the address."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.config import SHIPPED_KNOWLEDGE
from bot.kb.loader import load_knowledge
from bot.web.qr import CAPTION, chinese_font, poster_text

URL = "https://chat.huaihai.example/"
POINTS_PER_MM = 72 / 25.4
needs_font = pytest.mark.skipif(  # CI installs the font, so there its absence is a failure
    chinese_font() is None and not os.environ.get("CI"),
    reason="needs a Chinese font: apt-get install -y fonts-wqy-microhei",
)


@needs_font
def test_the_pdf_posters_are_a5_and_a4_at_300_dpi_and_scan_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["qr", URL, "--out", str(tmp_path / "poster")]) == 0
    for paper, (width_mm, height_mm) in {"A5": (148, 210), "A4": (210, 297)}.items():
        pdf = pypdfium2.PdfDocument(tmp_path / f"poster-{paper}.pdf")
        page = pdf[0]
        width_pt, height_pt = page.get_size()
        assert abs(width_pt - width_mm * POINTS_PER_MM) < 1
        assert abs(height_pt - height_mm * POINTS_PER_MM) < 1
        (image,) = (obj for obj in page.get_objects() if isinstance(obj, pypdfium2.PdfImage))
        pixels_wide = image.get_metadata().width
        assert pixels_wide / (width_pt / 72) >= 299.5, "at least 300 dots per inch"
        rendered = page.render(scale=100 / 72).to_pil()  # as a 100 dpi printer would
        assert [code.text for code in zxingcpp.read_barcodes(rendered)] == [URL]
        with Image.open(tmp_path / f"poster-{paper}.png") as png:
            assert png.size[0] == pixels_wide
        pdf.close()
    printed = capsys.readouterr().out
    assert "█" in printed and CAPTION in printed


def test_the_poster_says_what_to_do_with_examples_from_the_menu_and_the_hotline() -> None:
    kb = load_knowledge(SHIPPED_KNOWLEDGE)
    text = poster_text(kb, URL)
    assert len(text.examples) == 3
    menu = [tag.name for tag in kb.menu_tags]
    topics = []
    for example in text.examples:
        (fact,) = (fact for fact in kb.facts if example in fact.phrasings_zh)
        topics.append(next(tag for tag in fact.tags if tag in menu))
    assert len(set(topics)) == 3, "three different topics of the menu"
    assert "12345" in text.fallback
    assert kb.street.name in text.purpose


def test_qr_refuses_something_that_is_not_an_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["qr", "淮海中路", "--out", str(tmp_path / "poster")]) == 2
    assert "not a web address" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
