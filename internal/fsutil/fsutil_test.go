package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrites(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFileExclusive(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileExclusive(p, []byte("two"), 0o600); err == nil {
		t.Fatal("WriteFileExclusive overwrote an existing file")
	}
	if err := WriteFileAtomic(p, []byte("three"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if err != nil || string(b) != "three" || fi.Mode().Perm() != 0o640 {
		t.Fatalf("read %q %v, mode %v", b, err, fi.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Fatal("a write into a missing folder succeeded")
	}
}
