package console

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

type reportView struct {
	ID                               int64
	Time, Code, Category, Text, Lang string
}

func (s *Console) consoleReports(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	ctx, cancel := s.ctx(r)
	defer cancel()
	var out []reportView
	for _, rp := range s.reportsIn(ctx, who(r)) {
		out = append(out, reportView{ID: rp.ID, Time: l.Date(rp.Time), Code: rp.Code, Category: l.T("cat." + rp.Category), Text: rp.Text, Lang: rp.Lang})
	}
	s.consolePage(w, r, "console_reports", l.T("con.reports"), out)
}

// consoleSearch sends a query to the code, batch or enterprise page.
func (s *Console) consoleSearch(w http.ResponseWriter, r *http.Request) {
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
	l := web.PickLang(nil, r)
	s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: l.T("con.nosearch")})
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

func traceRows(l web.Lang, t *types.Trace) []traceStepView {
	var out []traceStepView
	for _, st := range t.Steps {
		out = append(out, traceStepView{Time: l.Date(time.UnixMilli(st.TimeMs)), Step: l.StepLabel(st.BizStep), Code: st.Code, From: st.From,
			To: st.To, ToName: st.ToName, Where: l.Division(st.ToDivision), Quantity: fmtQty(st.Quantity, st.Unit)})
	}
	return out
}

// consoleCode shows a code with its quantities and both traces.
func (s *Console) consoleCode(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	code, err := types.ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	canon := code.String()
	rec, bwd, fwd := &types.CodeRecord{}, &types.Trace{}, &types.Trace{}
	var height int64
	err = web.Parallel(func() error {
		v, err := s.v.Query(ctx, "/trace/code?code="+url.QueryEscape(canon), rec)
		if err == nil {
			height = v.Height
		}
		return wrapQ(v, err)
	}, func() error {
		v, err := s.v.Query(ctx, "/trace/backward?code="+url.QueryEscape(canon), bwd)
		if err != nil && web.NotFound(v, err) {
			return nil // the record's query says so, proven
		}
		return wrapQ(v, err)
	}, func() error {
		v, err := s.v.Query(ctx, "/trace/forward?code="+url.QueryEscape(canon), fwd)
		if err != nil && web.NotFound(v, err) {
			return nil
		}
		return wrapQ(v, err)
	})
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	if !touches(who(r), bwd, fwd) {
		s.consoleError(w, r, outside("code "+canon, who(r)))
		return
	}
	var batch *types.Batch
	if rec.BatchId != "" {
		b := &types.Batch{}
		v, err := s.v.Query(ctx, "/trace/batch?id="+url.QueryEscape(rec.BatchId), b)
		if err != nil {
			s.consoleError(w, r, web.Classify(v, err))
			return
		}
		batch = b
	}
	names := s.holderNames(ctx, rec)
	out := codeConsoleView{Code: rec.Code, Status: l.T("status." + codeStatus(rec, batch, s.cfg.Now())), Reason: rec.StatusReason, Source: rec.HoldSource,
		Public: rec.Code, BatchID: rec.BatchId, Height: height, Backward: traceRows(l, bwd), Forward: traceRows(l, inside(who(r), fwd))}
	if batch != nil && batch.Facts != nil {
		out.Name = batch.Facts.Name
	}
	for _, h := range rec.Holdings {
		e := names[h.Holder]
		if e == nil || !who(r).In(e.Division) {
			continue // held outside the jurisdiction: not its regulator's to see
		}
		out.Holdings = append(out.Holdings, holdingView{ID: h.Holder, Name: e.Name, Where: l.Division(e.Division), Quantity: fmtQty(h.Quantity, rec.Unit)})
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

// codeStatus is the code's state as the console shows it: active, held,
// recalled, destroyed or expired (active goods past their expiry date, in
// China's days, as the chain compares them).
func codeStatus(rec *types.CodeRecord, b *types.Batch, now time.Time) string {
	if rec.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		return types.CodeStatusName(rec.Status)
	}
	if b != nil {
		if exp, ok := b.Facts.ExpiryTime(); ok && exp.Before(types.RulesOf(0).Date(now)) {
			return "expired"
		}
	}
	return "active"
}

// maxNameLookups bounds the enterprise records one page looks up.
const maxNameLookups = 12

// holderNames looks up the enterprises holding a code (verified; at most
// maxNameLookups).
func (s *Console) holderNames(ctx context.Context, rec *types.CodeRecord) map[string]*types.Enterprise {
	var ids []string
	for _, h := range rec.Holdings {
		if len(ids) < maxNameLookups && types.ValidateUSCC(h.Holder) == nil {
			ids = append(ids, h.Holder)
		}
	}
	found := make([]*types.Enterprise, len(ids))
	var fns []func() error
	for i, id := range ids {
		fns = append(fns, func() error {
			e := &types.Enterprise{}
			if _, err := s.v.Query(ctx, "/registry/enterprise/"+id, e); err == nil {
				found[i] = e
			}
			return nil
		})
	}
	_ = web.Parallel(fns...)
	out := map[string]*types.Enterprise{}
	for _, e := range found {
		if e != nil {
			out[e.Uscc] = e
		}
	}
	return out
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
func (s *Console) consoleBatch(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	id := r.URL.Query().Get("id")
	uscc, name, ok := strings.Cut(id, "/")
	if !ok || types.ValidateUSCC(uscc) != nil || name == "" {
		s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "a batch is USCC/BATCH"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	b := &types.Batch{}
	var codes types.CodeList
	fwd := &types.Trace{}
	comm := &types.Enterprise{}
	var height int64
	err := web.Parallel(func() error {
		v, err := s.v.Query(ctx, "/trace/batch?id="+url.QueryEscape(id), b)
		if err == nil {
			height = v.Height
		}
		return wrapQ(v, err)
	}, func() error {
		_, err := s.list(ctx, "/trace/batch-codes?limit=100&id="+url.QueryEscape(id), &codes)
		return err
	}, func() error {
		v, err := s.v.Query(ctx, "/trace/forward?batch="+url.QueryEscape(id), fwd)
		if err != nil && web.Classify(v, err).Status == http.StatusBadRequest {
			return nil // a trace too large for one answer: shown without it
		}
		return wrapQ(v, err)
	}, func() error {
		v, err := s.v.Query(ctx, "/registry/enterprise/"+uscc, comm)
		return wrapQ(v, err)
	})
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	if !who(r).In(comm.Division) && !touches(who(r), fwd) {
		s.consoleError(w, r, outside("batch "+id, who(r)))
		return
	}
	out := batchConsoleView{ID: b.Id, Commissioner: b.Commissioner, Supervised: b.Supervised, Positive: b.PositiveTest,
		Codes: codes.Codes, MoreCodes: codes.Next != "", Forward: traceRows(l, inside(who(r), fwd)), Height: height}
	if f := b.Facts; f != nil {
		out.Name, out.Origin, out.Production, out.Expiry = f.Name, l.Country(f.OriginCountry), f.ProductionDate, f.Expiry()
	}
	if b.Recall != 0 {
		rc := &types.Recall{}
		v, err := s.v.Query(ctx, "/supervision/recall/"+strconv.FormatUint(b.Recall, 10), rc)
		if err != nil {
			s.consoleError(w, r, web.Classify(v, err))
			return
		}
		rv := s.recallView(l, who(r), rc, s.enterpriseNames(ctx, []*types.Recall{rc}))
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
}

type inboundView struct {
	ID, Sender, Time string
	Items            []kv
}

// consoleEnterprise shows an enterprise of the jurisdiction: what it holds
// and what is on its way to it.
func (s *Console) consoleEnterprise(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	uscc := strings.ToUpper(r.PathValue("uscc"))
	if err := types.ValidateUSCC(uscc); err != nil {
		s.consoleError(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	e := &types.Enterprise{}
	v, err := s.v.Query(ctx, "/registry/enterprise/"+uscc, e)
	if err != nil {
		s.consoleError(w, r, web.Classify(v, err))
		return
	}
	if !who(r).In(e.Division) {
		s.consoleError(w, r, outside("enterprise "+uscc+" of division "+e.Division, who(r)))
		return
	}
	var holdings types.CodeList
	var inbound types.ConsignmentList
	out := enterpriseConsoleView{USCC: e.Uscc, Name: e.Name, Kind: types.KindName(e.Kind), Division: l.Division(e.Division) + " " + e.Division,
		Status: strings.ToLower(strings.TrimPrefix(e.Status.String(), "STATUS_")), Reason: e.StatusReason, Height: v.Height}
	err = web.Parallel(func() error {
		_, err := s.list(ctx, "/trace/holdings/"+uscc+"?limit=100", &holdings)
		return err
	}, func() error {
		_, err := s.list(ctx, "/trace/inbound/"+uscc, &inbound)
		return err
	})
	if err != nil {
		s.consoleError(w, r, web.Classify(nil, err))
		return
	}
	out.Holdings, out.MoreHoldings = holdings.Codes, holdings.Next != ""
	for _, c := range inbound.Consignments {
		iv := inboundView{ID: hex.EncodeToString(c.Id), Sender: c.Sender, Time: l.Date(time.UnixMilli(c.DispatchedTimeMs))}
		for _, it := range c.Items {
			iv.Items = append(iv.Items, kv{K: it.Code, V: strconv.FormatUint(it.Quantity, 10)})
		}
		out.Inbound = append(out.Inbound, iv)
	}
	s.consolePage(w, r, "console_enterprise", e.Name, out)
}

// apiAlerts serves GET /api/v1/alerts (console listener, token): the open
// alerts of the jurisdiction, verified.
func (s *Console) apiAlerts(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := url.Values{"limit": {"100"}}
	if after := r.URL.Query().Get("after"); after != "" {
		q.Set("after", after)
	}
	var list types.AlertList
	v, err := s.v.Query(ctx, "/supervision/alerts/"+who(r).Prefix+"?"+q.Encode(), &list)
	if err != nil {
		web.WriteAPIError(w, web.Classify(v, err))
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
		Jurisdiction string           `json:"jurisdiction"`
		Alerts       []apiAlert       `json:"alerts"`
		Next         string           `json:"next,omitempty"`
		Verified     *web.APIVerified `json:"verified,omitempty"`
	}{Jurisdiction: who(r).Prefix, Alerts: []apiAlert{}, Next: list.Next}
	if v != nil {
		vj := web.VerifiedJSON(v)
		out.Verified = &vj
	}
	for _, a := range list.Alerts {
		out.Alerts = append(out.Alerts, apiAlert{ID: a.Id, Kind: strings.ToLower(strings.TrimPrefix(a.Kind.String(), "ALERT_KIND_")),
			Division: a.Division, Message: a.Message, Codes: a.Codes, Batch: a.Batch, Height: a.Height, Time: time.UnixMilli(a.TimeMs).UTC()})
	}
	web.WriteJSON(w, http.StatusOK, out)
}
