package label

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// labelFontTTF is Noto Sans SC (SIL Open Font License 1.1, fonts/OFL.txt)
// subset to the characters of product names: ASCII, Latin-1, GB 2312's
// symbols and level-1 hanzi and the fish-radical hanzi of its level 2
// (fonts/mkfont.py, `make label-font`), with TrueType outlines, which both
// the PDF writer and the PNG rasteriser read.
//
//go:embed fonts/NotoSansSC-Labels.ttf
var labelFontTTF []byte

// labelFontFamily is the name LabelsPDF registers labelFontTTF under.
const labelFontFamily = "notosanssclabels"

// Missing is printed in place of a character the label font has no glyph
// for: 〓 (GETA MARK), the typesetter's mark for a missing character in
// Chinese text, so that a gap in a name is seen on the label.
const Missing = '〓'

var labelFont = sync.OnceValues(func() (*sfnt.Font, error) {
	return sfnt.Parse(labelFontTTF)
})

// hasGlyph reports whether the label font draws r with a glyph of its own
// (not .notdef, the empty box).
func hasGlyph(f *sfnt.Font, r rune) bool {
	var b sfnt.Buffer
	i, err := f.GlyphIndex(&b, r)
	return err == nil && i != 0
}

// MissingRunes returns the characters of s, once each and in order, that
// the label font cannot draw; labels print Missing in their place. Control
// and invisible format characters are not counted: labels leave them out.
func MissingRunes(s string) []rune {
	f, err := labelFont()
	if err != nil {
		return nil
	}
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if skipRune(r) || unicode.IsSpace(r) || seen[r] || hasGlyph(f, r) {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out
}

// skipRune: control and invisible format characters (bidi overrides, zero
// width spaces, ...) print nothing.
func skipRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// printableName prepares a product name for the label font: control and
// format characters dropped, white space folded to single spaces, and a
// character the font lacks replaced by Missing.
func printableName(s string) string {
	f, err := labelFont()
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		case skipRune(r):
		case err != nil || !hasGlyph(f, r):
			b.WriteRune(Missing)
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// wrapText fills lines no wider than width, as measure gives widths: Latin
// words stay whole unless one is wider than a line; a line may break before
// any Chinese character, as Chinese text has no spaces.
func wrapText(s string, width float64, measure func(string) float64) []string {
	var out []string
	line := ""
	for _, tok := range tokens(s) {
		if tok == " " {
			if line != "" {
				line += " "
			}
			continue
		}
		if line != "" && measure(line+tok) > width {
			out = append(out, strings.TrimRight(line, " "))
			line = ""
		}
		for line == "" && measure(tok) > width && len([]rune(tok)) > 1 {
			// A word wider than a line: cut it where it fills one.
			rs := []rune(tok)
			n := 1
			for n < len(rs) && measure(string(rs[:n+1])) <= width {
				n++
			}
			out = append(out, string(rs[:n]))
			tok = string(rs[n:])
		}
		line += tok
	}
	if line = strings.TrimRight(line, " "); line != "" {
		out = append(out, line)
	}
	return out
}

// tokens cuts s into spaces, Latin words and single wide characters.
func tokens(s string) []string {
	var out []string
	word := ""
	for _, r := range s {
		switch {
		case r == ' ':
			if word != "" {
				out = append(out, word)
				word = ""
			}
			out = append(out, " ")
		case r >= 0x2E80: // CJK, full-width forms and beyond: a break may come before each
			if word != "" {
				out = append(out, word)
				word = ""
			}
			out = append(out, string(r))
		default:
			word += string(r)
		}
	}
	if word != "" {
		out = append(out, word)
	}
	return out
}
