package bench_test

import (
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/bench"
)

// Three loads as bench/standard.sh writes them: the batch load's second
// kvstore run printed nothing, and a testnet run was partial.
const setRuns = `# not a run
{"load":"one","side":"coldtrace","pair":1,"cores":2,"loadavg_start":1.5,"loadavg_end":2,"report":{"tx_per_sec":800,"events_per_sec":800,"latency_p99_ms":1500}}
{"load":"one","side":"kvstore","pair":1,"cores":2,"loadavg_start":2,"loadavg_end":2.5,"report":{"tx_per_sec":2000,"latency_p99_ms":3000}}
{"load":"one","side":"coldtrace","pair":2,"cores":2,"loadavg_start":2.5,"loadavg_end":3,"report":{"tx_per_sec":600,"events_per_sec":600,"latency_p99_ms":1700}}
{"load":"one","side":"kvstore","pair":2,"cores":2,"loadavg_start":3,"loadavg_end":3.5,"report":{"tx_per_sec":1000,"latency_p99_ms":3500}}
{"load":"one","side":"coldtrace","pair":3,"cores":2,"loadavg_start":3.5,"loadavg_end":4,"report":{"tx_per_sec":900,"events_per_sec":900,"latency_p99_ms":1600}}
{"load":"one","side":"kvstore","pair":3,"cores":2,"loadavg_start":4,"loadavg_end":4.25,"report":{"tx_per_sec":1800,"latency_p99_ms":3200}}
{"load":"batch","side":"coldtrace","pair":1,"cores":2,"loadavg_start":4,"loadavg_end":4,"report":{"tx_per_sec":100,"events_per_sec":10000,"latency_p99_ms":2000}}
{"load":"batch","side":"kvstore","pair":1,"cores":2,"loadavg_start":4,"loadavg_end":4,"report":{"tx_per_sec":2500,"latency_p99_ms":3000}}
{"load":"batch","side":"coldtrace","pair":2,"cores":2,"loadavg_start":4,"loadavg_end":4,"report":{"tx_per_sec":120,"events_per_sec":12000,"latency_p99_ms":2200}}
{"load":"batch","side":"kvstore","pair":2,"cores":2,"loadavg_start":4,"loadavg_end":5,"report":null}
{"load":"testnet","side":"coldtrace","pair":1,"cores":2,"loadavg_start":5,"loadavg_end":6,"report":{"tx_per_sec":300,"events_per_sec":300,"latency_p99_ms":5000,"partial":true}}
{"load":"testnet","side":"kvstore","pair":1,"cores":2,"loadavg_start":6,"loadavg_end":7,"report":{"tx_per_sec":1200,"latency_p99_ms":4000}}
`

func TestSummarizePairsEachLoad(t *testing.T) {
	runs, err := bench.ReadSetRuns(strings.NewReader(setRuns))
	if err != nil {
		t.Fatal(err)
	}
	sums := bench.Summarize(runs)
	if len(sums) != 3 {
		t.Fatalf("%d loads, want 3", len(sums))
	}
	for _, c := range []struct {
		load                   string
		ct, kv, ratio, lo, hi  float64
		pairs, partial         int
		loadStart, loadEnd     float64
		ofTarget, ctP99, kvP99 float64
	}{
		// Ratios 0.4, 0.6, 0.5: their median, not the ratio of medians (800/1800).
		{"one", 800, 1800, 0.5, 0.4, 0.6, 3, 0, 1.5, 4.25, 0, 1600, 3200},
		// The pair without a kvstore figure gives no ratio; the medians use every run.
		{"batch", 11000, 2500, 4, 4, 4, 2, 1, 4, 5, 0.55, 2100, 3000},
		{"testnet", 300, 1200, 0.25, 0.25, 0.25, 1, 1, 5, 7, 0, 5000, 4000},
	} {
		var s *bench.LoadSummary
		for i := range sums {
			if sums[i].Load == c.load {
				s = &sums[i]
			}
		}
		if s == nil {
			t.Errorf("%s: missing", c.load)
			continue
		}
		got := []float64{s.ColdtraceMedian, s.KVStoreMedian, s.Ratio, s.RatioMin, s.RatioMax, float64(s.Pairs), float64(s.Partial),
			s.LoadStart, s.LoadEnd, s.OfTarget, s.LatencyP99Coldtrace, s.LatencyP99KVStore, float64(s.Cores)}
		want := []float64{c.ct, c.kv, c.ratio, c.lo, c.hi, float64(c.pairs), float64(c.partial), c.loadStart, c.loadEnd, c.ofTarget, c.ctP99, c.kvP99, 2}
		for i := range got {
			if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
				t.Errorf("%s: figure %d = %v, want %v (summary %+v)", c.load, i, got[i], want[i], *s)
			}
		}
	}

	var b strings.Builder
	bench.WriteSideBySide(&b, sums)
	for _, want := range []string{
		"| 1 validator, 1 event per tx | 800 tx/s | 1,800 tx/s | **0.50×** (0.40–0.60) | 1,600 / 3,200 ms | 3 | 2 | 1.50 → 4.25 |",
		"| batch | 2 | 12,000 events/s | 0 tx/s | — |",
		"| 2 (1 run partial or missing) |",
		"11,000 events/s, **0.55×** the target of 20,000 events/s",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReadSetRunsNamesABadLine(t *testing.T) {
	_, err := bench.ReadSetRuns(strings.NewReader("{\"load\":\"one\"}\n{\"load\":\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("error %v, want one naming line 2", err)
	}
}
