package gateway

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

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
