package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

func doctorHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	p := testnode.FreePorts(t, 3)
	if _, err := node.InitHome(home, node.InitOptions{Ports: node.Ports{RPC: p[0], P2P: p[1], Prometheus: p[2]}}); err != nil {
		t.Fatal(err)
	}
	return home
}

// recordGenesis stores a genesis in data/state.db as CometBFT does at a
// node's first start (node.LoadStateFromDBOrGenesisDocProvider).
func recordGenesis(t *testing.T, home string, doc *cmttypes.GenesisDoc) {
	t.Helper()
	db, err := dbm.NewGoLevelDB("state", filepath.Join(home, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := cmtjson.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSync([]byte("genesisDoc"), b); err != nil {
		t.Fatal(err)
	}
}

func findingsOf(fs []finding, check string) []finding {
	var out []finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func TestDoctor(t *testing.T) {
	skewed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(-30*time.Second).UTC().Format(http.TimeFormat))
	}))
	defer skewed.Close()
	inTime := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer inTime.Close()

	for _, tc := range []struct {
		name   string
		spoil  func(t *testing.T, home string, o *doctorOptions)
		check  string
		status string
		detail string // in the finding's words
	}{
		{"fresh home", func(*testing.T, string, *doctorOptions) {}, "config", statusOK, "parse"},
		{"config.toml unreadable", func(t *testing.T, home string, _ *doctorOptions) {
			writeFile(t, filepath.Join(home, "config", "config.toml"), "moniker = [\n")
		}, "config", statusFail, "config.toml"},
		{"app.toml out of range", func(t *testing.T, home string, _ *doctorOptions) {
			writeFile(t, filepath.Join(home, "config", "app.toml"), "[state]\nprune_interval = 0\n")
		}, "config", statusFail, "prune_interval >= 1"},
		{"log format unknown", func(t *testing.T, home string, _ *doctorOptions) {
			replaceIn(t, filepath.Join(home, "config", "config.toml"), `log_format = "plain"`, `log_format = "xml"`)
		}, "config", statusFail, "log_format"},
		{"genesis not yet recorded", func(*testing.T, string, *doctorOptions) {}, "genesis", statusOK, "the first start records it"},
		{"genesis as recorded", func(t *testing.T, home string, _ *doctorOptions) {
			doc, _ := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
			recordGenesis(t, home, doc)
		}, "genesis", statusOK, "as recorded in the state"},
		{"genesis replaced", func(t *testing.T, home string, _ *doctorOptions) {
			doc, _ := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
			doc.ChainID = "another-chain"
			recordGenesis(t, home, doc)
		}, "genesis", statusFail, "is not the genesis this home's state was started with"},
		{"genesis missing", func(t *testing.T, home string, _ *doctorOptions) {
			os.Remove(filepath.Join(home, "config", "genesis.json"))
		}, "genesis", statusFail, "copy the chain's genesis.json"},
		{"validator key readable", func(t *testing.T, home string, _ *doctorOptions) {
			os.Chmod(filepath.Join(home, "config", "priv_validator_key.json"), 0o644)
		}, "keys", statusFail, "chmod 600"},
		{"keyring file readable", func(t *testing.T, home string, _ *doctorOptions) {
			os.Chmod(filepath.Join(home, "keyring", "regulator.json"), 0o640)
		}, "keys", statusFail, "regulator.json is readable by others"},
		{"node key missing", func(t *testing.T, home string, _ *doctorOptions) {
			os.Remove(filepath.Join(home, "config", "node_key.json"))
		}, "keys", statusFail, "node_key.json is missing"},
		{"keys unencrypted", func(*testing.T, string, *doctorOptions) {}, "keys", statusWarn, "not encrypted"},
		{"disk short", func(_ *testing.T, _ string, o *doctorOptions) { o.MinFree = 1 << 62 }, "disk", statusFail, "move the home to a larger disk"},
		{"disk enough", func(*testing.T, string, *doctorOptions) {}, "disk", statusOK, "free of"},
		{"clock skewed", func(_ *testing.T, _ string, o *doctorOptions) { o.PeerRPCs = []string{skewed.URL} }, "clock", statusFail, "timedatectl"},
		{"clock in time", func(_ *testing.T, _ string, o *doctorOptions) { o.PeerRPCs = []string{inTime.URL} }, "clock", statusOK, "within 2s"},
		{"peer unreachable", func(t *testing.T, _ string, o *doctorOptions) {
			o.PeerRPCs = []string{"tcp://127.0.0.1:" + itoa(testnode.FreePorts(t, 1)[0])}
		}, "clock", statusFail, "reachable"},
		{"port taken", func(t *testing.T, home string, _ *doctorOptions) {
			conf, _ := node.LoadCometConfig(home)
			l, err := net.Listen("tcp", strings.TrimPrefix(conf.RPC.ListenAddress, "tcp://"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}, "ports", statusFail, "already running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := doctorHome(t)
			o := doctorOptions{Home: home, MaxSkew: 2 * time.Second}
			tc.spoil(t, home, &o)
			fs := doctor(o)
			var hit bool
			for _, f := range findingsOf(fs, tc.check) {
				if f.Status == tc.status && strings.Contains(f.Detail, tc.detail) {
					hit = true
				}
			}
			if !hit {
				t.Fatalf("no %s finding %q containing %q in %+v", tc.status, tc.check, tc.detail, fs)
			}
		})
	}
}

// The command exits non-zero on a failed check and zero on a good home;
// its genesis check reads what a real node recorded.
func TestDoctorCommand(t *testing.T) {
	n := testnode.StartWith(t, testnode.Options{ChainID: "doctor-test", NoMetrics: true})
	if err := n.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "doctor", "--home", n.Home, "--min-free-gib", "0")
	if err != nil || !strings.Contains(out, "as recorded in the state") {
		t.Fatalf("doctor on a good home: %v\n%s", err, out)
	}
	out, err = runCmd(t, "doctor", "--home", n.Home, "--min-free-gib", "0", "--running")
	if err != nil || !strings.Contains(out, "the node runs: not compared") || strings.Contains(out, "ports") {
		t.Fatalf("doctor --running: %v\n%s", err, out)
	}
	os.Chmod(filepath.Join(n.Home, "config", "node_key.json"), 0o644)
	out, err = runCmd(t, "doctor", "--home", n.Home, "--min-free-gib", "0", "-o", "json")
	if err == nil || !strings.Contains(err.Error(), "1 check(s) failed") || !strings.Contains(out, `"status":"fail"`) {
		t.Fatalf("doctor on a spoiled home: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q (%v)", path, old, err)
	}
	writeFile(t, path, strings.Replace(string(b), old, new, 1))
}
