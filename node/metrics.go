package node

import (
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/cometbft/cometbft/blocksync"
	cfg "github.com/cometbft/cometbft/config"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coldtrace/coldtrace/types"
)

// Metrics. With instrumentation.prometheus = true in config.toml, CometBFT
// serves Prometheus' default registry at prometheus_listen_addr (loopback by
// default): its own metrics (namespace "cometbft": consensus height, rounds,
// peers, mempool size, block sync, state sync ...) and the app's, below.
// Both are registered once per process, so a process that starts a node
// again (tests) reuses them; one node per process is the supported setup.
//
//	coldtrace_txs_total{stage,msg,result}        messages seen, by stage (check: mempool, block), type and result (ok, refused)
//	coldtrace_tx_refusals_total{stage,code,error} refused txs by error code
//	coldtrace_block_execution_seconds            time FinalizeBlock took
//	coldtrace_block_txs                          txs per block
//	coldtrace_state_keys                         keys in the state tree at the last commit
//	coldtrace_state_height                       last saved version
//	coldtrace_state_bytes                        bytes of the state database on disk (data/coldtrace)
//	coldtrace_snapshot_bytes                     bytes of the kept state-sync snapshots (data/snapshots)
type appMetrics struct {
	txs       *prometheus.CounterVec
	refusals  *prometheus.CounterVec
	blockTime prometheus.Histogram
	blockTxs  prometheus.Histogram
	keys      prometheus.Gauge
	height    prometheus.Gauge

	mu   sync.Mutex
	home string // the home whose folders the size gauges measure
}

var (
	metricsOnce sync.Once
	theMetrics  *appMetrics
	cometOnce   sync.Once
	cometSet    struct {
		cs  *cs.Metrics
		p2p *p2p.Metrics
		mem *mempl.Metrics
		sm  *sm.Metrics
		prx *proxy.Metrics
		bs  *blocksync.Metrics
		ss  *statesync.Metrics
	}
)

// metricsFor returns the process's app metrics, registered in Prometheus'
// default registry the first time, measuring home's folders.
func metricsFor(home string) *appMetrics {
	metricsOnce.Do(func() {
		m := &appMetrics{
			txs: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: "coldtrace", Name: "txs_total",
				Help: "Messages seen, by stage (check: entering the mempool, block: executed), message type and result.",
			}, []string{"stage", "msg", "result"}),
			refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: "coldtrace", Name: "tx_refusals_total",
				Help: "Refused txs by stage and error code (docs/ERRORS.md).",
			}, []string{"stage", "code", "error"}),
			blockTime: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "coldtrace", Name: "block_execution_seconds",
				Help:    "Time FinalizeBlock took to execute a block.",
				Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
			}),
			blockTxs: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "coldtrace", Name: "block_txs",
				Help:    "Txs per block.",
				Buckets: prometheus.ExponentialBuckets(1, 2, 14),
			}),
			keys: prometheus.NewGauge(prometheus.GaugeOpts{
				Namespace: "coldtrace", Name: "state_keys", Help: "Keys in the state tree at the last commit.",
			}),
			height: prometheus.NewGauge(prometheus.GaugeOpts{
				Namespace: "coldtrace", Name: "state_height", Help: "Last saved version of the state tree (the height).",
			}),
		}
		stateBytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "coldtrace", Name: "state_bytes", Help: "Bytes of the state database on disk.",
		}, func() float64 { return float64(dirBytes(StateDir(m.homeDir()))) })
		snapBytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "coldtrace", Name: "snapshot_bytes", Help: "Bytes of the state-sync snapshots kept on disk.",
		}, func() float64 { return float64(dirBytes(SnapshotDir(m.homeDir()))) })
		for _, c := range []prometheus.Collector{m.txs, m.refusals, m.blockTime, m.blockTxs, m.keys, m.height, stateBytes, snapBytes} {
			// Only fails for a name registered already in this process; counting works all the same.
			_ = prometheus.DefaultRegisterer.Register(c)
		}
		theMetrics = m
	})
	theMetrics.mu.Lock()
	theMetrics.home = home
	theMetrics.mu.Unlock()
	return theMetrics
}

func (m *appMetrics) homeDir() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.home
}

// Tx implements app.Observer.
func (m *appMetrics) Tx(stage string, msgs []string, code uint32) {
	result := "ok"
	if code != 0 {
		result = "refused"
		name := "unknown"
		if e := types.ErrorByCode(code); e != nil {
			name = e.Name
		}
		m.refusals.WithLabelValues(stage, strconv.FormatUint(uint64(code), 10), name).Inc()
	}
	if len(msgs) == 0 {
		m.txs.WithLabelValues(stage, "undecodable", result).Inc()
	}
	for _, name := range msgs {
		m.txs.WithLabelValues(stage, name, result).Inc()
	}
}

// Block implements app.Observer.
func (m *appMetrics) Block(_ int64, txs int, took time.Duration) {
	m.blockTime.Observe(took.Seconds())
	m.blockTxs.Observe(float64(txs))
}

// Committed implements app.Observer.
func (m *appMetrics) Committed(version, keys int64) {
	m.height.Set(float64(version))
	m.keys.Set(float64(keys))
}

// dirBytes adds up the sizes of the files under dir (0 when it is missing).
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// cometMetrics is CometBFT's default metrics provider, except that it
// creates (and registers) the metrics once per process: a second node in
// the same process would otherwise register them twice and panic.
func cometMetrics(conf *cfg.InstrumentationConfig) cmtnode.MetricsProvider {
	def := cmtnode.DefaultMetricsProvider(conf)
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		if !conf.Prometheus {
			return def(chainID)
		}
		cometOnce.Do(func() {
			c := &cometSet
			c.cs, c.p2p, c.mem, c.sm, c.prx, c.bs, c.ss = def(chainID)
		})
		c := &cometSet
		return c.cs, c.p2p, c.mem, c.sm, c.prx, c.bs, c.ss
	}
}
