package state

import (
	"bytes"
	"fmt"
	"strconv"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl/fastnode"
)

// IAVL's fast storage (iavl v1.2.8, nodedb.go): beside the tree, every key
// of the latest version is stored as 'f'+key → the value and the version it
// is indexed at, and the metadata key 'm'+"storage_version" says which
// version the index matches ("1.1.0-<version>"). A tree that finds the
// index missing or behind rebuilds it from the tree when it loads.
// TestRestoreWritesIAVLsFastIndex keeps this equal, byte for byte, to what
// IAVL's own rebuild writes.
const (
	fastKeyPrefix         = 'f'
	fastStorageVersionKey = "mstorage_version"
	fastStorageVersion    = "1.1.0"
)

// fastFlushBytes bounds the batch of index entries held in memory.
const fastFlushBytes = 16 << 20

// fastIndex writes the fast-storage index of a version being restored, from
// the stream's leaves, in key order as they arrive.
type fastIndex struct {
	db      dbm.DB
	version int64
	batch   dbm.Batch
	held    int
	buf     bytes.Buffer
}

func newFastIndex(db dbm.DB, version int64) *fastIndex {
	return &fastIndex{db: db, version: version, batch: db.NewBatch()}
}

func (f *fastIndex) add(key, value []byte) error {
	f.buf.Reset()
	if err := fastnode.NewNode(key, value, f.version).WriteBytes(&f.buf); err != nil {
		return err
	}
	k := append([]byte{fastKeyPrefix}, key...)
	if err := f.batch.Set(k, bytes.Clone(f.buf.Bytes())); err != nil {
		return fmt.Errorf("state: fast index: %w", err)
	}
	if f.held += len(k) + f.buf.Len(); f.held >= fastFlushBytes {
		if err := f.batch.Write(); err != nil {
			return fmt.Errorf("state: fast index: %w", err)
		}
		f.batch.Close()
		f.batch, f.held = f.db.NewBatch(), 0
	}
	return nil
}

// finish marks the index as matching the restored version and writes what
// is left, synchronously.
func (f *fastIndex) finish() error {
	v := fastStorageVersion + "-" + strconv.FormatInt(f.version, 10)
	if err := f.batch.Set([]byte(fastStorageVersionKey), []byte(v)); err != nil {
		return err
	}
	if err := f.batch.WriteSync(); err != nil {
		return fmt.Errorf("state: fast index: %w", err)
	}
	return nil
}

func (f *fastIndex) close() {
	if f.batch != nil {
		f.batch.Close()
		f.batch = nil
	}
}
