package label

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const chineseName = "冷冻带鱼"

// gb2312 decodes the characters of GB 2312 in rows from..to as GBK
// decoders do; cells GB 2312 leaves empty are skipped.
func gb2312(t *testing.T, from, to int) []rune {
	t.Helper()
	var out []rune
	dec := simplifiedchinese.GBK.NewDecoder()
	for row := from; row <= to; row++ {
		for cell := 1; cell <= 94; cell++ {
			s, err := dec.String(string([]byte{byte(0xA0 + row), byte(0xA0 + cell)}))
			if err != nil || s == "\uFFFD" || s == "" {
				continue
			}
			if r := []rune(s)[0]; r < 0xE000 || r > 0xF8FF { // GBK fills GB 2312's empty cells with private use
				out = append(out, r)
			}
		}
	}
	return out
}

// gb2312Level1 is the 3755 hanzi of GB 2312 level 1 (rows 16-55).
func gb2312Level1(t *testing.T) []rune {
	t.Helper()
	rs := gb2312(t, 16, 55)
	if len(rs) != 3755 {
		t.Fatalf("GB 2312 level 1 decodes to %d characters, want 3755", len(rs))
	}
	return rs
}

// hasOutline reports whether glyph i of f draws something.
func hasOutline(t *testing.T, f *sfnt.Font, i sfnt.GlyphIndex) bool {
	t.Helper()
	var b sfnt.Buffer
	segs, err := f.LoadGlyph(&b, i, fixed.I(100), nil)
	if err != nil {
		t.Fatalf("glyph %d: %v", i, err)
	}
	return len(segs) > 0
}

// TestLabelFontCovers: the embedded font draws every character the
// package documents (label/doc.go, fonts/mkfont.py) with a glyph of its
// own, not .notdef, and is no larger than the size documented.
func TestLabelFontCovers(t *testing.T) {
	f, err := labelFont()
	if err != nil {
		t.Fatalf("parse the label font: %v", err)
	}
	var want []rune
	for r := rune(0x20); r < 0x7f; r++ {
		want = append(want, r)
	}
	want = append(want, gb2312Level1(t)...)
	want = append(want, gb2312(t, 1, 9)...) // symbols, punctuation, full-width forms
	want = append(want, []rune(chineseName+"鳕鲳鲈鳗鲑鳟鲷鲭鲅（），。、：；“”《》【】—…·％／〓")...)
	var b sfnt.Buffer
	for _, r := range want {
		i, err := f.GlyphIndex(&b, r)
		if err != nil || i == 0 {
			t.Fatalf("the label font has no glyph for %q (U+%04X): %v", r, r, err)
		}
		if !unicode.IsSpace(r) && !hasOutline(t, f, i) {
			t.Fatalf("the glyph of %q (U+%04X) is empty", r, r)
		}
	}
	if n := len(labelFontTTF); n > 1300*1024 {
		t.Fatalf("the label font is %d bytes; the documented size is about 1.2 MB", n)
	}
	for _, r := range []rune("𠀀🧊龘") { // outside the subset
		if hasGlyph(f, r) {
			t.Fatalf("%q is drawn: the subset was meant to leave it out", r)
		}
	}
}

func TestMissingRunesAndPrintableName(t *testing.T) {
	cases := []struct {
		name, printable string
		missing         []rune
	}{
		{chineseName + " Frozen hairtail", chineseName + " Frozen hairtail", nil},
		{"冷冻鳕鱼柳（去皮）", "冷冻鳕鱼柳（去皮）", nil},
		{"  tab\there\nnewline  ", "tab here newline", nil},
		{"bidi\u202eoverride\u200bzero width", "bidioverridezero width", nil},
		{"龘肉 🧊 ice 🧊", "〓肉 〓 ice 〓", []rune("龘🧊")},
		{"bad\xffutf8", "badutf8", nil},
		{"", "", nil},
	}
	for _, tc := range cases {
		if got := printableName(tc.name); got != tc.printable {
			t.Errorf("printableName(%q) = %q, want %q", tc.name, got, tc.printable)
		}
		if got := MissingRunes(tc.name); string(got) != string(tc.missing) {
			t.Errorf("MissingRunes(%q) = %q, want %q", tc.name, string(got), string(tc.missing))
		}
	}
}

func TestWrapText(t *testing.T) {
	width := func(s string) float64 { return float64(len([]rune(s))) }
	cases := []struct {
		in   string
		w    float64
		want []string
	}{
		{"冷冻带鱼 Frozen hairtail", 10, []string{"冷冻带鱼", "Frozen", "hairtail"}},
		{"冷冻带鱼冷冻带鱼冷冻", 4, []string{"冷冻带鱼", "冷冻带鱼", "冷冻"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab 冷冻", 4, []string{"ab 冷", "冻"}},
		{"", 4, nil},
	}
	for _, tc := range cases {
		if got := wrapText(tc.in, tc.w, width); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("wrapText(%q, %v) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
}

func testLabel(name string) []Label {
	const code = "/01/09521234543213/10/B2026-07/21/0001"
	return []Label{{Code: code, URI: "https://trace.example.cn" + code, Name: name, Batch: "91330106MA2CFX8Q1D/B2026-07"}}
}

// nameRegion is where a label's product name is printed, as a fraction of
// the first label (left, top, right, bottom).
var nameRegion = [4]float64{0.5, 0.03, 0.97, 0.3}

// inkIn counts dark pixels of img in the name region of the first label,
// the label being w × h pixels at the image's top left.
func inkIn(img image.Image, w, h int) (ink int, crc []byte) {
	for y := int(nameRegion[1] * float64(h)); y < int(nameRegion[3]*float64(h)); y++ {
		for x := int(nameRegion[0] * float64(w)); x < int(nameRegion[2]*float64(w)); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			dark := (r+g+b)/3 < 0x8000
			if dark {
				ink++
			}
			crc = append(crc, map[bool]byte{true: 1}[dark])
		}
	}
	return ink, crc
}

// TestLabelsPNGDrawChinese: the Chinese name is drawn: the name region has
// ink where a label without a name has none, and two different names give
// two different drawings.
func TestLabelsPNGDrawChinese(t *testing.T) {
	render := func(name string) image.Image {
		sheets, err := LabelsPNG(testLabel(name))
		if err != nil {
			t.Fatalf("LabelsPNG(%q): %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(sheets[0]))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return img
	}
	none, _ := inkIn(render(""), pxLabelW, pxLabelH)
	fish, fishBits := inkIn(render(chineseName), pxLabelW, pxLabelH)
	// The code moves up when there is no name: compare the name's lines
	// only, above the code in both.
	if fish <= none+200 {
		t.Fatalf("%s: %d dark pixels in the name region, %d without a name: the name is not drawn", chineseName, fish, none)
	}
	_, otherBits := inkIn(render("冷冻带虾"), pxLabelW, pxLabelH)
	if bytes.Equal(fishBits, otherBits) {
		t.Fatal("冷冻带鱼 and 冷冻带虾 draw the same pixels: the glyphs are not drawn")
	}
	_, missingBits := inkIn(render("〓〓〓〓"), pxLabelW, pxLabelH)
	if bytes.Equal(fishBits, missingBits) {
		t.Fatal("冷冻带鱼 draws as 〓〓〓〓")
	}
}

// pdfObjects maps object numbers of a PDF written by fpdf to their
// dictionaries and (inflated) streams.
func pdfObjects(t *testing.T, pdf []byte) (dicts map[int]string, streams map[int][]byte) {
	t.Helper()
	dicts, streams = map[int]string{}, map[int][]byte{}
	objRe := regexp.MustCompile(`(?s)\n(\d+) 0 obj\n(.*?)\nendobj`)
	lenRe := regexp.MustCompile(`/Length (\d+)`)
	for _, m := range objRe.FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		body := pdf[m[4]:m[5]]
		i := bytes.Index(body, []byte("stream\n"))
		if i < 0 {
			dicts[n] = string(body)
			continue
		}
		dicts[n] = string(body[:i])
		lm := lenRe.FindStringSubmatch(dicts[n])
		if lm == nil {
			t.Fatalf("object %d: a stream without /Length", n)
		}
		l, _ := strconv.Atoi(lm[1])
		data := body[i+len("stream\n"):]
		if l > len(data) {
			// The object regexp stopped at an "endobj" inside binary data:
			// take the stream from the whole file.
			start := m[4] + i + len("stream\n")
			data = pdf[start:]
		}
		data = data[:l]
		if strings.Contains(dicts[n], "/FlateDecode") {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("object %d: %v", n, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("object %d: %v", n, err)
			}
		}
		streams[n] = data
	}
	return dicts, streams
}

func ref(t *testing.T, dict, key string) int {
	t.Helper()
	m := regexp.MustCompile(key + ` (\d+) 0 R`).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("no %s in %q", key, dict)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestLabelsPDFEmbedsChinese: the PDF embeds the label font, and each
// character of the name maps (CIDToGIDMap) to a glyph of the embedded font
// that has an outline.
func TestLabelsPDFEmbedsChinese(t *testing.T) {
	var buf bytes.Buffer
	if err := LabelsPDF(&buf, testLabel(chineseName+" Frozen hairtail"), ""); err != nil {
		t.Fatalf("LabelsPDF: %v", err)
	}
	dicts, streams := pdfObjects(t, buf.Bytes())
	var cid string
	for _, d := range dicts {
		if strings.Contains(d, "/CIDFontType2") {
			cid = d
		}
	}
	if cid == "" || !strings.Contains(cid, "/BaseFont /utf8"+labelFontFamily) {
		t.Fatalf("no CID font of the label font in the PDF (found %q)", cid)
	}
	desc := dicts[ref(t, cid, "/FontDescriptor")]
	embedded, ok := streams[ref(t, desc, "/FontFile2")]
	if !ok {
		t.Fatal("the label font is not embedded (/FontFile2)")
	}
	font, err := sfnt.Parse(embedded)
	if err != nil {
		t.Fatalf("parse the embedded font: %v", err)
	}
	cidToGID := streams[ref(t, cid, "/CIDToGIDMap")]
	for _, r := range chineseName + "Fh" {
		if 2*int(r)+1 >= len(cidToGID) {
			t.Fatalf("CIDToGIDMap has %d bytes, no entry for %q", len(cidToGID), r)
		}
		gid := sfnt.GlyphIndex(int(cidToGID[2*r])<<8 | int(cidToGID[2*r+1]))
		if gid == 0 {
			t.Fatalf("%q maps to .notdef in the PDF", r)
		}
		if !hasOutline(t, font, gid) {
			t.Fatalf("%q maps to glyph %d, which the embedded font leaves empty", r, gid)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("/ToUnicode")) {
		t.Fatal("no /ToUnicode: the name could not be copied or searched")
	}
}

// TestLabelsPDFDrawsChinese renders the PDF as a person sees it, with
// poppler's pdftoppm, and compares the name region with and without the
// name, and with another name.
func TestLabelsPDFDrawsChinese(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftoppm is missing: apt-get install poppler-utils")
		}
		t.Skip("pdftoppm is missing: apt-get install poppler-utils")
	}
	dir := t.TempDir()
	render := func(name string) image.Image {
		var buf bytes.Buffer
		if err := LabelsPDF(&buf, testLabel(name), ""); err != nil {
			t.Fatalf("LabelsPDF: %v", err)
		}
		in := filepath.Join(dir, "l.pdf")
		if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "l")
		// 72 dpi: one pixel a point; the first label is 70 × 37 mm.
		if b, err := exec.Command("pdftoppm", "-r", "72", "-png", "-singlefile", in, out).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, b)
		}
		f, err := os.Open(out + ".png")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	mm := 72 / 25.4
	w, h := int(labelW*mm), int(labelH*mm)
	none, _ := inkIn(render(""), w, h)
	fish, fishBits := inkIn(render(chineseName), w, h)
	if fish <= none+20 {
		t.Fatalf("%s: %d dark pixels in the name region, %d without a name: the name is not drawn", chineseName, fish, none)
	}
	_, otherBits := inkIn(render("冷冻带虾"), w, h)
	if bytes.Equal(fishBits, otherBits) {
		t.Fatal("冷冻带鱼 and 冷冻带虾 render the same pixels")
	}
}
