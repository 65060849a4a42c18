package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Batches of the refusal setup besides the main one: one code each, every
// one lacking a single release condition (PT has had a positive test), and
// a domestic batch R that is already recalled.
const (
	svBatchNI = "EC-NI" // no inspection certificate
	svBatchNT = "EC-NT" // no nucleic-acid test
	svBatchPT = "EC-PT" // a positive test recorded (and its hold lifted)
	svBatchNF = "EC-NF" // no supplier
	svBatchR  = "CN-R"  // domestic, recalled
)

// svFixture is what the refusal setup leaves for the cases to use.
type svFixture struct {
	toShop        []byte // open consignment of M1 (held) to the shop
	districtHold  uint64 // open hold alert in 330106
	rootHoldAcked uint64 // hold alert in 330000, already acknowledged
}

// svRefusalChain: the parties of svParties; customs declared the main
// declaration (100 000 g, all commissioned as M1..M5), a spare one (50 000 g,
// unused) and a small one (4 000 g, cited by NI, NT, PT, NF). The importer
// sent M1..M3 and the one-code batches to the warehouse, which received them
// all and entered all but M3; PT tested positive and the city lifted the
// test hold; the warehouse released M1 and sent 10 000 g of it to the market
// (received) and 5 000 g to the shop (still open). Then Xihu held M1, the
// province held M4 (the importer's) and Xihu recalled batch R; the province
// acknowledged its hold alert. M5 is the importer's, active and unreleased.
func svRefusalChain(t *testing.T, params *types.Params) (*svChain, svFixture) {
	t.Helper()
	c := newSVChain(t, params)
	svParties(c)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 100_000), svDeclare(svDeclSpare, 50_000), svDeclare(svDeclSmall, 4000)))

	ni, nt, pt, nf := svImportedFacts(svDeclSmall), svImportedFacts(svDeclSmall), svImportedFacts(svDeclSmall), svImportedFacts(svDeclSmall)
	for _, f := range []*types.ProductFacts{ni, nt, pt, nf} {
		f.DisinfectionCertificate = "DS-330100-2023-0917"
	}
	ni.InspectionCertificate = ""
	nt.NucleicAcidTest = nil
	nf.Supplier = ""
	c.ok(c.tx(kImp,
		svCommission(svMainBatch, svImportedFacts(svDecl), 5, 20_000),
		svCommission(svBatchNI, ni, 1, 1000), svCommission(svBatchNT, nt, 1, 1000),
		svCommission(svBatchPT, pt, 1, 1000), svCommission(svBatchNF, nf, 1, 1000),
		svCommission(svBatchR, svDomesticFacts(), 1, 1000)))
	one := func(b string) string { return svCode(b, "0001") }
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(
		svMain("0001"), 20_000, svMain("0002"), 20_000, svMain("0003"), 20_000,
		one(svBatchNI), 1000, one(svBatchNT), 1000, one(svBatchPT), 1000, one(svBatchNF), 1000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{svMain("0001"), svMain("0002"), one(svBatchNI), one(svBatchNT), one(svBatchPT), one(svBatchNF)}}))
	c.mustBlock(
		c.tx(kSVWH, svPositive(one(svBatchPT))),
		c.tx(kSVWH, &types.MsgRelease{Codes: []string{svMain("0001")}, DisinfectionCertificate: "DS-330100-2023-0917"}),
	)
	res := c.mustBlock(
		c.tx(kCity, &types.MsgUnhold{Codes: []string{one(svBatchPT)}, Reason: "retest negative"}),
		c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(svMain("0001"), 10_000)}),
		c.tx(kSVWH, &types.MsgDispatch{Buyer: shopUSCC, Items: svItems(svMain("0001"), 5000)}),
	)
	toMarket, toShop := svConsignment(t, res[1]), svConsignment(t, res[2])
	svReceiveAll(t, c, kMarket, toMarket)
	res = c.mustBlock(
		c.tx(kDistrict, &types.MsgHold{Codes: []string{svMain("0001")}, Reason: "label mismatch"}),
		c.tx(kRoot, &types.MsgHold{Codes: []string{svMain("0004")}, Reason: "provincial campaign"}),
		c.tx(kDistrict, &types.MsgRecall{Batch: importerUSCC + "/" + svBatchR, Reason: "undeclared allergen"}),
	)
	f := svFixture{toShop: toShop}
	f.districtHold = svParseID(t, svAlertIDs(t, res[0]))
	f.rootHoldAcked = svParseID(t, svAlertIDs(t, res[1]))
	c.ok(c.tx(kRoot, &types.MsgAcknowledge{Alert: f.rootHoldAcked, Comment: "seen"}))
	return c, f
}

func svParseID(t *testing.T, ids []string) uint64 {
	t.Helper()
	if len(ids) != 1 {
		t.Fatalf("alert ids %v, want one", ids)
	}
	var n uint64
	for _, ch := range ids[0] {
		n = n*10 + uint64(ch-'0')
	}
	return n
}

// TestSupervisionRefusals: each refusal of the supervision rules returns its
// code at CheckTx and in a block, emits no events, and leaves state unchanged
// except for the signer's consumed sequence.
func TestSupervisionRefusals(t *testing.T) {
	one := func(b string) string { return svCode(b, "0001") }
	batchM := importerUSCC + "/" + svMainBatch
	requireDecl := types.DefaultParams()
	requireDecl.RequireCustomsDeclaration = true
	type tc struct {
		name    string
		key     ed25519.PrivateKey
		msgs    func(f svFixture) []proto.Message
		want    *types.Error
		logHas  []string // substrings the refusal's log must contain
		logLack []string // and must not
		params  *types.Params
	}
	msgs := func(ms ...proto.Message) func(svFixture) []proto.Message {
		return func(svFixture) []proto.Message { return ms }
	}
	release := func(codes ...string) *types.MsgRelease { return &types.MsgRelease{Codes: codes} }
	commissionCiting := func(batch, origin, decl string, unit types.QuantityUnit, qs ...uint64) *types.MsgCommission {
		f := svImportedFacts(decl)
		f.OriginCountry = origin
		m := &types.MsgCommission{Batch: batch, Facts: f}
		for i, q := range qs {
			m.Codes = append(m.Codes, &types.NewCode{Code: svCode(batch, svSerial(i+1)), Quantity: q, Unit: unit})
		}
		return m
	}
	grams, pieces := types.QuantityUnit_QUANTITY_UNIT_GRAMS, types.QuantityUnit_QUANTITY_UNIT_PIECES
	negative := &types.MsgRecordTest{Codes: []string{svMain("0002")}, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Ningbo CDC", TestName: "SARS-CoV-2 nucleic acid"}
	negativeBatch := proto.Clone(negative).(*types.MsgRecordTest)
	negativeBatch.Codes, negativeBatch.Batch = nil, batchM
	allConditions := []string{"inspection and quarantine certificate", "negative nucleic-acid test", "disinfection certificate", "complete traceability facts"}
	lacking := func(except string) []string {
		var out []string
		for _, c := range allConditions {
			if c != except {
				out = append(out, c)
			}
		}
		return out
	}

	cases := []tc{
		// Release gates: unreleased imported goods move only into a supervision warehouse.
		{name: "importer dispatches unreleased imported goods to a market", key: kImp,
			msgs: msgs(&types.MsgDispatch{Buyer: marketUSCC, Items: svItems(svMain("0005"), 1000)}), want: types.ErrReleaseRequired},
		{name: "warehouse dispatches entered but unreleased goods to a market", key: kSVWH,
			msgs: msgs(&types.MsgDispatch{Buyer: marketUSCC, Items: svItems(svMain("0002"), 1000)}), want: types.ErrReleaseRequired},
		{name: "importer sells unreleased imported goods", key: kImp,
			msgs: msgs(&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svMain("0005"), 1000)}), want: types.ErrReleaseRequired},
		{name: "importer splits unreleased imported goods", key: kImp,
			msgs: msgs(&types.MsgSplit{Parent: svMain("0005"), Children: []*types.NewCode{{Quantity: 500}, {Quantity: 500}}}), want: types.ErrReleaseRequired},

		// Release: who, what, and the four conditions.
		{name: "release by an importer", key: kImp, msgs: msgs(release(svMain("0005"))), want: types.ErrUnauthorized},
		{name: "release by a regulator", key: kCity, msgs: msgs(release(svMain("0002"))), want: types.ErrUnauthorized},
		{name: "release of a code received but not entered", key: kSVWH,
			msgs: msgs(&types.MsgRelease{Codes: []string{svMain("0003")}, DisinfectionCertificate: "DS-1"}), want: types.ErrReleaseRefused, logHas: []string{"was not entered"}},
		{name: "release by a warehouse the code was not entered into", key: kSVWH2,
			msgs: msgs(&types.MsgRelease{Codes: []string{svMain("0002")}, DisinfectionCertificate: "DS-1"}), want: types.ErrReleaseRefused, logHas: []string{"was not entered", svWH2USCC}},
		{name: "release without an inspection certificate", key: kSVWH, msgs: msgs(release(one(svBatchNI))),
			want: types.ErrReleaseRefused, logHas: []string{"inspection and quarantine certificate"}, logLack: lacking("inspection and quarantine certificate")},
		{name: "release without a nucleic-acid test", key: kSVWH, msgs: msgs(release(one(svBatchNT))),
			want: types.ErrReleaseRefused, logHas: []string{"negative nucleic-acid test"}, logLack: lacking("negative nucleic-acid test")},
		{name: "release after a positive test (hold lifted)", key: kSVWH, msgs: msgs(release(one(svBatchPT))),
			want: types.ErrReleaseRefused, logHas: []string{"negative nucleic-acid test"}, logLack: lacking("negative nucleic-acid test")},
		{name: "release without a disinfection certificate", key: kSVWH, msgs: msgs(release(svMain("0002"))),
			want: types.ErrReleaseRefused, logHas: []string{"disinfection certificate"}, logLack: lacking("disinfection certificate")},
		{name: "release with incomplete facts (no supplier)", key: kSVWH, msgs: msgs(release(one(svBatchNF))),
			want: types.ErrReleaseRefused, logHas: []string{"complete traceability facts", "supplier"}, logLack: lacking("complete traceability facts")},
		{name: "release of held goods", key: kSVWH, msgs: msgs(release(svMain("0001"))), want: types.ErrNotMovable},

		// Warehouse entry.
		{name: "entry of codes the warehouse does not hold", key: kSVWH,
			msgs: msgs(&types.MsgWarehouseEntry{Codes: []string{svMain("0005")}}), want: types.ErrInsufficientQuantity},
		{name: "entry by another warehouse", key: kSVWH2,
			msgs: msgs(&types.MsgWarehouseEntry{Codes: []string{svMain("0002")}}), want: types.ErrInsufficientQuantity},
		{name: "entry by a market", key: kMarket,
			msgs: msgs(&types.MsgWarehouseEntry{Codes: []string{svMain("0001")}}), want: types.ErrUnauthorized},

		// Declarations.
		{name: "declaration by a regulator", key: kRoot, msgs: msgs(svDeclare("310120230000444444", 1000)), want: types.ErrUnauthorized},
		{name: "declaration by the importer", key: kImp, msgs: msgs(svDeclare("310120230000444444", 1000)), want: types.ErrUnauthorized},
		{name: "duplicate declaration", key: kSVCustoms, msgs: msgs(svDeclare(svDecl, 1000)), want: types.ErrAlreadyExists},
		{name: "second declaration refused, first undone", key: kSVCustoms,
			msgs: msgs(svDeclare("310120230000444444", 1000), svDeclare(svDeclSpare, 1000)), want: types.ErrAlreadyExists},
		{name: "commission citing a declaration of another origin", key: kImp,
			msgs: msgs(commissionCiting("TH-1", "TH", svDeclSpare, grams, 1000)), want: types.ErrDeclarationMismatch, logHas: []string{"origin"}},
		{name: "commission citing another importer's declaration", key: kMarket,
			msgs: msgs(commissionCiting("EC-M", "EC", svDeclSpare, grams, 1000)), want: types.ErrDeclarationMismatch, logHas: []string{"importer"}},
		{name: "commission in another unit than declared", key: kImp,
			msgs: msgs(commissionCiting("EC-P", "EC", svDeclSpare, pieces, 10)), want: types.ErrDeclarationMismatch},
		{name: "commission exceeding the declared quantity", key: kImp,
			msgs: msgs(commissionCiting("EC-X", "EC", svDeclSpare, grams, 25_000, 25_001)), want: types.ErrDeclarationMismatch},
		{name: "commission citing a fully used declaration", key: kImp,
			msgs: msgs(commissionCiting("EC-Y", "EC", svDecl, grams, 1)), want: types.ErrDeclarationMismatch},
		{name: "codes added to the main batch beyond its declaration", key: kImp,
			msgs: msgs(&types.MsgCommission{Batch: svMainBatch, Codes: []*types.NewCode{{Code: svMain("0006"), Quantity: 1, Unit: grams}}}), want: types.ErrDeclarationMismatch},
		{name: "required declaration not cited", key: kImp, params: requireDecl,
			msgs: msgs(commissionCiting("EC-Z", "EC", "", grams, 1000)), want: types.ErrDeclarationMismatch},
		{name: "required declaration not recorded", key: kImp, params: requireDecl,
			msgs: msgs(commissionCiting("EC-Z", "EC", "310120230000999999", grams, 1000)), want: types.ErrDeclarationMismatch},

		// Tests.
		{name: "test recorded by a market", key: kMarket, msgs: msgs(negative), want: types.ErrUnauthorized},
		{name: "test recorded by a warehouse not holding the codes", key: kSVWH2, msgs: msgs(negative), want: types.ErrUnauthorized},
		{name: "batch test recorded by a warehouse holding none of it", key: kSVWH2, msgs: msgs(negativeBatch), want: types.ErrUnauthorized},
		{name: "test of an unknown batch", key: kCity,
			msgs: msgs(&types.MsgRecordTest{Batch: importerUSCC + "/NOPE", Kind: types.TestKind_TEST_KIND_INSPECTION, Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "L", TestName: "visual"}), want: types.ErrNotFound},

		// Holds.
		{name: "hold by an enterprise", key: kMarket, msgs: msgs(&types.MsgHold{Codes: []string{svMain("0005")}, Reason: "x"}), want: types.ErrUnauthorized},
		{name: "hold outside the jurisdiction", key: kNingbo, msgs: msgs(&types.MsgHold{Codes: []string{svMain("0005")}, Reason: "x"}), want: types.ErrOutOfJurisdiction},
		{name: "batch hold with nothing in the jurisdiction", key: kNingbo, msgs: msgs(&types.MsgHold{Batch: batchM, Reason: "x"}), want: types.ErrOutOfJurisdiction},
		{name: "hold of a held code", key: kDistrict, msgs: msgs(&types.MsgHold{Codes: []string{svMain("0001")}, Reason: "again"}), want: types.ErrInvalidState},
		{name: "city lifts a province hold", key: kCity, msgs: msgs(&types.MsgUnhold{Codes: []string{svMain("0004")}, Reason: "x"}), want: types.ErrOutOfJurisdiction},
		{name: "district lifts a province hold", key: kDistrict, msgs: msgs(&types.MsgUnhold{Codes: []string{svMain("0004")}, Reason: "x"}), want: types.ErrOutOfJurisdiction},
		{name: "unhold of a code not held", key: kDistrict, msgs: msgs(&types.MsgUnhold{Codes: []string{svMain("0005")}, Reason: "x"}), want: types.ErrInvalidState},
		{name: "unhold by an enterprise", key: kImp, msgs: msgs(&types.MsgUnhold{Codes: []string{svMain("0004")}, Reason: "x"}), want: types.ErrUnauthorized},

		// Recalls.
		{name: "recall outside the commissioner's jurisdiction", key: kNingbo, msgs: msgs(&types.MsgRecall{Batch: batchM, Reason: "x"}), want: types.ErrOutOfJurisdiction},
		{name: "recall twice", key: kCity, msgs: msgs(&types.MsgRecall{Batch: importerUSCC + "/" + svBatchR, Reason: "x"}), want: types.ErrInvalidState},
		{name: "recall of an unknown batch", key: kCity, msgs: msgs(&types.MsgRecall{Batch: importerUSCC + "/NOPE", Reason: "x"}), want: types.ErrNotFound},
		{name: "recall by an enterprise", key: kImp, msgs: msgs(&types.MsgRecall{Batch: batchM, Reason: "x"}), want: types.ErrUnauthorized},

		// Destruction.
		{name: "destroy outside the jurisdiction", key: kNingbo,
			msgs: msgs(&types.MsgDestroy{Code: svMain("0005"), Holder: importerUSCC, Quantity: 1000, Method: "incineration"}), want: types.ErrOutOfJurisdiction},
		{name: "destroy more than held", key: kDistrict,
			msgs: msgs(&types.MsgDestroy{Code: svMain("0005"), Holder: importerUSCC, Quantity: 20_001, Method: "incineration"}), want: types.ErrInsufficientQuantity},
		{name: "destroy at an enterprise holding none", key: kDistrict,
			msgs: msgs(&types.MsgDestroy{Code: svMain("0005"), Holder: marketUSCC, Quantity: 1, Method: "incineration"}), want: types.ErrInsufficientQuantity},
		{name: "destroy by an enterprise", key: kImp,
			msgs: msgs(&types.MsgDestroy{Code: svMain("0005"), Holder: importerUSCC, Quantity: 1, Method: "incineration"}), want: types.ErrUnauthorized},

		// Alerts.
		{name: "acknowledge an unknown alert", key: kRoot, msgs: msgs(&types.MsgAcknowledge{Alert: 999, Comment: "x"}), want: types.ErrNotFound},
		{name: "acknowledge twice", key: kRoot, msgs: func(f svFixture) []proto.Message {
			return []proto.Message{&types.MsgAcknowledge{Alert: f.rootHoldAcked, Comment: "again"}}
		}, want: types.ErrInvalidState},
		{name: "acknowledge outside the jurisdiction", key: kNingbo, msgs: func(f svFixture) []proto.Message {
			return []proto.Message{&types.MsgAcknowledge{Alert: f.districtHold, Comment: "x"}}
		}, want: types.ErrOutOfJurisdiction},
		{name: "district acknowledges a province alert", key: kDistrict, msgs: func(f svFixture) []proto.Message {
			return []proto.Message{&types.MsgAcknowledge{Alert: f.rootHoldAcked, Comment: "x"}}
		}, want: types.ErrOutOfJurisdiction},
		{name: "acknowledge by an enterprise", key: kImp, msgs: func(f svFixture) []proto.Message {
			return []proto.Message{&types.MsgAcknowledge{Alert: f.districtHold, Comment: "x"}}
		}, want: types.ErrUnauthorized},

		// Held goods do not move.
		{name: "dispatch of held goods", key: kMarket,
			msgs: msgs(&types.MsgDispatch{Buyer: shopUSCC, Items: svItems(svMain("0001"), 1000)}), want: types.ErrNotMovable},
		{name: "dispatch of held goods to a warehouse", key: kMarket,
			msgs: msgs(&types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(svMain("0001"), 1000)}), want: types.ErrNotMovable},
		{name: "sale of held goods", key: kMarket,
			msgs: msgs(&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svMain("0001"), 1000)}), want: types.ErrNotMovable},
		{name: "split of held goods", key: kMarket,
			msgs: msgs(&types.MsgSplit{Parent: svMain("0001"), Children: []*types.NewCode{{Quantity: 500}}}), want: types.ErrNotMovable},
		{name: "aggregation of held goods", key: kMarket,
			msgs: msgs(&types.MsgAggregate{Unit: "/00/106141411234567897", Items: svItems(svMain("0001"), 500)}), want: types.ErrNotMovable},
		{name: "held consignment received by a supermarket", key: kShop, msgs: func(f svFixture) []proto.Message {
			return []proto.Message{&types.MsgReceive{Consignment: f.toShop, Received: svItems(svMain("0001"), 5000)}}
		}, want: types.ErrNotMovable},
		{name: "recalled goods dispatched", key: kImp,
			msgs: msgs(&types.MsgDispatch{Buyer: marketUSCC, Items: svItems(one(svBatchR), 100)}), want: types.ErrNotMovable},
	}
	t.Run("setup", func(t *testing.T) {
		c, f := svRefusalChain(t, nil)
		for _, x := range []struct {
			code     string
			status   types.CodeStatus
			source   string
			released bool
			entered  string
		}{
			{svMain("0001"), types.CodeStatus_CODE_STATUS_HELD, districtDiv, true, svWHUSCC},
			{svMain("0002"), types.CodeStatus_CODE_STATUS_ACTIVE, "", false, svWHUSCC},
			{svMain("0003"), types.CodeStatus_CODE_STATUS_ACTIVE, "", false, ""},
			{svMain("0004"), types.CodeStatus_CODE_STATUS_HELD, "330000", false, ""},
			{svMain("0005"), types.CodeStatus_CODE_STATUS_ACTIVE, "", false, ""},
			{one(svBatchPT), types.CodeStatus_CODE_STATUS_ACTIVE, "", false, svWHUSCC},
			{one(svBatchR), types.CodeStatus_CODE_STATUS_RECALLED, "recall", false, ""},
		} {
			r := svRecord(t, c, x.code)
			if r.Status != x.status || r.HoldSource != x.source || r.Released != x.released || r.EnteredWarehouse != x.entered {
				t.Errorf("%s: %v", x.code, r)
			}
		}
		if r := svRecord(t, c, svMain("0001")); r.HeldBy(svWHUSCC) != 5000 || r.HeldBy(marketUSCC) != 10_000 || r.InTransit != 5000 {
			t.Errorf("M1 %v", r)
		}
		if b := svBatchRecord(t, c, importerUSCC+"/"+svBatchPT); !b.PositiveTest {
			t.Errorf("PT %v", b)
		}
		if d := svDeclaration(t, c, svDecl); d.Commissioned != 100_000 {
			t.Errorf("main declaration %v", d)
		}
		if d := svDeclaration(t, c, svDeclSmall); d.Commissioned != 4000 {
			t.Errorf("small declaration %v", d)
		}
		if a := queryRecord[*types.Alert](t, c.testChain, fmt.Sprintf("/supervision/alert/%d", f.rootHoldAcked)); a.Open || a.Division != "330000" {
			t.Errorf("acknowledged alert %v", a)
		}
		if a := queryRecord[*types.Alert](t, c.testChain, fmt.Sprintf("/supervision/alert/%d", f.districtHold)); !a.Open || a.Division != districtDiv {
			t.Errorf("open alert %v", a)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, f := svRefusalChain(t, tc.params)
			before, hashBefore := dumpAt(t, c.app, c.app.tree.Version()), c.appHash()
			raw := c.tx(tc.key, tc.msgs(f)...)

			chk, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if err != nil || chk.Code != tc.want.Code {
				t.Fatalf("CheckTx: code %d (%s), want %d (%s)", chk.Code, chk.Log, tc.want.Code, tc.want.Name)
			}
			if chk.Codespace != types.Codespace || chk.Log == "" {
				t.Fatalf("CheckTx: codespace %q log %q", chk.Codespace, chk.Log)
			}
			res := c.block(raw)
			if res[0].Code != tc.want.Code {
				t.Fatalf("FinalizeBlock: code %d (%s), want %d (%s)", res[0].Code, res[0].Log, tc.want.Code, tc.want.Name)
			}
			if len(res[0].Events) != 0 {
				t.Fatalf("a refused tx emitted events: %v", res[0].Events)
			}
			for _, s := range tc.logHas {
				if !strings.Contains(res[0].Log, s) {
					t.Errorf("log %q does not name %q", res[0].Log, s)
				}
			}
			for _, s := range tc.logLack {
				if strings.Contains(res[0].Log, s) {
					t.Errorf("log %q names %q, which is not missing", res[0].Log, s)
				}
			}
			if diff := svOnlySequence(before, dumpAt(t, c.app, c.app.tree.Version()), pub(tc.key)); diff != "" {
				t.Fatalf("state: %s", diff)
			}
			if bytes.Equal(hashBefore, c.appHash()) {
				t.Fatal("app hash unchanged although the signer's sequence was consumed")
			}
			if again := c.block(raw); again[0].Code != types.ErrBadSequence.Code {
				t.Fatalf("replay after refusal: code %d, want bad sequence", again[0].Code)
			}
		})
	}
}
