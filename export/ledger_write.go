package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/coldtrace/coldtrace/label"
)

// utf8BOM makes Excel read the CSV as UTF-8 (without it, Chinese text
// opens garbled in a Chinese-locale Excel).
const utf8BOM = "\ufeff"

// preamble is what the ledger says of itself before its rows.
func (l *Ledger) preamble() [][]string {
	return [][]string{
		{"进货查验记录 Goods-received ledger"},
		{"经营者 Operator", l.Enterprise, l.EnterpriseName},
		{"收货日期 Days received (UTC+8)", l.period()},
		{"链 Chain", l.ChainID},
		{"核验高度 Verified at height", fmt.Sprint(l.Height)},
		{"应用哈希 App hash", fmt.Sprintf("%X", l.AppHash)},
		{"说明 Note", ledgerNote},
	}
}

// WriteLedgerCSV writes the ledger as CSV, UTF-8 with a byte order mark:
// the preamble (operator, days, chain id, height and app hash it was
// verified at), an empty line, then LedgerColumns and one row per code. A
// cell that a spreadsheet would take for a formula is prefixed with '.
func WriteLedgerCSV(l *Ledger, w io.Writer) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	write := func(rec []string) {
		safe := make([]string, len(rec))
		for i, c := range rec {
			safe[i] = noFormula(c)
		}
		cw.Write(safe)
	}
	for _, p := range l.preamble() {
		write(p)
	}
	write(nil)
	write(LedgerColumns)
	for _, r := range l.Rows {
		write(r.cells())
	}
	cw.Flush()
	return cw.Error()
}

// noFormula keeps a cell from being read as a formula (CSV injection): a
// product name or certificate number comes from whoever recorded it.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// pdfColumn is a column of the PDF table: its head, width (mm) and what
// it prints of a row.
type pdfColumn struct {
	head  string
	width float64
	cell  func(LedgerRow) string
}

var ledgerPDFColumns = []pdfColumn{
	{"收货时间\nReceived", 20, func(r LedgerRow) string { return ledgerTime(r.ReceivedMs) }},
	{"供货者\nSupplier", 38, func(r LedgerRow) string { return r.SupplierName + "\n" + r.SupplierUSCC }},
	{"品名 类别 GTIN\nProduct", 40, func(r LedgerRow) string {
		return strings.TrimSpace(r.Product + "\n" + r.Category + "\n" + r.GTIN)
	}},
	{"批次\nBatch", 20, func(r LedgerRow) string { return r.Batch }},
	{"追溯码\nCode", 53, func(r LedgerRow) string { return r.Code }},
	{"收货 / 发货\nReceived / sent", 24, func(r LedgerRow) string {
		s := fmt.Sprintf("%d / %d %s", r.Received, r.Dispatched, ledgerUnit(r.Unit))
		if sh := r.Shortfall(); sh > 0 {
			s += fmt.Sprintf("\n短缺 short %d", sh)
		}
		return s
	}},
	{"证明 Certificates", 82, func(r LedgerRow) string {
		var b []string
		add := func(k, v string) {
			if v != "" {
				b = append(b, k+" "+v)
			}
		}
		add("报关单 Declaration", r.CustomsDeclaration)
		add("海关检验检疫 Inspection (customs)", strings.Join(r.InspectionCertificates, ", "))
		add("检验检疫(申报) Inspection (stated)", r.StatedInspectionCertificate)
		add("出仓 Release", r.ReleaseCertificate)
		add("核酸 Test", ledgerTest(r))
		add("原产国 Origin", r.OriginCountry)
		return strings.Join(b, "\n")
	}},
}

// WriteLedgerPDF writes the ledger as A4 landscape pages: on each, the
// operator, days, chain id, height and app hash it was verified at, then a
// table of the rows. Text is set in the label package's embedded CJK font
// (a character outside it prints as label.Missing). The document is dated
// with LedgerOptions.Time, so the same ledger gives the same bytes.
func WriteLedgerPDF(l *Ledger, w io.Writer) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(false, 10)
	pdf.SetCreator("coldtrace", true)
	pdf.SetTitle("进货查验记录 "+l.Enterprise, true)
	if !l.Time.IsZero() {
		pdf.SetCreationDate(l.Time)
		pdf.SetModificationDate(l.Time)
	}
	font := label.FontFamily
	pdf.AddUTF8FontFromBytes(font, "", label.FontTTF())
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("ledger font: %w", err)
	}
	_, pageH := pdf.GetPageSize()
	const lineH = 3.6
	text := func(s string) string { return label.PrintableText(s) }
	lines := func(s string, width float64) []string {
		var out []string
		for _, part := range strings.Split(s, "\n") {
			part = text(part)
			if part == "" {
				continue
			}
			out = append(out, pdf.SplitText(part, width-2*pdf.GetCellMargin())...)
		}
		return out
	}
	drawRow := func(cells []string, bold bool) {
		var cl [][]string
		n := 1
		for i, c := range ledgerPDFColumns {
			ls := lines(cells[i], c.width)
			cl = append(cl, ls)
			n = max(n, len(ls))
		}
		h := float64(n)*lineH + 1
		if pdf.GetY()+h > pageH-12 {
			pdf.AddPage()
		}
		x, y := pdf.GetX(), pdf.GetY()
		if bold {
			pdf.SetFillColor(230, 230, 230)
		}
		for i, c := range ledgerPDFColumns {
			pdf.Rect(x, y, c.width, h, map[bool]string{true: "FD", false: "D"}[bold])
			for j, ln := range cl[i] {
				pdf.SetXY(x, y+0.5+float64(j)*lineH)
				pdf.CellFormat(c.width, lineH, ln, "", 0, "L", false, 0, "")
			}
			x += c.width
		}
		pdf.SetXY(10, y+h)
	}
	var heads []string
	for _, c := range ledgerPDFColumns {
		heads = append(heads, c.head)
	}
	pdf.SetHeaderFunc(func() {
		pdf.SetFont(font, "", 12)
		pdf.CellFormat(0, 6, text("进货查验记录 Goods-received ledger"), "", 1, "L", false, 0, "")
		pdf.SetFont(font, "", 7.5)
		for _, p := range l.preamble()[1:6] {
			pdf.CellFormat(0, 3.8, text(strings.Join(p, "  ")), "", 1, "L", false, 0, "")
		}
		pdf.MultiCell(0, 3.4, text(ledgerNote), "", "L", false)
		pdf.Ln(1.5)
		pdf.SetFont(font, "", 6.5)
		pdf.SetDrawColor(120, 120, 120)
		pdf.SetLineWidth(0.15)
		drawRow(heads, true)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetXY(10, pageH-8)
		pdf.SetFont(font, "", 7)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s  %s  %d / {nb}", l.ChainID, l.Enterprise, pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AliasNbPages("")
	pdf.AddPage()
	pdf.SetFont(font, "", 6.5)
	for _, r := range l.Rows {
		drawRow(r.cellsPDF(), false)
	}
	if len(l.Rows) == 0 {
		pdf.CellFormat(0, 6, text("期间内无收货记录 No goods received in these days"), "", 1, "L", false, 0, "")
	}
	return pdf.Output(w)
}

func (r LedgerRow) cellsPDF() []string {
	out := make([]string, len(ledgerPDFColumns))
	for i, c := range ledgerPDFColumns {
		out[i] = c.cell(r)
	}
	return out
}
