package types_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// fuzzSeeds are valid txs of several message types, so the fuzzer starts
// from protobuf of the right shape and mutates its contents.
func fuzzSeedBodies(f *testing.F) [][]byte {
	f.Helper()
	msgs := []proto.Message{
		validRegisterEnterprise(),
		&types.MsgCommission{Batch: "B1", Facts: &types.ProductFacts{Name: "Frozen shrimp", Category: "frozen shrimp", OriginCountry: "EC", ProductionDate: "2026-01-01", ShelfLifeDays: 365},
			Codes: []*types.NewCode{{Code: "(01)09521234543213(10)B1(21)S1", Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}},
		&types.MsgDispatch{Buyer: "91330100716105852F", Items: []*types.CodeQuantity{{Code: "CT-91330100716105852F-1-N", Quantity: 5}}},
		&types.MsgSetValidator{PubKey: pub(3), Power: 10, Operator: "330000"},
		&types.MsgScheduleUpgrade{Version: 3, Height: 100, Reason: "rules v3"},
		&types.MsgAcknowledge{},
	}
	var out [][]byte
	for _, m := range msgs {
		b := body(types.WrapMsg(m))
		bb, err := proto.MarshalOptions{Deterministic: true}.Marshal(b)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, bb)
	}
	return out
}

// FuzzDecodeTx: any bytes. DecodeTx never panics, refuses with a registered
// code, and what it accepts under rules v2 is canonical: re-encoding the
// decoded tx gives the same bytes, so one tx has one hash.
func FuzzDecodeTx(f *testing.F) {
	for _, bb := range fuzzSeedBodies(f) {
		f.Add(signedRaw(&testing.T{}, bb))
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00, 0x12, 0x00})
	lim := testLimits
	lim.MaxTxBytes = 1 << 16
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkDecode(t, raw, lim)
	})
}

// FuzzDecodeSignedBody: the fuzzer writes the body; it is signed with a
// registered key and wrapped canonically, so the checks past the signature
// (messages, fields, values, canonical body) see hostile contents.
func FuzzDecodeSignedBody(f *testing.F) {
	for _, bb := range fuzzSeedBodies(f) {
		f.Add(bb)
	}
	_, priv := testKey(1)
	lim := testLimits
	lim.MaxTxBytes = 1 << 16
	f.Fuzz(func(t *testing.T, bb []byte) {
		raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(priv, types.SignBytes(bb))})
		if err != nil {
			t.Fatal(err)
		}
		checkDecode(t, raw, lim)
	})
}

func checkDecode(t *testing.T, raw []byte, lim types.Limits) {
	d, err := types.DecodeTx(raw, lim, true)
	if err != nil {
		if d != nil {
			t.Fatalf("a tx returned with error %v", err)
		}
		if code, _ := types.CodeOf(err); types.ErrorByCode(code) == nil || code == types.ErrInternal.Code {
			t.Fatalf("refused without a documented code: %v", err)
		}
	} else {
		var tx types.Tx
		if err := proto.Unmarshal(raw, &tx); err != nil {
			t.Fatal(err)
		}
		again, err := proto.MarshalOptions{Deterministic: true}.Marshal(d.Body)
		if err != nil || !bytes.Equal(again, tx.BodyBytes) {
			t.Fatalf("accepted a body that is not canonical")
		}
		if len(d.Msgs) != len(d.Body.Messages) || len(d.Msgs) == 0 {
			t.Fatalf("decoded %d messages of %d", len(d.Msgs), len(d.Body.Messages))
		}
	}
	// Rules v1 are the same checks minus v2's: what v2 accepts, v1 did too,
	// unless it carries a message v2 added.
	v1 := lim
	v1.Rules = types.RulesV1
	if _, err1 := types.DecodeTx(raw, v1, true); err == nil && err1 != nil {
		for _, m := range d.Msgs {
			if _, ok := m.(*types.MsgScheduleUpgrade); ok {
				return
			}
		}
		t.Fatalf("v2 accepted what v1 refused: %v", err1)
	}
}
