package export

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// LedgerReader reads one record of the chain into m. GatherLedger takes
// what it returns as fact, so an implementation verifies every answer (a
// proof against the app hash of LedgerOptions.Height) before returning it.
// A proven absence is found == false with no error.
type LedgerReader interface {
	Read(path string, m proto.Message) (found bool, err error)
}

// LedgerOptions name whose ledger, which days, and the state it was read
// from.
type LedgerOptions struct {
	ChainID    string
	Enterprise string // the operator's USCC
	// From and To bound the days of receipt, YYYY-MM-DD in China's time,
	// both inclusive; empty for no bound.
	From, To string
	// Height and AppHash are the state every record was verified against;
	// Time is the time of the header that carries AppHash (the PDF's date).
	Height  int64
	AppHash []byte
	Time    time.Time
}

// Ledger is an operator's goods-received ledger (进货查验记录): one row
// per code of every consignment it received within the days asked.
type Ledger struct {
	LedgerOptions
	EnterpriseName string
	Rows           []LedgerRow
	// Candidates counts the consignments the caller named; Open those not
	// yet received, Dismissed those the chain does not hold or that are
	// addressed to another buyer (a candidate list is not trusted).
	Candidates, Open, Dismissed int
}

// LedgerRow is one code received. Every field comes from a record read
// through the LedgerReader.
type LedgerRow struct {
	ReceivedMs   int64  // block time of the receipt
	Consignment  string // hex id
	SupplierUSCC string
	SupplierName string
	Product      string
	Category     string
	GTIN         string
	BatchID      string // USCC/BATCH
	Batch        string // the batch as its commissioner named it
	Code         string
	Dispatched   uint64 // sent in the consignment
	Received     uint64 // accepted by the operator
	Unit         types.QuantityUnit
	// Certificates: the customs declaration and origin the batch's facts
	// state, the inspection certificates customs recorded for the batch,
	// the one the commissioner stated, the code's release certificate, and
	// the nucleic-acid tests recorded for the batch.
	CustomsDeclaration          string
	InspectionCertificates      []string
	StatedInspectionCertificate string
	ReleaseCertificate          string
	NegativeTest, PositiveTest  bool
	OriginCountry               string
}

// Shortfall is what was dispatched and not received.
func (r LedgerRow) Shortfall() uint64 {
	if r.Received >= r.Dispatched {
		return 0
	}
	return r.Dispatched - r.Received
}

// ErrLedgerOptions is returned (wrapped) for options that cannot be met.
var ErrLedgerOptions = errors.New("ledger")

// ParseLedgerDays checks --from and --to: dates YYYY-MM-DD, from not after to.
func ParseLedgerDays(from, to string) error {
	for _, d := range []struct{ flag, v string }{{"--from", from}, {"--to", to}} {
		if d.v == "" {
			continue
		}
		if _, err := time.ParseInLocation(time.DateOnly, d.v, types.China); err != nil {
			return fmt.Errorf("%w: %s %q is not a date YYYY-MM-DD", ErrLedgerOptions, d.flag, d.v)
		}
	}
	if from != "" && to != "" && from > to {
		return fmt.Errorf("%w: --from %s is after --to %s", ErrLedgerOptions, from, to)
	}
	return nil
}

// GatherLedger reads, for each candidate consignment id, the consignment,
// and keeps those addressed to o.Enterprise and received within o.From and
// o.To; for each code received it reads the code's record, its batch and
// the sender. Candidates come from an untrusted source (the node's tx
// index): one the chain does not hold, or that names another buyer, is
// dismissed and counted, never shown. Rows are in order of receipt, then
// consignment, then code.
func GatherLedger(r LedgerReader, o LedgerOptions, candidates [][]byte) (*Ledger, error) {
	if o.ChainID == "" {
		return nil, fmt.Errorf("%w: the chain id is required", ErrLedgerOptions)
	}
	if err := types.ValidateUSCC(o.Enterprise); err != nil {
		return nil, fmt.Errorf("%w: --enterprise: %v", ErrLedgerOptions, err)
	}
	if err := ParseLedgerDays(o.From, o.To); err != nil {
		return nil, err
	}
	l := &Ledger{LedgerOptions: o}
	g := &ledgerGather{r: r, ents: map[string]*types.Enterprise{}, codes: map[string]*types.CodeRecord{}, batches: map[string]*types.Batch{}}
	self, err := g.enterprise(o.Enterprise)
	if err != nil {
		return nil, err
	}
	if self == nil {
		return nil, fmt.Errorf("%w: enterprise %s is not registered on chain %s", ErrLedgerOptions, o.Enterprise, o.ChainID)
	}
	l.EnterpriseName = self.Name
	ids := map[string]bool{}
	for _, id := range candidates {
		ids[hex.EncodeToString(id)] = true
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range ids {
			if !yield(k) {
				return
			}
		}
	})
	l.Candidates = len(keys)
	for _, key := range keys {
		con := &types.Consignment{}
		found, err := r.Read("/trace/consignment/"+key, con)
		if err != nil {
			return nil, fmt.Errorf("consignment %s: %w", key, err)
		}
		if !found || con.Buyer != o.Enterprise {
			l.Dismissed++
			continue
		}
		if !con.Received {
			l.Open++
			continue
		}
		day := time.UnixMilli(con.ReceivedTimeMs).In(types.China).Format(time.DateOnly)
		if (o.From != "" && day < o.From) || (o.To != "" && day > o.To) {
			continue
		}
		rows, err := g.rows(con, key)
		if err != nil {
			return nil, err
		}
		l.Rows = append(l.Rows, rows...)
	}
	sort.SliceStable(l.Rows, func(i, j int) bool {
		a, b := l.Rows[i], l.Rows[j]
		if a.ReceivedMs != b.ReceivedMs {
			return a.ReceivedMs < b.ReceivedMs
		}
		if a.Consignment != b.Consignment {
			return a.Consignment < b.Consignment
		}
		return a.Code < b.Code
	})
	return l, nil
}

type ledgerGather struct {
	r       LedgerReader
	ents    map[string]*types.Enterprise
	codes   map[string]*types.CodeRecord
	batches map[string]*types.Batch
}

func (g *ledgerGather) enterprise(uscc string) (*types.Enterprise, error) {
	if e, ok := g.ents[uscc]; ok {
		return e, nil
	}
	e := &types.Enterprise{}
	found, err := g.r.Read("/registry/enterprise/"+uscc, e)
	if err != nil {
		return nil, fmt.Errorf("enterprise %s: %w", uscc, err)
	}
	if !found {
		e = nil
	}
	g.ents[uscc] = e
	return e, nil
}

func (g *ledgerGather) code(code string) (*types.CodeRecord, error) {
	if c, ok := g.codes[code]; ok {
		return c, nil
	}
	c := &types.CodeRecord{}
	found, err := g.r.Read("/trace/code?code="+url.QueryEscape(code), c)
	if err != nil {
		return nil, fmt.Errorf("code %s: %w", code, err)
	}
	if !found {
		return nil, fmt.Errorf("code %s: a received consignment names it, but the chain proves it absent", code)
	}
	g.codes[code] = c
	return c, nil
}

func (g *ledgerGather) batch(id string) (*types.Batch, error) {
	if id == "" {
		return nil, nil
	}
	if b, ok := g.batches[id]; ok {
		return b, nil
	}
	b := &types.Batch{}
	found, err := g.r.Read("/trace/batch?id="+url.QueryEscape(id), b)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", id, err)
	}
	if !found {
		b = nil
	}
	g.batches[id] = b
	return b, nil
}

// rows are the codes of one received consignment.
func (g *ledgerGather) rows(con *types.Consignment, key string) ([]LedgerRow, error) {
	sender, err := g.enterprise(con.Sender)
	if err != nil {
		return nil, err
	}
	got := map[string]uint64{}
	for _, it := range con.ReceivedItems {
		got[it.Code] = it.Quantity
	}
	var out []LedgerRow
	for _, it := range con.Items {
		rec, err := g.code(it.Code)
		if err != nil {
			return nil, err
		}
		b, err := g.batch(rec.BatchId)
		if err != nil {
			return nil, err
		}
		row := LedgerRow{
			ReceivedMs: con.ReceivedTimeMs, Consignment: key, SupplierUSCC: con.Sender,
			BatchID: rec.BatchId, Code: it.Code, Dispatched: it.Quantity, Received: got[it.Code], Unit: rec.Unit,
			ReleaseCertificate: rec.ReleaseCertificate,
		}
		if sender != nil {
			row.SupplierName = sender.Name
		}
		if rec.LogisticUnit {
			row.Product = fmt.Sprintf("物流单元 logistic unit (%d codes)", len(rec.Contents))
		}
		if b != nil {
			row.Batch = b.Batch
			row.InspectionCertificates = b.InspectionCertificates
			row.NegativeTest, row.PositiveTest = b.NegativeTest, b.PositiveTest || b.PositiveTests > 0
			if f := b.Facts; f != nil {
				row.Product, row.Category, row.GTIN = f.Name, f.Category, f.Gtin
				row.CustomsDeclaration, row.OriginCountry = f.CustomsDeclaration, f.OriginCountry
				row.StatedInspectionCertificate = f.InspectionCertificate
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// ledgerUnit is a unit as the ledger prints it.
func ledgerUnit(u types.QuantityUnit) string {
	switch u {
	case types.QuantityUnit_QUANTITY_UNIT_GRAMS:
		return "g"
	case types.QuantityUnit_QUANTITY_UNIT_PIECES:
		return "件 pcs"
	}
	return ""
}

// ledgerTest is what the batch's recorded nucleic-acid tests say.
func ledgerTest(r LedgerRow) string {
	switch {
	case r.PositiveTest:
		return "阳性 positive"
	case r.NegativeTest:
		return "阴性 negative"
	}
	return ""
}

// ledgerTime is a block time in China's time.
func ledgerTime(ms int64) string {
	return time.UnixMilli(ms).In(types.China).Format(time.DateTime)
}

// LedgerColumns are the ledger's columns, as the CSV heads them;
// docs/EXPORTS.md lists them (a test checks).
var LedgerColumns = []string{
	"收货时间 Received (UTC+8)",
	"供货者统一社会信用代码 Supplier USCC",
	"供货者名称 Supplier",
	"品名 Product",
	"类别 Category",
	"GTIN",
	"批次 Batch",
	"追溯码 Code",
	"发货数量 Dispatched",
	"收货数量 Received",
	"短缺 Shortfall",
	"单位 Unit",
	"报关单号 Customs declaration",
	"海关检验检疫证明 Inspection certificates (customs)",
	"检验检疫证明(申报) Inspection certificate (stated)",
	"出仓证明 Release certificate",
	"核酸检测 Nucleic-acid test",
	"原产国 Origin",
	"运单 Consignment",
}

// cells is a row's values in LedgerColumns order.
func (r LedgerRow) cells() []string {
	short := ""
	if s := r.Shortfall(); s > 0 {
		short = fmt.Sprint(s)
	}
	return []string{
		ledgerTime(r.ReceivedMs), r.SupplierUSCC, r.SupplierName, r.Product, r.Category, r.GTIN, r.Batch, r.Code,
		fmt.Sprint(r.Dispatched), fmt.Sprint(r.Received), short, ledgerUnit(r.Unit),
		r.CustomsDeclaration, strings.Join(r.InspectionCertificates, "; "), r.StatedInspectionCertificate,
		r.ReleaseCertificate, ledgerTest(r), r.OriginCountry, r.Consignment,
	}
}

// ledgerNote says what the file proves and what it cannot.
const ledgerNote = "每行的事实均来自按上述高度和应用哈希核验过的链上记录；候选运单来自节点的交易索引，未经证明完整。 " +
	"Every fact of every row comes from chain records verified against the height and app hash above; " +
	"the consignments were found through the node's tx index, which the chain does not prove complete."

// period is the days asked, as the files print them.
func (l *Ledger) period() string {
	from, to := l.From, l.To
	if from == "" {
		from = "不限 any"
	}
	if to == "" {
		to = "不限 any"
	}
	return from + " 至 to " + to
}
