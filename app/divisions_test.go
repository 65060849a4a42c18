package app

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/types"
)

// newTestChainV2 is newTestChain under the latest rules.
func newTestChainV2(t *testing.T) *testChain {
	t.Helper()
	c := &testChain{t: t, app: NewInMemory(), seq: map[string]uint64{}}
	g := &types.GenesisState{Params: types.DefaultParams(), RulesVersion: types.LatestRules,
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(testKey("root"))}}}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDivisionsThatExist: from rules v2 a well-formed code that no GB/T 2260
// division has is refused (code 14) until the root regulator adds it; under
// v1 it was accepted, and still is.
func TestDivisionsThatExist(t *testing.T) {
	root, hz := testKey("root"), testKey("hz")
	c := newTestChainV2(t)
	c.mustBlock(c.tx(root, regRegulator("330100", "Hangzhou", hz)))
	res := c.block(
		c.tx(root, regRegulator("339999", "Nowhere", testKey("k1"))),
		c.tx(root, regRegulator("330199", "Nowhere district", testKey("k2"))),
		c.tx(hz, regEnterprise(importerUSCC, "330199", types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, testKey("imp"))),
		c.tx(hz, &types.MsgAddDivision{Division: "330199", Name: "A new district", Reason: "created by the State Council"}),
		c.tx(root, &types.MsgAddDivision{Division: "330106", Name: "Xihu", Reason: "x"}),
		c.tx(root, &types.MsgAddDivision{Division: "330199", Name: "A new district", Reason: "created by the State Council"}),
		c.tx(root, &types.MsgAddDivision{Division: "330199", Name: "Again", Reason: "x"}),
		c.tx(hz, regEnterprise(importerUSCC, "330199", types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, testKey("imp"))),
		c.tx(root, regRegulator("330199", "The new district", testKey("k3"))),
	)
	want := []uint32{types.ErrInvalidDivision.Code, types.ErrInvalidDivision.Code, types.ErrInvalidDivision.Code, types.ErrUnauthorized.Code,
		types.ErrAlreadyExists.Code, 0, types.ErrAlreadyExists.Code, 0, 0}
	for i, w := range want {
		if res[i].Code != w {
			t.Errorf("tx %d: code %d (%s), want %d", i, res[i].Code, res[i].Log, w)
		}
	}
	v1 := newTestChain(t)
	v1.mustBlock(v1.tx(root, regRegulator("339999", "Accepted under v1", testKey("k4"))))
}
