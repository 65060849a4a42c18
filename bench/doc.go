// Package bench is coldtrace's load generator: it registers its own
// enterprises through a regulator key, drives an open-loop mix of trace
// txs against loopback RPC endpoints for a bounded time, and reports what
// was committed (throughput, refusals, latency, memory, store growth).
//
// Usage: r, _ := bench.Run(ctx, bench.Config{Nodes: []string{"tcp://127.0.0.1:26657"}, Regulator: key, Duration: 30 * time.Second}).
package bench
