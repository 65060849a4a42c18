package client

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cheapKDF keeps tests fast; files record their parameters, so reading
// them back exercises the same code as DefaultKDF.
var cheapKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// countingPass returns pass and counts calls, recording the confirm flags.
type countingPass struct {
	pass     []byte
	calls    int
	confirms []bool
}

func (c *countingPass) fn(_ string, confirm bool) ([]byte, error) {
	c.calls++
	c.confirms = append(c.confirms, confirm)
	return c.pass, nil
}

func openFile(t *testing.T, home string, pass []byte, warn *bytes.Buffer) *Keyring {
	t.Helper()
	o := KeyringOptions{Backend: BackendFile, KDF: &cheapKDF}
	if pass != nil {
		o.Passphrase = StaticPassphrase(pass)
	}
	if warn != nil {
		o.Warn = warn
	}
	k, err := OpenKeyring(home, o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyringFileRoundTrip(t *testing.T) {
	home := t.TempDir()
	cp := &countingPass{pass: []byte("correct horse battery")}
	k, err := OpenKeyring(home, KeyringOptions{Backend: BackendFile, Passphrase: cp.fn, KDF: &cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Add("bob"); err != nil {
		t.Fatal(err)
	}
	// One prompt per keyring, asked twice (confirm) because it is new.
	if cp.calls != 1 || !cp.confirms[0] {
		t.Fatalf("passphrase asked %d times, confirms %v", cp.calls, cp.confirms)
	}
	raw, err := os.ReadFile(filepath.Join(home, "keyring", "alice.json"))
	if err != nil {
		t.Fatal(err)
	}
	seedHex := mustPlain("alice", a).Seed
	seedB64 := base64.StdEncoding.EncodeToString(a.Seed())
	if bytes.Contains(raw, []byte(seedHex)) || bytes.Contains(raw, []byte(seedB64)) || bytes.Contains(raw, []byte("private_key_seed")) {
		t.Fatalf("the key file holds the seed in the clear:\n%s", raw)
	}
	for _, want := range []string{`"format": "coldtrace-key"`, `"version": 1`, `"name": "argon2id"`, `"memory_kib": 64`, `"cipher": "xchacha20-poly1305"`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("key file lacks %s:\n%s", want, raw)
		}
	}
	// Permissions: 0600 files in a 0700 folder.
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{filepath.Join(home, "keyring"), 0o700}, {filepath.Join(home, "keyring", "alice.json"), 0o600}, {filepath.Join(home, "keyring", "bob.json"), 0o600}} {
		st, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != c.want {
			t.Errorf("%s: mode %v, want %v", c.path, st.Mode().Perm(), c.want)
		}
	}
	// A fresh keyring (a later command) decrypts with the same passphrase.
	k2 := openFile(t, home, cp.pass, nil)
	got, err := k2.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(a) {
		t.Fatal("decrypted key differs")
	}
	// Show and List need no passphrase.
	k3 := openFile(t, home, nil, nil)
	info, err := k3.Show("alice")
	if err != nil || !info.Encrypted || info.PublicKey != mustPlain("alice", a).PublicKey {
		t.Fatalf("show: %+v %v", info, err)
	}
	list, err := k3.List()
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := k3.Get("alice"); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("get without a passphrase source: %v", err)
	}
	if _, err := k.Add("alice"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("overwrite: %v", err)
	}
	// No temp files are left behind.
	entries, _ := os.ReadDir(filepath.Join(home, "keyring"))
	if len(entries) != 2 {
		t.Fatalf("keyring folder holds %d entries", len(entries))
	}
}

func TestKeyringWrongPassphrase(t *testing.T) {
	home := t.TempDir()
	if _, err := openFile(t, home, []byte("the right one"), nil).Add("k"); err != nil {
		t.Fatal(err)
	}
	_, err := openFile(t, home, []byte("the wrong one"), nil).Get("k")
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), `key "k"`) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// Adding under another passphrase would split the keyring: refused.
	_, err = openFile(t, home, []byte("another passphrase"), nil).Add("k2")
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), `does not open key "k"`) {
		t.Fatalf("add with another passphrase: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "keyring", "k2.json")); !os.IsNotExist(err) {
		t.Fatalf("k2 was written: %v", err)
	}
	// A new keyring refuses a short passphrase.
	if _, err := openFile(t, t.TempDir(), []byte("short"), nil).Add("k"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("short passphrase: %v", err)
	}
}

func TestKeyringTamperedFileRefused(t *testing.T) {
	home := t.TempDir()
	pass := []byte("correct horse battery")
	if _, err := openFile(t, home, pass, nil).Add("k"); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	path := filepath.Join(home, "keyring", "k.json")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b64 string) string {
		b, _ := base64.StdEncoding.DecodeString(b64)
		b[len(b)/2] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, c := range []struct {
		name   string
		mutate func(e *encryptedKey)
		want   string
	}{
		{"ciphertext bit", func(e *encryptedKey) { e.Ciphertext = flip(e.Ciphertext) }, "wrong passphrase, or the key file was altered"},
		{"nonce bit", func(e *encryptedKey) { e.Nonce = flip(e.Nonce) }, "altered"},
		{"salt bit", func(e *encryptedKey) { e.KDF.Salt = flip(e.KDF.Salt) }, "altered"},
		{"public key swapped", func(e *encryptedKey) {
			e.PublicKey = mustPlain("x", ed25519.NewKeyFromSeed(make([]byte, 32))).PublicKey
		}, "altered"},
		{"public key of another", func(e *encryptedKey) { e.PublicKey = hex.EncodeToString(other) }, "altered"},
		{"kdf time", func(e *encryptedKey) { e.KDF.Time = 2 }, "altered"},
		{"kdf memory huge", func(e *encryptedKey) { e.KDF.MemoryKiB = 1 << 30 }, "memory"},
		{"kdf time huge", func(e *encryptedKey) { e.KDF.Time = 1 << 20 }, "time"},
		{"kdf threads zero", func(e *encryptedKey) { e.KDF.Threads = 0 }, "threads"},
		{"short salt", func(e *encryptedKey) { e.KDF.Salt = "AAAA" }, "salt"},
		{"ciphertext truncated", func(e *encryptedKey) { e.Ciphertext = e.Ciphertext[:8] }, "ciphertext"},
		{"nonce not base64", func(e *encryptedKey) { e.Nonce = "!!" }, "nonce"},
		{"version 2", func(e *encryptedKey) { e.Version = 2 }, "version 2"},
		{"other format", func(e *encryptedKey) { e.Format = "pgp" }, "format"},
		{"other kdf", func(e *encryptedKey) { e.KDF.Name = "pbkdf2" }, "kdf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e encryptedKey
			if err := json.Unmarshal(orig, &e); err != nil {
				t.Fatal(err)
			}
			c.mutate(&e)
			b, _ := json.Marshal(e)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := openFile(t, home, pass, nil).Get("k")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
	for _, bad := range []string{"", "{", `{"name":"k"}`, `[1,2]`, `{"private_key_seed":"zz"}`} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := openFile(t, home, pass, nil).Get("k"); err == nil {
			t.Fatalf("key file %q accepted", bad)
		}
	}
}

func TestKeyringLegacyAndMigrate(t *testing.T) {
	home := t.TempDir()
	// A keyring from before encryption: plain files, as NewKeyring writes.
	legacy := NewKeyring(home)
	a, err := legacy.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := legacy.Add("bob")
	if err != nil {
		t.Fatal(err)
	}
	// Backend file reads them, with one warning that names migrate.
	var warn bytes.Buffer
	k := openFile(t, home, nil, &warn)
	for _, n := range []string{"alice", "bob", "alice"} {
		if _, err := k.Get(n); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(warn.String(), "\n") != 1 || !strings.Contains(warn.String(), "coldtrace keys migrate") {
		t.Fatalf("warnings: %q", warn.String())
	}

	cp := &countingPass{pass: []byte("correct horse battery")}
	k, err = OpenKeyring(home, KeyringOptions{Backend: BackendFile, Passphrase: cp.fn, KDF: &cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	res, err := k.Migrate()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Encrypted, ",") != "alice,bob" || len(res.Already) != 0 || cp.calls != 1 || !cp.confirms[0] {
		t.Fatalf("migrate: %+v, passphrase asked %d times (%v)", res, cp.calls, cp.confirms)
	}
	before := map[string][]byte{}
	for _, n := range []string{"alice", "bob"} {
		p := filepath.Join(home, "keyring", n+".json")
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte("private_key_seed")) {
			t.Fatalf("%s still plain", n)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v", n, st.Mode().Perm())
		}
		before[n] = raw
	}
	// Idempotent: a second run asks nothing and changes nothing.
	cp2 := &countingPass{pass: []byte("correct horse battery")}
	k, _ = OpenKeyring(home, KeyringOptions{Backend: BackendFile, Passphrase: cp2.fn, KDF: &cheapKDF})
	res, err = k.Migrate()
	if err != nil || len(res.Encrypted) != 0 || strings.Join(res.Already, ",") != "alice,bob" || cp2.calls != 0 {
		t.Fatalf("second migrate: %+v %v, passphrase asked %d times", res, err, cp2.calls)
	}
	for n, raw := range before {
		now, _ := os.ReadFile(filepath.Join(home, "keyring", n+".json"))
		if !bytes.Equal(now, raw) {
			t.Fatalf("%s changed on the second migrate", n)
		}
	}
	// The same keys, now under the passphrase.
	k = openFile(t, home, cp.pass, nil)
	for n, want := range map[string]ed25519.PrivateKey{"alice": a, "bob": b} {
		got, err := k.Get(n)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%s after migrate: %v", n, err)
		}
	}
	// A plain key added later joins under the existing passphrase only.
	if _, err := NewKeyring(home).Add("carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := openFile(t, home, []byte("not the passphrase"), nil).Migrate(); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("migrate with another passphrase: %v", err)
	}
	if res, err := openFile(t, home, cp.pass, nil).Migrate(); err != nil || strings.Join(res.Encrypted, ",") != "carol" {
		t.Fatalf("migrate carol: %+v %v", res, err)
	}
	if _, err := NewKeyring(home).Migrate(); err == nil {
		t.Fatal("migrate under backend test")
	}
}

func TestKeyringTestBackend(t *testing.T) {
	home := t.TempDir()
	var warn bytes.Buffer
	k, err := OpenKeyring(home, KeyringOptions{Backend: BackendTest, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Add("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Add("b"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "a"} {
		if _, err := k.Get(n); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(warn.String(), "\n") != 1 || !strings.Contains(warn.String(), `backend "test"`) || !strings.Contains(warn.String(), "not encrypted") {
		t.Fatalf("warning: %q", warn.String())
	}
	raw, _ := os.ReadFile(filepath.Join(home, "keyring", "a.json"))
	if !bytes.Contains(raw, []byte(mustPlain("a", a).Seed)) {
		t.Fatal("backend test does not write plain keys")
	}
	// An encrypted key cannot be read through backend test.
	if err := openFile(t, home, []byte("correct horse battery"), nil).Import("enc", a); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("enc"); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("encrypted key under backend test: %v", err)
	}
}

func TestKeyringExportImport(t *testing.T) {
	src := openFile(t, t.TempDir(), []byte("source passphrase"), nil)
	a, err := src.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	blob, err := src.Export("alice", StaticPassphrase([]byte("export passphrase")))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, []byte(mustPlain("a", a).Seed)) || !bytes.Contains(blob, []byte(`"format": "coldtrace-key"`)) {
		t.Fatalf("export blob:\n%s", blob)
	}
	if _, err := src.Export("alice", StaticPassphrase([]byte("short"))); err == nil {
		t.Fatal("short export passphrase accepted")
	}
	dstHome := t.TempDir()
	dst := openFile(t, dstHome, []byte("destination passphrase"), nil)
	if err := dst.ImportExported("a2", blob, StaticPassphrase([]byte("source passphrase"))); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("import with the keyring's passphrase instead of the export's: %v", err)
	}
	if err := dst.ImportExported("a2", blob, StaticPassphrase([]byte("export passphrase"))); err != nil {
		t.Fatal(err)
	}
	got, err := openFile(t, dstHome, []byte("destination passphrase"), nil).Get("a2")
	if err != nil || !got.Equal(a) {
		t.Fatalf("imported key: %v", err)
	}
	for _, bad := range [][]byte{
		[]byte(`{"name":"x","public_key":"00","private_key_seed":"00"}`),
		[]byte("not json"),
		bytes.Repeat([]byte(" "), maxExportSize+1),
		bytes.Replace(blob, []byte(`"version": 1`), []byte(`"version": 9`), 1),
	} {
		called := false
		err := dst.ImportExported("x", bad, func(string, bool) ([]byte, error) { called = true; return []byte("export passphrase"), nil })
		if err == nil || called {
			t.Fatalf("bad blob %.40q: err %v, passphrase asked %v", bad, err, called)
		}
	}
	if err := dst.ImportExported("a2", blob, StaticPassphrase([]byte("export passphrase"))); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("import over an existing key: %v", err)
	}
}

func TestHomeKeyringBackend(t *testing.T) {
	home := t.TempDir()
	if b, err := HomeKeyringBackend(home); err != nil || b != BackendFile {
		t.Fatalf("home without a record: %q %v", b, err)
	}
	for _, b := range []string{BackendTest, BackendFile} {
		if err := SetHomeKeyringBackend(home, b); err != nil {
			t.Fatal(err)
		}
		if got, err := HomeKeyringBackend(home); err != nil || got != b {
			t.Fatalf("recorded %q, read %q %v", b, got, err)
		}
		k, err := OpenKeyring(home, KeyringOptions{})
		if err != nil || k.Backend() != b {
			t.Fatalf("open without a backend: %v", err)
		}
	}
	if err := SetHomeKeyringBackend(home, "os"); err == nil {
		t.Fatal("unknown backend recorded")
	}
	if _, err := OpenKeyring(home, KeyringOptions{Backend: "kwallet"}); err == nil {
		t.Fatal("unknown backend opened")
	}
	if err := os.WriteFile(filepath.Join(home, "config", "client.toml"), []byte(`keyring-backend = "plain"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := HomeKeyringBackend(home); err == nil || !strings.Contains(err.Error(), "client.toml") {
		t.Fatalf("bad record: %v", err)
	}
}

func BenchmarkDefaultKDF(b *testing.B) {
	salt := make([]byte, 16)
	for i := 0; i < b.N; i++ {
		deriveKey([]byte("correct horse battery"), salt, DefaultKDF)
	}
}

// mustPlain is the plain file of an ed25519 key.
func mustPlain(name string, priv ed25519.PrivateKey) *plainKey {
	p, err := plainOf(name, Ed25519Key(priv))
	if err != nil {
		panic(err)
	}
	return p
}
