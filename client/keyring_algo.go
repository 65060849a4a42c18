package client

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/coldtrace/coldtrace/types"
)

// Algorithm names as key files, `keys add --algo` and `keys list` spell
// them.
const (
	AlgorithmEd25519 = "ed25519"
	AlgorithmSM2     = "sm2"
)

// secretSize is what a key file seals for either algorithm: the ed25519
// seed or the SM2 private scalar.
const secretSize = 32

// ParseKeyAlgorithm reads an algorithm name ("ed25519" or "sm2").
func ParseKeyAlgorithm(s string) (types.KeyAlgorithm, error) {
	switch s {
	case AlgorithmEd25519:
		return types.KeyAlgorithm_KEY_ALGORITHM_ED25519, nil
	case AlgorithmSM2:
		return types.KeyAlgorithm_KEY_ALGORITHM_SM2, nil
	}
	return 0, fmt.Errorf("key algorithm %q: use %q or %q (SM2, GB/T 32918; accepted by chains on rules v3)", s, AlgorithmEd25519, AlgorithmSM2)
}

// KeyAlgorithmName is the name of an account key algorithm.
func KeyAlgorithmName(a types.KeyAlgorithm) string {
	if a == types.KeyAlgorithm_KEY_ALGORITHM_SM2 {
		return AlgorithmSM2
	}
	return AlgorithmEd25519
}

// fileAlgorithm reads a key file's "algorithm": absent means ed25519, the
// only algorithm of files written before SM2.
func fileAlgorithm(s string) (types.KeyAlgorithm, error) {
	if s == "" {
		return types.KeyAlgorithm_KEY_ALGORITHM_ED25519, nil
	}
	a, err := ParseKeyAlgorithm(s)
	if err != nil {
		return 0, fmt.Errorf("%w (a newer coldtrace wrote this file?)", err)
	}
	return a, nil
}

// secretOf is what a key file stores of k: its algorithm's name ("" for
// ed25519, so that those files stay as before) and its 32-byte secret.
func secretOf(k Key) (string, []byte, error) {
	switch k := k.(type) {
	case Ed25519Key:
		if len(k) != ed25519.PrivateKeySize {
			return "", nil, errors.New("not an ed25519 private key")
		}
		return "", ed25519.PrivateKey(k).Seed(), nil
	case SM2Key:
		if k.PrivateKey == nil {
			return "", nil, errors.New("empty SM2 key")
		}
		return AlgorithmSM2, k.Bytes(), nil
	}
	return "", nil, fmt.Errorf("a keyring stores ed25519 and SM2 keys, not %T", k)
}

// keyOf rebuilds a key from a file's algorithm and secret.
func keyOf(algo string, secret []byte) (Key, error) {
	a, err := fileAlgorithm(algo)
	if err != nil {
		return nil, err
	}
	if len(secret) != secretSize {
		return nil, fmt.Errorf("the secret has %d bytes, not %d", len(secret), secretSize)
	}
	if a == types.KeyAlgorithm_KEY_ALGORITHM_SM2 {
		k, err := ParseSM2Key(secret)
		if err != nil {
			return nil, errors.New("the SM2 private scalar is out of range (0 < d < n-1)")
		}
		return k, nil
	}
	return Ed25519Key(ed25519.NewKeyFromSeed(secret)), nil
}

// publicKeyOf reads a file's public key, which must be of its algorithm.
func publicKeyOf(algo, s string) ([]byte, error) {
	a, err := fileAlgorithm(algo)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(s)
	if err != nil {
		return nil, err
	}
	if got := types.KeyAlgorithmOf(pub); got != a {
		return nil, fmt.Errorf("the public key is an %s key, the file says %s", KeyAlgorithmName(got), KeyAlgorithmName(a))
	}
	return pub, nil
}

// ParsePublicKey accepts an account public key in hex: 64 characters
// (ed25519) or 130 (SM2, uncompressed 04‖X‖Y, a point on the curve).
func ParsePublicKey(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err == nil && (len(b) == ed25519.PublicKeySize || len(b) == types.SM2PublicKeySize) {
		if err := types.ValidateAccountKey("the key", b); err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%q is not a public key: 64 hex characters (ed25519) or 130 (SM2, 04‖X‖Y)", s)
}

// algorithm is a key file's algorithm, read without decrypting it.
func (f keyFileOf) algorithm() (types.KeyAlgorithm, error) {
	if f.enc != nil {
		return fileAlgorithm(f.enc.Algorithm)
	}
	if f.plain != nil {
		return fileAlgorithm(f.plain.Algorithm)
	}
	return 0, errors.New("empty key file")
}
