package app

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadSnapshotDir: a backup's snapshot.json and chunk are outside input;
// reading them errs or returns a snapshot whose chunks match, never panics.
func FuzzReadSnapshotDir(f *testing.F) {
	f.Add([]byte(`{"height":5,"format":1,"chunks":1,"hash":"","chunk_hashes":["00"],"app_hash":"ab"}`), []byte("chunk"))
	f.Add([]byte(`{"height":1,"format":1,"chunks":0}`), []byte{})
	f.Add([]byte(`not json`), []byte("x"))
	f.Fuzz(func(t *testing.T, meta, chunk []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, snapshotMetaFile), meta, 0o600)
		os.WriteFile(chunkFile(dir, 0), chunk, 0o600)
		snap, appHash, err := ReadSnapshotDir(dir)
		if err != nil {
			return
		}
		if snap.Chunks != 1 || len(appHash) == 0 || string(snap.Metadata) != string(sha256Of(chunk)) {
			t.Fatalf("accepted %+v for chunk %x", snap, chunk)
		}
	})
}
