package testnet

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/bench"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestBenchProbe: `coldtrace bench probe` against a real node holding a few
// hundred codes finds existing codes, records a 20-event history, and
// reports figures that hang together, every answer verified; through a
// node (or a man in the middle) that changes answers, it fails.
func TestBenchProbe(t *testing.T) {
	bin := sharedBinary(t)
	n := testnode.Start(t, "probe-e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	built, err := bench.Run(ctx, bench.Config{Nodes: []string{n.RPC}, Regulator: n.Root, Division: "330000",
		Duration: 2 * time.Second, EventsPerTx: 50, Pairs: 1, Drain: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if built.Events < 300 {
		t.Fatalf("only %d events committed to probe", built.Events)
	}

	const codes, queries = 40, 25
	out := mustCLI(t, bin, n.Home, "bench", "probe", "--codes", "40", "--queries", "25", "--seed", "7", "-o", "json")
	var r bench.ProbeReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.CodesSampled != codes || r.BlocksScanned < 1 {
		t.Errorf("sampled %d codes from %d blocks, want %d", r.CodesSampled, r.BlocksScanned, codes)
	}
	if !r.HistoryCreated || r.HistoryEvents != 20 || !strings.Contains(r.HistoryCode, "/21/H") {
		t.Errorf("history: %q, %d events, created %v", r.HistoryCode, r.HistoryEvents, r.HistoryCreated)
	}
	// Warm-up (10 codes and 10 histories), the history page checked once,
	// then three answers a round.
	if want := 10 + 10 + 3*queries; r.Verified != want {
		t.Errorf("%d answers verified, want %d", r.Verified, want)
	}
	for name, l := range map[string]bench.Latency{"code": r.CodeQuery, "history": r.History, "verified": r.VerifiedQuery} {
		if l.N != queries || l.P50Ms <= 0 || l.P50Ms > l.P99Ms || l.P99Ms > l.MaxMs || l.MeanMs > l.MaxMs || l.MaxMs > 5000 {
			t.Errorf("%s query: %+v", name, l)
		}
	}
	// A 20-event page with its proofs is larger than one code record's.
	if r.CodeQueryBytes < 200 || r.HistoryBytes < 5*r.CodeQueryBytes {
		t.Errorf("answers of %d and %d bytes", r.CodeQueryBytes, r.HistoryBytes)
	}
	// The bench's codes and the probe's own.
	if r.CodesCommissioned < uint64(built.Events/4)+1 || r.EventsRecorded < 21 {
		t.Errorf("statistics: %d codes, %d events; the bench committed %d events", r.CodesCommissioned, r.EventsRecorded, built.Events)
	}
	if r.Height < 2 || len(r.AppHash) != 64 || r.AppStateBytes <= 0 || r.BlockStoreBytes <= 0 || r.TxIndexBytes <= 0 {
		t.Errorf("height %d, app hash %q, home bytes %d/%d/%d", r.Height, r.AppHash, r.AppStateBytes, r.BlockStoreBytes, r.TxIndexBytes)
	}

	// Every answer through a proxy that changes one byte of each: refused.
	proxy := ledgerTamperingProxy(t, n.RPC)
	_, errOut, err := cli(t, bin, n.Home, "bench", "probe", "--node", proxy.URL, "--from", "", "--codes", "5", "--queries", "5")
	if err == nil || !strings.Contains(errOut, "verification failed") {
		t.Fatalf("a tampered answer: %v\n%s", err, errOut)
	}
}
