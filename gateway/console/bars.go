package console

import (
	"sort"
	"strconv"
)

// maxBars is the most rows a bar chart shows (the largest values).
const maxBars = 12

// bars is a horizontal bar chart, drawn as inline SVG by the templates.
// Each row carries its key and the number the chain returned (data-key,
// data-value), so what is drawn can be checked against the chain.
type bars struct {
	Chart string // its name, for data-chart
	W, H  int
	Rows  []barRow
	More  int // rows left out
}

type barRow struct {
	Y, W       float64 // row top, bar width
	TY, RY, VX float64 // text baseline, bar top, value label x
	Key, Name  string
	Raw        uint64
	Value      string
}

// barChart lays out named values, largest first, at most maxBars rows.
func barChart(chart string, vals map[string]uint64, name func(string) string, format func(uint64) string) *bars {
	if len(vals) == 0 {
		return nil
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if vals[keys[i]] != vals[keys[j]] {
			return vals[keys[i]] > vals[keys[j]]
		}
		return keys[i] < keys[j]
	})
	more := 0
	if len(keys) > maxBars {
		keys, more = keys[:maxBars], len(keys)-maxBars
	}
	top := vals[keys[0]]
	b := &bars{Chart: chart, W: 600, H: 28*len(keys) + 8, More: more}
	for i, k := range keys {
		w := 0.0
		if top > 0 {
			w = 260 * float64(vals[k]) / float64(top)
		}
		if w < 2 {
			w = 2
		}
		n := []rune(name(k))
		if len(n) > 34 {
			n = append(n[:33], '…')
		}
		y := float64(28*i + 4)
		b.Rows = append(b.Rows, barRow{Y: y, W: w, TY: y + 17, RY: y + 4, VX: 230 + w + 6, Key: k, Name: string(n), Raw: vals[k], Value: format(vals[k])})
	}
	return b
}

// series is a daily column chart: one column per day, oldest first.
type series struct {
	Chart  string
	W, H   int
	Cols   []column
	Top    string // the largest value, as a label
	Bottom float64
}

type column struct {
	X, Y, W, H float64
	Day        string
	Raw        uint64
	Title      string
}

// seriesChart lays out values by day (days sorted, at most 400).
func seriesChart(chart string, days []string, vals map[string]uint64, format func(uint64) string) *series {
	if len(days) == 0 {
		return nil
	}
	if len(days) > 400 {
		days = days[len(days)-400:]
	}
	var top uint64
	for _, d := range days {
		top = max(top, vals[d])
	}
	s := &series{Chart: chart, W: 600, H: 160, Bottom: 140, Top: format(top)}
	step := 560.0 / float64(len(days))
	for i, d := range days {
		h := 0.0
		if top > 0 {
			h = 120 * float64(vals[d]) / float64(top)
		}
		x := 36 + step*float64(i)
		w := min(max(step*0.8, 1), 24)
		s.Cols = append(s.Cols, column{X: x + (step-w)/2, Y: s.Bottom - h, W: w, H: h, Day: d, Raw: vals[d],
			Title: d + ": " + format(vals[d])})
	}
	return s
}

func countText(n uint64) string { return strconv.FormatUint(n, 10) }

// kv is a labelled value on a page.
type kv struct {
	K, V string
}
