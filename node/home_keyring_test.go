package node

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/client"
)

func TestInitHomeKeyringBackend(t *testing.T) {
	pass := []byte("correct horse battery")
	for _, c := range []struct {
		name      string
		o         InitOptions
		backend   string
		encrypted bool
		err       string
	}{
		{name: "default is test, for tests", o: InitOptions{}, backend: client.BackendTest},
		{name: "file encrypts", o: InitOptions{Backend: client.BackendFile, Passphrase: client.StaticPassphrase(pass)}, backend: client.BackendFile, encrypted: true},
		{name: "file without a passphrase", o: InitOptions{Backend: client.BackendFile}, err: "no passphrase"},
		{name: "unknown backend", o: InitOptions{Backend: "os"}, err: `keyring backend "os"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			_, err := InitHome(home, c.o)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error naming %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, err := client.HomeKeyringBackend(home); err != nil || b != c.backend {
				t.Fatalf("recorded backend %q %v, want %q", b, err, c.backend)
			}
			for _, n := range []string{RegulatorKeyName, CustomsKeyName} {
				raw, err := os.ReadFile(filepath.Join(home, "keyring", n+".json"))
				if err != nil {
					t.Fatal(err)
				}
				if got := !bytes.Contains(raw, []byte("private_key_seed")); got != c.encrypted {
					t.Fatalf("%s encrypted %v, want %v", n, got, c.encrypted)
				}
			}
			kr, err := client.OpenKeyring(home, client.KeyringOptions{Passphrase: client.StaticPassphrase(pass)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := kr.Get(RegulatorKeyName); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInitTestnetKeyringBackend(t *testing.T) {
	dir := t.TempDir()
	if _, err := InitTestnet(TestnetOptions{Validators: 2, Output: dir, StartingPort: 31000}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"node0", "node1"} {
		if b, err := client.HomeKeyringBackend(filepath.Join(dir, n)); err != nil || b != client.BackendTest {
			t.Fatalf("%s: backend %q %v: a testnet runs unattended on backend test", n, b, err)
		}
	}
	// AddNode follows node0's backend.
	added, err := AddNode(t.Context(), dir, AddNodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := client.HomeKeyringBackend(filepath.Join(dir, added.Name)); b != client.BackendTest {
		t.Fatalf("added node: backend %q", b)
	}

	enc := t.TempDir()
	pass := client.StaticPassphrase([]byte("correct horse battery"))
	if _, err := InitTestnet(TestnetOptions{Validators: 2, Output: enc, StartingPort: 31100, Backend: client.BackendFile, Passphrase: pass}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"node0", "node1"} {
		home := filepath.Join(enc, n)
		if b, _ := client.HomeKeyringBackend(home); b != client.BackendFile {
			t.Fatalf("%s: backend %q", n, b)
		}
		kr, err := client.OpenKeyring(home, client.KeyringOptions{Passphrase: pass})
		if err != nil {
			t.Fatal(err)
		}
		if info, err := kr.Show(RegulatorKeyName); err != nil || !info.Encrypted {
			t.Fatalf("%s regulator key: %+v %v", n, info, err)
		}
	}
}
