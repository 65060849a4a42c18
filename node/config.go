package node

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"

	"github.com/coldtrace/coldtrace/state"
)

// AppConfig is coldtrace's own part of a home: config/app.toml.
type AppConfig struct {
	State     StateConfig     `toml:"state"`
	StateSync StateSyncConfig `toml:"state_sync"`
}

// StateSyncConfig sets the snapshots a node takes and serves to nodes that
// join by state sync (CometBFT's [statesync] in config.toml is the joining side).
type StateSyncConfig struct {
	// SnapshotInterval: a snapshot every this many heights; 0 takes none.
	SnapshotInterval int64 `toml:"snapshot_interval"`
	// SnapshotKeepRecent snapshots are kept on disk, newest first.
	SnapshotKeepRecent int `toml:"snapshot_keep_recent"`
}

// StateConfig sets how many tree versions stay queryable.
type StateConfig struct {
	// KeepRecent versions stay queryable with proofs; 0 keeps every version.
	KeepRecent int64 `toml:"keep_recent"`
	// PruneInterval is how many blocks pass between prunings.
	PruneInterval int64 `toml:"prune_interval"`
}

// DefaultAppConfig mirrors state.DefaultOptions and takes a snapshot every
// 1,000 heights, keeping two.
func DefaultAppConfig() AppConfig {
	o := state.DefaultOptions()
	return AppConfig{
		State:     StateConfig{KeepRecent: o.KeepRecent, PruneInterval: o.PruneInterval},
		StateSync: StateSyncConfig{SnapshotInterval: 1000, SnapshotKeepRecent: 2},
	}
}

const appConfigHeader = `# coldtrace application settings. CometBFT's own settings are in config.toml.

`

func appConfigPath(home string) string { return filepath.Join(home, "config", "app.toml") }

func writeAppConfig(home string, c AppConfig) error {
	f, err := os.OpenFile(appConfigPath(home), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteString(appConfigHeader + "[state]\n" +
		"# Versions of the state tree kept queryable (with proofs); 0 keeps all.\n" +
		fmt.Sprintf("keep_recent = %d\n", c.State.KeepRecent) +
		"# Blocks between two prunings of old versions.\n" +
		fmt.Sprintf("prune_interval = %d\n", c.State.PruneInterval) +
		"\n[state_sync]\n" +
		"# Take a state-sync snapshot every this many heights (0: none), in data/snapshots,\n" +
		"# and serve it to nodes that join by state sync. A snapshot is written after\n" +
		"# the block is saved, beside consensus; keep_recent above must leave its version\n" +
		"# stored while it is written (0 or many blocks).\n" +
		fmt.Sprintf("snapshot_interval = %d\n", c.StateSync.SnapshotInterval) +
		"# Snapshots kept on disk, newest first.\n" +
		fmt.Sprintf("snapshot_keep_recent = %d\n", c.StateSync.SnapshotKeepRecent)); err != nil {
		return err
	}
	return f.Sync()
}

// LoadAppConfig reads config/app.toml; a missing file gives the defaults.
func LoadAppConfig(home string) (AppConfig, error) {
	c := DefaultAppConfig()
	_, err := toml.DecodeFile(appConfigPath(home), &c)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read %s: %w", appConfigPath(home), err)
	}
	if c.State.KeepRecent < 0 || c.State.PruneInterval < 1 {
		return c, fmt.Errorf("%s: keep_recent must be >= 0 and prune_interval >= 1", appConfigPath(home))
	}
	if c.StateSync.SnapshotInterval < 0 || c.StateSync.SnapshotKeepRecent < 1 {
		return c, fmt.Errorf("%s: snapshot_interval must be >= 0 and snapshot_keep_recent >= 1", appConfigPath(home))
	}
	return c, nil
}

// LoadCometConfig reads config/config.toml of a home.
func LoadCometConfig(home string) (*cfg.Config, error) {
	conf := cfg.DefaultConfig()
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no node configuration at %s: run `coldtrace init --home %s` first", path, home)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := v.Unmarshal(conf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	conf.SetRoot(home)
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return conf, nil
}

// defaultCometConfig is CometBFT's default, bound to loopback and sized for
// scan events: 64 KiB txs, the flood mempool, blocks every half second (p99
// submit-to-commit under 1.5 s; docs/PERFORMANCE.md); Prometheus
// metrics on loopback (unless ports.Prometheus is 0); state sync ready to be
// enabled with a trusted height and hash (the shortest discovery time).
func defaultCometConfig(home, moniker string, ports Ports) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	c.Moniker = moniker
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P)
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.Mempool.Type = cfg.MempoolTypeFlood
	c.Mempool.MaxTxBytes = 65536
	c.Consensus.TimeoutCommit = 500 * time.Millisecond
	c.ProxyApp = "coldtrace (in-process)"
	c.Instrumentation.Prometheus = ports.Prometheus > 0
	if ports.Prometheus > 0 {
		c.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", ports.Prometheus)
	}
	c.StateSync.DiscoveryTime = 5 * time.Second
	return c
}

// Ports are the loopback ports of one node. Prometheus serves metrics at
// /metrics; a negative port turns metrics off (InitHome reads 0 as the default).
type Ports struct {
	RPC, P2P, Prometheus int
}

// DefaultPorts are CometBFT's usual ports.
var DefaultPorts = Ports{RPC: 26657, P2P: 26656, Prometheus: 26660}
