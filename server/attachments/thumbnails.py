"""Small JPEG thumbnails of photographed documents, for the desk queue."""

from __future__ import annotations

import io

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_QUALITY = 70
# Modes Pillow shrinks as they are; any other (palette, bilevel, 16-bit) is converted
# first, at full size. Pillow shrinks a mode with alpha through a premultiplied
# full-size copy. image_check.py counts both copies in its budget.
RESAMPLED_AS_IS = {"L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "I", "F"}
WITH_ALPHA = {"LA", "RGBA"}


def shrink_mode(image) -> str:
    """The mode `image` is shrunk in."""
    if image.mode in RESAMPLED_AS_IS:
        return image.mode
    if image.mode == "1":
        return "L"
    transparent = image.mode.endswith("A") or "transparency" in image.info
    return "RGBA" if transparent else "RGB"


def make_thumbnail(image) -> bytes:
    """A JPEG at most 320 px on its longer side, upright (EXIF orientation applied),
    transparency flattened onto white. `image` is an open PIL image; decoding it
    here also proves the file is whole.

    Shrunk first, in place, so no full-size copy is ever made of a decoded picture
    beyond the mode conversion above."""
    from PIL import Image, ImageOps

    if image.format in ("JPEG", "MPO"):
        image.draft(
            "RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2)
        )  # decode at reduced scale
    image.load()
    if image.mode != shrink_mode(image):
        image = image.convert(shrink_mode(image))
    image.thumbnail(THUMBNAIL_SIZE, reducing_gap=2.0)
    image = ImageOps.exif_transpose(image)
    if image.mode in WITH_ALPHA:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
