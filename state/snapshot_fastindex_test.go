package state

import (
	"bytes"
	"fmt"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
)

// TestRestoreWritesIAVLsFastIndex: a restore writes the fast-storage index
// itself, from the stream's leaves, and the database it leaves is the one
// IAVL's own import and upgrade leave, key for key and byte for byte, so a
// restored node loads without rebuilding the index and reads what IAVL
// would. A change of IAVL's formats fails here.
func TestRestoreWritesIAVLsFastIndex(t *testing.T) {
	src := snapshotSource(t, Options{})
	v := src.Version()
	stream := exportStream(t, src, v)

	ours := OpenMemory(Options{})
	if err := ours.Restore(v, bytes.NewReader(stream), src.Hash()); err != nil {
		t.Fatal(err)
	}

	// IAVL's way: import the same nodes into a tree that upgrades to fast
	// storage when the import commits.
	theirs := dbm.NewMemDB()
	tree := iavl.NewMutableTree(iavldb.NewWrapper(theirs), 1000, false, iavl.NewNopLogger())
	imp, err := tree.Import(v)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := src.Export(v)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	for {
		n, err := exp.exp.Next()
		if err == iavl.ErrorExportDone {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := imp.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Commit(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tree.Hash(), src.Hash()) {
		t.Fatalf("IAVL's import: hash %X, want %X", tree.Hash(), src.Hash())
	}

	a, b := dbPairs(t, ours.db), dbPairs(t, theirs)
	fast := 0
	for k := range b {
		if k[0] == fastKeyPrefix {
			fast++
		}
	}
	if fast != int(src.Size()) {
		t.Fatalf("IAVL's upgrade wrote %d fast entries for %d keys; the test no longer sees its index", fast, src.Size())
	}
	for k, want := range b {
		if got, ok := a[k]; !ok {
			t.Errorf("restore lacks %q", k)
		} else if got != want {
			t.Errorf("%q: restore wrote %x, IAVL %x", k, got, want)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			t.Errorf("restore wrote %q, IAVL does not", k)
		}
	}

	// Loaded afresh, the restored tree does not rebuild the index, and the
	// latest version's reads (which use it) and the next version agree.
	again := iavl.NewMutableTree(iavldb.NewWrapper(ours.db), 1000, false, iavl.NewNopLogger())
	if _, err := again.Load(); err != nil {
		t.Fatal(err)
	}
	if ok, err := again.IsUpgradeable(); err != nil || ok {
		t.Fatalf("the restored tree still wants IAVL's fast-storage upgrade (%v, %v)", ok, err)
	}
	for i := 0; i < 500; i++ {
		k := []byte(fmt.Sprintf("k%04d", i))
		got, err := ours.tree.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		want, err := tree.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: restored tree reads %q, IAVL's %q", k, got, want)
		}
	}
}

func dbPairs(t *testing.T, db dbm.DB) map[string]string {
	t.Helper()
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	m := map[string]string{}
	for ; it.Valid(); it.Next() {
		m[string(it.Key())] = string(it.Value())
	}
	return m
}
