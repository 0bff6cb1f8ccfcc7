"""`python -m bot qr URL`: a print-ready poster for the notice board, and the code in the terminal.

The poster is an A5 and an A4 page at 300 dpi, as PNG and PDF: the title, a line on what
the assistant does, the QR code, "微信扫一扫,直接提问", three example questions taken from
the knowledge base's topic menu, and the fallback contact (the 12345 hotline) for what the
assistant cannot answer. Every line but the fixed instructions comes from the knowledge
base, so the poster never promises what the bot does not know.

segno makes the code (error correction M: a poster survives a little dirt or a fold);
Pillow lays out the page. Chinese needs a font that has it: the first one fontconfig lists
for Chinese (Debian: `apt-get install fonts-wqy-microhei`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.kb.model import Fact, KnowledgeBase

CAPTION = "淮海家 居民助手"
SCAN_LINE = "微信扫一扫,直接提问"
EXAMPLES_HEADING = "可以这样问:"
EXAMPLE_COUNT = 3
DPI = 300
MM_PER_INCH = 25.4
PAPER_MM = {"A5": (148, 210), "A4": (210, 297)}
"""ISO 216 paper sizes, portrait, in millimetres."""
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@dataclass(frozen=True)
class PosterText:
    """Every line the poster prints, apart from the code itself."""

    title: str
    purpose: str
    examples: tuple[str, ...]
    fallback: str
    url: str


def poster_text(kb: KnowledgeBase, url: str) -> PosterText:
    street = kb.street
    purpose = f"回答{street.name}{street.committee_count}个居委的服务问题"
    return PosterText(CAPTION, purpose, example_questions(kb), kb.fallback.zh, url)


def example_questions(kb: KnowledgeBase, count: int = EXAMPLE_COUNT) -> tuple[str, ...]:
    """The first Chinese phrasing of one fact from each of the first menu topics."""
    examples: list[str] = []
    for tag in kb.menu_tags:
        fact = next(_facts_with_phrasings(kb.facts_tagged(tag.name)), None)
        if fact is not None and fact.phrasings_zh[0] not in examples:
            examples.append(fact.phrasings_zh[0])
        if len(examples) == count:
            break
    return tuple(examples)


def _facts_with_phrasings(facts: tuple[Fact, ...]) -> Iterator[Fact]:
    return (fact for fact in facts if fact.phrasings_zh and not fact.overview)


def page_pixels(paper: str) -> tuple[int, int]:
    width_mm, height_mm = PAPER_MM[paper]
    return round(width_mm / MM_PER_INCH * DPI), round(height_mm / MM_PER_INCH * DPI)


def run_qr(url: str, out: Path, kb: KnowledgeBase, papers: tuple[str, ...]) -> int:
    if not url.startswith(("https://", "http://")):
        print(f"error: {url!r} is not a web address (it must start with https://)", file=sys.stderr)
        return 2
    code = segno.make(url, error="m", micro=False)
    code.terminal(out=sys.stdout, compact=True)
    font_file = chinese_font()
    if font_file is None:
        print(
            "error: no font with Chinese characters for the poster; install one, e.g. "
            "apt-get install fonts-wqy-microhei",
            file=sys.stderr,
        )
        return 1
    text = poster_text(kb, url)
    try:
        written = [
            path for paper in papers for path in save_poster(code, text, font_file, paper, out)
        ]
    except OSError as exc:
        print(f"error: cannot write the poster: {exc}", file=sys.stderr)
        return 1
    print(f"{CAPTION}: QR code for {url}, {DPI} dpi")
    for path in written:
        print(f"  {path}")
    print(f"{EXAMPLES_HEADING} {' / '.join(text.examples)}")
    return 0


def save_poster(
    code: segno.QRCode, text: PosterText, font_file: str, paper: str, out: Path
) -> tuple[Path, Path]:
    """Write `<out>-<paper>.png` and `.pdf`; the PDF's page is exactly the paper size."""
    page = poster(code, text, font_file, paper)
    stem = out.with_suffix("") if out.suffix.lower() in {".png", ".pdf"} else out
    png, pdf = (stem.with_name(f"{stem.name}-{paper}{suffix}") for suffix in (".png", ".pdf"))
    page.save(png, format="PNG", dpi=(DPI, DPI))
    page.save(pdf, format="PDF", resolution=DPI)
    return png, pdf


def poster(code: segno.QRCode, text: PosterText, font_file: str, paper: str) -> Image.Image:
    """The page: sizes follow the page width, so A4 is A5 scaled up."""
    width, height = page_pixels(paper)
    canvas = Image.new("RGB", (width, height), "white")
    layout = _Layout(ImageDraw.Draw(canvas), font_file, width)
    layout.line(text.title, size=width // 11, gap=width // 40)
    layout.wrapped(text.purpose, size=width // 30, fill="#333333", gap=width // 30)
    layout.y = layout.paste_code(canvas, code, side=width // 2)
    layout.line(SCAN_LINE, size=width // 18, gap=width // 30)
    layout.line(EXAMPLES_HEADING, size=width // 28, fill="#333333", gap=width // 80)
    for example in text.examples:
        layout.wrapped(f"“{example}”", size=width // 26, gap=width // 80)
    layout.y += width // 40
    layout.wrapped(text.fallback, size=width // 38, fill="#333333", gap=width // 60)
    layout.line(text.url, size=width // 40, fill="#555555", gap=0)
    if layout.y > height - layout.margin // 2:  # a longer fallback or example: never cut text
        raise ValueError(f"the poster's text runs off the {paper} page")
    return canvas


class _Layout:
    """Centred lines from the top of the page down; `y` is where the next one goes."""

    def __init__(self, draw: ImageDraw.ImageDraw, font_file: str, width: int) -> None:
        self.draw = draw
        self.font_file = font_file
        self.width = width
        self.margin = width // 12
        self.y = width // 10

    def line(self, text: str, *, size: int, gap: int, fill: str = "black") -> None:
        font = ImageFont.truetype(self.font_file, size=size)
        self.draw.text((self.width // 2, self.y), text, fill=fill, font=font, anchor="mt")
        self.y += size * 5 // 4 + gap

    def wrapped(self, text: str, *, size: int, gap: int, fill: str = "black") -> None:
        """A line too wide for the margins breaks between characters (Chinese has no spaces)."""
        font = ImageFont.truetype(self.font_file, size=size)
        rows = _wrap(text, lambda chunk: self.draw.textlength(chunk, font=font), self.usable)
        for row in rows[:-1]:
            self.line(row, size=size, gap=0, fill=fill)
        self.line(rows[-1], size=size, gap=gap, fill=fill)

    @property
    def usable(self) -> int:
        return self.width - 2 * self.margin

    def paste_code(self, canvas: Image.Image, code: segno.QRCode, side: int) -> int:
        """The code, `side` pixels wide or a little less (whole pixels per module), centred."""
        modules = code.symbol_size(scale=1, border=4)[0]
        buffer = io.BytesIO()
        code.save(buffer, kind="png", scale=max(1, side // modules), border=4)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        canvas.paste(image, ((self.width - image.width) // 2, self.y))
        return self.y + image.height + self.width // 60


def _wrap(text: str, measure: Callable[[str], float], limit: int) -> list[str]:
    rows: list[str] = []
    row = ""
    for char in text:
        if row and measure(row + char) > limit:
            rows.append(row)
            row = ""
        row += char
    return [*rows, row] if row else rows or [""]


def chinese_font() -> str | None:
    """A font file with Chinese glyphs: fontconfig's first, else a well-known path."""
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "-f", "%{file}\n"], capture_output=True, text=True, check=False
        )
        files = sorted(line for line in listing.stdout.splitlines() if line.strip())
        if files:
            return files[0]
    return next((path for path in FALLBACK_FONTS if Path(path).exists()), None)
