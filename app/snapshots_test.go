package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/types"
)

// snapshotChain is the registry base chain with a few more blocks of
// enterprises, so the state spans several chunks of 1 KiB.
func snapshotChain(t *testing.T, opts *SnapshotOptions) *testChain {
	t.Helper()
	c := newTestChain(t)
	if opts != nil {
		if err := c.app.EnableSnapshots(*opts); err != nil {
			t.Fatal(err)
		}
	}
	c.mustBlock(c.tx(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)))
	for b := 0; b < 5; b++ {
		var txs [][]byte
		for i := 0; i < 5; i++ {
			u := mkUSCC(fmt.Sprintf("91330100MA2T%d%d000", b, i))
			txs = append(txs, c.tx(kCity, regEnterprise(u, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, testKey(u))))
		}
		c.mustBlock(txs...)
		c.app.WaitSnapshots()
	}
	return c
}

func listSnapshots(t *testing.T, a *App) []*abci.Snapshot {
	t.Helper()
	res, err := a.ListSnapshots(context.Background(), &abci.RequestListSnapshots{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Snapshots
}

func hashAt(t *testing.T, a *App, h int64) []byte {
	t.Helper()
	snap, err := a.tree.Immutable(h)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Hash()
}

func loadChunk(t *testing.T, a *App, s *abci.Snapshot, i uint32) []byte {
	t.Helper()
	res, err := a.LoadSnapshotChunk(context.Background(), &abci.RequestLoadSnapshotChunk{Height: s.Height, Format: s.Format, Chunk: i})
	if err != nil || len(res.Chunk) == 0 {
		t.Fatalf("chunk %d of %d: %v (%d bytes)", i, s.Height, err, len(res.Chunk))
	}
	return res.Chunk
}

func offer(t *testing.T, a *App, s *abci.Snapshot, appHash []byte) abci.ResponseOfferSnapshot_Result {
	t.Helper()
	res, err := a.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: s, AppHash: appHash})
	if err != nil {
		t.Fatal(err)
	}
	return res.Result
}

func apply(t *testing.T, a *App, i uint32, chunk []byte, sender string) *abci.ResponseApplySnapshotChunk {
	t.Helper()
	res, err := a.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: i, Chunk: chunk, Sender: sender})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// restoreFrom offers src's snapshot to a new app and applies every chunk.
func restoreFrom(t *testing.T, src *App, s *abci.Snapshot) *App {
	t.Helper()
	dst := NewInMemory()
	if err := dst.EnableSnapshots(SnapshotOptions{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if r := offer(t, dst, s, hashAt(t, src, int64(s.Height))); r != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer: %v", r)
	}
	for i := uint32(0); i < s.Chunks; i++ {
		if r := apply(t, dst, i, loadChunk(t, src, s, i), "peer"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	return dst
}

// TestSnapshotsTakenKeptAndRestored: snapshots are taken every Interval
// heights, the last KeepRecent are kept, and a new app restores one to the
// same app hash and state, answers the same queries and goes on executing
// blocks to the same app hashes as the source.
func TestSnapshotsTakenKeptAndRestored(t *testing.T) {
	dir := t.TempDir()
	c := snapshotChain(t, &SnapshotOptions{Dir: dir, Interval: 2, KeepRecent: 2, ChunkBytes: 1024})
	list := listSnapshots(t, c.app)
	if len(list) != 2 || list[0].Height != 6 || list[1].Height != 4 {
		t.Fatalf("snapshots at %v, want 6 and 4", heights(list))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("snapshot folder holds %d entries, want 2", len(entries))
	}
	s := list[0]
	if s.Format != 1 || s.Chunks < 2 {
		t.Fatalf("snapshot %+v: want format 1 and several chunks", s)
	}

	dst := restoreFrom(t, c.app, s)
	info, err := dst.Info(context.Background(), &abci.RequestInfo{})
	if err != nil || info.LastBlockHeight != 6 || !bytes.Equal(info.LastBlockAppHash, hashAt(t, c.app, 6)) {
		t.Fatalf("restored Info: %+v %v", info, err)
	}
	if fmt.Sprint(dumpAt(t, dst, dst.tree.Version())) != fmt.Sprint(dumpAt(t, c.app, 6)) {
		t.Fatal("restored state differs from the source at height 6")
	}
	for _, path := range []string{"/registry/regulator/330100", "/registry/enterprises/3301?limit=100", "/params"} {
		want, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path, Height: 6, Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := dst.Query(context.Background(), &abci.RequestQuery{Path: path, Prove: true})
		if err != nil || got.Code != 0 || !bytes.Equal(got.Value, want.Value) || got.ProofOps.String() != want.ProofOps.String() {
			t.Fatalf("query %s on the restored app: code %d (%s), same value %v", path, got.Code, got.Log, bytes.Equal(got.Value, want.Value))
		}
	}

	// The restored app executes the next blocks like the source.
	other := &testChain{t: t, app: dst, height: 6, seq: map[string]uint64{}}
	for k, v := range c.seq {
		other.seq[k] = v
	}
	tx := other.tx(kCity, regEnterprise(mkUSCC("91330100MA2YYYYY0"), cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, testKey("zz")))
	other.mustBlock(tx)
	c.mustBlock(tx)
	c.app.WaitSnapshots()
	if !bytes.Equal(other.appHash(), c.appHash()) {
		t.Fatalf("block 7: restored %X, source %X", other.appHash(), c.appHash())
	}

	// A reopened snapshot folder lists what it holds and drops staging leftovers.
	if err := os.MkdirAll(filepath.Join(dir, ".tmp-99"), 0o700); err != nil {
		t.Fatal(err)
	}
	again := NewInMemory()
	if err := again.EnableSnapshots(SnapshotOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if l := listSnapshots(t, again); fmt.Sprint(heights(l)) != fmt.Sprint(heights(listSnapshots(t, c.app))) {
		t.Fatalf("reopened folder lists %v", heights(l))
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-99")); !os.IsNotExist(err) {
		t.Fatalf("staging folder left: %v", err)
	}
}

func heights(l []*abci.Snapshot) []uint64 {
	var out []uint64
	for _, s := range l {
		out = append(out, s.Height)
	}
	return out
}

// TestSnapshotsDoNotChangeAppHashes: the same blocks give the same app
// hashes with and without snapshots.
func TestSnapshotsDoNotChangeAppHashes(t *testing.T) {
	with := snapshotChain(t, &SnapshotOptions{Dir: t.TempDir(), Interval: 1, ChunkBytes: 512})
	without := snapshotChain(t, nil)
	for h := int64(1); h <= with.height; h++ {
		if !bytes.Equal(hashAt(t, with.app, h), hashAt(t, without.app, h)) {
			t.Fatalf("height %d: app hash differs with snapshots", h)
		}
	}
	if len(listSnapshots(t, with.app)) != defaultKeepSnapshots {
		t.Fatalf("kept %d snapshots, want the default %d", len(listSnapshots(t, with.app)), defaultKeepSnapshots)
	}
}

// TestSnapshotRestoreRefusals: what a restoring app does with bad offers and chunks.
func TestSnapshotRestoreRefusals(t *testing.T) {
	c := snapshotChain(t, &SnapshotOptions{Dir: t.TempDir(), Interval: 3, ChunkBytes: 1024})
	s := listSnapshots(t, c.app)[0]
	good := hashAt(t, c.app, int64(s.Height))
	fresh := func(t *testing.T) *App {
		a := NewInMemory()
		if err := a.EnableSnapshots(SnapshotOptions{Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		return a
	}

	t.Run("offers", func(t *testing.T) {
		a := fresh(t)
		other := *s
		other.Format = 2
		if r := offer(t, a, &other, good); r != abci.ResponseOfferSnapshot_REJECT_FORMAT {
			t.Fatalf("format 2: %v", r)
		}
		other = *s
		other.Hash = append([]byte(nil), s.Hash...)
		other.Hash[0] ^= 1
		if r := offer(t, a, &other, good); r != abci.ResponseOfferSnapshot_REJECT {
			t.Fatalf("hash not matching the metadata: %v", r)
		}
		other = *s
		other.Chunks++
		if r := offer(t, a, &other, good); r != abci.ResponseOfferSnapshot_REJECT {
			t.Fatalf("chunk count not matching the metadata: %v", r)
		}
		if r := offer(t, c.app, s, good); r != abci.ResponseOfferSnapshot_ABORT {
			t.Fatalf("offer to an app with state: %v", r)
		}
		if r := offer(t, NewInMemory(), s, good); r != abci.ResponseOfferSnapshot_ABORT {
			t.Fatalf("offer to an app without snapshots: %v", r)
		}
		if r := apply(t, a, 0, loadChunk(t, c.app, s, 0), "p"); r.Result != abci.ResponseApplySnapshotChunk_ABORT {
			t.Fatalf("chunk without an accepted offer: %v", r.Result)
		}
	})

	t.Run("bad chunk is fetched again from another sender", func(t *testing.T) {
		a := fresh(t)
		if r := offer(t, a, s, good); r != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatal(r)
		}
		chunk0 := loadChunk(t, c.app, s, 0)
		bad := append([]byte(nil), chunk0...)
		bad[3] ^= 0xFF
		r := apply(t, a, 0, bad, "liar")
		if r.Result != abci.ResponseApplySnapshotChunk_RETRY || fmt.Sprint(r.RefetchChunks) != "[0]" || fmt.Sprint(r.RejectSenders) != "[liar]" {
			t.Fatalf("bad chunk: %+v", r)
		}
		for i := uint32(0); i < s.Chunks; i++ {
			if r := apply(t, a, i, loadChunk(t, c.app, s, i), "honest"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
				t.Fatalf("chunk %d: %v", i, r.Result)
			}
		}
		if !bytes.Equal(a.tree.Hash(), good) {
			t.Fatal("restored to another hash")
		}
	})

	t.Run("untrusted app hash rejects the snapshot and leaves the app empty", func(t *testing.T) {
		a := fresh(t)
		wrong := append([]byte(nil), good...)
		wrong[0] ^= 1
		if r := offer(t, a, s, wrong); r != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatal(r)
		}
		var last *abci.ResponseApplySnapshotChunk
		for i := uint32(0); i < s.Chunks; i++ {
			last = apply(t, a, i, loadChunk(t, c.app, s, i), "p")
		}
		if last.Result != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
			t.Fatalf("last chunk: %v", last.Result)
		}
		if a.tree.Version() != 0 || a.tree.Size() != 0 {
			t.Fatalf("after a rejected restore: version %d", a.tree.Version())
		}
		// The next offer, with the right hash, restores.
		if r := offer(t, a, s, good); r != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatal(r)
		}
		for i := uint32(0); i < s.Chunks; i++ {
			last = apply(t, a, i, loadChunk(t, c.app, s, i), "p")
		}
		if last.Result != abci.ResponseApplySnapshotChunk_ACCEPT || !bytes.Equal(a.tree.Hash(), good) {
			t.Fatalf("second restore: %v", last.Result)
		}
	})

	t.Run("chunks that are no stream are rejected at once", func(t *testing.T) {
		// A peer serves chunks that match the metadata it also served, but
		// that are not a snapshot stream: the rebuild, which runs as chunks
		// arrive, stops at once, and the app says so without waiting for
		// the rest. (Garbage later in a stream may be read as a long field
		// and be refused only at the end: never accepted.)
		a := fresh(t)
		var chunks [][]byte
		for i := 0; i < 9; i++ {
			chunks = append(chunks, bytes.Repeat([]byte{0xA5}, 1024))
		}
		forged := *s
		forged.Chunks = uint32(len(chunks))
		forged.Metadata = nil
		for _, ch := range chunks {
			forged.Metadata = append(forged.Metadata, sha256Of(ch)...)
		}
		forged.Hash = sha256Of(forged.Metadata)
		if r := offer(t, a, &forged, good); r != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatal(r)
		}
		var rejectedAt = -1
		for i := range chunks {
			if r := apply(t, a, uint32(i), chunks[i], "p"); r.Result == abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
				rejectedAt = i
				break
			} else if r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
				t.Fatalf("chunk %d: %v", i, r.Result)
			}
		}
		// At the first chunk, or the next if the rebuild had taken all of
		// the first in before reading it.
		if rejectedAt != 0 && rejectedAt != 1 {
			t.Fatalf("the broken stream was rejected at chunk %d of %d, want at the first (0) or the next", rejectedAt, len(chunks))
		}
		if a.tree.Version() != 0 || a.tree.Size() != 0 {
			t.Fatalf("after a broken stream: version %d, %d keys", a.tree.Version(), a.tree.Size())
		}
		if r := apply(t, a, uint32(rejectedAt+1), chunks[0], "p"); r.Result != abci.ResponseApplySnapshotChunk_ABORT {
			t.Fatalf("a chunk after the rejection: %v", r.Result)
		}
		restoreAll(t, a, c.app, s, good)
	})

	t.Run("bytes after the stream are refused, never awaited", func(t *testing.T) {
		// A peer re-serves a genuine snapshot with bytes appended, in its
		// last chunk or in a chunk of their own, under metadata it made.
		// The restore must refuse it and leave the tree empty, not hang
		// with the tree already swapped in.
		var all []byte
		for i := uint32(0); i < s.Chunks; i++ {
			all = append(all, loadChunk(t, c.app, s, i)...)
		}
		for name, chunks := range map[string][][]byte{
			"in the last chunk":    {append(append([]byte(nil), all...), make([]byte, 10_000)...)},
			"a chunk of their own": {all, make([]byte, 100)},
		} {
			a := fresh(t)
			forged := *s
			forged.Chunks, forged.Metadata = uint32(len(chunks)), nil
			for _, ch := range chunks {
				forged.Metadata = append(forged.Metadata, sha256Of(ch)...)
			}
			forged.Hash = sha256Of(forged.Metadata)
			if r := offer(t, a, &forged, good); r != abci.ResponseOfferSnapshot_ACCEPT {
				t.Fatal(r)
			}
			results := make(chan abci.ResponseApplySnapshotChunk_Result, 1)
			go func() {
				last := abci.ResponseApplySnapshotChunk_ACCEPT
				for i, ch := range chunks {
					if last = apply(t, a, uint32(i), ch, "p").Result; last != abci.ResponseApplySnapshotChunk_ACCEPT {
						break
					}
				}
				results <- last
			}()
			select {
			case r := <-results:
				if r != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
					t.Fatalf("%s: %v", name, r)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s: the restore hangs; the tree is at version %d", name, a.tree.Version())
			}
			if a.tree.Version() != 0 || a.tree.Size() != 0 {
				t.Fatalf("%s: refused, yet the tree is at version %d", name, a.tree.Version())
			}
			restoreAll(t, a, c.app, s, good)
		}
	})

	t.Run("an offer mid-way abandons the restore in progress", func(t *testing.T) {
		a := fresh(t)
		if r := offer(t, a, s, good); r != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatal(r)
		}
		if r := apply(t, a, 0, loadChunk(t, c.app, s, 0), "p"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatal(r.Result)
		}
		restoreAll(t, a, c.app, s, good)
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("missing chunk", func(t *testing.T) {
		res, err := c.app.LoadSnapshotChunk(context.Background(), &abci.RequestLoadSnapshotChunk{Height: s.Height, Format: 1, Chunk: s.Chunks})
		if err != nil || len(res.Chunk) != 0 {
			t.Fatalf("chunk past the end: %d bytes, %v", len(res.Chunk), err)
		}
		res, err = c.app.LoadSnapshotChunk(context.Background(), &abci.RequestLoadSnapshotChunk{Height: s.Height + 1, Format: 1})
		if err != nil || len(res.Chunk) != 0 {
			t.Fatalf("unknown height: %d bytes, %v", len(res.Chunk), err)
		}
	})
}

// restoreAll offers s again and applies every chunk; the app must end at good.
func restoreAll(t *testing.T, a, src *App, s *abci.Snapshot, good []byte) {
	t.Helper()
	if r := offer(t, a, s, good); r != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatal(r)
	}
	for i := uint32(0); i < s.Chunks; i++ {
		if r := apply(t, a, i, loadChunk(t, src, s, i), "p"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	if !bytes.Equal(a.tree.Hash(), good) {
		t.Fatalf("restored %X, want %X", a.tree.Hash(), good)
	}
}
