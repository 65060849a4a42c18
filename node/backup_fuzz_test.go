package node

import (
	"os"
	"path/filepath"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
)

// FuzzImportSignState: the priv_validator_state.json of a backup and of a
// home are outside input; importing never panics and never leaves the home
// with a state older than the one it had.
func FuzzImportSignState(f *testing.F) {
	f.Add([]byte(`{"height": "10", "round": 0, "step": 3}`), []byte(`{"height": "12", "round": 0, "step": 1}`))
	f.Add([]byte(`{"height": 10}`), []byte(`{}`))
	f.Add([]byte(`[]`), []byte(`{"height": "-1", "round": -5, "step": 9}`))
	f.Fuzz(func(t *testing.T, home, backup []byte) {
		dir, in := t.TempDir(), t.TempDir()
		conf := cfg.DefaultConfig()
		conf.SetRoot(dir)
		os.MkdirAll(filepath.Join(dir, "data"), 0o700)
		os.WriteFile(conf.PrivValidatorStateFile(), home, 0o600)
		os.WriteFile(filepath.Join(in, PrivValStateFile), backup, 0o600)
		before, berr := readSignState(conf.PrivValidatorStateFile())
		if err := importSignState(conf, in, &ImportReport{}); err != nil {
			return
		}
		after, err := readSignState(conf.PrivValidatorStateFile())
		if berr == nil && (err != nil || before.after(*after)) {
			t.Fatalf("home's state went from %+v to %+v (%v)", before, after, err)
		}
	})
}
