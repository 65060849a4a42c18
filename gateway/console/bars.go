package console

import "sort"

// bars is a horizontal bar chart (console flows).
type bars struct {
	W, H int
	Rows []barRow
}

type barRow struct {
	Y, W       float64 // row top, bar width
	TY, RY, VX float64 // text baseline, bar top, value label x
	Name       string
	Value      string
}

// barChart lays out named values, largest first, at most 12 rows.
func barChart(vals map[string]uint64, name func(string) string, format func(uint64) string) *bars {
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
	if len(keys) > 12 {
		keys = keys[:12]
	}
	top := vals[keys[0]]
	b := &bars{W: 600, H: 28*len(keys) + 8}
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
		b.Rows = append(b.Rows, barRow{Y: y, W: w, TY: y + 17, RY: y + 4, VX: 230 + w + 6, Name: string(n), Value: format(vals[k])})
	}
	return b
}

// kv is a labelled value on a page.
type kv struct {
	K, V string
}
