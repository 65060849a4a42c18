package app

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
	"google.golang.org/protobuf/proto"
)

// v3Batch is a batch id of the importer.
func v3Batch(name string) string { return importerUSCC + "/" + name }

func v3Batches(t *testing.T, c *svChain, id string) *types.Batch {
	t.Helper()
	b, err := snapshotState(t, c.app).Batch(id)
	if err != nil || b == nil {
		t.Fatalf("batch %s: %v %v", id, b, err)
	}
	return b
}

// v3Inspect is customs' inspection certificate for a batch.
func v3Inspect(batch, cert string) *types.MsgRecordTest {
	return &types.MsgRecordTest{Batch: batch, Kind: types.TestKind_TEST_KIND_INSPECTION, Result: types.TestResult_TEST_RESULT_NEGATIVE,
		Lab: "Shanghai Customs", TestName: "inspection and quarantine", Certificate: cert}
}

// v3Sample is a supervision warehouse's negative test of a batch.
func v3Sample(batch string) *types.MsgRecordTest {
	return &types.MsgRecordTest{Batch: batch, Kind: types.TestKind_TEST_KIND_SAMPLING, Result: types.TestResult_TEST_RESULT_NEGATIVE,
		Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}
}

// v3ToWarehouse sends codes to the Hangzhou supervision warehouse, which
// receives and enters them.
func v3ToWarehouse(t *testing.T, c *svChain, q uint64, codes ...string) {
	t.Helper()
	var items []any
	for _, code := range codes {
		items = append(items, code, q)
	}
	con := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(items...)})))
	svReceiveAll(t, c, kSVWH, con)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: codes}))
}

// TestCustomsLoopGoodsBeforeDeclaration: goods reach the first station at
// 3 a.m., before customs data; they are recorded as unverified and cannot
// leave the supervision warehouse until the declaration arrives and
// matches; then, with customs' certificate and the warehouse's test, the
// release issues a certificate every code carries.
func TestCustomsLoopGoodsBeforeDeclaration(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	const decl = "310120230000777777"
	res := c.ok(c.tx(kImp, svCommission("EC-EARLY", svImportedFacts(decl), 2, 10_000)))
	if got := attr(t, res, "customs_unverified", "declaration"); len(got) != 1 || got[0] != decl {
		t.Fatalf("customs_unverified event: %v", got)
	}
	if b := v3Batches(t, c, v3Batch("EC-EARLY")); b.Customs != types.CustomsState_CUSTOMS_STATE_UNVERIFIED || b.DeclaredQuantity != 20_000 {
		t.Fatalf("batch %v", b)
	}
	codes := []string{svCode("EC-EARLY", "0001"), svCode("EC-EARLY", "0002")}
	v3ToWarehouse(t, c, 10_000, codes...)
	c.ok(c.tx(kSVWH, v3Sample(v3Batch("EC-EARLY"))))
	r := c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: codes, DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	for _, want := range []string{"customs declaration " + decl + " recorded by customs", "inspection and quarantine certificate recorded by customs"} {
		if !strings.Contains(r.Log, want) {
			t.Fatalf("refusal does not say %q: %s", want, r.Log)
		}
	}
	// A certificate typed into the release does not count from v3.
	c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: codes, InspectionCertificate: "IQ-TYPED", DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	// Only customs records certificates.
	c.refused(c.tx(kSVWH, v3Inspect(v3Batch("EC-EARLY"), "IQ-BY-WAREHOUSE")), types.ErrUnauthorized)

	res = c.ok(c.tx(kSVCustoms, svDeclare(decl, 30_000)))
	if got := attr(t, res, "customs_verified", "batch"); len(got) != 1 || got[0] != v3Batch("EC-EARLY") {
		t.Fatalf("customs_verified event: %v", got)
	}
	if b := v3Batches(t, c, v3Batch("EC-EARLY")); b.Customs != types.CustomsState_CUSTOMS_STATE_VERIFIED || b.DeclarationLine != 1 {
		t.Fatalf("batch after the declaration: %v", b)
	}
	r = c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: codes, DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	if strings.Contains(r.Log, "customs declaration") || !strings.Contains(r.Log, "certificate recorded by customs") {
		t.Fatalf("after the declaration only the certificate is missing: %s", r.Log)
	}
	c.ok(c.tx(kSVCustoms, v3Inspect(v3Batch("EC-EARLY"), "IQ-310100-2023-0042")))
	res = c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: codes, DisinfectionCertificate: "DS-1"}))
	num := attr(t, res, "release", "certificate")
	if len(num) != 1 || !strings.HasPrefix(num[0], "RC-330100-") {
		t.Fatalf("release certificate number %v", num)
	}
	cert, err := snapshotState(t, c.app).ReleaseCertificate(num[0])
	if err != nil || cert == nil {
		t.Fatalf("certificate %s: %v %v", num[0], cert, err)
	}
	if cert.Warehouse != svWHUSCC || len(cert.Codes) != 2 || cert.Grams != 20_000 || len(cert.InspectionCertificates) != 1 ||
		cert.InspectionCertificates[0] != "IQ-310100-2023-0042" || len(cert.Tests) != 2 || cert.DisinfectionCertificate != "DS-1" {
		t.Fatalf("certificate %v", cert)
	}
	for _, code := range codes {
		if rec := svRecord(t, c, code); !rec.Released || rec.ReleaseCertificate != num[0] {
			t.Fatalf("%s: released %v certificate %q", code, rec.Released, rec.ReleaseCertificate)
		}
	}
}

// TestCustomsLoopQuantityWhateverTheOrder: 20 t declared, 40 t commissioned
// in two batches before the declaration: the first batch is counted, the
// second exceeds the line and is held and alerted; after the declaration a
// commission beyond it is refused. The line never exceeds what customs declared.
func TestCustomsLoopQuantityWhateverTheOrder(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	const decl = "310120230000888888"
	c.ok(c.tx(kImp, svCommission("EC-A", svImportedFacts(decl), 2, 10_000_000)))
	c.ok(c.tx(kImp, svCommission("EC-B", svImportedFacts(decl), 2, 10_000_000)))
	res := c.ok(c.tx(kSVCustoms, svDeclare(decl, 20_000_000)))
	if len(svAlertIDs(t, res)) != 1 {
		t.Fatalf("one alert for the batch beyond the declaration, got %v", svAlertIDs(t, res))
	}
	a, b := v3Batches(t, c, v3Batch("EC-A")), v3Batches(t, c, v3Batch("EC-B"))
	if a.Customs != types.CustomsState_CUSTOMS_STATE_VERIFIED || b.Customs != types.CustomsState_CUSTOMS_STATE_MISMATCH || !strings.Contains(b.CustomsProblem, "line 1 declares 20000000") {
		t.Fatalf("EC-A %v / EC-B %v %q", a.Customs, b.Customs, b.CustomsProblem)
	}
	if r := svRecord(t, c, svCode("EC-B", "0001")); r.Status != types.CodeStatus_CODE_STATUS_HELD || r.HoldSource != "customs" {
		t.Fatalf("EC-B's codes are not held by customs: %v %q", r.Status, r.HoldSource)
	}
	alerts := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS)
	if len(alerts) != 1 || alerts[0].Batch != v3Batch("EC-B") || alerts[0].Division != districtDiv {
		t.Fatalf("customs alerts %v", alerts)
	}
	d, err := snapshotState(t, c.app).Declaration(decl)
	if err != nil || len(d.LineCommissioned) != 1 || d.LineCommissioned[0] != 20_000_000 {
		t.Fatalf("declaration counters %v %v", d, err)
	}
	c.refused(c.tx(kImp, svCommission("EC-C", svImportedFacts(decl), 1, 1)), types.ErrDeclarationMismatch)
	// The held batch cannot take more codes either.
	c.refused(c.tx(kImp, &types.MsgCommission{Batch: "EC-B", Codes: []*types.NewCode{svNewCode("EC-B", "0009", 1)}}), types.ErrDeclarationMismatch)
}

func svNewCode(batch, serial string, q uint64) *types.NewCode {
	return &types.NewCode{Code: svCode(batch, serial), Quantity: q, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
}

// TestCustomsLoopMismatches: the declaration that arrives names another
// origin or another importer than the goods waiting for it; the goods are
// held and the importer's division alerted with the reason.
func TestCustomsLoopMismatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*types.MsgDeclare)
		want   string
	}{
		{"origin", func(m *types.MsgDeclare) { m.OriginCountry = "AR" }, "line 1 is from AR, the batch from EC"},
		{"importer", func(m *types.MsgDeclare) { m.Importer = marketUSCC }, "names importer " + marketUSCC},
		{"goods", func(m *types.MsgDeclare) { m.Gtin = gtinWith("0952123454322") }, "line 1 is GTIN"},
		{"unit", func(m *types.MsgDeclare) { m.Unit = types.QuantityUnit_QUANTITY_UNIT_PIECES }, "counted in pieces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSVChainRules(t, nil, types.RulesV3)
			svParties(c)
			const decl = "310120230000555555"
			c.ok(c.tx(kImp, svCommission("EC-M", svImportedFacts(decl), 1, 5_000)))
			m := svDeclare(decl, 10_000)
			tc.change(m)
			c.ok(c.tx(kSVCustoms, m))
			// A declaration naming another importer settles the batch
			// when the batch's own watch comes (it cannot crowd out that
			// importer's batches); the others at once.
			c.at(c.now.Add(25 * time.Hour))
			b := v3Batches(t, c, v3Batch("EC-M"))
			if b.Customs != types.CustomsState_CUSTOMS_STATE_MISMATCH || !strings.Contains(b.CustomsProblem, tc.want) {
				t.Fatalf("batch %v %q, want a problem with %q", b.Customs, b.CustomsProblem, tc.want)
			}
			// Settled at once, the codes are held; settled by the watch,
			// which signs nothing, they are not — either way release is refused.
			if r := svRecord(t, c, svCode("EC-M", "0001")); (r.Status == types.CodeStatus_CODE_STATUS_HELD) == (tc.name == "importer") {
				t.Fatalf("code %v", r.Status)
			}
			if !strings.Contains(strings.Join(missingForRelease(types.RulesOf(types.RulesV3), b, &types.MsgRelease{}), " "), "a customs declaration that matches the goods") {
				t.Fatalf("release of a mismatched batch does not name the declaration")
			}
			if a := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS); len(a) != 1 || !strings.Contains(a[0].Message, tc.want) {
				t.Fatalf("alerts %v", a)
			}
		})
	}
}

// TestCustomsLoopTimeAlerts: goods still waiting for their declaration after
// params.unverified_alert_seconds, and a declaration no commission cited
// after params.uncommissioned_alert_days, each raise one alert.
func TestCustomsLoopTimeAlerts(t *testing.T) {
	p := types.DefaultParams()
	p.UnverifiedAlertSeconds = 6 * 3600
	p.UncommissionedAlertDays = 3
	c := newSVChainRules(t, p, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("EC-WAIT", svImportedFacts("310120230000111111"), 1, 5_000)))
	c.ok(c.tx(kSVCustoms, svDeclare("310120230000222999", 5_000)))
	start := c.now
	c.at(start.Add(5 * time.Hour))
	if a := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS); len(a) != 0 {
		t.Fatalf("alerts before the window: %v", a)
	}
	c.at(start.Add(7 * time.Hour))
	a := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS)
	if len(a) != 1 || a[0].Batch != v3Batch("EC-WAIT") || !strings.Contains(a[0].Message, "has still not recorded") {
		t.Fatalf("unverified alert: %v", a)
	}
	c.at(start.Add(73 * time.Hour))
	a = svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS)
	if len(a) != 2 || !strings.Contains(a[1].Message, "310120230000222999") || !strings.Contains(a[1].Message, "without codes") || a[1].Division != districtDiv {
		t.Fatalf("uncommissioned alert: %v", a)
	}
	c.at(start.Add(200 * time.Hour))
	if n := len(svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CUSTOMS)); n != 2 {
		t.Fatalf("each watch alerts once, got %d alerts", n)
	}
}

// TestDeclarationLinesAndNumbers: from v3 a declaration number is customs'
// 18 digits; a declaration may list lines, matched by GTIN or tariff code;
// goods counted in pieces carry a net weight.
func TestDeclarationLinesAndNumbers(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	for _, n := range []string{"3104202699", "31042026999999999X", "310412349999999999"} {
		c.refused(c.tx(kSVCustoms, svDeclare(n, 1000)), types.ErrInvalidField)
	}
	const decl = "310420260000000042"
	m := &types.MsgDeclare{Number: decl, Port: "Ningbo Beilun", Date: "2023-11-01", Importer: importerUSCC, Lines: []*types.DeclarationLine{
		{Goods: "frozen white shrimp", Gtin: gtin, OriginCountry: "EC", Quantity: 50_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
		{Goods: "frozen beef", HsCode: "0202300090", OriginCountry: "AR", Quantity: 10, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES, NetGrams: 250_000},
	}}
	c.ok(c.tx(kSVCustoms, m))
	// The beef names no GTIN; its tariff code matches line 2, in pieces with a net weight.
	beef := &types.ProductFacts{Name: "Frozen beef", Category: "frozen meat", OriginCountry: "AR", ProductionDate: "2023-10-01",
		ShelfLifeDays: 365, Supplier: "Pampa", CertificateOfOrigin: "AR-1", CustomsDeclaration: decl, HsCode: "0202300090"}
	pieces := &types.MsgCommission{Batch: "AR-1", Facts: beef, Codes: []*types.NewCode{{Code: svCode("AR-1", "0001"), Quantity: 4, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES}}}
	c.refused(c.tx(kImp, pieces), types.ErrInvalidField) // no net weight per piece
	beef.NetGramsPerPiece = 25_000
	c.ok(c.tx(kImp, pieces))
	if b := v3Batches(t, c, v3Batch("AR-1")); b.DeclarationLine != 2 || b.Customs != types.CustomsState_CUSTOMS_STATE_VERIFIED {
		t.Fatalf("beef batch %v", b)
	}
	c.ok(c.tx(kImp, svCommission("EC-L", svImportedFacts(decl), 1, 50_000)))
	if b := v3Batches(t, c, v3Batch("EC-L")); b.DeclarationLine != 1 {
		t.Fatalf("shrimp batch matched line %d", b.DeclarationLine)
	}
	// Lines and single-line fields do not mix; a line names its goods.
	bad := &types.MsgDeclare{Number: "310420260000000043", Port: "P", Date: "2023-11-01", Importer: importerUSCC, Goods: "x",
		Lines: []*types.DeclarationLine{{Goods: "y", Gtin: gtin, OriginCountry: "EC", Quantity: 1, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	if code := svCheckCode(t, c, c.tx(kSVCustoms, bad)); code != types.ErrInvalidField.Code {
		t.Fatalf("mixed declaration: code %d", code)
	}
	bad = &types.MsgDeclare{Number: "310420260000000043", Port: "P", Date: "2023-11-01", Importer: importerUSCC,
		Lines: []*types.DeclarationLine{{Goods: "y", OriginCountry: "EC", Quantity: 1, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	if code := svCheckCode(t, c, c.tx(kSVCustoms, bad)); code != types.ErrInvalidField.Code {
		t.Fatalf("line without goods id: code %d", code)
	}
}

// TestSiteTests: a positive staff test at the market holds every code held
// there and alerts the market's division and each division it supplied in
// the window; a negative surface test holds nothing. Only customs, a
// regulator over the site, or the site itself records one.
func TestSiteTests(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-S", svDomesticFacts(), 3, 5_000)))
	cn := func(i int) string { return svCode("CN-S", svSerial(i)) }
	toMkt := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(cn(1), 5_000, cn(2), 5_000)})))
	svReceiveAll(t, c, kMarket, toMkt)
	// The market supplies a Shangcheng supermarket (330102) and a Ningbo restaurant (330200).
	svReceiveAll(t, c, kSVShop2, svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: svShop2, Items: svItems(cn(1), 1_000)}))))
	c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(cn(2), 1_000)}))

	doc := sha256.Sum256([]byte("lab report"))
	test := func(subject types.SiteSubject, samples, positives uint32) *types.MsgRecordSiteTest {
		return &types.MsgRecordSiteTest{Site: marketUSCC, Subject: subject, Samples: samples, Positives: positives,
			Lab: "Xihu CDC", SampleDate: "2023-11-14", DocumentHash: doc[:], Note: "cold room 2"}
	}
	c.refused(c.tx(kNingbo, test(types.SiteSubject_SITE_SUBJECT_SURFACE, 10, 0)), types.ErrOutOfJurisdiction)
	c.refused(c.tx(kShop, test(types.SiteSubject_SITE_SUBJECT_SURFACE, 10, 0)), types.ErrUnauthorized)
	if res := c.ok(c.tx(kMarket, test(types.SiteSubject_SITE_SUBJECT_SURFACE, 10, 0))); len(svAlertIDs(t, res)) != 0 {
		t.Fatal("a negative test raised alerts")
	}
	if r := svRecord(t, c, cn(1)); r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		t.Fatalf("a negative test held goods: %v", r.Status)
	}
	res := c.ok(c.tx(kDistrict, test(types.SiteSubject_SITE_SUBJECT_STAFF, 40, 2)))
	if got := attr(t, res, "site_test", "codes_held"); len(got) != 1 || got[0] != "2" {
		t.Fatalf("codes held %v", got)
	}
	for _, code := range []string{cn(1), cn(2)} {
		if r := svRecord(t, c, code); r.Status != types.CodeStatus_CODE_STATUS_HELD || r.HoldSource != "site test" {
			t.Fatalf("%s: %v %q", code, r.Status, r.HoldSource)
		}
	}
	if r := svRecord(t, c, cn(3)); r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		t.Fatalf("goods held elsewhere were held: %v", r.Status)
	}
	var divs []string
	for _, a := range svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_POSITIVE) {
		divs = append(divs, a.Division)
	}
	if strings.Join(divs, ",") != "330102,330106,330200" {
		t.Fatalf("alerted %v, want the market's 330106 and the divisions it supplied", divs)
	}
	st, err := snapshotState(t, c.app).SiteTest(2)
	if err != nil || st == nil || st.RecordedBy != districtDiv || st.CodesHeld != 2 || len(st.DivisionsAlerted) != 3 {
		t.Fatalf("site test record %v %v", st, err)
	}
	day, err := snapshotState(t, c.app).DayStats(districtDiv, types.RulesOf(types.RulesV3).Day(c.now))
	if err != nil || day.PositivesStaff != 2 {
		t.Fatalf("day stats %v %v", day, err)
	}
}

// TestV3MessagesAndFieldsUnknownBefore: under v2 the new message and the
// new fields are undecodable, as the v2 binary had them.
func TestV3MessagesAndFieldsUnknownBefore(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV2)
	svParties(c)
	doc := sha256.Sum256([]byte("x"))
	for name, m := range map[string]*types.Msg{
		"site test":   types.WrapMsg(&types.MsgRecordSiteTest{Site: marketUSCC, Subject: types.SiteSubject_SITE_SUBJECT_STAFF, Samples: 1, Lab: "L", SampleDate: "2023-11-01", DocumentHash: doc[:]}),
		"lines":       types.WrapMsg(&types.MsgDeclare{Number: "310420260000000042", Port: "P", Date: "2023-11-01", Importer: importerUSCC, Lines: []*types.DeclarationLine{{Goods: "g", Gtin: gtin, OriginCountry: "EC", Quantity: 1, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}),
		"certificate": types.WrapMsg(v3Inspect(v3Batch("X"), "IQ-1")),
	} {
		inner, _ := m.Inner()
		if code := svCheckCode(t, c, c.tx(kSVCustoms, inner)); code != types.ErrTxDecode.Code {
			t.Errorf("%s under v2: code %d, want %d", name, code, types.ErrTxDecode.Code)
		}
	}
}

// TestHoldsListEveryHeldQuantity (rules v3): after a positive test the holds
// index lists the batch's goods on the road (under the buyer's division)
// and goods taken out of a held pallet (where they were unpacked), not only
// goods in holdings at the moment of the hold.
func TestHoldsListEveryHeldQuantity(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-H", svDomesticFacts(), 3, 5_000)))
	code := func(i int) string { return svCode("CN-H", svSerial(i)) }
	c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(code(1), 5_000)}))
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(code(2), 5_000)}))
	svReceiveAll(t, c, kSVShop2, svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(svUnit, 1)}))))
	c.ok(c.tx(kDistrict, svPositive(code(3))))
	has := func(prefix, want string) bool {
		for _, h := range svHolds(t, c, prefix) {
			if h == want {
				return true
			}
		}
		return false
	}
	if !has("3302", otherCityDiv+code(1)) {
		t.Fatalf("the code on its way to Ningbo is not listed under 3302: %v", svHolds(t, c, "33"))
	}
	if has("330102", "330102"+code(2)) {
		t.Fatal("the packed code is listed before it is unpacked")
	}
	c.ok(c.tx(kSVShop2, &types.MsgDisaggregate{Unit: svUnit}))
	if !has("330102", "330102"+code(2)) {
		t.Fatalf("the code taken out of the held pallet is not listed where it is: %v", svHolds(t, c, "33"))
	}
	// Every division that received any of the batch was alerted.
	var divs []string
	for _, a := range svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_POSITIVE) {
		divs = append(divs, a.Division)
	}
	if strings.Join(divs, ",") != "330102,330106,330200" {
		t.Fatalf("positive alerts went to %v", divs)
	}
}

// TestMassHoldsStayCheap (rules v3): a positive site test holding more
// than 1,000 codes records their count, not their list, in its event (each
// code's history chains over the event's bytes); a second test touches
// only codes not held yet.
func TestMassHoldsStayCheap(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-M", svDomesticFacts(), 1000, 10)))
	more := svCommission("CN-M", nil, 0, 0)
	for i := 1001; i <= 1100; i++ {
		more.Codes = append(more.Codes, svNewCode("CN-M", svSerial(i), 10))
	}
	c.ok(c.tx(kImp, more))
	doc := sha256.Sum256([]byte("swab"))
	test := &types.MsgRecordSiteTest{Site: importerUSCC, Subject: types.SiteSubject_SITE_SUBJECT_SURFACE, Samples: 5, Positives: 1, Lab: "L", SampleDate: "2023-11-14", DocumentHash: doc[:]}
	res := c.ok(c.tx(kDistrict, test))
	if got := attr(t, res, "site_test", "codes_held"); len(got) != 1 || got[0] != "1100" {
		t.Fatalf("codes held %v", got)
	}
	e := lastEvent(t, c.app, svCode("CN-M", "0777"))
	if len(e.Codes) != 0 || e.CodesCount != 1100 {
		t.Fatalf("event lists %d codes, counts %d", len(e.Codes), e.CodesCount)
	}
	before := record(t, c.app, svCode("CN-M", "0777")).Events
	res = c.ok(c.tx(kDistrict, test))
	if got := attr(t, res, "site_test", "codes_held"); len(got) != 1 || got[0] != "0" {
		t.Fatalf("a second test held %v", got)
	}
	if after := record(t, c.app, svCode("CN-M", "0777")).Events; after != before {
		t.Fatalf("a second test touched a held code's history: %d → %d events", before, after)
	}
}

// TestCustomsLoopHostileOrders: another operator citing a declaration
// number cannot keep the declared importer's goods waiting; a batch takes
// the first line with room; a declaration filled under v2 stays full under v3.
func TestCustomsLoopHostileOrders(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	const decl = "310120230000444444"
	foreign := svImportedFacts(decl)
	for i := 0; i < 3; i++ {
		c.ok(c.tx(kMarket, svCommission(fmt.Sprintf("SQ-%d", i), foreign, 1, 1_000)))
	}
	c.ok(c.tx(kImp, svCommission("EC-OWN", svImportedFacts(decl), 1, 10_000)))
	two := svDeclare(decl, 0)
	two.Goods, two.Gtin, two.Quantity, two.Unit, two.OriginCountry = "", "", 0, 0, ""
	line := &types.DeclarationLine{Goods: "frozen white shrimp", Gtin: gtin, OriginCountry: "EC", Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}
	two.Lines = []*types.DeclarationLine{line, proto.Clone(line).(*types.DeclarationLine)}
	c.ok(c.tx(kSVCustoms, two))
	if b := v3Batches(t, c, v3Batch("EC-OWN")); b.Customs != types.CustomsState_CUSTOMS_STATE_VERIFIED || b.DeclarationLine != 1 {
		t.Fatalf("the importer's own batch: %v line %d", b.Customs, b.DeclarationLine)
	}
	// Line 1 is full; line 2 takes the next batch, before or after the declaration.
	c.ok(c.tx(kImp, svCommission("EC-TWO", svImportedFacts(decl), 1, 10_000)))
	if b := v3Batches(t, c, v3Batch("EC-TWO")); b.DeclarationLine != 2 {
		t.Fatalf("second batch on line %d, want 2", b.DeclarationLine)
	}
	c.refused(c.tx(kImp, svCommission("EC-THREE", svImportedFacts(decl), 1, 1)), types.ErrDeclarationMismatch)

	// Under v2 a 20 kg declaration is filled; after the move to v3 it stays full.
	v := newSVChainRules(t, nil, types.RulesV2)
	svParties(v)
	v.ok(v.tx(kSVCustoms, svDeclare("310120230000454545", 20_000)))
	v.ok(v.tx(kImp, svCommission("EC-V2", svImportedFacts("310120230000454545"), 2, 10_000)))
	if err := v.app.SetUpgrades([]*types.Upgrade{{Version: types.RulesV3, Height: v.height + 1, Reason: "t"}}); err != nil {
		t.Fatal(err)
	}
	v.refused(v.tx(kImp, svCommission("EC-V3", svImportedFacts("310120230000454545"), 1, 1)), types.ErrDeclarationMismatch)
}
