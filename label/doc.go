// Package label draws what is printed and scanned: QR codes of a code's
// GS1 Digital Link URI (PNG, SVG) and sheets of labels for every code of a
// batch (A4 PDF, PNG), from verified answers. The gateway serves its QR
// codes; `coldtrace label` prints sheets. It needs no HTTP server.
//
// # Product names in Chinese
//
// Labels print the product name, Chinese and Latin letters alike, in an
// embedded font: Noto Sans SC (SIL Open Font License 1.1, fonts/OFL.txt)
// subset to printable ASCII and Latin-1, rows 1-9 of GB 2312 (punctuation,
// full-width forms, ... as GB 2312, GBK and GB 18030 read them), the 3755
// hanzi of GB 2312 level 1, which cover nearly all text in use, and the
// hanzi of level 2 with the fish radical, which name frozen seafood (鳕 cod,
// 鲳 pomfret, 鲈 perch, 鳗 eel, ...): 4,700 characters, 1.2 MB of TrueType
// outlines in the binary. The PDF embeds the glyphs a sheet uses. A
// character outside the subset prints as Missing (〓), the mark Chinese
// typesetting uses for a missing character; MissingRunes names them, and
// `coldtrace label` warns of them and takes --font for a fuller TrueType
// font.
//
// fonts/mkfont.py (`make label-font`) rebuilds the font and its licence
// from Debian's fonts-noto-cjk with python3-fonttools: it subsets Noto Sans
// CJK SC, converts its CFF outlines to TrueType ones (which the PDF writer
// and the PNG rasteriser both read) and renames it Noto Sans SC Labels.
package label
