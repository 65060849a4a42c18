package signin

import (
	"crypto/ed25519"
	"net/url"
	"strings"
	"testing"
)

// fuzzKey is a fixed key for seeds (its seed is 32 bytes of 7).
var fuzzKey = ed25519.NewKeyFromSeed([]byte(strings.Repeat("\x07", 32)))

func seedDelegation(tb testing.TB) *Delegation {
	officer := ed25519.NewKeyFromSeed([]byte(strings.Repeat("\x09", 32)))
	d, err := NewDelegation("gateway-test", "330100", fuzzKey, officer.Public().(ed25519.PublicKey), "2030-12-31")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// FuzzParseSignIn reads any sign-in link query: a refusal is an error,
// never a panic, and what it accepts has the shapes the checks rely on.
func FuzzParseSignIn(f *testing.F) {
	ch := Challenge{Challenge: strings.Repeat("A", 43), ChainID: "gateway-test"}
	f.Add(strings.SplitN(Sign(ch, fuzzKey, nil).Link("http://x"), "?", 2)[1])
	f.Add(strings.SplitN(Sign(ch, fuzzKey, seedDelegation(f)).Link("http://x"), "?", 2)[1] + "&next=%2Fconsole%2Fflows%3Ffrom%3D2020-01-01")
	f.Add("c=&k=&s=")
	f.Add("c=AAAA&k=zz&s=00&d=%FF&next=https://evil.example/")
	f.Add("next=//evil.example/console&c=x&c=y")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		si, err := ParseSignIn(q)
		if err != nil {
			return
		}
		if len(si.Key) != ed25519.PublicKeySize || len(si.Signature) != ed25519.SignatureSize {
			t.Fatalf("accepted key %x signature %x", si.Key, si.Signature)
		}
		if u, err := url.Parse(si.Next); err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(si.Next, "/console") || strings.HasPrefix(si.Next, "//") {
			t.Fatalf("next %q leaves the console", si.Next)
		}
		if si.Delegation != nil {
			if _, err := ParseDelegation(si.Delegation.JSON()); err != nil {
				t.Fatalf("an accepted delegation does not read back: %v", err)
			}
		}
	})
}

// FuzzParseDelegation reads any delegation file: only a well-formed,
// correctly signed statement is accepted, and it reads back the same.
func FuzzParseDelegation(f *testing.F) {
	d := seedDelegation(f)
	f.Add(d.JSON())
	f.Add([]byte(`{"chain_id":"x","regulator":"330100","regulator_key":"00","officer_key":"01","expires":"2030-02-30","signature":""}`))
	f.Add([]byte(`{"chain_id":"a\nb"}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(strings.Replace(string(d.JSON()), "2030-12-31", "2031-12-31", 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDelegation(b)
		if err != nil {
			return
		}
		again, err := DecodeDelegation(d.Encode())
		if err != nil || *again != *d {
			t.Fatalf("an accepted delegation does not read back: %+v (%v)", again, err)
		}
		if strings.ContainsAny(d.ChainID, "\n\r") {
			t.Fatalf("chain id %q splits the signed lines", d.ChainID)
		}
	})
}
