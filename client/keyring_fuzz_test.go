package client

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// FuzzKeyFile: a key file is read from disk (or given to `keys import`).
// Parsing and opening it never panic, and a file that opens yields a key
// of the file's algorithm whose public half is the one it names.
func FuzzKeyFile(f *testing.F) {
	ed := Ed25519Key(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	d := make([]byte, 32)
	d[31] = 7
	sm, err := ParseSM2Key(d)
	if err != nil {
		f.Fatal(err)
	}
	cheap := KDFParams{MemoryKiB: 8, Time: 1, Threads: 1}
	for _, k := range []Key{ed, sm} {
		enc, err := sealKey("k", k, []byte("pass"), cheap)
		if err != nil {
			f.Fatal(err)
		}
		plain, err := plainOf("k", k)
		if err != nil {
			f.Fatal(err)
		}
		for _, v := range []any{enc, plain} {
			b, err := json.Marshal(v)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	// An SM2 file that claims ed25519, and an ed25519 key that claims SM2.
	f.Add([]byte(`{"name":"k","public_key":"","private_key_seed":"` + hex.EncodeToString(d) + `","algorithm":"ed25519"}`))
	f.Add([]byte(`{"algorithm":"sm2","name":"k","private_key_seed":"` + hex.EncodeToString(make([]byte, 32)) + `"}`))
	f.Add([]byte(`{"algorithm":"rsa","name":"k","private_key_seed":"00"}`))
	f.Add([]byte(`{"format":"coldtrace-key","version":1,"algorithm":"sm2","public_key":"04","kdf":{"memory":4294967295}}`))
	f.Add([]byte(`{"format":"coldtrace-key","version":1,"kdf":{"memory":4294967295}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		kf, err := parseKeyFile(b)
		if err != nil {
			return
		}
		algo, algoErr := kf.algorithm()
		var got Key
		switch {
		case kf.enc != nil:
			// check bounds the KDF; past it, only cheap settings are opened, so
			// each input stays fast.
			s, err := kf.enc.check()
			if err != nil || kf.enc.KDF.MemoryKiB > 64 || kf.enc.KDF.Time > 2 {
				return
			}
			if got, err = kf.enc.open([]byte("pass")); err == nil && !bytes.Equal(got.PublicKey(), s.pub) {
				t.Fatal("opened a key that is not the file's public key")
			}
		case kf.plain != nil:
			got, err = kf.plain.key()
		}
		if err != nil {
			return
		}
		if algoErr != nil || got.Algorithm() != algo {
			t.Fatalf("opened a %v key from a file of algorithm %v (%v)", got.Algorithm(), algo, algoErr)
		}
		if err := types.ValidateAccountKey("key", got.PublicKey()); err != nil {
			t.Fatalf("opened a key whose public key is invalid: %v", err)
		}
		if _, _, err := secretOf(got); err != nil {
			t.Fatalf("an opened key cannot be stored again: %v", err)
		}
	})
}
