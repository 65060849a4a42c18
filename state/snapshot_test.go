package state

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cosmos/iavl"
)

// snapshotSource builds a tree of several versions with overwrites and
// deletes, so the exported nodes carry different versions.
func snapshotSource(t *testing.T, opts Options) *Tree {
	t.Helper()
	tr := OpenMemory(opts)
	for v := 0; v < 6; v++ {
		for i := 0; i < 200; i++ {
			mustSet(t, tr, fmt.Sprintf("k%04d", (i*7+v*13)%500), fmt.Sprintf("value %d of version %d", i, v))
		}
		for i := 0; i < 20; i++ {
			mustDelete(t, tr, fmt.Sprintf("k%04d", (i*31+v)%500))
		}
		if _, _, err := tr.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func exportStream(t *testing.T, tr *Tree, v int64) []byte {
	t.Helper()
	exp, err := tr.Export(v)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	var buf bytes.Buffer
	if _, err := exp.WriteTo(&buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func allPairs(t *testing.T, kv KV) []kvPair { return collect(t, kv, nil, nil, 0) }

// TestExportRestoreRoundTrip: a restored version has the same root hash, the
// same keys and values, and can go on to the next version like the source.
func TestExportRestoreRoundTrip(t *testing.T) {
	src := snapshotSource(t, Options{})
	v := src.Version()
	stream := exportStream(t, src, v)

	dst := OpenMemory(Options{})
	if err := dst.Restore(v, bytes.NewReader(stream), src.Hash()); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if dst.Version() != v || !bytes.Equal(dst.Hash(), src.Hash()) {
		t.Fatalf("restored version %d hash %X, want %d %X", dst.Version(), dst.Hash(), v, src.Hash())
	}
	snap, err := src.Immutable(v)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := allPairs(t, snap), allPairs(t, dst); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("restored content differs: %d pairs vs %d", len(a), len(b))
	}
	if dst.Size() != src.Size() {
		t.Fatalf("size %d, want %d", dst.Size(), src.Size())
	}
	for _, tr := range []*Tree{src, dst} {
		mustSet(t, tr, "k9999", "next")
		mustDelete(t, tr, "k0007")
		if _, _, err := tr.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(dst.Hash(), src.Hash()) {
		t.Fatalf("next version: restored %X, source %X", dst.Hash(), src.Hash())
	}
	// The same version exports to the same bytes.
	if again := exportStream(t, src, v); !bytes.Equal(again, stream) {
		t.Fatal("two exports of one version differ")
	}
}

// TestRestoreRefusals: a bad stream or a wrong hash leaves the tree empty
// and ready for another attempt.
func TestRestoreRefusals(t *testing.T) {
	src := snapshotSource(t, Options{})
	v := src.Version()
	stream := exportStream(t, src, v)
	flipped := append([]byte(nil), stream...)
	flipped[len(flipped)/2] ^= 0xFF

	cases := []struct {
		name    string
		version int64
		stream  []byte
		hash    []byte
		isHash  bool
	}{
		{"wrong trusted hash", v, stream, bytes.Repeat([]byte{1}, 32), true},
		{"truncated stream", v, stream[:len(stream)-10], src.Hash(), false},
		{"corrupted stream", v, flipped, src.Hash(), false},
		{"other version", v - 1, stream, src.Hash(), false},
		{"not a stream", v, []byte("hello"), src.Hash(), false},
		{"a node's version beyond int64", v, nodeStream(v, 1<<63+7), src.Hash(), false},
		{"a node's version after the stream's", v, nodeStream(v, uint64(v)+1), src.Hash(), false},
		{"a height IAVL cannot import", 1 << 40, streamOfVersion(1 << 40), src.Hash(), false},
		// IAVL's hash of an inner node leaves out its key: rewritten keys
		// keep the trusted root hash, and would answer lookups wrongly.
		{"inner keys rewritten", v, rewriteStream(t, stream, func(n *iavl.ExportNode) {
			if n.Height > 0 {
				n.Key = []byte("zzz")
			}
		}), src.Hash(), false},
		{"leaves out of order", v, rewriteStream(t, stream, func(n *iavl.ExportNode) {
			if n.Height == 0 && string(n.Key) == "k0100" {
				n.Key = []byte("k0000")
			}
		}), src.Hash(), false},
		{"leaves without parents", v, leavesStream(v, 300, 1<<10), src.Hash(), false},
		{"bytes after the compressed stream", v, append(append([]byte(nil), stream...), make([]byte, 10_000)...), src.Hash(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := OpenMemory(Options{})
			err := dst.Restore(tc.version, bytes.NewReader(tc.stream), tc.hash)
			if err == nil {
				t.Fatal("restore succeeded")
			}
			if errors.Is(err, ErrRestoreMismatch) != tc.isHash {
				t.Fatalf("error %v: hash mismatch %v, want %v", err, errors.Is(err, ErrRestoreMismatch), tc.isHash)
			}
			if dst.Version() != 0 || len(allPairs(t, dst)) != 0 {
				t.Fatalf("after a failed restore: version %d, %d keys", dst.Version(), len(allPairs(t, dst)))
			}
			if err := dst.Restore(v, bytes.NewReader(stream), src.Hash()); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			if !bytes.Equal(dst.Hash(), src.Hash()) {
				t.Fatal("second attempt: another hash")
			}
		})
	}
	t.Run("into a tree with state", func(t *testing.T) {
		if err := src.Restore(v, bytes.NewReader(stream), src.Hash()); err == nil {
			t.Fatal("restore over existing state succeeded")
		}
		if src.Version() != v {
			t.Fatalf("source changed to version %d", src.Version())
		}
	})
}

// TestExportWhileWriting: an export runs in its own goroutine while the
// tree goes on writing and saving versions, and restores to the exported
// version (run with -race: the export shares no node with the working tree).
func TestExportWhileWriting(t *testing.T) {
	src := snapshotSource(t, Options{})
	v := src.Version()
	hash := src.Hash()
	snap, err := src.Immutable(v)
	if err != nil {
		t.Fatal(err)
	}
	want := allPairs(t, snap)
	exp, err := src.Export(v)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var buf bytes.Buffer
	go func() {
		_, err := exp.WriteTo(&buf, nil)
		exp.Close()
		done <- err
	}()
	for i := 0; i < 20; i++ {
		for j := 0; j < 50; j++ {
			mustSet(t, src, fmt.Sprintf("k%04d", (i*50+j)%600), fmt.Sprintf("later %d", i))
		}
		if _, _, err := src.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	dst := OpenMemory(Options{})
	if err := dst.Restore(v, &buf, hash); err != nil {
		t.Fatal(err)
	}
	if got := allPairs(t, dst); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatal("restored content differs from the exported version")
	}
}

// TestExportOfPrunedVersionFails: an export whose version is pruned under it
// fails instead of writing a partial stream.
func TestExportOfPrunedVersionFails(t *testing.T) {
	src := snapshotSource(t, Options{KeepRecent: 1, PruneInterval: 1})
	v := src.Version()
	exp, err := src.Export(v)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	for i := 0; i < 3; i++ {
		for j := 0; j < 300; j++ {
			mustSet(t, src, fmt.Sprintf("k%04d", j), fmt.Sprintf("later %d", i))
		}
		if _, _, err := src.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for src.VersionExists(v) {
		if time.Now().After(deadline) {
			t.Fatalf("version %d was not pruned", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Pruning's deletions reach the database with the next save.
	mustSet(t, src, "k0000", "last")
	if _, _, err := src.SaveVersion(); err != nil {
		t.Fatal(err)
	}
	if _, err := exp.WriteTo(&bytes.Buffer{}, nil); err == nil {
		t.Fatal("export of a pruned version succeeded")
	}
}

// TestExportStops: the stop function abandons an export.
func TestExportStops(t *testing.T) {
	src := snapshotSource(t, Options{})
	exp, err := src.Export(src.Version())
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	if _, err := exp.WriteTo(&bytes.Buffer{}, func() bool { return true }); err == nil {
		t.Fatal("stopped export succeeded")
	}
}

// TestRestoreOnDisk: a restore into goleveldb survives closing and reopening.
func TestRestoreOnDisk(t *testing.T) {
	src := snapshotSource(t, Options{})
	stream := exportStream(t, src, src.Version())
	dir := t.TempDir()
	dst, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.Restore(src.Version(), bytes.NewReader(stream), []byte("wrong")); err == nil {
		t.Fatal("wrong hash accepted")
	}
	if err := dst.Restore(src.Version(), bytes.NewReader(stream), src.Hash()); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Version() != src.Version() || !bytes.Equal(again.Hash(), src.Hash()) {
		t.Fatalf("reopened at %d %X, want %d %X", again.Version(), again.Hash(), src.Version(), src.Hash())
	}
}

// nodeStream is a format-1 stream of version v holding one leaf of version
// nodeVersion (as a uvarint, so it may not fit an int64).
func nodeStream(v int64, nodeVersion uint64) []byte {
	buf := binary.AppendUvarint([]byte(streamMagic), uint64(v))
	buf = append(buf, recordNode, 0)
	buf = binary.AppendUvarint(buf, nodeVersion)
	buf = append(binary.AppendUvarint(buf, 1), 'k')
	buf = append(binary.AppendUvarint(buf, 1), 'v')
	buf = append(buf, recordEnd)
	buf = binary.AppendUvarint(buf, 1)
	return zlibOf(buf)
}

// streamOfVersion is the start of a format-1 stream of version v.
func streamOfVersion(v int64) []byte {
	return zlibOf(binary.AppendUvarint([]byte(streamMagic), uint64(v)))
}

func zlibOf(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// rewriteStream re-encodes a stream with each node passed through edit.
func rewriteStream(t *testing.T, stream []byte, edit func(*iavl.ExportNode)) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(zr)
	if _, err := br.Discard(len(streamMagic)); err != nil {
		t.Fatal(err)
	}
	v, err := binary.ReadUvarint(br)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.AppendUvarint([]byte(streamMagic), v)
	for {
		kind, err := br.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		if kind == recordEnd {
			n, _ := binary.ReadUvarint(br)
			return zlibOf(binary.AppendUvarint(append(out, recordEnd), n))
		}
		n, err := readNode(br)
		if err != nil {
			t.Fatal(err)
		}
		edit(n)
		out = appendNode(out, n)
	}
}

// leavesStream is a stream of version v of n leaves of size bytes each,
// in key order, and no inner node.
func leavesStream(v int64, n, size int) []byte {
	out := binary.AppendUvarint([]byte(streamMagic), uint64(v))
	for i := 0; i < n; i++ {
		out = appendNode(out, &iavl.ExportNode{Key: []byte(fmt.Sprintf("k%06d", i)), Value: make([]byte, size), Version: 1})
	}
	return zlibOf(binary.AppendUvarint(append(out, recordEnd), uint64(n)))
}

func appendNode(out []byte, n *iavl.ExportNode) []byte {
	out = append(out, recordNode, byte(n.Height))
	out = binary.AppendUvarint(out, uint64(n.Version))
	out = append(binary.AppendUvarint(out, uint64(len(n.Key))), n.Key...)
	if n.Height == 0 {
		out = append(binary.AppendUvarint(out, uint64(len(n.Value))), n.Value...)
	}
	return out
}
