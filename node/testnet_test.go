package node

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

func TestInitTestnet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	tn, err := InitTestnet(TestnetOptions{Validators: 4, Output: dir, StartingPort: 30000, TimeoutCommit: 200 * time.Millisecond, SnapshotInterval: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Nodes) != 4 || tn.Nodes[0].Division != "330000" || tn.Nodes[1].Division != "330100" || tn.Nodes[3].RegulatorName != "Wenzhou Market Supervision" {
		t.Fatalf("nodes: %+v", tn.Nodes)
	}
	again, err := LoadTestnet(dir)
	if err != nil || len(again.Nodes) != 4 || again.Nodes[2].NodeID != tn.Nodes[2].NodeID {
		t.Fatalf("testnet.json: %+v %v", again, err)
	}

	var genesis []byte
	seen := map[string]bool{}
	for i, n := range tn.Nodes {
		home := filepath.Join(dir, n.Name)
		conf, err := LoadCometConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{conf.P2P.ListenAddress, conf.RPC.ListenAddress, conf.Instrumentation.PrometheusListenAddr} {
			if !strings.Contains(a, "127.0.0.1:") || seen[a] {
				t.Fatalf("node%d address %q: not loopback or used twice", i, a)
			}
			seen[a] = true
		}
		if !conf.Instrumentation.Prometheus || conf.Consensus.TimeoutCommit != 200*time.Millisecond || conf.Moniker != n.Name {
			t.Fatalf("node%d config: prometheus %v, timeout_commit %s, moniker %s", i, conf.Instrumentation.Prometheus, conf.Consensus.TimeoutCommit, conf.Moniker)
		}
		peers := strings.Split(conf.P2P.PersistentPeers, ",")
		if len(peers) != 3 || strings.Contains(conf.P2P.PersistentPeers, n.NodeID) {
			t.Fatalf("node%d peers %q", i, conf.P2P.PersistentPeers)
		}
		g, err := os.ReadFile(conf.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		if genesis == nil {
			genesis = g
		} else if string(g) != string(genesis) {
			t.Fatalf("node%d has another genesis", i)
		}
		ac, err := LoadAppConfig(home)
		if err != nil || ac.StateSync.SnapshotInterval != 10 {
			t.Fatalf("node%d app.toml: %+v %v", i, ac, err)
		}
		key, err := client.NewKeyring(home).Get(RegulatorKeyName)
		if err != nil || hex.EncodeToString(key.Public().(ed25519.PublicKey)) != n.RegulatorKey {
			t.Fatalf("node%d regulator key: %v", i, err)
		}
	}
	gen, err := cmttypes.GenesisDocFromJSON(genesis)
	if err != nil {
		t.Fatal(err)
	}
	if len(gen.Validators) != 4 {
		t.Fatalf("genesis validators: %d", len(gen.Validators))
	}
	for i, v := range gen.Validators {
		if v.Power != 10 || hex.EncodeToString(v.PubKey.Bytes()) != tn.Nodes[i].ValidatorKey {
			t.Fatalf("genesis validator %d: %+v", i, v)
		}
	}
	g, err := app.ParseGenesis(gen.AppState)
	if err != nil {
		t.Fatal(err)
	}
	if g.RootRegulator.Division != "330000" || hex.EncodeToString(g.RootRegulator.Keys[0]) != tn.Nodes[0].RegulatorKey || g.Customs == nil {
		t.Fatalf("app_state: %v", g)
	}
	if _, err := client.NewKeyring(filepath.Join(dir, "node0")).Get(CustomsKeyName); err != nil {
		t.Fatalf("customs key in node0: %v", err)
	}

	script, err := os.ReadFile(filepath.Join(dir, "register.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tn.Nodes[1:] {
		want := "register " + n.Division + ` "` + n.RegulatorName + `" ` + n.RegulatorKey + " " + n.ValidatorKey + " " + n.Name + " 10"
		if !strings.Contains(string(script), want) {
			t.Fatalf("register.sh lacks %q", want)
		}
	}

	if _, err := InitTestnet(TestnetOptions{Validators: 4, Output: dir}); err == nil {
		t.Fatal("a second testnet in the same folder was created")
	}
	for _, bad := range []TestnetOptions{
		{Validators: 0, Output: t.TempDir()},
		{Validators: MaxTestnetValidators + 1, Output: t.TempDir()},
		{Validators: 2, Output: t.TempDir(), Division: "330100"},
		{Validators: 2, Output: t.TempDir(), StartingPort: 80},
	} {
		if _, err := InitTestnet(bad); err == nil {
			t.Fatalf("options %+v accepted", bad)
		}
	}

	// A full node added without state sync: next ports, peers, same genesis, not a validator.
	n, err := AddNode(context.Background(), dir, AddNodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "node4" || n.Division != "330400" || n.Validator || n.P2P != "127.0.0.1:30040" {
		t.Fatalf("added node: %+v", n)
	}
	conf, err := LoadCometConfig(filepath.Join(dir, "node4"))
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := os.ReadFile(conf.GenesisFile()); string(g) != string(genesis) {
		t.Fatal("added node has another genesis")
	}
	if len(strings.Split(conf.P2P.PersistentPeers, ",")) != 4 || conf.StateSync.Enable {
		t.Fatalf("added node: peers %q, state sync %v", conf.P2P.PersistentPeers, conf.StateSync.Enable)
	}
	if tn, _ := LoadTestnet(dir); len(tn.Nodes) != 5 {
		t.Fatalf("testnet.json lists %d nodes", len(tn.Nodes))
	}
	// State sync needs the network running.
	if _, err := AddNode(context.Background(), dir, AddNodeOptions{StateSync: true}); err == nil {
		t.Fatal("state sync without a running network succeeded")
	}
}

func TestAppConfigStateSync(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := LoadAppConfig(home)
	if err != nil || c.StateSync.SnapshotInterval != 1000 || c.StateSync.SnapshotKeepRecent != 2 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c.StateSync.SnapshotInterval = 7
	c.Rules.Upgrades = []UpgradeConfig{{Version: 2, Height: 40, Reason: "resume after the halt at 40"}}
	c.Analytics.Enabled = true // [analytics] follows the [[rules.upgrade]] entries
	if err := writeAppConfig(home, c); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadAppConfig(home); err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("read back %+v %v, want %+v", got, err, c)
	}
	// An app.toml written before [state_sync] existed takes its defaults.
	if err := os.WriteFile(appConfigPath(home), []byte("[state]\nkeep_recent = 5\nprune_interval = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadAppConfig(home); err != nil || got.StateSync != DefaultAppConfig().StateSync || got.State.KeepRecent != 5 {
		t.Fatalf("old app.toml: %+v %v", got, err)
	}
	for _, bad := range []string{"[state_sync]\nsnapshot_interval = -1\n", "[state_sync]\nsnapshot_keep_recent = 0\n"} {
		if err := os.WriteFile(appConfigPath(home), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadAppConfig(home); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestAppMetrics(t *testing.T) {
	m := metricsFor(t.TempDir())
	var _ app.Observer = m
	before := value(t, m.txs.WithLabelValues("block", "commission", "refused"))
	refusedBefore := value(t, m.refusals.WithLabelValues("block", "29", types.ErrInsufficientQuantity.Name))
	m.Tx("block", []string{"commission"}, types.ErrInsufficientQuantity.Code)
	m.Tx("check", nil, types.ErrTxDecode.Code)
	m.Block(3, 2, 5*time.Millisecond)
	m.Committed(3, 42)
	if got := value(t, m.txs.WithLabelValues("block", "commission", "refused")); got != before+1 {
		t.Fatalf("txs counter %v, want %v", got, before+1)
	}
	if got := value(t, m.refusals.WithLabelValues("block", "29", types.ErrInsufficientQuantity.Name)); got != refusedBefore+1 {
		t.Fatalf("refusals counter %v", got)
	}
	if value(t, m.keys) != 42 || value(t, m.height) != 3 {
		t.Fatal("state gauges not set")
	}
	if value(t, m.txs.WithLabelValues("check", "undecodable", "refused")) < 1 {
		t.Fatal("undecodable tx not counted")
	}
}

// value reads a counter's or gauge's current value.
func value(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}
