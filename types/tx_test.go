package types_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

const testChainID = "coldtrace-test-1"

var testLimits = types.Limits{ChainID: testChainID, MaxTxBytes: 4096, MaxMsgsPerTx: 3}

func validRegisterEnterprise() *types.MsgRegisterEnterprise {
	return &types.MsgRegisterEnterprise{
		Uscc:     "91330100716105852F",
		Name:     "杭州冷链示范仓储有限公司",
		Kind:     types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE,
		Division: "330106",
		Keys:     [][]byte{pub(2)},
	}
}

// body returns a valid body signed by key 1 carrying msgs (one valid
// MsgRegisterEnterprise when none are given).
func body(msgs ...*types.Msg) *types.TxBody {
	if len(msgs) == 0 {
		msgs = []*types.Msg{types.WrapMsg(validRegisterEnterprise())}
	}
	return &types.TxBody{ChainId: testChainID, Signer: pub(1), Sequence: 7, Messages: msgs, Memo: "dock 3"}
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	return b
}

// signedRaw signs bodyBytes with key 1 the way a client must and returns the broadcast tx.
func signedRaw(t *testing.T, bodyBytes []byte) []byte {
	t.Helper()
	_, priv := testKey(1)
	return marshal(t, &types.Tx{BodyBytes: bodyBytes, Signature: ed25519.Sign(priv, types.SignBytes(bodyBytes))})
}

func appendUnknownField(b []byte) []byte {
	b = protowire.AppendTag(b, 99, protowire.VarintType)
	return protowire.AppendVarint(b, 1)
}

func TestSignBytes(t *testing.T) {
	cases := []struct {
		name string
		body []byte
	}{
		{"nil body", nil},
		{"empty body", []byte{}},
		{"some body", []byte{0x0a, 0x03, 'a', 'b', 'c'}},
		{"body with zero bytes", []byte{0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := types.SignBytes(tc.body)
			want := append([]byte("coldtrace/tx/v1\x00"), tc.body...)
			if !bytes.Equal(got, want) {
				t.Fatalf("SignBytes(%x) = %q, want %q", tc.body, got, want)
			}
			if types.SignDomain != "coldtrace/tx/v1\x00" {
				t.Fatalf("SignDomain = %q", types.SignDomain)
			}
		})
	}
	// The result must not alias the input.
	in := []byte("body")
	out := types.SignBytes(in)
	out[len(out)-1] = 'X'
	if string(in) != "body" {
		t.Fatalf("SignBytes aliases its input: %q", in)
	}
}

func TestTxHash(t *testing.T) {
	raw := []byte("any tx bytes")
	want := sha256.Sum256(raw)
	if got := types.TxHash(raw); !bytes.Equal(got, want[:]) {
		t.Fatalf("TxHash = %x, want %x", got, want)
	}
}

func TestMsgName(t *testing.T) {
	cases := []struct {
		name string
		msg  proto.Message
		want string
	}{
		{"register enterprise", &types.MsgRegisterEnterprise{}, "register_enterprise"},
		{"register regulator", &types.MsgRegisterRegulator{}, "register_regulator"},
		{"add key", &types.MsgAddKey{}, "add_key"},
		{"revoke key", &types.MsgRevokeKey{}, "revoke_key"},
		{"suspend enterprise", &types.MsgSuspendEnterprise{}, "suspend_enterprise"},
		{"reinstate enterprise", &types.MsgReinstateEnterprise{}, "reinstate_enterprise"},
		{"not a case falls back to the type name", &types.Params{}, "Params"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := types.MsgName(tc.msg); got != tc.want {
				t.Fatalf("MsgName(%T) = %q, want %q", tc.msg, got, tc.want)
			}
		})
	}
}

func TestWrapMsgRoundTrip(t *testing.T) {
	inners := []proto.Message{
		validRegisterEnterprise(),
		&types.MsgRegisterRegulator{Division: "330100", Name: "杭州市市场监督管理局", Keys: [][]byte{pub(3)}},
		&types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_REGULATOR, OwnerId: "330100", Key: pub(4)},
		&types.MsgRevokeKey{Key: pub(4), Reason: "lost"},
		&types.MsgSuspendEnterprise{Uscc: "91330100716105852F", Reason: "inspection"},
		&types.MsgReinstateEnterprise{Uscc: "91330100716105852F", Reason: "fixed"},
	}
	for _, inner := range inners {
		t.Run(types.MsgName(inner), func(t *testing.T) {
			got, err := types.WrapMsg(inner).Inner()
			if err != nil {
				t.Fatalf("Inner: %v", err)
			}
			if !proto.Equal(got, inner) {
				t.Fatalf("Inner() = %v, want %v", got, inner)
			}
		})
	}
	t.Run("not a case panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("WrapMsg(&Params{}) did not panic")
			}
		}()
		types.WrapMsg(&types.Params{})
	})
}

func TestDecodeTxAccepts(t *testing.T) {
	second := &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: "91330100716105852F", Key: pub(5), Label: "scanner dock 3"}
	cases := []struct {
		name string
		body *types.TxBody
		lim  types.Limits
		want []proto.Message
	}{
		{
			name: "one register enterprise",
			body: body(),
			lim:  testLimits,
			want: []proto.Message{validRegisterEnterprise()},
		},
		{
			name: "exactly max messages",
			body: body(types.WrapMsg(validRegisterEnterprise()), types.WrapMsg(second), types.WrapMsg(second)),
			lim:  testLimits,
			want: []proto.Message{validRegisterEnterprise(), second, second},
		},
		{
			name: "memo of exactly 256 bytes",
			body: func() *types.TxBody { b := body(); b.Memo = strings.Repeat("m", 256); return b }(),
			lim:  testLimits,
			want: []proto.Message{validRegisterEnterprise()},
		},
		{
			name: "empty memo",
			body: func() *types.TxBody { b := body(); b.Memo = ""; return b }(),
			lim:  testLimits,
			want: []proto.Message{validRegisterEnterprise()},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bodyBytes := marshal(t, tc.body)
			raw := signedRaw(t, bodyBytes)
			d, err := types.DecodeTx(raw, tc.lim, true)
			if err != nil {
				t.Fatalf("DecodeTx: %v", err)
			}
			if !proto.Equal(d.Body, tc.body) {
				t.Fatalf("Body = %v, want %v", d.Body, tc.body)
			}
			if len(d.Msgs) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(d.Msgs), len(tc.want))
			}
			for i := range tc.want {
				if !proto.Equal(d.Msgs[i], tc.want[i]) {
					t.Fatalf("message %d = %v, want %v", i, d.Msgs[i], tc.want[i])
				}
			}
			if _, ok := d.Msgs[0].(*types.MsgRegisterEnterprise); !ok {
				t.Fatalf("message 0 is %T, want *types.MsgRegisterEnterprise", d.Msgs[0])
			}
		})
	}
}

func TestDecodeTxAtSizeLimit(t *testing.T) {
	raw := signedRaw(t, marshal(t, body()))
	lim := testLimits
	lim.MaxTxBytes = len(raw)
	if _, err := types.DecodeTx(raw, lim, true); err != nil {
		t.Fatalf("tx of exactly max_tx_bytes: %v", err)
	}
	lim.MaxTxBytes = len(raw) - 1
	_, err := types.DecodeTx(raw, lim, true)
	wantCode(t, err, types.ErrTxTooLarge)
}

func TestDecodeTxRefuses(t *testing.T) {
	_, priv := testKey(1)
	_, otherPriv := testKey(9)
	sign := func(t *testing.T, b *types.TxBody) []byte { return signedRaw(t, marshal(t, b)) }
	withBody := func(f func(b *types.TxBody)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			b := body()
			f(b)
			return sign(t, b)
		}
	}
	withMsgs := func(msgs ...*types.Msg) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return sign(t, body(msgs...)) }
	}
	withEnterprise := func(f func(m *types.MsgRegisterEnterprise)) func(t *testing.T) []byte {
		m := validRegisterEnterprise()
		f(m)
		return withMsgs(types.WrapMsg(m))
	}
	garbage := func(n int) []byte { return bytes.Repeat([]byte{0xff}, n) }

	cases := []struct {
		name     string
		raw      func(t *testing.T) []byte
		recheck  bool         // DecodeTx with verifySig=false
		want     *types.Error // nil: accepted
		wantText string
	}{
		{
			name: "oversized garbage refused before decoding",
			raw:  func(*testing.T) []byte { return garbage(testLimits.MaxTxBytes + 1) },
			want: types.ErrTxTooLarge, wantText: "4097 bytes, limit 4096",
		},
		{
			name: "garbage at exactly the limit is a decode error",
			raw:  func(*testing.T) []byte { return garbage(testLimits.MaxTxBytes) },
			want: types.ErrTxDecode,
		},
		{
			name: "short garbage",
			raw:  func(*testing.T) []byte { return []byte{0xff, 0xff, 0xff} },
			want: types.ErrTxDecode,
		},
		{
			name: "empty tx is malformed",
			raw:  func(*testing.T) []byte { return nil },
			want: types.ErrTxDecode,
		},
		{
			name: "garbage body bytes",
			raw: func(t *testing.T) []byte {
				return marshal(t, &types.Tx{BodyBytes: []byte{0x22, 0x05, 0x01}, Signature: make([]byte, 64)})
			},
			want: types.ErrTxDecode, wantText: "body",
		},
		{
			name: "unknown field appended to body bytes",
			raw: func(t *testing.T) []byte {
				return signedRaw(t, appendUnknownField(marshal(t, body())))
			},
			want: types.ErrTxDecode, wantText: "unknown fields",
		},
		{
			name: "unknown field appended to tx",
			raw: func(t *testing.T) []byte {
				return appendUnknownField(signedRaw(t, marshal(t, body())))
			},
			want: types.ErrTxDecode, wantText: "unknown fields",
		},
		{
			name: "unknown field inside a message",
			raw: func(t *testing.T) []byte {
				inner := appendUnknownField(marshal(t, validRegisterEnterprise()))
				var m types.MsgRegisterEnterprise
				if err := proto.Unmarshal(inner, &m); err != nil {
					t.Fatal(err)
				}
				return sign(t, body(types.WrapMsg(&m)))
			},
			want: types.ErrTxDecode, wantText: "MsgRegisterEnterprise has unknown fields",
		},
		{
			name: "unknown Msg case (newer client)",
			raw: func(t *testing.T) []byte {
				msg := protowire.AppendTag(nil, 42, protowire.BytesType)
				msg = protowire.AppendBytes(msg, nil)
				b := marshal(t, &types.TxBody{ChainId: testChainID, Signer: pub(1)})
				b = protowire.AppendTag(b, 4, protowire.BytesType)
				b = protowire.AppendBytes(b, msg)
				return signedRaw(t, b)
			},
			want: types.ErrTxDecode,
		},
		{
			name: "invalid UTF-8 in chain id",
			raw: func(t *testing.T) []byte {
				b := protowire.AppendTag(nil, 1, protowire.BytesType)
				b = protowire.AppendString(b, "cold\xfftrace")
				return signedRaw(t, b)
			},
			want: types.ErrTxDecode,
		},
		{
			name: "signer of 31 bytes",
			raw:  withBody(func(b *types.TxBody) { b.Signer = b.Signer[:31] }),
			want: types.ErrInvalidKey, wantText: "31 bytes",
		},
		{
			name: "signer of 33 bytes",
			raw:  withBody(func(b *types.TxBody) { b.Signer = append(b.Signer, 0) }),
			want: types.ErrInvalidKey,
		},
		{
			name: "no signer",
			raw:  withBody(func(b *types.TxBody) { b.Signer = nil }),
			want: types.ErrInvalidKey,
		},
		{
			name: "wrong chain id",
			raw:  withBody(func(b *types.TxBody) { b.ChainId = "coldtrace-other" }),
			want: types.ErrWrongChainID, wantText: "coldtrace-other",
		},
		{
			name: "empty chain id",
			raw:  withBody(func(b *types.TxBody) { b.ChainId = "" }),
			want: types.ErrWrongChainID,
		},
		{
			name:    "wrong chain id refused on recheck too",
			raw:     withBody(func(b *types.TxBody) { b.ChainId = "coldtrace-other" }),
			recheck: true,
			want:    types.ErrWrongChainID,
		},
		{
			name: "signature over other bytes",
			raw: func(t *testing.T) []byte {
				other := body()
				other.Sequence++
				sig := ed25519.Sign(priv, types.SignBytes(marshal(t, other)))
				return marshal(t, &types.Tx{BodyBytes: marshal(t, body()), Signature: sig})
			},
			want: types.ErrBadSignature,
		},
		{
			name: "signature without the domain tag",
			raw: func(t *testing.T) []byte {
				bb := marshal(t, body())
				return marshal(t, &types.Tx{BodyBytes: bb, Signature: ed25519.Sign(priv, bb)})
			},
			want: types.ErrBadSignature,
		},
		{
			name: "signature by another key",
			raw: func(t *testing.T) []byte {
				bb := marshal(t, body())
				return marshal(t, &types.Tx{BodyBytes: bb, Signature: ed25519.Sign(otherPriv, types.SignBytes(bb))})
			},
			want: types.ErrBadSignature,
		},
		{
			name: "signature of 63 bytes",
			raw: func(t *testing.T) []byte {
				bb := marshal(t, body())
				return marshal(t, &types.Tx{BodyBytes: bb, Signature: ed25519.Sign(priv, types.SignBytes(bb))[:63]})
			},
			want: types.ErrBadSignature,
		},
		{
			name: "no signature",
			raw:  func(t *testing.T) []byte { return marshal(t, &types.Tx{BodyBytes: marshal(t, body())}) },
			want: types.ErrBadSignature,
		},
		{
			name: "verifySig=false accepts a bad signature (recheck)",
			raw: func(t *testing.T) []byte {
				bb := marshal(t, body())
				return marshal(t, &types.Tx{BodyBytes: bb, Signature: ed25519.Sign(priv, bb)})
			},
			recheck: true,
			want:    nil,
		},
		{
			name:    "verifySig=false accepts no signature (recheck)",
			raw:     func(t *testing.T) []byte { return marshal(t, &types.Tx{BodyBytes: marshal(t, body())}) },
			recheck: true,
			want:    nil,
		},
		{
			name: "no messages",
			raw:  withBody(func(b *types.TxBody) { b.Messages = nil }),
			want: types.ErrNoMessages,
		},
		{
			name: "too many messages",
			raw: withMsgs(types.WrapMsg(validRegisterEnterprise()), types.WrapMsg(validRegisterEnterprise()),
				types.WrapMsg(validRegisterEnterprise()), types.WrapMsg(validRegisterEnterprise())),
			want: types.ErrTooManyMessages, wantText: "4 messages, limit 3",
		},
		{
			name: "memo of 257 bytes",
			raw:  withBody(func(b *types.TxBody) { b.Memo = strings.Repeat("m", 257) }),
			want: types.ErrInvalidField, wantText: "memo",
		},
		{
			name: "bad USCC in message",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Uscc = "91330100716105852E" }),
			// The exact log quoted in docs/ERRORS.md.
			want: types.ErrInvalidUSCC, wantText: `invalid uscc: message 0: "91330100716105852E": check character is 'E', want 'F' (mistyped character?)`,
		},
		{
			name: "bad USCC in second message names its index",
			raw: withMsgs(types.WrapMsg(validRegisterEnterprise()),
				types.WrapMsg(&types.MsgSuspendEnterprise{Uscc: "91330100716105852", Reason: "x"})),
			want: types.ErrInvalidUSCC, wantText: "message 1",
		},
		{
			name: "empty name",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Name = "" }),
			want: types.ErrInvalidField, wantText: "name is required",
		},
		{
			name: "kind unspecified",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Kind = types.EnterpriseKind_ENTERPRISE_KIND_UNSPECIFIED }),
			want: types.ErrInvalidField, wantText: "kind",
		},
		{
			name: "kind out of range",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Kind = 99 }),
			want: types.ErrInvalidField, wantText: "kind",
		},
		{
			name: "bad division in message",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Division = "330006" }),
			want: types.ErrInvalidDivision,
		},
		{
			name: "bad key in message",
			raw:  withEnterprise(func(m *types.MsgRegisterEnterprise) { m.Keys = [][]byte{pub(2)[:31]} }),
			want: types.ErrInvalidKey,
		},
		{
			name: "message with no case set",
			raw:  withMsgs(&types.Msg{}),
			want: types.ErrUnknownMessage,
		},
		{
			name: "message with no case set after a valid one",
			raw:  withMsgs(types.WrapMsg(validRegisterEnterprise()), &types.Msg{}),
			want: types.ErrUnknownMessage,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := types.DecodeTx(tc.raw(t), testLimits, !tc.recheck)
			wantCode(t, err, tc.want)
			if tc.want != nil {
				if d != nil {
					t.Fatalf("DecodeTx returned a tx together with error %v", err)
				}
				if _, text := types.CodeOf(err); !strings.HasPrefix(text, tc.want.Name) {
					t.Fatalf("log %q does not start with %q", text, tc.want.Name)
				}
			}
			if tc.wantText != "" && !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("error %q does not mention %q", err, tc.wantText)
			}
			if tc.want == nil && len(d.Msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(d.Msgs))
			}
		})
	}
}

// TestDecodeTxRecheckSkipsOnlyTheSignature: the same bad-signature tx is
// refused with verification and accepted without it.
func TestDecodeTxRecheckSkipsOnlyTheSignature(t *testing.T) {
	bb := marshal(t, body())
	raw := marshal(t, &types.Tx{BodyBytes: bb, Signature: bytes.Repeat([]byte{1}, 64)})
	_, err := types.DecodeTx(raw, testLimits, true)
	wantCode(t, err, types.ErrBadSignature)
	d, err := types.DecodeTx(raw, testLimits, false)
	wantCode(t, err, nil)
	if !proto.Equal(d.Msgs[0], validRegisterEnterprise()) {
		t.Fatalf("message = %v", d.Msgs[0])
	}
}
