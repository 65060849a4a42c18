package client_test

import (
	"errors"
	"testing"

	"github.com/coldtrace/coldtrace/client"
)

// TestHostileBundles: bundles that once panicked the verifier, or could,
// are refused with a verification error.
func TestHostileBundles(t *testing.T) {
	for _, tc := range []struct{ name, bundle string }{
		{"empty header (issue 11)", `{"format":"coldtrace-proof-bundle/1","chain_id":"0","path":"0","height":1,"headers":[""]}`},
		{"header of zeros", `{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/params","height":1,"trust_height":1,"trust_hash":"AA==","headers":["CgA="]}`},
		{"signed header without commit", `{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/params","height":1,"trust_height":1,"trust_hash":"AA==","headers":["CgIKAA=="]}`},
		{"genesis validator without key", `{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/p","height":1,"genesis":"eyJjaGFpbl9pZCI6ImMiLCJ2YWxpZGF0b3JzIjpbeyJwb3dlciI6IjEifV19","headers":["CgA="]}`},
		{"no trust root", `{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/p","height":1,"headers":["CgA="]}`},
		{"largest height", `{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/p","height":9223372036854775807,"trust_height":1,"trust_hash":"AA==","headers":["CgA="]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := client.ParseBundle([]byte(tc.bundle))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if _, err := b.Verify(); !errors.Is(err, client.ErrVerification) {
				t.Fatalf("err = %v, want a verification failure", err)
			}
		})
	}
}
