package label

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// Label is one printed label: a QR code of the code's Digital Link URI,
// the product's name and the code in text.
type Label struct {
	Code  string // canonical code
	URI   string // the Digital Link URI the QR code holds
	Name  string // product name
	Batch string // batch id, printed small
}

// LabelsPerSheet is how many labels a PDF page or a PNG sheet holds: an A4
// sheet of 3 × 8 labels of 70 × 37 mm.
const LabelsPerSheet = 24

const (
	labelCols = 3
	labelRows = 8
	labelW    = 70.0
	labelH    = 297.0 / labelRows
)

// BatchLabels reads a batch's facts and every code of it (the
// /trace/batch-codes pages), each answer verified from headers' trust
// root, and returns their labels with URIs on base.
func BatchLabels(ctx context.Context, c *client.Client, headers *client.Headers, batchID, base string) ([]Label, *client.Verified, error) {
	b := &types.Batch{}
	v, err := c.VerifiedQuery(ctx, "/trace/batch?id="+url.QueryEscape(batchID), headers)
	if err != nil {
		return nil, nil, err
	}
	if err := unmarshalVerified(v, b); err != nil {
		return nil, nil, err
	}
	name := ""
	if b.Facts != nil {
		name = b.Facts.Name
	}
	var out []Label
	after := ""
	for {
		q := url.Values{"id": {batchID}, "limit": {"100"}}
		if after != "" {
			q.Set("after", after)
		}
		page := &types.CodeList{}
		pv, err := c.VerifiedQuery(ctx, "/trace/batch-codes?"+q.Encode(), headers)
		if err != nil {
			return nil, nil, err
		}
		if err := unmarshalVerified(pv, page); err != nil {
			return nil, nil, err
		}
		for _, code := range page.Codes {
			parsed, err := types.ParseCode(code)
			if err != nil {
				return nil, nil, fmt.Errorf("batch %s lists %q: %w", batchID, code, err)
			}
			out = append(out, Label{Code: parsed.String(), URI: parsed.DigitalLink(base), Name: name, Batch: batchID})
		}
		if page.Next == "" || len(page.Codes) == 0 {
			break
		}
		after = page.Next
	}
	return out, v, nil
}

func unmarshalVerified(v *client.Verified, m proto.Message) error {
	return proto.Unmarshal(v.Response.Value, m)
}

// latin1 keeps the runes a PDF core font can print (Latin-1) and drops the
// others: for batch ids, which are printed small in Helvetica.
func latin1(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r < 0x7f || r >= 0xa0 && r <= 0xff {
			b.WriteRune(r)
		} else if unicode.IsSpace(r) {
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// LabelsPDF writes A4 pages of 3 × 8 labels. The product name is set in
// the embedded label font (Noto Sans SC, subset: see textfont.go), which
// the PDF embeds; a character outside it prints as Missing. fontFile, if
// given, is a TrueType font used instead, for names the subset lacks.
func LabelsPDF(w io.Writer, labels []Label, fontFile string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("coldtrace", true)
	pdf.SetTitle("coldtrace labels", true)
	nameFont := labelFontFamily
	if fontFile != "" {
		nameFont = "userfont"
		pdf.AddUTF8Font(nameFont, "", fontFile)
	} else {
		pdf.AddUTF8FontFromBytes(nameFont, "", labelFontTTF)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("label font: %w", err)
	}
	for i, lb := range labels {
		if i%LabelsPerSheet == 0 {
			pdf.AddPage()
		}
		cell := i % LabelsPerSheet
		x := float64(cell%labelCols) * labelW
		y := float64(cell/labelCols) * labelH
		pdf.SetDrawColor(200, 200, 200)
		pdf.SetLineWidth(0.1)
		pdf.Rect(x, y, labelW, labelH, "D")
		png, err := QRPNG(lb.URI, 400)
		if err != nil {
			return fmt.Errorf("label %s: %w", lb.Code, err)
		}
		img := fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(img, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		const qr = 33.0
		pdf.ImageOptions(img, x+1.5, y+(labelH-qr)/2, qr, qr, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		tx, tw := x+qr+2.5, labelW-qr-4.5
		ty := y + 3.5
		name := printableName(lb.Name)
		if fontFile != "" {
			name = bmpOnly(lb.Name)
		}
		if name != "" {
			pdf.SetFont(nameFont, "", 9)
			lines := wrapText(name, tw-2*pdf.GetCellMargin(), pdf.GetStringWidth)
			if len(lines) > 3 {
				lines = lines[:3]
			}
			for _, ln := range lines {
				pdf.SetXY(tx, ty)
				pdf.CellFormat(tw, 4, ln, "", 0, "L", false, 0, "")
				ty += 4
			}
			ty += 1.5
		}
		pdf.SetFont("Courier", "", 6.5)
		for _, ln := range wrapRunes(lb.Code, 22) {
			pdf.SetXY(tx, ty)
			pdf.CellFormat(tw, 3, ln, "", 0, "L", false, 0, "")
			ty += 3
		}
		if batch := latin1(lb.Batch); batch != "" {
			pdf.SetFont("Helvetica", "", 5.5)
			pdf.SetTextColor(90, 90, 90)
			pdf.SetXY(tx, y+labelH-4.5)
			pdf.CellFormat(tw, 2.6, wrapRunes(batch, 34)[0], "", 0, "L", false, 0, "")
			pdf.SetTextColor(0, 0, 0)
		}
	}
	if len(labels) == 0 {
		pdf.AddPage()
	}
	return pdf.Output(w)
}

// bmpOnly prepares a name for a font given by the user: the PDF writer
// reads characters of the Basic Multilingual Plane only; control and format
// characters are dropped and white space folded.
func bmpOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		case skipRune(r):
		case r > 0xFFFF:
			b.WriteRune(Missing)
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// wrapRunes cuts s into lines of at most n runes, preferring a break after
// a '/' or '-'.
func wrapRunes(s string, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i-1] == '/' || r[i-1] == '-' || r[i-1] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimSpace(string(r[:cut])))
		r = r[cut:]
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}

// Label sheet geometry in pixels (about 230 dpi on 70 × 37 mm labels).
const (
	pxLabelW = 640
	pxLabelH = 340
	pxQR     = 300

	pxNameSize = 28 // the product name's em, in pixels (9 pt at 230 dpi)
	pxNameLine = 36
)

// LabelsPNG draws sheets of up to 24 labels, one PNG each. The product
// name is drawn in the embedded label font (a character outside it as
// Missing); the code and batch in a built-in 5 × 7 font, ASCII only.
func LabelsPNG(labels []Label) ([][]byte, error) {
	f, err := labelFont()
	if err != nil {
		return nil, fmt.Errorf("label font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pxNameSize, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("label font: %w", err)
	}
	defer face.Close()
	ascent := face.Metrics().Ascent.Ceil()
	measure := func(s string) float64 { return float64(font.MeasureString(face, s)) / 64 }
	var sheets [][]byte
	for start := 0; start < len(labels) || start == 0; start += LabelsPerSheet {
		end := min(start+LabelsPerSheet, len(labels))
		n := end - start
		rows := max((n+labelCols-1)/labelCols, 1)
		img := image.NewGray(image.Rect(0, 0, labelCols*pxLabelW, rows*pxLabelH))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		for i := 0; i < n; i++ {
			lb := labels[start+i]
			ox, oy := (i%labelCols)*pxLabelW, (i/labelCols)*pxLabelH
			frame(img, ox, oy, pxLabelW, pxLabelH, color.Gray{Y: 200})
			q, err := qrcode.New(lb.URI, qrcode.Medium)
			if err != nil {
				return nil, fmt.Errorf("label %s: %w", lb.Code, err)
			}
			bm := q.Bitmap()
			scale := pxQR / len(bm)
			qx, qy := ox+14, oy+(pxLabelH-scale*len(bm))/2
			for y, row := range bm {
				for x, dark := range row {
					if dark {
						draw.Draw(img, image.Rect(qx+x*scale, qy+y*scale, qx+(x+1)*scale, qy+(y+1)*scale), image.Black, image.Point{}, draw.Src)
					}
				}
			}
			tx, ty := ox+pxQR+30, oy+24
			tw := pxLabelW - pxQR - 44
			if name := printableName(lb.Name); name != "" {
				lines := wrapText(name, float64(tw), measure)
				if len(lines) > 3 {
					lines = lines[:3]
				}
				d := font.Drawer{Dst: img, Src: image.Black, Face: face}
				for _, ln := range lines {
					d.Dot = fixed.P(tx, ty+ascent)
					d.DrawString(ln)
					ty += pxNameLine
				}
				ty += 10
			}
			for _, ln := range wrapRunes(lb.Code, tw/(6*2)) {
				drawText(img, tx, ty, ln, 2)
				ty += 8*2 + 2
			}
			if lb.Batch != "" {
				drawText(img, tx, oy+pxLabelH-26, asciiOnly(lb.Batch), 1)
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, err
		}
		sheets = append(sheets, buf.Bytes())
		if len(labels) == 0 {
			break
		}
	}
	return sheets, nil
}

func frame(img *image.Gray, x, y, w, h int, c color.Gray) {
	for i := x; i < x+w; i++ {
		img.SetGray(i, y, c)
		img.SetGray(i, y+h-1, c)
	}
	for j := y; j < y+h; j++ {
		img.SetGray(x, j, c)
		img.SetGray(x+w-1, j, c)
	}
}

func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		} else if unicode.IsSpace(r) {
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// drawText draws ASCII text with the 5 × 7 font, each dot scale pixels,
// 6 dots a character.
func drawText(img *image.Gray, x, y int, s string, scale int) {
	for _, r := range s {
		g, ok := font5x7[r]
		if !ok {
			g = font5x7['?']
		}
		for row := 0; row < 7; row++ {
			for col := 0; col < 5; col++ {
				if g[row*6+col] == '#' {
					draw.Draw(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), image.Black, image.Point{}, draw.Src)
				}
			}
		}
		x += 6 * scale
	}
}
