package app

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// goldenV3File is a chain written under rules v3 by the binary of the v3
// era, in the format of the v2 one: a supervision scenario that includes
// what v3 got wrong (a pallet entered into a supervision warehouse failed
// inside the node, code 1), and blocks from the block-execution generator.
const goldenV3File = "testdata/rules_v3_chain.json"

// goldenV3Scenario: imported goods through the supervision warehouse under
// rules v3, palletised there, entered (the pallet: code 1 under v3; then
// each code), tested, certified by customs, released, sold.
func goldenV3Scenario(t *testing.T) *svChain {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	const decl = "310120230000888888"
	c.ok(c.tx(kSVCustoms, svDeclare(decl, 100_000)))
	c.ok(c.tx(kImp, svCommission("EC-G3", svImportedFacts(decl), 4, 10_000)))
	var codes []string
	var items []any
	for i := 1; i <= 4; i++ {
		codes = append(codes, svCode("EC-G3", svSerial(i)))
		items = append(items, codes[i-1], 10_000)
	}
	svReceiveAll(t, c, kSVWH, svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(items...)}))))
	c.ok(c.tx(kSVWH, &types.MsgAggregate{Unit: svUnit, Items: svItems(codes[0], 10_000, codes[1], 10_000)}))
	if res := c.block(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{svUnit}}))[0]; res.Code != types.ErrInternal.Code {
		t.Fatalf("the v3 binary's pallet entry: code %d (%s), the scenario records code 1", res.Code, res.Log)
	}
	c.ok(c.tx(kSVWH, &types.MsgDisaggregate{Unit: svUnit}))
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: codes}))
	c.ok(c.tx(kSVWH, v3Sample(v3Batch("EC-G3"))))
	c.ok(c.tx(kSVCustoms, v3Inspect(v3Batch("EC-G3"), "IQ-310100-2023-0777")))
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: codes, DisinfectionCertificate: "DS-7"}))
	toMkt := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(codes[0], 10_000, codes[1], 10_000)})))
	c.ok(c.tx(kMarket, &types.MsgReceive{Consignment: toMkt, Received: svItems(codes[0], 10_000, codes[1], 9_000), Note: "one carton short"}))
	c.ok(c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(codes[0], 1_000)}))
	c.block(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(codes[2], 1)})) // not the shop's
	return c
}

// TestGenerateGoldenV3 writes the golden chain when GOLDEN_V3_OUT names a
// file; it was run once with the last binary whose newest rules were v3:
//
//	GOLDEN_V3_OUT=$PWD/app/testdata/rules_v3_chain.json go test ./app -run TestGenerateGoldenV3
func TestGenerateGoldenV3(t *testing.T) {
	out := os.Getenv("GOLDEN_V3_OUT")
	if out == "" {
		t.Skip("set GOLDEN_V3_OUT to write the golden chain (only with the binary of the v3 era)")
	}
	generateGolden(t, out, types.RulesV3, rand.NewPCG(0x3B3B, 0x0E0F), goldenV3Scenario(t))
}

// TestRulesV3HistoryReplays: the blocks a v3 chain committed, code 1 of
// the pallet entry included, execute on this binary to the same result
// codes and app hashes, whatever later rule versions changed.
func TestRulesV3HistoryReplays(t *testing.T) {
	accepted := 0
	for _, ch := range loadGoldenChains(t, goldenV3File).Chains {
		t.Run(ch.Name, func(t *testing.T) { accepted += replayRecorded(t, ch, "v3") })
	}
	// The generator accepts few txs under v3's stricter fields; the scenario
	// carries the lifecycle.
	if accepted < 25 {
		t.Fatalf("only %d txs accepted in the golden chains: they exercise too little", accepted)
	}
}
