package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// consoleCookie carries a signed-in browser's session id (console_session.go):
// random, kept on the server, ended by logout or expiry; never the token.
const consoleCookie = "coldtrace_console"

// authorized reports whether a request carries the token (Bearer) or the
// cookie of a live session.
func (s *Server) authorized(r *http.Request, sessions *sessionStore) bool {
	if s.token == "" {
		return false
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1
		}
		return false
	}
	if c, err := r.Cookie(consoleCookie); err == nil {
		return sessions.valid(c.Value)
	}
	return false
}

// loopbackOnly says whether the console serves loopback clients only: it is
// bound to loopback, or shares the public listener.
func (s *Server) loopbackOnly() bool {
	return s.combined || isLoopbackHost(s.cfg.ConsoleListen)
}

func isLoopbackRemote(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// consoleHandler routes the console. Every route but the login form and
// the static files needs the token.
func (s *Server) consoleHandler() http.Handler {
	mux := http.NewServeMux()
	sessions := newSessionStore(s.cfg.Now)
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !s.authorized(r, sessions) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="coldtrace console"`)
				if strings.HasPrefix(r.URL.Path, "/api/") {
					writeAPIError(w, &failure{Status: http.StatusUnauthorized, Kind: "unauthorized", Detail: "give the console token as Authorization: Bearer TOKEN"})
					return
				}
				s.loginPage(w, r, http.StatusUnauthorized, false)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/console", http.StatusSeeOther) })
	mux.HandleFunc("GET /console/login", func(w http.ResponseWriter, r *http.Request) { s.loginPage(w, r, http.StatusOK, false) })
	mux.HandleFunc("POST /console/login", s.handleLogin(sessions))
	mux.HandleFunc("POST /console/logout", s.handleLogout(sessions))
	mux.HandleFunc("GET /console", auth(s.consoleHome))
	mux.HandleFunc("GET /console/{$}", auth(s.consoleHome))
	mux.HandleFunc("GET /console/search", auth(s.consoleSearch))
	mux.HandleFunc("GET /console/code", auth(s.consoleCode))
	mux.HandleFunc("GET /console/batch", auth(s.consoleBatch))
	mux.HandleFunc("GET /console/enterprise/{uscc}", auth(s.consoleEnterprise))
	mux.HandleFunc("GET /console/alerts", auth(s.consoleAlerts))
	mux.HandleFunc("GET /console/alerts/{id}", auth(s.consoleAlert))
	mux.HandleFunc("GET /console/holds", auth(s.consoleHolds))
	mux.HandleFunc("GET /console/flows", auth(s.consoleFlows))
	mux.HandleFunc("GET /console/reports", auth(s.consoleReports))
	mux.HandleFunc("GET /api/v1/alerts", auth(s.apiAlerts))
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("/", auth(func(w http.ResponseWriter, r *http.Request) {
		s.consoleError(w, r, &failure{Status: http.StatusNotFound, Kind: "page"})
	}))
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			http.NotFound(w, r)
			return
		}
		if s.loopbackOnly() && !isLoopbackRemote(r.RemoteAddr) {
			http.Error(w, "the console serves this machine only", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
	return secure(guarded)
}

type loginView struct{ Bad bool }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, status int, bad bool) {
	l := pickLang(w, r)
	s.render(w, r, status, "console_login", &page{L: l, Title: l.T("con.login"), Console: true, Body: loginView{Bad: bad}})
}

func (s *Server) handleLogin(sessions *sessionStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.loginL.allow(s.clientIP(r)); !ok {
			s.tooMany(w, r, wait)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.token)) != 1 {
			s.loginPage(w, r, http.StatusUnauthorized, true)
			return
		}
		// A session the browser already had is replaced, not kept beside.
		if c, err := r.Cookie(consoleCookie); err == nil {
			sessions.end(c.Value)
		}
		id, err := sessions.create()
		if err != nil {
			s.consoleError(w, r, &failure{Status: http.StatusInternalServerError, Kind: "internal"})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: id, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, MaxAge: int(sessionAbsolute / time.Second), Secure: r.TLS != nil})
		http.Redirect(w, r, "/console", http.StatusSeeOther)
	}
}

// handleLogout ends the session on the server, so its cookie is refused
// even if a copy of it survives in the browser or elsewhere.
func (s *Server) handleLogout(sessions *sessionStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(consoleCookie); err == nil {
			sessions.end(c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: "", Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, MaxAge: -1, Secure: r.TLS != nil})
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	}
}

// consolePage renders a console page.
func (s *Server) consolePage(w http.ResponseWriter, r *http.Request, name, title string, body any) {
	l := pickLang(w, r)
	s.render(w, r, http.StatusOK, name, &page{L: l, Title: title, Console: true, Signed: true, Division: l.prefixName(s.division) + " (" + s.division + ")", Body: body})
}

type consoleErrorView struct {
	Status int
	Title  string
	Detail string
}

func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, f *failure) {
	l := pickLang(nil, r)
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
	default:
		v.Title = l.T("err.page")
	}
	if f.Status >= 500 {
		s.log.Warn("gateway console: request failed", "path", r.URL.Path, "status", f.Status, "detail", f.Detail)
	}
	s.render(w, r, f.Status, "console_error", &page{L: l, Title: v.Title, Console: true, Signed: true,
		Division: l.prefixName(s.division) + " (" + s.division + ")", Body: v})
}

// inJurisdiction reports whether a division lies under the console's prefix.
func (s *Server) inJurisdiction(div string) bool { return strings.HasPrefix(div, s.division) }

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

func (s *Server) alertView(l Lang, a *types.Alert) alertView {
	kind := strings.ToLower(strings.TrimPrefix(a.Kind.String(), "ALERT_KIND_"))
	return alertView{ID: a.Id, Kind: kind, Division: a.Division, Where: l.division(a.Division), Message: a.Message,
		Time: l.date(time.UnixMilli(a.TimeMs)), Codes: a.Codes, Batch: a.Batch, Open: a.Open, AckBy: a.AcknowledgedBy, Comment: a.Comment}
}

type homeView struct {
	Regulator      string
	Alerts         []alertView
	MoreAlerts     bool
	Holds          int
	MoreHolds      bool
	Reports        int
	Origins        *bars
	Since          string
	Height         int64
	AlertsUnproven bool
	HoldsUnproven  bool
	StatsUnproven  bool
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	var alerts types.AlertList
	var holds types.CodeList
	var stats types.StatsList
	reg := &types.Regulator{}
	since := s.cfg.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly)
	v := homeView{Since: since}
	err := parallel(func() error {
		var err error
		v.Height, err = s.list(ctx, "/supervision/alerts/"+s.division+"?limit=20", &alerts, func() bool { return len(alerts.Alerts) == 0 }, &v.AlertsUnproven)
		return err
	}, func() error {
		_, err := s.list(ctx, "/supervision/holds/"+s.division+"?limit=100", &holds, func() bool { return len(holds.Codes) == 0 }, &v.HoldsUnproven)
		return err
	}, func() error {
		_, err := s.list(ctx, "/supervision/stats/"+s.division+"?from="+since, &stats, func() bool { return len(stats.Days) == 0 }, &v.StatsUnproven)
		return err
	}, func() error {
		v, err := s.v.query(ctx, "/registry/regulator/"+s.division+strings.Repeat("0", 6-len(s.division)), reg)
		if err != nil && notFound(v, err) {
			return nil
		}
		return wrapQ(v, err)
	})
	if err != nil {
		s.consoleError(w, r, classify(nil, err))
		return
	}
	v.Regulator, v.MoreAlerts, v.Holds, v.MoreHolds, v.Reports = reg.Name, alerts.Next != "", len(holds.Codes), holds.Next != "", s.reports.Count()
	for _, a := range alerts.Alerts {
		v.Alerts = append(v.Alerts, s.alertView(l, a))
	}
	v.Origins = originBars(l, stats.Days)
	s.consolePage(w, r, "console_home", l.T("con.title"), v)
}

// list reads a list answer (see queryList): its height, or 0 and unproven
// set when the node's empty answer could not be proven.
func (s *Server) list(ctx context.Context, path string, m proto.Message, empty func() bool, unproven *bool) (int64, error) {
	v, u, err := s.v.queryList(ctx, path, m, empty)
	if err != nil {
		return 0, classify(v, err)
	}
	if u {
		*unproven = true
		return 0, nil
	}
	return v.Height, nil
}

func wrapQ(v *client.Verified, err error) error {
	if err != nil {
		return classify(v, err)
	}
	return nil
}

// originBars sums the quantities the divisions of the jurisdiction received
// from other divisions, by origin country. Unlike the chain's total, which
// leaves out flows between its own divisions, this counts every crossing of
// a division line inside the jurisdiction too.
func originBars(l Lang, days []*types.DayStats) *bars {
	vals := map[string]uint64{}
	for _, d := range days {
		for _, f := range d.Flows {
			vals[f.OriginCountry] += f.Quantity
		}
	}
	return barChart(vals, l.country, gramsText)
}

func gramsText(q uint64) string { return fmtQty(q, types.QuantityUnit_QUANTITY_UNIT_GRAMS) }

type alertsView struct {
	Alerts   []alertView
	Next     string
	Unproven bool
}

func (s *Server) consoleAlerts(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := url.Values{"limit": {"100"}}
	if after := r.URL.Query().Get("after"); after != "" {
		q.Set("after", after)
	}
	var list types.AlertList
	var out alertsView
	if _, err := s.list(ctx, "/supervision/alerts/"+s.division+"?"+q.Encode(), &list, func() bool { return len(list.Alerts) == 0 }, &out.Unproven); err != nil {
		s.consoleError(w, r, classify(nil, err))
		return
	}
	out.Next = list.Next
	for _, a := range list.Alerts {
		out.Alerts = append(out.Alerts, s.alertView(l, a))
	}
	s.consolePage(w, r, "console_alerts", l.T("con.alerts"), out)
}

type alertPageView struct {
	Alert   alertView
	Comment string
	Key     string
	Command string
}

// consoleAlert shows one alert and, from the form's comment and key name,
// the CLI command that acknowledges it: the gateway holds no regulator key.
func (s *Server) consoleAlert(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "alert ids are numbers"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	a := &types.Alert{}
	v, err := s.v.query(ctx, "/supervision/alert/"+strconv.FormatUint(id, 10), a)
	if err != nil {
		s.consoleError(w, r, classify(v, err))
		return
	}
	if !s.inJurisdiction(a.Division) {
		s.consoleError(w, r, &failure{Status: http.StatusForbidden, Kind: "outside", Detail: "alert " + strconv.FormatUint(id, 10) + " applies to " + a.Division})
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
	Holds    []holdView
	More     bool
	Recalls  []recallView
	Unproven bool
}

// consoleHolds lists held goods of the jurisdiction and the newest recalls
// reaching it, with their scope.
func (s *Server) consoleHolds(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	var holds types.CodeList
	var recalls []*types.Recall
	var out holdsView
	err := parallel(func() error {
		_, err := s.list(ctx, "/supervision/holds/"+s.division+"?limit=100", &holds, func() bool { return len(holds.Codes) == 0 }, &out.Unproven)
		return err
	}, func() error {
		var err error
		recalls, err = s.recentRecalls(ctx, 20)
		return err
	})
	if err != nil {
		s.consoleError(w, r, classify(nil, err))
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
		out.Holds = append(out.Holds, holdView{Division: div, Where: l.division(div), Code: code})
	}
	names := s.enterpriseNames(ctx, recalls)
	for _, rc := range recalls {
		out.Recalls = append(out.Recalls, s.recallView(l, rc, names))
	}
	s.consolePage(w, r, "console_holds", l.T("con.holds"), out)
}

func (s *Server) recallView(l Lang, rc *types.Recall, names map[string]string) recallView {
	rv := recallView{ID: rc.Id, Batch: rc.Batch, Reason: rc.Reason, Time: l.date(time.UnixMilli(rc.TimeMs)),
		Regulator: l.division(rc.Regulator), Codes: rc.Codes, Enterprises: rc.Enterprises, Divisions: rc.Divisions}
	for _, sc := range rc.Scope {
		if !s.inJurisdiction(sc.Division) {
			continue
		}
		rv.Scope = append(rv.Scope, scopeView{Code: sc.Code, Enterprise: sc.Enterprise, Name: names[sc.Enterprise], Division: l.division(sc.Division),
			Quantity: fmtQty(sc.Quantity, sc.Unit), InTransit: sc.InTransit})
	}
	return rv
}

// enterpriseNames looks up the names of the enterprises in recall scopes
// (verified; at most 30).
func (s *Server) enterpriseNames(ctx context.Context, recalls []*types.Recall) map[string]string {
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
			if _, err := s.v.query(ctx, "/registry/enterprise/"+id, e); err == nil {
				found[i] = e.Name
			}
			return nil
		})
	}
	_ = parallel(fns...)
	for i, id := range ids {
		if found[i] != "" {
			out[id] = found[i]
		}
	}
	return out
}

// recentRecalls finds the newest recall id (ids count up from 1) and reads
// back from it up to n recalls that reach the jurisdiction.
func (s *Server) recentRecalls(ctx context.Context, n int) ([]*types.Recall, error) {
	exists := func(id uint64) (*types.Recall, bool, error) {
		rc := &types.Recall{}
		v, err := s.v.query(ctx, "/supervision/recall/"+strconv.FormatUint(id, 10), rc)
		if err != nil {
			if notFound(v, err) {
				return nil, false, nil
			}
			return nil, false, classify(v, err)
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
		reaches := strings.HasPrefix(rc.Regulator, s.division)
		for _, d := range rc.Divisions {
			reaches = reaches || s.inJurisdiction(d)
		}
		if reaches {
			out = append(out, rc)
		}
	}
	return out, nil
}

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
func (s *Server) consoleFlows(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	now := s.cfg.Now().UTC()
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		from = now.AddDate(0, 0, -30).Format(time.DateOnly)
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "dates are YYYY-MM-DD"})
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
		s.consoleError(w, r, classify(nil, err))
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
	divName := func(d string) string { return l.division(d) + " " + d }
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

type reportView struct {
	ID                               int64
	Time, Code, Category, Text, Lang string
}

func (s *Server) consoleReports(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	var out []reportView
	for _, rp := range s.reports.Newest(500) {
		out = append(out, reportView{ID: rp.ID, Time: l.date(rp.Time), Code: rp.Code, Category: l.T("cat." + rp.Category), Text: rp.Text, Lang: rp.Lang})
	}
	s.consolePage(w, r, "console_reports", l.T("con.reports"), out)
}

// consoleSearch sends a query to the code, batch or enterprise page.
func (s *Server) consoleSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if c, err := types.ParseCode(q); err == nil {
		http.Redirect(w, r, "/console/code?"+url.Values{"code": {c.String()}}.Encode(), http.StatusSeeOther)
		return
	}
	if uscc, batch, ok := strings.Cut(q, "/"); ok && types.ValidateUSCC(strings.ToUpper(uscc)) == nil && batch != "" {
		http.Redirect(w, r, "/console/batch?"+url.Values{"id": {strings.ToUpper(uscc) + "/" + batch}}.Encode(), http.StatusSeeOther)
		return
	}
	if types.ValidateUSCC(strings.ToUpper(q)) == nil {
		http.Redirect(w, r, "/console/enterprise/"+strings.ToUpper(q), http.StatusSeeOther)
		return
	}
	l := pickLang(nil, r)
	s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: l.T("con.nosearch")})
}

type holdingView struct {
	ID, Name, Where, Quantity string
}

type traceStepView struct {
	Time, Step, Code, From, To, ToName, Where, Quantity string
}

type codeConsoleView struct {
	Code, Status, Reason, Source, Public string
	Name, BatchID                        string
	Holdings                             []holdingView
	Totals                               []kv
	Backward, Forward                    []traceStepView
	Height                               int64
}

func traceRows(l Lang, t *types.Trace) []traceStepView {
	var out []traceStepView
	for _, st := range t.Steps {
		out = append(out, traceStepView{Time: l.date(time.UnixMilli(st.TimeMs)), Step: l.stepLabel(st.BizStep), Code: st.Code, From: st.From,
			To: st.To, ToName: st.ToName, Where: l.division(st.ToDivision), Quantity: fmtQty(st.Quantity, st.Unit)})
	}
	return out
}

// consoleCode shows a code with its quantities and both traces.
func (s *Server) consoleCode(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	code, err := types.ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, err := s.fetchCode(ctx, code)
	if err != nil {
		s.consoleError(w, r, classify(nil, err))
		return
	}
	fwd := &types.Trace{}
	if v, err := s.v.query(ctx, "/trace/forward?code="+url.QueryEscape(code.String()), fwd); err != nil {
		s.consoleError(w, r, classify(v, err))
		return
	}
	rec := d.Record
	out := codeConsoleView{Code: rec.Code, Status: l.T("status." + d.status(s.cfg.Now())), Reason: rec.StatusReason, Source: rec.HoldSource,
		Public: rec.Code, BatchID: rec.BatchId, Height: d.Proof.Height, Backward: traceRows(l, d.Trace), Forward: traceRows(l, fwd)}
	if d.Batch != nil && d.Batch.Facts != nil {
		out.Name = d.Batch.Facts.Name
	}
	for _, h := range rec.Holdings {
		name, where := l.actorName(d, h.Holder)
		out.Holdings = append(out.Holdings, holdingView{ID: h.Holder, Name: name, Where: where, Quantity: fmtQty(h.Quantity, rec.Unit)})
	}
	for _, t := range []struct {
		k string
		v uint64
	}{{"commissioned", rec.Commissioned}, {"in transit", rec.InTransit}, {"in units", rec.InUnits}, {"sold", rec.Sold},
		{"consumed", rec.Consumed}, {"split out", rec.SplitOut}, {"destroyed", rec.Destroyed}, {"discrepancy", rec.Discrepancy}} {
		if t.v > 0 {
			out.Totals = append(out.Totals, kv{K: t.k, V: fmtQty(t.v, rec.Unit)})
		}
	}
	out.Totals = append(out.Totals, kv{K: l.T("con.excursions"), V: strconv.FormatUint(uint64(rec.Excursions), 10)},
		kv{K: l.T("con.events"), V: strconv.FormatUint(rec.Events, 10)})
	s.consolePage(w, r, "console_code", rec.Code, out)
}

type batchConsoleView struct {
	ID, Name, Origin, Commissioner, Production, Expiry string
	Supervised, Positive                               bool
	Codes                                              []string
	MoreCodes                                          bool
	Forward                                            []traceStepView
	Recall                                             *recallView
	Height                                             int64
}

// consoleBatch shows a batch: facts, codes, where it went, its recall.
func (s *Server) consoleBatch(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	id := r.URL.Query().Get("id")
	uscc, name, ok := strings.Cut(id, "/")
	if !ok || types.ValidateUSCC(uscc) != nil || name == "" {
		s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "a batch is USCC/BATCH"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	b := &types.Batch{}
	var codes types.CodeList
	fwd := &types.Trace{}
	var height int64
	err := parallel(func() error {
		v, err := s.v.query(ctx, "/trace/batch?id="+url.QueryEscape(id), b)
		if err == nil {
			height = v.Height
		}
		return wrapQ(v, err)
	}, func() error {
		var unproven bool
		_, err := s.list(ctx, "/trace/batch-codes?limit=100&id="+url.QueryEscape(id), &codes, func() bool { return len(codes.Codes) == 0 }, &unproven)
		return err
	}, func() error {
		v, err := s.v.query(ctx, "/trace/forward?batch="+url.QueryEscape(id), fwd)
		if err != nil && classify(v, err).Status == http.StatusBadRequest {
			return nil // a trace too large for one answer: shown without it
		}
		return wrapQ(v, err)
	})
	if err != nil {
		s.consoleError(w, r, classify(nil, err))
		return
	}
	out := batchConsoleView{ID: b.Id, Commissioner: b.Commissioner, Supervised: b.Supervised, Positive: b.PositiveTest,
		Codes: codes.Codes, MoreCodes: codes.Next != "", Forward: traceRows(l, fwd), Height: height}
	if f := b.Facts; f != nil {
		out.Name, out.Origin, out.Production, out.Expiry = f.Name, l.country(f.OriginCountry), f.ProductionDate, f.Expiry()
	}
	if b.Recall != 0 {
		rc := &types.Recall{}
		v, err := s.v.query(ctx, "/supervision/recall/"+strconv.FormatUint(b.Recall, 10), rc)
		if err != nil {
			s.consoleError(w, r, classify(v, err))
			return
		}
		rv := s.recallView(l, rc, s.enterpriseNames(ctx, []*types.Recall{rc}))
		out.Recall = &rv
	}
	s.consolePage(w, r, "console_batch", b.Id, out)
}

type enterpriseConsoleView struct {
	USCC, Name, Kind, Division, Status, Reason string
	Holdings                                   []string
	MoreHoldings                               bool
	Inbound                                    []inboundView
	Height                                     int64
	HoldingsUnproven, InboundUnproven          bool
}

type inboundView struct {
	ID, Sender, Time string
	Items            []kv
}

// consoleEnterprise shows an enterprise of the jurisdiction: what it holds
// and what is on its way to it.
func (s *Server) consoleEnterprise(w http.ResponseWriter, r *http.Request) {
	l := pickLang(w, r)
	uscc := strings.ToUpper(r.PathValue("uscc"))
	if err := types.ValidateUSCC(uscc); err != nil {
		s.consoleError(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	e := &types.Enterprise{}
	v, err := s.v.query(ctx, "/registry/enterprise/"+uscc, e)
	if err != nil {
		s.consoleError(w, r, classify(v, err))
		return
	}
	if !s.inJurisdiction(e.Division) {
		s.consoleError(w, r, &failure{Status: http.StatusForbidden, Kind: "outside", Detail: uscc + " · " + e.Division})
		return
	}
	var holdings types.CodeList
	var inbound types.ConsignmentList
	out := enterpriseConsoleView{USCC: e.Uscc, Name: e.Name, Kind: types.KindName(e.Kind), Division: l.division(e.Division) + " " + e.Division,
		Status: strings.ToLower(strings.TrimPrefix(e.Status.String(), "STATUS_")), Reason: e.StatusReason, Height: v.Height}
	err = parallel(func() error {
		_, err := s.list(ctx, "/trace/holdings/"+uscc+"?limit=100", &holdings, func() bool { return len(holdings.Codes) == 0 }, &out.HoldingsUnproven)
		return err
	}, func() error {
		_, err := s.list(ctx, "/trace/inbound/"+uscc, &inbound, func() bool { return len(inbound.Consignments) == 0 }, &out.InboundUnproven)
		return err
	})
	if err != nil {
		s.consoleError(w, r, classify(nil, err))
		return
	}
	out.Holdings, out.MoreHoldings = holdings.Codes, holdings.Next != ""
	for _, c := range inbound.Consignments {
		iv := inboundView{ID: hex.EncodeToString(c.Id), Sender: c.Sender, Time: l.date(time.UnixMilli(c.DispatchedTimeMs))}
		for _, it := range c.Items {
			iv.Items = append(iv.Items, kv{K: it.Code, V: strconv.FormatUint(it.Quantity, 10)})
		}
		out.Inbound = append(out.Inbound, iv)
	}
	s.consolePage(w, r, "console_enterprise", e.Name, out)
}

// apiAlerts serves GET /api/v1/alerts (console listener, token): the open
// alerts of the jurisdiction, verified.
func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := url.Values{"limit": {"100"}}
	if after := r.URL.Query().Get("after"); after != "" {
		q.Set("after", after)
	}
	var list types.AlertList
	v, unproven, err := s.v.queryList(ctx, "/supervision/alerts/"+s.division+"?"+q.Encode(), &list, func() bool { return len(list.Alerts) == 0 })
	if err != nil {
		writeAPIError(w, classify(v, err))
		return
	}
	type apiAlert struct {
		ID       uint64    `json:"id"`
		Kind     string    `json:"kind"`
		Division string    `json:"division"`
		Message  string    `json:"message"`
		Codes    []string  `json:"codes,omitempty"`
		Batch    string    `json:"batch,omitempty"`
		Height   int64     `json:"height"`
		Time     time.Time `json:"time"`
	}
	out := struct {
		Jurisdiction string       `json:"jurisdiction"`
		Alerts       []apiAlert   `json:"alerts"`
		Next         string       `json:"next,omitempty"`
		Verified     *apiVerified `json:"verified,omitempty"`
		Unproven     bool         `json:"unproven_empty,omitempty"`
	}{Jurisdiction: s.division, Alerts: []apiAlert{}, Next: list.Next, Unproven: unproven}
	if v != nil {
		vj := verifiedJSON(v)
		out.Verified = &vj
	}
	for _, a := range list.Alerts {
		out.Alerts = append(out.Alerts, apiAlert{ID: a.Id, Kind: strings.ToLower(strings.TrimPrefix(a.Kind.String(), "ALERT_KIND_")),
			Division: a.Division, Message: a.Message, Codes: a.Codes, Batch: a.Batch, Height: a.Height, Time: time.UnixMilli(a.TimeMs).UTC()})
	}
	writeJSON(w, http.StatusOK, out)
}
