package client

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestKeyringSM2RoundTrip: an SM2 key added under either backend comes back
// as the same key, signs what the chain verifies, shows its algorithm and
// 130-hex public key without a passphrase, and is refused by the
// ed25519-only Get before any passphrase is asked.
func TestKeyringSM2RoundTrip(t *testing.T) {
	pass := []byte("correct horse battery")
	for _, backend := range []string{BackendFile, BackendTest} {
		t.Run(backend, func(t *testing.T) {
			home := t.TempDir()
			cp := &countingPass{pass: pass}
			k, err := OpenKeyring(home, KeyringOptions{Backend: backend, Passphrase: cp.fn, KDF: &cheapKDF})
			if err != nil {
				t.Fatal(err)
			}
			added, err := k.AddKey("importer", types.KeyAlgorithm_KEY_ALGORITHM_SM2)
			if err != nil {
				t.Fatal(err)
			}
			sk, ok := added.(SM2Key)
			if !ok {
				t.Fatalf("AddKey sm2 made a %T", added)
			}
			raw, err := os.ReadFile(filepath.Join(home, "keyring", "importer.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, []byte(`"algorithm": "sm2"`)) {
				t.Fatalf("the file does not record the algorithm:\n%s", raw)
			}
			secret := hex.EncodeToString(sk.Bytes())
			if encrypted := backend == BackendFile; encrypted == bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("backend %s: scalar in the clear = %v:\n%s", backend, !encrypted, raw)
			}

			// A later command: a fresh keyring.
			cp2 := &countingPass{pass: pass}
			k2, err := OpenKeyring(home, KeyringOptions{Backend: backend, Passphrase: cp2.fn})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k2.Get("importer"); !errors.Is(err, ErrNotEd25519) || !strings.Contains(err.Error(), "GetKey") || !strings.Contains(err.Error(), "sm2") {
				t.Fatalf("Get of an SM2 key: %v", err)
			}
			if cp2.calls != 0 {
				t.Fatalf("Get asked the passphrase %d times before refusing an SM2 key", cp2.calls)
			}
			got, err := k2.GetKey("importer")
			if err != nil {
				t.Fatal(err)
			}
			gs, ok := got.(SM2Key)
			if !ok || !bytes.Equal(gs.Bytes(), sk.Bytes()) || !bytes.Equal(got.PublicKey(), added.PublicKey()) {
				t.Fatalf("GetKey returned another key (%T)", got)
			}
			msg := []byte("coldtrace sign bytes")
			sig, err := got.Sign(msg)
			if err != nil || !types.VerifySignature(types.KeyAlgorithm_KEY_ALGORITHM_SM2, added.PublicKey(), msg, sig) {
				t.Fatalf("the key read back does not sign for its public key: %v", err)
			}

			info, err := openFile(t, home, nil, nil).Show("importer")
			if err != nil || info.Algorithm != AlgorithmSM2 || len(info.PublicKey) != 130 || info.Encrypted != (backend == BackendFile) {
				t.Fatalf("show: %+v %v", info, err)
			}
			pub, err := k2.PublicKey("importer")
			if err != nil || !bytes.Equal(pub, added.PublicKey()) {
				t.Fatalf("PublicKey: %x %v", pub, err)
			}
			if p, err := ParsePublicKey(info.PublicKey); err != nil || !bytes.Equal(p, pub) {
				t.Fatalf("ParsePublicKey of a shown SM2 key: %v", err)
			}
			// ed25519 keys keep their files as before: no algorithm field.
			if _, err := k.Add("scanner"); err != nil {
				t.Fatal(err)
			}
			edRaw, _ := os.ReadFile(filepath.Join(home, "keyring", "scanner.json"))
			if bytes.Contains(edRaw, []byte("algorithm")) {
				t.Fatalf("an ed25519 file names an algorithm:\n%s", edRaw)
			}
			list, err := k2.List()
			if err != nil || len(list) != 2 || list[0].Algorithm != AlgorithmSM2 || list[1].Algorithm != AlgorithmEd25519 || len(list[1].PublicKey) != 64 {
				t.Fatalf("list: %+v %v", list, err)
			}
		})
	}
}

func TestKeyringSM2WrongPassphrase(t *testing.T) {
	home := t.TempDir()
	if _, err := openFile(t, home, []byte("the right one"), nil).AddKey("sm", types.KeyAlgorithm_KEY_ALGORITHM_SM2); err != nil {
		t.Fatal(err)
	}
	if _, err := openFile(t, home, []byte("the wrong one"), nil).GetKey("sm"); !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), `key "sm"`) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// One passphrase per keyring, whatever the algorithm of the key already there.
	if _, err := openFile(t, home, []byte("another passphrase"), nil).Add("ed"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ed25519 key added under another passphrase: %v", err)
	}
}

// TestKeyringSM2CorruptedFiles: every change to an SM2 file is refused with
// an error, never a different key.
func TestKeyringSM2CorruptedFiles(t *testing.T) {
	pass := []byte("correct horse battery")
	other, err := GenerateSM2Key()
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b64 string) string {
		b, _ := base64.StdEncoding.DecodeString(b64)
		b[len(b)/2] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	t.Run("encrypted", func(t *testing.T) {
		home := t.TempDir()
		if _, err := openFile(t, home, pass, nil).AddKey("k", types.KeyAlgorithm_KEY_ALGORITHM_SM2); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(home, "keyring", "k.json")
		orig, _ := os.ReadFile(path)
		for _, c := range []struct {
			name   string
			mutate func(e *encryptedKey)
			want   string
		}{
			{"ciphertext bit", func(e *encryptedKey) { e.Ciphertext = flip(e.Ciphertext) }, "altered"},
			{"public key of another SM2 key", func(e *encryptedKey) { e.PublicKey = hex.EncodeToString(other.PublicKey()) }, "altered"},
			{"algorithm dropped", func(e *encryptedKey) { e.Algorithm = "" }, "the file says ed25519"},
			{"algorithm ed25519", func(e *encryptedKey) { e.Algorithm = AlgorithmEd25519 }, "the file says ed25519"},
			{"unknown algorithm", func(e *encryptedKey) { e.Algorithm = "sm9" }, `"sm9"`},
			{"point off the curve", func(e *encryptedKey) { e.PublicKey = "04" + strings.Repeat("11", 64) }, "curve"},
			{"compressed point", func(e *encryptedKey) { e.PublicKey = "02" + e.PublicKey[2:66] }, "not a public key"},
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
				_, err := openFile(t, home, pass, nil).GetKey("k")
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an error naming %q", err, c.want)
				}
			})
		}
	})
	t.Run("plain", func(t *testing.T) {
		home := t.TempDir()
		if _, err := NewKeyring(home).AddKey("k", types.KeyAlgorithm_KEY_ALGORITHM_SM2); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(home, "keyring", "k.json")
		orig, _ := os.ReadFile(path)
		for _, c := range []struct {
			name   string
			mutate func(p *plainKey)
			want   string
		}{
			{"algorithm dropped", func(p *plainKey) { p.Algorithm = "" }, "public_key is not"},
			{"scalar zero", func(p *plainKey) { p.Seed = strings.Repeat("00", 32) }, "out of range"},
			{"scalar all ones", func(p *plainKey) { p.Seed = strings.Repeat("ff", 32) }, "out of range"},
			{"scalar short", func(p *plainKey) { p.Seed = p.Seed[:62] }, "64 hex"},
			{"public key of another", func(p *plainKey) { p.PublicKey = hex.EncodeToString(other.PublicKey()) }, "public_key is not"},
			{"unknown algorithm", func(p *plainKey) { p.Algorithm = "rsa" }, `"rsa"`},
		} {
			t.Run(c.name, func(t *testing.T) {
				var p plainKey
				if err := json.Unmarshal(orig, &p); err != nil {
					t.Fatal(err)
				}
				c.mutate(&p)
				b, _ := json.Marshal(p)
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				_, err := NewKeyring(home).GetKey("k")
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an error naming %q", err, c.want)
				}
				if _, err := NewKeyring(home).Show("k"); err == nil {
					t.Fatal("show accepted the file")
				}
			})
		}
	})
}

// TestKeyringSM2MigrateExportImport: migrate encrypts a plain SM2 key, and
// export/import carries it to another keyring as the same key.
func TestKeyringSM2MigrateExportImport(t *testing.T) {
	home := t.TempDir()
	plain, err := NewKeyring(home).AddKey("sm", types.KeyAlgorithm_KEY_ALGORITHM_SM2)
	if err != nil {
		t.Fatal(err)
	}
	src := openFile(t, home, []byte("source passphrase"), nil)
	res, err := src.Migrate()
	if err != nil || strings.Join(res.Encrypted, ",") != "sm" {
		t.Fatalf("migrate: %+v %v", res, err)
	}
	raw, _ := os.ReadFile(filepath.Join(home, "keyring", "sm.json"))
	if bytes.Contains(raw, []byte("private_key_seed")) || !bytes.Contains(raw, []byte(`"algorithm": "sm2"`)) {
		t.Fatalf("migrated file:\n%s", raw)
	}
	blob, err := src.Export("sm", StaticPassphrase([]byte("export passphrase")))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(blob, []byte(`"algorithm": "sm2"`)) || bytes.Contains(blob, []byte(hex.EncodeToString(plain.(SM2Key).Bytes()))) {
		t.Fatalf("export blob:\n%s", blob)
	}
	for _, backend := range []string{BackendFile, BackendTest} {
		dstHome := t.TempDir()
		dst, err := OpenKeyring(dstHome, KeyringOptions{Backend: backend, Passphrase: StaticPassphrase([]byte("destination passphrase")), KDF: &cheapKDF})
		if err != nil {
			t.Fatal(err)
		}
		if err := dst.ImportExported("sm2", blob, StaticPassphrase([]byte("source passphrase"))); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("import with a wrong passphrase: %v", err)
		}
		if err := dst.ImportExported("sm2", blob, StaticPassphrase([]byte("export passphrase"))); err != nil {
			t.Fatal(err)
		}
		got, err := dst.GetKey("sm2")
		if err != nil || got.Algorithm() != types.KeyAlgorithm_KEY_ALGORITHM_SM2 || !bytes.Equal(got.(SM2Key).Bytes(), plain.(SM2Key).Bytes()) {
			t.Fatalf("backend %s: imported key: %v", backend, err)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	sk, err := GenerateSM2Key()
	if err != nil {
		t.Fatal(err)
	}
	sm := hex.EncodeToString(sk.PublicKey())
	for _, c := range []struct {
		in   string
		size int // 0: refused
	}{
		{strings.Repeat("ab", 32), 32},
		{sm, 65},
		{strings.ToUpper(sm), 65},
		{"04" + strings.Repeat("11", 64), 0}, // not on the curve
		{"03" + sm[2:], 0},
		{sm[:128], 0},
		{strings.Repeat("ab", 33), 0},
		{"zz", 0},
		{"", 0},
	} {
		got, err := ParsePublicKey(c.in)
		if (err == nil) != (c.size > 0) || len(got) != c.size {
			t.Errorf("ParsePublicKey(%.20q…): %d bytes, %v", c.in, len(got), err)
		}
	}
}

func TestParseKeyAlgorithm(t *testing.T) {
	for _, c := range []struct {
		in   string
		want types.KeyAlgorithm
		ok   bool
	}{
		{"ed25519", types.KeyAlgorithm_KEY_ALGORITHM_ED25519, true},
		{"sm2", types.KeyAlgorithm_KEY_ALGORITHM_SM2, true},
		{"SM2", 0, false},
		{"", 0, false},
		{"secp256k1", 0, false},
	} {
		got, err := ParseKeyAlgorithm(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseKeyAlgorithm(%q) = %v, %v", c.in, got, err)
		}
		if c.ok && KeyAlgorithmName(got) != c.in {
			t.Errorf("KeyAlgorithmName(%v) = %q", got, KeyAlgorithmName(got))
		}
	}
}
