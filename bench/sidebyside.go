package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// EventsTarget is the target at 100 events per tx, in committed
// events per second.
const EventsTarget = 20000

// SetRun is one run of the standard set (bench/standard.sh): one side of a
// pair, written as a JSON line with the machine's state around it.
type SetRun struct {
	Load      string  `json:"load"` // one, batch or testnet
	Side      string  `json:"side"` // coldtrace or kvstore
	Pair      int     `json:"pair"` // 1.., the coldtrace and kvstore runs of a pair ran one after the other
	Cores     int     `json:"cores"`
	LoadStart float64 `json:"loadavg_start"` // 1-minute load average before the run
	LoadEnd   float64 `json:"loadavg_end"`
	Report    *Report `json:"report"` // nil when the driver printed nothing
}

// LoadSummary is one load of the standard set, coldtrace against kvstore.
type LoadSummary struct {
	Load  string
	Title string
	// Unit of the coldtrace figure: tx/s, or events/s at 100 events per tx,
	// where a kvstore tx (one key=value write) stands against one event.
	Unit                string
	Coldtrace, KVStore  []float64 // each run's figure, by pair; 0 where missing
	ColdtraceMedian     float64
	KVStoreMedian       float64
	Ratios              []float64 // coldtrace/kvstore pair by pair, pairs with both sides only
	Ratio, RatioMin     float64
	RatioMax            float64
	Pairs               int
	Partial             int // runs marked partial, or missing
	Cores               int
	LoadStart, LoadEnd  float64 // first run's start, last run's end
	LatencyP99Coldtrace float64 // median, ms
	LatencyP99KVStore   float64
	// OfTarget is the coldtrace median over EventsTarget (batch load only).
	OfTarget float64
}

var loadTitles = []struct{ load, title, unit string }{
	{"one", "1 validator, 1 event per tx", "tx/s"},
	{"batch", "1 validator, 100 events per tx (events/s against kvstore tx/s)", "events/s"},
	{"testnet", "4 validators, 1 event per tx", "tx/s"},
}

// ReadSetRuns reads the JSON lines of a standard set's runs; other lines
// are skipped.
func ReadSetRuns(r io.Reader) ([]SetRun, error) {
	var runs []SetRun
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var run SetRun
		if err := json.Unmarshal([]byte(line), &run); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		runs = append(runs, run)
	}
	return runs, sc.Err()
}

// Summarize pairs the runs of each load, in the order one, batch,
// testnet; loads without runs are left out.
func Summarize(runs []SetRun) []LoadSummary {
	var out []LoadSummary
	for _, lt := range loadTitles {
		s := LoadSummary{Load: lt.load, Title: lt.title, Unit: lt.unit}
		byPair := map[int][2]*SetRun{}
		first, last := -1, -1
		for i := range runs {
			r := &runs[i]
			if r.Load != lt.load {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			p := byPair[r.Pair]
			switch r.Side {
			case "coldtrace":
				p[0] = r
			case "kvstore":
				p[1] = r
			default:
				continue
			}
			byPair[r.Pair] = p
			if r.Cores > s.Cores {
				s.Cores = r.Cores
			}
		}
		if first < 0 {
			continue
		}
		s.LoadStart, s.LoadEnd = runs[first].LoadStart, runs[last].LoadEnd
		pairs := make([]int, 0, len(byPair))
		for p := range byPair {
			pairs = append(pairs, p)
		}
		sort.Ints(pairs)
		var ct, kv, ctP99, kvP99 []float64
		for _, p := range pairs {
			c := figure(byPair[p][0], lt.unit)
			k := figure(byPair[p][1], "tx/s")
			s.Coldtrace = append(s.Coldtrace, c)
			s.KVStore = append(s.KVStore, k)
			for _, r := range byPair[p] {
				if r == nil || r.Report == nil || r.Report.Partial {
					s.Partial++
				}
			}
			if c > 0 {
				ct = append(ct, c)
				ctP99 = append(ctP99, float64(byPair[p][0].Report.LatencyP99Ms))
			}
			if k > 0 {
				kv = append(kv, k)
				kvP99 = append(kvP99, float64(byPair[p][1].Report.LatencyP99Ms))
			}
			if c > 0 && k > 0 {
				s.Ratios = append(s.Ratios, c/k)
			}
		}
		s.Pairs = len(pairs)
		s.ColdtraceMedian, s.KVStoreMedian = median(ct), median(kv)
		s.LatencyP99Coldtrace, s.LatencyP99KVStore = median(ctP99), median(kvP99)
		s.Ratio = median(s.Ratios)
		s.RatioMin, s.RatioMax = minMax(s.Ratios)
		if lt.load == "batch" {
			s.OfTarget = s.ColdtraceMedian / EventsTarget
		}
		out = append(out, s)
	}
	return out
}

func figure(r *SetRun, unit string) float64 {
	if r == nil || r.Report == nil {
		return 0
	}
	if unit == "events/s" {
		return r.Report.EventsPerSec
	}
	return r.Report.TxPerSec
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(xs []float64) (lo, hi float64) {
	for i, x := range xs {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}

// WriteSideBySide prints the summaries as Markdown: one row a load, then
// each pair's figures, then the 100-events-per-tx figure against the target.
func WriteSideBySide(w io.Writer, sums []LoadSummary) {
	fmt.Fprintln(w, "| load | coldtrace, median | kvstore, median | ratio, median of pairs (min–max) | p99 latency coldtrace / kvstore | pairs | cores | load average start → end |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, s := range sums {
		ratio := "—"
		if len(s.Ratios) > 0 {
			ratio = fmt.Sprintf("**%.2f×** (%.2f–%.2f)", s.Ratio, s.RatioMin, s.RatioMax)
		}
		pairs := fmt.Sprint(s.Pairs)
		if s.Partial > 0 {
			pairs += fmt.Sprintf(" (%d %s partial or missing)", s.Partial, plural(s.Partial, "run", "runs"))
		}
		fmt.Fprintf(w, "| %s | %s %s | %s tx/s | %s | %s / %s ms | %s | %d | %.2f → %.2f |\n", s.Title,
			thousands(s.ColdtraceMedian), s.Unit, thousands(s.KVStoreMedian), ratio,
			thousands(s.LatencyP99Coldtrace), thousands(s.LatencyP99KVStore), pairs, s.Cores, s.LoadStart, s.LoadEnd)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| load | pair | coldtrace | kvstore | ratio |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, s := range sums {
		for i := range s.Coldtrace {
			ratio := "—"
			if s.Coldtrace[i] > 0 && s.KVStore[i] > 0 {
				ratio = fmt.Sprintf("%.2f", s.Coldtrace[i]/s.KVStore[i])
			}
			fmt.Fprintf(w, "| %s | %d | %s %s | %s tx/s | %s |\n", s.Load, i+1, thousands(s.Coldtrace[i]), s.Unit, thousands(s.KVStore[i]), ratio)
		}
	}
	for _, s := range sums {
		if s.Load == "batch" {
			fmt.Fprintf(w, "\n100 events per tx: %s events/s, **%.2f×** the target of %s events/s.\n",
				thousands(s.ColdtraceMedian), s.OfTarget, thousands(EventsTarget))
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands rounds x and groups its digits by three ("13,578").
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
