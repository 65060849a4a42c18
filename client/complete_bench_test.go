package client_test

import (
	"fmt"
	"net/url"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/query"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// benchBatches and benchCodes size the tree the benchmarks read: ten
// batches of 1,000 codes, each code with its record, one history entry, a
// batch index entry and a holding (about 40,000 keys), so proofs have the
// depth of a small province's tree.
const benchBatches, benchCodes = 10, 1000

func benchState(b *testing.B) (*state.Snapshot, string) {
	b.Helper()
	tr := state.OpenMemory(state.Options{})
	b.Cleanup(func() { _ = tr.Close() })
	st := state.New(tr)
	holder := uscc("91330100MA2AAAAA1")
	var first string
	for n := 0; n < benchBatches; n++ {
		id := fmt.Sprintf("%s/B%02d", holder, n)
		if first == "" {
			first = id
		}
		if err := st.SetBatch(&types.Batch{Id: id, Batch: fmt.Sprintf("B%02d", n), Commissioner: holder, Codes: benchCodes}); err != nil {
			b.Fatal(err)
		}
		var codes []string
		for i := 0; i < benchCodes; i++ {
			codes = append(codes, fmt.Sprintf("/01/09521234543213/10/B%02d/21/%06d", n, i))
		}
		// One commissioning event per hundred codes, as one message commissions many.
		for k := 0; k < benchCodes; k += 100 {
			ev := &types.Event{BizStep: "commissioning", Height: 1, Actor: holder, Codes: codes[k : k+100],
				Msg: types.WrapMsg(&types.MsgCommission{Batch: fmt.Sprintf("B%02d", n)})}
			eb, eh, err := st.PutEvent(ev)
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range codes[k : k+100] {
				rec := &types.CodeRecord{Code: c, BatchId: id, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES, Commissioned: 1, CommissionedHeight: 1}
				if err := st.AppendHistory(rec, eb, eh); err != nil {
					b.Fatal(err)
				}
				if err := st.SetCode(rec); err != nil {
					b.Fatal(err)
				}
				if err := st.IndexBatchCode(id, c); err != nil {
					b.Fatal(err)
				}
				if err := st.SetHolding(holder, c, 1); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if _, _, err := tr.SaveVersion(); err != nil {
		b.Fatal(err)
	}
	snap, err := tr.Immutable(1)
	if err != nil {
		b.Fatal(err)
	}
	return snap, first
}

// proveOver answers path over snap as a node does, proving every key the
// Recorder names: one op each, as app.Query does, or with batch all of them
// in one compressed op (state.Snapshot.BatchProofOps).
func proveOver(b *testing.B, snap *state.Snapshot, path string, batch bool) *abci.ResponseQuery {
	rec := state.NewRecorder(snap)
	res, err := query.Answer(rec, 1, path)
	if err != nil {
		b.Fatal(err)
	}
	res.Height = 1
	if batch {
		if res.ProofOps, err = snap.BatchProofOps(rec.Keys()); err != nil {
			b.Fatal(err)
		}
		return res
	}
	res.ProofOps = &cmtcrypto.ProofOps{}
	for _, k := range rec.Keys() {
		_, p, err := snap.Prove(k)
		if err != nil {
			b.Fatal(err)
		}
		data, err := p.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		res.ProofOps.Ops = append(res.ProofOps.Ops, cmtcrypto.ProofOp{Type: state.ProofOpType, Key: k, Data: data})
	}
	return res
}

// batchPages are the ten pages of 100 that list a batch of 1,000 codes.
func batchPages(b *testing.B, snap *state.Snapshot, batch string, compressed bool) (paths []string, answers []*abci.ResponseQuery) {
	after := ""
	for {
		path := "/trace/batch-codes?limit=100&id=" + url.QueryEscape(batch)
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		res := proveOver(b, snap, path, compressed)
		paths, answers = append(paths, path), append(answers, res)
		page := &types.CodeList{}
		if err := proto.Unmarshal(res.Value, page); err != nil {
			b.Fatal(err)
		}
		if page.Next == "" {
			return paths, answers
		}
		after = page.Next
	}
}

func proofBytes(answers ...*abci.ResponseQuery) (ops, size int) {
	for _, res := range answers {
		for _, op := range res.ProofOps.Ops {
			ops++
			size += op.Size()
		}
	}
	return ops, size
}

// BenchmarkBatchCodesProof: a batch of 1,000 codes listed in ten pages of
// 100: the node's work to answer and prove them, the client's to verify
// them, and the proof's size (docs/PERFORMANCE.md).
func BenchmarkBatchCodesProof(b *testing.B) {
	snap, batch := benchState(b)
	for _, form := range []struct {
		name       string
		compressed bool
	}{{"ops", false}, {"batch", true}} {
		b.Run("prove-"+form.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				batchPages(b, snap, batch, form.compressed)
			}
		})
		paths, answers := batchPages(b, snap, batch, form.compressed)
		ops, size := proofBytes(answers...)
		b.Run("verify-"+form.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j, res := range answers {
					if _, err := client.VerifyAnswer(res, paths[j], snap.Hash()); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(ops), "proof-ops")
			b.ReportMetric(float64(size), "proof-bytes")
		})
	}
}

// BenchmarkForwardTraceProof: the forward trace of a 1,000-code batch, one
// answer reading every code's record, history and event.
func BenchmarkForwardTraceProof(b *testing.B) {
	snap, batch := benchState(b)
	path := "/trace/forward?batch=" + url.QueryEscape(batch)
	for _, form := range []struct {
		name       string
		compressed bool
	}{{"ops", false}, {"batch", true}} {
		b.Run("prove-"+form.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				proveOver(b, snap, path, form.compressed)
			}
		})
		res := proveOver(b, snap, path, form.compressed)
		ops, size := proofBytes(res)
		b.Run("verify-"+form.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := client.VerifyAnswer(res, path, snap.Hash()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ops), "proof-ops")
			b.ReportMetric(float64(size), "proof-bytes")
		})
	}
}
