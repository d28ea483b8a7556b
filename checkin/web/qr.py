"""QR codes as inline SVG (no image files, no JavaScript), for cards handed to clients."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(data: str, title: str) -> Markup:
    qr = segno.make(data, error="m")
    return Markup(qr.svg_inline(scale=5, dark="#000", light="#fff", title=title))
