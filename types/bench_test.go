package types_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func benchTx(b *testing.B, events int) []byte {
	seed := sha256.Sum256([]byte("bench"))
	key := ed25519.NewKeyFromSeed(seed[:])
	m := &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL}
	for i := 0; i < events; i++ {
		m.Items = append(m.Items, &types.CodeQuantity{Code: "/01/09521234543213/10/B1/21/" + string(rune('A'+i%26)) + string(rune('A'+i/26%26)) + string(rune('A'+i/676)), Quantity: 500})
	}
	body := &types.TxBody{ChainId: "bench", Signer: key.Public().(ed25519.PublicKey), Sequence: 1, Messages: []*types.Msg{types.WrapMsg(m)}}
	bb, err := proto.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := proto.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(key, types.SignBytes(bb))})
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

var lim = types.Limits{ChainID: "bench", MaxTxBytes: 1 << 20, MaxMsgsPerTx: 100}

// BenchmarkDecodeTx: the stateless checks of a one-event tx, signature included.
func BenchmarkDecodeTx(b *testing.B) {
	raw := benchTx(b, 1)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := types.DecodeTx(raw, lim, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTxNoSignature: the same without the ed25519 verification
// (a mempool recheck, or a tx whose signature this node already checked).
func BenchmarkDecodeTxNoSignature(b *testing.B) {
	raw := benchTx(b, 1)
	for b.Loop() {
		if _, err := types.DecodeTx(raw, lim, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTx100: a tx of 100 events (codes), signature included.
func BenchmarkDecodeTx100(b *testing.B) {
	raw := benchTx(b, 100)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := types.DecodeTx(raw, lim, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCode: one GS1 Digital Link URI to its canonical form.
func BenchmarkParseCode(b *testing.B) {
	for b.Loop() {
		if _, err := types.ParseCode("https://id.example.com/01/09521234543213/10/B2026-07/21/0001"); err != nil {
			b.Fatal(err)
		}
	}
}
