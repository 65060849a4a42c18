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

func queryStats(st *state.State, height int64, prefix, from, to string) (*abci.ResponseQuery, error) {
	for _, d := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if d.v != "" {
			if err := types.ValidateDate(d.name, d.v, false); err != nil {
				return nil, types.ErrBadQuery.Wrapf("%v", err)
			}
		}
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
		out.Days = append(out.Days, d)
		sumStats(out.Total, d, prefix)
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

// sumStats adds a division's day to the jurisdiction's total. Flows between
// divisions of the jurisdiction are internal to it and left out of the total.
func sumStats(t, d *types.DayStats, prefix string) {
	t.CodesCommissioned += d.CodesCommissioned
	t.QuantitySold = types.Add(t.QuantitySold, d.QuantitySold, true)
	t.Holds += d.Holds
	t.Positives += d.Positives
	t.Alerts += d.Alerts
	for _, f := range d.Flows {
		if len(f.SourceDivision) >= len(prefix) && f.SourceDivision[:len(prefix)] == prefix {
			continue
		}
		t.QuantityReceivedFromOutside = types.Add(t.QuantityReceivedFromOutside, f.Quantity, true)
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
