package bench

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x * float64(time.Millisecond))
		}
		return out
	}
	hundred := make([]float64, 100) // 1..100 ms, shuffled by a stride
	for i := range hundred {
		hundred[i] = float64((i*37)%100 + 1)
	}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want Latency
	}{
		{"none", nil, Latency{}},
		{"one", ms(2.5), Latency{N: 1, P50Ms: 2.5, P99Ms: 2.5, MaxMs: 2.5, MeanMs: 2.5}},
		{"unsorted", ms(9, 1, 5), Latency{N: 3, P50Ms: 5, P99Ms: 5, MaxMs: 9, MeanMs: 5}},
		// Nearest rank on (n-1)·p/100: of 1..100 ms, p50 is the 50th, p99 the 99th.
		{"hundred", ms(hundred...), Latency{N: 100, P50Ms: 50, P99Ms: 99, MaxMs: 100, MeanMs: 50.5}},
		// Microsecond resolution: a sub-millisecond RPC answer is not rounded away.
		{"microseconds", []time.Duration{1234 * time.Microsecond, 300 * time.Microsecond}, Latency{N: 2, P50Ms: 0.3, P99Ms: 0.3, MaxMs: 1.234, MeanMs: 0.767}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before []time.Duration
			before = append(before, tc.in...)
			if got := Latencies(tc.in); got != tc.want {
				t.Errorf("Summarize = %+v, want %+v", got, tc.want)
			}
			for i := range before {
				if before[i] != tc.in[i] {
					t.Fatal("Summarize reordered its input")
				}
			}
		})
	}
}

// A tail the median hides: one slow answer in a hundred sets p99 only when
// it is at least the 99th; two set it.
func TestSummarizeTail(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Millisecond
	}
	ds[3] = 40 * time.Millisecond
	if l := Latencies(ds); l.P99Ms != 1 || l.MaxMs != 40 || l.P50Ms != 1 {
		t.Fatalf("one slow answer: %+v", l)
	}
	ds[70] = 30 * time.Millisecond
	if l := Latencies(ds); l.P99Ms != 30 || l.MaxMs != 40 {
		t.Fatalf("two slow answers: %+v", l)
	}
}
