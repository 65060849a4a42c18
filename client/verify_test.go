package client_test

import (
	"context"
	"errors"
	"flag"
	"net/url"
	"os"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// updateFixtures rewrites testdata/valid-bundle.json, the real bundle the
// fuzz targets start from: go test ./client -run TestVerifiedAnswers -update
var updateFixtures = flag.Bool("update", false, "rewrite the fuzz targets' real bundle in testdata")

const validBundleFile = "testdata/valid-bundle.json"

// TestVerifiedAnswers: present and absent records, a whole history and a
// trace verify end to end; a history bundle verifies offline and every kind
// of tampering with it is refused.
func TestVerifiedAnswers(t *testing.T) {
	n := startNode(t)
	code := n.journey(t)
	ctx := context.Background()
	trust, err := client.LoadGenesisTrust(n.home + "/config/genesis.json")
	if err != nil {
		t.Fatal(err)
	}
	headers, err := n.c.NewHeaders(ctx, trust)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/registry/regulator/330100",
		"/trace/code?code=" + url.QueryEscape(code),
		"/trace/forward?code=" + url.QueryEscape(code),
		"/registry/enterprises/33?limit=1",
		"/supervision/alerts/3301", // an empty list is proven too
	} {
		if _, err := n.c.VerifiedQuery(ctx, path, headers); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	// Absence is proven too; the refusal comes back beside the verification.
	v, err := n.c.VerifiedQuery(ctx, "/registry/regulator/330200", headers)
	if !errors.Is(err, types.ErrNotFound) || v == nil {
		t.Fatalf("absent regulator: %v, verified %v", err, v != nil)
	}

	hist, err := n.c.VerifiedQuery(ctx, "/trace/history?limit=1000&code="+url.QueryEscape(code), headers)
	if err != nil {
		t.Fatal(err)
	}
	b, err := client.NewBundle(hist)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if *updateFixtures {
		if err := os.WriteFile(validBundleFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ok, err := client.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ok.Verify(); err != nil {
		t.Fatalf("untouched bundle: %v", err)
	}

	tamper := []struct {
		name string
		edit func(t *testing.T, b *client.Bundle)
	}{
		{"answer value", func(t *testing.T, b *client.Bundle) {
			editResponse(t, b, func(r *abci.ResponseQuery) { r.Value[len(r.Value)/2] ^= 1 })
		}},
		{"proof", func(t *testing.T, b *client.Bundle) {
			editResponse(t, b, func(r *abci.ResponseQuery) {
				d := r.ProofOps.Ops[0].Data
				d[len(d)-3] ^= 1
			})
		}},
		{"dropped proof", func(t *testing.T, b *client.Bundle) {
			editResponse(t, b, func(r *abci.ResponseQuery) { r.ProofOps.Ops = r.ProofOps.Ops[1:] })
		}},
		{"header app hash", func(t *testing.T, b *client.Bundle) {
			editHeader(t, b, func(lb *cmttypes.LightBlock) { lb.AppHash[0] ^= 1 })
		}},
		{"commit signature", func(t *testing.T, b *client.Bundle) {
			editHeader(t, b, func(lb *cmttypes.LightBlock) { lb.Commit.Signatures[0].Signature[0] ^= 1 })
		}},
		{"validator set", func(t *testing.T, b *client.Bundle) {
			editHeader(t, b, func(lb *cmttypes.LightBlock) {
				other := cmttypes.NewValidator(ed25519.GenPrivKey().PubKey(), 10)
				lb.ValidatorSet = cmttypes.NewValidatorSet([]*cmttypes.Validator{other})
			})
		}},
		{"height", func(t *testing.T, b *client.Bundle) { b.Height-- }},
		{"path", func(t *testing.T, b *client.Bundle) { b.Path = "/registry/regulator/330100" }},
	}
	for _, tc := range tamper {
		t.Run("tampered "+tc.name, func(t *testing.T) {
			cp, err := client.ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(t, cp)
			raw, err := cp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			again, err := client.ParseBundle(raw)
			if err == nil {
				_, err = again.Verify()
			}
			if !errors.Is(err, client.ErrVerification) {
				t.Fatalf("tampered bundle: err = %v, want a verification failure", err)
			}
		})
	}
}

func editResponse(t *testing.T, b *client.Bundle, f func(*abci.ResponseQuery)) {
	t.Helper()
	r := &abci.ResponseQuery{}
	if err := r.Unmarshal(b.Response); err != nil {
		t.Fatal(err)
	}
	f(r)
	raw, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.Response = raw
}

// editHeader changes the last header (the one carrying the app hash).
func editHeader(t *testing.T, b *client.Bundle, f func(*cmttypes.LightBlock)) {
	t.Helper()
	i := len(b.Headers) - 1
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(b.Headers[i]); err != nil {
		t.Fatal(err)
	}
	lb, err := cmttypes.LightBlockFromProto(&pb)
	if err != nil {
		t.Fatal(err)
	}
	f(lb)
	out, err := lb.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	if b.Headers[i], err = out.Marshal(); err != nil {
		t.Fatal(err)
	}
}
