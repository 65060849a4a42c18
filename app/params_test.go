package app

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// TestParamsChangeAtItsHeight: the root regulator schedules new supervision
// parameters (New Zealand joins the exempt origins) for a future height.
// Goods commissioned before it still need a warehouse, goods commissioned
// from it on do not; what may not change that way is refused, and under
// rules v1 the message does not exist.
func TestParamsChangeAtItsHeight(t *testing.T) {
	root, imp := testKey("root"), testKey("importer")
	c := &testChain{t: t, app: NewInMemory(), seq: map[string]uint64{}}
	g := &types.GenesisState{Params: types.DefaultParams(), RulesVersion: types.LatestRules,
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(root)}}}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState}); err != nil {
		t.Fatal(err)
	}
	c.mustBlock(c.tx(root, regEnterprise(importerUSCC, "330100", types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, imp))) // 1

	exempt := proto.Clone(types.DefaultParams()).(*types.Params)
	exempt.SupervisionExemptOrigins = []string{"CN", "NZ"}
	bigger := proto.Clone(exempt).(*types.Params)
	bigger.MaxTxBytes *= 2
	res := c.block( // 2
		c.tx(imp, &types.MsgSetParams{Params: exempt, Height: 4, Reason: "NZ exempt"}),
		c.tx(root, &types.MsgSetParams{Params: exempt, Height: 2, Reason: "now"}),
		c.tx(root, &types.MsgSetParams{Params: bigger, Height: 4, Reason: "bigger txs"}),
		c.tx(root, &types.MsgSetParams{Params: exempt, Height: 4, Reason: "NZ exempt"}),
	)
	for i, want := range []uint32{types.ErrUnauthorized.Code, types.ErrInvalidField.Code, types.ErrInvalidField.Code, 0} {
		if res[i].Code != want {
			t.Fatalf("tx %d: code %d (%s), want %d", i, res[i].Code, res[i].Log, want)
		}
	}
	commission := func(batch string) *types.MsgCommission {
		return &types.MsgCommission{Batch: batch, Facts: &types.ProductFacts{Name: "Frozen lamb", Category: "frozen meat", OriginCountry: "NZ",
			ProductionDate: "2023-11-01", ShelfLifeDays: 365}, Codes: []*types.NewCode{{Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	}
	c.mustBlock(c.tx(imp, commission("BEFORE"))) // 3: the old parameters
	c.mustBlock(c.tx(imp, commission("FROM")))   // 4: the new ones, before the block's txs
	st := snapshotState(t, c.app)
	for batch, supervised := range map[string]bool{"BEFORE": true, "FROM": false} {
		b, err := st.Batch(importerUSCC + "/" + batch)
		if err != nil || b == nil || b.Supervised != supervised {
			t.Fatalf("batch %s: %+v %v, want supervised %v", batch, b, err, supervised)
		}
	}
	if p, err := st.Params(); err != nil || !proto.Equal(p, exempt) {
		t.Fatalf("params at height 4: %v %v", p, err)
	}
	if r, err := st.Rules(); err != nil || len(r.ParamsScheduled) != 0 {
		t.Fatalf("the applied change is still scheduled: %+v %v", r, err)
	}

	// Under rules v1 the message does not exist, as the v1 binary had it.
	v1 := newTestChain(t)
	if r := v1.block(signTx(t, root, testChainID, 0, &types.MsgSetParams{Params: exempt, Height: 9, Reason: "x"}))[0]; r.Code != types.ErrTxDecode.Code {
		t.Fatalf("under v1: code %d %s", r.Code, r.Log)
	}
}
