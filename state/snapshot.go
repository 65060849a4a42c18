package state

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cosmos/iavl"
)

// State-sync streams. A saved version of the tree is exported as the nodes
// of its IAVL tree in the order IAVL's exporter returns them (depth-first
// post-order), which lets an empty tree be rebuilt node for node, to the
// same root hash. Format 1 of the stream is zlib (RFC 1950) over:
//
//	"coldtrace/state/1\n"                    magic
//	uvarint version                          the exported version (height)
//	per node:  0x01 | height(1, int8) | uvarint node version |
//	           uvarint len(key) | key | [uvarint len(value) | value]   (value only for leaves, height 0)
//	end:       0x00 | uvarint number of nodes
//
// The end record guards against truncation; the root hash of the rebuilt
// tree is then checked against the hash the caller trusts.
const StreamFormat uint32 = 1

const streamMagic = "coldtrace/state/1\n"

const (
	recordNode byte = 0x01
	recordEnd  byte = 0x00
)

// maxStreamField bounds a key or value read from a stream (IAVL keys and
// values here are far smaller; a larger length means a corrupt stream).
const maxStreamField = 64 << 20

// MaxRestoreVersion bounds the height of a restored snapshot: IAVL's
// importer allocates 4 bytes per height below it (at half-second blocks
// this is 34 years, and 8 GiB).
const MaxRestoreVersion = 1 << 31

// ErrRestoreMismatch is returned by Restore when the rebuilt tree's root
// hash is not the trusted one.
var ErrRestoreMismatch = errors.New("state: restored tree has another root hash")

// Size is the number of keys in the last saved version (with unsaved writes, in the working tree).
func (t *Tree) Size() int64 { return t.tree.Size() }

// exportCacheSize is the node cache of an export's own reader.
const exportCacheSize = 10_000

// Exporter reads one saved version for a snapshot. It reads through a tree
// reader of its own over the same database, sharing no node in memory with
// the working tree, so it may run in its own goroutine while blocks are
// executed and saved. The version must stay stored until the export ends:
// if pruning removes it first, WriteTo fails (it never writes a partial
// stream as complete).
type Exporter struct {
	reader  *iavl.MutableTree
	exp     *iavl.Exporter
	version int64
	hash    []byte
	size    int64
}

// Export opens saved version v for export.
func (t *Tree) Export(v int64) (*Exporter, error) {
	if !t.tree.VersionExists(v) {
		return nil, fmt.Errorf("state: version %d is not stored", v)
	}
	reader := newReader(t.db, exportCacheSize)
	it, err := reader.GetImmutable(v)
	if err != nil {
		reader.Close()
		return nil, fmt.Errorf("state: open version %d for export: %w", v, err)
	}
	if it.Size() == 0 {
		reader.Close()
		return nil, fmt.Errorf("state: version %d is empty", v)
	}
	exp, err := it.Export()
	if err != nil {
		reader.Close()
		return nil, fmt.Errorf("state: export version %d: %w", v, err)
	}
	return &Exporter{reader: reader, exp: exp, version: v, hash: it.Hash(), size: it.Size()}, nil
}

// Version is the exported version.
func (e *Exporter) Version() int64 { return e.version }

// Hash is the root hash of the exported version (the app hash of its height).
func (e *Exporter) Hash() []byte { return e.hash }

// Close ends the export; it is safe to call more than once.
func (e *Exporter) Close() {
	e.exp.Close()
	if e.reader != nil {
		e.reader.Close()
		e.reader = nil
	}
}

// WriteTo writes the version as a format-1 stream. stop, checked between
// nodes, abandons the export early with an error (nil: never).
func (e *Exporter) WriteTo(w io.Writer, stop func() bool) (nodes int64, err error) {
	zw, err := zlib.NewWriterLevel(w, zlib.BestSpeed)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(zw, 64<<10)
	var buf []byte
	buf = append(buf, streamMagic...)
	buf = binary.AppendUvarint(buf, uint64(e.version))
	if _, err := bw.Write(buf); err != nil {
		return 0, err
	}
	var leaves int64
	for {
		if stop != nil && stop() {
			return nodes, errors.New("state: export stopped")
		}
		n, err := e.exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			break
		}
		if err != nil {
			return nodes, fmt.Errorf("state: export version %d: %w", e.version, err)
		}
		buf = append(buf[:0], recordNode, byte(n.Height))
		buf = binary.AppendUvarint(buf, uint64(n.Version))
		buf = binary.AppendUvarint(buf, uint64(len(n.Key)))
		buf = append(buf, n.Key...)
		if n.Height == 0 {
			buf = binary.AppendUvarint(buf, uint64(len(n.Value)))
			buf = append(buf, n.Value...)
			leaves++
		}
		if _, err := bw.Write(buf); err != nil {
			return nodes, err
		}
		nodes++
	}
	// IAVL's traversal stops silently when a node cannot be read (a version
	// pruned under the export): a complete tree of n keys has 2n-1 nodes.
	if leaves != e.size || nodes != 2*e.size-1 {
		return nodes, fmt.Errorf("state: export of version %d read %d of %d keys (pruned while exported?)", e.version, leaves, e.size)
	}
	buf = append(buf[:0], recordEnd)
	buf = binary.AppendUvarint(buf, uint64(nodes))
	if _, err := bw.Write(buf); err != nil {
		return nodes, err
	}
	if err := bw.Flush(); err != nil {
		return nodes, err
	}
	return nodes, zw.Close()
}

// Restore rebuilds version v from a format-1 stream into this tree, which
// must be empty (no saved version). If the stream is malformed or the
// rebuilt root hash differs from wantHash, everything written is removed,
// the tree is empty again and the error says why (ErrRestoreMismatch for
// the hash).
func (t *Tree) Restore(v int64, r io.Reader, wantHash []byte) error {
	return t.RestoreUnder(nil, v, r, wantHash)
}

// RestoreUnder is Restore for a tree that is read meanwhile (queries of a
// node restoring from chunks as they arrive): the import writes only to
// the database, and the working tree and the reader are replaced by the
// restored ones, or emptied, while lock (if not nil) is held.
func (t *Tree) RestoreUnder(lock sync.Locker, v int64, r io.Reader, wantHash []byte) error {
	if t.Version() != 0 {
		return fmt.Errorf("state: restore into a tree already at version %d", t.Version())
	}
	hash, err := t.restore(v, r)
	if err == nil && !bytes.Equal(hash, wantHash) {
		err = fmt.Errorf("%w: %X, trusted %X", ErrRestoreMismatch, hash, wantHash)
	}
	if lock != nil {
		lock.Lock()
		defer lock.Unlock()
	}
	if err != nil {
		if werr := t.wipe(); werr != nil {
			return fmt.Errorf("%v; then emptying the tree failed: %w", err, werr)
		}
		return err
	}
	if err := t.tree.Close(); err != nil {
		return err
	}
	return t.reopen()
}

// restore imports the stream into the database beside the working tree,
// which it leaves alone, and returns the imported root hash.
func (t *Tree) restore(v int64, r io.Reader) (hash []byte, err error) {
	// The stream comes from peers. What it can do to IAVL's importer is
	// checked above; should a stream still find a panic in it, it is this
	// stream's refusal (and the tree is emptied), not the node's end.
	defer func() {
		if p := recover(); p != nil {
			hash, err = nil, fmt.Errorf("state: snapshot stream: the importer failed on it: %v", p)
		}
	}()
	// zlib reads its input through a ByteReader, so it stops at its own
	// end, and the raw input must end there too: bytes a peer appends
	// after it are refused, and the restore cannot finish before the
	// stream's writer closes it.
	raw := bufio.NewReader(r)
	zr, err := zlib.NewReader(raw)
	if err != nil {
		return nil, fmt.Errorf("state: snapshot stream: %w", err)
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 64<<10)
	magic := make([]byte, len(streamMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != streamMagic {
		return nil, fmt.Errorf("state: not a format-%d snapshot stream", StreamFormat)
	}
	sv, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, fmt.Errorf("state: snapshot stream: version: %w", err)
	}
	if int64(sv) != v {
		return nil, fmt.Errorf("state: snapshot stream holds version %d, not %d", sv, v)
	}
	if v <= 0 || v > MaxRestoreVersion {
		return nil, fmt.Errorf("state: a snapshot at height %d cannot be restored (heights 1 to %d)", v, MaxRestoreVersion)
	}
	// The nodes go into a tree that skips IAVL's fast-storage upgrade: run
	// after an import, that upgrade reads every node of the new tree back
	// from disk to write each key's latest value under its 'f' key, and it
	// took four fifths of a restore. The stream's leaves are those values,
	// so they are written as they arrive (fastIndex); RestoreUnder opens
	// the working tree over the result.
	impTree := newReader(t.db, t.opts.CacheSize)
	defer impTree.Close()
	imp, err := impTree.Import(v)
	if err != nil {
		return nil, fmt.Errorf("state: import version %d: %w", v, err)
	}
	defer imp.Close()
	fast := newFastIndex(t.db, v)
	defer fast.close()
	var shape streamShape
	var nodes uint64
	for {
		kind, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("state: snapshot stream ends after %d nodes without its end record", nodes)
		}
		if kind == recordEnd {
			n, err := binary.ReadUvarint(br)
			if err != nil || n != nodes {
				return nil, fmt.Errorf("state: snapshot stream end record says %d nodes, read %d", n, nodes)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				return nil, errors.New("state: snapshot stream has data after its end record")
			}
			if _, err := raw.ReadByte(); err != io.EOF {
				return nil, errors.New("state: snapshot stream has data after its compressed end")
			}
			break
		}
		if kind != recordNode {
			return nil, fmt.Errorf("state: snapshot stream: unknown record %#02x after %d nodes", kind, nodes)
		}
		n, err := readNode(br)
		if err != nil {
			return nil, fmt.Errorf("state: snapshot stream: node %d: %w", nodes, err)
		}
		// IAVL's importer indexes a slice by the node's version and only
		// checks it from above: a version beyond int64 would panic it.
		if n.Version < 0 || n.Version > v {
			return nil, fmt.Errorf("state: snapshot stream: node %d has version %d, outside 0..%d", nodes, n.Version, v)
		}
		if err := shape.add(n); err != nil {
			return nil, fmt.Errorf("state: snapshot stream: node %d: %w", nodes, err)
		}
		if err := imp.Add(n); err != nil {
			return nil, fmt.Errorf("state: import node %d: %w", nodes, err)
		}
		if n.Height == 0 {
			if err := fast.add(n.Key, n.Value); err != nil {
				return nil, err
			}
		}
		nodes++
	}
	if err := imp.Commit(); err != nil {
		return nil, fmt.Errorf("state: commit import of version %d: %w", v, err)
	}
	if err := fast.finish(); err != nil {
		return nil, err
	}
	return impTree.Hash(), nil
}

func readNode(br *bufio.Reader) (*iavl.ExportNode, error) {
	h, err := br.ReadByte()
	if err != nil {
		return nil, err
	}
	n := &iavl.ExportNode{Height: int8(h)}
	if n.Height < 0 {
		return nil, fmt.Errorf("negative height %d", n.Height)
	}
	ver, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, err
	}
	n.Version = int64(ver)
	if n.Key, err = readField(br); err != nil {
		return nil, err
	}
	if n.Height == 0 {
		if n.Value, err = readField(br); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func readField(br *bufio.Reader) ([]byte, error) {
	l, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, err
	}
	if l > maxStreamField {
		return nil, fmt.Errorf("field of %d bytes", l)
	}
	b := make([]byte, l)
	_, err = io.ReadFull(br, b)
	return b, err
}

// wipe deletes every key of the tree's database and starts an empty tree
// over it, with the options Open used.
func (t *Tree) wipe() error {
	if err := t.tree.Close(); err != nil {
		return err
	}
	var keys [][]byte
	it, err := t.db.Iterator(nil, nil)
	if err != nil {
		return err
	}
	for ; it.Valid(); it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
	}
	if err := it.Close(); err != nil {
		return err
	}
	b := t.db.NewBatch()
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			b.Close()
			return err
		}
	}
	if err := b.WriteSync(); err != nil {
		b.Close()
		return err
	}
	if err := b.Close(); err != nil {
		return err
	}
	return t.reopen()
}

// reopen starts the working tree (closed by the caller) and the reader
// afresh over the database, after a restore or a wipe changed it beneath
// them, with the options Open used, and loads the latest saved version.
func (t *Tree) reopen() error {
	t.tree = newWorking(t.db, t.opts.CacheSize)
	t.reader = newReader(t.db, t.opts.CacheSize) // its cache may hold nodes of the tree before
	_, err := t.tree.Load()
	return err
}
