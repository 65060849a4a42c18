package testnet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// startSupervisionNode starts a node and returns its client and the root
// regulator's and customs' keys.
func startSupervisionNode(t *testing.T) (*client.Client, ed25519.PrivateKey, ed25519.PrivateKey) {
	n := testnode.Start(t, "supervision-e2e")
	return n.Client, n.Root, n.Customs
}

// TestPositiveTestHoldsBatchOnNode: on a real node, imported goods are
// declared, commissioned, entered and released by a supervision warehouse,
// split at a market and sent on; a positive test of a carton still at the
// warehouse leaves every code of the batch, split children included,
// CODE_STATUS_HELD in the state of the test's own block, and a dispatch of
// a child is refused with code 36.
func TestPositiveTestHoldsBatchOnNode(t *testing.T) {
	c, root, customs := startSupervisionNode(t)
	ctx := context.Background()
	must := func(res *client.TxResult, err error) *client.TxResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	city := testKey("sv city")
	imp, wh, market, shop, diner := testKey("sv importer"), testKey("sv warehouse"), testKey("sv market"), testKey("sv shop"), testKey("sv diner")
	impU, whU, marketU := mkUSCC("91330100MA2KAAAA1"), mkUSCC("91330100MA2KBBBB1"), mkUSCC("91330100MA2KCCCC1")
	shopU, dinerU := mkUSCC("91330106MA2KDDDD1"), mkUSCC("91330106MA2KEEEE1")
	reg := func(u string, kind types.EnterpriseKind, div string, k ed25519.PrivateKey) *types.MsgRegisterEnterprise {
		return &types.MsgRegisterEnterprise{Uscc: u, Name: "E " + u, Kind: kind, Division: div, Keys: [][]byte{pub(k)}}
	}
	must(c.Send(ctx, root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(city)}}))
	must(c.Send(ctx, city,
		reg(impU, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, "330100", imp),
		reg(whU, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, "330100", wh),
		reg(marketU, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, "330100", market),
		reg(shopU, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, "330106", shop),
		reg(dinerU, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, "330106", diner)))

	const decl, batch = "310120260000123456", "EC-E2E"
	must(c.Send(ctx, customs, &types.MsgDeclare{Number: decl, Port: "Shanghai Yangshan", Date: time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly),
		Goods: "frozen white shrimp", Gtin: "09521234543213", Quantity: 60_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, OriginCountry: "EC", Importer: impU}))
	facts := &types.ProductFacts{Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: "09521234543213", OriginCountry: "EC",
		ProductionDate: time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly), ShelfLifeDays: 730, Supplier: "Guayaquil Seafood S.A.",
		CertificateOfOrigin: "EC-2026-1188", CustomsDeclaration: decl, InspectionCertificate: "IQ-310100-2026-0042",
		NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Shanghai Port Lab",
			Date: time.Now().UTC().AddDate(0, 0, -19).Format(time.DateOnly), DocumentHash: make([]byte, 32)}}
	code := func(i int) string { return fmt.Sprintf("/01/09521234543213/10/%s/21/%04d", batch, i) }
	com := &types.MsgCommission{Batch: batch, Facts: facts}
	for i := 1; i <= 3; i++ {
		com.Codes = append(com.Codes, &types.NewCode{Code: code(i), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	}
	must(c.Send(ctx, imp, com))
	cq := func(code string, q uint64) *types.CodeQuantity { return &types.CodeQuantity{Code: code, Quantity: q} }
	consignment := func(res *client.TxResult) []byte { return mustHex(t, eventValue(t, res, "dispatch", "consignment")) }

	// Unreleased goods go to the warehouse only.
	if _, err := c.Send(ctx, imp, &types.MsgDispatch{Buyer: marketU, Items: []*types.CodeQuantity{cq(code(1), 1000)}}); !errors.Is(err, types.ErrReleaseRequired) {
		t.Fatalf("dispatch of unreleased goods to a market: %v", err)
	}
	toWH := consignment(must(c.Send(ctx, imp, &types.MsgDispatch{Buyer: whU, Items: []*types.CodeQuantity{cq(code(1), 20_000), cq(code(2), 20_000), cq(code(3), 20_000)}})))
	must(c.Send(ctx, wh, &types.MsgReceive{Consignment: toWH, Received: []*types.CodeQuantity{cq(code(1), 20_000), cq(code(2), 20_000), cq(code(3), 20_000)}}))
	must(c.Send(ctx, wh, &types.MsgWarehouseEntry{Codes: []string{code(1), code(2), code(3)}}))
	must(c.Send(ctx, wh, &types.MsgRecordTest{Batch: impU + "/" + batch, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}))
	must(c.Send(ctx, customs, &types.MsgRecordTest{Batch: impU + "/" + batch, Kind: types.TestKind_TEST_KIND_INSPECTION,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou Customs", TestName: "inspection and quarantine", Certificate: "IQ-310100-2026-0042"}))
	must(c.Send(ctx, wh, &types.MsgRelease{Codes: []string{code(1), code(2)}, DisinfectionCertificate: "DS-330100-2026-0917"}))

	// The market receives, splits one carton into four packs and sends packs on.
	toMarket := consignment(must(c.Send(ctx, wh, &types.MsgDispatch{Buyer: marketU, Items: []*types.CodeQuantity{cq(code(1), 20_000), cq(code(2), 20_000)}})))
	must(c.Send(ctx, market, &types.MsgReceive{Consignment: toMarket, Received: []*types.CodeQuantity{cq(code(1), 20_000), cq(code(2), 20_000)}}))
	split := must(c.Send(ctx, market, &types.MsgSplit{Parent: code(1), Children: []*types.NewCode{{Quantity: 4000}, {Quantity: 4000}, {Quantity: 4000}, {Quantity: 4000}}})) // 4000 g stay in the carton
	var packs []string
	for _, e := range split.Events {
		for _, a := range e.Attributes {
			if e.Type == "issued_code" && a.Key == "code" {
				packs = append(packs, a.Value)
			}
		}
	}
	if len(packs) != 4 {
		t.Fatalf("split issued %v", packs)
	}
	toShop := consignment(must(c.Send(ctx, market, &types.MsgDispatch{Buyer: shopU, Items: []*types.CodeQuantity{cq(packs[0], 4000), cq(packs[1], 4000)}})))
	must(c.Send(ctx, shop, &types.MsgReceive{Consignment: toShop, Received: []*types.CodeQuantity{cq(packs[0], 4000), cq(packs[1], 4000)}}))
	toDiner := consignment(must(c.Send(ctx, market, &types.MsgDispatch{Buyer: dinerU, Items: []*types.CodeQuantity{cq(packs[2], 4000)}})))

	// A positive test of the carton still at the warehouse.
	res := must(c.Send(ctx, wh, &types.MsgRecordTest{Codes: []string{code(3)}, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_POSITIVE, Lab: "Hangzhou CDC", SampleId: "S-0815-03", TestName: "SARS-CoV-2 nucleic acid"}))
	all := append([]string{code(1), code(2), code(3)}, packs...)
	for _, cd := range all {
		q, err := c.Query(ctx, "/trace/code?code="+url.QueryEscape(cd), res.Height, false)
		if err != nil {
			t.Fatalf("%s at height %d: %v", cd, res.Height, err)
		}
		var rec types.CodeRecord
		if err := proto.Unmarshal(q.Value, &rec); err != nil {
			t.Fatal(err)
		}
		if q.Height != res.Height || rec.Status != types.CodeStatus_CODE_STATUS_HELD || rec.HoldSource != "test" {
			t.Errorf("%s at height %d (asked %d): status %s source %q", cd, q.Height, res.Height, rec.Status, rec.HoldSource)
		}
	}
	var alerts types.AlertList
	if _, err := c.QueryInto(ctx, "/supervision/alerts/33", &alerts); err != nil {
		t.Fatal(err)
	}
	// The importer's division and every division that received any of the
	// batch (the shop's and the restaurant's, 330106) are told.
	var alerted []string
	for _, a := range alerts.Alerts {
		if a.Kind != types.AlertKind_ALERT_KIND_POSITIVE {
			t.Fatalf("alert %v", a)
		}
		alerted = append(alerted, a.Division)
	}
	if strings.Join(alerted, ",") != "330100,330106" {
		t.Fatalf("positive alerts went to %v, want the importer's 330100 and the receivers' 330106: %v", alerted, alerts.Alerts)
	}

	// Held children do not move: not from the market, not into the restaurant.
	_, err := c.Send(ctx, market, &types.MsgDispatch{Buyer: shopU, Items: []*types.CodeQuantity{cq(packs[3], 4000)}})
	var coded *client.Error
	if !errors.As(err, &coded) || coded.Code != types.ErrNotMovable.Code {
		t.Fatalf("dispatch of a held child: %v, want code %d", err, types.ErrNotMovable.Code)
	}
	if _, err := c.Send(ctx, diner, &types.MsgReceive{Consignment: toDiner, Received: []*types.CodeQuantity{cq(packs[2], 4000)}}); !errors.Is(err, types.ErrNotMovable) {
		t.Fatalf("receipt of a held child by a restaurant: %v", err)
	}
	if _, err := c.Send(ctx, shop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(packs[0], 100)}}); !errors.Is(err, types.ErrNotMovable) {
		t.Fatalf("sale of a held child: %v", err)
	}
}
