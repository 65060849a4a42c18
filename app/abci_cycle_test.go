package app

import (
	"bytes"
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// TestABCICycle goes CheckTx → FinalizeBlock → Commit → Query with a proof
// verified against the committed app hash.
func TestABCICycle(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock() // height 1: genesis state saved
	root, city := testKey("root"), testKey("city")
	raw := c.tx(root, regRegulator(cityDiv, "Hangzhou Market Supervision", city))

	chk, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil || chk.Code != 0 {
		t.Fatalf("CheckTx: code %d %s %v", chk.Code, chk.Log, err)
	}
	// The same tx again is a replay, refused by the mempool's view.
	chk, _ = c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if chk.Code != types.ErrBadSequence.Code {
		t.Fatalf("replayed CheckTx: code %d, want %d", chk.Code, types.ErrBadSequence.Code)
	}
	res := c.block(raw)
	if res[0].Code != 0 {
		t.Fatalf("FinalizeBlock: %d %s", res[0].Code, res[0].Log)
	}
	if len(res[0].Events) != 1 || res[0].Events[0].Type != "register_regulator" {
		t.Fatalf("events = %v", res[0].Events)
	}
	hash := c.appHash()

	q := c.query("/registry/regulator/"+cityDiv, true)
	if q.Code != 0 || q.Height != c.height {
		t.Fatalf("query: code %d %s height %d", q.Code, q.Log, q.Height)
	}
	var r types.Regulator
	if err := proto.Unmarshal(q.Value, &r); err != nil {
		t.Fatal(err)
	}
	if r.Name != "Hangzhou Market Supervision" || r.Parent != "330000" || r.Status != types.Status_STATUS_ACTIVE {
		t.Fatalf("regulator = %v", &r)
	}
	if !verifyOp(t, q, hash) {
		t.Fatal("membership proof does not verify against the app hash")
	}
	tampered := append([]byte{}, q.Value...)
	tampered[len(tampered)-1] ^= 1
	var p ics23.CommitmentProof
	if err := p.Unmarshal(q.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if state.VerifyProof(hash, &p, q.Key, tampered) {
		t.Fatal("proof verified a tampered value")
	}

	// Not found: code ErrNotFound with a non-membership proof.
	q = c.query("/registry/regulator/330200", true)
	if q.Code != types.ErrNotFound.Code || q.Codespace != types.Codespace {
		t.Fatalf("absent regulator: code %d %s", q.Code, q.Codespace)
	}
	if !verifyOp(t, q, hash) {
		t.Fatal("non-membership proof does not verify")
	}

	// A query of the previous height still sees the state before the tx.
	prev, _ := c.app.Query(context.Background(), &abci.RequestQuery{Path: "/registry/regulator/" + cityDiv, Height: c.height - 1})
	if prev.Code != types.ErrNotFound.Code {
		t.Fatalf("query at height %d: code %d, want not found", c.height-1, prev.Code)
	}
	future, _ := c.app.Query(context.Background(), &abci.RequestQuery{Path: "/params", Height: c.height + 5})
	if future.Code != types.ErrHeightUnavailable.Code {
		t.Fatalf("future height: code %d", future.Code)
	}
	if bad := c.query("/registry/nothing", false); bad.Code != types.ErrUnknownQuery.Code {
		t.Fatalf("unknown path: code %d", bad.Code)
	}
}

func verifyOp(t *testing.T, q *abci.ResponseQuery, root []byte) bool {
	t.Helper()
	if q.ProofOps == nil || len(q.ProofOps.Ops) != 1 || q.ProofOps.Ops[0].Type != state.ProofOpType {
		t.Fatalf("proof ops = %v", q.ProofOps)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(q.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q.ProofOps.Ops[0].Key, q.Key) {
		t.Fatal("proof op key differs from the response key")
	}
	return state.VerifyProof(root, &p, q.Key, q.Value)
}

// TestPrepareProposalDropsGaps: a proposal keeps txs in mempool order but
// leaves out garbage and any tx whose sequence does not follow its signer's.
func TestPrepareProposalDropsGaps(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock()
	root := testKey("root")
	s0 := signTx(t, root, testChainID, 0, regRegulator(cityDiv, "Hangzhou", testKey("city")))
	s1 := signTx(t, root, testChainID, 1, regRegulator(otherCityDiv, "Ningbo", testKey("ningbo")))
	s3 := signTx(t, root, testChainID, 3, regRegulator("330300", "Wenzhou", testKey("wz")))
	stranger := signTx(t, testKey("nobody"), testChainID, 0, regRegulator("330400", "Jiaxing", testKey("jx")))
	res, err := c.app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{
		Txs: [][]byte{s0, s3, []byte("garbage"), stranger, s1}, MaxTxBytes: 1 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Txs) != 2 || !bytes.Equal(res.Txs[0], s0) || !bytes.Equal(res.Txs[1], s1) {
		t.Fatalf("proposal has %d txs, want s0 and s1 in order", len(res.Txs))
	}
}
