package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// figures are what the chain keeps per division and day (/supervision/stats)
// for one jurisdiction and date range, summed as the console charts them.
// Every sum is of numbers the chain returned, verified; nothing is estimated.
type figures struct {
	Prefix, From, To string
	Days             []*types.DayStats
	Total            *types.DayStats
	// Daily sums over the jurisdiction's divisions, by day.
	Commissioned, Received map[string]uint64
	DayList                []string // days with figures, oldest first
	// Received quantity (g) by origin country, by receiving city (the
	// first four digits), and by source city → receiving city.
	ByOrigin, ByCity, CityFlows map[string]uint64
	Verified                    *client.Verified
}

// cityOf is a division's city: its first four digits.
func cityOf(d string) string {
	if len(d) < 4 {
		return d
	}
	return d[:4]
}

// flowKey names a flow between cities ("3302-3301": from 3302 to 3301).
func flowKey(src, dst string) string { return cityOf(src) + "-" + cityOf(dst) }

func sumFigures(f *figures) {
	f.Commissioned, f.Received = map[string]uint64{}, map[string]uint64{}
	f.ByOrigin, f.ByCity, f.CityFlows = map[string]uint64{}, map[string]uint64{}, map[string]uint64{}
	for _, d := range f.Days {
		if _, ok := f.Commissioned[d.Day]; !ok {
			f.DayList = append(f.DayList, d.Day)
		}
		f.Commissioned[d.Day] += d.CodesCommissioned
		for _, fl := range d.Flows {
			f.Received[d.Day] += fl.Quantity
			f.ByOrigin[fl.OriginCountry] += fl.Quantity
			f.ByCity[cityOf(d.Division)] += fl.Quantity
			f.CityFlows[flowKey(fl.SourceDivision, d.Division)] += fl.Quantity
		}
	}
	sort.Strings(f.DayList)
}

// statsRequest reads the range and division of a figures request: dates
// (default the last 30 days, China's) and a division prefix that must lie
// in the jurisdiction (default all of it). A prefix outside it is refused.
func (s *Console) statsRequest(r *http.Request) (prefix, from, to string, f *web.Failure) {
	id := who(r)
	q := r.URL.Query()
	now := types.RulesOf(0).Date(s.cfg.Now()) // the chain's days are China's
	from, to = q.Get("from"), q.Get("to")
	if from == "" {
		from = now.AddDate(0, 0, -30).Format(time.DateOnly)
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	for _, d := range []string{from, to} {
		if t, err := time.Parse(time.DateOnly, d); err != nil || t.Year() < 1 {
			return "", "", "", &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "dates are YYYY-MM-DD"}
		}
	}
	prefix = id.Prefix
	if d := q.Get("division"); d != "" {
		if err := types.ValidDivisionPrefix(d); err != nil {
			return "", "", "", &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()}
		}
		if !strings.HasPrefix(d, id.Prefix) {
			return "", "", "", &web.Failure{Status: http.StatusForbidden, Kind: "outside",
				Detail: "division " + d + " is outside the jurisdiction " + id.Prefix}
		}
		prefix = d
	}
	return prefix, from, to, nil
}

// figuresOf reads and sums the verified figures of a prefix and range.
func (s *Console) figuresOf(ctx context.Context, prefix, from, to string) (*figures, error) {
	var stats types.StatsList
	f := &figures{Prefix: prefix, From: from, To: to}
	v, err := s.v.Query(ctx, "/supervision/stats/"+prefix+"?"+url.Values{"from": {from}, "to": {to}}.Encode(), &stats)
	if err != nil {
		return nil, web.Classify(v, err)
	}
	f.Days, f.Total, f.Verified = stats.Days, stats.Total, v
	sumFigures(f)
	return f, nil
}

type flowsView struct {
	From, To, Division string
	Commissioned       *series
	Received           *series
	Origins            *bars
	Cities             *bars
	CityFlows          *bars
	Days               []dayView
	Total              dayView
	Height             int64
}

type dayView struct {
	Day, Division                                          string
	Commissioned, Received, Sold, Holds, Positives, Alerts uint64
}

// consoleFlows charts the jurisdiction's figures: daily series, what its
// divisions received by origin country, by city and between cities, with
// the daily counters.
func (s *Console) consoleFlows(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	prefix, from, to, fail := s.statsRequest(r)
	if fail != nil {
		s.consoleError(w, r, fail)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	f, err := s.figuresOf(ctx, prefix, from, to)
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	out := flowsView{From: from, To: to, Division: prefix}
	if f.Verified != nil {
		out.Height = f.Verified.Height
	}
	cityName := func(c string) string { return l.PrefixName(c) + " " + c }
	flowName := func(k string) string {
		src, dst, _ := strings.Cut(k, "-")
		return l.Place(src) + " → " + l.Place(dst) + " (" + src + "→" + dst + ")"
	}
	out.Commissioned = seriesChart("daily-commissioned", f.DayList, f.Commissioned, countText)
	out.Received = seriesChart("daily-received", f.DayList, f.Received, gramsText)
	out.Origins = barChart("by-origin", f.ByOrigin, l.Country, gramsText)
	out.Cities = barChart("by-city", f.ByCity, cityName, gramsText)
	out.CityFlows = barChart("city-flows", f.CityFlows, flowName, gramsText)
	if t := f.Total; t != nil {
		out.Total = dayView{Commissioned: t.CodesCommissioned, Received: t.QuantityReceivedFromOutside, Sold: t.QuantitySold,
			Holds: t.Holds, Positives: t.Positives, Alerts: t.Alerts}
	}
	divName := func(d string) string { return l.Division(d) + " " + d }
	for _, d := range f.Days {
		var recv uint64
		for _, fl := range d.Flows {
			recv += fl.Quantity
		}
		out.Days = append(out.Days, dayView{Day: d.Day, Division: divName(d.Division), Commissioned: d.CodesCommissioned,
			Received: recv, Sold: d.QuantitySold, Holds: d.Holds, Positives: d.Positives, Alerts: d.Alerts})
	}
	sort.SliceStable(out.Days, func(i, j int) bool { return out.Days[i].Day > out.Days[j].Day })
	if len(out.Days) > 200 {
		out.Days = out.Days[:200]
	}
	s.consolePage(w, r, "console_flows", l.T("con.flows"), out)
}

// apiStats serves GET /api/v1/stats?from=&to=&division= (console listener,
// signed in): the jurisdiction's figures as the charts sum them, verified.
func (s *Console) apiStats(w http.ResponseWriter, r *http.Request) {
	prefix, from, to, fail := s.statsRequest(r)
	if fail != nil {
		web.WriteAPIError(w, fail)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	f, err := s.figuresOf(ctx, prefix, from, to)
	if err != nil {
		web.WriteAPIError(w, web.Classify(nil, err))
		return
	}
	out := struct {
		Jurisdiction string            `json:"jurisdiction"`
		Division     string            `json:"division"`
		From         string            `json:"from"`
		To           string            `json:"to"`
		Commissioned map[string]uint64 `json:"codes_commissioned_by_day"`
		Received     map[string]uint64 `json:"received_by_day"`
		ByOrigin     map[string]uint64 `json:"received_by_origin"`
		ByCity       map[string]uint64 `json:"received_by_city"`
		CityFlows    map[string]uint64 `json:"flows_between_cities"`
		Verified     *web.APIVerified  `json:"verified,omitempty"`
	}{Jurisdiction: who(r).Prefix, Division: prefix, From: from, To: to, Commissioned: f.Commissioned, Received: f.Received,
		ByOrigin: f.ByOrigin, ByCity: f.ByCity, CityFlows: f.CityFlows}
	if f.Verified != nil {
		vj := web.VerifiedJSON(f.Verified)
		out.Verified = &vj
	}
	web.WriteJSON(w, http.StatusOK, out)
}
