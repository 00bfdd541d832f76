"""Real file bytes for evidence tests (made with Pillow, not hand-written magic numbers)."""
from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 0)).save(buffer, format="PDF")
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG", color=(10, 120, 10))
PDF = pdf_bytes()
