package gateway

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

//go:embed templates/*.html
var templateFS embed.FS

// render writes a page of the public listener.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) {
	s.tmpl.Render(s.log, w, r, status, name, p)
}

// errorView is the body of the error page.
type errorView struct {
	Status int
	Title  string
	Lead   string
	Detail string
}

// errorPage shows a failure. An unverifiable answer is never shown: only
// the reason it did not verify.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, f *web.Failure) {
	l := web.PickLang(nil, r)
	v := errorView{Status: f.Status, Detail: f.Detail}
	switch f.Kind {
	case "not_found":
		v.Title, v.Lead = l.T("err.notfound"), l.T("err.notfound.lead")
		v.Detail = ""
	case "bad_request":
		v.Title = l.T("err.bad")
	case "unverifiable":
		v.Title, v.Lead = l.T("err.unverifiable"), l.T("err.unverifiable.lead")
	case "unavailable":
		v.Title, v.Lead = l.T("err.unavailable"), l.T("err.unavailable.lead")
		v.Detail = ""
	case "rate_limited":
		v.Title, v.Lead = l.T("err.ratelimit"), l.T("err.ratelimit.lead")
	case "report":
		v.Title = l.T("err.report")
	default:
		v.Title = l.T("err.page")
		v.Detail = ""
	}
	if f.Status >= 500 {
		s.log.Warn("gateway: request failed", "path", r.URL.Path, "status", f.Status, "kind", f.Kind, "detail", f.Detail)
	}
	s.render(w, r, f.Status, "error", &web.Page{L: l, Title: v.Title, BodyClass: "error", Body: v})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if s.legacyLabel(w, r) {
		return
	}
	s.errorPage(w, r, &web.Failure{Status: http.StatusNotFound, Kind: "page"})
}

// legacyLabel sends a scan of one of the province's earlier labels to this
// chain's code for the goods, when they were commissioned citing it.
func (s *Server) legacyLabel(w http.ResponseWriter, r *http.Request) bool {
	host := strings.ToLower(r.Host)
	if !slices.Contains(s.cfg.LegacyLabelHosts, host) || len(r.URL.Path) > 200 {
		return false
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	for _, scheme := range []string{"http://", "https://"} {
		rec := &types.CodeRecord{}
		if _, err := s.v.Query(ctx, "/trace/origin?code="+url.QueryEscape(scheme+host+r.URL.Path), rec); err == nil && rec.Code != "" {
			http.Redirect(w, r, s.Base()+rec.Code, http.StatusFound)
			return true
		}
	}
	return false
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	s.render(w, r, http.StatusOK, "home", &web.Page{L: l, Title: l.T("home.title")})
}

// handleLookup sends a typed or pasted code to its page.
// A code this chain does not issue — one goods carried in the province they
// came from — resolves, verified, to this chain's code for them.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	typed := strings.TrimSpace(r.URL.Query().Get("code"))
	code, err := types.ParseCode(typed)
	if err == nil && !strings.Contains(typed, "://") {
		http.Redirect(w, r, code.String(), http.StatusSeeOther)
		return
	}
	// A URL may be another system's label for goods this chain knows by
	// another code: its origin code is tried first.
	if typed != "" && len(typed) <= 200 {
		ctx, cancel := s.ctx(r)
		defer cancel()
		rec := &types.CodeRecord{}
		if _, qerr := s.v.Query(ctx, "/trace/origin?code="+url.QueryEscape(typed), rec); qerr == nil && rec.Code != "" {
			http.Redirect(w, r, rec.Code, http.StatusSeeOther)
			return
		}
	}
	if err == nil {
		http.Redirect(w, r, code.String(), http.StatusSeeOther)
		return
	}
	s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
}

func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
}

// handleCode serves the consumer page at a code's resolver path:
// /01/{GTIN}[/22/{cpv}]/10/{batch}[/21/{serial}], /00/{SSCC}, /c/{CT-…}.
// Another spelling of the same code (a GTIN-13) is redirected to the
// canonical path.
func (s *Server) handleCode(w http.ResponseWriter, r *http.Request) {
	code, err := types.ParseCode(r.URL.EscapedPath())
	if err != nil {
		if s.legacyLabel(w, r) {
			return
		}
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	if canon := code.String(); canon != r.URL.EscapedPath() {
		q := url.Values{}
		if lang := r.URL.Query().Get("lang"); lang == "zh" || lang == "en" {
			q.Set("lang", lang)
		}
		target := canon
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	l := web.PickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, err := s.fetchCode(ctx, code)
	if err != nil {
		s.errorPage(w, r, web.Classify(nil, err))
		return
	}
	v := s.codePage(l, d)
	v.Reported = r.URL.Query().Get("reported") == "1"
	title := v.Name
	if title == "" {
		title = v.Code
	}
	s.render(w, r, http.StatusOK, "code", &web.Page{L: l, Title: title, BodyClass: "status-" + v.Status, Body: v})
}

type kv struct {
	K, V string
	Href string
	Mono bool
}

type warnView struct {
	Title, Danger, Reason, Source, Since string
}

type certView struct {
	Label, Value string
	Missing      bool
	Bad          bool
}

type stepView struct {
	Date, Label, Who, Where, Other, Detail string
	Scanned                                string // "scanned at X (recorded at block time Y)" when they differ
	Alert                                  bool
}

type verifiedView struct {
	Height     int64
	AppHash    string
	Time       string
	Chain      string
	Validators int
	Answers    int
}

type codePage struct {
	Code, Link, QR, Proof string
	Name                  string
	Status, StatusText    string
	Warning               *warnView
	Facts                 []kv
	Certs                 []certView
	Release               string
	Timeline              []stepView
	Chart                 *chart
	Readings              []readingView
	Excursions            int
	LongHistory           bool
	Unit                  bool
	Contents              []kv
	Verified              verifiedView
	Reported              bool
	Categories            []kv
	MaxReport             int
}

type readingView struct {
	Window, MinMax string
	Excursion      bool
}

// actorName names who acted: an enterprise, a regulator or customs.
func actorName(l web.Lang, d *codeData, id string) (string, string) {
	if e := d.Names[id]; e != nil {
		return e.Name, l.Division(e.Division)
	}
	switch {
	case len(id) == 6 && d.Regs[id] != "":
		return d.Regs[id], l.Division(id)
	case len(id) == 6:
		return l.T("actor.regulator"), l.Division(id)
	case id == "" || len(id) == 18:
		return id, ""
	}
	return l.T("actor.customs"), ""
}

// codePage builds the consumer view: facts, certificates, custody,
// temperatures, status. It shows no quantity a business moved.
func (s *Server) codePage(l web.Lang, d *codeData) *codePage {
	rec := d.Record
	v := &codePage{Code: rec.Code, Link: d.Code.DigitalLink(s.Base()), QR: "/qr" + rec.Code + ".svg",
		Unit: rec.LogisticUnit, MaxReport: maxReportRunes}
	if !s.cfg.NoProofDownload {
		v.Proof = "/proof" + rec.Code + ".json"
	}
	now := s.cfg.Now()
	v.Status = d.status(now)
	v.StatusText = l.T("status." + v.Status)
	if d.Batch != nil && d.Batch.Facts != nil {
		f := d.Batch.Facts
		v.Name = f.Name
		add := func(k, val string, mono bool) {
			if val != "" {
				v.Facts = append(v.Facts, kv{K: l.T(k), V: val, Mono: mono})
			}
		}
		add("f.name", f.Name, false)
		add("f.category", l.Category(f.Category), false)
		add("f.origin", l.Country(f.OriginCountry), false)
		add("f.batch", d.Batch.Batch, true)
		add("f.gtin", f.Gtin, true)
		add("f.production", f.ProductionDate, false)
		add("f.expiry", f.Expiry(), false)
		add("f.supplier", f.Supplier, false)
		if name, where := actorName(l, d, d.Batch.Commissioner); name != "" {
			if where != "" {
				name += " · " + where
			}
			add("f.importer", name, false)
		}
		if rec.Commissioned > 0 && rec.Unit != types.QuantityUnit_QUANTITY_UNIT_UNSPECIFIED {
			add("f.net", netContent(rec.Commissioned, rec.Unit, l), false)
		}
		if f.TempMinCenti != 0 || f.TempMaxCenti != 0 {
			add("f.storage", centiC(f.TempMinCenti)+" … "+centiC(f.TempMaxCenti)+" °C", false)
		} else if lo, hi, ok := d.allowedRange(); ok {
			add("f.storage", centiC(lo)+" … "+centiC(hi)+" °C", false)
		}
		c := d.certificates()
		cert := func(k, val string) {
			cv := certView{Label: l.T(k), Value: val}
			if val == "" {
				cv.Value, cv.Missing = l.T("c.missing"), true
			}
			v.Certs = append(v.Certs, cv)
		}
		cert("c.inspection", c.Inspection)
		cert("c.disinfection", c.Disinfection)
		cert("c.origin", c.Origin)
		if c.Customs != "" {
			cert("c.customs", c.Customs)
		}
		nat := certView{Label: l.T("c.nat"), Value: l.T("c.missing"), Missing: true}
		if t := c.Test; t != nil && t.Result != types.TestResult_TEST_RESULT_UNSPECIFIED {
			res := l.T("c.negative")
			if t.Result == types.TestResult_TEST_RESULT_POSITIVE {
				res = l.T("c.positive")
				nat.Bad = true
			}
			nat.Value, nat.Missing = strings.TrimSpace(res+" · "+t.Lab+" · "+t.Date), false
		}
		if d.Batch.PositiveTest {
			nat.Value, nat.Bad, nat.Missing = l.T("c.positive"), true, false
		}
		v.Certs = append(v.Certs, nat)
		if c.Supervised {
			v.Release = l.T("c.notreleased")
			if c.Released {
				v.Release = l.T("c.released")
			}
		}
	}
	v.Facts = append(v.Facts, kv{K: l.T("f.code"), V: rec.Code, Href: rec.Code, Mono: true})
	for _, it := range rec.Contents {
		v.Contents = append(v.Contents, kv{V: it.Code, Href: it.Code, Mono: true})
	}

	// Status warning.
	steps := d.timeline()
	if v.Status != "active" {
		w := &warnView{Title: l.T("warn." + v.Status)}
		switch v.Status {
		case "held", "recalled":
			w.Reason = rec.StatusReason
			switch src := rec.HoldSource; {
			case src == "test" || src == "sensor" || src == "recall":
				w.Source = l.T("src." + src)
			case len(src) == 6:
				name, where := actorName(l, d, src)
				w.Source = name + " · " + where
			}
			for i := len(steps) - 1; i >= 0; i-- {
				if st := steps[i].Step; st == "holding" || st == "recalling" || (st == "sampling" && steps[i].Result == "positive") || st == "sensor_reporting" {
					w.Since = l.Date(steps[i].Time)
					break
				}
			}
		case "expired":
			w.Reason = l.T("f.expiry") + " " + d.Batch.Facts.Expiry()
		}
		v.Warning = w
	}
	// A positive or recalled batch warns on every code of it, the code's own
	// status aside: sold, split and destroyed codes included.
	if danger := d.danger(); danger != "" {
		if v.Warning == nil {
			v.Warning = &warnView{}
		}
		v.Warning.Danger = l.T("danger." + danger)
		if v.Warning.Title == "" {
			v.Warning.Title = l.T("danger." + danger)
			v.Warning.Danger = ""
		}
	}
	if cert := d.Record.ReleaseCertificate; cert != "" {
		v.Facts = append(v.Facts, kv{K: l.T("f.releasecert"), V: cert, Href: "/release/" + cert, Mono: true})
	}

	for _, st := range steps {
		sv := stepView{Date: l.Date(st.Time), Label: l.StepLabel(st.Step), Alert: st.Alert, Detail: st.Detail}
		if p, ok := strings.CutPrefix(st.Detail, "outside:"); ok {
			sv.Detail = l.T("step.outside") + " " + l.Division(p)
		}
		if !st.Scanned.IsZero() && l.Date(st.Scanned) != sv.Date {
			sv.Scanned = fmt.Sprintf(l.T("step.scanned"), l.Date(st.Scanned), sv.Date)
		}
		sv.Who, sv.Where = actorName(l, d, st.Actor)
		if st.Name != "" {
			sv.Who = st.Name
		}
		if st.Division != "" {
			sv.Where = l.Division(st.Division)
		}
		if st.Other != "" {
			sv.Other = l.T("step.to") + " " + st.Other
		}
		if st.Result != "" {
			sv.Detail = strings.TrimSpace(sv.Detail + " · " + l.T("c."+st.Result))
			sv.Detail = strings.TrimPrefix(sv.Detail, "· ")
		}
		v.Timeline = append(v.Timeline, sv)
	}
	// Newest first: what happened last matters most to the consumer.
	for i, j := 0, len(v.Timeline)-1; i < j; i, j = i+1, j-1 {
		v.Timeline[i], v.Timeline[j] = v.Timeline[j], v.Timeline[i]
	}

	rs := d.readings()
	lo, hi, ok := d.allowedRange()
	v.Chart = tempChart(rs, lo, hi, ok)
	for _, rd := range rs {
		if rd.Excursion {
			v.Excursions++
		}
		v.Readings = append(v.Readings, readingView{
			Window:    rd.Start.In(web.ChinaTime).Format("01-02 15:04") + " – " + rd.End.In(web.ChinaTime).Format("01-02 15:04"),
			MinMax:    centiC(rd.Min) + " / " + centiC(rd.Max) + " °C",
			Excursion: rd.Excursion,
		})
	}
	v.LongHistory = d.History == nil
	v.Verified = verifiedOf(d.Proof, d.Answers)
	for _, c := range reportCategories {
		v.Categories = append(v.Categories, kv{K: c, V: l.T("cat." + c)})
	}
	return v
}

func verifiedOf(p *client.Verified, answers int) verifiedView {
	if p == nil {
		return verifiedView{}
	}
	n, _ := p.Validators()
	return verifiedView{Height: p.Height, AppHash: shortHex(p.AppHash), Time: p.Header.Time.In(web.ChinaTime).Format("2006-01-02 15:04:05"),
		Chain: p.Header.ChainID, Validators: n, Answers: answers}
}

// netContent formats a code's own commissioned quantity (the pack's
// content, not a quantity any business moved).
func netContent(q uint64, unit types.QuantityUnit, l web.Lang) string {
	if unit == types.QuantityUnit_QUANTITY_UNIT_PIECES {
		if l.EN() {
			return fmt.Sprintf("%d pieces", q)
		}
		return fmt.Sprintf("%d 件", q)
	}
	if q >= 1000 && q%100 == 0 {
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(q)/1000), "0"), ".") + " kg"
	}
	return fmt.Sprintf("%d g", q)
}

// handleProof serves /proof/{code path}.json: the code's whole history,
// verified here, as a proof bundle that `coldtrace verify` checks offline.
func (s *Server) handleProof(w http.ResponseWriter, r *http.Request) {
	if s.cfg.NoProofDownload {
		s.handleNotFound(w, r)
		return
	}
	code, err := codeFromPath(r, "/proof", ".json")
	if err != nil {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if f := s.historyFits(ctx, code); f != nil {
		web.WriteAPIError(w, f)
		return
	}
	v, err := s.v.Query(ctx, historyPath(code.String()), nil)
	if err != nil {
		web.WriteAPIError(w, web.Classify(v, err))
		return
	}
	b, err := client.NewBundle(v)
	if err == nil {
		var data []byte
		if data, err = b.Marshal(); err == nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Disposition", `attachment; filename="`+proofFileName(code)+`"`)
			w.Header().Set("Cache-Control", "no-store")
			w.Write(append(data, '\n'))
			return
		}
	}
	web.WriteAPIError(w, &web.Failure{Status: http.StatusInternalServerError, Kind: "internal", Detail: err.Error()})
}

// historyFits checks, verified, that a code is recorded and that its whole
// history fits one answer (a history is proven whole or not at all).
func (s *Server) historyFits(ctx context.Context, code types.Code) *web.Failure {
	rec := &types.CodeRecord{}
	if v, err := s.v.Query(ctx, codePath(code.String()), rec); err != nil {
		return web.Classify(v, err)
	}
	if rec.Events > maxHistory {
		return &web.Failure{Status: http.StatusUnprocessableEntity, Kind: "too_long",
			Detail: fmt.Sprintf("the history of %s has %d events; one proven answer holds at most %d", rec.Code, rec.Events, maxHistory)}
	}
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func proofFileName(c types.Code) string {
	n := unsafeName.ReplaceAllString(strings.Trim(c.String(), "/"), "-")
	if len(n) > 100 {
		n = n[:100]
	}
	return "coldtrace-proof-" + n + ".json"
}

// handleReport stores a consumer's report (form: code, category, text) and
// sends the browser back to the product page.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.reportL.Allow(s.clientIP(r)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "report", Detail: "the form is too large or malformed"})
		return
	}
	code, err := types.ParseCode(r.PostForm.Get("code"))
	if err != nil {
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "report", Detail: err.Error()})
		return
	}
	l := web.PickLang(nil, r)
	rep := Report{Time: s.cfg.Now().UTC().Truncate(time.Second), Code: code.String(), Category: r.PostForm.Get("category"),
		Text: strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n"), Lang: l.Tag}
	if err := validReport(&rep); err != nil {
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "report", Detail: err.Error()})
		return
	}
	if _, err := s.reports.Add(rep); err != nil {
		s.log.Error("gateway: store report", "err", err)
		s.errorPage(w, r, &web.Failure{Status: http.StatusInternalServerError, Kind: "report", Detail: "the report could not be stored"})
		return
	}
	http.Redirect(w, r, code.String()+"?reported=1#report", http.StatusSeeOther)
}
