package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

var (
	chartRE = regexp.MustCompile(`(?s)<svg class="(?:bars|series)"[^>]*data-chart="([a-z-]+)"(.*?)</svg>`)
	pointRE = regexp.MustCompile(`data-(?:key|day)="([^"]*)" data-value="(\d+)"`)
)

// chartValues reads the numbers a page's charts carry: chart → key → value.
func chartValues(t *testing.T, page string) map[string]map[string]uint64 {
	t.Helper()
	out := map[string]map[string]uint64{}
	for _, m := range chartRE.FindAllStringSubmatch(page, -1) {
		vals := map[string]uint64{}
		for _, p := range pointRE.FindAllStringSubmatch(m[2], -1) {
			v, err := strconv.ParseUint(p[2], 10, 64)
			if err != nil {
				t.Fatalf("chart %s: %q", m[1], p[0])
			}
			vals[p[1]] = v
		}
		out[m[1]] = vals
	}
	return out
}

// chainFigures asks the node for a prefix's stats and sums them as the
// charts are meant to: by day, origin country, receiving city and pair of
// cities.
func chainFigures(t *testing.T, prefix, from, to string) map[string]map[string]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stats types.StatsList
	if _, err := fx.C.QueryInto(ctx, "/supervision/stats/"+prefix+"?"+url.Values{"from": {from}, "to": {to}}.Encode(), &stats); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]uint64{"daily-commissioned": {}, "daily-received": {}, "by-origin": {}, "by-city": {}, "city-flows": {}}
	for _, d := range stats.Days {
		out["daily-commissioned"][d.Day] += d.CodesCommissioned
		out["daily-received"][d.Day] += 0
		for _, f := range d.Flows {
			out["daily-received"][d.Day] += f.Quantity
			out["by-origin"][f.OriginCountry] += f.Quantity
			out["by-city"][d.Division[:4]] += f.Quantity
			out["city-flows"][f.SourceDivision[:4]+"-"+d.Division[:4]] += f.Quantity
		}
	}
	for k, v := range out {
		if len(v) == 0 {
			delete(out, k)
		}
	}
	return out
}

func sameFigures(t *testing.T, who string, got, want map[string]map[string]uint64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the chain has no figures to chart", who)
	}
	for chart, w := range want {
		g := got[chart]
		if len(g) != len(w) {
			t.Errorf("%s: chart %s has %d elements, the chain %d: %v vs %v", who, chart, len(g), len(w), g, w)
			continue
		}
		for k, v := range w {
			if g[k] != v {
				t.Errorf("%s: chart %s, %s = %d, the chain says %d", who, chart, k, g[k], v)
			}
		}
	}
	for chart := range got {
		if _, ok := want[chart]; !ok {
			t.Errorf("%s: chart %s drawn, but the chain has nothing for it", who, chart)
		}
	}
}

// The charts carry the chain's numbers for the signed-in jurisdiction,
// and only for it.
func TestChartsCarryTheChainsNumbers(t *testing.T) {
	regulators(t)
	h := newConsole(t, nil).Handler()
	from, to := "2020-01-01", types.RulesOf(0).Day(time.Now().AddDate(0, 0, 1))
	for _, c := range []struct {
		who, prefix string
		cookie      string
	}{
		{"city", "3301", signIn(t, h, fx.Seed.CityKey, nil)},
		{"district", "330106", signIn(t, h, districtKey, nil)},
	} {
		page := wantStatus(t, get(t, h, "/console/flows?from="+from+"&to="+to, "Cookie", c.cookie), http.StatusOK)
		sameFigures(t, c.who, chartValues(t, page), chainFigures(t, c.prefix, from, to))
	}
	// The other city's charts are empty: Hangzhou's figures are not its.
	page := wantStatus(t, get(t, h, "/console/flows?from="+from+"&to="+to, "Cookie", signIn(t, h, otherKey, nil)), http.StatusOK)
	if got := chartValues(t, page); len(got) != 0 {
		t.Errorf("the other city is shown charts %v", got)
	}
}
