package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// FuzzAppConfig: config/app.toml is edited by hand (its [[rules.upgrade]]
// entries after a halt). Reading it never panics, and what it accepts is
// within bounds: every upgrade names a version this binary knows and a height.
func FuzzAppConfig(f *testing.F) {
	f.Add([]byte("[state]\nkeep_recent = 5\nprune_interval = 1\n[[rules.upgrade]]\nversion = 2\nheight = 40\nreason = \"halt\"\n"))
	f.Add([]byte("[[rules.upgrade]]\nversion = 99\nheight = -1\n"))
	f.Add([]byte("[state_sync]\nsnapshot_interval = -3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		home := t.TempDir()
		if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(appConfigPath(home), b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadAppConfig(home)
		if err != nil {
			return
		}
		for _, u := range c.Rules.Upgrades {
			if u.Version < 2 || u.Version > types.LatestRules || u.Height < 1 {
				t.Fatalf("accepted upgrade %+v", u)
			}
		}
		if c.State.KeepRecent < 0 || c.State.PruneInterval < 1 {
			t.Fatalf("accepted state %+v", c.State)
		}
	})
}
