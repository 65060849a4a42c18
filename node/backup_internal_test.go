package node

import (
	"os"
	"path/filepath"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
)

func TestImportSignState(t *testing.T) {
	const (
		h10 = `{"height": "10", "round": 0, "step": 3}`
		h12 = `{"height": "12", "round": 0, "step": 1}`
		r1  = `{"height": "12", "round": 1, "step": 1}`
	)
	for _, tc := range []struct {
		name, home, backup string
		from               string
		height             int64
		round              int32
	}{
		{"home newer: kept", h12, h10, "home", 12, 0},
		{"same: kept", h12, h12, "home", 12, 0},
		{"later round in the backup", h12, r1, "backup", 12, 1},
		{"backup newer", h10, h12, "backup", 12, 0},
		{"home only", h10, "", "home", 10, 0},
		{"backup only", "", h12, "backup", 12, 0},
		{"none", "", "", "none", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, in := t.TempDir(), t.TempDir()
			conf := cfg.DefaultConfig()
			conf.SetRoot(home)
			if tc.home != "" {
				os.MkdirAll(filepath.Join(home, "data"), 0o700)
				os.WriteFile(conf.PrivValidatorStateFile(), []byte(tc.home), 0o600)
			}
			if tc.backup != "" {
				os.WriteFile(filepath.Join(in, PrivValStateFile), []byte(tc.backup), 0o600)
			}
			r := &ImportReport{}
			if err := importSignState(conf, in, r); err != nil {
				t.Fatal(err)
			}
			if r.SignStateBy != tc.from {
				t.Fatalf("from %q, want %q", r.SignStateBy, tc.from)
			}
			if tc.from == "none" {
				return
			}
			got, err := readSignState(conf.PrivValidatorStateFile())
			if err != nil || got.Height != tc.height || got.Round != tc.round {
				t.Fatalf("home's state %+v (%v), want height %d round %d", got, err, tc.height, tc.round)
			}
		})
	}
}
