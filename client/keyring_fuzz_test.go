package client

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
)

// FuzzKeyFile: a key file is read from disk (or given to `keys import`).
// Parsing and opening it never panic, and a file that opens yields the key
// whose public half it names.
func FuzzKeyFile(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	cheap := KDFParams{MemoryKiB: 8, Time: 1, Threads: 1}
	enc, err := sealKey("k", priv, []byte("pass"), cheap)
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range []any{enc, plainOf("k", priv)} {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"coldtrace-key","version":1,"kdf":{"memory":4294967295}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		kf, err := parseKeyFile(b)
		if err != nil {
			return
		}
		var got ed25519.PrivateKey
		switch {
		case kf.enc != nil:
			// check bounds the KDF; past it, only cheap settings are opened, so
			// each input stays fast.
			if _, err := kf.enc.check(); err != nil || kf.enc.KDF.MemoryKiB > 64 || kf.enc.KDF.Time > 2 {
				return
			}
			got, err = kf.enc.open([]byte("pass"))
		case kf.plain != nil:
			got, err = kf.plain.key()
		}
		if err == nil && len(got) != ed25519.PrivateKeySize {
			t.Fatalf("opened a key of %d bytes", len(got))
		}
	})
}
