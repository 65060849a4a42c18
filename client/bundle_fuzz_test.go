package client_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/coldtrace/coldtrace/client"
)

// realBundle reads the real history bundle written by TestVerifiedAnswers
// (-update) and the app hashes of its signed headers: the only app hashes
// anything derived from it may verify against, since no fuzzer forges a
// validator's signature.
func realBundle(tb testing.TB) (data []byte, b *client.Bundle, appHashes [][]byte) {
	tb.Helper()
	data, err := os.ReadFile(validBundleFile)
	if err != nil {
		tb.Fatal(err)
	}
	if b, err = client.ParseBundle(data); err != nil {
		tb.Fatal(err)
	}
	for _, raw := range b.Headers {
		var pb cmtproto.LightBlock
		if err := pb.Unmarshal(raw); err != nil {
			tb.Fatal(err)
		}
		appHashes = append(appHashes, pb.SignedHeader.Header.AppHash)
	}
	return data, b, appHashes
}

// bundleMutations are structure-aware edits of a real bundle: each keeps it
// well-formed JSON of the right shape and breaks one relation.
func bundleMutations(b client.Bundle) []client.Bundle {
	n := len(b.Headers)
	first, last := b.Headers[0], b.Headers[n-1]
	var out []client.Bundle
	add := func(f func(c *client.Bundle)) {
		c := b
		c.Headers = append([][]byte(nil), b.Headers...)
		f(&c)
		out = append(out, c)
	}
	add(func(c *client.Bundle) {})                                           // untouched
	add(func(c *client.Bundle) { c.Headers = [][]byte{last} })               // no root
	add(func(c *client.Bundle) { c.Headers = [][]byte{first} })              // no answer header
	add(func(c *client.Bundle) { c.Headers = [][]byte{last, first} })        // out of order
	add(func(c *client.Bundle) { c.Headers = append(c.Headers, last) })      // repeated
	add(func(c *client.Bundle) { c.Headers = [][]byte{first, first, last} }) // root twice
	add(func(c *client.Bundle) { c.Headers[0] = nil })                       // empty header
	add(func(c *client.Bundle) { c.Headers[n-1] = last[:len(last)/2] })      // truncated header
	add(func(c *client.Bundle) { c.Genesis = nil })                          // no trust root
	add(func(c *client.Bundle) { c.Genesis, c.TrustHeight, c.TrustHash = nil, 1, make([]byte, 32) })
	add(func(c *client.Bundle) { c.Genesis = []byte(`{"chain_id":"verify-test","validators":[{"power":"1"}]}`) })
	add(func(c *client.Bundle) { c.Response = c.Response[:len(c.Response)/2] })
	add(func(c *client.Bundle) { c.Response = nil })
	add(func(c *client.Bundle) { c.Height = 1<<63 - 1 })
	add(func(c *client.Bundle) { c.Height = -1 })
	add(func(c *client.Bundle) { c.ChainID = "other-chain" })
	add(func(c *client.Bundle) { c.Path = "/trace/history?code=x" })
	return out
}

// FuzzParseBundle: no input makes the decoder or the verifier panic, and
// whatever verifies carries an app hash the real validators signed. Seeds:
// a real bundle and structure-aware mutations of it, plus hand-made ones.
func FuzzParseBundle(f *testing.F) {
	data, b, appHashes := realBundle(f)
	f.Add(data)
	for _, m := range bundleMutations(*b) {
		raw, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"format":"coldtrace-proof-bundle/1","chain_id":"0","path":"0","height":1,"headers":[""]}`))
	f.Add([]byte(`{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/params","height":1,"response":"","headers":["AA=="]}`))
	f.Add([]byte(`{"format":"coldtrace-proof-bundle/1","chain_id":"c","path":"/trace/history?code=x","height":5,"response":"CgA=","genesis":"e30=","headers":["CgA=","CgA="]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := client.ParseBundle(data)
		if err != nil {
			return
		}
		v, err := b.Verify()
		if err != nil {
			return
		}
		for _, h := range appHashes {
			if bytes.Equal(v.AppHash, h) {
				return
			}
		}
		t.Fatalf("a fuzzed bundle verified against app hash %X, which no real validator signed", v.AppHash)
	})
}

// TestBundleMutations: of the real bundle's structure-aware mutations only
// the untouched one verifies.
func TestBundleMutations(t *testing.T) {
	_, b, _ := realBundle(t)
	for i, m := range bundleMutations(*b) {
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := client.ParseBundle(raw)
		if err == nil {
			_, err = pb.Verify()
		}
		if (err == nil) != (i == 0) {
			t.Errorf("mutation %d: err = %v", i, err)
		}
	}
}
