package client_test

import (
	"testing"

	"github.com/coldtrace/coldtrace/client"
)

// FuzzParseBundle: no input makes the decoder or the verifier panic, and
// nothing random verifies.
func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(`{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/params","height":1,"response":"","headers":["AA=="]}`))
	f.Add([]byte(`{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/trace/history?code=x","height":5,"response":"CgA=","genesis":"e30=","headers":["CgA=","CgA="]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := client.ParseBundle(data)
		if err != nil {
			return
		}
		if _, err := b.Verify(); err == nil {
			t.Fatalf("a fuzzed bundle verified: %q", data)
		}
	})
}
