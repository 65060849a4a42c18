package types_test

import (
	"crypto/ed25519"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// field appends one length-delimited or varint field as written.
func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func varintField(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

// longVarint encodes v in n bytes, with redundant continuation bytes.
func longVarint(v uint64, n int) []byte {
	out := make([]byte, 0, n)
	for i := 0; i < n-1; i++ {
		out = append(out, byte(v&0x7f)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

func outer(body, sig []byte) []byte { return bytesField(bytesField(nil, 1, body), 2, sig) }

func sign1(body []byte) []byte {
	_, priv := testKey(1)
	return ed25519.Sign(priv, types.SignBytes(body))
}

// TestDecodeTxRefusesNonCanonical builds every re-encoding of a valid,
// correctly signed tx that protobuf still decodes to the same message: from
// rules v2 each is refused with code 40 before any state is read; under v1
// each was accepted, and still is, so history replays.
func TestDecodeTxRefusesNonCanonical(t *testing.T) {
	b := body()
	bb := marshal(t, b)
	sig := sign1(bb)
	msgBytes := marshal(t, b.Messages[0])
	inner := marshal(t, validRegisterEnterprise())

	// Body variants are signed as they are: the signature is valid, only the encoding differs.
	bodyOf := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	chain := bytesField(nil, 1, []byte(b.ChainId))
	signer := bytesField(nil, 2, b.Signer)
	seq := varintField(nil, 3, b.Sequence)
	msg := bytesField(nil, 4, msgBytes)
	memo := bytesField(nil, 5, []byte(b.Memo))
	if string(bodyOf(chain, signer, seq, msg, memo)) != string(bb) {
		t.Fatal("the hand-built body should equal the canonical one")
	}
	// The Msg oneof case 2 (register_enterprise) with the enterprise's fields reordered.
	var reordered []byte
	{
		e := validRegisterEnterprise()
		r := bytesField(nil, 4, []byte(e.Division))
		r = varintField(r, 3, uint64(e.Kind))
		r = bytesField(r, 2, []byte(e.Name))
		r = bytesField(r, 1, []byte(e.Uscc))
		r = bytesField(r, 5, e.Keys[0])
		reordered = bytesField(nil, 2, r)
	}
	bodies := map[string][]byte{
		"body fields out of order":                bodyOf(signer, chain, seq, msg, memo),
		"body field repeated, last one wins":      bodyOf(bytesField(nil, 1, []byte("other-chain")), chain, signer, seq, msg, memo),
		"sequence as a non-minimal varint":        bodyOf(chain, signer, protowire.AppendTag(nil, 3, protowire.VarintType), longVarint(b.Sequence, 3), msg, memo),
		"chain id length as a non-minimal varint": bodyOf(protowire.AppendTag(nil, 1, protowire.BytesType), longVarint(uint64(len(b.ChainId)), 2), []byte(b.ChainId), signer, seq, msg, memo),
		"tag as a non-minimal varint":             bodyOf([]byte{0x8a, 0x00}, protowire.AppendVarint(nil, uint64(len(b.ChainId))), []byte(b.ChainId), signer, seq, msg, memo),
		"explicit default (empty memo) field":     bodyOf(chain, signer, seq, msg, bytesField(nil, 5, nil)),
		"message fields out of order inside":      bodyOf(chain, signer, seq, bytesField(nil, 4, reordered), memo),
		"two oneof cases, the last one wins":      bodyOf(chain, signer, seq, bytesField(nil, 4, bodyOf(bytesField(nil, 28, nil), bytesField(nil, 2, inner))), memo),
	}
	txs := map[string][]byte{
		"outer fields swapped":                         bytesField(bytesField(nil, 2, sig), 1, bb),
		"outer body repeated, last one wins":           bytesField(outer(bb, sig), 1, bb),
		"outer signature repeated":                     bytesField(outer(bb, sig), 2, sig),
		"explicit empty signature before the real one": append(bytesField(nil, 2, nil), outer(bb, sig)...),
		"outer length as a non-minimal varint": append(append(protowire.AppendTag(nil, 1, protowire.BytesType), longVarint(uint64(len(bb)), 3)...),
			append(append([]byte(nil), bb...), bytesField(nil, 2, sig)...)...),
	}
	for name, vb := range bodies {
		txs[name] = outer(vb, sign1(vb))
	}
	v1 := testLimits
	v1.Rules = types.RulesV1
	for name, raw := range txs {
		t.Run(name, func(t *testing.T) {
			var tx types.Tx
			if err := proto.Unmarshal(raw, &tx); err != nil {
				t.Fatalf("the variant must still decode: %v", err)
			}
			if _, err := types.DecodeTx(raw, testLimits, true); err == nil {
				t.Fatal("accepted under the latest rules")
			} else {
				wantCode(t, err, types.ErrNotCanonical)
			}
			if _, err := types.DecodeTx(raw, v1, true); err != nil {
				t.Fatalf("rules v1 accepted it and must still: %v", err)
			}
		})
	}
	if _, err := types.DecodeTx(outer(bb, sig), testLimits, true); err != nil {
		t.Fatalf("the canonical tx: %v", err)
	}
}
