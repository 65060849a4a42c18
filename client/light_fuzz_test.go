package client

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// realHeaders reads the genesis trust root and the headers (root, then the
// answer's header) of the real bundle in testdata.
func realHeaders(tb testing.TB) (Trust, string, [][]byte) {
	tb.Helper()
	data, err := os.ReadFile("testdata/valid-bundle.json")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := ParseBundle(data)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := parseGenesis(b.Genesis)
	if err != nil {
		tb.Fatal(err)
	}
	return Trust{Genesis: g}, b.ChainID, b.Headers
}

// lightBlockAnyShape decodes a light block as a hostile node's RPC could
// hand it over: parts may be missing.
func lightBlockAnyShape(raw []byte) *cmttypes.LightBlock {
	var pb cmtproto.LightBlock
	if pb.Unmarshal(raw) != nil {
		return nil
	}
	lb, err := cmttypes.LightBlockFromProto(&pb)
	if err != nil {
		return nil
	}
	return lb
}

// FuzzVerifyHeaders gives the light-client verification a root and a next
// header chosen by the fuzzer (seeded with the real ones and edits of
// them), both offline (a bundle's trace) and as a node's answers (Headers
// fetching them). Nothing panics, and only the real headers verify: no
// fuzzer forges the validators' signatures.
func FuzzVerifyHeaders(f *testing.F) {
	trust, chainID, headers := realHeaders(f)
	root, last := headers[0], headers[len(headers)-1]
	f.Add(root, last, int64(0))
	f.Add(last, root, int64(0))
	f.Add(root, root, int64(0))
	f.Add(root, last[:len(last)-7], int64(0))
	f.Add(root, []byte{}, int64(0))
	f.Add([]byte{}, last, int64(0))
	f.Add([]byte{0x0a, 0x00}, []byte{0x12, 0x00}, int64(0))
	f.Add(root, last, int64(1<<63-1))
	f.Add(root, last, int64(-5))
	realHashes := [][]byte{}
	for _, raw := range headers {
		if lb := lightBlockAnyShape(raw); lb != nil {
			realHashes = append(realHashes, lb.Hash())
		}
	}
	isReal := func(lb *cmttypes.LightBlock) bool {
		for _, h := range realHashes {
			if bytes.Equal(h, lb.Hash()) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, rootRaw, nextRaw []byte, target int64) {
		// Offline: a bundle's trace.
		var trace []*cmttypes.LightBlock
		for _, raw := range [][]byte{rootRaw, nextRaw} {
			if lb, err := decodeLightBlock(raw); err == nil {
				trace = append(trace, lb)
			}
		}
		if err := replayTrace(chainID, trust, trace); err == nil {
			for _, lb := range trace {
				if !isReal(lb) {
					t.Fatalf("a fuzzed trace verified: header %d", lb.Height)
				}
			}
		}

		// Online: a node answering with the fuzzer's blocks.
		rootLB, nextLB := lightBlockAnyShape(rootRaw), lightBlockAnyShape(nextRaw)
		h := &Headers{chainID: chainID, trust: trust, sources: []*source{{name: "fuzz", fetch: func(_ context.Context, height int64) (*cmttypes.LightBlock, error) {
			switch {
			case height == 1:
				return rootLB, nil
			case nextLB != nil:
				return nextLB, nil
			}
			return nil, errors.New("no block")
		}}}}
		if target == 0 && nextLB != nil && nextLB.SignedHeader != nil && nextLB.Header != nil {
			target = nextLB.Height
		}
		lb, _, err := h.VerifyTo(context.Background(), target)
		if err == nil && !isReal(lb) {
			t.Fatalf("a fuzzed header %d verified", lb.Height)
		}
	})
}

// TestRealHeadersVerify: the fuzz target's harness accepts the real
// headers, so its refusals of edited ones mean something.
func TestRealHeadersVerify(t *testing.T) {
	trust, chainID, headers := realHeaders(t)
	var trace []*cmttypes.LightBlock
	for _, raw := range headers {
		lb, err := decodeLightBlock(raw)
		if err != nil {
			t.Fatal(err)
		}
		trace = append(trace, lb)
	}
	if err := replayTrace(chainID, trust, trace); err != nil {
		t.Fatal(err)
	}
	if err := replayTrace(chainID, trust, []*cmttypes.LightBlock{trace[1], trace[0]}); !errors.Is(err, ErrVerification) {
		t.Fatalf("reversed trace: %v", err)
	}
}

// FuzzEditedHeaders edits one field of the real answer header, then makes
// the edit self-consistent (the commit names the edited header, the header
// names the edited validator set) so that it passes the shape checks and
// reaches the signature and light-client rules. Nothing panics, and no
// edited header verifies.
func FuzzEditedHeaders(f *testing.F) {
	trust, chainID, headers := realHeaders(f)
	for edit := uint8(0); edit < 12; edit++ {
		f.Add(edit, int64(0), []byte{}, true)
		f.Add(edit, int64(1<<63-1), []byte{1, 2, 3}, false)
		f.Add(edit, int64(-1), make([]byte, 64), true)
	}
	root, err := decodeLightBlock(headers[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, edit uint8, n int64, data []byte, fixHashes bool) {
		lb, err := decodeLightBlock(headers[len(headers)-1])
		if err != nil {
			t.Fatal(err)
		}
		realHash := lb.Hash()
		sigs, vals := lb.Commit.Signatures, lb.ValidatorSet.Validators
		switch edit % 12 {
		case 0:
			lb.Header.Height, lb.Commit.Height = n, n
		case 1:
			lb.Header.Time = time.Unix(n, 0)
		case 2:
			lb.Commit.Signatures = sigs[:0]
		case 3:
			if len(vals) > 0 {
				vals[0].VotingPower = n
			}
		case 4:
			if len(sigs) > 0 {
				sigs[0].Signature = data
			}
		case 5:
			lb.Commit.Round = int32(n)
		case 6:
			lb.ValidatorSet.Validators = append(vals, vals...)
		case 7:
			lb.Header.NextValidatorsHash = data
		case 8:
			lb.Header.AppHash = data
		case 9:
			if len(sigs) > 0 {
				sigs[0].ValidatorAddress = data
				sigs[0].BlockIDFlag = cmttypes.BlockIDFlag(n)
			}
		case 10:
			lb.Commit.Signatures = append(sigs, sigs...)
		case 11:
			lb.ValidatorSet.Validators = nil
			lb.ValidatorSet.Proposer = nil
		}
		if fixHashes {
			if lb.ValidatorSet != nil && len(lb.ValidatorSet.Validators) > 0 {
				lb.Header.ValidatorsHash = lb.ValidatorSet.Hash()
			}
			lb.Commit.BlockID.Hash = lb.Header.Hash()
		}
		edited := !bytes.Equal(lb.Hash(), realHash)
		if err := replayTrace(chainID, trust, []*cmttypes.LightBlock{root, lb}); err == nil && edited {
			t.Fatalf("edit %d verified", edit%12)
		}
		h := &Headers{chainID: chainID, trust: trust, sources: []*source{{name: "fuzz", fetch: func(_ context.Context, height int64) (*cmttypes.LightBlock, error) {
			if height == root.Height {
				return root, nil
			}
			return lb, nil
		}}}}
		if got, _, err := h.VerifyTo(context.Background(), lb.Height); err == nil && !bytes.Equal(got.Hash(), realHash) && got.Height != root.Height {
			t.Fatalf("edit %d verified from a node", edit%12)
		}
	})
}
