package node

import (
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coldtrace/coldtrace/types"
)

// Operations metrics, beside the app's (metrics.go), for the alerts and the
// dashboard in deploy/:
//
//	coldtrace_app_hash_mismatch_total   app hash mismatches logged (by CometBFT or the app)
//	coldtrace_txindex_height            last height CometBFT's tx indexer wrote
//	coldtrace_mempool_capacity_txs      mempool.size of config.toml: the mempool is full at this many txs
//	coldtrace_block_events              events per block (txs' and the block's own)
//	coldtrace_alerts_total{kind}        supervision alerts raised (alert events), by kind
//	coldtrace_query_seconds{path}       time the app took to answer an ABCI query, by the path's first two segments
type opsMetrics struct {
	appHashMismatch prometheus.Counter
	txIndexHeight   prometheus.Gauge
	mempoolCapacity prometheus.Gauge
	blockEvents     prometheus.Histogram
	alerts          *prometheus.CounterVec
	query           *prometheus.HistogramVec
}

var (
	opsOnce    sync.Once
	theOpsMets *opsMetrics
)

// opsMetricsFor returns the process's operations metrics; register says
// whether to expose them (config.toml's instrumentation.prometheus): they
// are counted either way, for the logger and the ABCI wrapper need them.
func opsMetricsFor(register bool) *opsMetrics {
	opsOnce.Do(func() {
		theOpsMets = &opsMetrics{
			appHashMismatch: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: "coldtrace", Name: "app_hash_mismatch_total",
				Help: "App hash mismatches logged: this node computed another state than the chain's (docs/operations/halted-chain.md).",
			}),
			txIndexHeight: prometheus.NewGauge(prometheus.GaugeOpts{
				Namespace: "coldtrace", Name: "txindex_height",
				Help: "Last height whose events CometBFT's tx indexer wrote.",
			}),
			mempoolCapacity: prometheus.NewGauge(prometheus.GaugeOpts{
				Namespace: "coldtrace", Name: "mempool_capacity_txs",
				Help: "mempool.size of config.toml: txs the mempool holds at most.",
			}),
			blockEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "coldtrace", Name: "block_events",
				Help:    "Events per block, of its txs and of the block itself.",
				Buckets: prometheus.ExponentialBuckets(1, 2, 16),
			}),
			alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: "coldtrace", Name: "alerts_total",
				Help: "Supervision alerts raised in blocks, by kind.",
			}, []string{"kind"}),
			query: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Namespace: "coldtrace", Name: "query_seconds",
				Help:    "Time the app took to answer an ABCI query, by path family.",
				Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
			}, []string{"path"}),
		}
	})
	// Every alert kind is exported from the start, at 0, so that a rate
	// over it is defined before the first alert.
	kinds := make([]string, 0, len(types.AlertKind_name))
	for n, name := range types.AlertKind_name {
		if n != 0 {
			kinds = append(kinds, name)
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		theOpsMets.alerts.WithLabelValues(k)
	}
	if register {
		m := theOpsMets
		for _, c := range []prometheus.Collector{m.appHashMismatch, m.txIndexHeight, m.mempoolCapacity, m.blockEvents, m.alerts, m.query} {
			// Fails only when registered already in this process.
			_ = prometheus.DefaultRegisterer.Register(c)
		}
	}
	return theOpsMets
}
