package bench

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestScaleSVG(t *testing.T) {
	cps := []Checkpoint{
		{Codes: 250_000, StateBytes: 100 << 20, Block1000Ms: 80, QueryP99Ms: 0.5, PeakRSSBytes: 300 << 20},
		{Codes: 1_000_000, StateBytes: 400 << 20, Block1000Ms: 120, QueryP99Ms: 0.9, PeakRSSBytes: 500 << 20},
	}
	extra := Extrapolate(cps, 4_000_000)
	if len(extra) != 1 || extra[0].StateBytes != 1600<<20 || extra[0].Block1000Ms != 0 {
		t.Fatalf("Extrapolate = %+v", extra)
	}
	svg := ScaleSVG(cps, extra, "growth & <test>")
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	for _, want := range []string{"app state on disk (MiB)", "400", "1600", "stroke-dasharray", "&amp; &lt;test&gt;", "5M"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestShort(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.25: "0.25", 7.5: "7.5", 120: "120", 40_000: "40k", 1_500_000: "1.5M", 16_000_000: "16M"} {
		if got := short(v); got != want {
			t.Errorf("short(%v) = %q, want %q", v, got, want)
		}
	}
}
