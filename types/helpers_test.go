package types_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// refAlphabet is the GB 32100-2015 alphabet, restated here so that the tests
// do not share a typo with the code under test.
const refAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// refCheckChar is an independent implementation of the GB 32100-2015 check
// character: weights 3^i mod 31 computed by repeated multiplication,
// check = (31 - sum%31) % 31. It panics on a character outside the alphabet.
func refCheckChar(body string) byte {
	if len(body) != 17 {
		panic("refCheckChar: body must have 17 characters")
	}
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(refAlphabet, body[i])
		if v < 0 {
			panic("refCheckChar: " + body + " has a character outside the alphabet")
		}
		sum += v * w
		w = w * 3 % 31
	}
	return refAlphabet[(31-sum%31)%31]
}

// uscc completes a 17-character body with its check character.
func uscc(body string) string { return body + string(refCheckChar(body)) }

// testKey returns a deterministic ed25519 key pair; n selects the seed.
func testKey(n byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = n
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return priv.Public().(ed25519.PublicKey), priv
}

// pub returns the public key for seed n as plain bytes.
func pub(n byte) []byte {
	p, _ := testKey(n)
	return []byte(p)
}

// wantCode fails the test unless err matches want (nil means no error) and,
// when want is set, CodeOf reports want's code.
func wantCode(t *testing.T, err error, want *types.Error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q (code %d)", want.Name, want.Code)
	}
	if !errors.Is(err, want) {
		code, _ := types.CodeOf(err)
		t.Fatalf("error %q has code %d, want %q (code %d)", err, code, want.Name, want.Code)
	}
	if code, _ := types.CodeOf(err); code != want.Code {
		t.Fatalf("CodeOf(%q) = %d, want %d", err, code, want.Code)
	}
}
