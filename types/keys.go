package types

import (
	"crypto/ed25519"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
)

// Account keys: ed25519 (32-byte public keys) and, from rules v3, SM2
// (GB/T 32918, the algorithm China's cryptography assessment expects: a
// 65-byte uncompressed public key; signatures over SM3 with the standard's
// default user id, written as 64 bytes r‖s so that one signature has one
// encoding). Consensus keys stay CometBFT's ed25519.
const (
	SM2PublicKeySize = 65
	SM2SignatureSize = 64
)

// KeyAlgorithmOf tells an account key's algorithm by its length.
func KeyAlgorithmOf(pub []byte) KeyAlgorithm {
	if len(pub) == SM2PublicKeySize {
		return KeyAlgorithm_KEY_ALGORITHM_SM2
	}
	return KeyAlgorithm_KEY_ALGORITHM_ED25519
}

// ValidateAccountKey checks an account's public key: 32 bytes of ed25519,
// or an SM2 point in uncompressed form (0x04 ‖ X ‖ Y) on the curve.
func ValidateAccountKey(field string, k []byte) error {
	switch len(k) {
	case ed25519.PublicKeySize:
		return nil
	case SM2PublicKeySize:
		if _, err := sm2.NewPublicKey(k); err != nil {
			return ErrInvalidKey.Wrapf("%s is not an SM2 public key on the curve (65 bytes, 0x04 ‖ X ‖ Y): %v", field, err)
		}
		return nil
	}
	return ErrInvalidKey.Wrapf("%s has %d bytes: a key is 32 bytes (ed25519) or 65 (SM2, uncompressed)", field, len(k))
}

// VerifySignature checks sig over msg by pub under the key's algorithm.
func VerifySignature(algo KeyAlgorithm, pub, msg, sig []byte) bool {
	switch algo {
	case KeyAlgorithm_KEY_ALGORITHM_ED25519:
		return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
	case KeyAlgorithm_KEY_ALGORITHM_SM2:
		if len(pub) != SM2PublicKeySize || len(sig) != SM2SignatureSize {
			return false
		}
		key, err := sm2.NewPublicKey(pub)
		if err != nil {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return sm2.VerifyWithSM2(key, nil, msg, r, s)
	}
	return false
}

// accountKeys are the account keys a message names (new, added or revoked).
func accountKeys(m any) [][]byte {
	switch m := m.(type) {
	case *MsgRegisterRegulator:
		return m.Keys
	case *MsgRegisterEnterprise:
		return m.Keys
	case *MsgAddKey:
		return [][]byte{m.Key}
	case *MsgRevokeKey:
		return [][]byte{m.Key}
	}
	return nil
}
