package app

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/types"
)

// TestBadSequenceCarriesTheNextOne: a CheckTx refusal with code 6 gives the
// signer's next sequence as data, for clients to resume from without
// reading the log; other refusals carry none.
func TestBadSequenceCarriesTheNextOne(t *testing.T) {
	c := newTestChain(t)
	root := testKey("root")
	c.mustBlock(c.tx(root, regRegulator("330100", "Hangzhou", testKey("hz"))))
	res, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: signTx(t, root, testChainID, 7, regRegulator("330200", "Ningbo", testKey("nb")))})
	if err != nil || res.Code != types.ErrBadSequence.Code {
		t.Fatalf("CheckTx: %v %+v", err, res)
	}
	if next, ok := types.ExpectedSequence(res.Data); !ok || next != 1 {
		t.Fatalf("data %x: next %d %v, want 1", res.Data, next, ok)
	}
	res, _ = c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: signTx(t, root, testChainID, 1, regRegulator("330100", "Again", testKey("hz2")))})
	if res.Code != types.ErrAlreadyExists.Code || len(res.Data) != 0 {
		t.Fatalf("another refusal: %+v", res)
	}
	if _, ok := types.ExpectedSequence([]byte{1, 2, 3}); ok {
		t.Fatal("3 bytes read as a sequence")
	}
}
