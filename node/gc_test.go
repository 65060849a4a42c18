package node

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/state"
)

func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	prevLimit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prevLimit)

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	TuneGC()
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Fatalf("without GOGC: GC percent %d, want %d", got, GCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit {
		t.Fatalf("without GOMEMLIMIT: memory limit %d, want %d", got, MemoryLimit)
	}
	debug.SetMemoryLimit(1 << 40)
	t.Setenv("GOMEMLIMIT", "4GiB")
	TuneGC()
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Fatalf("with GOMEMLIMIT set: memory limit changed to %d", got)
	}
	t.Setenv("GOGC", "50")
	TuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set: GC percent changed to %d", got)
	}
}

// TestStateBackendOfHomes: a home made now keeps its state in PebbleDB; a
// home whose app.toml predates db_backend keeps the engine its state is in.
func TestStateBackendOfHomes(t *testing.T) {
	home := t.TempDir()
	if c, err := LoadAppConfig(home); err != nil || c.State.DBBackend != state.BackendPebbleDB {
		t.Fatalf("a home without state or app.toml: %q, %v", c.State.DBBackend, err)
	}
	tr, err := state.Open(StateDir(home), state.Options{Backend: state.BackendGoLevelDB})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if c, err := LoadAppConfig(home); err != nil || c.State.DBBackend != state.BackendGoLevelDB {
		t.Fatalf("an older home's goleveldb state: %q, %v", c.State.DBBackend, err)
	}
	// Its app.toml, written again (analytics init does), names its engine.
	c, _ := LoadAppConfig(home)
	if err := os.MkdirAll(filepath.Dir(appConfigPath(home)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeAppConfig(home, c); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(appConfigPath(home)); !strings.Contains(string(b), `db_backend = "goleveldb"`) {
		t.Fatalf("app.toml written again:\n%s", b)
	}
	if err := os.WriteFile(appConfigPath(home), []byte("[state]\ndb_backend = \"rocksdb\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), "db_backend must be") {
		t.Fatalf("an unknown engine: %v", err)
	}
}
