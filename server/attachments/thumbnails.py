"""Small JPEG thumbnails of photographed documents, for the desk queue."""

from __future__ import annotations

import io

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_QUALITY = 70


def make_thumbnail(image) -> bytes:
    """A JPEG at most 320 px on its longer side, upright (EXIF orientation applied),
    transparency flattened onto white. `image` is an open PIL image; decoding it
    here also proves the file is whole."""
    from PIL import Image, ImageOps

    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # decode at reduced scale
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
