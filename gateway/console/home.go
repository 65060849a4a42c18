package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// consolePage renders a console page.
func (s *Console) consolePage(w http.ResponseWriter, r *http.Request, name, title string, body any) {
	l := web.PickLang(w, r)
	id := who(r)
	s.render(w, r, http.StatusOK, name, &web.Page{L: l, Title: title, Console: true, Signed: true, Division: jurisdictionName(l, id), Who: whoName(id), Body: body})
}

type consoleErrorView struct {
	Status int
	Title  string
	Detail string
}

func (s *Console) consoleError(w http.ResponseWriter, r *http.Request, f *web.Failure) {
	l := web.PickLang(nil, r)
	v := consoleErrorView{Status: f.Status, Detail: f.Detail}
	switch f.Kind {
	case "not_found":
		v.Title = l.T("err.notfound")
	case "unverifiable":
		v.Title = l.T("err.unverifiable")
	case "unavailable":
		v.Title = l.T("err.unavailable")
	case "bad_request":
		v.Title = l.T("err.bad")
	case "outside":
		v.Title = l.T("con.outside")
	case "viewonly":
		v.Title = l.T("con.viewonly")
	case "rate_limited":
		v.Title = l.T("err.ratelimit")
	case "signin":
		v.Title = l.T("con.login")
	default:
		v.Title = l.T("err.page")
	}
	if f.Status >= 500 {
		s.log.Warn("gateway console: request failed", "path", r.URL.Path, "status", f.Status, "detail", f.Detail)
	}
	id := who(r)
	s.render(w, r, f.Status, "console_error", &web.Page{L: l, Title: v.Title, Console: true, Signed: id.Role != 0,
		Division: jurisdictionName(l, id), Who: whoName(id), Body: v})
}

func jurisdictionName(l web.Lang, id Identity) string {
	if id.Prefix == "" {
		return ""
	}
	return l.PrefixName(id.Prefix) + " (" + id.Prefix + ")"
}

// whoName says who is signed in: a role and, for a key, its first digits.
func whoName(id Identity) string {
	switch {
	case id.Role == 0:
		return ""
	case id.Key == "":
		return id.Role.String()
	case id.Role == RoleOfficer:
		return id.Role.String() + " " + id.Key[:12] + "… · " + id.Division + " · → " + id.Expires
	}
	return id.Role.String() + " " + id.Division + " · " + id.Key[:12] + "…"
}

// fmtQty formats a quantity in its unit.
func fmtQty(q uint64, unit types.QuantityUnit) string {
	if unit == types.QuantityUnit_QUANTITY_UNIT_PIECES {
		return strconv.FormatUint(q, 10) + " pcs"
	}
	if q >= 1000 {
		return strconv.FormatFloat(float64(q)/1000, 'f', -1, 64) + " kg"
	}
	return strconv.FormatUint(q, 10) + " g"
}

type alertView struct {
	ID                    uint64
	Kind, Division, Where string
	Message, Time         string
	Codes                 []string
	Batch                 string
	Open                  bool
	AckBy, Comment        string
}

func (s *Console) alertView(l web.Lang, a *types.Alert) alertView {
	kind := strings.ToLower(strings.TrimPrefix(a.Kind.String(), "ALERT_KIND_"))
	return alertView{ID: a.Id, Kind: kind, Division: a.Division, Where: l.Division(a.Division), Message: a.Message,
		Time: l.Date(time.UnixMilli(a.TimeMs)), Codes: a.Codes, Batch: a.Batch, Open: a.Open, AckBy: a.AcknowledgedBy, Comment: a.Comment}
}

type homeView struct {
	Regulator  string
	Alerts     []alertView
	MoreAlerts bool
	Holds      int
	MoreHolds  bool
	Reports    int
	Origins    *bars
	Since      string
	Height     int64
}

func (s *Console) consoleHome(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	var alerts types.AlertList
	var holds types.CodeList
	var stats types.StatsList
	reg := &types.Regulator{}
	since := types.RulesOf(0).Date(s.cfg.Now()).AddDate(0, 0, -30).Format(time.DateOnly) // the chain's days are China's
	v := homeView{Since: since}
	err := web.Parallel(func() error {
		var err error
		v.Height, err = s.list(ctx, "/supervision/alerts/"+who(r).Prefix+"?limit=20", &alerts)
		return err
	}, func() error {
		_, err := s.list(ctx, "/supervision/holds/"+who(r).Prefix+"?limit=100", &holds)
		return err
	}, func() error {
		_, err := s.list(ctx, "/supervision/stats/"+who(r).Prefix+"?from="+since, &stats)
		return err
	}, func() error {
		v, err := s.v.Query(ctx, "/registry/regulator/"+regulatorOf(who(r)), reg)
		if err != nil && web.NotFound(v, err) {
			return nil
		}
		return wrapQ(v, err)
	})
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	v.Regulator, v.MoreAlerts, v.Holds, v.MoreHolds, v.Reports = reg.Name, alerts.Next != "", len(holds.Codes), holds.Next != "", len(s.reportsIn(ctx, who(r)))
	for _, a := range alerts.Alerts {
		v.Alerts = append(v.Alerts, s.alertView(l, a))
	}
	v.Origins = originBars(l, stats.Days)
	s.consolePage(w, r, "console_home", l.T("con.title"), v)
}

// list reads a verified list answer (proven complete, empty or not) and
// returns its height.
func (s *Console) list(ctx context.Context, path string, m proto.Message) (int64, error) {
	v, err := s.v.Query(ctx, path, m)
	if err != nil {
		return 0, web.Classify(v, err)
	}
	return v.Height, nil
}

func wrapQ(v *client.Verified, err error) error {
	if err != nil {
		return web.Classify(v, err)
	}
	return nil
}

// originBars sums the quantities the divisions of the jurisdiction received
// from other divisions, by origin country. Unlike the chain's total, which
// leaves out flows between its own divisions, this counts every crossing of
// a division line inside the jurisdiction too.
func originBars(l web.Lang, days []*types.DayStats) *bars {
	vals := map[string]uint64{}
	for _, d := range days {
		for _, f := range d.Flows {
			vals[f.OriginCountry] += f.Quantity
		}
	}
	return barChart("by-origin", vals, l.Country, gramsText)
}

func gramsText(q uint64) string { return fmtQty(q, types.QuantityUnit_QUANTITY_UNIT_GRAMS) }

type alertsView struct {
	Alerts []alertView
	Next   string
}

func (s *Console) consoleAlerts(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := url.Values{"limit": {"100"}}
	if after := r.URL.Query().Get("after"); after != "" {
		q.Set("after", after)
	}
	var list types.AlertList
	var out alertsView
	if _, err := s.list(ctx, "/supervision/alerts/"+who(r).Prefix+"?"+q.Encode(), &list); err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	out.Next = list.Next
	for _, a := range list.Alerts {
		out.Alerts = append(out.Alerts, s.alertView(l, a))
	}
	s.consolePage(w, r, "console_alerts", l.T("con.alerts"), out)
}

type alertPageView struct {
	Alert    alertView
	ViewOnly bool
	Comment  string
	Key      string
	Command  string
}

// consoleAlert shows one alert and, from the form's comment and key name,
// the CLI command that acknowledges it: the gateway holds no regulator key.
func (s *Console) consoleAlert(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "alert ids are numbers"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	a := &types.Alert{}
	v, err := s.v.Query(ctx, "/supervision/alert/"+strconv.FormatUint(id, 10), a)
	if err != nil {
		s.consoleError(w, r, web.Classify(v, err))
		return
	}
	if !who(r).In(a.Division) {
		s.consoleError(w, r, outside("alert "+strconv.FormatUint(id, 10)+" of division "+a.Division, who(r)))
		return
	}
	if who(r).ViewOnly() {
		// An officer may read the alert, not prepare its acknowledgement.
		if r.URL.Query().Has("comment") || r.URL.Query().Has("key") {
			s.consoleError(w, r, &web.Failure{Status: http.StatusForbidden, Kind: "viewonly",
				Detail: "an officer's session is view-only: acknowledging alert " + strconv.FormatUint(id, 10) + " is for regulator " + who(r).Division})
			return
		}
		s.consolePage(w, r, "console_alert", fmt.Sprintf("%s %d", l.T("con.alerts"), id), alertPageView{Alert: s.alertView(l, a), ViewOnly: true})
		return
	}
	comment := r.URL.Query().Get("comment")
	if len([]rune(comment)) > 500 {
		comment = string([]rune(comment)[:500])
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		key = "regulator"
	}
	pv := alertPageView{Alert: s.alertView(l, a), Comment: comment, Key: key}
	c := comment
	if c == "" {
		c = "COMMENT"
	}
	pv.Command = fmt.Sprintf("coldtrace tx supervision ack %d --comment %s --from %s", id, shellQuote(c), shellQuote(key))
	s.consolePage(w, r, "console_alert", fmt.Sprintf("%s %d", l.T("con.alerts"), id), pv)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=@", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

type holdView struct {
	Division, Where, Code string
}

type recallView struct {
	ID                     uint64
	Batch, Reason, Time    string
	Regulator              string
	Codes                  uint64
	Scope                  []scopeView
	Enterprises, Divisions []string
}

type scopeView struct {
	Code, Enterprise, Name, Division, Quantity string
	InTransit                                  bool
}

type holdsView struct {
	Holds   []holdView
	More    bool
	Recalls []recallView
}

// consoleHolds lists held goods of the jurisdiction and the newest recalls
// reaching it, with their scope.
func (s *Console) consoleHolds(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	var holds types.CodeList
	var recalls []*types.Recall
	var out holdsView
	err := web.Parallel(func() error {
		_, err := s.list(ctx, "/supervision/holds/"+who(r).Prefix+"?limit=100", &holds)
		return err
	}, func() error {
		var err error
		recalls, err = s.recentRecalls(ctx, who(r), 20)
		return err
	})
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	out.More = holds.Next != ""
	for _, h := range holds.Codes {
		div, code, _ := strings.Cut(h, "/")
		if len(div) > 6 {
			div, code = h[:6], h[6:]
		}
		if !strings.HasPrefix(code, "/") {
			code = "/" + code
		}
		out.Holds = append(out.Holds, holdView{Division: div, Where: l.Division(div), Code: code})
	}
	names := s.enterpriseNames(ctx, recalls)
	for _, rc := range recalls {
		out.Recalls = append(out.Recalls, s.recallView(l, who(r), rc, names))
	}
	s.consolePage(w, r, "console_holds", l.T("con.holds"), out)
}

func (s *Console) recallView(l web.Lang, id Identity, rc *types.Recall, names map[string]string) recallView {
	rv := recallView{ID: rc.Id, Batch: rc.Batch, Reason: rc.Reason, Time: l.Date(time.UnixMilli(rc.TimeMs)),
		Regulator: l.Division(rc.Regulator), Codes: rc.Codes}
	// Of the recall's reach, only what lies in the jurisdiction is shown.
	for _, d := range rc.Divisions {
		if id.In(d) {
			rv.Divisions = append(rv.Divisions, d)
		}
	}
	seen := map[string]bool{}
	for _, sc := range rc.Scope {
		if !id.In(sc.Division) {
			continue
		}
		if !seen[sc.Enterprise] {
			seen[sc.Enterprise] = true
			rv.Enterprises = append(rv.Enterprises, sc.Enterprise)
		}
		rv.Scope = append(rv.Scope, scopeView{Code: sc.Code, Enterprise: sc.Enterprise, Name: names[sc.Enterprise], Division: l.Division(sc.Division),
			Quantity: fmtQty(sc.Quantity, sc.Unit), InTransit: sc.InTransit})
	}
	return rv
}

// enterpriseNames looks up the names of the enterprises in recall scopes
// (verified; at most 30).
func (s *Console) enterpriseNames(ctx context.Context, recalls []*types.Recall) map[string]string {
	want := map[string]bool{}
	for _, rc := range recalls {
		for _, e := range rc.Enterprises {
			want[e] = true
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 30 {
		ids = ids[:30]
	}
	out := map[string]string{}
	found := make([]string, len(ids))
	var fns []func() error
	for i, id := range ids {
		fns = append(fns, func() error {
			e := &types.Enterprise{}
			if _, err := s.v.Query(ctx, "/registry/enterprise/"+id, e); err == nil {
				found[i] = e.Name
			}
			return nil
		})
	}
	_ = web.Parallel(fns...)
	for i, id := range ids {
		if found[i] != "" {
			out[id] = found[i]
		}
	}
	return out
}

// recentRecalls finds the newest recall id (ids count up from 1) and reads
// back from it up to n recalls that reach the jurisdiction.
func (s *Console) recentRecalls(ctx context.Context, who Identity, n int) ([]*types.Recall, error) {
	exists := func(id uint64) (*types.Recall, bool, error) {
		rc := &types.Recall{}
		v, err := s.v.Query(ctx, "/supervision/recall/"+strconv.FormatUint(id, 10), rc)
		if err != nil {
			if web.NotFound(v, err) {
				return nil, false, nil
			}
			return nil, false, web.Classify(v, err)
		}
		return rc, true, nil
	}
	// Exponential probe, then binary search for the last id that exists.
	var lo, hi uint64 = 0, 1
	for {
		_, ok, err := exists(hi)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
		if hi > 1<<40 {
			break
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		_, ok, err := exists(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	var out []*types.Recall
	for id := lo; id >= 1 && len(out) < n && lo-id < 200; id-- {
		rc, ok, err := exists(id)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		reaches := who.In(rc.Regulator)
		for _, d := range rc.Divisions {
			reaches = reaches || who.In(d)
		}
		if reaches {
			out = append(out, rc)
		}
	}
	return out, nil
}

// regulatorOf is the division whose regulator record names the
// jurisdiction: the signed-in regulator's own, else the prefix's.
func regulatorOf(id Identity) string {
	if id.Division != "" {
		return id.Division
	}
	return id.Prefix + strings.Repeat("0", 6-len(id.Prefix))
}
