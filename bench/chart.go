package bench

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// ScaleSVG draws a scale run's growth as four small charts against the
// codes in state: state bytes, the time of a 1,000-tx block, the p99 of a
// code query with proof, and the peak RSS. Points are the checkpoints;
// dashed segments and hollow points, the extrapolated ones (extra).
func ScaleSVG(cps, extra []Checkpoint, title string) []byte {
	panels := []struct {
		name string
		unit string
		val  func(Checkpoint) float64
	}{
		{"app state on disk", "MiB", func(c Checkpoint) float64 { return float64(c.StateBytes) / (1 << 20) }},
		{"FinalizeBlock + Commit, 1,000 txs", "ms", func(c Checkpoint) float64 { return c.Block1000Ms }},
		{"code query with proof, p99", "ms", func(c Checkpoint) float64 { return c.QueryP99Ms }},
		{"peak RSS", "MiB", func(c Checkpoint) float64 { return float64(c.PeakRSSBytes) / (1 << 20) }},
	}
	const pw, ph, ml, mt, mb = 340, 200, 60, 40, 40
	w, h := 2*(pw+ml)+50, 2*(ph+mt+mb)+30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	all := append(append([]Checkpoint{}, cps...), extra...)
	var maxX float64
	for _, c := range all {
		maxX = math.Max(maxX, float64(c.Codes))
	}
	maxX = niceCeil(maxX)
	for i, p := range panels {
		ox, oy := 10+(i%2)*(pw+ml)+ml, 30+(i/2)*(ph+mt+mb)+mt
		var maxY float64
		for _, c := range all {
			maxY = math.Max(maxY, p.val(c))
		}
		maxY = niceCeil(maxY)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s (%s)</text>`+"\n", ox, oy-12, html.EscapeString(p.name), p.unit)
		fmt.Fprintf(&b, `<path d="M%d %d V%d H%d" fill="none" stroke="#333"/>`+"\n", ox, oy, oy+ph, ox+pw)
		for k := 0; k <= 4; k++ {
			y := oy + ph - k*ph/4
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/><text x="%d" y="%d" text-anchor="end">%s</text>`+"\n",
				ox, y, ox+pw, y, ox-4, y+4, short(maxY*float64(k)/4))
			x := ox + k*pw/4
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x, oy+ph+14, short(maxX*float64(k)/4))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">codes in state</text>`+"\n", ox+pw/2, oy+ph+30)
		pt := func(c Checkpoint) (float64, float64) {
			return float64(ox) + float64(c.Codes)/maxX*pw, float64(oy+ph) - p.val(c)/maxY*ph
		}
		line := func(cs []Checkpoint, dash string) {
			var d []string
			for _, c := range cs {
				x, y := pt(c)
				d = append(d, fmt.Sprintf("%.1f,%.1f", x, y))
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f5fa8" stroke-width="2"%s/>`+"\n", strings.Join(d, " "), dash)
		}
		line(cps, "")
		var ex []Checkpoint
		for _, c := range extra {
			if p.val(c) > 0 {
				ex = append(ex, c)
			}
		}
		if len(ex) > 0 && len(cps) > 0 {
			line(append([]Checkpoint{cps[len(cps)-1]}, ex...), ` stroke-dasharray="5,4"`)
		}
		for _, c := range cps {
			x, y := pt(c)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1f5fa8"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, y, x, y-7, short(p.val(c)))
		}
		for _, c := range ex {
			x, y := pt(c)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="white" stroke="#1f5fa8"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, y, x, y-7, short(p.val(c)))
		}
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// short writes 1,500,000 as 1.5M and 0.25 as 0.25.
func short(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(math.Round(v/1e5)/10, 'f', -1, 64) + "M"
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	default:
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	}
}

// Extrapolate continues the state's bytes from the last two checkpoints in
// a straight line to each of codes (a constant size per code, as measured):
// a guess, drawn as one. Times and memory are not extrapolated: on a shared
// machine their noise is larger than their trend.
func Extrapolate(cps []Checkpoint, codes ...int64) []Checkpoint {
	if len(cps) < 2 {
		return nil
	}
	a, b := cps[len(cps)-2], cps[len(cps)-1]
	var out []Checkpoint
	for _, n := range codes {
		if n <= b.Codes {
			continue
		}
		f := float64(n-b.Codes) / float64(b.Codes-a.Codes)
		out = append(out, Checkpoint{Codes: n, StateBytes: int64(math.Max(float64(b.StateBytes), float64(b.StateBytes)+float64(b.StateBytes-a.StateBytes)*f))})
	}
	return out
}
