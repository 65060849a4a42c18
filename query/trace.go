package query

import (
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// maxTraceEvents bounds the events a forward or backward trace reads.
const maxTraceEvents = 20000

// maxHistoryLimit bounds one history page; a whole history up to it can be
// proven and its hash chain checked in one answer.
const maxHistoryLimit = 1000

func pageLimit(q url.Values) (int, error) {
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageLimit {
			return 0, types.ErrBadQuery.Wrapf("limit %q must be between 1 and %d", s, maxPageLimit)
		}
		limit = n
	}
	return limit, nil
}

// listCodes pages through an index whose key suffixes are codes.
func listCodes(st *state.State, height int64, prefix []byte, q url.Values, keyOf func([]byte) []byte) (*abci.ResponseQuery, error) {
	limit, err := pageLimit(q)
	if err != nil {
		return nil, err
	}
	var start []byte
	if after := q.Get("after"); after != "" {
		start = append(keyOf([]byte(after)), 0)
	}
	suffixes, next, err := st.KeysUnder(prefix, start, limit)
	if err != nil {
		return nil, err
	}
	out := &types.CodeList{}
	for _, s := range suffixes {
		out.Codes = append(out.Codes, string(s))
	}
	if next != nil && len(out.Codes) > 0 {
		out.Next = out.Codes[len(out.Codes)-1]
	}
	return encode(height, out)
}

func queryHistory(st *state.State, height int64, code string, q url.Values) (*abci.ResponseQuery, error) {
	rec, err := st.Code(code)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, types.ErrNotFound.Wrapf("code %s is not recorded at height %d", code, height)
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxHistoryLimit {
			return nil, types.ErrBadQuery.Wrapf("limit %q must be between 1 and %d", s, maxHistoryLimit)
		}
		limit = n
	}
	var from uint64
	if s := q.Get("from"); s != "" {
		if from, err = strconv.ParseUint(s, 10, 64); err != nil {
			return nil, types.ErrBadQuery.Wrapf("from %q is not an event index", s)
		}
	}
	hashes, err := st.History(code, from, limit)
	if err != nil {
		return nil, err
	}
	page := &types.HistoryPage{Code: rec}
	for _, h := range hashes {
		e, _, err := st.Event(h)
		if err != nil || e == nil {
			return nil, types.OrInternal(err, "history of %s names event %X that is not stored", code, h)
		}
		page.Events = append(page.Events, e)
	}
	if end := from + uint64(len(hashes)); end < rec.Events {
		page.Next = end
	}
	return encode(height, page)
}

func queryInbound(st *state.State, height int64, buyer string) (*abci.ResponseQuery, error) {
	if err := types.ValidateUSCC(buyer); err != nil {
		return nil, types.ErrBadQuery.Wrapf("%v", err)
	}
	ids, _, err := st.KeysUnder(state.InboundPrefix(buyer), nil, maxPageLimit)
	if err != nil {
		return nil, err
	}
	out := &types.ConsignmentList{}
	for _, id := range ids {
		c, err := st.Consignment(id)
		if err != nil || c == nil {
			return nil, types.OrInternal(err, "inbound index names consignment %X that is not stored", id)
		}
		out.Consignments = append(out.Consignments, c)
	}
	return encode(height, out)
}

// tracer walks histories with a bound on the events it reads.
type tracer struct {
	st     *state.State
	events int
	steps  []*types.TraceStep
	seen   map[string]bool
	names  map[string]*types.Enterprise
}

func newTracer(st *state.State) *tracer {
	return &tracer{st: st, seen: map[string]bool{}, names: map[string]*types.Enterprise{}}
}

// history reads a code's events in order.
func (t *tracer) history(code string) (*types.CodeRecord, []*types.Event, [][]byte, error) {
	rec, err := t.st.Code(code)
	if err != nil || rec == nil {
		return nil, nil, nil, orNotFound(err, "code %s is not recorded", code)
	}
	t.events += int(rec.Events)
	if t.events > maxTraceEvents {
		return nil, nil, nil, types.ErrBadQuery.Wrapf("the trace reads more than %d events; trace a single code instead", maxTraceEvents)
	}
	hashes, err := t.st.History(code, 0, int(rec.Events)+1)
	if err != nil {
		return nil, nil, nil, err
	}
	evs := make([]*types.Event, len(hashes))
	for i, h := range hashes {
		if evs[i], _, err = t.st.Event(h); err != nil || evs[i] == nil {
			return nil, nil, nil, types.OrInternal(err, "event %X is missing", h)
		}
	}
	return rec, evs, hashes, nil
}

func orNotFound(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return types.ErrNotFound.Wrapf(format, args...)
}

// step records one movement of code into (or out of) custody.
func (t *tracer) step(e *types.Event, hash []byte, code, from, to string, q uint64, unit types.QuantityUnit) error {
	s := &types.TraceStep{BizStep: e.BizStep, Code: code, From: from, To: to, Quantity: q, Unit: unit, Height: e.Height, TimeMs: e.TimeMs, Event: hash}
	if to != "" {
		ent, ok := t.names[to]
		if !ok {
			var err error
			if ent, err = t.st.Enterprise(to); err != nil {
				return err
			}
			t.names[to] = ent
		}
		if ent != nil {
			s.ToName, s.ToDivision = ent.Name, ent.Division
		}
	}
	t.steps = append(t.steps, s)
	return nil
}

// custodySteps turns one code's events into trace steps, returning the codes
// the goods continued into (children of a split, the unit of a packing).
func (t *tracer) custodySteps(rec *types.CodeRecord, evs []*types.Event, hashes [][]byte, until int64) ([]string, error) {
	var next []string
	for i, e := range evs {
		if until > 0 && e.Height > until {
			break
		}
		inner, err := e.Msg.Inner()
		if err != nil {
			return nil, err
		}
		switch m := inner.(type) {
		case *types.MsgCommission:
			if err := t.step(e, hashes[i], rec.Code, "", e.Actor, rec.Commissioned, rec.Unit); err != nil {
				return nil, err
			}
		case *types.MsgReceive:
			con, err := t.st.Consignment(e.Consignment)
			if err != nil || con == nil {
				return nil, types.OrInternal(err, "consignment %X is missing", e.Consignment)
			}
			for _, it := range con.ReceivedItems {
				if it.Code == rec.Code && it.Quantity > 0 {
					if err := t.step(e, hashes[i], rec.Code, con.Sender, con.Buyer, it.Quantity, rec.Unit); err != nil {
						return nil, err
					}
				}
			}
		case *types.MsgSell:
			for _, it := range m.Items {
				if c, _ := types.ValidateCodeString("code", it.Code); c == rec.Code {
					if err := t.step(e, hashes[i], rec.Code, e.Actor, m.BusinessBuyer, it.Quantity, rec.Unit); err != nil {
						return nil, err
					}
				}
			}
		case *types.MsgSplit:
			if c, _ := types.ValidateCodeString("parent", m.Parent); c == rec.Code {
				for _, code := range e.Codes {
					if code != rec.Code {
						next = append(next, code)
					}
				}
			} else if rec.Parent != "" {
				if err := t.step(e, hashes[i], rec.Code, rec.Parent, e.Actor, rec.Commissioned, rec.Unit); err != nil {
					return nil, err
				}
			}
		case *types.MsgAggregate:
			if u, _ := types.ValidateCodeString("unit", m.Unit); u != rec.Code {
				next = append(next, u)
			}
		}
	}
	return next, nil
}

// forwardTrace follows a batch or a code to everyone who received any of it,
// through splits and logistic units.
func forwardTrace(st *state.State, q url.Values) (*types.Trace, error) {
	t := newTracer(st)
	var queue []string
	switch {
	case q.Get("batch") != "":
		id := q.Get("batch")
		if b, err := st.Batch(id); err != nil || b == nil {
			return nil, orNotFound(err, "batch %s is not recorded", id)
		}
		codes, _, err := st.KeysUnder(state.BatchCodePrefix(id), nil, maxTraceEvents)
		if err != nil {
			return nil, err
		}
		for _, c := range codes {
			queue = append(queue, string(c))
		}
	case q.Get("code") != "":
		c, err := types.CanonicalCodeInput("code", q.Get("code"))
		if err != nil {
			return nil, types.ErrBadQuery.Wrapf("%v", err)
		}
		queue = append(queue, c)
	default:
		return nil, types.ErrBadQuery.Wrapf("give batch=USCC/BATCH or code=CODE")
	}
	for len(queue) > 0 {
		code := queue[0]
		queue = queue[1:]
		if t.seen[code] {
			continue
		}
		t.seen[code] = true
		rec, evs, hashes, err := t.history(code)
		if err != nil {
			return nil, err
		}
		next, err := t.custodySteps(rec, evs, hashes, 0)
		if err != nil {
			return nil, err
		}
		queue = append(queue, next...)
	}
	return t.result(), nil
}

// backwardTrace is the chain of custody of one code back to its
// commissioning, through the codes it was split from.
func backwardTrace(st *state.State, code string) (*types.Trace, error) {
	t := newTracer(st)
	var until int64
	for code != "" && !t.seen[code] {
		t.seen[code] = true
		rec, evs, hashes, err := t.history(code)
		if err != nil {
			return nil, err
		}
		if _, err := t.custodySteps(rec, evs, hashes, until); err != nil {
			return nil, err
		}
		until = rec.CommissionedHeight
		code = rec.Parent
	}
	return t.result(), nil
}

func (t *tracer) result() *types.Trace {
	sort.SliceStable(t.steps, func(i, j int) bool {
		if t.steps[i].Height != t.steps[j].Height {
			return t.steps[i].Height < t.steps[j].Height
		}
		return t.steps[i].Code < t.steps[j].Code
	})
	set := map[string]bool{}
	for _, s := range t.steps {
		if s.To != "" {
			set[s.To] = true
		}
	}
	return &types.Trace{Steps: t.steps, Enterprises: slices.Sorted(maps.Keys(set))}
}
