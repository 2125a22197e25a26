"""Images an author uploads into a draft's media/ folder: checked, then re-encoded.

The type is read from the bytes (Pillow, allowed to try only the PNG and JPEG decoders), never
from the name or the browser's word, and must be what the name says. The byte size is checked
before Pillow sees the file, the pixel size from the header before any pixel is decoded (a small
file that inflates to a huge image is refused unread). The image is then decoded and saved again:
what is stored holds the pixels and nothing else (no EXIF position or camera data, no comments,
no colour profile, no trailing bytes). SVG drawings cannot be uploaded: a drawing is a program
that would have to be sanitised; the bundled courses' own SVGs are kept as they are.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping

from flask_babel import gettext as _
from PIL import Image, ImageOps

from studio.drafts import StudioError
from studio.package_zip import DEFAULT_LIMITS, LAYOUT, PackageFiles

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_PIXELS = 12_000_000  # a 4000 x 3000 photograph
MAX_SIDE = 8_000
FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
JPEG_QUALITY = 85


def media_name(filename: str) -> str:
    """The name an uploaded file gets under media/: lower case, letters, digits and hyphens."""
    stem, dot, suffix = filename.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80] or "image"
    return f"{stem}.{suffix.lower()}"


def add_image(files: Mapping[str, bytes], filename: str, data: bytes) -> tuple[PackageFiles, str]:
    """The files with the image under media/ (replacing one of the same name) and its path."""
    name = media_name(filename)
    suffix = name.rsplit(".", 1)[-1]
    if suffix == "svg":
        raise StudioError(
            _("SVG drawings cannot be uploaded. Export the drawing as a PNG image and upload that.")
        )
    if suffix not in FORMATS:
        raise StudioError(_("Upload a PNG or JPEG image (a file ending in .png, .jpg or .jpeg)."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise StudioError(
            _("This image is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // 2**20)
        )
    stored = reencode(data, FORMATS[suffix])
    if len(stored) > DEFAULT_LIMITS.max_file_bytes:
        raise StudioError(
            _("This image is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // 2**20)
        )
    path = f"media/{name}"
    assert LAYOUT.match(path), path
    return {**files, path: stored}, path


def reencode(data: bytes, expected: str) -> bytes:
    """The image's pixels saved again in its own format; StudioError when it is not an image of
    that format, too large, or damaged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                if image.format != expected:
                    raise StudioError(_not_what_it_says(expected))
                width, height = image.size  # from the header: nothing decoded yet
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise StudioError(_too_many_pixels())
                _check_complete(data, expected)
                image.load()
                return _saved(image, expected)
        except StudioError:
            raise
        except Image.UnidentifiedImageError:
            raise StudioError(_not_what_it_says(expected)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise StudioError(_too_many_pixels()) from None  # Pillow's own limit, at open
        except (OSError, SyntaxError, ValueError, Warning):
            raise StudioError(_("This image cannot be read: the file is damaged.")) from None


def _check_complete(data: bytes, kind: str) -> None:
    """Refuse a cut-off file. Pillow would decode one, filling the rest with black, because
    WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES for the whole process."""
    if kind == "PNG":
        with Image.open(io.BytesIO(data), formats=["PNG"]) as probe:
            probe.verify()  # every chunk read and its checksum checked, up to IEND
    elif data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):  # no end marker after the last scan
        raise OSError("truncated JPEG file")


def _too_many_pixels() -> str:
    return _(
        "This image has too many pixels: at most %(megapixels)d million, and %(side)d on a side.",
        megapixels=MAX_PIXELS // 1_000_000,
        side=MAX_SIDE,
    )


def _not_what_it_says(expected: str) -> str:
    return _(
        "This file is not a %(format)s image, as its name says. Upload the image itself, saved "
        "as PNG or JPEG.",
        format=expected,
    )


def _saved(image: Image.Image, kind: str) -> bytes:
    image = ImageOps.exif_transpose(image)  # a photo's rotation applied before its EXIF goes
    transparency = image.info.get("transparency") if kind == "PNG" else None
    if kind == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    if kind == "PNG" and image.mode not in {"RGB", "RGBA", "L", "LA", "P", "1"}:
        image = image.convert("RGBA")
    image.info = {}  # nothing of the original but its pixels (and a palette's transparent colour)
    out = io.BytesIO()
    if kind == "PNG":
        options = {"optimize": True} | (
            {"transparency": transparency} if transparency is not None else {}
        )
        image.save(out, "PNG", **options)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
