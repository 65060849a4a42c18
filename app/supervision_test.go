package app

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// svUnit is the logistic unit (a pallet) of the supervision tests.
const svUnit = "/00/106141411234567897"

// svMustStatus fails unless every code has the status (and, when source is
// not empty, the hold source).
func svMustStatus(t *testing.T, c *svChain, status types.CodeStatus, source string, codes ...string) {
	t.Helper()
	for _, code := range codes {
		r := svRecord(t, c, code)
		if r.Status != status || (source != "" && r.HoldSource != source) {
			t.Errorf("%s: status %s source %q (%s), want %s source %q", code, r.Status, r.HoldSource, r.StatusReason, status, source)
		}
	}
}

// svBatchRecord queries a batch.
func svBatchRecord(t *testing.T, c *svChain, id string) *types.Batch {
	t.Helper()
	return queryRecord[*types.Batch](t, c.testChain, "/trace/batch?id="+url.QueryEscape(id))
}

func svDeclaration(t *testing.T, c *svChain, number string) *types.Declaration {
	t.Helper()
	return queryRecord[*types.Declaration](t, c.testChain, "/supervision/declaration/"+number)
}

// TestSupervisionSeedScenario: declare → commission imported goods citing
// the declaration → dispatch to the supervision warehouse → receive → enter
// → release with the certificates → dispatch to the market → receive → the
// market splits a code and sends children on. Then a positive test of one
// code still at the warehouse holds, in that block, every code of the batch
// (split children at downstream holders and in transit included) and the
// unit containing some of them; held goods refuse to move; regulators of the
// right jurisdiction lift the test hold, others cannot.
func TestSupervisionSeedScenario(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	batchID := importerUSCC + "/" + svMainBatch

	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 100_000)))
	if d := svDeclaration(t, c, svDecl); d.Commissioned != 0 || d.Declaration.Importer != importerUSCC {
		t.Fatalf("declaration %v", d)
	}
	c.ok(c.tx(kImp, svCommission(svMainBatch, svImportedFacts(svDecl), 5, 20_000)))
	if d := svDeclaration(t, c, svDecl); d.Commissioned != 100_000 {
		t.Fatalf("declaration counts %d commissioned, want 100000", d.Commissioned)
	}
	if b := svBatchRecord(t, c, batchID); !b.Supervised || b.Codes != 5 {
		t.Fatalf("batch %v", b)
	}
	all := []string{svMain("0001"), svMain("0002"), svMain("0003"), svMain("0004"), svMain("0005")}

	// Unreleased goods go to the warehouse (only there).
	c.refused(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(all[0], 20_000)}), types.ErrReleaseRequired)
	var items []any
	for _, code := range all {
		items = append(items, code, 20_000)
	}
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(items...)})))
	svReceiveAll(t, c, kSVWH, toWH)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: all}))
	for _, code := range all {
		if r := svRecord(t, c, code); r.EnteredWarehouse != svWHUSCC || r.Released || r.HeldBy(svWHUSCC) != 20_000 {
			t.Fatalf("after entry %s: %v", code, r)
		}
	}
	res := c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: all[:2]}), types.ErrReleaseRefused)
	if !strings.Contains(res.Log, "disinfection certificate") {
		t.Fatalf("release refusal %q does not name the disinfection certificate", res.Log)
	}
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: all[:2], DisinfectionCertificate: "DS-310100-2026-0917"}))
	if r := svRecord(t, c, all[0]); !r.Released {
		t.Fatalf("released code %v", r)
	}
	if r := svRecord(t, c, all[2]); r.Released {
		t.Fatalf("unreleased code %v", r)
	}

	// To the market; it splits part of 0001 and sends children on.
	toMarket := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(all[0], 20_000, all[1], 20_000)})))
	svReceiveAll(t, c, kMarket, toMarket)
	res = c.ok(c.tx(kMarket, &types.MsgSplit{Parent: all[0], Children: []*types.NewCode{{Quantity: 2000}, {Quantity: 2000}, {Quantity: 2000}, {Quantity: 2000}}}))
	kids := attr(t, res, "issued_code", "code")
	if len(kids) != 4 {
		t.Fatalf("children %v", kids)
	}
	for _, k := range kids {
		if r := svRecord(t, c, k); !r.Released || r.BatchId != batchID || r.Parent != all[0] {
			t.Fatalf("child %s: %v", k, r)
		}
	}
	toShop := svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: svItems(kids[0], 2000)})))
	svReceiveAll(t, c, kShop, toShop)
	toDiner := svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: dinerUSCC, Items: svItems(kids[1], 2000)})))
	c.ok(c.tx(kMarket, &types.MsgAggregate{Unit: svUnit, Items: svItems(kids[2], 2000, all[1], 5000)}))
	c.ok(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(kids[0], 500)}))

	// The positive test: one block holds the whole batch.
	res = c.ok(c.tx(kSVWH, svPositive(all[2])))
	heightOfTest := c.height
	everything := append(append([]string{}, all...), kids...)
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "test", everything...)
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "test", svUnit)
	for _, code := range append(everything, svUnit) {
		if r := svRecord(t, c, code); r.StatusReason == "" || !strings.Contains(r.StatusReason, "positive") {
			t.Errorf("%s: reason %q", code, r.StatusReason)
		}
	}
	if b := svBatchRecord(t, c, batchID); !b.PositiveTest || len(b.TestEvents) != 0 {
		t.Fatalf("batch after a positive test of codes: %v", b)
	}
	if ids := svAlertIDs(t, res); len(ids) != 1 {
		t.Fatalf("alerts raised %v, want one", ids)
	}
	pos := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_POSITIVE)
	if len(pos) != 1 || pos[0].Division != districtDiv || pos[0].Batch != batchID || pos[0].Height != heightOfTest {
		t.Fatalf("positive alerts %v", pos)
	}
	// The holds index lists every held holding under its holder's division.
	holds := svHolds(t, c, "33")
	for _, want := range []string{
		cityDiv + all[2], cityDiv + all[3], cityDiv + all[4],
		districtDiv + all[0], districtDiv + all[1], districtDiv + kids[0], districtDiv + kids[3], districtDiv + svUnit,
	} {
		if !svContains(holds, want) {
			t.Errorf("holds index %v misses %s", holds, want)
		}
	}
	if h := svHolds(t, c, "330200"); len(h) != 0 {
		t.Errorf("holds in Ningbo: %v", h)
	}

	// Held goods refuse to move, at every holder.
	c.refused(c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: svItems(kids[3], 1000)}), types.ErrNotMovable)
	c.refused(c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: svItems(svUnit, 1)}), types.ErrNotMovable)
	c.refused(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(kids[0], 500)}), types.ErrNotMovable)
	c.refused(c.tx(kMarket, &types.MsgSplit{Parent: all[1], Children: []*types.NewCode{{Quantity: 100}}}), types.ErrNotMovable)
	c.refused(c.tx(kDiner, &types.MsgReceive{Consignment: toDiner, Received: svItems(kids[1], 2000)}), types.ErrNotMovable)
	c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: all[2:3], DisinfectionCertificate: "DS"}), types.ErrNotMovable)

	// Lifting the test hold: only regulators whose jurisdiction holds the goods.
	c.refused(c.tx(kNingbo, &types.MsgUnhold{Codes: []string{kids[0]}, Reason: "x"}), types.ErrOutOfJurisdiction)
	c.refused(c.tx(kDistrict, &types.MsgUnhold{Codes: []string{all[2]}, Reason: "x"}), types.ErrOutOfJurisdiction) // at the warehouse in 330100
	c.ok(c.tx(kDistrict, &types.MsgUnhold{Codes: []string{kids[0]}, Reason: "retest negative"}))
	c.ok(c.tx(kCity, &types.MsgUnhold{Codes: []string{all[2]}, Reason: "retest negative"}))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", kids[0], all[2])
	if r := svRecord(t, c, kids[0]); r.HoldSource != "" || r.StatusReason != "" || len(r.HoldDivisions) != 0 {
		t.Fatalf("unheld code keeps hold fields: %v", r)
	}
	holds = svHolds(t, c, "33")
	if svContains(holds, districtDiv+kids[0]) || svContains(holds, cityDiv+all[2]) {
		t.Fatalf("holds index still lists lifted holds: %v", holds)
	}
	c.ok(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(kids[0], 500)}))
	// The batch stays positive: the warehouse cannot release more of it.
	res = c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: all[2:3], DisinfectionCertificate: "DS"}), types.ErrReleaseRefused)
	if !strings.Contains(res.Log, "negative nucleic-acid test") {
		t.Fatalf("release after a positive test: %q", res.Log)
	}
	checkConserved(t, c.app)
}

// TestSupervisionReleaseConditionsSupplied: certificates missing from the
// facts may come with the release, and a negative batch test recorded by
// the warehouse stands in for a missing nucleic-acid test.
func TestSupervisionReleaseConditionsSupplied(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	noCert, noTest := svImportedFacts("310120230000999999"), svImportedFacts("310120230000999999")
	noCert.InspectionCertificate = ""
	noTest.NucleicAcidTest = nil
	c.ok(c.tx(kImp, svCommission("EC-A", noCert, 1, 1000), svCommission("EC-B", noTest, 1, 1000)))
	a, b := svCode("EC-A", "0001"), svCode("EC-B", "0001")
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(a, 1000, b, 1000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{a, b}}))
	c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: []string{a}, DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: []string{a}, DisinfectionCertificate: "DS-1", InspectionCertificate: "IQ-330100-2023-0077"}))

	c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: []string{b}, DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	c.ok(c.tx(kSVWH, &types.MsgRecordTest{Batch: importerUSCC + "/EC-B", Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}))
	if bt := svBatchRecord(t, c, importerUSCC+"/EC-B"); !bt.NegativeTest || len(bt.TestEvents) != 1 {
		t.Fatalf("batch after a negative test: %v", bt)
	}
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: []string{b}, DisinfectionCertificate: "DS-1"}))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", a, b)
	c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(a, 1000, b, 1000)}))
}

// TestHeldConsignmentReceivedByWarehouse: a supervision warehouse may take
// in held goods; the holds index then lists them under its division.
func TestHeldConsignmentReceivedByWarehouse(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission(svMainBatch, svImportedFacts(""), 2, 20_000)))
	m1, m2 := svMain("0001"), svMain("0002")
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(m1, 20_000, m2, 5000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	// Between warehouses unreleased goods may move; this consignment is open when the test comes back positive.
	toWH2 := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: svWH2USCC, Items: svItems(m1, 8000)})))
	c.ok(c.tx(kSVWH, svPositive(m1)))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "test", m1, m2)
	svReceiveAll(t, c, kSVWH2, toWH2)
	r := svRecord(t, c, m1)
	if r.Status != types.CodeStatus_CODE_STATUS_HELD || r.HeldBy(svWH2USCC) != 8000 {
		t.Fatalf("held code after the warehouse received it: %v", r)
	}
	holds := svHolds(t, c, "330200")
	if !svContains(holds, otherCityDiv+m1) {
		t.Errorf("regression (holds follow held goods into a warehouse): %s is held and held by %s in %s, "+
			"but /supervision/holds/330200 lists %v", m1, svWH2USCC, otherCityDiv, holds)
	}
}

// TestHeldContentsDoNotShipInUnit: goods a regulator or a sensor report
// held cannot leave inside a logistic unit they were packed into before,
// and a regulator can hold goods wholly packed in a unit its jurisdiction
// holds.
func TestHeldContentsDoNotShipInUnit(t *testing.T) {
	for _, how := range []string{"regulator hold", "sensor hold", "regulator hold of wholly packed goods"} {
		t.Run(how, func(t *testing.T) {
			c := newSVChain(t, nil)
			svParties(c)
			c.ok(c.tx(kImp, svCommission("CN-U", svDomesticFacts(), 1, 5000)))
			code := svCode("CN-U", "0001")
			packed := uint64(2000)
			if how == "regulator hold of wholly packed goods" {
				packed = 5000
			}
			c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(code, packed)}))
			switch how {
			case "sensor hold":
				c.ok(c.tx(kImp, &types.MsgSensorReport{Codes: []string{svUnit}, MinCenti: -500, MaxCenti: -500,
					StartUnix: 1_700_000_000, EndUnix: 1_700_003_600, DeviceId: "T-1"}))
			default:
				res := c.block(c.tx(kDistrict, &types.MsgHold{Codes: []string{code}, Reason: "label mismatch"}))[0]
				if res.Code != 0 {
					t.Fatalf("regression (unit holders count for jurisdiction): Xihu cannot hold %s, all of which lies in unit %s held by %s in Xihu: code %d (%s)",
						code, svUnit, importerUSCC, res.Code, res.Log)
				}
			}
			svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "", code)
			if packed < 5000 {
				c.refused(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code, 1000)}), types.ErrNotMovable)
			}
			res := c.block(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(svUnit, 1)}))[0]
			if res.Code != types.ErrNotMovable.Code {
				t.Fatalf("dispatch of a unit with held contents: code %d (%s), want not movable", res.Code, res.Log)
			}
		})
	}
}

// TestRecallScope: goods moved through four enterprises — importer →
// market → supermarket, an open consignment to a restaurant, and a code
// packed in a unit at the market. The recall scopes exactly every
// remaining holding and open consignment; fully sold codes stay out.
// Destruction then moves quantities to destroyed.
func TestRecallScope(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	const batch = "CN-RC"
	batchID := importerUSCC + "/" + batch
	code := func(i int) string { return svCode(batch, svSerial(i)) }
	com := svCommission(batch, svDomesticFacts(), 4, 10_000)
	com.Codes = append(com.Codes, &types.NewCode{Code: code(5), Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	c.ok(c.tx(kImp, com))
	toMarket := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code(1), 10_000, code(2), 10_000, code(3), 6000, code(5), 1000)})))
	svReceiveAll(t, c, kMarket, toMarket)
	toShop := svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: svShop2, Items: svItems(code(1), 4000, code(5), 1000)})))
	svReceiveAll(t, c, kSVShop2, toShop)
	c.ok(c.tx(kSVShop2, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code(1), 1000, code(5), 1000)}))
	toDiner := svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(code(2), 3000)})))
	c.ok(c.tx(kMarket, &types.MsgAggregate{Unit: svUnit, Items: svItems(code(2), 2000)}))

	c.refused(c.tx(kNingbo, &types.MsgRecall{Batch: batchID, Reason: "listeria"}), types.ErrOutOfJurisdiction)
	res := c.ok(c.tx(kDistrict, &types.MsgRecall{Batch: batchID, Reason: "listeria"}))
	ids := attr(t, res, "recall", "recall")
	if len(ids) != 1 {
		t.Fatalf("recall events %v", res.Events)
	}
	rec := queryRecord[*types.Recall](t, c.testChain, "/supervision/recall/"+ids[0])
	if rec.Batch != batchID || rec.Regulator != districtDiv || rec.Reason != "listeria" || rec.Height != c.height || rec.Codes != 4 {
		t.Fatalf("recall %v", rec)
	}
	var got []string
	for _, s := range rec.Scope {
		con := ""
		if len(s.Consignment) > 0 {
			con = fmt.Sprintf("%X", s.Consignment)
		}
		if s.Unit != types.QuantityUnit_QUANTITY_UNIT_GRAMS {
			t.Errorf("scope entry in %s: %v", s.Unit, s)
		}
		got = append(got, fmt.Sprintf("%s %s %s %d transit=%v %s", s.Code, s.Enterprise, s.Division, s.Quantity, s.InTransit, con))
	}
	want := []string{
		fmt.Sprintf("%s %s %s %d transit=false ", code(1), marketUSCC, districtDiv, 6000),
		fmt.Sprintf("%s %s %s %d transit=false ", code(1), svShop2, "330102", 3000),
		fmt.Sprintf("%s %s %s %d transit=false ", code(2), marketUSCC, districtDiv, 5000),
		fmt.Sprintf("%s %s %s %d transit=true %X", code(2), svDiner2, otherCityDiv, 3000, toDiner),
		fmt.Sprintf("%s %s %s %d transit=false ", code(2), marketUSCC, districtDiv, 2000), // inside the unit
		fmt.Sprintf("%s %s %s %d transit=false ", code(3), importerUSCC, districtDiv, 4000),
		fmt.Sprintf("%s %s %s %d transit=false ", code(3), marketUSCC, districtDiv, 6000),
		fmt.Sprintf("%s %s %s %d transit=false ", code(4), importerUSCC, districtDiv, 10_000),
	}
	if !svEqual(svSorted(got), svSorted(want)) {
		t.Fatalf("recall scope\n%s\nwant\n%s", strings.Join(svSorted(got), "\n"), strings.Join(svSorted(want), "\n"))
	}
	wantEnts := svSorted([]string{importerUSCC, marketUSCC, svShop2, svDiner2})
	if !svEqual(rec.Enterprises, wantEnts) {
		t.Fatalf("recall enterprises %v, want %v", rec.Enterprises, wantEnts)
	}
	if !svEqual(rec.Divisions, []string{"330102", districtDiv, otherCityDiv}) {
		t.Fatalf("recall divisions %v", rec.Divisions)
	}
	if !sort.SliceIsSorted(rec.Scope, func(i, j int) bool { return rec.Scope[i].Enterprise < rec.Scope[j].Enterprise }) {
		t.Errorf("scope not ordered by enterprise")
	}
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_RECALLED, "recall", code(1), code(2), code(3), code(4), svUnit)
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(5))
	if b := svBatchRecord(t, c, batchID); b.Recall != rec.Id {
		t.Fatalf("batch recall %d, want %d", b.Recall, rec.Id)
	}
	list := queryRecord[*types.RecallList](t, c.testChain, "/supervision/recalls?batch="+url.QueryEscape(batchID))
	if len(list.Recalls) != 1 || list.Recalls[0].Id != rec.Id {
		t.Fatalf("recalls of the batch %v", list)
	}

	// Destruction by a witness regulator of the holder's jurisdiction.
	c.refused(c.tx(kNingbo, &types.MsgDestroy{Code: code(4), Holder: importerUSCC, Quantity: 10_000, Method: "incineration"}), types.ErrOutOfJurisdiction)
	c.ok(c.tx(kDistrict, &types.MsgDestroy{Code: code(4), Holder: importerUSCC, Quantity: 10_000, Method: "incineration"}))
	r4 := svRecord(t, c, code(4))
	if r4.Status != types.CodeStatus_CODE_STATUS_DESTROYED || r4.Destroyed != 10_000 || len(r4.Holdings) != 0 || len(r4.HoldDivisions) != 0 {
		t.Fatalf("fully destroyed code: %v", r4)
	}
	if svContains(svHolds(t, c, "33"), districtDiv+code(4)) {
		t.Fatal("a destroyed code stays in the holds index")
	}
	c.ok(c.tx(kCity, &types.MsgDestroy{Code: code(1), Holder: svShop2, Quantity: 3000, Method: "landfill"}))
	r1 := svRecord(t, c, code(1))
	if r1.Status != types.CodeStatus_CODE_STATUS_RECALLED || r1.Destroyed != 3000 || r1.HeldBy(svShop2) != 0 || r1.HeldBy(marketUSCC) != 6000 {
		t.Fatalf("partly destroyed code: %v", r1)
	}
	if !svContains(svHolds(t, c, "33"), districtDiv+code(1)) {
		t.Fatal("a partly destroyed code left the holds index")
	}
	// Goods that are not held can be destroyed too; they stay active.
	c.ok(c.tx(kImp, svCommission("CN-OK", svDomesticFacts(), 1, 1000)))
	c.ok(c.tx(kDistrict, &types.MsgDestroy{Code: svCode("CN-OK", "0001"), Holder: importerUSCC, Quantity: 400, Method: "incineration"}))
	if r := svRecord(t, c, svCode("CN-OK", "0001")); r.Status != types.CodeStatus_CODE_STATUS_ACTIVE || r.Destroyed != 400 || r.HeldBy(importerUSCC) != 600 {
		t.Fatalf("destroyed part of active goods: %v", r)
	}
	checkConserved(t, c.app)
}

// TestProvinceHoldBindsBelow: a hold binds the regulators below the one
// that placed it; it and those above may lift it.
func TestProvinceHoldBindsBelow(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-H", svDomesticFacts(), 3, 1000)))
	code := func(i int) string { return svCode("CN-H", svSerial(i)) }
	unhold := func(k int) *types.MsgUnhold { return &types.MsgUnhold{Codes: []string{code(k)}, Reason: "checked"} }

	c.ok(c.tx(kRoot, &types.MsgHold{Codes: []string{code(1)}, Reason: "provincial campaign"}))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "330000", code(1))
	c.refused(c.tx(kCity, unhold(1)), types.ErrOutOfJurisdiction)
	c.refused(c.tx(kDistrict, unhold(1)), types.ErrOutOfJurisdiction)
	c.ok(c.tx(kRoot, unhold(1)))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(1))

	c.ok(c.tx(kCity, &types.MsgHold{Codes: []string{code(2)}, Reason: "city check"}))
	c.refused(c.tx(kDistrict, unhold(2)), types.ErrOutOfJurisdiction)
	c.ok(c.tx(kRoot, unhold(2)))

	c.ok(c.tx(kDistrict, &types.MsgHold{Codes: []string{code(3)}, Reason: "district check"}))
	c.ok(c.tx(kCity, unhold(3)))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(1), code(2), code(3))

	// A batch hold takes what is active in the jurisdiction; a batch unhold what the regulator may lift.
	c.ok(c.tx(kRoot, &types.MsgHold{Codes: []string{code(1)}, Reason: "provincial campaign"}))
	res := c.ok(c.tx(kDistrict, &types.MsgHold{Batch: importerUSCC + "/CN-H", Reason: "district sweep"}))
	if n := attr(t, res, "hold", "codes"); len(n) != 1 || n[0] != "2" {
		t.Fatalf("batch hold held %v codes, want 2", n)
	}
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, districtDiv, code(2), code(3))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "330000", code(1))
	res = c.ok(c.tx(kCity, &types.MsgUnhold{Batch: importerUSCC + "/CN-H", Reason: "sweep over"}))
	if n := attr(t, res, "unhold", "codes"); len(n) != 1 || n[0] != "2" {
		t.Fatalf("batch unhold lifted %v codes, want 2", n)
	}
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "330000", code(1))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(2), code(3))
}

// TestDeclarationAccounting: commissions citing one declaration add up to
// at most its quantity.
func TestDeclarationAccounting(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 30_000)))
	c.ok(c.tx(kImp, svCommission("EC-D1", svImportedFacts(svDecl), 1, 10_000)))
	c.ok(c.tx(kImp, &types.MsgCommission{Batch: "EC-D1", Codes: []*types.NewCode{{Code: svCode("EC-D1", "0002"), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}))
	if d := svDeclaration(t, c, svDecl); d.Commissioned != 30_000 {
		t.Fatalf("declaration %v, want 30000 commissioned", d)
	}
	res := c.refused(c.tx(kImp, svCommission("EC-D2", svImportedFacts(svDecl), 1, 1)), types.ErrDeclarationMismatch)
	if !strings.Contains(res.Log, svDecl) {
		t.Fatalf("refusal %q does not name the declaration", res.Log)
	}
	if d := svDeclaration(t, c, svDecl); d.Commissioned != 30_000 {
		t.Fatalf("a refused commission counted: %v", d)
	}
	// Without RequireCustomsDeclaration a supervised batch may cite nothing,
	// or a declaration not on the chain (nothing is counted).
	c.ok(c.tx(kImp, svCommission("EC-D3", svImportedFacts(""), 1, 1000)))
	c.ok(c.tx(kImp, svCommission("EC-D4", svImportedFacts("310120230000999999"), 1, 1000)))
	if b := svBatchRecord(t, c, importerUSCC+"/EC-D3"); !b.Supervised {
		t.Fatalf("imported batch not supervised: %v", b)
	}
	// Domestic goods need no declaration even when one is required.
	p := types.DefaultParams()
	p.RequireCustomsDeclaration = true
	c2 := newSVChain(t, p)
	svParties(c2)
	c2.ok(c2.tx(kImp, svCommission("CN-1", svDomesticFacts(), 1, 1000)))
	c2.ok(c2.tx(kSVCustoms, svDeclare(svDecl, 1000)))
	c2.ok(c2.tx(kImp, svCommission("EC-1", svImportedFacts(svDecl), 1, 1000)))
}

// TestSensorExcursion: a frozen batch reported at -10 °C is flagged for a
// short excursion and held for one longer than the profile's tolerance.
func TestSensorExcursion(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-S", svDomesticFacts(), 3, 1000)))
	code := func(i int) string { return svCode("CN-S", svSerial(i)) }
	report := func(k int, seconds int64, centi int32) *types.MsgSensorReport {
		return &types.MsgSensorReport{Codes: []string{code(k)}, MinCenti: centi, MaxCenti: centi,
			StartUnix: 1_700_000_000, EndUnix: 1_700_000_000 + seconds, DeviceId: "T-0042"}
	}
	res := c.ok(c.tx(kImp, report(1, 3600, -2500)))
	if ev := attr(t, res, "sensor_report", "excursion"); len(ev) != 1 || ev[0] != "false" || len(svAlertIDs(t, res)) != 0 {
		t.Fatalf("in-range report: %v", res.Events)
	}
	res = c.ok(c.tx(kImp, report(1, 600, -1000)))
	if ev := attr(t, res, "sensor_report", "held"); len(ev) != 1 || ev[0] != "false" {
		t.Fatalf("short excursion: %v", res.Events)
	}
	r := svRecord(t, c, code(1))
	if r.Excursions != 1 || r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		t.Fatalf("after a short excursion: %v", r)
	}
	exc := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_EXCURSION)
	if len(exc) != 1 || exc[0].Division != districtDiv || !svEqual(exc[0].Codes, []string{code(1)}) {
		t.Fatalf("excursion alerts %v", exc)
	}
	if len(svHolds(t, c, "33")) != 0 {
		t.Fatal("a short excursion held goods")
	}

	res = c.ok(c.tx(kImp, report(2, 3600, -1000)))
	if ev := attr(t, res, "sensor_report", "held"); len(ev) != 1 || ev[0] != "true" {
		t.Fatalf("long excursion: %v", res.Events)
	}
	r = svRecord(t, c, code(2))
	if r.Excursions != 1 || r.Status != types.CodeStatus_CODE_STATUS_HELD || r.HoldSource != "sensor" || !strings.Contains(r.StatusReason, "T-0042") {
		t.Fatalf("after a long excursion: %v", r)
	}
	if len(svAlertsOf(svOpenAlerts(t, c, "330106"), types.AlertKind_ALERT_KIND_EXCURSION)) != 2 {
		t.Fatal("the long excursion raised no alert")
	}
	if !svEqual(svHolds(t, c, "33"), []string{districtDiv + code(2)}) {
		t.Fatalf("holds %v", svHolds(t, c, "33"))
	}
	c.refused(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code(2), 1)}), types.ErrNotMovable)
	c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code(1), 1)}))
	// Exactly the tolerance is still tolerated.
	c.ok(c.tx(kImp, report(3, 1800, -1000)))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(3))
	// A district regulator lifts the sensor hold.
	c.ok(c.tx(kDistrict, &types.MsgUnhold{Codes: []string{code(2)}, Reason: "core temperature checked"}))
	svMustStatus(t, c, types.CodeStatus_CODE_STATUS_ACTIVE, "", code(2))
}

// TestReleaseCoversOnlyWarehouseGoods: a release covers the whole code, so
// it is refused while part of the code never entered the warehouse.
func TestReleaseCoversOnlyWarehouseGoods(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	f := svImportedFacts("310120230000999999")
	f.DisinfectionCertificate = "DS-330100-2023-0917"
	c.ok(c.tx(kImp, svCommission("EC-P", f, 1, 20_000)))
	code := svCode("EC-P", "0001")
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(code, 10_000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{code}}))
	// A release covers the whole code: refused while the importer keeps half.
	if res := c.block(c.tx(kSVWH, &types.MsgRelease{Codes: []string{code}}))[0]; res.Code != types.ErrReleaseRefused.Code {
		t.Fatalf("release of a code partly held outside the warehouse: code %d (%s), want release refused", res.Code, res.Log)
	}
	if res := c.block(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code, 10_000)}))[0]; res.Code != types.ErrReleaseRequired.Code {
		t.Fatalf("dispatch of uninspected goods: code %d (%s), want release required", res.Code, res.Log)
	}
	rest := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(code, 10_000)})))
	svReceiveAll(t, c, kSVWH, rest)
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: []string{code}}))
	c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(code, 20_000)}))
}

// TestAutomaticHoldKeepsRegulatorHold: a sensor excursion (which the holder
// itself reports) or a positive test on goods a province already held must
// not turn the province's hold into one a district may lift.
func TestAutomaticHoldKeepsRegulatorHold(t *testing.T) {
	for _, how := range []string{"sensor", "test"} {
		t.Run(how, func(t *testing.T) {
			c := newSVChain(t, nil)
			svParties(c)
			c.ok(c.tx(kImp, svCommission("CN-S", svDomesticFacts(), 1, 1000)))
			code := svCode("CN-S", "0001")
			c.ok(c.tx(kRoot, &types.MsgHold{Codes: []string{code}, Reason: "provincial campaign"}))
			if how == "sensor" {
				c.ok(c.tx(kImp, &types.MsgSensorReport{Codes: []string{code}, MinCenti: -500, MaxCenti: -500,
					StartUnix: 1_700_000_000, EndUnix: 1_700_003_600, DeviceId: "T-1"}))
			} else {
				c.ok(c.tx(kCity, svPositive(code)))
			}
			res := c.block(c.tx(kDistrict, &types.MsgUnhold{Codes: []string{code}, Reason: "district says fine"}))[0]
			if res.Code == 0 {
				t.Fatalf("BUG: after a %s hold on goods the province (330000) had held, the district 330106 lifted the hold "+
					"(app/trace_changes.go hold overwrites HoldSource of an already held code with %q, and unholdGoods then "+
					"only asks whether a holder lies in the district)", how, how)
			}
			if res.Code != types.ErrOutOfJurisdiction.Code {
				t.Fatalf("district lifts a province hold: code %d (%s)", res.Code, res.Log)
			}
			svMustStatus(t, c, types.CodeStatus_CODE_STATUS_HELD, "", code)
		})
	}
}

// TestRecallScopeUnitInTransit: goods packed in a unit that is on its way
// to a buyer are in the recall's scope, as an open consignment to that buyer.
func TestRecallScopeUnitInTransit(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-R", svDomesticFacts(), 1, 1000)))
	code := svCode("CN-R", "0001")
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(code, 600)}))
	con := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(svUnit, 1)})))
	c.ok(c.tx(kDistrict, &types.MsgRecall{Batch: importerUSCC + "/CN-R", Reason: "listeria"}))
	rec := queryRecord[*types.Recall](t, c.testChain, "/supervision/recall/1")
	found := false
	for _, s := range rec.Scope {
		if s.Code == code && s.Enterprise == svDiner2 {
			found = true
			if s.Quantity != 600 || !s.InTransit || string(s.Consignment) != string(con) || s.Division != otherCityDiv {
				t.Errorf("scope entry of the pallet in transit: %v", s)
			}
		}
	}
	if !found {
		t.Errorf("BUG: recall scope %v leaves out 600 g of %s in unit %s on its way to %s (330200), and no recall alert reaches 330200 "+
			"(app/supervision.go recallScope reads the open consignments of the code, not those of the units containing it)",
			rec.Scope, code, svUnit, svDiner2)
	}
	if !svEqual(rec.Divisions, []string{districtDiv, otherCityDiv}) {
		t.Errorf("recall divisions %v, want [330106 330200]", rec.Divisions)
	}
}

// TestLogisticUnitsUnderSupervision: a unit can be received from another
// division, and a release naming a unit is refused with a coded error, not
// an internal one.
func TestLogisticUnitsUnderSupervision(t *testing.T) {
	t.Run("received from another division", func(t *testing.T) {
		c := newSVChain(t, nil)
		svParties(c)
		c.ok(c.tx(kImp, svCommission("CN-P", svDomesticFacts(), 1, 20_000)))
		code := svCode("CN-P", "0001")
		c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(code, 20_000)}))
		con := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(svUnit, 1)})))
		res := c.block(c.tx(kSVShop2, svReceiveMsg(t, c, con)))[0]
		if res.Code != 0 {
			t.Fatalf("BUG: %s (330102) cannot receive unit %s from %s (330106): code %d (%s) "+
				"(app/trace.go receive → countInflow calls c.batch(r.BatchId) for the unit, whose BatchId is empty)",
				svShop2, svUnit, importerUSCC, res.Code, res.Log)
		}
		if u := svRecord(t, c, svUnit); u.HeldBy(svShop2) != 1 {
			t.Fatalf("unit after receipt: %v", u)
		}
	})
	t.Run("release of a unit", func(t *testing.T) {
		c := newSVChain(t, nil)
		svParties(c)
		kWH3, wh3 := testKey("sv warehouse xihu"), mkUSCC("91330106MA2KWHCC0")
		c.ok(c.tx(kDistrict, regEnterprise(wh3, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, kWH3)))
		f := svImportedFacts("310120230000999999")
		f.DisinfectionCertificate = "DS"
		c.ok(c.tx(kImp, svCommission("EC-P", f, 1, 20_000)))
		c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(svCode("EC-P", "0001"), 20_000)}))
		con := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: wh3, Items: svItems(svUnit, 1)}))) // same division
		svReceiveAll(t, c, kWH3, con)
		c.ok(c.tx(kWH3, &types.MsgWarehouseEntry{Codes: []string{svUnit}}))
		res := c.block(c.tx(kWH3, &types.MsgRelease{Codes: []string{svUnit}}))[0]
		if res.Code == types.ErrInternal.Code {
			t.Fatalf("BUG: release of unit %s: code %d (%s) (app/supervision.go release calls c.batch(r.BatchId) for a logistic unit, "+
				"whose BatchId is empty; it should refuse with logistic unit (35) or release the contents)", svUnit, res.Code, res.Log)
		}
		if res.Code != 0 && res.Code != types.ErrLogisticUnit.Code {
			t.Fatalf("release of a unit: code %d (%s)", res.Code, res.Log)
		}
	})
}

// TestPalletEntryByRules: a supervision warehouse scanning a pallet at its
// door. Under v3 the entry failed inside the node (code 1, kept so v3
// heights replay); from v4 it is refused with code 35 and a message saying
// to disaggregate it and enter the codes it held, with nothing changed but
// the signer's sequence; then those codes enter.
func TestPalletEntryByRules(t *testing.T) {
	for _, tc := range []struct {
		rules uint32
		want  uint32
	}{
		{types.RulesV3, types.ErrInternal.Code},
		{types.RulesV4, types.ErrLogisticUnit.Code},
		{types.LatestRules, types.ErrLogisticUnit.Code},
	} {
		t.Run(fmt.Sprintf("v%d", tc.rules), func(t *testing.T) {
			c := newSVChainRules(t, nil, tc.rules)
			svParties(c)
			const decl = "310120230000555555"
			c.ok(c.tx(kSVCustoms, svDeclare(decl, 100_000)))
			c.ok(c.tx(kImp, svCommission("EC-PAL", svImportedFacts(decl), 3, 10_000)))
			codes := []string{svCode("EC-PAL", svSerial(1)), svCode("EC-PAL", svSerial(2)), svCode("EC-PAL", svSerial(3))}
			c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(codes[0], 10_000, codes[1], 10_000)}))
			con := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(svUnit, 1, codes[2], 10_000)})))
			svReceiveAll(t, c, kSVWH, con)

			before := snapshotState(t, c.app)
			unit, err := before.Code(svUnit)
			if err != nil || unit == nil {
				t.Fatalf("unit: %v %v", unit, err)
			}
			hash := c.app.tree.Hash()
			res := c.block(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{codes[2], svUnit}}))[0]
			if res.Code != tc.want {
				t.Fatalf("entry of a pallet: code %d (%s), want %d", res.Code, res.Log, tc.want)
			}
			if tc.want == types.ErrLogisticUnit.Code && !strings.Contains(res.Log, "disaggregate it and enter the codes it contains") {
				t.Fatalf("the refusal does not say what to do: %s", res.Log)
			}
			if tc.rules < types.RulesV4 {
				return
			}
			// Nothing moved: the loose code in the same message was not entered.
			if r := svRecord(t, c, codes[2]); r.EnteredWarehouse != "" {
				t.Fatalf("a refused message entered %s: %v", codes[2], r)
			}
			if string(hash) == string(c.app.tree.Hash()) {
				t.Fatal("the signer's sequence did not advance")
			}
			// Unpacked, the pallet's codes enter with the loose one.
			c.ok(c.tx(kSVWH, &types.MsgDisaggregate{Unit: svUnit}))
			c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: codes}))
			for _, code := range codes {
				if r := svRecord(t, c, code); r.EnteredWarehouse != svWHUSCC {
					t.Fatalf("%s not entered: %v", code, r)
				}
			}
		})
	}
}
