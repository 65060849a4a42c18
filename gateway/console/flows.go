package console

import (
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

type flowsView struct {
	From, To  string
	Origins   *bars
	Sources   *bars
	Receivers *bars
	Days      []dayView
	Total     dayView
	Height    int64
	Unproven  bool
}

type dayView struct {
	Day, Division                                          string
	Commissioned, Received, Sold, Holds, Positives, Alerts uint64
}

// consoleFlows charts what the jurisdiction's divisions received from other
// divisions, by origin country, source division and receiving division,
// with the daily counters.
func (s *Console) consoleFlows(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	now := types.RulesOf(0).Date(s.cfg.Now()) // the chain's days are China's
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		from = now.AddDate(0, 0, -30).Format(time.DateOnly)
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "dates are YYYY-MM-DD"})
			return
		}
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	var stats types.StatsList
	out := flowsView{From: from, To: to}
	var err error
	out.Height, err = s.list(ctx, "/supervision/stats/"+s.division+"?"+url.Values{"from": {from}, "to": {to}}.Encode(), &stats,
		func() bool { return len(stats.Days) == 0 }, &out.Unproven)
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	out.Origins = originBars(l, stats.Days)
	src, dst := map[string]uint64{}, map[string]uint64{}
	for _, d := range stats.Days {
		for _, f := range d.Flows {
			src[f.SourceDivision] += f.Quantity
			dst[d.Division] += f.Quantity
		}
	}
	divName := func(d string) string { return l.Division(d) + " " + d }
	out.Sources = barChart(src, divName, gramsText)
	out.Receivers = barChart(dst, divName, gramsText)
	if t := stats.Total; t != nil {
		out.Total = dayView{Commissioned: t.CodesCommissioned, Received: t.QuantityReceivedFromOutside, Sold: t.QuantitySold,
			Holds: t.Holds, Positives: t.Positives, Alerts: t.Alerts}
	}
	for _, d := range stats.Days {
		out.Days = append(out.Days, dayView{Day: d.Day, Division: divName(d.Division), Commissioned: d.CodesCommissioned,
			Received: d.QuantityReceivedFromOutside, Sold: d.QuantitySold, Holds: d.Holds, Positives: d.Positives, Alerts: d.Alerts})
	}
	sort.SliceStable(out.Days, func(i, j int) bool { return out.Days[i].Day > out.Days[j].Day })
	if len(out.Days) > 200 {
		out.Days = out.Days[:200]
	}
	s.consolePage(w, r, "console_flows", l.T("con.flows"), out)
}
