package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"

	cfg "github.com/cometbft/cometbft/config"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/state"
)

// Node is a running CometBFT node with the coldtrace app in-process.
type Node struct {
	*cmtnode.Node
	App  *app.App
	Home string
	dbs  *dbTracker
}

// dbTracker remembers every database CometBFT opens: its node closes the
// block, state and evidence stores on stop but not the tx indexer's, which
// would keep its lock and stop a restart in the same process.
type dbTracker struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (t *dbTracker) provider(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err == nil {
		t.mu.Lock()
		t.dbs = append(t.dbs, db)
		t.mu.Unlock()
	}
	return db, err
}

// closeAll closes every database; those the node closed already answer with
// an error that is expected and dropped.
func (t *dbTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, db := range t.dbs {
		_ = db.Close()
	}
	t.dbs = nil
}

// StateDir is where the app's tree lives inside a home.
func StateDir(home string) string { return filepath.Join(home, "data", "coldtrace") }

// SnapshotDir is where the app keeps its state-sync snapshots inside a home.
func SnapshotDir(home string) string { return filepath.Join(home, "data", "snapshots") }

// Start opens the home's state and starts the node. On return the node is
// running; CometBFT's handshake has replayed any block the app missed (or,
// for a new node with [statesync] enabled, state sync has restored a
// snapshot and block sync is catching up). The app takes snapshots as
// app.toml says, and counts metrics when config.toml turns Prometheus on.
// It sets the process's GC target (TuneGC).
func Start(home string, logger log.Logger) (*Node, error) {
	TuneGC()
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	ac, err := LoadAppConfig(home)
	if err != nil {
		return nil, err
	}
	logger, err = cmtflags.ParseLogLevel(conf.LogLevel, logger, "info")
	if err != nil {
		return nil, fmt.Errorf("log_level in config.toml: %w", err)
	}
	ops := opsMetricsFor(conf.Instrumentation.IsPrometheusEnabled())
	ops.mempoolCapacity.Set(float64(conf.Mempool.Size))
	logger = &observingLogger{next: logger, m: ops}
	tree, err := state.Open(StateDir(home), ac.State.options())
	if err != nil {
		return nil, err
	}
	a, err := app.New(tree, logger.With("module", "coldtrace"))
	if err != nil {
		tree.Close()
		return nil, err
	}
	if err := a.SetUpgrades(ac.Rules.AppUpgrades()); err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: %w", appConfigPath(home), err)
	}
	if err := a.EnableSnapshots(app.SnapshotOptions{
		Dir: SnapshotDir(home), Interval: ac.StateSync.SnapshotInterval, KeepRecent: ac.StateSync.SnapshotKeepRecent,
	}); err != nil {
		a.Close()
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	if conf.Instrumentation.IsPrometheusEnabled() {
		a.SetObserver(metricsFor(home))
	}
	if ac.Analytics.Enabled {
		a.EnableAnalytics()
		if conf.TxIndex.Indexer != "psql" {
			logger.Info("app.toml [analytics] is on but config.toml [tx_index] indexer is not \"psql\": figure events reach no analytics database", "indexer", conf.TxIndex.Indexer)
		}
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("node key: %w", err)
	}
	abciApp, err := wrapApp(a, conf, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	abciApp = withRetention(abciApp, ac)
	abciApp = &observedApp{Application: abciApp, logger: logger.With("module", "coldtrace"), m: ops}
	checkTxIndexAtStart(home, logger.With("module", "txindex"))
	dbs := &dbTracker{}
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	n, err := cmtnode.NewNode(conf, pv, nodeKey,
		proxy.NewConnSyncLocalClientCreator(abciApp),
		cmtnode.DefaultGenesisDocProviderFunc(conf),
		dbs.provider,
		cometMetrics(conf.Instrumentation),
		logger,
	)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("create node: %w", err)
	}
	if err := n.Start(); err != nil {
		dbs.closeAll()
		a.Close()
		return nil, fmt.Errorf("start node: %w", err)
	}
	return &Node{Node: n, App: a, Home: home, dbs: dbs}, nil
}

// Stop shuts down in order: the node (consensus, p2p, RPC, its stores),
// then the app's tree and database.
// waitAddrBookSaved waits, a second at most, until CometBFT's address book
// has saved its file once more after the node stopped: it does so in a
// goroutine the node does not wait for, and a caller that removes or copies
// the home right after Stop would race with it.
func waitAddrBookSaved(path string, since time.Time) {
	for i := 0; i < 100; i++ {
		fi, err := os.Stat(path)
		if err == nil && !fi.ModTime().Before(since) && !atomicWriteInProgress(filepath.Dir(path)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// atomicWriteInProgress: CometBFT writes its files through a temp file
// named write-file-atomic-* beside them.
func atomicWriteInProgress(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "write-file-atomic-") {
			return true
		}
	}
	return false
}

func (n *Node) Stop() error {
	var err error
	if n.Node.IsRunning() {
		stopping := time.Now().Add(-10 * time.Millisecond) // file times are coarser than the clock
		err = n.Node.Stop()
		n.Node.Wait()
		if conf := n.Node.Config(); conf.P2P.PexReactor {
			waitAddrBookSaved(conf.P2P.AddrBookFile(), stopping)
		}
	}
	n.dbs.closeAll()
	if cerr := n.App.Close(); err == nil {
		err = cerr
	}
	return err
}
