package state

import (
	"reflect"
	"testing"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
)

// FuzzReadProofs: the proofs of a real scan, one op of which a hostile
// node replaced (or added) with the fuzzer's key and data (no key: a batch
// op), read and walked
// over a range of the fuzzer's choosing. Nothing panics or loops, and a
// walk that ends without a RangeError gives exactly the tree's keys.
func FuzzReadProofs(f *testing.F) {
	s := rangeSnapshot(f)
	root := s.Hash()
	rec := NewRecorder(s)
	if err := rec.Iterate(nil, nil, func(_, _ []byte) bool { return true }); err != nil {
		f.Fatal(err)
	}
	ops, err := s.ProofOps(rec.Keys())
	if err != nil {
		f.Fatal(err)
	}
	for i, op := range ops.Ops {
		f.Add(uint8(i), op.Key, op.Data, []byte("a"), []byte("b"))
	}
	batch, err := s.BatchProofOps(rec.Keys())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(255), []byte("a2"), ops.Ops[0].Data, []byte(""), []byte(""))
	f.Add(uint8(0), []byte{}, batch.Ops[0].Data, []byte("a"), []byte("b")) // every proof again, as one batch
	f.Add(uint8(1), []byte{}, []byte{0x12, 0x00}, []byte("a3"), []byte("a3\x00\x00"))
	f.Fuzz(func(t *testing.T, i uint8, key, data, start, end []byte) {
		mine := append([]cmtcrypto.ProofOp(nil), ops.Ops...)
		op := cmtcrypto.ProofOp{Type: ProofOpType, Key: key, Data: data}
		if len(key) == 0 {
			op.Type = BatchProofOpType
		}
		if int(i) < len(mine) {
			mine[i] = op
		} else {
			mine = append(mine, op)
		}
		p, err := ReadProofs(mine, root)
		if err != nil {
			return
		}
		if len(start) == 0 {
			start = nil
		}
		if len(end) == 0 {
			end = nil
		}
		var got []kvPair
		if err := p.Iterate(start, end, func(k, v []byte) bool {
			got = append(got, kvPair{string(k), string(v)})
			return true
		}); err != nil {
			return
		}
		var want []kvPair
		if err := s.Iterate(start, end, func(k, v []byte) bool {
			want = append(want, kvPair{string(k), string(v)})
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("proven walk of [%q, %q) = %q, the tree has %q", start, end, got, want)
		}
	})
}
