package app

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/state"
)

// Snapshots as files outside a running node, for backups (`coldtrace
// snapshot export|import`): the same folder a node keeps in
// data/snapshots/{height} (chunk-NNNNNN files and snapshot.json, written by
// the code that writes those), so a kept snapshot is a backup as it stands.

// WriteSnapshotDir writes saved version height of tree as a snapshot into
// dir, which must not exist; it appears whole or not at all.
func WriteSnapshotDir(tree *state.Tree, height int64, dir string) (*abci.Snapshot, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("%s exists: give a new folder", dir)
	}
	parent, err := os.MkdirTemp(filepath.Dir(dir), ".snapshot-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(parent)
	exp, err := tree.Export(height)
	if err != nil {
		return nil, err
	}
	defer exp.Close()
	s := &snapshots{opts: SnapshotOptions{Dir: parent, ChunkBytes: defaultChunkBytes}, logger: log.NewNopLogger()}
	snap, err := s.write(exp)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(s.dir(snap.Height), dir); err != nil {
		return nil, err
	}
	return snap, nil
}

// ReadSnapshotDir reads a snapshot folder and checks every chunk against
// snapshot.json; it returns the snapshot and the app hash it restores to.
func ReadSnapshotDir(dir string) (*abci.Snapshot, []byte, error) {
	snap, err := readSnapshotMeta(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a snapshot: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, snapshotMetaFile))
	if err != nil {
		return nil, nil, err
	}
	var m snapshotMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, err
	}
	appHash, err := hex.DecodeString(m.AppHash)
	if err != nil || len(appHash) == 0 || m.Format != state.StreamFormat || snap.Height == 0 || snap.Chunks == 0 {
		return nil, nil, fmt.Errorf("%s: snapshot.json names no app hash, height, chunk or known format", dir)
	}
	for i := uint32(0); i < snap.Chunks; i++ {
		c, err := os.ReadFile(chunkFile(dir, i))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: chunk %d: %w", dir, i, err)
		}
		if !bytes.Equal(sha256Of(c), snap.Metadata[int(i)*32:int(i+1)*32]) {
			return nil, nil, fmt.Errorf("%s: chunk %d does not match its hash in snapshot.json: the copy is damaged", dir, i)
		}
	}
	return snap, appHash, nil
}

// RestoreSnapshotDir rebuilds tree, which must be empty, from a snapshot
// folder; the rebuilt root hash must be the snapshot's app hash.
func RestoreSnapshotDir(tree *state.Tree, dir string) (*abci.Snapshot, []byte, error) {
	snap, appHash, err := ReadSnapshotDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var rs []io.Reader
	for i := uint32(0); i < snap.Chunks; i++ {
		f, err := os.Open(chunkFile(dir, i))
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		rs = append(rs, f)
	}
	if err := tree.Restore(int64(snap.Height), io.MultiReader(rs...), appHash); err != nil {
		return nil, nil, err
	}
	return snap, appHash, nil
}
