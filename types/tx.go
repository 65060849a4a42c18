package types

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// SignDomain separates coldtrace signatures from every other use of a key.
const SignDomain = "coldtrace/tx/v1\x00"

// MaxMemoBytes bounds the free-text memo of a body.
const MaxMemoBytes = 256

// SignBytes is what the signer signs: the domain tag followed by the body
// bytes exactly as broadcast. The body names the chain id, so a signature
// never transfers to another chain.
func SignBytes(bodyBytes []byte) []byte {
	out := make([]byte, 0, len(SignDomain)+len(bodyBytes))
	return append(append(out, SignDomain...), bodyBytes...)
}

// TxHash is the hash CometBFT indexes a tx under (sha256 of the raw bytes).
func TxHash(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}

// Limits are the chain parameters a stateless check needs.
type Limits struct {
	ChainID      string
	MaxTxBytes   int
	MaxMsgsPerTx int
	// Rules is the rules version the tx is checked under (types/rules.go);
	// 0 is the latest this binary knows.
	Rules uint32
}

// DecodedTx is a tx that passed every stateless check.
type DecodedTx struct {
	Body *TxBody
	Msgs []proto.Message // the oneof payload of each message, in order
}

// DecodeTx runs the stateless checks in the order that is cheapest to refuse:
// size before decoding, shape, chain id, signature, then each message's
// fields. verifySig is false only for the mempool's recheck of a tx whose
// signature was already verified.
func DecodeTx(raw []byte, lim Limits, verifySig bool) (*DecodedTx, error) {
	rules := RulesOf(lim.Rules)
	if len(raw) > lim.MaxTxBytes {
		return nil, ErrTxTooLarge.Wrapf("%d bytes, limit %d", len(raw), lim.MaxTxBytes)
	}
	if rules.CanonicalTx() && len(raw) == 0 {
		return nil, ErrTxDecode.Wrapf("the tx is empty")
	}
	var tx Tx
	if err := unmarshalStrict(raw, &tx); err != nil {
		return nil, ErrTxDecode.Wrapf("tx: %v", err)
	}
	var body TxBody
	if err := unmarshalStrict(tx.BodyBytes, &body); err != nil {
		return nil, ErrTxDecode.Wrapf("body: %v", err)
	}
	if rules.CanonicalTx() {
		if err := checkCanonical(raw, &tx, tx.BodyBytes, &body); err != nil {
			return nil, err
		}
	}
	switch {
	case body.KeyAlgorithm != KeyAlgorithm_KEY_ALGORITHM_ED25519 && uint32(rules) < RulesV3:
		return nil, ErrTxDecode.Wrapf("body.key_algorithm does not exist under rules v%d", rules)
	case body.KeyAlgorithm == KeyAlgorithm_KEY_ALGORITHM_SM2:
		if len(body.Signer) != SM2PublicKeySize {
			return nil, ErrInvalidKey.Wrapf("an SM2 signer has %d bytes, want %d (uncompressed)", len(body.Signer), SM2PublicKeySize)
		}
	case body.KeyAlgorithm != KeyAlgorithm_KEY_ALGORITHM_ED25519:
		return nil, ErrInvalidKey.Wrapf("key algorithm %d is not ed25519 or SM2", body.KeyAlgorithm)
	case len(body.Signer) != ed25519.PublicKeySize:
		return nil, ErrInvalidKey.Wrapf("signer has %d bytes, want %d", len(body.Signer), ed25519.PublicKeySize)
	}
	if body.ChainId != lim.ChainID {
		return nil, ErrWrongChainID.Wrapf("tx names chain %q, this is %q", body.ChainId, lim.ChainID)
	}
	if verifySig {
		if !VerifySignature(body.KeyAlgorithm, body.Signer, SignBytes(tx.BodyBytes), tx.Signature) {
			return nil, ErrBadSignature.Wrapf("signer %X", body.Signer)
		}
	}
	if len(body.Messages) == 0 {
		return nil, ErrNoMessages.Wrapf("empty body")
	}
	if len(body.Messages) > lim.MaxMsgsPerTx {
		return nil, ErrTooManyMessages.Wrapf("%d messages, limit %d", len(body.Messages), lim.MaxMsgsPerTx)
	}
	memoLimit := MaxMemoBytes
	if rules.shortMemo() {
		memoLimit /= 2
	}
	if len(body.Memo) > memoLimit {
		return nil, ErrInvalidField.Wrapf("memo has %d bytes, limit %d", len(body.Memo), memoLimit)
	}
	if rules.StrictValues() {
		if err := CheckVisibleText("memo", body.Memo); err != nil {
			return nil, err
		}
	}
	if uint32(rules) >= RulesV3 && IDNumberIn(body.Memo) {
		return nil, ErrPersonalData.Wrapf("memo holds what looks like a resident identity number; the chain records no person's data")
	}
	if body.EventTimeMs != 0 {
		if uint32(rules) < RulesV3 {
			return nil, ErrTxDecode.Wrapf("body.event_time_ms does not exist under rules v%d", rules)
		}
		if body.EventTimeMs < 0 || body.EventTimeMs > maxUnix*1000 {
			return nil, ErrInvalidField.Wrapf("body.event_time_ms %d is not a time in years 1970-9999", body.EventTimeMs)
		}
	}
	d := &DecodedTx{Body: &body, Msgs: make([]proto.Message, len(body.Messages))}
	for i, m := range body.Messages {
		inner, err := m.Inner()
		if err != nil {
			return nil, err
		}
		if name := inner.ProtoReflect().Descriptor().FullName(); !rules.Knows(name) {
			return nil, ErrTxDecode.Wrapf("message %d: %s does not exist under rules v%d", i, name, rules)
		}
		if err := rules.KnowsFields(inner.ProtoReflect()); err != nil {
			return nil, wrapIndex(err, i)
		}
		if err := validateMsg(inner); err != nil {
			return nil, wrapIndex(err, i)
		}
		if uint32(rules) < RulesV3 {
			for _, k := range accountKeys(inner) {
				if len(k) != ed25519.PublicKeySize {
					return nil, wrapIndex(ErrInvalidKey.Wrapf("keys are 32-byte ed25519 keys under rules v%d (SM2 keys from v3)", rules), i)
				}
			}
		}
		if rules.StrictValues() {
			if err := checkValues(inner); err != nil {
				return nil, wrapIndex(err, i)
			}
		}
		if uint32(rules) >= RulesV3 {
			if err := checkPersonalData(inner); err != nil {
				return nil, wrapIndex(err, i)
			}
		}
		if rules.StrictCodes() {
			if err := checkCodes(inner); err != nil {
				return nil, wrapIndex(err, i)
			}
		}
		d.Msgs[i] = inner
	}
	return d, nil
}

// Inner returns the message carried by the oneof.
func (m *Msg) Inner() (proto.Message, error) {
	r := m.ProtoReflect()
	fd := r.WhichOneof(r.Descriptor().Oneofs().ByName("sum"))
	if fd == nil {
		return nil, ErrUnknownMessage.Wrapf("message carries no known case")
	}
	return r.Get(fd).Message().Interface(), nil
}

// WrapMsg puts a message into the Msg oneof; it panics for a type that is not a case.
func WrapMsg(inner proto.Message) *Msg {
	m := &Msg{}
	r := m.ProtoReflect()
	fields := r.Descriptor().Oneofs().ByName("sum").Fields()
	for i := 0; i < fields.Len(); i++ {
		if fields.Get(i).Message().FullName() == inner.ProtoReflect().Descriptor().FullName() {
			r.Set(fields.Get(i), protoreflect.ValueOfMessage(inner.ProtoReflect()))
			return m
		}
	}
	panic("types: " + string(inner.ProtoReflect().Descriptor().FullName()) + " is not a Msg case")
}

// MsgName is the short name of a message, used in events and metrics: "register_enterprise".
func MsgName(inner proto.Message) string {
	r := (&Msg{}).ProtoReflect()
	fields := r.Descriptor().Oneofs().ByName("sum").Fields()
	for i := 0; i < fields.Len(); i++ {
		if fields.Get(i).Message().FullName() == inner.ProtoReflect().Descriptor().FullName() {
			return string(fields.Get(i).Name())
		}
	}
	return string(inner.ProtoReflect().Descriptor().Name())
}

// checkCanonical refuses a Tx or TxBody whose bytes are not the
// deterministic encoding of what they decode to (fields out of order or
// repeated, non-minimal varints, explicit defaults, unpacked lists): anyone
// relaying a tx could otherwise re-encode it and have it committed under
// another hash, breaking its sender's wait and the ids derived from the hash.
func checkCanonical(raw []byte, tx *Tx, bodyBytes []byte, body *TxBody) error {
	opts := proto.MarshalOptions{Deterministic: true}
	if b, err := opts.Marshal(body); err != nil || !bytes.Equal(b, bodyBytes) {
		return ErrNotCanonical.Wrapf("body_bytes are not the canonical encoding of the body; encode it deterministically")
	}
	if b, err := opts.Marshal(tx); err != nil || !bytes.Equal(b, raw) {
		return ErrNotCanonical.Wrapf("the tx bytes are not the canonical encoding of the tx; encode it deterministically")
	}
	return nil
}

// unmarshalStrict refuses unknown fields: a node that silently ignored a
// field a newer client relies on would apply a different transition.
func unmarshalStrict(b []byte, m proto.Message) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return err
	}
	return checkUnknown(m.ProtoReflect())
}

func checkUnknown(r protoreflect.Message) error {
	if len(r.GetUnknown()) > 0 {
		return ErrTxDecode.Wrapf("%s has unknown fields", r.Descriptor().FullName())
	}
	var err error
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = checkUnknown(l.Get(i).Message())
			}
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			err = checkUnknown(v.Message())
		}
		return err == nil
	})
	return err
}

// EncodeExpectedSequence is the data of a CheckTx refusal with code 6 (bad
// sequence): the signer's next sequence, 8 bytes big-endian, so clients
// need not read it from the log's words.
func EncodeExpectedSequence(next uint64) []byte { return binary.BigEndian.AppendUint64(nil, next) }

// ExpectedSequence reads the data of a bad-sequence refusal.
func ExpectedSequence(data []byte) (uint64, bool) {
	if len(data) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(data), true
}
