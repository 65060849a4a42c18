package gateway

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// maxHistory is the longest history the gateway reads and verifies in one
// answer (the node's page limit): a longer one is shown without its events.
const maxHistory = 1000

// maxNameLookups bounds the enterprise records one page looks up.
const maxNameLookups = 12

// chinaTime is the time zone pages show dates in (UTC+8, no DST).
var chinaTime = time.FixedZone("CST", 8*3600)

// codeData is everything verified about one code that a page may show.
type codeData struct {
	Code    types.Code
	Record  *types.CodeRecord
	Batch   *types.Batch         // nil for a logistic unit
	Trace   *types.Trace         // backward: the chain of custody
	History *types.HistoryPage   // nil when longer than maxHistory
	Parents []*types.HistoryPage // histories of the codes it was split from
	Names   map[string]*types.Enterprise
	Regs    map[string]string // regulator names by division
	Params  *types.Params
	Proof   *client.Verified // of the code record
	Answers int              // verified answers the page is built from
}

func codePath(c string) string { return "/trace/code?code=" + url.QueryEscape(c) }
func historyPath(c string) string {
	return fmt.Sprintf("/trace/history?limit=%d&code=%s", maxHistory, url.QueryEscape(c))
}

// fetchCode reads and verifies a code's record, its batch, its backward
// trace and its history, and the names of the enterprises they mention.
func (s *Server) fetchCode(ctx context.Context, code types.Code) (*codeData, error) {
	canon := code.String()
	d := &codeData{Code: code, Record: &types.CodeRecord{}, Trace: &types.Trace{}, Names: map[string]*types.Enterprise{}, Regs: map[string]string{}}
	var mu sync.Mutex
	count := func() { mu.Lock(); d.Answers++; mu.Unlock() }
	err := web.Parallel(func() error {
		v, err := s.v.Query(ctx, codePath(canon), d.Record)
		if err != nil {
			return web.Classify(v, err)
		}
		d.Proof = v
		count()
		return nil
	}, func() error {
		v, err := s.v.Query(ctx, "/trace/backward?code="+url.QueryEscape(canon), d.Trace)
		if err != nil {
			if web.NotFound(v, err) {
				return nil // the record query says so, proven
			}
			return web.Classify(v, err)
		}
		count()
		return nil
	})
	if err != nil {
		return nil, err
	}
	var fns []func() error
	if d.Record.BatchId != "" {
		fns = append(fns, func() error {
			b := &types.Batch{}
			v, err := s.v.Query(ctx, "/trace/batch?id="+url.QueryEscape(d.Record.BatchId), b)
			if err != nil {
				return web.Classify(v, err)
			}
			d.Batch = b
			count()
			return nil
		})
	}
	if d.Record.Events <= maxHistory {
		fns = append(fns, func() error {
			h := &types.HistoryPage{}
			v, err := s.v.Query(ctx, historyPath(canon), h)
			if err != nil {
				return web.Classify(v, err)
			}
			d.History = h
			count()
			return nil
		})
	}
	fns = append(fns, func() error {
		p, err := s.params(ctx)
		if err != nil {
			return err
		}
		d.Params = p
		return nil
	})
	if err := web.Parallel(fns...); err != nil {
		return nil, err
	}
	// Certificates given at release are in the events of the released code,
	// which for a split child is its parent.
	parent := d.Record.Parent
	for i := 0; i < 3 && parent != "" && d.Batch != nil && !hasRelease(d.History) && d.Batch.Supervised; i++ {
		h := &types.HistoryPage{}
		v, err := s.v.Query(ctx, historyPath(parent), h)
		if err != nil {
			if f := web.Classify(v, err); f.Status != 404 {
				return nil, f
			}
			break
		}
		count()
		d.Parents = append(d.Parents, h)
		if hasRelease(h) {
			break
		}
		parent = h.Code.Parent
	}
	if err := s.resolveNames(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

func hasRelease(h *types.HistoryPage) bool {
	if h == nil {
		return false
	}
	for _, e := range h.Events {
		if e.BizStep == "releasing" {
			return true
		}
	}
	return false
}

// params reads the chain's parameters (temperature profiles), verified,
// and keeps them for a few minutes.
func (s *Server) params(ctx context.Context) (*types.Params, error) {
	s.paramsMu.Lock()
	p, at := s.paramsCache, s.paramsAt
	s.paramsMu.Unlock()
	if p != nil && time.Since(at) < 5*time.Minute {
		return p, nil
	}
	p = &types.Params{}
	v, err := s.v.Query(ctx, "/params", p)
	if err != nil {
		return nil, web.Classify(v, err)
	}
	s.paramsMu.Lock()
	s.paramsCache, s.paramsAt = p, time.Now()
	s.paramsMu.Unlock()
	return p, nil
}

// resolveNames fills d.Names: enterprises named in the trace, and those
// acting in the history or named as buyers, looked up (verified).
func (s *Server) resolveNames(ctx context.Context, d *codeData) error {
	for _, st := range d.Trace.Steps {
		if st.To != "" && st.ToName != "" {
			d.Names[st.To] = &types.Enterprise{Uscc: st.To, Name: st.ToName, Division: st.ToDivision}
		}
	}
	if d.Regs == nil {
		d.Regs = map[string]string{}
	}
	want := map[string]bool{}
	note := func(id string) {
		if (len(id) == 18 && d.Names[id] == nil) || (len(id) == 6 && types.ValidDivisionPrefix(id) == nil) {
			want[id] = true
		}
	}
	if len(d.Record.HoldSource) == 6 {
		note(d.Record.HoldSource)
	}
	if d.Batch != nil {
		note(d.Batch.Commissioner)
	}
	for _, h := range append([]*types.HistoryPage{d.History}, d.Parents...) {
		if h == nil {
			continue
		}
		for _, e := range h.Events {
			note(e.Actor)
			if m, _ := e.Msg.Inner(); m != nil {
				if dm, ok := m.(*types.MsgDispatch); ok && dm.Buyer != "" {
					note(dm.Buyer)
				}
			}
		}
	}
	for _, st := range d.Trace.Steps {
		note(st.From)
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > maxNameLookups {
		ids = ids[:maxNameLookups]
	}
	found := make([]*types.Enterprise, len(ids))
	regs := make([]*types.Regulator, len(ids))
	var fns []func() error
	for i, id := range ids {
		fns = append(fns, func() error {
			if len(id) == 6 {
				r := &types.Regulator{}
				v, err := s.v.Query(ctx, "/registry/regulator/"+id, r)
				if err != nil {
					if web.NotFound(v, err) {
						return nil
					}
					return web.Classify(v, err)
				}
				regs[i] = r
				return nil
			}
			e := &types.Enterprise{}
			v, err := s.v.Query(ctx, "/registry/enterprise/"+id, e)
			if err != nil {
				if web.NotFound(v, err) {
					return nil
				}
				return web.Classify(v, err)
			}
			found[i] = e
			return nil
		})
	}
	if err := web.Parallel(fns...); err != nil {
		return err
	}
	for i := range ids {
		if e := found[i]; e != nil {
			d.Names[e.Uscc] = e
			d.Answers++
		}
		if r := regs[i]; r != nil {
			d.Regs[r.Division] = r.Name
			d.Answers++
		}
	}
	return nil
}

// status is the code's state as a page shows it: active, held, recalled,
// destroyed or expired (active goods past their expiry date).
// Dates are China's and compared as dates, as the chain's latest rules do.
func (d *codeData) status(now time.Time) string {
	if d.Record.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		return types.CodeStatusName(d.Record.Status)
	}
	if d.Batch != nil {
		if exp, ok := d.Batch.Facts.ExpiryTime(); ok && exp.Before(types.RulesOf(0).Date(now)) {
			return "expired"
		}
	}
	return "active"
}

// danger is what the code's batch says about every code of it, whatever the
// code's own status: "positive" when a test of the batch (or of any of its
// codes, split children included) was positive, "recalled" when the batch
// was recalled; "" otherwise. A sold, split or destroyed code keeps it: a
// person holding the product must still be told not to eat it.
func (d *codeData) danger() string {
	switch {
	case d.Batch == nil:
		return ""
	case d.Batch.PositiveTest:
		return "positive"
	case d.Batch.Recall != 0:
		return "recalled"
	}
	return ""
}

// allowedRange is the range the chain checks sensor reports against: the
// category's profile, else the batch's own range.
func (d *codeData) allowedRange() (lo, hi int32, ok bool) {
	if d.Batch == nil || d.Batch.Facts == nil {
		return 0, 0, false
	}
	f := d.Batch.Facts
	if d.Params != nil {
		if p := d.Params.Profile(f.Category); p != nil {
			return p.MinCenti, p.MaxCenti, true
		}
	}
	if f.TempMinCenti != 0 || f.TempMaxCenti != 0 {
		return f.TempMinCenti, f.TempMaxCenti, true
	}
	return 0, 0, false
}

// reading is one sensor report that covers the code.
type reading struct {
	Start, End time.Time
	Min, Max   int32 // centi-degrees
	Excursion  bool
	Device     string
	Actor      string
}

// readings are the code's sensor reports in time order.
func (d *codeData) readings() []reading {
	if d.History == nil {
		return nil
	}
	lo, hi, ok := d.allowedRange()
	var out []reading
	for _, e := range d.History.Events {
		if e.BizStep != "sensor_reporting" {
			continue
		}
		m, _ := e.Msg.Inner()
		sr, isSR := m.(*types.MsgSensorReport)
		if !isSR {
			continue
		}
		r := reading{Start: types.UnixTime(sr.StartUnix), End: types.UnixTime(sr.EndUnix), Min: sr.MinCenti, Max: sr.MaxCenti,
			Device: sr.DeviceId, Actor: e.Actor}
		if ok {
			r.Excursion = sr.MinCenti < lo || sr.MaxCenti > hi
		} else {
			r.Excursion = e.Excursion
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// certificates are the batch's certificates, with those supplied at
// release (in this code's or its parents' history) filling the gaps.
type certificates struct {
	Inspection, Disinfection, Origin, Customs string
	Test                                      *types.LabTest
	Supervised, Released                      bool
}

func (d *codeData) certificates() certificates {
	var c certificates
	if d.Batch == nil || d.Batch.Facts == nil {
		return c
	}
	f := d.Batch.Facts
	c = certificates{Inspection: f.InspectionCertificate, Disinfection: f.DisinfectionCertificate, Origin: f.CertificateOfOrigin,
		Customs: f.CustomsDeclaration, Test: f.NucleicAcidTest, Supervised: d.Batch.Supervised, Released: d.Record.Released}
	if len(d.Batch.InspectionCertificates) > 0 {
		// Recorded by customs itself (rules v3): these, not a number typed into the facts.
		c.Inspection = strings.Join(d.Batch.InspectionCertificates, ", ")
	}
	for _, h := range append([]*types.HistoryPage{d.History}, d.Parents...) {
		if h == nil {
			continue
		}
		if h.Code != nil && h.Code.Released {
			c.Released = true
		}
		for _, e := range h.Events {
			m, _ := e.Msg.Inner()
			if rel, ok := m.(*types.MsgRelease); ok {
				if c.Inspection == "" {
					c.Inspection = rel.InspectionCertificate
				}
				if c.Disinfection == "" {
					c.Disinfection = rel.DisinfectionCertificate
				}
			}
		}
	}
	return c
}

// step is one entry of the public timeline. It names who and where, never
// quantities.
type step struct {
	Time     time.Time
	Scanned  time.Time // the signed event time, when the signer gave one (an offline scan)
	Height   int64
	Step     string // CBV business step (consuming for goods used by a restaurant, unholding for a lifted hold)
	Actor    string // USCC, regulator division, or "customs"
	Name     string
	Division string
	Other    string // the counterparty's name (shipping: the buyer)
	Detail   string // a hold's or recall's reason, a test's name
	Result   string // a test's result: negative or positive
	Code     string // the code the step happened to (a parent's for steps before a split)
	Alert    bool
}

// timeline merges the custody steps of the backward trace (commissioning,
// receipts and splits, parents included) with this code's other events.
func (d *codeData) timeline() []step {
	var out []step
	// Custody steps come from the trace, which carries no event time: it is
	// taken from this code's own event of the same block and step.
	scanned := map[string]int64{}
	if d.History != nil {
		for _, e := range d.History.Events {
			if e.EventTimeMs != 0 {
				scanned[fmt.Sprint(e.Height, e.BizStep)] = e.EventTimeMs
			}
		}
	}
	name := func(id string) (string, string) {
		if e := d.Names[id]; e != nil {
			return e.Name, e.Division
		}
		return "", ""
	}
	for _, s := range d.Trace.Steps {
		switch s.BizStep {
		case "commissioning", "receiving", "repackaging":
		default:
			continue
		}
		n, div := s.ToName, s.ToDivision
		if n == "" {
			n, div = name(s.To)
		}
		st := step{Time: time.UnixMilli(s.TimeMs), Height: s.Height, Step: s.BizStep, Actor: s.To, Name: n, Division: div, Code: s.Code}
		if ms := scanned[fmt.Sprint(s.Height, s.BizStep)]; ms != 0 && s.Code == d.Record.Code {
			st.Scanned = time.UnixMilli(ms)
		}
		out = append(out, st)
	}
	if d.History != nil {
		for _, e := range d.History.Events {
			st := step{Time: time.UnixMilli(e.TimeMs), Height: e.Height, Step: e.BizStep, Actor: e.Actor, Code: d.Record.Code}
			if e.EventTimeMs != 0 {
				st.Scanned = time.UnixMilli(e.EventTimeMs)
			}
			st.Name, st.Division = name(e.Actor)
			if len(e.Actor) == 6 {
				st.Division = e.Actor
			}
			m, _ := e.Msg.Inner()
			switch e.BizStep {
			case "commissioning", "receiving", "repackaging":
				continue
			case "sensor_reporting":
				if !e.Excursion {
					continue
				}
				st.Alert = true
				if sr, ok := m.(*types.MsgSensorReport); ok {
					st.Detail = fmt.Sprintf("%s … %s °C", centiC(sr.MinCenti), centiC(sr.MaxCenti))
				}
			case "shipping":
				if dm, ok := m.(*types.MsgDispatch); ok {
					st.Other, _ = name(dm.Buyer)
					if o := dm.OutsideBuyer; o != nil {
						// Left the province: the buyer is named as recorded.
						st.Other, st.Detail = o.Name, "outside:"+o.Province
					}
				}
			case "retail_selling":
				if sm, ok := m.(*types.MsgSell); ok && sm.Kind == types.SaleKind_SALE_KIND_CONSUMED {
					st.Step = "consuming"
				}
			case "holding":
				st.Alert = true
				switch hm := m.(type) {
				case *types.MsgHold:
					st.Detail = hm.Reason
				case *types.MsgUnhold:
					st.Step, st.Detail, st.Alert = "unholding", hm.Reason, false
				}
			case "recalling":
				st.Alert = true
				if rm, ok := m.(*types.MsgRecall); ok {
					st.Detail = rm.Reason
				}
			case "destroying":
				st.Alert = true
			case "inspecting", "sampling":
				if tm, ok := m.(*types.MsgRecordTest); ok {
					st.Detail = tm.TestName
					switch tm.Result {
					case types.TestResult_TEST_RESULT_POSITIVE:
						st.Result, st.Alert = "positive", true
					case types.TestResult_TEST_RESULT_NEGATIVE:
						st.Result = "negative"
					}
				}
			}
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Height != out[j].Height {
			return out[i].Height < out[j].Height
		}
		return out[i].Time.Before(out[j].Time)
	})
	return out
}

// centiC formats centi-degrees: -1850 → "-18.5".
func centiC(v int32) string {
	s := fmt.Sprintf("%.1f", float64(v)/100)
	return strings.Replace(s, "-", "−", 1)
}

func shortHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
