package export

import (
	"bytes"
	"compress/zlib"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/label"
	"github.com/coldtrace/coldtrace/types"
)

// fakeReader answers from a map of path → record, as a verified reader
// would after checking the proofs.
type fakeReader map[string]proto.Message

func (f fakeReader) Read(path string, m proto.Message) (bool, error) {
	r, ok := f[path]
	if !ok {
		return false, nil
	}
	b, err := proto.Marshal(r)
	if err != nil {
		return false, err
	}
	return true, proto.Unmarshal(b, m)
}

const (
	ledgerMarket   = "91330100MA2CT1003H"
	ledgerImporter = "91330100MA2CT1001X"
	ledgerOther    = "91330106MA2CT1005E"
)

// ledgerFixture: two consignments received by the market (one with a
// shortfall, on 2026-06-02 at 00:30 China time, still 06-01 in UTC), one
// still open, one addressed to another buyer, one unknown.
func ledgerFixture(t *testing.T) (fakeReader, [][]byte) {
	t.Helper()
	id := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	ms := func(s string) int64 {
		tm, err := time.ParseInLocation(time.DateTime, s, types.China)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	grams := types.QuantityUnit_QUANTITY_UNIT_GRAMS
	fish, shrimp := "/01/06971234560018/10/ZS2026-A/21/0001", "/01/06971234560025/10/EC2026-A/21/0001"
	fish2 := "/01/06971234560018/10/ZS2026-A/21/0002"
	r := fakeReader{
		"/registry/enterprise/" + ledgerMarket:   &types.Enterprise{Uscc: ledgerMarket, Name: "杭州水产品批发市场"},
		"/registry/enterprise/" + ledgerImporter: &types.Enterprise{Uscc: ledgerImporter, Name: "杭州西湖海鲜进口有限公司"},
		"/trace/consignment/" + hex.EncodeToString(id(1)): &types.Consignment{Id: id(1), Sender: ledgerImporter, Buyer: ledgerMarket,
			Items: []*types.CodeQuantity{{Code: fish, Quantity: 10000}, {Code: fish2, Quantity: 10000}}, Received: true,
			ReceivedItems: []*types.CodeQuantity{{Code: fish, Quantity: 10000}, {Code: fish2, Quantity: 9500}}, ReceivedTimeMs: ms("2026-06-02 00:30:00")},
		"/trace/consignment/" + hex.EncodeToString(id(2)): &types.Consignment{Id: id(2), Sender: ledgerImporter, Buyer: ledgerMarket,
			Items: []*types.CodeQuantity{{Code: shrimp, Quantity: 20000}}, Received: true,
			ReceivedItems: []*types.CodeQuantity{{Code: shrimp, Quantity: 20000}}, ReceivedTimeMs: ms("2026-06-01 09:15:00")},
		"/trace/consignment/" + hex.EncodeToString(id(3)): &types.Consignment{Id: id(3), Sender: ledgerImporter, Buyer: ledgerMarket,
			Items: []*types.CodeQuantity{{Code: shrimp, Quantity: 1}}},
		"/trace/consignment/" + hex.EncodeToString(id(4)): &types.Consignment{Id: id(4), Sender: ledgerImporter, Buyer: ledgerOther,
			Items: []*types.CodeQuantity{{Code: shrimp, Quantity: 1}}, Received: true, ReceivedTimeMs: ms("2026-06-01 10:00:00")},
		"/trace/code?code=" + "%2F01%2F06971234560018%2F10%2FZS2026-A%2F21%2F0001": &types.CodeRecord{Code: fish, BatchId: ledgerImporter + "/ZS2026-A", Unit: grams},
		"/trace/code?code=" + "%2F01%2F06971234560018%2F10%2FZS2026-A%2F21%2F0002": &types.CodeRecord{Code: fish2, BatchId: ledgerImporter + "/ZS2026-A", Unit: grams},
		"/trace/code?code=" + "%2F01%2F06971234560025%2F10%2FEC2026-A%2F21%2F0001": &types.CodeRecord{Code: shrimp, BatchId: ledgerImporter + "/EC2026-A", Unit: grams, ReleaseCertificate: "RC-330100-2026-0001"},
		"/trace/batch?id=" + ledgerImporter + "%2FZS2026-A": &types.Batch{Id: ledgerImporter + "/ZS2026-A", Batch: "ZS2026-A", NegativeTest: true, Facts: &types.ProductFacts{
			Name: "冷冻带鱼 Frozen hairtail", Category: "frozen fish", Gtin: "06971234560018", OriginCountry: "CN", InspectionCertificate: "IQ-330900-2026-0318"}},
		"/trace/batch?id=" + ledgerImporter + "%2FEC2026-A": &types.Batch{Id: ledgerImporter + "/EC2026-A", Batch: "EC2026-A", NegativeTest: true,
			InspectionCertificates: []string{"IQ-310100-2026-0042"}, Facts: &types.ProductFacts{
				Name: "冷冻白虾 Frozen white shrimp", Category: "frozen seafood", Gtin: "06971234560025", OriginCountry: "EC", CustomsDeclaration: "310120260000654321", InspectionCertificate: "=HYPERLINK(1)"}},
	}
	return r, [][]byte{id(1), id(2), id(3), id(4), id(5), id(1)}
}

func ledgerOpts() LedgerOptions {
	return LedgerOptions{ChainID: "ledger-test", Enterprise: ledgerMarket, Height: 42, AppHash: bytes.Repeat([]byte{0xAB}, 32),
		Time: time.Date(2026, 6, 3, 1, 2, 3, 0, time.UTC)}
}

func TestGatherLedger(t *testing.T) {
	r, ids := ledgerFixture(t)
	l, err := GatherLedger(r, ledgerOpts(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if l.Candidates != 5 || l.Open != 1 || l.Dismissed != 2 || len(l.Rows) != 3 {
		t.Fatalf("candidates %d open %d dismissed %d rows %d", l.Candidates, l.Open, l.Dismissed, len(l.Rows))
	}
	if l.Rows[0].Code != "/01/06971234560025/10/EC2026-A/21/0001" || l.Rows[2].Shortfall() != 500 || l.Rows[1].Shortfall() != 0 {
		t.Fatalf("rows %+v", l.Rows)
	}
	// The days are China's: 00:30 on 06-02 is 06-02 although it is 06-01 in UTC.
	for _, c := range []struct {
		from, to string
		rows     int
	}{{"2026-06-01", "2026-06-01", 1}, {"2026-06-02", "", 2}, {"", "2026-05-31", 0}, {"2026-06-01", "2026-06-02", 3}} {
		o := ledgerOpts()
		o.From, o.To = c.from, c.to
		l, err := GatherLedger(r, o, ids)
		if err != nil || len(l.Rows) != c.rows {
			t.Errorf("%s..%s: %v rows (%v), want %d", c.from, c.to, l, err, c.rows)
		}
	}
}

func TestGatherLedgerRefuses(t *testing.T) {
	r, ids := ledgerFixture(t)
	for _, c := range []struct {
		name string
		edit func(*LedgerOptions, fakeReader)
		want string
	}{
		{"bad date", func(o *LedgerOptions, _ fakeReader) { o.From = "2026-6-1" }, "not a date"},
		{"from after to", func(o *LedgerOptions, _ fakeReader) { o.From, o.To = "2026-06-02", "2026-06-01" }, "after --to"},
		{"bad uscc", func(o *LedgerOptions, _ fakeReader) { o.Enterprise = "91330100MA2CT1003X" }, "--enterprise"},
		{"unregistered", func(o *LedgerOptions, _ fakeReader) { o.Enterprise = ledgerOther }, "not registered"},
		{"code proven absent", func(_ *LedgerOptions, r fakeReader) {
			delete(r, "/trace/code?code=%2F01%2F06971234560018%2F10%2FZS2026-A%2F21%2F0002")
		}, "proves it absent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r2 := fakeReader{}
			for k, v := range r {
				r2[k] = v
			}
			o := ledgerOpts()
			c.edit(&o, r2)
			_, err := GatherLedger(r2, o, ids)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := GatherLedger(r, LedgerOptions{Enterprise: ledgerMarket}, ids); !errors.Is(err, ErrLedgerOptions) {
		t.Fatalf("no chain id: %v", err)
	}
}

func TestLedgerCSV(t *testing.T) {
	r, ids := ledgerFixture(t)
	l, err := GatherLedger(r, ledgerOpts(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteLedgerCSV(l, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatal("no UTF-8 byte order mark")
	}
	golden(t, "ledger.golden.csv", buf.Bytes())
	cr := csv.NewReader(bytes.NewReader(buf.Bytes()[3:]))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var head int
	for i, rec := range recs {
		if rec[0] == LedgerColumns[0] {
			head = i
		}
	}
	if head == 0 || len(recs)-head-1 != 3 {
		t.Fatalf("header at %d of %d records", head, len(recs))
	}
	short := recs[len(recs)-1]
	if short[9] != "9500" || short[10] != "500" || short[16] != "阴性 negative" {
		t.Fatalf("shortfall row %q", short)
	}
	if got := recs[head+1][14]; got != "'=HYPERLINK(1)" {
		t.Fatalf("a formula-like cell is written %q", got)
	}
	text := buf.String()
	for _, want := range []string{"ledger-test", "42", strings.Repeat("AB", 32)} {
		if !strings.Contains(text, want) {
			t.Errorf("the CSV does not state %q", want)
		}
	}
}

// pdfEscapeUTF16 is how fpdf writes text in a UTF-8 font: UTF-16BE in a
// literal string, with \ ( ) and CR escaped.
func pdfEscapeUTF16(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		for _, c := range []byte{byte(u >> 8), byte(u)} {
			switch c {
			case '\\', '(', ')':
				b = append(b, '\\', c)
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, c)
			}
		}
	}
	return b
}

// pdfStreams inflates every stream of a PDF fpdf wrote.
func pdfStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	re := regexp.MustCompile(`/Length (\d+)[^>]*>>\nstream\n`)
	var out [][]byte
	for _, m := range re.FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		if m[1]+n > len(pdf) {
			t.Fatalf("stream of %d bytes past the end", n)
		}
		data := pdf[m[1] : m[1]+n]
		if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			if inflated, err := io.ReadAll(zr); err == nil {
				data = inflated
			}
		}
		out = append(out, data)
	}
	return out
}

func TestLedgerPDF(t *testing.T) {
	r, ids := ledgerFixture(t)
	l, err := GatherLedger(r, ledgerOpts(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteLedgerPDF(l, &buf); err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
	if !bytes.Contains(pdf, []byte("/CIDFontType2")) || !bytes.Contains(pdf, []byte("/BaseFont /utf8"+label.FontFamily)) || !bytes.Contains(pdf, []byte("/FontFile2")) {
		t.Fatal("the label's CJK font is not embedded")
	}
	var content []byte
	for _, s := range pdfStreams(t, pdf) {
		content = append(content, s...)
	}
	for _, want := range []string{"杭州西湖海鲜进口有限公司", "冷冻带鱼 Frozen hairtail", "IQ-330900-2026-0318",
		"9500 / 10000 g", "短缺 short 500", "出仓 Release RC-330100-2026-0001", "ledger-test", strings.Repeat("AB", 32)} {
		if !bytes.Contains(content, pdfEscapeUTF16(want)) {
			t.Errorf("the PDF does not print %q", want)
		}
	}
	var again bytes.Buffer
	if err := WriteLedgerPDF(l, &again); err != nil || !bytes.Equal(pdf, again.Bytes()) {
		t.Fatalf("the same ledger gives other bytes (%v)", err)
	}
	// What a reader sees: poppler extracts the text.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing: apt-get install poppler-utils")
		}
		t.Skip("pdftotext is missing: apt-get install poppler-utils")
	}
	in := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	for _, want := range []string{"进货查验记录", "杭州水产品批发市场", "冷冻白虾", "IQ-310100-2026-0042", "短缺 short 500", "1 / 1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext does not find %q in:\n%s", want, out)
		}
	}
}
