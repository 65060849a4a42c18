package testnet

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"testing"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// startNode starts an in-process single-validator node in a temp home.
func startNode(t *testing.T) (*node.Node, *client.Client, ed25519.PrivateKey) {
	n := testnode.Start(t, "trace-e2e")
	return n.Node, n.Client, n.Root
}

// eventValue returns the first value of an event attribute in a tx result.
func eventValue(t *testing.T, res *client.TxResult, typ, key string) string {
	t.Helper()
	for _, e := range res.Events {
		for _, a := range e.Attributes {
			if e.Type == typ && a.Key == key {
				return a.Value
			}
		}
	}
	t.Fatalf("no %s.%s in %v", typ, key, res.Events)
	return ""
}

// TestTraceJourneyOnNode: on a real node, an importer commissions 100 codes,
// dispatches to a wholesale market, which receives with a shortfall, splits,
// dispatches to a supermarket and a restaurant, which receive and sell; the
// forward trace of the batch names exactly those enterprises and quantities.
func TestTraceJourneyOnNode(t *testing.T) {
	_, c, root := startNode(t)
	ctx := context.Background()
	must := func(res *client.TxResult, err error) *client.TxResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	city := testKey("city")
	imp, market, shop, diner := testKey("importer"), testKey("market"), testKey("shop"), testKey("diner")
	impU, marketU, shopU, dinerU := mkUSCC("91330100MA2AAAAA1"), mkUSCC("91330100MA2BBBBB1"), mkUSCC("91330106MA2CCCCC1"), mkUSCC("91330106MA2DDDDD1")
	must(c.Send(ctx, root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(city)}}))
	reg := func(u string, kind types.EnterpriseKind, div string, k ed25519.PrivateKey) *types.MsgRegisterEnterprise {
		return &types.MsgRegisterEnterprise{Uscc: u, Name: "E " + u, Kind: kind, Division: div, Keys: [][]byte{pub(k)}}
	}
	must(c.Send(ctx, city,
		reg(impU, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, "330100", imp),
		reg(marketU, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, "330100", market),
		reg(shopU, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, "330106", shop),
		reg(dinerU, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, "330106", diner)))

	facts := &types.ProductFacts{Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "CN",
		ProductionDate: "2026-06-01", ShelfLifeDays: 540, TempMinCenti: -3000, TempMaxCenti: -1800}
	com := &types.MsgCommission{Batch: "NO-2026-06", Facts: facts}
	for i := 0; i < 100; i++ {
		com.Codes = append(com.Codes, &types.NewCode{Code: fmt.Sprintf("(01)09521234543213(10)NO-2026-06(21)%04d", i), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	}
	must(c.Send(ctx, imp, com))
	code := func(i int) string { return fmt.Sprintf("/01/09521234543213/10/NO-2026-06/21/%04d", i) }

	// Ten cartons to the market; one arrives 300 g short.
	d := &types.MsgDispatch{Buyer: marketU}
	for i := 0; i < 10; i++ {
		d.Items = append(d.Items, &types.CodeQuantity{Code: code(i), Quantity: 20_000})
	}
	con := must(c.Send(ctx, imp, d))
	rcv := &types.MsgReceive{Consignment: mustHex(t, eventValue(t, con, "dispatch", "consignment"))}
	for _, it := range d.Items {
		q := it.Quantity
		if it.Code == code(0) {
			q -= 300
		}
		rcv.Received = append(rcv.Received, &types.CodeQuantity{Code: it.Code, Quantity: q})
	}
	must(c.Send(ctx, market, rcv))

	// The market splits carton 1 into four 5 kg packs.
	split := must(c.Send(ctx, market, &types.MsgSplit{Parent: code(1), Children: []*types.NewCode{{Quantity: 5000}, {Quantity: 5000}, {Quantity: 5000}, {Quantity: 5000}}}))
	var packs []string
	for _, e := range split.Events {
		for _, a := range e.Attributes {
			if e.Type == "issued_code" {
				packs = append(packs, a.Value)
			}
		}
	}
	if len(packs) != 4 {
		t.Fatalf("split issued %v", packs)
	}
	toShop := must(c.Send(ctx, market, &types.MsgDispatch{Buyer: shopU, Items: []*types.CodeQuantity{{Code: packs[0], Quantity: 5000}, {Code: packs[1], Quantity: 5000}, {Code: code(2), Quantity: 20_000}}}))
	toDiner := must(c.Send(ctx, market, &types.MsgDispatch{Buyer: dinerU, Items: []*types.CodeQuantity{{Code: packs[2], Quantity: 5000}}}))
	must(c.Send(ctx, shop, &types.MsgReceive{Consignment: mustHex(t, eventValue(t, toShop, "dispatch", "consignment")),
		Received: []*types.CodeQuantity{{Code: packs[0], Quantity: 5000}, {Code: packs[1], Quantity: 5000}, {Code: code(2), Quantity: 20_000}}}))
	must(c.Send(ctx, diner, &types.MsgReceive{Consignment: mustHex(t, eventValue(t, toDiner, "dispatch", "consignment")),
		Received: []*types.CodeQuantity{{Code: packs[2], Quantity: 5000}}}))
	must(c.Send(ctx, shop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: packs[0], Quantity: 5000}, {Code: code(2), Quantity: 1500}}}))
	must(c.Send(ctx, diner, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{{Code: packs[2], Quantity: 2000}}}))

	var tr types.Trace
	if _, err := c.QueryInto(ctx, "/trace/forward?batch="+url.QueryEscape(impU+"/NO-2026-06"), &tr); err != nil {
		t.Fatal(err)
	}
	want := []string{impU, marketU, shopU, dinerU}
	sort.Strings(want)
	if fmt.Sprint(tr.Enterprises) != fmt.Sprint(want) {
		t.Fatalf("forward trace reaches %v, want %v", tr.Enterprises, want)
	}
	got := map[string]uint64{}
	for _, s := range tr.Steps {
		if s.BizStep == "receiving" || s.BizStep == "commissioning" {
			got[s.BizStep+">"+s.To] += s.Quantity
		}
	}
	wantQ := map[string]uint64{
		"commissioning>" + impU: 100 * 20_000,
		"receiving>" + marketU:  10*20_000 - 300,
		"receiving>" + shopU:    2*5000 + 20_000,
		"receiving>" + dinerU:   5000,
	}
	if fmt.Sprint(got) != fmt.Sprint(wantQ) {
		t.Fatalf("trace quantities %v, want %v", got, wantQ)
	}
	var rec types.CodeRecord
	if _, err := c.QueryInto(ctx, "/trace/code?code="+url.QueryEscape(code(0)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Discrepancy != 300 || rec.HeldBy(marketU) != 19_700 || !rec.Conserved() {
		t.Fatalf("carton 0: %v", &rec)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
