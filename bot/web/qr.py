"""`python -m bot qr URL`: a QR code poster for the notice board, and the code in the terminal.

segno makes the code (error correction M: a poster survives a little dirt or a fold);
Pillow adds the caption below it. Chinese needs a font that has it: the first one
fontconfig lists for Chinese (Debian: `apt-get install fonts-wqy-microhei`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

CAPTION = "淮海家 居民助手"
SCALE = 16
"""Pixels per QR module: ~600 px wide for a short address, sharp when printed at A5."""
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def run_qr(url: str, out: Path) -> int:
    if not url.startswith(("https://", "http://")):
        print(f"error: {url!r} is not a web address (it must start with https://)", file=sys.stderr)
        return 2
    code = segno.make(url, error="m", micro=False)
    code.terminal(out=sys.stdout, compact=True)
    font_file = chinese_font()
    if font_file is None:
        print(
            "error: no font with Chinese characters for the caption; install one, e.g. "
            "apt-get install fonts-wqy-microhei",
            file=sys.stderr,
        )
        return 1
    try:
        poster(code, url, font_file).save(out, format="PNG")
    except OSError as exc:
        print(f"error: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"{out}: QR code for {url} with the caption {CAPTION}")
    return 0


def poster(code: segno.QRCode, url: str, font_file: str) -> Image.Image:
    """The code with the caption in large type and the address in small type below it."""
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=SCALE, border=4)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    width = image.width
    caption_font = ImageFont.truetype(font_file, size=width // 9)
    url_font = ImageFont.truetype(font_file, size=max(width // 30, 12))
    canvas = Image.new("RGB", (width, image.height + width // 9 * 2 + width // 30 * 2), "white")
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    top = image.height - SCALE * 2  # into the quiet zone, which is generous
    draw.text((width // 2, top), CAPTION, fill="black", font=caption_font, anchor="mt")
    draw.text(
        (width // 2, top + width // 9 * 3 // 2), url, fill="#333333", font=url_font, anchor="mt"
    )
    return canvas


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
