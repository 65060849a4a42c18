package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
)

// Options tune the tree. Zero values take the defaults.
type Options struct {
	// KeepRecent is how many recent versions stay queryable; 0 keeps every
	// version (nothing is pruned), which auditors of old heights want.
	KeepRecent int64
	// PruneInterval is how many blocks pass between prunings.
	PruneInterval int64
	// CacheSize is the number of tree nodes kept in memory.
	CacheSize int
	// Backend is the storage engine of a new state: "goleveldb" (the
	// default) or "pebbledb". An existing state keeps its own; naming another
	// one is an error, since a state is not converted.
	Backend string
}

// The storage engines a state can be kept in, and the folder each keeps it in.
const (
	BackendGoLevelDB = "goleveldb"
	BackendPebbleDB  = "pebbledb"
)

var backendDBName = map[string]string{BackendGoLevelDB: "application", BackendPebbleDB: "application-pebble"}

// DefaultOptions keep the last 100,000 versions (about 14 hours of half-second
// blocks) and prune every 100 blocks.
func DefaultOptions() Options {
	return Options{KeepRecent: 100_000, PruneInterval: 100, CacheSize: 100_000}
}

// Tree is the one IAVL tree holding all of coldtrace's state. Its root hash
// is the app hash and its version is the block height.
type Tree struct {
	db   dbm.DB
	tree *iavl.MutableTree
	// reader serves the saved versions (Immutable) from nodes of its own:
	// IAVL's working tree rewrites the child links of the nodes it shares
	// with its saved versions as it changes, so queries, the mempool's view
	// and exports, which read while a block is executed, must not share them.
	reader *iavl.MutableTree
	opts   Options
	// written holds the keys set or deleted since the last TakeWritten: the
	// mempool's view learns from them which reads of its pending txs a
	// block may have changed (app/recheck.go).
	written map[string]struct{}
	closed  bool
}

// newReader opens a tree over db that only reads saved versions (or
// imports one). It never uses fast storage, which holds the latest version
// only, and never upgrades to it.
func newReader(db dbm.DB, cacheSize int) *iavl.MutableTree {
	return iavl.NewMutableTree(iavldb.NewWrapper(db), cacheSize, true, iavl.NewNopLogger())
}

// newWorking opens the working tree over db: fast storage for the latest
// version, and pruning in the background.
func newWorking(db dbm.DB, cacheSize int) *iavl.MutableTree {
	return iavl.NewMutableTree(iavldb.NewWrapper(db), cacheSize, false, iavl.NewNopLogger(), iavl.AsyncPruningOption(true))
}

// Open opens the tree in dir, in the storage engine it was created with,
// or creates it with opts.Backend, and loads the latest saved version.
func Open(dir string, opts Options) (*Tree, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	backend, err := StateBackend(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case backend == "" && opts.Backend == "":
		backend = BackendGoLevelDB
	case backend == "":
		backend = opts.Backend
	case opts.Backend != "" && opts.Backend != backend:
		return nil, fmt.Errorf("state: %s holds a %s state, not %s: a state is not converted; name %s (app.toml [state] db_backend), or join again into a fresh home by state sync", dir, backend, opts.Backend, backend)
	}
	name, ok := backendDBName[backend]
	if !ok {
		return nil, fmt.Errorf("state: unknown storage engine %q: use %s or %s", backend, BackendGoLevelDB, BackendPebbleDB)
	}
	var db dbm.DB
	if backend == BackendPebbleDB {
		db, err = dbm.NewPebbleDB(name, dir, nil)
	} else {
		db, err = dbm.NewGoLevelDB(name, dir, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", filepath.Join(dir, name+".db"), err)
	}
	return newTree(db, opts)
}

// StateBackend names the storage engine of the state in dir ("" when there
// is none yet).
func StateBackend(dir string) (string, error) {
	var found []string
	for _, b := range []string{BackendGoLevelDB, BackendPebbleDB} {
		if _, err := os.Stat(filepath.Join(dir, backendDBName[b]+".db")); err == nil {
			found = append(found, b)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("state: %s holds both a goleveldb and a pebbledb state; move the one not in use away", dir)
}

// OpenMemory opens an empty tree that lives in memory, for tests and tools.
func OpenMemory(opts Options) *Tree {
	t, err := newTree(dbm.NewMemDB(), opts)
	if err != nil {
		panic(err) // an empty memory database cannot fail to load
	}
	return t
}

func newTree(db dbm.DB, opts Options) (*Tree, error) {
	def := DefaultOptions()
	if opts.PruneInterval <= 0 {
		opts.PruneInterval = def.PruneInterval
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = def.CacheSize
	}
	if opts.KeepRecent < 0 {
		_ = db.Close()
		return nil, errors.New("state: keep-recent must be 0 (keep all) or positive")
	}
	t := newWorking(db, opts.CacheSize)
	if _, err := t.Load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state: load latest version: %w", err)
	}
	return &Tree{db: db, tree: t, reader: newReader(db, opts.CacheSize), opts: opts, written: map[string]struct{}{}}, nil
}

// Version is the last saved version (0 before the first block).
func (t *Tree) Version() int64 { return t.tree.Version() }

// Hash is the root hash of the last saved version.
func (t *Tree) Hash() []byte { return t.tree.Hash() }

// WorkingHash is the root hash including unsaved writes.
func (t *Tree) WorkingHash() []byte { return t.tree.WorkingHash() }

// SetInitialVersion makes the first saved version v instead of 1 (genesis initial_height).
func (t *Tree) SetInitialVersion(v int64) {
	if v > 1 {
		t.tree.SetInitialVersion(uint64(v))
	}
}

// SaveVersion persists the working tree as the next version and queues the
// pruning of versions older than KeepRecent.
func (t *Tree) SaveVersion() ([]byte, int64, error) {
	hash, version, err := t.tree.SaveVersion()
	if err != nil {
		return nil, 0, err
	}
	if k := t.opts.KeepRecent; k > 0 && version > k && version%t.opts.PruneInterval == 0 {
		if err := t.tree.DeleteVersionsTo(version - k); err != nil {
			return nil, 0, fmt.Errorf("state: prune to %d: %w", version-k, err)
		}
	}
	return hash, version, nil
}

// Rollback drops every unsaved write.
func (t *Tree) Rollback() { t.tree.Rollback() }

// Immutable returns a read-only view of a saved version; queries use it so
// they never see, nor stall, a block in progress.
func (t *Tree) Immutable(version int64) (*Snapshot, error) {
	it, err := t.reader.GetImmutable(version)
	if err != nil {
		return nil, err
	}
	return &Snapshot{tree: it}, nil
}

// VersionExists reports whether a saved version is still stored.
func (t *Tree) VersionExists(v int64) bool { return t.tree.VersionExists(v) }

// Close closes the tree, then its database.
func (t *Tree) Close() error {
	if t.closed {
		return nil // pebble panics on a second close; goleveldb only errs
	}
	t.closed = true
	err := t.tree.Close()
	if rerr := t.reader.Close(); err == nil {
		err = rerr
	}
	if cerr := t.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get reads the working tree.
func (t *Tree) Get(key []byte) ([]byte, error) { return t.tree.Get(key) }

// Set writes to the working tree. The tree keeps references, so both slices are copied.
func (t *Tree) Set(key, value []byte) error {
	t.written[string(key)] = struct{}{}
	_, err := t.tree.Set(append([]byte(nil), key...), append([]byte{}, value...))
	return err
}

// Delete removes a key from the working tree.
func (t *Tree) Delete(key []byte) error {
	t.written[string(key)] = struct{}{}
	_, _, err := t.tree.Remove(key)
	return err
}

// TakeWritten returns the keys set or deleted since the last call, and
// starts a new set.
func (t *Tree) TakeWritten() map[string]struct{} {
	w := t.written
	t.written = map[string]struct{}{}
	return w
}

// Iterate walks the working tree.
func (t *Tree) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	return iterate(t.tree.Iterator, start, end, fn)
}

// iterate walks an IAVL iterator in ascending key order until fn says stop.
func iterate(open func(start, end []byte, ascending bool) (iavldb.Iterator, error), start, end []byte, fn func(key, value []byte) bool) error {
	it, err := open(start, end, true)
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return it.Error()
}

// Snapshot is a saved version, read only. It can prove what it holds.
type Snapshot struct {
	tree *iavl.ImmutableTree
}

// ErrReadOnly is returned when writing to a saved version.
var ErrReadOnly = errors.New("state: a saved version is read only")

func (s *Snapshot) Version() int64                 { return s.tree.Version() }
func (s *Snapshot) Hash() []byte                   { return s.tree.Hash() }
func (s *Snapshot) Get(key []byte) ([]byte, error) { return s.tree.Get(key) }
func (s *Snapshot) Set(_, _ []byte) error          { return ErrReadOnly }
func (s *Snapshot) Delete(_ []byte) error          { return ErrReadOnly }

func (s *Snapshot) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	return iterate(s.tree.Iterator, start, end, fn)
}
