package state

import (
	"bytes"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// testUSCC completes a 17-character body with its GB 32100 check character.
func testUSCC(t *testing.T, body string) string {
	t.Helper()
	c, err := types.USCCCheckChar(body)
	if err != nil {
		t.Fatalf("USCCCheckChar(%q): %v", body, err)
	}
	u := body + string(c)
	if err := types.ValidateUSCC(u); err != nil {
		t.Fatalf("built USCC %q does not validate: %v", u, err)
	}
	return u
}

// testPub returns a deterministic 32-byte stand-in for an ed25519 public key.
func testPub(n byte) []byte { return bytes.Repeat([]byte{n}, 32) }

// kvPair is one key/value seen by an iteration.
type kvPair struct{ k, v string }

// collect iterates kv over [start, end) and returns copies of what it saw,
// stopping (fn returns false) after stopAfter pairs when stopAfter > 0.
func collect(t *testing.T, kv KV, start, end []byte, stopAfter int) []kvPair {
	t.Helper()
	var out []kvPair
	err := kv.Iterate(start, end, func(k, v []byte) bool {
		out = append(out, kvPair{string(k), string(v)})
		return stopAfter <= 0 || len(out) < stopAfter
	})
	if err != nil {
		t.Fatalf("Iterate(%x, %x): %v", start, end, err)
	}
	return out
}

func mustSet(t *testing.T, kv KV, k, v string) {
	t.Helper()
	if err := kv.Set([]byte(k), []byte(v)); err != nil {
		t.Fatalf("Set(%q): %v", k, err)
	}
}

func mustDelete(t *testing.T, kv KV, k string) {
	t.Helper()
	if err := kv.Delete([]byte(k)); err != nil {
		t.Fatalf("Delete(%q): %v", k, err)
	}
}

// mustGet returns the value under k; ok is false when it is absent (nil).
func mustGet(t *testing.T, kv KV, k string) (string, bool) {
	t.Helper()
	v, err := kv.Get([]byte(k))
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
	}
	return string(v), v != nil
}
