package console

import (
	"fmt"
	"testing"
)

func TestBarChart(t *testing.T) {
	if barChart("x", nil, func(k string) string { return k }, countText) != nil {
		t.Fatal("a chart of nothing")
	}
	vals := map[string]uint64{}
	for i := range 15 {
		vals[fmt.Sprintf("k%02d", i)] = uint64(i * 10)
	}
	b := barChart("x", vals, func(k string) string { return "name " + k }, countText)
	if len(b.Rows) != maxBars || b.More != 3 {
		t.Fatalf("%d rows, %d more", len(b.Rows), b.More)
	}
	// Largest first; each row keeps its key and the exact number.
	if b.Rows[0].Key != "k14" || b.Rows[0].Raw != 140 || b.Rows[0].W != 260 || b.Rows[11].Key != "k03" || b.Rows[11].Raw != 30 {
		t.Fatalf("rows %+v … %+v", b.Rows[0], b.Rows[11])
	}
	// Zero is drawn as a sliver, not as nothing.
	if z := barChart("x", map[string]uint64{"a": 0}, func(k string) string { return k }, countText); z.Rows[0].W != 2 || z.Rows[0].Raw != 0 {
		t.Fatalf("zero row %+v", z.Rows[0])
	}
}

func TestSeriesChart(t *testing.T) {
	days := []string{"2026-01-01", "2026-01-02", "2026-01-03"}
	s := seriesChart("d", days, map[string]uint64{"2026-01-01": 5, "2026-01-02": 10}, countText)
	if len(s.Cols) != 3 || s.Top != "10" {
		t.Fatalf("%+v", s)
	}
	for i, c := range s.Cols {
		if c.Day != days[i] || c.Y+c.H != s.Bottom || c.W > 24 || c.X < 36 || c.X+c.W > 596 {
			t.Errorf("column %d %+v", i, c)
		}
	}
	if s.Cols[1].H != 120 || s.Cols[0].H != 60 || s.Cols[2].H != 0 || s.Cols[2].Raw != 0 {
		t.Errorf("heights %v %v %v", s.Cols[0].H, s.Cols[1].H, s.Cols[2].H)
	}
	if seriesChart("d", nil, nil, countText) != nil {
		t.Error("a series of no days")
	}
}
