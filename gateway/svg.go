package gateway

import (
	"fmt"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

// chart is an inline SVG temperature chart, laid out here and drawn by the
// template: one bar per logging window, from its lowest to its highest
// reading, over the allowed range as a band.
type chart struct {
	W, H           int
	PW, PH         float64 // plot area size
	Left, Right    float64 // plot area
	Top, Bottom    float64
	Band           *box
	Bars           []bar
	YTicks, XTicks []tick
}

type box struct{ X, Y, W, H float64 }

type bar struct {
	X, Y, W, H float64
	Excursion  bool
	Title      string
}

type tick struct {
	X, Y   float64
	Label  string
	Anchor string // text-anchor of an x label
}

// tempChart lays out the readings; nil when there are none.
func tempChart(rs []reading, lo, hi int32, haveRange bool) *chart {
	if len(rs) == 0 {
		return nil
	}
	c := &chart{W: 360, H: 200, Left: 40, Right: 350, Top: 12, Bottom: 170}
	c.PW, c.PH = c.Right-c.Left, c.Bottom-c.Top
	minT, maxT := rs[0].Min, rs[0].Max
	t0, t1 := rs[0].Start, rs[0].End
	for _, r := range rs {
		minT, maxT = min(minT, r.Min), max(maxT, r.Max)
		if r.Start.Before(t0) {
			t0 = r.Start
		}
		if r.End.After(t1) {
			t1 = r.End
		}
	}
	// The band may reach far (frozen: -80 °C); show only around the readings.
	if haveRange {
		if hi > maxT && hi-maxT < 1000 {
			maxT = hi
		}
		if lo < minT && minT-lo < 1000 {
			minT = lo
		}
	}
	pad := int32(200)
	minT, maxT = floorTo(minT-pad, 500), ceilTo(maxT+pad, 500)
	if maxT == minT {
		maxT += 500
	}
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Minute
	}
	y := func(v int32) float64 {
		v = max(min(v, maxT), minT)
		return c.Top + (c.Bottom-c.Top)*float64(maxT-v)/float64(maxT-minT)
	}
	x := func(t time.Time) float64 {
		return c.Left + (c.Right-c.Left)*float64(t.Sub(t0))/float64(span)
	}
	if haveRange && lo <= maxT && hi >= minT {
		top, bottom := y(hi), y(lo)
		c.Band = &box{X: c.Left, Y: top, W: c.Right - c.Left, H: bottom - top}
	}
	for _, r := range rs {
		bx, bw := x(r.Start), x(r.End)-x(r.Start)
		if bw < 6 {
			bx, bw = bx-3+bw/2, 6
		}
		bx = max(c.Left, min(bx, c.Right-bw))
		top, bottom := y(r.Max), y(r.Min)
		if bottom-top < 3 {
			top, bottom = top-1.5, bottom+1.5
		}
		c.Bars = append(c.Bars, bar{X: bx, Y: top, W: bw, H: bottom - top, Excursion: r.Excursion,
			Title: fmt.Sprintf("%s – %s: %s … %s °C", r.Start.In(web.ChinaTime).Format("01-02 15:04"), r.End.In(web.ChinaTime).Format("01-02 15:04"), centiC(r.Min), centiC(r.Max))})
	}
	step := int32(500)
	for (maxT-minT)/step > 5 {
		step *= 2
	}
	for v := minT; v <= maxT; v += step {
		c.YTicks = append(c.YTicks, tick{X: c.Left - 6, Y: y(v), Label: fmt.Sprintf("%d°", v/100)})
	}
	c.XTicks = []tick{{X: c.Left, Y: c.Bottom + 18, Label: t0.In(web.ChinaTime).Format("01-02"), Anchor: "start"}}
	if t1.Sub(t0) > 12*time.Hour {
		c.XTicks = append(c.XTicks, tick{X: c.Right, Y: c.Bottom + 18, Label: t1.In(web.ChinaTime).Format("01-02"), Anchor: "end"})
	}
	return c
}

func floorTo(v, m int32) int32 {
	if v >= 0 {
		return v / m * m
	}
	return -((-v + m - 1) / m * m)
}

func ceilTo(v, m int32) int32 { return -floorTo(-v, m) }
