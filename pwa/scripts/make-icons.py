"""Draws the app's icons (run once; the PNGs are committed): a white dossier with a
yellow star on the red of the one-stop desk. Needs Pillow (the server's venv has it):
    ../.venv/bin/python scripts/make-icons.py"""

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "public" / "icons"
RED, WHITE, YELLOW, INK = (183, 28, 28), (255, 255, 255), (255, 205, 0), (183, 28, 28)


def star(cx, cy, r):
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw(size: int, maskable: bool) -> Image.Image:
    scale = 4
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, s, s], fill=RED)
        inset = s * 0.2
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=s * 0.18, fill=RED)
        inset = s * 0.14
    # The dossier: a sheet with a folded corner.
    left, top, right, bottom = inset + s * 0.1, inset, s - inset - s * 0.1, s - inset
    fold = (right - left) * 0.28
    d.polygon(
        [(left, top), (right - fold, top), (right, top + fold), (right, bottom), (left, bottom)],
        fill=WHITE,
    )
    d.polygon(
        [(right - fold, top), (right - fold, top + fold), (right, top + fold)], fill=(240, 200, 200)
    )
    w = right - left
    d.polygon(star(left + w / 2, top + (bottom - top) * 0.36, w * 0.26), fill=YELLOW)
    for i, frac in enumerate((0.66, 0.76, 0.86)):
        y = top + (bottom - top) * frac
        d.rounded_rectangle(
            [left + w * 0.16, y, right - w * (0.16 if i < 2 else 0.4), y + s * 0.025],
            radius=s * 0.012,
            fill=INK,
        )
    return img.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, False).save(OUT / "icon-192.png", optimize=True)
    draw(512, False).save(OUT / "icon-512.png", optimize=True)
    draw(512, True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    draw(32, False).save(OUT.parent / "favicon.png", optimize=True)
