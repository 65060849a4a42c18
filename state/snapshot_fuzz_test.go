package state

import (
	"bytes"
	"testing"
)

// FuzzRestore: a snapshot stream comes from peers. Restore never panics on
// it; it either rebuilds a tree with the trusted hash or refuses and leaves
// the tree empty.
func FuzzRestore(f *testing.F) {
	t := &testing.T{}
	src := snapshotSource(t, Options{})
	stream := exportStream(t, src, src.Version())
	f.Add(stream, int64(src.Version()))
	f.Add(stream[:len(stream)/2], int64(src.Version()))
	f.Add([]byte{}, int64(1))
	want := src.Hash()
	f.Fuzz(func(t *testing.T, data []byte, v int64) {
		// IAVL's importer allocates 4 bytes per height below the one
		// restored; heights come from the light client, which verified them
		// on the chain. Larger ones are refused (TestRestoreRefusals).
		if v > 1<<20 {
			v %= 1 << 20
		}
		dst := OpenMemory(Options{})
		defer dst.Close()
		err := dst.Restore(v, bytes.NewReader(data), want)
		if err == nil && !bytes.Equal(dst.Hash(), want) {
			t.Fatalf("restored hash %X, want %X", dst.Hash(), want)
		}
		if err != nil && dst.Version() != 0 {
			t.Fatalf("a refused restore left version %d", dst.Version())
		}
	})
}
