package node_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

// Export from a stopped node's state, and the import's refusals (a
// restore that succeeds is testnet/restore_test.go, on four validators).
func TestSnapshotExportAndImportRefusals(t *testing.T) {
	n := testnode.Start(t, "backup-test")
	committed(t, n.Client, n.Root, 0, 3)
	if err := n.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "snap")
	r, err := node.ExportSnapshot(n.Home, 0, out)
	if err != nil {
		t.Fatal(err)
	}
	if r.FromKept || r.Height < 2 || r.SignState == nil || r.SignState.Height < 2 {
		t.Fatalf("export %+v", r)
	}
	if _, err := os.Stat(filepath.Join(out, node.PrivValStateFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := node.ExportSnapshot(n.Home, 0, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("export over a folder: %v", err)
	}
	if _, err := node.ExportSnapshot(n.Home, 1_000_000, filepath.Join(dir, "far")); err == nil || !strings.Contains(err.Error(), "not stored") {
		t.Fatalf("export of a height never reached: %v", err)
	}

	ctx := context.Background()
	peer := []string{"tcp://127.0.0.1:1"}
	if _, err := node.ImportSnapshot(ctx, n.Home, node.ImportOptions{In: out, PeerRPCs: peer}); !errors.Is(err, node.ErrHomeNotEmpty) {
		t.Fatalf("import into a home with state: %v", err)
	}
	if _, err := node.ImportSnapshot(ctx, n.Home, node.ImportOptions{In: out}); err == nil || !strings.Contains(err.Error(), "--peer-rpc") {
		t.Fatalf("import without peers: %v", err)
	}
	chunk := filepath.Join(out, "chunk-000000")
	b, _ := os.ReadFile(chunk)
	b[len(b)/2] ^= 1
	os.WriteFile(chunk, b, 0o600)
	if _, _, err := app.ReadSnapshotDir(out); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged chunk: %v", err)
	}
	if _, err := node.ImportSnapshot(ctx, n.Home, node.ImportOptions{In: out, PeerRPCs: peer}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("import of a damaged snapshot: %v", err)
	}
}
