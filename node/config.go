package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"

	"github.com/coldtrace/coldtrace/internal/fsutil"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// AppConfig is coldtrace's own part of a home: config/app.toml.
type AppConfig struct {
	State     StateConfig     `toml:"state"`
	Blocks    BlocksConfig    `toml:"blocks"`
	StateSync StateSyncConfig `toml:"state_sync"`
	Rules     RulesConfig     `toml:"rules"`
	Analytics AnalyticsConfig `toml:"analytics"`
}

// AnalyticsConfig turns a non-validator full node into the feeder of an
// analytics database: with config.toml's [tx_index] indexer = "psql" its
// blocks' events, figure events included, go to PostgreSQL (package
// analytics; `coldtrace analytics init` sets both files).
type AnalyticsConfig struct {
	// Enabled: block results carry figure events and index every
	// attribute. Events are no part of consensus, so the node agrees with
	// validators that leave it off.
	Enabled bool `toml:"enabled"`
}

// RulesConfig holds the rules upgrades the operators of a chain agreed on
// outside the chain: how a chain halted under old rules resumes under new
// ones. Upgrades scheduled on chain (schedule_upgrade) need no entry here.
type RulesConfig struct {
	Upgrades []UpgradeConfig `toml:"upgrade"`
}

// UpgradeConfig moves the chain to rules Version from Height on.
type UpgradeConfig struct {
	Version uint32 `toml:"version"`
	Height  int64  `toml:"height"`
	Reason  string `toml:"reason"`
}

// AppUpgrades returns the configured upgrades as the app takes them.
func (c RulesConfig) AppUpgrades() []*types.Upgrade {
	out := make([]*types.Upgrade, 0, len(c.Upgrades))
	for _, u := range c.Upgrades {
		out = append(out, &types.Upgrade{Version: u.Version, Height: u.Height, Reason: u.Reason})
	}
	return out
}

// StateSyncConfig sets the snapshots a node takes and serves to nodes that
// join by state sync (CometBFT's [statesync] in config.toml is the joining side).
type StateSyncConfig struct {
	// SnapshotInterval: a snapshot every this many heights; 0 takes none.
	SnapshotInterval int64 `toml:"snapshot_interval"`
	// SnapshotKeepRecent snapshots are kept on disk, newest first.
	SnapshotKeepRecent int `toml:"snapshot_keep_recent"`
}

// StateConfig sets how many tree versions stay queryable and where the
// state is kept.
type StateConfig struct {
	// KeepRecent versions stay queryable with proofs; 0 keeps every version.
	KeepRecent int64 `toml:"keep_recent"`
	// PruneInterval is how many blocks pass between prunings.
	PruneInterval int64 `toml:"prune_interval"`
	// CacheSize is how many tree nodes stay in memory.
	CacheSize int `toml:"cache_size"`
	// DBBackend is the state's storage engine: pebbledb for new homes;
	// homes made before it keep goleveldb (a state is not converted).
	DBBackend string `toml:"db_backend"`
}

// BlocksConfig sets how much of CometBFT's block store a node keeps.
type BlocksConfig struct {
	// RetainBlocks: the node keeps the last this many blocks (and their
	// results and states) and prunes older ones; 0 keeps every block (an
	// archive node). A kept state-sync snapshot holds blocks from its height on.
	RetainBlocks int64 `toml:"retain_blocks"`
}

// DefaultRetainBlocks bounds a validator's block store like its state tree's
// versions (state.DefaultOptions) and CometBFT's default evidence age: about
// 14 hours of half-second blocks.
const DefaultRetainBlocks = 100_000

// DefaultAppConfig mirrors state.DefaultOptions and takes a snapshot every
// 1,000 heights, keeping two.
func DefaultAppConfig() AppConfig {
	o := state.DefaultOptions()
	return AppConfig{
		State:     StateConfig{KeepRecent: o.KeepRecent, PruneInterval: o.PruneInterval, CacheSize: o.CacheSize, DBBackend: state.BackendPebbleDB},
		Blocks:    BlocksConfig{RetainBlocks: DefaultRetainBlocks},
		StateSync: StateSyncConfig{SnapshotInterval: 1000, SnapshotKeepRecent: 2},
	}
}

const appConfigHeader = `# coldtrace application settings. CometBFT's own settings are in config.toml.

`

func appConfigPath(home string) string { return filepath.Join(home, "config", "app.toml") }

func writeAppConfig(home string, c AppConfig) error {
	return fsutil.WriteFileAtomic(appConfigPath(home), []byte(appConfigHeader+"[state]\n"+
		"# Versions of the state tree kept queryable (with proofs); 0 keeps all.\n"+
		fmt.Sprintf("keep_recent = %d\n", c.State.KeepRecent)+
		"# Blocks between two prunings of old versions.\n"+
		fmt.Sprintf("prune_interval = %d\n", c.State.PruneInterval)+
		"# Tree nodes kept in memory (a node is a few hundred bytes); a larger cache spares\n"+
		"# reads of the database as the state grows (docs/PERFORMANCE.md).\n"+
		fmt.Sprintf("cache_size = %d\n", c.State.CacheSize)+
		"# The state's storage engine: pebbledb (new homes) or goleveldb (homes made\n"+
		"# before pebbledb). A state is not converted: to change it, join again by\n"+
		"# state sync into a fresh home (docs/PERFORMANCE.md, \"PebbleDB under the state\").\n"+
		fmt.Sprintf("db_backend = %q\n", c.State.DBBackend)+
		"\n[blocks]\n"+
		"# Blocks kept in CometBFT's block store (with their results and states); older\n"+
		"# ones are pruned after each commit. 0 keeps every block: an archive node, which\n"+
		"# can serve the chain's whole history and replay it (docs/PERFORMANCE.md,\n"+
		"# \"Bounded disk\"). The tx index is not pruned.\n"+
		fmt.Sprintf("retain_blocks = %d\n", c.Blocks.RetainBlocks)+
		"\n[state_sync]\n"+
		"# Take a state-sync snapshot every this many heights (0: none), in data/snapshots,\n"+
		"# and serve it to nodes that join by state sync. A snapshot is written after\n"+
		"# the block is saved, beside consensus; keep_recent above must leave its version\n"+
		"# stored while it is written (0 or many blocks).\n"+
		fmt.Sprintf("snapshot_interval = %d\n", c.StateSync.SnapshotInterval)+
		"# Snapshots kept on disk, newest first.\n"+
		fmt.Sprintf("snapshot_keep_recent = %d\n", c.StateSync.SnapshotKeepRecent)+
		"\n[rules]\n"+
		"# Upgrades of the chain's rules agreed by its operators outside the chain, e.g.\n"+
		"# to resume a chain that halted under old rules (docs/ARCHITECTURE.md, \"Rules\n"+
		"# versions\"). Every node of the chain, and every node that later replays it\n"+
		"# from genesis, needs the same entries; keep them for good. Upgrades the root\n"+
		"# regulator schedules on chain need none.\n"+
		"#\n"+
		"# [[rules.upgrade]]\n"+
		"# version = 2\n"+
		"# height = 123456\n"+
		"# reason = \"resume after the halt at 123456\"\n"+
		upgradeEntries(c.Rules.Upgrades)+
		"\n[analytics]\n"+
		"# On a non-validator full node that writes its blocks' events to PostgreSQL\n"+
		"# (config.toml [tx_index] indexer = \"psql\"; `coldtrace analytics init` sets\n"+
		"# both): block results carry figure events and index every attribute, for\n"+
		"# the analytics views (README, \"Analytics on PostgreSQL\"). Validators leave\n"+
		"# it off; events are no part of consensus.\n"+
		fmt.Sprintf("enabled = %t\n", c.Analytics.Enabled)), 0o644)
}

func upgradeEntries(ups []UpgradeConfig) string {
	var b strings.Builder
	for _, u := range ups {
		fmt.Fprintf(&b, "\n[[rules.upgrade]]\nversion = %d\nheight = %d\nreason = %q\n", u.Version, u.Height, u.Reason)
	}
	return b.String()
}

// LoadAppConfig reads config/app.toml; a missing file gives the defaults.
func LoadAppConfig(home string) (AppConfig, error) {
	c := DefaultAppConfig()
	c.State.DBBackend = ""
	_, err := toml.DecodeFile(appConfigPath(home), &c)
	if err != nil && !os.IsNotExist(err) {
		return c, fmt.Errorf("read %s: %w", appConfigPath(home), err)
	}
	if c.State.DBBackend == "" {
		// An app.toml from before db_backend: the state's own engine.
		if c.State.DBBackend, err = state.StateBackend(StateDir(home)); err != nil {
			return c, err
		}
		if c.State.DBBackend == "" {
			c.State.DBBackend = DefaultAppConfig().State.DBBackend
		}
	}
	if c.State.DBBackend != state.BackendGoLevelDB && c.State.DBBackend != state.BackendPebbleDB {
		return c, fmt.Errorf("%s: [state] db_backend must be %q or %q; got %q", appConfigPath(home), state.BackendPebbleDB, state.BackendGoLevelDB, c.State.DBBackend)
	}
	if c.State.KeepRecent < 0 || c.State.PruneInterval < 1 || c.State.CacheSize < 1 {
		return c, fmt.Errorf("%s: keep_recent must be >= 0, prune_interval >= 1 and cache_size >= 1", appConfigPath(home))
	}
	if c.Blocks.RetainBlocks < 0 || c.Blocks.RetainBlocks == 1 {
		return c, fmt.Errorf("%s: [blocks] retain_blocks must be 0 (keep all) or at least 2", appConfigPath(home))
	}
	if c.StateSync.SnapshotInterval < 0 || c.StateSync.SnapshotKeepRecent < 1 {
		return c, fmt.Errorf("%s: snapshot_interval must be >= 0 and snapshot_keep_recent >= 1", appConfigPath(home))
	}
	for i, u := range c.Rules.Upgrades {
		if u.Version < 2 || u.Version > types.LatestRules || u.Height < 1 {
			return c, fmt.Errorf("%s: [[rules.upgrade]] %d: version must be between 2 and %d (the latest this binary knows) and height at least 1; got version %d, height %d",
				appConfigPath(home), i+1, types.LatestRules, u.Version, u.Height)
		}
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
	// Above the chain's max_tx_bytes (64 KiB by default), so that an
	// oversized tx reaches the app and gets its documented code 2.
	c.Mempool.MaxTxBytes = 1 << 20
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

// options are the state tree's options this section sets.
func (c StateConfig) options() state.Options {
	return state.Options{KeepRecent: c.KeepRecent, PruneInterval: c.PruneInterval, CacheSize: c.CacheSize, Backend: c.DBBackend}
}
