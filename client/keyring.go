package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/coldtrace/coldtrace/internal/fsutil"
	"github.com/coldtrace/coldtrace/types"
)

// Keyring keeps named account keys (ed25519, or SM2 with "algorithm":
// "sm2" in the file) as files under <home>/keyring (0600 in a
// 0700 folder). With backend "file" each private key is encrypted with a
// passphrase (argon2id and XChaCha20-Poly1305, see keyring_crypto.go); with
// backend "test" keys are plain JSON. Either backend reads plain key files,
// so keyrings from before encryption keep working (`keys migrate` encrypts
// them).
type Keyring struct {
	dir     string
	backend string
	pass    PassphraseFunc
	warn    io.Writer
	kdf     KDFParams

	mu          sync.Mutex
	passphrase  []byte // once it has opened a key or been set
	warnedTest  bool
	warnedPlain bool
}

// PassphraseFunc supplies a keyring's passphrase. confirm is true when the
// passphrase is being chosen (no key is encrypted with it yet): a prompt
// asks twice. prompt says what the passphrase is for.
type PassphraseFunc func(prompt string, confirm bool) ([]byte, error)

// StaticPassphrase is a PassphraseFunc that always returns p.
func StaticPassphrase(p []byte) PassphraseFunc {
	return func(string, bool) ([]byte, error) { return p, nil }
}

// KeyringOptions describe how to open a keyring.
type KeyringOptions struct {
	// Backend is BackendFile or BackendTest; empty: the backend the home
	// recorded at init (HomeKeyringBackend).
	Backend string
	// Passphrase is asked only when a key must be decrypted or encrypted;
	// nil: encrypted keys cannot be used.
	Passphrase PassphraseFunc
	// Warn receives one-line warnings (backend test in use, unencrypted
	// keys under backend file); nil: none.
	Warn io.Writer
	// KDF overrides DefaultKDF for keys written from now on (tests use
	// cheaper parameters); files record theirs.
	KDF *KDFParams
}

// MinPassphraseLen is the shortest passphrase a keyring or an export accepts.
const MinPassphraseLen = 8

// NewKeyring opens a home's keyring as backend "test": plain keys, no
// passphrase, no warnings. Tests use it; programs open a home's keyring with
// OpenKeyring.
func NewKeyring(home string) *Keyring {
	return &Keyring{dir: filepath.Join(home, "keyring"), backend: BackendTest, kdf: DefaultKDF}
}

// OpenKeyring opens a home's keyring with the given or recorded backend.
func OpenKeyring(home string, o KeyringOptions) (*Keyring, error) {
	b := o.Backend
	if b == "" {
		var err error
		if b, err = HomeKeyringBackend(home); err != nil {
			return nil, err
		}
	}
	if err := CheckBackend(b); err != nil {
		return nil, err
	}
	k := &Keyring{dir: filepath.Join(home, "keyring"), backend: b, pass: o.Passphrase, warn: o.Warn, kdf: DefaultKDF}
	if o.KDF != nil {
		if err := o.KDF.check(); err != nil {
			return nil, err
		}
		k.kdf = *o.KDF
	}
	return k, nil
}

// Backend is the keyring's backend.
func (k *Keyring) Backend() string { return k.backend }

// Dir is the keyring's folder.
func (k *Keyring) Dir() string { return k.dir }

// KeyInfo is what `keys list` and `keys show` print.
type KeyInfo struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`  // AlgorithmEd25519 or AlgorithmSM2
	PublicKey string `json:"public_key"` // hex: 64 characters (ed25519) or 130 (SM2)
	Encrypted bool   `json:"encrypted"`
}

var keyName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)

// ErrKeyNotFound is returned when no key has the given name.
var ErrKeyNotFound = errors.New("key not found")

// ErrNotEd25519 is returned by Get for a key of another algorithm (SM2):
// GetKey returns keys of either algorithm.
var ErrNotEd25519 = errors.New("not an ed25519 key")

// ErrNoPassphrase is returned when a key must be decrypted or encrypted
// and the keyring was opened without a passphrase source.
var ErrNoPassphrase = errors.New("no passphrase")

func (k *Keyring) path(name string) (string, error) {
	if !keyName.MatchString(name) {
		return "", fmt.Errorf("key name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	return filepath.Join(k.dir, name+".json"), nil
}

func (k *Keyring) warnTestOnce() {
	if k.backend == BackendTest && !k.warnedTest && k.warn != nil {
		k.warnedTest = true
		fmt.Fprintf(k.warn, "warning: keyring backend %q: the private keys in %s are not encrypted; use it for tests and local demos only\n", BackendTest, k.dir)
	}
}

func (k *Keyring) warnPlainOnce(name string) {
	if k.backend == BackendFile && !k.warnedPlain && k.warn != nil {
		k.warnedPlain = true
		fmt.Fprintf(k.warn, "warning: key %q in %s is not encrypted (written before keys were); run `coldtrace keys migrate` to encrypt every such key\n", name, k.dir)
	}
}

// Add creates a new random ed25519 key under name; it refuses to overwrite
// one.
func (k *Keyring) Add(name string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return priv, k.Import(name, priv)
}

// AddKey creates a new random key of the given algorithm under name; it
// refuses to overwrite one.
func (k *Keyring) AddKey(name string, algo types.KeyAlgorithm) (Key, error) {
	var key Key
	switch algo {
	case types.KeyAlgorithm_KEY_ALGORITHM_ED25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		key = Ed25519Key(priv)
	case types.KeyAlgorithm_KEY_ALGORITHM_SM2:
		sk, err := GenerateSM2Key()
		if err != nil {
			return nil, err
		}
		key = sk
	default:
		return nil, fmt.Errorf("key algorithm %v: a keyring holds %s and %s keys", algo, AlgorithmEd25519, AlgorithmSM2)
	}
	return key, k.ImportKey(name, key)
}

// Import stores an ed25519 key under name, encrypted under backend file;
// it refuses to overwrite a key.
func (k *Keyring) Import(name string, priv ed25519.PrivateKey) error {
	return k.ImportKey(name, Ed25519Key(priv))
}

// ImportKey stores a key of either algorithm under name, encrypted under
// backend file; it refuses to overwrite a key.
func (k *Keyring) ImportKey(name string, key Key) error {
	p, err := k.path(name)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return fmt.Errorf("a key named %q already exists in %s", name, k.dir)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var v any
	if k.backend == BackendFile {
		pass, err := k.passphraseForWrite()
		if err != nil {
			return err
		}
		if v, err = sealKey(name, key, pass, k.kdf); err != nil {
			return err
		}
	} else {
		var err error
		if v, err = plainOf(name, key); err != nil {
			return err
		}
		k.warnTestOnce()
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return err
	}
	if err := fsutil.WriteFileExclusive(p, append(b, '\n'), 0o600); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("a key named %q already exists in %s", name, k.dir)
		}
		return err
	}
	return nil
}

func (k *Keyring) read(name string) (string, keyFileOf, error) {
	p, err := k.path(name)
	if err != nil {
		return "", keyFileOf{}, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return p, keyFileOf{}, fmt.Errorf("%w: %q in %s (see `coldtrace keys list`)", ErrKeyNotFound, name, k.dir)
	}
	if err != nil {
		return p, keyFileOf{}, err
	}
	f, err := parseKeyFile(b)
	if err != nil {
		return p, keyFileOf{}, fmt.Errorf("key file %s: %w", p, err)
	}
	return p, f, nil
}

// Get returns the ed25519 key named name, decrypting it if it is encrypted
// (the passphrase is asked once per keyring). It refuses an SM2 key, before
// asking any passphrase, with ErrNotEd25519; GetKey returns either.
func (k *Keyring) Get(name string) (ed25519.PrivateKey, error) {
	p, f, err := k.read(name)
	if err != nil {
		return nil, err
	}
	if a, err := f.algorithm(); err != nil {
		return nil, fmt.Errorf("key file %s: %w", p, err)
	} else if a != types.KeyAlgorithm_KEY_ALGORITHM_ED25519 {
		return nil, fmt.Errorf("key %q is an %s key: %w (Keyring.GetKey returns keys of either algorithm)", name, KeyAlgorithmName(a), ErrNotEd25519)
	}
	key, err := k.open(name, p, f)
	if err != nil {
		return nil, err
	}
	ek, ok := key.(Ed25519Key)
	if !ok {
		return nil, fmt.Errorf("key %q: %w", name, ErrNotEd25519)
	}
	return ed25519.PrivateKey(ek), nil
}

// GetKey returns the key named name, of either algorithm, decrypting it if
// it is encrypted (the passphrase is asked once per keyring).
func (k *Keyring) GetKey(name string) (Key, error) {
	p, f, err := k.read(name)
	if err != nil {
		return nil, err
	}
	return k.open(name, p, f)
}

func (k *Keyring) open(name, p string, f keyFileOf) (Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if f.plain != nil {
		priv, err := f.plain.key()
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", p, err)
		}
		k.warnTestOnce()
		k.warnPlainOnce(name)
		return priv, nil
	}
	if k.passphrase != nil {
		priv, err := f.enc.open(k.passphrase)
		if err != nil {
			return nil, fmt.Errorf("key %q (%s): %w", name, p, err)
		}
		return priv, nil
	}
	if k.pass == nil {
		return nil, fmt.Errorf("key %q is encrypted and %w was given (open the keyring with backend %q and a passphrase)", name, ErrNoPassphrase, BackendFile)
	}
	pass, err := k.pass(fmt.Sprintf("Passphrase of the keyring %s", k.dir), false)
	if err != nil {
		return nil, err
	}
	priv, err := f.enc.open(pass)
	if err != nil {
		return nil, fmt.Errorf("key %q (%s): %w", name, p, err)
	}
	k.passphrase = pass
	return priv, nil
}

// passphraseForWrite returns the passphrase new keys are encrypted with:
// the one that opens the keys already encrypted here, or a new one (asked
// twice on a terminal). Called with k.mu held.
func (k *Keyring) passphraseForWrite() ([]byte, error) {
	if k.passphrase != nil {
		return k.passphrase, nil
	}
	if k.pass == nil {
		return nil, fmt.Errorf("backend %q encrypts keys and %w was given", BackendFile, ErrNoPassphrase)
	}
	refName, ref, err := k.anyEncrypted()
	if err != nil {
		return nil, err
	}
	if ref == nil {
		pass, err := k.pass(fmt.Sprintf("New passphrase for the keyring %s", k.dir), true)
		if err != nil {
			return nil, err
		}
		if len(pass) < MinPassphraseLen {
			return nil, fmt.Errorf("the passphrase must have at least %d characters", MinPassphraseLen)
		}
		k.passphrase = pass
		return pass, nil
	}
	// One passphrase per keyring: a key added under another would be
	// unreadable by every later command.
	pass, err := k.pass(fmt.Sprintf("Passphrase of the keyring %s", k.dir), false)
	if err != nil {
		return nil, err
	}
	if _, err := ref.open(pass); err != nil {
		return nil, fmt.Errorf("the passphrase does not open key %q, already in this keyring: %w", refName, err)
	}
	k.passphrase = pass
	return pass, nil
}

// anyEncrypted returns one encrypted key of the keyring, or nil.
func (k *Keyring) anyEncrypted() (string, *encryptedKey, error) {
	names, err := k.names()
	if err != nil {
		return "", nil, err
	}
	for _, n := range names {
		if _, f, err := k.read(n); err == nil && f.enc != nil {
			return n, f.enc, nil
		}
	}
	return "", nil, nil
}

func (k *Keyring) names() ([]string, error) {
	entries, err := os.ReadDir(k.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !keyName.MatchString(name) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// Show returns the public part of a key; it needs no passphrase.
func (k *Keyring) Show(name string) (KeyInfo, error) {
	p, f, err := k.read(name)
	if err != nil {
		return KeyInfo{}, err
	}
	if f.plain != nil {
		key, err := f.plain.key()
		if err != nil {
			return KeyInfo{}, fmt.Errorf("key file %s: %w", p, err)
		}
		return KeyInfo{Name: name, Algorithm: KeyAlgorithmName(key.Algorithm()), PublicKey: hex.EncodeToString(key.PublicKey())}, nil
	}
	pub, err := publicKeyOf(f.enc.Algorithm, f.enc.PublicKey)
	if err != nil {
		return KeyInfo{}, fmt.Errorf("key file %s: %w", p, err)
	}
	return KeyInfo{Name: name, Algorithm: KeyAlgorithmName(types.KeyAlgorithmOf(pub)), PublicKey: hex.EncodeToString(pub), Encrypted: true}, nil
}

// PublicKey returns a key's public key (32 bytes of ed25519 or 65 of SM2)
// without decrypting it.
func (k *Keyring) PublicKey(name string) ([]byte, error) {
	info, err := k.Show(name)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(info.PublicKey)
}

// List returns every key, sorted by name.
func (k *Keyring) List() ([]KeyInfo, error) {
	names, err := k.names()
	if err != nil {
		return nil, err
	}
	var out []KeyInfo
	for _, n := range names {
		info, err := k.Show(n)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Delete removes a key file.
func (k *Keyring) Delete(name string) error {
	p, err := k.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %q in %s", ErrKeyNotFound, name, k.dir)
	} else if err != nil {
		return err
	}
	return nil
}

// MigrateResult lists what Migrate did.
type MigrateResult struct {
	Encrypted []string `json:"encrypted"` // plain keys it encrypted
	Already   []string `json:"already"`   // keys that were encrypted before
}

// Migrate encrypts every plain key of a backend-file keyring in place, each
// by an atomic replace (temp file, fsync, rename), with the keyring's
// passphrase (a new one when no key is encrypted yet). Running it again
// changes nothing.
func (k *Keyring) Migrate() (MigrateResult, error) {
	var res MigrateResult
	if k.backend != BackendFile {
		return res, fmt.Errorf("migrate encrypts keys for backend %q; this keyring is opened as %q", BackendFile, k.backend)
	}
	names, err := k.names()
	if err != nil {
		return res, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, n := range names {
		p, f, err := k.read(n)
		if err != nil {
			return res, err
		}
		if f.enc != nil {
			res.Already = append(res.Already, n)
			continue
		}
		key, err := f.plain.key()
		if err != nil {
			return res, fmt.Errorf("key file %s: %w", p, err)
		}
		pass, err := k.passphraseForWrite()
		if err != nil {
			return res, err
		}
		e, err := sealKey(n, key, pass, k.kdf)
		if err != nil {
			return res, err
		}
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return res, err
		}
		if err := fsutil.WriteFileAtomic(p, append(b, '\n'), 0o600); err != nil {
			return res, fmt.Errorf("key %q: %w (the plain file is unchanged)", n, err)
		}
		res.Encrypted = append(res.Encrypted, n)
	}
	if len(names) > 0 {
		// Older homes may have a looser folder; keys need 0700.
		if err := os.Chmod(k.dir, 0o700); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Export returns key name encrypted under its own passphrase (asked with
// exportPass, confirmed), in the format of encrypted key files.
func (k *Keyring) Export(name string, exportPass PassphraseFunc) ([]byte, error) {
	key, err := k.GetKey(name)
	if err != nil {
		return nil, err
	}
	pass, err := exportPass(fmt.Sprintf("Passphrase to encrypt the export of %q", name), true)
	if err != nil {
		return nil, err
	}
	if len(pass) < MinPassphraseLen {
		return nil, fmt.Errorf("the export passphrase must have at least %d characters", MinPassphraseLen)
	}
	e, err := sealKey(name, key, pass, k.kdf)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maxExportSize bounds what ImportExported reads: a key blob is under 1 KiB.
const maxExportSize = 64 << 10

// ImportExported decrypts an exported key (blob, opened with the passphrase
// from exportPass) and stores it under name.
func (k *Keyring) ImportExported(name string, blob []byte, exportPass PassphraseFunc) error {
	if _, err := k.path(name); err != nil {
		return err
	}
	if len(blob) > maxExportSize {
		return fmt.Errorf("an exported key is under %d bytes; this is %d", maxExportSize, len(blob))
	}
	f, err := parseKeyFile(blob)
	if err != nil {
		return fmt.Errorf("not an exported key: %w", err)
	}
	if f.enc == nil {
		return errors.New("not an exported key: it is not encrypted (`coldtrace keys export` writes encrypted keys only)")
	}
	if _, err := f.enc.check(); err != nil {
		return fmt.Errorf("exported key: %w", err)
	}
	pass, err := exportPass("Passphrase of the exported key", false)
	if err != nil {
		return err
	}
	key, err := f.enc.open(pass)
	if err != nil {
		return fmt.Errorf("exported key: %w", err)
	}
	return k.ImportKey(name, key)
}
