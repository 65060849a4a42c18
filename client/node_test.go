package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// testNode is a real single-validator node in a temp home.
type testNode struct {
	home string
	rpc  string
	c    *client.Client
	root ed25519.PrivateKey
}

func startNode(t *testing.T) *testNode {
	n := testnode.Start(t, "verify-test")
	return &testNode{home: n.Home, rpc: n.RPC, c: n.Client, root: n.Root}
}

func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("client test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

func uscc(body string) string {
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// journey registers a city, an importer and a market, commissions a code and
// moves part of it, so the code has a history of three events.
func (n *testNode) journey(t *testing.T) (code string) {
	t.Helper()
	ctx := context.Background()
	city, imp, market := key("city"), key("importer"), key("market")
	impU, marketU := uscc("91330100MA2AAAAA1"), uscc("91330100MA2BBBBB1")
	must := func(res *client.TxResult, err error) *client.TxResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	must(n.c.Send(ctx, n.root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(city)}}))
	must(n.c.Send(ctx, city,
		&types.MsgRegisterEnterprise{Uscc: impU, Name: "Importer", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: "330100", Keys: [][]byte{pub(imp)}},
		&types.MsgRegisterEnterprise{Uscc: marketU, Name: "Market", Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: "330100", Keys: [][]byte{pub(market)}}))
	code = "/01/09521234543213/10/L1/21/0001"
	must(n.c.Send(ctx, imp, &types.MsgCommission{Batch: "L1", Facts: &types.ProductFacts{
		Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "CN", ProductionDate: "2026-06-01", ShelfLifeDays: 540,
	}, Codes: []*types.NewCode{{Code: code, Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}))
	// Many txs of one key in flight: a Signer counts sequences itself.
	s := n.c.Signer(imp)
	var last *client.TxResult
	for i := 0; i < 3; i++ {
		last = must(s.Broadcast(ctx, &types.MsgDispatch{Buyer: marketU, Items: []*types.CodeQuantity{{Code: code, Quantity: 1000}}}))
	}
	done := must(n.c.Wait(ctx, last.Hash))
	// Verified queries read the height before the latest (its header's
	// successor proves it): wait until that height holds the journey.
	for {
		st, err := n.c.RPC().Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.SyncInfo.LatestBlockHeight > done.Height {
			return code
		}
		time.Sleep(20 * time.Millisecond)
	}
}
