package export

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// The fixture is a cold chain written event by event as the chain records
// it (sorted Event.Codes, issued native codes, consignment ids, the codes
// each event is appended to), covering every kind of event:
//
//	an importer commissions imported frozen shrimp (origin EC, two serialised
//	cartons and a native code), ships to a supervision warehouse with a
//	carrier and corrects the delivery note it gave; the warehouse receives short, enters the goods, customs samples
//	them, the warehouse inspects and releases them, reports a temperature
//	excursion, palletises and ships the pallet to a wholesale market, which
//	receives and unpacks it, splits the native code into two native children
//	and ships them to a supermarket, ships a carton to a restaurant; the
//	restaurant reports temperatures, once wrongly, and corrects it; the
//	district regulator declares an inspection that never happened; the
//	supermarket and the restaurant sell and consume; the regulator holds and
//	releases a child; the market commissions domestic pork (one piece per
//	code), ships one piece, a regulator's sample tests positive, the batch is
//	recalled and both pieces destroyed; a lab finds nothing in the shrimp
//	batch (a batch-level test, in no code's history).
const (
	chainID   = "coldtrace-test"
	district  = "330106"
	city      = "330100"
	baseMs    = int64(1_700_000_000_000)
	minuteMs  = int64(60_000)
	shrimpGT  = "09521234543213"
	unitSSCC  = "/00/106141411234567897"
	shrimpLot = "B2023"
	porkLot   = "P7"
)

var (
	importer  = uscc("91330100MA27XXXX0")
	warehouse = uscc("91330109MA2FFFFF0")
	market    = uscc("91330106MA28YYYY0")
	shop      = uscc("91330106MA2DDDDD0")
	diner     = uscc("91330106MA2EEEEE0")
	carrier   = uscc("91330106MA2HHHHH0")
	porkGTIN  = gtin("0690123456789")

	a1 = "/01/" + shrimpGT + "/10/" + shrimpLot + "/21/0001"
	a2 = "/01/" + shrimpGT + "/10/" + shrimpLot + "/21/0002"
	n1 = types.NativeCode(importer, 1).String()
	k1 = types.NativeCode(market, 1).String()
	k2 = types.NativeCode(market, 2).String()
	p1 = "/01/" + porkGTIN + "/10/" + porkLot + "/21/0001"
	p2 = "/01/" + porkGTIN + "/10/" + porkLot + "/21/0002"

	shrimpBatch = importer + "/" + shrimpLot
	porkBatch   = market + "/" + porkLot
)

func uscc(body string) string {
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

func gtin(body string) string {
	d, err := types.GS1CheckDigit(body)
	if err != nil {
		panic(err)
	}
	return body + string(d)
}

func digest(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func grams(code string, q uint64) *types.NewCode {
	return &types.NewCode{Code: code, Quantity: q, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
}

func cq(code string, q uint64) *types.CodeQuantity {
	return &types.CodeQuantity{Code: code, Quantity: q}
}

func shrimpFacts() *types.ProductFacts {
	return &types.ProductFacts{
		Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: shrimpGT, OriginCountry: "EC",
		ProductionDate: "2023-10-01", ShelfLifeDays: 730, Supplier: "Pacific Shrimp S.A.",
		CertificateOfOrigin: "EC-2023-1188", CustomsDeclaration: "310120231000456789",
		InspectionCertificate: "IQ-330100-2023-0042", DisinfectionCertificate: "DS-2023-0917",
		NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Ningbo CIQ Lab", Date: "2023-10-20", DocumentHash: digest("nucleic acid report")},
		TempMinCenti:    -3000, TempMaxCenti: -1800,
	}
}

func porkFacts() *types.ProductFacts {
	return &types.ProductFacts{
		Name: "Frozen pork belly", Category: "frozen meat", Gtin: porkGTIN, OriginCountry: "CN",
		ProductionDate: "2023-11-01", ExpiryDate: "2024-11-01", Supplier: "Jinhua Meat Processing Co.",
	}
}

// fixture is the chain's events with their hashes and the state records a
// client would read beside them.
type fixture struct {
	events       []*types.Event
	hashes       [][]byte
	minute       int64
	records      map[string]*types.CodeRecord
	batches      map[string]*types.Batch
	enterprises  map[string]*types.Enterprise
	consignments map[string]*types.Consignment
	named        map[string][]byte // event hashes by a name the tests use
}

// add records one event in a new block (or the block of the previous event
// when sameBlock) and returns its hash.
func (f *fixture) add(t testing.TB, name, actor, step string, msg proto.Message, codes []string, sameBlock bool, extra func(*types.Event)) []byte {
	t.Helper()
	if !sameBlock {
		f.minute++
	}
	codes = append([]string(nil), codes...)
	sort.Strings(codes)
	ev := &types.Event{
		BizStep: step, Height: f.minute, TimeMs: baseMs + f.minute*minuteMs,
		TxHash: digest("tx " + name), Actor: actor, Signer: digest("key " + actor),
		Msg: types.WrapMsg(msg), Codes: codes,
	}
	if extra != nil {
		extra(ev)
	}
	h, err := EventHash(ev)
	if err != nil {
		t.Fatal(err)
	}
	f.events = append(f.events, ev)
	f.hashes = append(f.hashes, h)
	if _, dup := f.named[name]; dup {
		t.Fatalf("event name %q used twice", name)
	}
	f.named[name] = h
	return h
}

func (f *fixture) code(r *types.CodeRecord) { f.records[r.Code] = r }

// consignment records a consignment as the chain would after a dispatch.
func (f *fixture) consignment(id []byte, sender, buyer, carrier string, items ...*types.CodeQuantity) {
	f.consignments[hexID(id)] = &types.Consignment{Id: id, Sender: sender, Buyer: buyer, Carrier: carrier, Items: items}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{
		records: map[string]*types.CodeRecord{}, batches: map[string]*types.Batch{},
		enterprises: map[string]*types.Enterprise{}, consignments: map[string]*types.Consignment{},
		named: map[string][]byte{},
	}
	for _, e := range []*types.Enterprise{
		{Uscc: importer, Name: "Hangzhou Ocean Imports Co.", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: "330100"},
		{Uscc: warehouse, Name: "Xiaoshan Supervision Cold Store", Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, Division: "330109"},
		{Uscc: market, Name: "Hangzhou Agricultural Wholesale Market", Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: district},
		{Uscc: shop, Name: "Xihu Fresh Supermarket", Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: district},
		{Uscc: diner, Name: "West Lake Restaurant", Kind: types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, Division: district},
		{Uscc: carrier, Name: "Zhejiang Cold Logistics", Kind: types.EnterpriseKind_ENTERPRISE_KIND_LOGISTICS, Division: district},
	} {
		e.Status = types.Status_STATUS_ACTIVE
		f.enterprises[e.Uscc] = e
	}
	f.batches[shrimpBatch] = &types.Batch{Id: shrimpBatch, Batch: shrimpLot, Commissioner: importer, Facts: shrimpFacts(), Height: 1, TimeMs: baseMs + minuteMs, Codes: 5, Supervised: true, NegativeTest: true}
	f.batches[porkBatch] = &types.Batch{Id: porkBatch, Batch: porkLot, Commissioner: market, Facts: porkFacts(), Height: 26, TimeMs: baseMs + 26*minuteMs, Codes: 2, PositiveTest: true, Recall: 1}

	g := types.QuantityUnit_QUANTITY_UNIT_GRAMS
	pc := types.QuantityUnit_QUANTITY_UNIT_PIECES
	f.code(&types.CodeRecord{Code: a1, BatchId: shrimpBatch, Unit: g, Commissioned: 10_000, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: a2, BatchId: shrimpBatch, Unit: g, Commissioned: 10_000, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: n1, BatchId: shrimpBatch, Unit: g, Commissioned: 10_000, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: k1, BatchId: shrimpBatch, Unit: g, Commissioned: 2000, Parent: n1, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: k2, BatchId: shrimpBatch, Unit: g, Commissioned: 2000, Parent: n1, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: unitSSCC, Unit: pc, Commissioned: 1, LogisticUnit: true, Status: types.CodeStatus_CODE_STATUS_ACTIVE})
	f.code(&types.CodeRecord{Code: p1, BatchId: porkBatch, Unit: pc, Commissioned: 1, Status: types.CodeStatus_CODE_STATUS_DESTROYED})
	f.code(&types.CodeRecord{Code: p2, BatchId: porkBatch, Unit: pc, Commissioned: 1, Status: types.CodeStatus_CODE_STATUS_DESTROYED})

	// Imported shrimp: commissioning, shipment to the supervision warehouse.
	f.add(t, "commission shrimp", importer, "commissioning", &types.MsgCommission{Batch: shrimpLot, Facts: shrimpFacts(),
		Codes: []*types.NewCode{grams(a1, 10_000), grams("https://id.example.com"+a2, 10_000), {Quantity: 10_000, Unit: g}}},
		[]string{a1, a2, n1}, false, func(e *types.Event) { e.Issued = []string{n1} })
	c1 := digest("consignment 1")
	f.add(t, "ship to warehouse", importer, "shipping", &types.MsgDispatch{Buyer: warehouse, Carrier: carrier, Reference: "DN-2023-001",
		Items: []*types.CodeQuantity{cq("(01)"+shrimpGT+"(10)"+shrimpLot+"(21)0001", 6000), cq(n1, 10_000)}},
		[]string{a1, n1}, false, func(e *types.Event) { e.Consignment = c1 })
	f.consignment(c1, importer, warehouse, carrier, cq(a1, 6000), cq(n1, 10_000))
	f.add(t, "delivery note mistyped", importer, "error_declaration", &types.MsgCorrect{Event: f.named["ship to warehouse"],
		Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA, Note: "delivery note is DN-2023-010"}, []string{a1, n1}, false, nil)
	f.add(t, "warehouse receives", warehouse, "receiving", &types.MsgReceive{Consignment: c1, Note: "one carton thawed",
		Received: []*types.CodeQuantity{cq(a1, 5900), cq(n1, 10_000)}},
		[]string{a1, n1}, false, func(e *types.Event) { e.Consignment = c1 })

	// Supervision: entry, customs sampling, warehouse inspection, release.
	f.add(t, "warehouse entry", warehouse, "storing", &types.MsgWarehouseEntry{Codes: []string{a1, n1}}, []string{a1, n1}, false, nil)
	f.add(t, "customs samples", types.CustomsID, "sampling", &types.MsgRecordTest{Codes: []string{a1}, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Ningbo CIQ Lab", SampleId: "S-0042", TestName: "SARS-CoV-2 nucleic acid", DocumentHash: digest("customs lab report")},
		[]string{a1}, false, nil)
	f.add(t, "warehouse inspects", warehouse, "inspecting", &types.MsgRecordTest{Codes: []string{n1}, Kind: types.TestKind_TEST_KIND_INSPECTION,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, TestName: "visual inspection"}, []string{n1}, false, nil)
	f.add(t, "release", warehouse, "releasing", &types.MsgRelease{Codes: []string{a1, n1}}, []string{a1, n1}, false, nil)
	f.add(t, "excursion", warehouse, "sensor_reporting", &types.MsgSensorReport{Codes: []string{a1, n1}, MinCenti: -1850, MaxCenti: -1790,
		StartUnix: 1_700_000_400, EndUnix: 1_700_000_700, DeviceId: "logger 7/A", RawDataHash: digest("raw readings 7")},
		[]string{a1, n1}, false, func(e *types.Event) { e.Excursion = true })

	// A pallet to the market, received and unpacked; the native code split.
	f.add(t, "pack", warehouse, "packing", &types.MsgAggregate{Unit: unitSSCC, Items: []*types.CodeQuantity{cq(a1, 5900), cq(n1, 4000)}},
		[]string{a1, n1, unitSSCC}, false, nil)
	c2 := digest("consignment 2")
	f.add(t, "ship pallet", warehouse, "shipping", &types.MsgDispatch{Buyer: market, Items: []*types.CodeQuantity{cq(unitSSCC, 1)}},
		[]string{a1, n1, unitSSCC}, false, func(e *types.Event) { e.Consignment = c2 })
	f.consignment(c2, warehouse, market, "", cq(unitSSCC, 1))
	f.add(t, "market receives pallet", market, "receiving", &types.MsgReceive{Consignment: c2, Received: []*types.CodeQuantity{cq(unitSSCC, 1)}},
		[]string{unitSSCC}, false, func(e *types.Event) { e.Consignment = c2 })
	f.add(t, "unpack", market, "unpacking", &types.MsgDisaggregate{Unit: unitSSCC}, []string{a1, n1, unitSSCC}, false, nil)
	f.add(t, "split", market, "repackaging", &types.MsgSplit{Parent: n1, Children: []*types.NewCode{{Quantity: 2000}, {Quantity: 2000}}},
		[]string{n1, k1, k2}, false, func(e *types.Event) { e.Issued = []string{k1, k2} })
	c3 := digest("consignment 3")
	f.add(t, "ship children", market, "shipping", &types.MsgDispatch{Buyer: shop, Items: []*types.CodeQuantity{cq(k1, 2000), cq(k2, 2000)}},
		[]string{k1, k2}, false, func(e *types.Event) { e.Consignment = c3 })
	f.consignment(c3, market, shop, "", cq(k1, 2000), cq(k2, 2000))
	c4 := digest("consignment 4") // its record is left out: the sender comes from the shipping event
	f.add(t, "ship to restaurant", market, "shipping", &types.MsgDispatch{Buyer: diner, Items: []*types.CodeQuantity{cq(a1, 1000)}},
		[]string{a1}, false, func(e *types.Event) { e.Consignment = c4 })
	f.add(t, "restaurant receives", diner, "receiving", &types.MsgReceive{Consignment: c4, Received: []*types.CodeQuantity{cq(a1, 1000)}},
		[]string{a1}, false, func(e *types.Event) { e.Consignment = c4 })

	// The restaurant's logger reported nonsense; it reports again and corrects.
	wrong := f.add(t, "wrong reading", diner, "sensor_reporting", &types.MsgSensorReport{Codes: []string{a1}, MinCenti: 2150, MaxCenti: 2305,
		StartUnix: 1_700_001_000, EndUnix: 1_700_001_300, DeviceId: "fridge-2"}, []string{a1}, false, func(e *types.Event) { e.Excursion = true })
	right := f.add(t, "right reading", diner, "sensor_reporting", &types.MsgSensorReport{Codes: []string{a1}, MinCenti: -2150, MaxCenti: -1905,
		StartUnix: 1_700_001_000, EndUnix: 1_700_001_300, DeviceId: "fridge-2"}, []string{a1}, false, nil)
	f.add(t, "correct reading", diner, "error_declaration", &types.MsgCorrect{Event: wrong, Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA,
		Note: "logger reported in the wrong unit", CorrectiveEvents: [][]byte{right}}, []string{a1}, false, nil)
	f.add(t, "inspection did not occur", city, "error_declaration", &types.MsgCorrect{Event: f.named["warehouse inspects"],
		Reason: types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR, Note: "no inspector was on site"}, []string{n1}, false, nil)

	f.add(t, "shop receives", shop, "receiving", &types.MsgReceive{Consignment: c3, Received: []*types.CodeQuantity{cq(k1, 2000), cq(k2, 2000)}},
		[]string{k1, k2}, false, func(e *types.Event) { e.Consignment = c3 })
	f.add(t, "shop sells", shop, "retail_selling", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(k1, 500)}}, []string{k1}, false, nil)
	f.add(t, "restaurant consumes", diner, "retail_selling", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{cq(a1, 400)}}, []string{a1}, true, nil)
	f.add(t, "hold", district, "holding", &types.MsgHold{Codes: []string{k2}, Reason: "label damaged"}, []string{k2}, false, nil)
	f.add(t, "unhold", district, "holding", &types.MsgUnhold{Codes: []string{k2}, Reason: "label replaced"}, []string{k2}, false, nil)

	// Domestic pork: commissioned by the market, a positive sample, recall, destruction.
	pcs := types.QuantityUnit_QUANTITY_UNIT_PIECES
	f.add(t, "commission pork", market, "commissioning", &types.MsgCommission{Batch: porkLot, Facts: porkFacts(),
		Codes: []*types.NewCode{{Code: p1, Quantity: 1, Unit: pcs}, {Code: p2, Quantity: 1, Unit: pcs}}}, []string{p1, p2}, false, nil)
	c5 := digest("consignment 5")
	f.add(t, "ship pork", market, "shipping", &types.MsgDispatch{Buyer: shop, Items: []*types.CodeQuantity{cq(p1, 1)}},
		[]string{p1}, false, func(e *types.Event) { e.Consignment = c5 })
	f.consignment(c5, market, shop, "", cq(p1, 1))
	f.add(t, "shop receives pork", shop, "receiving", &types.MsgReceive{Consignment: c5, Received: []*types.CodeQuantity{cq(p1, 1)}},
		[]string{p1}, false, func(e *types.Event) { e.Consignment = c5 })
	f.add(t, "positive sample", district, "sampling", &types.MsgRecordTest{Batch: porkBatch, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_POSITIVE, Lab: "Hangzhou CDC", SampleId: "HZ-77", TestName: "African swine fever PCR", DocumentHash: digest("cdc report")},
		[]string{p1, p2}, false, nil)
	f.add(t, "recall", district, "recalling", &types.MsgRecall{Batch: porkBatch, Reason: "African swine fever"}, []string{p1, p2}, false, nil)
	f.add(t, "destroy at shop", district, "destroying", &types.MsgDestroy{Code: p1, Holder: shop, Quantity: 1, Method: "incineration", DocumentHash: digest("destruction record 1")},
		[]string{p1}, false, nil)
	f.add(t, "destroy at market", district, "destroying", &types.MsgDestroy{Code: p2, Holder: market, Quantity: 1, Method: "incineration"},
		[]string{p2}, true, nil)
	// A batch-level lab test that found nothing: the chain appends it to no
	// code's history, only to the batch's test events.
	bt := f.add(t, "batch test", city, "inspecting", &types.MsgRecordTest{Batch: shrimpBatch, Kind: types.TestKind_TEST_KIND_INSPECTION,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "Vibrio parahaemolyticus"}, nil, true, nil)
	f.batches[shrimpBatch].TestEvents = [][]byte{bt}
	return f
}

// histories is one History per code, as a client would assemble them.
func (f *fixture) histories() []History {
	var hs []History
	for _, code := range slices.Sorted(maps.Keys(f.records)) {
		r := f.records[code]
		h := History{Code: r, Batch: f.batches[r.BatchId], Enterprises: f.enterprises, Consignments: map[string]*types.Consignment{}}
		for i, ev := range f.events {
			if b := f.batches[r.BatchId]; b != nil && slices.ContainsFunc(b.TestEvents, func(h []byte) bool { return string(h) == string(f.hashes[i]) }) {
				h.Events = append(h.Events, ev) // as the export command adds a batch's test events
				h.EventHashes = append(h.EventHashes, f.hashes[i])
				continue
			}
			for _, c := range ev.Codes {
				if c == code {
					h.Events = append(h.Events, ev)
					h.EventHashes = append(h.EventHashes, f.hashes[i])
					if ev.Consignment != nil {
						if con := f.consignments[hexID(ev.Consignment)]; con != nil {
							h.Consignments[hexID(ev.Consignment)] = con
						}
					}
				}
			}
		}
		hs = append(hs, h)
	}
	return hs
}

func hexID(b []byte) string { return hex.EncodeToString(b) }

// fixtureOptions are the options of every export of the fixture.
func fixtureOptions() Options {
	return Options{ChainID: chainID, Created: time.UnixMilli(baseMs + 40*minuteMs).UTC()}
}
