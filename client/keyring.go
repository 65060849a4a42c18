package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Keyring keeps named ed25519 keys as files under <home>/keyring, readable
// by their owner only (0600 in a 0700 folder). Keys are not encrypted: protect
// the home like a private key.
type Keyring struct {
	dir string
}

// NewKeyring opens the keyring of a home (the folder is created on first write).
func NewKeyring(home string) *Keyring { return &Keyring{dir: filepath.Join(home, "keyring")} }

// KeyInfo is what `keys list` and `keys show` print.
type KeyInfo struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"` // hex
}

type keyFile struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Seed      string `json:"private_key_seed"`
}

var keyName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)

// ErrKeyNotFound is returned when no key has the given name.
var ErrKeyNotFound = errors.New("key not found")

func (k *Keyring) path(name string) (string, error) {
	if !keyName.MatchString(name) {
		return "", fmt.Errorf("key name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	return filepath.Join(k.dir, name+".json"), nil
}

// Add creates a new random key under name; it refuses to overwrite one.
func (k *Keyring) Add(name string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return priv, k.Import(name, priv)
}

// Import stores priv under name; it refuses to overwrite a key.
func (k *Keyring) Import(name string, priv ed25519.PrivateKey) error {
	p, err := k.path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(keyFile{Name: name, PublicKey: hex.EncodeToString(priv.Public().(ed25519.PublicKey)), Seed: hex.EncodeToString(priv.Seed())}, "", "  ")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return fmt.Errorf("a key named %q already exists in %s", name, k.dir)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Get returns the private key named name.
func (k *Keyring) Get(name string) (ed25519.PrivateKey, error) {
	p, err := k.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("%w: %q in %s (see `coldtrace keys list`)", ErrKeyNotFound, name, k.dir)
	}
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("key file %s: %w", p, err)
	}
	seed, err := hex.DecodeString(kf.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key file %s: private_key_seed is not 64 hex characters", p)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Show returns the public part of a key.
func (k *Keyring) Show(name string) (KeyInfo, error) {
	priv, err := k.Get(name)
	if err != nil {
		return KeyInfo{}, err
	}
	return KeyInfo{Name: name, PublicKey: hex.EncodeToString(priv.Public().(ed25519.PublicKey))}, nil
}

// List returns every key, sorted by name.
func (k *Keyring) List() ([]KeyInfo, error) {
	entries, err := os.ReadDir(k.dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []KeyInfo
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		info, err := k.Show(name)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete removes a key file.
func (k *Keyring) Delete(name string) error {
	p, err := k.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); os.IsNotExist(err) {
		return fmt.Errorf("%w: %q in %s", ErrKeyNotFound, name, k.dir)
	} else if err != nil {
		return err
	}
	return nil
}

// ParsePublicKey accepts a public key as 64 hex characters.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not an ed25519 public key (64 hex characters)", s)
	}
	return b, nil
}
