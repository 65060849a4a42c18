package client

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// KeyFileFormat names the encrypted key file format (key files of backend
// "file", and the blobs of `keys export`); KeyFileVersion is its version.
// A reader refuses versions it does not know rather than guess.
const (
	KeyFileFormat  = "coldtrace-key"
	KeyFileVersion = 1
	kdfArgon2id    = "argon2id"
	cipherXChaCha  = "xchacha20-poly1305"
)

// KDFParams are argon2id's cost parameters. They are recorded in every
// encrypted file, so the defaults can be raised later without breaking
// files written before.
type KDFParams struct {
	Time      uint32 `json:"time"`       // passes over the memory
	MemoryKiB uint32 `json:"memory_kib"` // memory in KiB
	Threads   uint8  `json:"threads"`    // lanes
}

// DefaultKDF follows RFC 9106's second recommended option (64 MiB, 3
// passes, 4 lanes): 0.3 to 0.5 s on a 2-core machine, paid once per key a
// command decrypts or encrypts.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Bounds on the parameters a file may ask for: a hostile file (an imported
// blob) must not make a reader allocate gigabytes or spin for minutes.
const (
	maxKDFMemoryKiB = 1 << 20 // 1 GiB
	maxKDFTime      = 64
	minSaltLen      = 16
	maxSaltLen      = 64
)

func (p KDFParams) check() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("argon2id time %d is outside 1..%d", p.Time, maxKDFTime)
	case p.MemoryKiB < 8*uint32(max(p.Threads, 1)) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("argon2id memory %d KiB is outside %d..%d", p.MemoryKiB, 8*uint32(max(p.Threads, 1)), maxKDFMemoryKiB)
	case p.Threads < 1:
		return errors.New("argon2id threads must be at least 1")
	}
	return nil
}

type kdfSpec struct {
	Name string `json:"name"`
	Salt string `json:"salt"` // base64
	KDFParams
}

// encryptedKey is the JSON of an encrypted key file. The public key stays
// in the clear so that `keys list` and `keys show` need no passphrase; it
// is bound to the ciphertext as associated data, and a decrypted seed must
// derive it.
type encryptedKey struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Algorithm is "sm2" for SM2 keys; ed25519 keys leave it out, so their
	// files are the ones coldtrace wrote before SM2 (and older binaries
	// still read them).
	Algorithm  string  `json:"algorithm,omitempty"`
	Name       string  `json:"name"`
	PublicKey  string  `json:"public_key"` // hex
	KDF        kdfSpec `json:"kdf"`
	Cipher     string  `json:"cipher"`
	Nonce      string  `json:"nonce"`      // base64
	Ciphertext string  `json:"ciphertext"` // base64: the sealed 32-byte secret (ed25519 seed, SM2 scalar)
}

// plainKey is the JSON of an unencrypted key file: backend "test", and
// every key written before encryption existed.
type plainKey struct {
	Algorithm string `json:"algorithm,omitempty"` // as in encryptedKey
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	// Seed is the 32-byte secret in hex: the ed25519 seed, or the SM2
	// private scalar.
	Seed string `json:"private_key_seed"`
}

// ErrWrongPassphrase is returned when a passphrase does not open a key.
// AEAD cannot tell a wrong passphrase from an altered file, so the error
// names both.
var ErrWrongPassphrase = errors.New("wrong passphrase, or the key file was altered")

func (e *encryptedKey) aad() []byte {
	b := fmt.Appendf(nil, "%s/%d\n%s\n%s\n%s\n%d\n%d\n%d\n%s", e.Format, e.Version, e.PublicKey,
		e.KDF.Name, e.KDF.Salt, e.KDF.Time, e.KDF.MemoryKiB, e.KDF.Threads, e.Cipher)
	if e.Algorithm != "" {
		// Bound only when present: ed25519 files keep their old associated data.
		b = fmt.Appendf(b, "\n%s", e.Algorithm)
	}
	return b
}

func deriveKey(passphrase, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
}

// sealKey encrypts k's 32-byte secret under passphrase.
func sealKey(name string, k Key, passphrase []byte, p KDFParams) (*encryptedKey, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	algo, secret, err := secretOf(k)
	if err != nil {
		return nil, err
	}
	e := &encryptedKey{
		Format: KeyFileFormat, Version: KeyFileVersion, Algorithm: algo, Name: name,
		PublicKey: hex.EncodeToString(k.PublicKey()),
		KDF:       kdfSpec{Name: kdfArgon2id, Salt: base64.StdEncoding.EncodeToString(salt), KDFParams: p},
		Cipher:    cipherXChaCha, Nonce: base64.StdEncoding.EncodeToString(nonce),
	}
	aead, err := chacha20poly1305.NewX(deriveKey(passphrase, salt, p))
	if err != nil {
		return nil, err
	}
	e.Ciphertext = base64.StdEncoding.EncodeToString(aead.Seal(nil, nonce, secret, e.aad()))
	return e, nil
}

type sealedParts struct {
	pub             []byte
	salt, nonce, ct []byte
}

// check decodes and bounds every field, so that a malformed file is named
// as such before any passphrase is asked or the KDF runs.
func (e *encryptedKey) check() (sealedParts, error) {
	var s sealedParts
	if e.Format != KeyFileFormat {
		return s, fmt.Errorf("format %q is not %q", e.Format, KeyFileFormat)
	}
	if e.Version != KeyFileVersion {
		return s, fmt.Errorf("key file version %d: this coldtrace reads version %d (a newer coldtrace wrote it?)", e.Version, KeyFileVersion)
	}
	if e.KDF.Name != kdfArgon2id || e.Cipher != cipherXChaCha {
		return s, fmt.Errorf("unknown kdf %q or cipher %q", e.KDF.Name, e.Cipher)
	}
	if err := e.KDF.check(); err != nil {
		return s, err
	}
	var err error
	if s.pub, err = publicKeyOf(e.Algorithm, e.PublicKey); err != nil {
		return s, err
	}
	s.salt, err = base64.StdEncoding.DecodeString(e.KDF.Salt)
	if err != nil || len(s.salt) < minSaltLen || len(s.salt) > maxSaltLen {
		return s, fmt.Errorf("salt is not %d to %d bytes of base64", minSaltLen, maxSaltLen)
	}
	s.nonce, err = base64.StdEncoding.DecodeString(e.Nonce)
	if err != nil || len(s.nonce) != chacha20poly1305.NonceSizeX {
		return s, fmt.Errorf("nonce is not %d bytes of base64", chacha20poly1305.NonceSizeX)
	}
	s.ct, err = base64.StdEncoding.DecodeString(e.Ciphertext)
	if err != nil || len(s.ct) != secretSize+chacha20poly1305.Overhead {
		return s, fmt.Errorf("ciphertext is not %d bytes of base64", secretSize+chacha20poly1305.Overhead)
	}
	return s, nil
}

// open decrypts the key.
func (e *encryptedKey) open(passphrase []byte) (Key, error) {
	s, err := e.check()
	if err != nil {
		return nil, err
	}
	pub, salt, nonce, ct := s.pub, s.salt, s.nonce, s.ct
	aead, err := chacha20poly1305.NewX(deriveKey(passphrase, salt, e.KDF.KDFParams))
	if err != nil {
		return nil, err
	}
	secret, err := aead.Open(nil, nonce, ct, e.aad())
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	k, err := keyOf(e.Algorithm, secret)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pub, k.PublicKey()) {
		return nil, errors.New("the decrypted key does not match the public key in the file")
	}
	return k, nil
}

// keyFileOf is either form of a key file.
type keyFileOf struct {
	enc   *encryptedKey
	plain *plainKey
}

func parseKeyFile(b []byte) (keyFileOf, error) {
	var probe struct {
		Format     *string `json:"format"`
		Ciphertext *string `json:"ciphertext"`
		Seed       *string `json:"private_key_seed"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return keyFileOf{}, err
	}
	switch {
	case probe.Format != nil || probe.Ciphertext != nil:
		var e encryptedKey
		if err := json.Unmarshal(b, &e); err != nil {
			return keyFileOf{}, err
		}
		return keyFileOf{enc: &e}, nil
	case probe.Seed != nil:
		var p plainKey
		if err := json.Unmarshal(b, &p); err != nil {
			return keyFileOf{}, err
		}
		return keyFileOf{plain: &p}, nil
	}
	return keyFileOf{}, errors.New("neither an encrypted key (format, ciphertext) nor a plain one (private_key_seed)")
}

func (p *plainKey) key() (Key, error) {
	secret, err := hex.DecodeString(p.Seed)
	if err != nil || len(secret) != secretSize {
		return nil, errors.New("private_key_seed is not 64 hex characters")
	}
	k, err := keyOf(p.Algorithm, secret)
	if err != nil {
		return nil, err
	}
	// A file whose algorithm was dropped or changed would otherwise yield
	// another key from the same secret.
	if p.PublicKey != "" && !strings.EqualFold(p.PublicKey, hex.EncodeToString(k.PublicKey())) {
		return nil, errors.New("public_key is not the public key of private_key_seed under the file's algorithm")
	}
	return k, nil
}

func plainOf(name string, k Key) (*plainKey, error) {
	algo, secret, err := secretOf(k)
	if err != nil {
		return nil, err
	}
	return &plainKey{Algorithm: algo, Name: name, PublicKey: hex.EncodeToString(k.PublicKey()), Seed: hex.EncodeToString(secret)}, nil
}
