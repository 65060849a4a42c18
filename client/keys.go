package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"

	"github.com/emmansun/gmsm/sm2"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Key is an account's signing key: ed25519, or SM2 (GB/T 32918) from rules
// v3. The algorithm travels in the signed body (TxBody.key_algorithm).
type Key interface {
	PublicKey() []byte
	Algorithm() types.KeyAlgorithm
	Sign(msg []byte) ([]byte, error)
}

// Ed25519Key is an ed25519 account key.
type Ed25519Key ed25519.PrivateKey

func (k Ed25519Key) PublicKey() []byte {
	return []byte(ed25519.PrivateKey(k).Public().(ed25519.PublicKey))
}
func (k Ed25519Key) Algorithm() types.KeyAlgorithm { return types.KeyAlgorithm_KEY_ALGORITHM_ED25519 }
func (k Ed25519Key) Sign(msg []byte) ([]byte, error) {
	return ed25519.Sign(ed25519.PrivateKey(k), msg), nil
}

// SM2Key is an SM2 account key. Its signatures use SM3 and the standard's
// default user id, written as 64 bytes r‖s.
type SM2Key struct{ *sm2.PrivateKey }

// GenerateSM2Key makes a new SM2 key from the system's randomness.
func GenerateSM2Key() (SM2Key, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	return SM2Key{k}, err
}

// ParseSM2Key reads an SM2 private key from its 32-byte scalar.
func ParseSM2Key(d []byte) (SM2Key, error) {
	k, err := sm2.NewPrivateKey(d)
	return SM2Key{k}, err
}

// Bytes is the 32-byte private scalar (what a keyring stores).
func (k SM2Key) Bytes() []byte { return k.D.FillBytes(make([]byte, 32)) }

// PublicKey is the uncompressed point 0x04 ‖ X ‖ Y (65 bytes).
func (k SM2Key) PublicKey() []byte {
	out := make([]byte, types.SM2PublicKeySize)
	out[0] = 4
	k.X.FillBytes(out[1:33])
	k.Y.FillBytes(out[33:])
	return out
}
func (k SM2Key) Algorithm() types.KeyAlgorithm { return types.KeyAlgorithm_KEY_ALGORITHM_SM2 }
func (k SM2Key) Sign(msg []byte) ([]byte, error) {
	if k.PrivateKey == nil {
		return nil, errors.New("client: empty SM2 key")
	}
	r, s, err := sm2.SignWithSM2(rand.Reader, &k.PrivateKey.PrivateKey, nil, msg)
	if err != nil {
		return nil, err
	}
	sig := make([]byte, types.SM2SignatureSize)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

// SignBodyWith signs a tx body with any account key, setting its signer and
// key algorithm, and encodes the tx canonically.
func SignBodyWith(k Key, body *types.TxBody) ([]byte, error) {
	body.Signer, body.KeyAlgorithm = k.PublicKey(), k.Algorithm()
	bb, err := proto.MarshalOptions{Deterministic: true}.Marshal(body)
	if err != nil {
		return nil, err
	}
	sig, err := k.Sign(types.SignBytes(bb))
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: sig})
}
