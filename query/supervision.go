package query

import (
	"encoding/binary"

	"google.golang.org/protobuf/proto"
	"net/url"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

func queryAlerts(st *state.State, height int64, prefix string, q url.Values) (*abci.ResponseQuery, error) {
	limit, err := pageLimit(q)
	if err != nil {
		return nil, err
	}
	var start []byte
	if after := q.Get("after"); after != "" {
		div, id, ok := cutPosition(after)
		if !ok || len(div) != 6 {
			return nil, types.ErrBadQuery.Wrapf("after %q is not a DIVISION/ID position", after)
		}
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, types.ErrBadQuery.Wrapf("after %q is not a DIVISION/ID position", after)
		}
		start = clampStart(append(state.OpenAlertKey(div, n), 0), state.OpenAlertPrefix(prefix))
	}
	suffixes, next, err := st.KeysUnder(state.OpenAlertPrefix(prefix), start, limit)
	if err != nil {
		return nil, err
	}
	out := &types.AlertList{}
	for _, s := range suffixes {
		full := append(state.OpenAlertPrefix(prefix), s...)
		id := binary.BigEndian.Uint64(full[len(full)-8:])
		a, err := st.Alert(id)
		if err != nil || a == nil {
			return nil, types.OrInternal(err, "open alert %d has no record", id)
		}
		out.Alerts = append(out.Alerts, a)
	}
	if next != nil && len(out.Alerts) > 0 {
		last := out.Alerts[len(out.Alerts)-1]
		out.Next = last.Division + "/" + strconv.FormatUint(last.Id, 10)
	}
	return encode(height, out)
}

func cutPosition(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

func queryRecalls(st *state.State, height int64, batch string) (*abci.ResponseQuery, error) {
	out := &types.RecallList{}
	if batch == "" {
		return nil, types.ErrBadQuery.Wrapf("give batch=USCC/BATCH")
	}
	b, err := st.Batch(batch)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, types.ErrNotFound.Wrapf("batch %s is not recorded", batch)
	}
	if b.Recall != 0 {
		r, err := st.Recall(b.Recall)
		if err != nil || r == nil {
			return nil, types.OrInternal(err, "recall %d is missing", b.Recall)
		}
		out.Recalls = append(out.Recalls, r)
	}
	return encode(height, out)
}

// maxStatsRows bounds a stats query: divisions × days under the prefix.
const maxStatsRows = 20_000

func queryStats(st *state.State, height int64, prefix, from, to, by string) (*abci.ResponseQuery, error) {
	for _, d := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if d.v != "" {
			if err := types.ValidateDate(d.name, d.v, false); err != nil {
				return nil, types.ErrBadQuery.Wrapf("%v", err)
			}
		}
	}
	month := false
	switch by {
	case "", "day":
	case "month":
		month = true
	default:
		return nil, types.ErrBadQuery.Wrapf("by=%q: give day or month", by)
	}
	out := &types.StatsList{Total: &types.DayStats{Division: prefix, Day: from + ".." + to}}
	rows := 0
	var iterErr error
	err := st.Iterate(state.DayStatsPrefix(prefix), state.PrefixEnd(state.DayStatsPrefix(prefix)), func(k, v []byte) bool {
		day := string(k[7:])
		if (from != "" && day < from) || (to != "" && day > to) {
			return true
		}
		rows++
		if rows > maxStatsRows {
			iterErr = types.ErrBadQuery.Wrapf("more than %d division-days; narrow the prefix or the dates", maxStatsRows)
			return false
		}
		d := &types.DayStats{}
		if err := proto.Unmarshal(v, d); err != nil {
			iterErr = err
			return false
		}
		sumStats(out.Total, d, prefix)
		if month && len(d.Day) >= 7 {
			// Keys run by division then day, so a division's month is the last row while it lasts.
			if n := len(out.Days); n > 0 && out.Days[n-1].Division == d.Division && out.Days[n-1].Day == d.Day[:7] {
				sumStats(out.Days[n-1], d, d.Division)
				return true
			}
			m := &types.DayStats{Division: d.Division, Day: d.Day[:7]}
			sumStats(m, d, d.Division)
			d = m
		}
		out.Days = append(out.Days, d)
		return true
	})
	if err == nil {
		err = iterErr
	}
	if err != nil {
		return nil, err
	}
	return encode(height, out)
}

// sumStats adds a division's day to a total over prefix (a jurisdiction,
// or the division itself for a month). Flows between divisions under the
// prefix are internal to it and left out of the total.
func sumStats(t, d *types.DayStats, prefix string) {
	add := func(a *uint64, b uint64) { *a = types.Add(*a, b, true) }
	add(&t.CodesCommissioned, d.CodesCommissioned)
	add(&t.QuantitySold, d.QuantitySold)
	add(&t.Holds, d.Holds)
	add(&t.Positives, d.Positives)
	add(&t.Alerts, d.Alerts)
	add(&t.WarehouseEnteredGrams, d.WarehouseEnteredGrams)
	add(&t.WarehouseReleasedGrams, d.WarehouseReleasedGrams)
	add(&t.DestroyedGrams, d.DestroyedGrams)
	add(&t.BlockedGrams, d.BlockedGrams)
	add(&t.PositivesStaff, d.PositivesStaff)
	add(&t.PositivesEnvironment, d.PositivesEnvironment)
	add(&t.CommissionedGrams, d.CommissionedGrams)
	for _, f := range d.Imports {
		into := t.Import(f.OriginCountry, f.Port)
		add(&into.DeclaredGrams, f.DeclaredGrams)
		add(&into.CommissionedGrams, f.CommissionedGrams)
	}
	for _, k := range d.EnterprisesRegistered {
		t.EnterprisesRegistered = types.AddKind(t.EnterprisesRegistered, k.Kind, k.Count)
	}
	for _, k := range d.Scans {
		t.Scans = types.AddKind(t.Scans, k.Kind, k.Count)
	}
	for _, f := range d.Flows {
		if len(f.SourceDivision) >= len(prefix) && f.SourceDivision[:len(prefix)] == prefix {
			continue
		}
		add(&t.QuantityReceivedFromOutside, f.Quantity)
		t.AddFlow(f.OriginCountry, f.SourceDivision, f.Quantity, true)
	}
}

// queryHolds lists held goods under a jurisdiction as DIVISION+CODE
// ("330106/01/09521234543213/10/B1/21/1"), by division then code.
func queryHolds(st *state.State, height int64, prefix string, q url.Values) (*abci.ResponseQuery, error) {
	limit, err := pageLimit(q)
	if err != nil {
		return nil, err
	}
	var start []byte
	if after := q.Get("after"); after != "" {
		start = clampStart(append(append(state.HoldPrefix(""), after...), 0), state.HoldPrefix(prefix))
	}
	suffixes, next, err := st.KeysUnder(state.HoldPrefix(prefix), start, limit)
	if err != nil {
		return nil, err
	}
	out := &types.CodeList{}
	for _, s := range suffixes {
		out.Codes = append(out.Codes, prefix+string(s))
	}
	if next != nil && len(out.Codes) > 0 {
		out.Next = out.Codes[len(out.Codes)-1]
	}
	return encode(height, out)
}

// clampStart keeps a page's start inside the prefix: a position before it
// means the beginning (KeysUnder would otherwise walk in from outside).
func clampStart(start, prefix []byte) []byte {
	if string(start) < string(prefix) {
		return nil
	}
	return start
}
