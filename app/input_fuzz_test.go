package app

import (
	"context"
	"crypto/sha256"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// FuzzGenesis: genesis.json's app_state is read at the first start. Parsing
// and InitChain never panic: a bad app_state is an error that says why.
func FuzzGenesis(f *testing.F) {
	g := &types.GenesisState{
		Params:        types.DefaultParams(),
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang", Keys: [][]byte{pub(testKey("root"))}},
		Customs:       &types.GenesisCustoms{Name: "Hangzhou Customs", Keys: [][]byte{pub(testKey("customs"))}},
		RulesVersion:  types.LatestRules,
	}
	good, err := protojson.Marshal(g)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"rootRegulator":{"division":"330000","name":"Z","keys":[""]},"rulesVersion":99}`))
	f.Add([]byte(`{"params":{"maxTxBytes":0}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, appState []byte) {
		if _, err := ParseGenesis(appState); err != nil {
			return
		}
		a := NewInMemory()
		defer a.Close()
		if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "fuzz", InitialHeight: 1, AppStateBytes: appState}); err != nil {
			t.Fatalf("ParseGenesis accepted what InitChain refuses: %v", err)
		}
	})
}

// FuzzSnapshotChunks: a peer offering a snapshot controls its metadata and
// chunks; only the app hash is trusted (CometBFT's light client checks it).
// The app never panics or fails on what peers send: it accepts, asks again
// or rejects, and a rejected restore leaves no state behind.
func FuzzSnapshotChunks(f *testing.F) {
	src := newTestChain(f)
	src.mustBlock(src.tx(testKey("root"), regRegulator("330100", "Hangzhou", testKey("hz"))))
	trusted := src.app.tree.Hash()
	exp, err := src.app.tree.Export(src.app.tree.Version())
	if err != nil {
		f.Fatal(err)
	}
	var stream bytesBuffer
	if _, err := exp.WriteTo(&stream, nil); err != nil {
		f.Fatal(err)
	}
	exp.Close()
	height := uint64(src.app.tree.Version())
	f.Add(stream.b, uint8(1), height)
	f.Add(stream.b, uint8(3), height)
	f.Add(stream.b[:len(stream.b)/2], uint8(2), height)
	f.Add([]byte{}, uint8(1), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, nchunks uint8, h uint64) {
		// A snapshot's height is one the light client verified on the
		// chain; IAVL's importer allocates 4 bytes per height below it.
		h %= 1 << 20
		n := int(nchunks%4) + 1
		if len(data) < n {
			n = 1
		}
		var chunks [][]byte
		for i := 0; i < n; i++ {
			chunks = append(chunks, data[i*len(data)/n:(i+1)*len(data)/n])
		}
		var meta []byte
		for _, c := range chunks {
			s := sha256.Sum256(c)
			meta = append(meta, s[:]...)
		}
		a := NewInMemory()
		defer a.Close()
		if err := a.EnableSnapshots(SnapshotOptions{Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		snap := &abci.Snapshot{Height: h, Format: state.StreamFormat, Chunks: uint32(n), Hash: sha256Of(meta), Metadata: meta}
		res, err := a.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: trusted})
		if err != nil {
			t.Fatalf("offer: %v", err)
		}
		if res.Result != abci.ResponseOfferSnapshot_ACCEPT {
			return
		}
		for i, c := range chunks {
			r, err := a.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: uint32(i), Chunk: c, Sender: "peer"})
			if err != nil {
				t.Fatalf("chunk %d: %v", i, err)
			}
			if r.Result == abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
				if a.tree.Version() != 0 {
					t.Fatalf("a rejected snapshot left version %d", a.tree.Version())
				}
				return
			}
		}
		if a.tree.Version() != 0 && string(a.tree.Hash()) != string(trusted) {
			t.Fatalf("restored a state whose hash %X is not the trusted %X", a.tree.Hash(), trusted)
		}
	})
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// FuzzQueryPath: a query path comes from anyone who reaches the RPC, and a
// client re-runs the same code over proven keys. Any path gets an answer or
// a coded refusal, never a panic, with and without proofs.
func FuzzQueryPath(f *testing.F) {
	c := newTestChain(f)
	c.mustBlock(c.tx(testKey("root"), regRegulator("330100", "Hangzhou", testKey("hz"))))
	for _, p := range []string{
		"/registry/regulator/330100", "/registry/enterprises/33?limit=5&after=x", "/registry/keys/regulator/330000",
		"/registry/account/00", "/trace/code/CT-91330100716105852F-1-N", "/trace/history/%2F01%2F09521234543213?limit=3",
		"/trace/forward/x?depth=99", "/supervision/alerts/33?limit=0", "/supervision/stats/3301?from=2026-01-01&to=9999-12-31",
		"/supervision/flows/33", "/validators", "/validators/00", "/params", "/rules", "", "/", "%", "/trace//", "/supervision/holds/",
	} {
		f.Add(p, false)
	}
	f.Fuzz(func(t *testing.T, path string, prove bool) {
		res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path, Prove: prove})
		if err != nil || res == nil {
			t.Fatalf("Query returned %v %v", res, err)
		}
		if res.Code == types.ErrInternal.Code {
			t.Fatalf("path %q: internal error: %s", path, res.Log)
		}
		if res.Code != 0 && types.ErrorByCode(res.Code) == nil {
			t.Fatalf("path %q: undocumented code %d", path, res.Code)
		}
	})
}
