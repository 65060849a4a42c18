package client_test

import (
	"bytes"
	"net/url"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// FuzzVerifyProofOps feeds the answer verifier a real proven answer whose
// proof ops a hostile node rewrote: op i (or a new op, when i is past the
// end) gets the fuzzer's type, key and data, and the answer's value may be
// replaced. Nothing panics, and whatever verifies against the real app
// hash gives the real answer: proofs cannot be forged.
func FuzzVerifyProofOps(f *testing.F) {
	_, b, _ := realBundle(f)
	v, err := b.Verify()
	if err != nil {
		f.Fatal(err)
	}
	orig := v.Response
	ops := orig.ProofOps.Ops
	first, lastOp := ops[0], ops[len(ops)-1]
	f.Add(uint8(0), first.Type, first.Key, first.Data, []byte{}, false)                        // untouched
	f.Add(uint8(0), "ics23:simple", first.Key, first.Data, []byte{}, false)                    // wrong type
	f.Add(uint8(0), first.Type, lastOp.Key, first.Data, []byte{}, false)                       // mismatched key
	f.Add(uint8(0), first.Type, first.Key, lastOp.Data, []byte{}, false)                       // another key's proof
	f.Add(uint8(1), first.Type, first.Key, []byte{}, []byte{}, false)                          // empty data
	f.Add(uint8(1), first.Type, first.Key, bytes.Repeat([]byte{0x0a}, 1<<16), []byte{}, false) // huge data
	f.Add(uint8(255), first.Type, []byte("absent key"), first.Data, []byte{}, false)           // extra op
	f.Add(uint8(0), first.Type, first.Key, first.Data, []byte("forged answer"), false)         // forged value
	f.Add(uint8(0), first.Type, first.Key, first.Data, []byte{}, true)                         // no ops at all
	f.Add(uint8(0), first.Type, []byte{}, []byte{0x12, 0x00}, []byte{}, false)                 // empty non-existence proof
	f.Add(uint8(0), first.Type, []byte{}, []byte{0x0a, 0x02, 0x0a, 0x00}, []byte{}, false)     // existence proof without key
	f.Fuzz(func(t *testing.T, i uint8, typ string, key, data, value []byte, dropAll bool) {
		res := &abci.ResponseQuery{}
		raw, err := orig.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		op := cmtcrypto.ProofOp{Type: typ, Key: key, Data: data}
		switch {
		case dropAll:
			res.ProofOps = nil
		case int(i) < len(res.ProofOps.Ops):
			res.ProofOps.Ops[i] = op
		default:
			res.ProofOps.Ops = append(res.ProofOps.Ops, op)
		}
		if len(value) > 0 {
			res.Value = value
		}
		if _, err := client.VerifyAnswer(res, b.Path, v.AppHash); err != nil {
			return
		}
		if !bytes.Equal(res.Value, orig.Value) || res.Code != orig.Code {
			t.Fatalf("a rewritten answer verified: %d bytes, code %d", len(res.Value), res.Code)
		}
	})
}

// TestVerifyAnswerHostile: answers no node should send are refused with a
// verification error, never a panic.
func TestVerifyAnswerHostile(t *testing.T) {
	appHash := bytes.Repeat([]byte{1}, 32)
	for _, tc := range []struct {
		name string
		res  *abci.ResponseQuery
		hash []byte
	}{
		{"nil answer", nil, appHash},
		{"no app hash", &abci.ResponseQuery{ProofOps: &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: state.ProofOpType}}}}, nil},
		{"empty ops", &abci.ResponseQuery{ProofOps: &cmtcrypto.ProofOps{}}, appHash},
		{"empty op", &abci.ResponseQuery{ProofOps: &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: state.ProofOpType}}}}, appHash},
		{"wrong type", &abci.ResponseQuery{ProofOps: &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: "simple:v"}}}}, appHash},
		{"garbage data", &abci.ResponseQuery{ProofOps: &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: state.ProofOpType, Key: []byte("k"), Data: []byte{0xff, 0xff}}}}}, appHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := client.VerifyAnswer(tc.res, "/registry/regulator/330100", tc.hash); err == nil {
				t.Fatal("verified")
			}
		})
	}
}

// FuzzVerifyListProofs feeds the answer verifier a real proven list (the
// codes of a batch, proven complete by non-existence gaps) whose proofs a
// hostile node rewrote: op i loses its data to the fuzzer's, or its key,
// or is dropped, or a new op is added, and the list itself may be
// replaced. Nothing panics, and whatever verifies is the real list.
func FuzzVerifyListProofs(f *testing.F) {
	ls := newListState(f)
	path := "/trace/batch-codes?id=" + url.QueryEscape(ls.batch)
	orig := ls.answerOver(f, ls.snap, path)
	root := ls.snap.Hash()
	if _, err := client.VerifyAnswer(orig, path, root); err != nil {
		f.Fatal(err)
	}
	ops := orig.ProofOps.Ops
	gap := ops[len(ops)-1]
	short := &types.CodeList{}
	if err := proto.Unmarshal(orig.Value, short); err != nil {
		f.Fatal(err)
	}
	short.Codes = short.Codes[1:]
	shortValue, err := proto.Marshal(short)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), uint8(0), gap.Key, gap.Data, []byte{})                   // untouched
	f.Add(uint8(1), uint8(1), gap.Key, gap.Data, []byte{})                   // gap proof dropped
	f.Add(uint8(1), uint8(2), ops[0].Key, gap.Data, []byte{})                // another gap's proof
	f.Add(uint8(2), uint8(3), gap.Key, gap.Data, []byte{})                   // key moved
	f.Add(uint8(0), uint8(0), gap.Key, gap.Data, shortValue)                 // a code left out
	f.Add(uint8(255), uint8(2), []byte("\x0f"), gap.Data, []byte{})          // extra op
	f.Add(uint8(1), uint8(2), gap.Key, gap.Data[:len(gap.Data)/2], []byte{}) // truncated
	f.Fuzz(func(t *testing.T, i, how uint8, key, data, value []byte) {
		res := orig
		if raw, err := orig.Marshal(); err == nil {
			res = &abci.ResponseQuery{}
			if err := res.Unmarshal(raw); err != nil {
				t.Fatal(err)
			}
		}
		n := len(res.ProofOps.Ops)
		j := int(i) % (n + 1)
		switch how % 4 {
		case 1:
			if j < n {
				res.ProofOps.Ops = append(res.ProofOps.Ops[:j], res.ProofOps.Ops[j+1:]...)
			}
		case 2:
			op := cmtcrypto.ProofOp{Type: state.ProofOpType, Key: key, Data: data}
			if j < n {
				res.ProofOps.Ops[j] = op
			} else {
				res.ProofOps.Ops = append(res.ProofOps.Ops, op)
			}
		case 3:
			if j < n {
				res.ProofOps.Ops[j].Key = append(res.ProofOps.Ops[j].Key, key...)
			}
		}
		if len(value) > 0 {
			res.Value = value
		}
		if _, err := client.VerifyAnswer(res, path, root); err != nil {
			return
		}
		if !bytes.Equal(res.Value, orig.Value) || res.Code != orig.Code {
			t.Fatalf("a rewritten list verified: %d bytes, code %d", len(res.Value), res.Code)
		}
	})
}
