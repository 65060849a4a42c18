package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/internal/fsutil"
	"github.com/coldtrace/coldtrace/state"
)

// State-sync snapshots.
//
// Every Interval heights, right after Commit has saved the version, the app
// opens that saved version for export (which keeps it from being pruned)
// and hands it to one goroutine that only reads it: it writes the state
// stream (state.StreamFormat) cut into chunks of ChunkBytes, each a file, and
// then snapshot.json, in a temporary folder renamed into place when complete.
// Block execution never waits for it and the app hash never depends on it.
// At most one snapshot is written at a time; a due height is skipped while
// one is still being written.
//
// On disk, under Dir (a node's data/snapshots):
//
//	{height}/chunk-000000 ...    the stream, cut into chunks
//	{height}/snapshot.json       {"height", "format", "chunks", "hash", "chunk_hashes", "app_hash"}
//
// Over ABCI, a snapshot is {height, format 1, chunks, hash, metadata}:
// metadata is the SHA-256 of each chunk, 32 bytes each, in order, and hash
// is the SHA-256 of metadata. A restoring node checks every chunk against
// metadata as it arrives (a bad chunk is fetched again from another peer)
// and, once all are applied, the rebuilt tree's root hash against the app
// hash CometBFT's light client verified for that height.

// SnapshotOptions configure snapshots.
type SnapshotOptions struct {
	Dir        string // where snapshots are kept (and restores are staged)
	Interval   int64  // take one every Interval heights; 0 takes none (restoring still works)
	KeepRecent int    // snapshots kept, newest first; default 2
	ChunkBytes int    // bytes per chunk; default 4 MiB
}

const (
	defaultKeepSnapshots = 2
	defaultChunkBytes    = 4 << 20
	snapshotMetaFile     = "snapshot.json"
)

// snapshotMeta is snapshot.json.
type snapshotMeta struct {
	Height      uint64   `json:"height"`
	Format      uint32   `json:"format"`
	Chunks      uint32   `json:"chunks"`
	Hash        string   `json:"hash"`
	ChunkHashes []string `json:"chunk_hashes"`
	AppHash     string   `json:"app_hash"`
}

func (m *snapshotMeta) abci() (*abci.Snapshot, error) {
	hash, err := hex.DecodeString(m.Hash)
	if err != nil {
		return nil, err
	}
	var md []byte
	for _, h := range m.ChunkHashes {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("chunk hash %q", h)
		}
		md = append(md, b...)
	}
	if len(m.ChunkHashes) != int(m.Chunks) || !bytes.Equal(hash, sha256Of(md)) {
		return nil, errors.New("chunk hashes do not match the snapshot hash")
	}
	return &abci.Snapshot{Height: m.Height, Format: m.Format, Chunks: m.Chunks, Hash: hash, Metadata: md}, nil
}

func sha256Of(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// snapshots keeps the snapshots of one node. Its list is shared with the
// goroutine writing a snapshot, under mu; restore is used only from ABCI
// calls, which CometBFT serializes.
type snapshots struct {
	opts   SnapshotOptions
	logger log.Logger

	mu      sync.Mutex
	list    []*abci.Snapshot // complete snapshots, newest first
	writing bool
	wg      sync.WaitGroup
	closing atomic.Bool

	restore *restoreState
}

// restoreState is a snapshot being restored. Each chunk, once checked
// against its hash, is fed to the rebuild, which runs in its own goroutine
// as the chunks arrive: fetching the next chunks and rebuilding the tree
// overlap, so a join takes about the longer of the two, not their sum.
type restoreState struct {
	snap    *abci.Snapshot
	appHash []byte
	next    uint32
	stream  *io.PipeWriter
	done    chan struct{} // closed when the rebuild has returned, with err
	err     error
	offered time.Time
}

// wait waits for the rebuild to return and gives its error.
func (r *restoreState) wait() error {
	<-r.done
	return r.err
}

// errRestoreAbandoned ends the stream of a restore that will not finish.
var errRestoreAbandoned = errors.New("app: snapshot restore abandoned")

// startRestore starts rebuilding the tree from the chunks to come. The
// rebuild writes only the database until the stream ends; the tree is
// swapped under a.saved, so queries meanwhile read the empty state.
func (a *App) startRestore(snap *abci.Snapshot, appHash []byte) *restoreState {
	pr, pw := io.Pipe()
	r := &restoreState{snap: snap, appHash: appHash, stream: pw, done: make(chan struct{}), offered: time.Now()}
	go func() {
		// Restore reads its stream to the end (the writer's close) before it
		// succeeds. Whatever it returns, a chunk written after it gets an
		// error at once rather than wait for a reader that is gone.
		r.err = a.tree.RestoreUnder(&a.saved, int64(snap.Height), pr, appHash)
		if r.err != nil {
			pr.CloseWithError(r.err)
		} else {
			pr.CloseWithError(errRestoreEnded)
		}
		close(r.done)
	}()
	return r
}

// errRestoreEnded refuses a chunk written after the rebuild returned.
var errRestoreEnded = errors.New("app: snapshot restore already ended")

// abandon stops a restore and waits until the tree is empty again.
func (r *restoreState) abandon() {
	r.stream.CloseWithError(errRestoreAbandoned)
	r.wait()
}

// EnableSnapshots makes the app take snapshots as configured, serve them and
// restore them. It lists what opts.Dir holds and removes what an interrupted
// write or restore left there. Call it before the node starts.
func (a *App) EnableSnapshots(opts SnapshotOptions) error {
	if opts.Dir == "" {
		return errors.New("app: snapshots need a folder")
	}
	if opts.Interval < 0 {
		return errors.New("app: snapshot interval must be 0 (none) or positive")
	}
	if opts.KeepRecent <= 0 {
		opts.KeepRecent = defaultKeepSnapshots
	}
	if opts.ChunkBytes <= 0 {
		opts.ChunkBytes = defaultChunkBytes
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return err
	}
	s := &snapshots{opts: opts, logger: a.logger.With("module", "snapshots")}
	entries, err := os.ReadDir(opts.Dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		h, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			_ = os.RemoveAll(filepath.Join(opts.Dir, e.Name())) // staging left by a crash
			continue
		}
		snap, err := readSnapshotMeta(filepath.Join(opts.Dir, e.Name()))
		if err != nil || snap.Height != h {
			s.logger.Error("removing unreadable snapshot", "height", h, "err", err)
			_ = os.RemoveAll(filepath.Join(opts.Dir, e.Name()))
			continue
		}
		s.list = append(s.list, snap)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Height > s.list[j].Height })
	a.snaps = s
	return nil
}

func readSnapshotMeta(dir string) (*abci.Snapshot, error) {
	b, err := os.ReadFile(filepath.Join(dir, snapshotMetaFile))
	if err != nil {
		return nil, err
	}
	var m snapshotMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m.abci()
}

func (s *snapshots) dir(height uint64) string {
	return filepath.Join(s.opts.Dir, strconv.FormatUint(height, 10))
}

// afterCommit starts a snapshot of the version just saved when one is due.
// It never fails the commit: a snapshot that cannot be taken is logged.
func (a *App) afterCommit(version int64) {
	s := a.snaps
	if s == nil || s.opts.Interval <= 0 || version%s.opts.Interval != 0 || s.closing.Load() {
		return
	}
	s.mu.Lock()
	busy := s.writing
	exists := len(s.list) > 0 && s.list[0].Height >= uint64(version)
	if !busy && !exists {
		s.writing = true
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if busy {
		s.logger.Info("skipping snapshot: the previous one is still being written", "height", version)
		return
	}
	if exists {
		return
	}
	exp, err := a.tree.Export(version)
	if err != nil {
		s.logger.Error("cannot open version for snapshot", "height", version, "err", err)
		s.finish(nil)
		return
	}
	go func() {
		snap, err := s.write(exp)
		exp.Close()
		if err != nil {
			s.logger.Error("snapshot failed", "height", version, "err", err)
		} else {
			s.logger.Info("snapshot taken", "height", version, "chunks", snap.Chunks, "hash", fmt.Sprintf("%X", snap.Hash))
		}
		s.finish(snap)
	}()
}

// finish records a written snapshot (nil: none) and prunes old ones.
func (s *snapshots) finish(snap *abci.Snapshot) {
	s.mu.Lock()
	var drop []*abci.Snapshot
	if snap != nil {
		s.list = append([]*abci.Snapshot{snap}, s.list...)
		sort.Slice(s.list, func(i, j int) bool { return s.list[i].Height > s.list[j].Height })
		if len(s.list) > s.opts.KeepRecent {
			drop = s.list[s.opts.KeepRecent:]
			s.list = s.list[:s.opts.KeepRecent:s.opts.KeepRecent]
		}
	}
	s.writing = false
	s.mu.Unlock()
	for _, d := range drop {
		if err := os.RemoveAll(s.dir(d.Height)); err != nil {
			s.logger.Error("cannot remove old snapshot", "height", d.Height, "err", err)
		}
	}
	s.wg.Done()
}

// write streams the exported version into chunk files in a staging folder
// and renames it into place.
func (s *snapshots) write(exp *state.Exporter) (*abci.Snapshot, error) {
	height := uint64(exp.Version())
	tmp := filepath.Join(s.opts.Dir, fmt.Sprintf(".tmp-%d", height))
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(tmp)
		}
	}()
	cw := &chunkWriter{dir: tmp, size: s.opts.ChunkBytes}
	if _, err := exp.WriteTo(cw, s.closing.Load); err != nil {
		cw.close()
		return nil, err
	}
	if err := cw.close(); err != nil {
		return nil, err
	}
	meta := snapshotMeta{Height: height, Format: state.StreamFormat, Chunks: uint32(len(cw.hashes)), AppHash: hex.EncodeToString(exp.Hash())}
	var md []byte
	for _, h := range cw.hashes {
		meta.ChunkHashes = append(meta.ChunkHashes, hex.EncodeToString(h))
		md = append(md, h...)
	}
	meta.Hash = hex.EncodeToString(sha256Of(md))
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(tmp, snapshotMetaFile), b, 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, s.dir(height)); err != nil {
		return nil, err
	}
	ok = true
	return meta.abci()
}

// chunkWriter cuts a stream into files of size bytes, hashing each.
type chunkWriter struct {
	dir    string
	size   int
	buf    []byte
	hashes [][]byte
}

func chunkFile(dir string, i uint32) string { return filepath.Join(dir, fmt.Sprintf("chunk-%06d", i)) }

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := w.size - len(w.buf)
		if room > len(p) {
			room = len(p)
		}
		w.buf = append(w.buf, p[:room]...)
		p = p[room:]
		if len(w.buf) == w.size {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if err := fsutil.WriteFileAtomic(chunkFile(w.dir, uint32(len(w.hashes))), w.buf, 0o600); err != nil {
		return err
	}
	w.hashes = append(w.hashes, sha256Of(w.buf))
	w.buf = w.buf[:0]
	return nil
}

func (w *chunkWriter) close() error {
	if len(w.buf) > 0 || len(w.hashes) == 0 {
		return w.flush()
	}
	return nil
}

// close stops a snapshot being written, waits for it and drops a restore in progress.
func (s *snapshots) close() {
	s.closing.Store(true)
	s.wg.Wait()
	if s.restore != nil {
		s.restore.abandon()
		s.restore = nil
	}
}

// WaitSnapshots waits until no snapshot is being written (tests and tools).
func (a *App) WaitSnapshots() {
	if a.snaps != nil {
		a.snaps.wg.Wait()
	}
}

// ListSnapshots offers the snapshots kept, newest first.
func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	res := &abci.ResponseListSnapshots{}
	if a.snaps == nil {
		return res, nil
	}
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	for _, s := range a.snaps.list {
		c := *s
		res.Snapshots = append(res.Snapshots, &c)
	}
	return res, nil
}

// LoadSnapshotChunk serves one chunk of a kept snapshot (empty when it is gone).
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	res := &abci.ResponseLoadSnapshotChunk{}
	if a.snaps == nil || req.Format != state.StreamFormat {
		return res, nil
	}
	a.snaps.mu.Lock()
	var snap *abci.Snapshot
	for _, s := range a.snaps.list {
		if s.Height == req.Height && s.Format == req.Format {
			snap = s
		}
	}
	a.snaps.mu.Unlock()
	if snap == nil || req.Chunk >= snap.Chunks {
		return res, nil
	}
	b, err := os.ReadFile(chunkFile(a.snaps.dir(req.Height), req.Chunk))
	if err != nil {
		a.logger.Error("cannot read snapshot chunk", "height", req.Height, "chunk", req.Chunk, "err", err)
		return res, nil
	}
	res.Chunk = b
	return res, nil
}

// OfferSnapshot accepts a snapshot to restore when this node has no state
// yet and the snapshot is well formed; req.AppHash is the app hash of its
// height, verified by CometBFT's light client.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	reply := func(r abci.ResponseOfferSnapshot_Result) (*abci.ResponseOfferSnapshot, error) {
		return &abci.ResponseOfferSnapshot{Result: r}, nil
	}
	s := a.snaps
	if s != nil && s.restore != nil {
		// A restore in progress is over: an offer means CometBFT gave it up.
		// Once it has stopped, the tree is empty again (or, never, restored).
		s.restore.abandon()
		s.restore = nil
	}
	if s == nil || a.tree.Version() != 0 {
		a.logger.Error("refusing to restore a snapshot", "snapshots_enabled", s != nil, "version", a.tree.Version())
		return reply(abci.ResponseOfferSnapshot_ABORT)
	}
	snap := req.Snapshot
	if snap == nil || snap.Format != state.StreamFormat {
		return reply(abci.ResponseOfferSnapshot_REJECT_FORMAT)
	}
	if snap.Height == 0 || snap.Chunks == 0 || len(snap.Metadata) != int(snap.Chunks)*sha256.Size ||
		!bytes.Equal(snap.Hash, sha256Of(snap.Metadata)) || len(req.AppHash) == 0 {
		return reply(abci.ResponseOfferSnapshot_REJECT)
	}
	c := *snap
	s.restore = a.startRestore(&c, append([]byte(nil), req.AppHash...))
	a.logger.Info("restoring snapshot", "height", snap.Height, "chunks", snap.Chunks, "app_hash", fmt.Sprintf("%X", req.AppHash))
	return reply(abci.ResponseOfferSnapshot_ACCEPT)
}

// ApplySnapshotChunk checks a chunk against the snapshot's metadata and
// feeds it to the rebuild; after the last one it waits for the rebuild,
// which checks the root hash.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	reply := func(r abci.ResponseApplySnapshotChunk_Result) (*abci.ResponseApplySnapshotChunk, error) {
		return &abci.ResponseApplySnapshotChunk{Result: r}, nil
	}
	s := a.snaps
	if s == nil || s.restore == nil {
		return reply(abci.ResponseApplySnapshotChunk_ABORT)
	}
	r := s.restore
	if req.Index != r.next {
		// CometBFT applies chunks in order; anything else asks for the right one again.
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{req.Index}}, nil
	}
	want := r.snap.Metadata[int(req.Index)*sha256.Size : int(req.Index+1)*sha256.Size]
	if !bytes.Equal(sha256Of(req.Chunk), want) {
		a.logger.Error("snapshot chunk does not match its hash", "height", r.snap.Height, "chunk", req.Index, "sender", req.Sender)
		res := &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{req.Index}}
		if req.Sender != "" {
			res.RejectSenders = []string{req.Sender}
		}
		return res, nil
	}
	if _, err := r.stream.Write(req.Chunk); err != nil {
		// The rebuild stopped on this snapshot's stream: it is malformed,
		// and the tree is empty again.
		s.restore = nil
		a.logger.Error("snapshot restore failed; the state is empty again", "height", r.snap.Height, "chunk", req.Index, "err", r.wait())
		return reply(abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT)
	}
	r.next++
	if r.next < r.snap.Chunks {
		return reply(abci.ResponseApplySnapshotChunk_ACCEPT)
	}
	s.restore = nil
	lastChunk := time.Now()
	r.stream.Close()
	if err := r.wait(); err != nil {
		a.logger.Error("snapshot restore failed; the state is empty again", "height", r.snap.Height, "err", err)
		return reply(abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT)
	}
	a.saved.Lock()
	defer a.saved.Unlock()
	if err := a.loadLimits(); err != nil {
		return nil, err
	}
	a.pending.reset() // the view is another state now
	if err := a.resetCheckState(); err != nil {
		return nil, err
	}
	a.pendingHash = nil
	// The times are for the operator's log only; nothing of them reaches
	// the state. The rebuild runs while chunks are fetched: what it adds
	// after the last one is what fetching did not hide.
	a.logger.Info("snapshot restored", "height", r.snap.Height, "app_hash", fmt.Sprintf("%X", a.tree.Hash()),
		"chunks", r.snap.Chunks, "seconds", fmt.Sprintf("%.2f", time.Since(r.offered).Seconds()),
		"after_last_chunk_seconds", fmt.Sprintf("%.2f", time.Since(lastChunk).Seconds()))
	return reply(abci.ResponseApplySnapshotChunk_ACCEPT)
}
