package client

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/coldtrace/coldtrace/internal/fsutil"
)

// Keyring backends.
const (
	// BackendFile encrypts every private key with a passphrase (argon2id,
	// XChaCha20-Poly1305). The default for homes that hold real keys.
	BackendFile = "file"
	// BackendTest keeps private keys unencrypted (files of mode 0600): for
	// tests, local testnets and `make run`'s demo home only.
	BackendTest = "test"
)

// clientConfigFile is where a home records its keyring backend, so that
// commands after `init` need no flag.
func clientConfigFile(home string) string { return filepath.Join(home, "config", "client.toml") }

type clientConfig struct {
	KeyringBackend string `toml:"keyring-backend"`
}

// CheckBackend refuses names other than BackendFile and BackendTest.
func CheckBackend(b string) error {
	if b != BackendFile && b != BackendTest {
		return fmt.Errorf("keyring backend %q: use %q (keys encrypted with a passphrase) or %q (unencrypted, tests only)", b, BackendFile, BackendTest)
	}
	return nil
}

// HomeKeyringBackend is the backend a home recorded at init; a home without
// a record (made before backends existed) is BackendFile, whose reader
// still takes its plain keys.
func HomeKeyringBackend(home string) (string, error) {
	var c clientConfig
	_, err := toml.DecodeFile(clientConfigFile(home), &c)
	if errors.Is(err, os.ErrNotExist) {
		return BackendFile, nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", clientConfigFile(home), err)
	}
	if c.KeyringBackend == "" {
		return BackendFile, nil
	}
	if err := CheckBackend(c.KeyringBackend); err != nil {
		return "", fmt.Errorf("%s: %w", clientConfigFile(home), err)
	}
	return c.KeyringBackend, nil
}

// SetHomeKeyringBackend records a home's backend in config/client.toml.
func SetHomeKeyringBackend(home, backend string) error {
	if err := CheckBackend(backend); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		return err
	}
	body := fmt.Sprintf("# Client settings of this home, read by every coldtrace command.\n"+
		"# keyring-backend: %q encrypts private keys with a passphrase; %q keeps them\n"+
		"# unencrypted (tests and local demos only). --keyring-backend overrides it.\n"+
		"keyring-backend = %q\n", BackendFile, BackendTest, backend)
	return fsutil.WriteFileAtomic(clientConfigFile(home), []byte(body), 0o600)
}
