#!/usr/bin/python3
"""Builds NotoSansSC-Labels.ttf, the font of printed labels, and its licence
OFL.txt from Debian's
fonts-noto-cjk: Noto Sans CJK SC subset to the characters labels need and
converted from CFF to TrueType outlines (the PDF writer embeds TrueType
only). Run by `make label-font`; needs the Debian packages fonts-noto-cjk
and python3-fonttools.

The characters: printable ASCII and Latin-1, every non-hanzi character of
rows 1-9 of GB 2312, GBK and GB 18030 (punctuation, full-width forms, ...), the 3755
hanzi of GB 2312
level 1, and the level-2 hanzi with the fish radical (鱼) that name frozen
seafood (鳕 cod, 鲳 pomfret, 鲈 perch, ...). See label/doc.go.
"""

import os
import sys

from fontTools.ttLib import TTCollection, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.reverseContourPen import ReverseContourPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
COPYRIGHT = "/usr/share/doc/fonts-noto-cjk/copyright"
SOURCE_INDEX = 2  # Noto Sans CJK SC in the collection
FAMILY = "Noto Sans SC Labels"
PSNAME = "NotoSansSCLabels-Regular"
MAX_ERR = 1.0  # font units (of 1000 per em) a quadratic curve may stray from the cubic


def gb2312(rows, codec="gb2312"):
    """The characters of GB 2312 in the given rows (1-94), as codec decodes them."""
    out = []
    for row in rows:
        for cell in range(1, 95):
            try:
                out.append(bytes([0xA0 + row, 0xA0 + cell]).decode(codec))
            except UnicodeDecodeError:
                pass
    return out


def characters():
    chars = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)]
    # Symbols, punctuation, full-width forms, kana, ...: as GB 2312, GBK and
    # GB 18030 read rows 1-9 (GBK reads A1A4 as U+00B7 and A1AA as U+2014;
    # GBK and GB 18030 fill empty cells: small roman numerals, €, pinyin).
    chars += gb2312(range(1, 10)) + gb2312(range(1, 10), "gbk") + gb2312(range(1, 10), "gb18030")
    chars += gb2312(range(16, 56))  # level 1 hanzi
    chars += [c for c in gb2312(range(56, 88)) if 0x9C7C <= ord(c) <= 0x9CE3]  # level 2 fish
    chars.append("\u3013")  # 〓 GETA MARK: drawn for a character the font lacks
    return sorted(set(chars))


def to_truetype(font):
    """Replaces the CFF outlines of font by quadratic TrueType ones."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(ReverseContourPen(Cu2QuPen(pen, MAX_ERR, reverse_direction=False)))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.maxComponentElements = 0
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 1
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font):
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16):
            rec.string = FAMILY if rec.nameID != 4 else FAMILY + " Regular"
        elif rec.nameID == 6:
            rec.string = PSNAME
        elif rec.nameID == 3:
            rec.string = "2.004;coldtrace-labels;" + PSNAME
        elif rec.nameID == 5:
            rec.string = str(rec) + "; subset for coldtrace labels"


def licence(font):
    """The OFL as Debian ships it, under the font's own copyright notice."""
    src = open(COPYRIGHT, encoding="utf-8").read()
    body = src[src.index("License: SIL-1.1\n -----") + len("License: SIL-1.1\n"):]
    end = body.find("\nLicense:")
    if end >= 0:
        body = body[:end]
    lines = []
    for line in body.rstrip("\n").split("\n"):
        line = line[1:] if line.startswith(" ") else line
        lines.append("" if line == "." else line)
    name = font["name"]
    head = [
        "NotoSansSC-Labels.ttf is a subset of Noto Sans CJK SC (" + name.getDebugName(5) + "),",
        "converted to TrueType outlines and renamed " + FAMILY + " by mkfont.py.",
        "",
        "Copyright " + name.getDebugName(0),
        name.getDebugName(7),
        "",
        name.getDebugName(13),
        "",
    ]
    return "\n".join(head + lines) + "\n"


def main(out):
    font = TTCollection(SOURCE).fonts[SOURCE_INDEX]
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "OFL.txt"), "w", encoding="utf-8") as f:
        f.write(licence(font))
    opts = Options()
    opts.layout_features = []  # labels set plain text: no shaping tables
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.drop_tables += ["BASE", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "VORG", "DSIG"]
    sub = Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in characters()])
    sub.subset(font)
    to_truetype(font)
    rename(font)
    font.recalcTimestamp = False  # keep the source's dates: the same input gives the same file
    font.save(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "NotoSansSC-Labels.ttf")
