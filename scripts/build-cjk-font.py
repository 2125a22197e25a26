"""Build the Chinese fonts of the certificates from Debian's Noto Sans CJK (run by `make fonts`).

Usage: .venv/bin/python scripts/build-cjk-font.py OUTPUT_DIRECTORY

Debian's Noto Sans CJK is a 19 MB collection of CFF (PostScript) faces with 65,535 glyphs each.
WeasyPrint subsets the font of every PDF with HarfBuzz and keeps glyph IDs, so a CFF face cost
about 35 ms a certificate and 130 KB of PDF (the full-width colon alone is glyph 63150). This
writes the Simplified Chinese face, with the same cmap (every character it had), as:

- TrueType outlines (quadratic curves within 1/1000 em of the cubic ones), which HarfBuzz
  subsets in a few milliseconds;
- glyphs reordered: Latin, punctuation and the 6,763 hanzi of GB 2312 first, so that a Chinese
  certificate only uses low glyph IDs and its embedded subset stays small;
- only the OpenType features of horizontal text (no vertical forms or alternates);
- renamed "Noto Sans CJK SC TT", so that it never competes with the installed face of the same
  name (certificate-fonts.css names both: the installed face is the fallback);

and, from it, "Noto Sans CJK SC Common": the same glyphs for Latin, punctuation and GB 2312 only
(13,000 glyphs with their variants, 4 MB), which certificate-fonts.css names first. Subsetting and reading a font cost
time with its size: a Chinese certificate took 8 ms less with it. A character outside it (a rare
hanzi in a name) comes from the full face.

Takes about two minutes; the output is not committed (build/ is ignored by git).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.reorderGlyphs import reorderGlyphs

SOURCE_FAMILY = "Noto Sans CJK SC"
FULL = ("Noto Sans CJK SC TT", "NotoSansCJKscTT-Regular")  # family, PostScript and file name
COMMON = ("Noto Sans CJK SC Common", "NotoSansCJKscCommon-Regular")
# Bold text (a holder's name, titles): the common characters and Hangul from the Bold face.
# certificate-fonts.css names this file for both families in bold; a rarer hanzi in bold comes
# from the regular full face.
COMMON_BOLD = ("Noto Sans CJK SC Common", "NotoSansCJKscCommon-Bold")
HANGUL_RANGES = ((0x1100, 0x1200), (0x3130, 0x3190), (0xAC00, 0xD7A4))
# Vertical writing, alternates and width variants: features a certificate never asks for.
DROPPED_FEATURES = {"vert", "vrt2", "vkrn", "vpal", "vhal", "vchw", "valt"}
MAX_ERROR = 1.0  # font units (1/1000 em): 0.01 mm at the 32 pt of a name
PRIORITY_RANGES = (
    (0x20, 0x7F),  # ASCII
    (0xA0, 0x250),  # Latin-1, Latin Extended-A and B
    (0x2000, 0x2070),  # general punctuation
    (0x3000, 0x3040),  # CJK symbols and punctuation
    (0xFF00, 0xFFF0),  # full-width forms
)


def source_face(style: str = "Regular") -> tuple[str, int]:
    """The file and collection index of the installed Noto Sans CJK SC in this style."""
    found = subprocess.run(  # noqa: S603 (fixed arguments)
        ["fc-match", "-f", "%{file}\n", f"{SOURCE_FAMILY}:style={style}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not found.endswith((".ttc", ".otc", ".otf")):
        raise SystemExit(f"{SOURCE_FAMILY} not installed (fc-match gave {found!r}): fonts-noto-cjk")
    faces = TTCollection(found, lazy=True).fonts if found.endswith((".ttc", ".otc")) else []
    for index, face in enumerate(faces):
        if face["name"].getDebugName(1) == SOURCE_FAMILY:
            return found, index
    return found, 0


def priority_codepoints() -> list[int]:
    """Characters whose glyphs come first: Latin, punctuation, then GB 2312 in its own order."""
    codepoints = [cp for start, end in PRIORITY_RANGES for cp in range(start, end)]
    for row in range(0xB0, 0xF8):  # GB 2312 hanzi: level 1 (by pinyin), then level 2
        for cell in range(0xA1, 0xFF):
            try:
                codepoints.append(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return codepoints


def keep_horizontal_text_glyphs(font: TTFont, codepoints: Iterable[int]) -> None:
    """Subset to these characters and the features of horizontal text."""
    options = subset.Options()
    options.layout_features = [
        tag for tag in options.layout_features if tag not in DROPPED_FEATURES
    ]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.hinting = False  # PostScript hints do not carry over to TrueType
    options.drop_tables += ["VORG", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by TrueType ones."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp  # the other fields are recomputed on save
    font["post"].formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def put_common_glyphs_first(font: TTFont) -> None:
    """Reorder glyphs so that common characters have low glyph IDs."""
    cmap = font.getBestCmap()
    order = font.getGlyphOrder()
    first = [order[0]]  # .notdef stays glyph 0
    seen = set(first)
    for codepoint in priority_codepoints():
        name = cmap.get(codepoint)
        if name is not None and name not in seen:
            seen.add(name)
            first.append(name)
    new_order = first + [name for name in order if name not in seen]
    reorderGlyphs(font, new_order)
    font["glyf"].glyphOrder = new_order


def rename(font: TTFont, family: str, postscript_name: str, style: str = "Regular") -> None:
    """Name the derived font so that fontconfig never confuses it with the installed face."""
    names = font["name"]
    for name_id in (17, 18, 21, 22):  # typographic and WWS names of the original
        names.removeNames(nameID=name_id)
    replacements = {
        1: family,
        3: f"{postscript_name};derived",
        2: style,
        4: f"{family} {style}",
        6: postscript_name,
        16: family,
    }
    for record in names.names:
        if record.nameID in replacements:
            record.string = replacements[record.nameID]


def save(font: TTFont, output: Path) -> None:
    partial = output.with_suffix(".partial")
    font.save(partial)
    partial.replace(output)  # never leave a half-written font where WeasyPrint looks for it
    print(f"{output}: {font['maxp'].numGlyphs} glyphs, {output.stat().st_size / 1e6:.1f} MB")


def build(directory: Path) -> None:
    started = time.monotonic()
    path, index = source_face()
    font = TTFont(path, fontNumber=index, lazy=False)
    keep_horizontal_text_glyphs(font, font.getBestCmap().keys())
    to_truetype(font)
    put_common_glyphs_first(font)
    rename(font, *FULL)
    directory.mkdir(parents=True, exist_ok=True)
    full = directory / f"{FULL[1]}.ttf"
    save(font, full)
    common = TTFont(full, lazy=False)
    keep_horizontal_text_glyphs(common, priority_codepoints())  # keeps the glyph order
    rename(common, *COMMON)
    save(common, directory / f"{COMMON[1]}.ttf")
    bold_path, bold_index = source_face("Bold")
    bold = TTFont(bold_path, fontNumber=bold_index, lazy=False)
    hangul = [cp for start, end in HANGUL_RANGES for cp in range(start, end)]
    keep_horizontal_text_glyphs(bold, [*priority_codepoints(), *hangul])
    to_truetype(bold)
    put_common_glyphs_first(bold)
    rename(bold, *COMMON_BOLD, style="Bold")
    save(bold, directory / f"{COMMON_BOLD[1]}.ttf")
    print(f"from {path}#{index} and {bold_path}#{bold_index} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    build(Path(sys.argv[1]))
