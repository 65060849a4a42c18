package app

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

var (
	kMarket, kShop, kDiner = testKey("market"), testKey("shop"), testKey("diner")
	shopUSCC               = mkUSCC("91330106MA2DDDDD0")
	dinerUSCC              = mkUSCC("91330106MA2EEEEE0")
	gtin                   = "09521234543213"
)

// shrimpFacts are domestic goods (origin CN), which need no supervision warehouse.
func shrimpFacts() *types.ProductFacts {
	doc := sha256.Sum256([]byte("nucleic acid test report"))
	return &types.ProductFacts{
		Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: gtin, OriginCountry: "CN",
		ProductionDate: "2023-10-01", ShelfLifeDays: 730, Supplier: "Zhanjiang Aquatic Products Co.",
		CertificateOfOrigin: "EC-2023-1188", CustomsDeclaration: "310120231000456789",
		InspectionCertificate: "IQ-330100-2023-0042", DisinfectionCertificate: "DS-2023-0917",
		NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", Date: "2023-10-20", DocumentHash: doc[:]},
		TempMinCenti:    -3000, TempMaxCenti: -1800,
	}
}

func gtinCode(serial string) string { return "/01/" + gtin + "/10/B2023/21/" + serial }

// traceChain: baseChain plus a wholesale market, a supermarket and a restaurant.
func traceChain(t testing.TB) *testChain {
	c := baseChain(t)
	c.mustBlock(
		c.tx(kDistrict, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kMarket)),
		c.tx(kDistrict, regEnterprise(shopUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, kShop)),
		c.tx(kDistrict, regEnterprise(dinerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kDiner)),
	)
	return c
}

// attr finds an event attribute in a block's tx result.
func attr(t *testing.T, res *abci.ExecTxResult, typ, key string) []string {
	t.Helper()
	var out []string
	for _, e := range res.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				out = append(out, a.Value)
			}
		}
	}
	return out
}

func (c *testChain) ok(tx []byte) *abci.ExecTxResult {
	c.t.Helper()
	r := c.block(tx)[0]
	if r.Code != 0 {
		c.t.Fatalf("height %d: code %d: %s", c.height, r.Code, r.Log)
	}
	return r
}

func cq(code string, q uint64) *types.CodeQuantity {
	return &types.CodeQuantity{Code: code, Quantity: q}
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkConserved asserts the quantity identity and the history hash chain
// of every code in state.
func checkConserved(t *testing.T, a *App) {
	t.Helper()
	snap, err := a.tree.Immutable(a.tree.Version())
	if err != nil {
		t.Fatal(err)
	}
	st := state.New(snap)
	prefix := state.CodeKey("")
	n := 0
	err = snap.Iterate(prefix, state.PrefixEnd(prefix), func(k, v []byte) bool {
		n++
		var r types.CodeRecord
		if err := proto.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		if !r.Conserved() {
			t.Errorf("%s: commissioned %d, accounted %d", r.Code, r.Commissioned, r.Accounted())
		}
		hashes, err := st.History(r.Code, 0, int(r.Events)+1)
		if err != nil || uint64(len(hashes)) != r.Events {
			t.Fatalf("%s: %d history entries, record says %d (%v)", r.Code, len(hashes), r.Events, err)
		}
		var head []byte
		for _, h := range hashes {
			_, b, err := st.Event(h)
			if err != nil || b == nil {
				t.Fatalf("%s: event %X missing", r.Code, h)
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != hex.EncodeToString(h) {
				t.Fatalf("event stored under %X hashes to %X", h, sum)
			}
			head = state.ChainHead(head, b)
		}
		if hex.EncodeToString(head) != hex.EncodeToString(r.Head) {
			t.Errorf("%s: history recomputes to head %X, record has %X", r.Code, head, r.Head)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no codes in state")
	}
}

// TestTraceJourney: commission → dispatch → receive with a shortfall →
// split → dispatch to a supermarket and a restaurant → receive → sell and
// consume; the forward trace of the batch names exactly those enterprises.
func TestTraceJourney(t *testing.T) {
	c := traceChain(t)
	codes := []*types.NewCode{
		{Code: gtinCode("0001"), Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
		{Code: "https://id.example.com/01/" + gtin + "/10/B2023/21/0002", Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
		{Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}, // a native code
	}
	res := c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: shrimpFacts(), Codes: codes}))
	native := attr(t, res, "issued_code", "code")
	if len(native) != 1 {
		t.Fatalf("issued codes %v", native)
	}
	batchID := importerUSCC + "/B2023"

	res = c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: []*types.CodeQuantity{cq(gtinCode("0001"), 6000), cq(native[0], 10_000)}}))
	con := mustHex(t, attr(t, res, "dispatch", "consignment")[0])
	c.ok(c.tx(kMarket, &types.MsgReceive{Consignment: con, Received: []*types.CodeQuantity{cq(gtinCode("0001"), 5900), cq(native[0], 10_000)}, Note: "one carton thawed"}))

	rec := queryRecord[*types.CodeRecord](t, c, "/trace/code?code="+url.QueryEscape(gtinCode("0001")))
	if rec.HeldBy(importerUSCC) != 4000 || rec.HeldBy(marketUSCC) != 5900 || rec.Discrepancy != 100 || rec.InTransit != 0 {
		t.Fatalf("after receipt: %v", rec)
	}

	var children []*types.NewCode
	for i := 0; i < 10; i++ {
		children = append(children, &types.NewCode{Quantity: 500})
	}
	res = c.ok(c.tx(kMarket, &types.MsgSplit{Parent: gtinCode("0001"), Children: children}))
	kids := attr(t, res, "issued_code", "code")
	if len(kids) != 10 {
		t.Fatalf("children %v", kids)
	}
	res = c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: []*types.CodeQuantity{cq(kids[0], 500), cq(kids[1], 500), cq(kids[2], 500), cq(kids[3], 500)}}))
	toShop := mustHex(t, attr(t, res, "dispatch", "consignment")[0])
	res = c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: dinerUSCC, Items: []*types.CodeQuantity{cq(kids[4], 500), cq(kids[5], 500)}}))
	toDiner := mustHex(t, attr(t, res, "dispatch", "consignment")[0])
	c.ok(c.tx(kShop, &types.MsgReceive{Consignment: toShop, Received: []*types.CodeQuantity{cq(kids[0], 500), cq(kids[1], 500), cq(kids[2], 500), cq(kids[3], 500)}}))
	c.ok(c.tx(kDiner, &types.MsgReceive{Consignment: toDiner, Received: []*types.CodeQuantity{cq(kids[4], 500), cq(kids[5], 500)}}))
	c.ok(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(kids[0], 500), cq(kids[1], 200)}}))
	c.ok(c.tx(kDiner, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{cq(kids[4], 500)}}))
	checkConserved(t, c.app)

	tr := queryRecord[*types.Trace](t, c, "/trace/forward?batch="+url.QueryEscape(batchID))
	want := []string{importerUSCC, marketUSCC, shopUSCC, dinerUSCC}
	if len(tr.Enterprises) != len(want) {
		t.Fatalf("forward trace reaches %v", tr.Enterprises)
	}
	for _, w := range want {
		found := false
		for _, e := range tr.Enterprises {
			found = found || e == w
		}
		if !found {
			t.Fatalf("forward trace %v misses %s", tr.Enterprises, w)
		}
	}
	received := map[string]uint64{}
	for _, s := range tr.Steps {
		if s.BizStep == "receiving" {
			received[s.To] += s.Quantity
		}
	}
	if received[marketUSCC] != 15_900 || received[shopUSCC] != 2000 || received[dinerUSCC] != 1000 {
		t.Fatalf("received quantities %v", received)
	}

	back := queryRecord[*types.Trace](t, c, "/trace/backward?code="+url.QueryEscape(kids[4]))
	var path []string
	for _, s := range back.Steps {
		path = append(path, s.BizStep+">"+s.To)
	}
	wantPath := []string{"commissioning>" + importerUSCC, "receiving>" + marketUSCC, "repackaging>" + marketUSCC, "receiving>" + dinerUSCC, "retail_selling>"}
	if len(path) != len(wantPath) {
		t.Fatalf("backward trace %v, want %v", path, wantPath)
	}
	for i := range path {
		if path[i] != wantPath[i] {
			t.Fatalf("backward trace %v, want %v", path, wantPath)
		}
	}

	hist := queryRecord[*types.HistoryPage](t, c, "/trace/history?code="+url.QueryEscape(gtinCode("0001")))
	steps := []string{}
	for _, e := range hist.Events {
		steps = append(steps, e.BizStep)
	}
	if got := len(steps); got != 4 || steps[0] != "commissioning" || steps[3] != "repackaging" {
		t.Fatalf("history %v", steps)
	}
	holdings := queryRecord[*types.CodeList](t, c, "/trace/holdings/"+shopUSCC)
	if len(holdings.Codes) != 3 { // kids 1 (partly sold), 2, 3
		t.Fatalf("shop holds %v", holdings.Codes)
	}
}
